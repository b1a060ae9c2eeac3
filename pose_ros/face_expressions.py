# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Facial expressions from the face mesh: eye openness, blinks, mouth openness, smile, brows.

Pure geometry and per-track state, no model. Every measure is a ratio of **3D distances within
the face**, divided by a length of the same face, so neither the distance to the camera (a
scale) nor the head's turn (a rotation) changes it. The body node measures the face placed in
metres with its head pose (:func:`pose_ros.geometry.face_mesh.mesh_keypoints`), which also
undoes the perspective (at arm's length the near half of a turned face looks larger: on
synthetic faces 0.4 m away and turned 40 degrees the brow scale read 0.43 off from the
raw mesh, and within 0.08 placed); without a head pose it measures the mesh as MediaPipe gives
it (x, y pixels and the relative depth z in the same pixels). Indices are MediaPipe's face-mesh
vertices; "right" is the person's own right (the eye on the image's left).

- **Face size**: ``iod``, the distance between the outer eye corners (33, 263).
- **Face axes**: ``across`` from the right outer eye corner to the left one; ``up`` from the
  chin (152) to the top of the forehead (10), made orthogonal to ``across``.
- **Eye openness** (each eye): the mean of three lid distances, upper to lower lid at a
  quarter, half and three quarters of the eye (right 160-144, 159-145, 158-153; left 385-380,
  386-374, 387-373), over the distance of the eye's corners (33-133; 263-362): the eye aspect
  ratio. 0 at or below ``eye_shut`` (0.08), 1 at or above ``eye_open`` (0.26); the real
  portraits of the development media measure 0.21 to 0.34 with open eyes.
- **Mouth openness**: the gap between the inner lips at the centre (13-14) over ``iod``: 0 at
  or below ``mouth_shut`` (0.02), 1 at ``mouth_open`` (0.40, a mouth open about 36 mm on an
  average face).
- **Smile**: the mean of two terms, each clipped to 0..1: the mouth's width (corners 61-291)
  over ``iod``, 0 at ``smile_width`` [0] (0.62) and 1 at [1] (0.75); and how far the corners'
  midpoint lies above the midpoint of the inner lip centres (13, 14) along ``up``, over
  ``iod``, 0 at ``smile_lift`` [0] (-0.02) and 1 at [1] (0.04). Using the centre between the
  inner lips keeps a dropped jaw (mouth open, corners half way down) from reading as a smile.
- **Brow raise**: how far each brow's upper edge (right 63, 105, 66; left 293, 334, 296) lies
  above its eye's corners' midpoint along ``up``, over ``iod``, averaged over both brows: 0 at
  ``brow_neutral`` (0.27) and 1 at ``brow_raised`` (0.36, about 8 mm higher on an average
  face). The development portraits read 0.22 to 0.28 at rest.
- **Blinks** (:class:`ExpressionTracker`, per track, on the unsmoothed openness of both eyes
  averaged): the eyes count as closed below ``blink_closed`` and open again above
  ``blink_open`` (hysteresis); a closure that ends within ``blink_max_duration`` is a blink
  (``Expression.blink`` true in the frame it ends, ``blinks`` counted up); a longer one is
  closed eyes, not a blink.

The scales are anchored to MediaPipe's mesh on neutral faces and anatomical averages, not
fitted to anyone: people differ (a resting smile, heavy brows), so read them as relative
within a track more than as absolute labels. All are NaN when the points they need are not
finite or the face is degenerate (``iod`` zero).
"""

from dataclasses import dataclass, replace
import math
from typing import Optional, Tuple

import numpy as np
from pose_ros.config import BodyConfig
from pose_ros.filters.one_euro import OneEuroFilter
from pose_ros.filters.track_state import PerTrackState
from pose_ros.people import Expression, EXPRESSION_SCALES

RIGHT_EYE_CORNERS = (33, 133)
LEFT_EYE_CORNERS = (263, 362)
RIGHT_EYE_LIDS = ((160, 144), (159, 145), (158, 153))
LEFT_EYE_LIDS = ((385, 380), (386, 374), (387, 373))
INNER_LIPS = (13, 14)
MOUTH_CORNERS = (61, 291)
RIGHT_BROW = (63, 105, 66)
LEFT_BROW = (293, 334, 296)
FOREHEAD_TOP = 10
CHIN = 152
MIN_IOD = 1e-6         # metres or pixels: below it the face is a point


@dataclass(frozen=True)
class ExpressionScales:
    """The raw ratios that read 0 and 1 on each scale (see the module docstring)."""

    eye_shut: float = 0.08
    eye_open: float = 0.26
    mouth_shut: float = 0.02
    mouth_open: float = 0.40
    smile_width: Tuple[float, float] = (0.62, 0.75)
    smile_lift: Tuple[float, float] = (-0.02, 0.04)
    brow_neutral: float = 0.27
    brow_raised: float = 0.36


@dataclass(frozen=True)
class FaceMeasures:
    """The raw ratios of one face (NaN when unknown)."""

    right_eye: float        # eye aspect ratio
    left_eye: float
    mouth_gap: float        # inner lip gap / iod
    mouth_width: float      # corner distance / iod
    corner_lift: float      # corners above the inner lip centre, / iod
    brow_height: float      # brows above the eyes, / iod, both sides averaged


def _scale(value: float, low: float, high: float) -> float:
    if not math.isfinite(value):
        return float('nan')
    return float(min(1.0, max(0.0, (value - low) / (high - low))))


def _unit(v: np.ndarray) -> Optional[np.ndarray]:
    n = float(np.linalg.norm(v))
    return v / n if math.isfinite(n) and n > 1e-9 else None


def measure_face(mesh: np.ndarray) -> FaceMeasures:
    """
    Return the raw ratios of a face mesh.

    :param mesh: (478, 3) or (468, 3) points of one face in MediaPipe's order: metres (the
        placed face) or the estimator's x, y pixels and relative depth; (N, 2) is accepted too
        (then the measures are those of the image plane, which a turned head foreshortens).
    """
    pts = np.asarray(mesh, np.float64)
    if pts.ndim != 2 or pts.shape[0] < 468 or pts.shape[1] not in (2, 3):
        raise ValueError(f'a face mesh is (468 or 478, 2 or 3), got {pts.shape}')
    nan = float('nan')

    def dist(a: int, b: int) -> float:
        return float(np.linalg.norm(pts[a] - pts[b]))

    iod = dist(RIGHT_EYE_CORNERS[0], LEFT_EYE_CORNERS[0])
    if not (math.isfinite(iod) and iod >= MIN_IOD):
        return FaceMeasures(nan, nan, nan, nan, nan, nan)

    def eye(corners: Tuple[int, int], lids: Tuple[Tuple[int, int], ...]) -> float:
        width = dist(*corners)
        if not (math.isfinite(width) and width > 1e-9):
            return nan
        return float(np.mean([dist(a, b) for a, b in lids])) / width

    across = _unit(pts[LEFT_EYE_CORNERS[0]] - pts[RIGHT_EYE_CORNERS[0]])
    up = None
    if across is not None:
        raw_up = pts[FOREHEAD_TOP] - pts[CHIN]
        up = _unit(raw_up - float(np.dot(raw_up, across)) * across)
    lift = brows = nan
    if up is not None:
        lips = pts[list(INNER_LIPS)].mean(axis=0)
        corners = pts[list(MOUTH_CORNERS)].mean(axis=0)
        lift = float(np.dot(corners - lips, up)) / iod
        sides = []
        for brow, eye_corners in ((RIGHT_BROW, RIGHT_EYE_CORNERS), (LEFT_BROW, LEFT_EYE_CORNERS)):
            rise = pts[list(brow)].mean(axis=0) - pts[list(eye_corners)].mean(axis=0)
            sides.append(float(np.dot(rise, up)) / iod)
        brows = float(np.mean(sides))
    return FaceMeasures(right_eye=eye(RIGHT_EYE_CORNERS, RIGHT_EYE_LIDS),
                        left_eye=eye(LEFT_EYE_CORNERS, LEFT_EYE_LIDS),
                        mouth_gap=dist(*INNER_LIPS) / iod,
                        mouth_width=dist(*MOUTH_CORNERS) / iod,
                        corner_lift=lift, brow_height=brows)


def expression_of(measures: FaceMeasures,
                  scales: ExpressionScales = ExpressionScales()) -> Expression:
    """Return the 0..1 scales of one face's raw ratios (no blink: that takes a track)."""
    s = scales
    width = _scale(measures.mouth_width, *s.smile_width)
    lift = _scale(measures.corner_lift, *s.smile_lift)
    return Expression(
        left_eye_openness=_scale(measures.left_eye, s.eye_shut, s.eye_open),
        right_eye_openness=_scale(measures.right_eye, s.eye_shut, s.eye_open),
        mouth_openness=_scale(measures.mouth_gap, s.mouth_shut, s.mouth_open),
        smile=float(np.mean([width, lift])) if math.isfinite(width + lift) else float('nan'),
        brow_raise=_scale(measures.brow_height, s.brow_neutral, s.brow_raised))


def eyes_openness(expression: Expression) -> float:
    """Return both eyes' openness averaged (one eye's when the other is unknown; else NaN)."""
    values = [v for v in (expression.left_eye_openness, expression.right_eye_openness)
              if math.isfinite(v)]
    return float(np.mean(values)) if values else float('nan')


@dataclass(frozen=True)
class BlinkSettings:
    """When the eyes count as closed, open again, and how long a blink may last (s)."""

    closed: float
    reopened: float
    max_duration: float

    @classmethod
    def from_config(cls, config: BodyConfig) -> 'BlinkSettings':
        """Return the settings of ``face.blink_*``."""
        face = config.face
        return cls(face.blink_closed, face.blink_open, face.blink_max_duration)

    def __post_init__(self) -> None:
        if not 0.0 <= self.closed < self.reopened <= 1.0:
            raise ValueError(f'blink thresholds need 0 <= closed < reopened <= 1, got '
                             f'{self.closed}, {self.reopened}')
        if not self.max_duration > 0:
            raise ValueError(f'blink max_duration must be > 0, got {self.max_duration}')


def expression_params(config: BodyConfig) -> Tuple[BlinkSettings, float, float, float]:
    """Return the :class:`ExpressionTracker` settings of ``config``."""
    face = config.face
    return (BlinkSettings.from_config(config), face.min_cutoff, face.beta,
            config.smoothing.d_cutoff)


class _TrackExpression:
    """One track's state: the smoothing filter and the blink detector."""

    def __init__(self, min_cutoff: float, beta: float, d_cutoff: float) -> None:
        self.filter = OneEuroFilter(min_cutoff, beta, d_cutoff)
        self.eyes_closed_since: Optional[float] = None
        self.seen_open = False      # a blink needs open eyes before it
        self.blinks = 0


class ExpressionTracker(PerTrackState[_TrackExpression]):
    """
    Per-track smoothing of the expression scales and blink detection.

    The five scales go through a One Euro filter per track (``min_cutoff`` Hz, ``beta`` in
    1 / (scale units per second)); blinks are detected on the raw eye openness, before the
    smoothing that would flatten them. Untracked faces (track id < 0) pass through unsmoothed,
    with no blinks.
    """

    def __init__(self, blink: BlinkSettings, min_cutoff: float, beta: float,
                 d_cutoff: float) -> None:
        OneEuroFilter(min_cutoff, beta, d_cutoff)     # validates
        super().__init__()
        self.blink = blink
        self._params = (min_cutoff, beta, d_cutoff)

    @classmethod
    def from_config(cls, config: BodyConfig) -> 'ExpressionTracker':
        """Return the tracker of ``face.*`` and ``smoothing.d_cutoff``."""
        return cls(*expression_params(config))

    def set_params(self, blink: BlinkSettings, min_cutoff: float, beta: float,
                   d_cutoff: float) -> None:
        """Change the settings of all current and future tracks (their state is kept)."""
        OneEuroFilter(min_cutoff, beta, d_cutoff)
        self.blink = blink
        self._params = (min_cutoff, beta, d_cutoff)
        for state in self._tracks.values():
            f = state.filter
            f.min_cutoff, f.beta, f.d_cutoff = min_cutoff, beta, d_cutoff

    def update(self, track_id: int, expression: Expression, t: float,
               smooth: bool = True) -> Expression:
        """Return the smoothed expression of ``track_id`` at ``t`` (s), with blink and count."""
        if track_id < 0:
            return replace(expression, blink=False, blinks=0)
        state = self._tracks.get(track_id)
        if state is None:
            state = self._tracks[track_id] = _TrackExpression(*self._params)
        blink = self._blink(state, eyes_openness(expression), t)
        values = np.array([getattr(expression, name) for name in EXPRESSION_SCALES], np.float64)
        if smooth:
            values = state.filter(values, t)
        return Expression(**dict(zip(EXPRESSION_SCALES, (float(v) for v in values))), blink=blink,
                          blinks=state.blinks)

    def _blink(self, state: _TrackExpression, openness: float, t: float) -> bool:
        if not math.isfinite(openness):
            return False        # no eyes this frame: neither closes nor opens them
        settings = self.blink
        if state.eyes_closed_since is None:
            if openness < settings.closed and state.seen_open:
                state.eyes_closed_since = t
            elif openness > settings.reopened:
                state.seen_open = True
            return False
        if openness <= settings.reopened:
            return False
        duration = t - state.eyes_closed_since
        state.eyes_closed_since = None
        if duration <= settings.max_duration:
            state.blinks += 1
            return True
        return False

    def reset_filters(self) -> None:
        """Restart the smoothing and any closure in progress (time jumped); keep the counts."""
        for state in self._tracks.values():
            state.filter.reset()
            state.eyes_closed_since = None
