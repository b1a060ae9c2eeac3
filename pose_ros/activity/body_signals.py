# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The few numbers the activity analytics read from one skeleton, in one unit: torso lengths.

A skeleton is measured in 3D when its keypoints are positions in the camera's optical frame
(aligned depth, or the model's metric skeleton placed in the camera frame) and in image
pixels otherwise. Both frames have +y pointing down, so with a roughly level camera "up" is
-y in either; every height, distance and speed is then divided by the person's torso length
(shoulder midpoint to hip midpoint), which makes the thresholds independent of the person's
size, their distance and of 2D against 3D. The torso length used is the person's own while
upright (:class:`TorsoReference`): a torso seen end-on while lying looks short, the person did
not shrink.
"""

from collections import deque
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from pose_ros.geometry.vectors import angle_deg
from pose_ros.people import CAMERA_FRAME_SOURCES, Keypoints

# Joints whose extent along "up" is the body's height (face points count: a person lying on
# the floor has the head at floor level too).
_EXTENT_JOINTS = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
                  'right_shoulder', 'left_hip', 'right_hip', 'left_knee', 'right_knee',
                  'left_ankle', 'right_ankle')
_UP = {2: np.array([0.0, -1.0]), 3: np.array([0.0, -1.0, 0.0])}
# A torso this close to vertical counts as upright, for the torso reference.
UPRIGHT_TILT_DEG = 30.0


@dataclass(frozen=True)
class BodySignals:
    """What one skeleton shows; lengths in the space's unit (pixels or metres), NaN unknown."""

    dims: int                     # 3: camera-frame metres; 2: pixels
    torso: float                  # shoulder midpoint to hip midpoint
    tilt_deg: float               # torso (hips to shoulders) from "up"; 90: horizontal
    hip_height: float             # hip midpoint along "up" (any origin: only changes count)
    extent: float                 # spread of the visible body joints along "up"
    hip_over_ankles: float        # hip midpoint above the ankle midpoint, along "up"
    knee_deg: float               # mean hip-knee-ankle angle of the visible legs; 180: straight
    elbow_deg: float              # mean shoulder-elbow-wrist angle of the visible arms
    elbow_min_deg: float          # the more bent of the visible arms' elbow angles
    arm_raise_deg: float          # mean angle of shoulder->wrist from the torso's "down"
    ankles: np.ndarray            # left ankle minus right ankle: 3D on the floor (x, z), 2D px
    feet: np.ndarray              # (2, D) left and right ankle, likewise
    hips: np.ndarray              # left hip minus right hip, likewise


def _point(kp: Keypoints, name: str, use_3d: bool, min_conf: float) -> np.ndarray:
    i = kp.schema.index(name)
    p = kp.xyz[i] if use_3d else kp.xy[i]
    conf = kp.conf[i]
    if not np.isfinite(p).all() or not (np.isfinite(conf) and conf >= min_conf):
        return np.full(3 if use_3d else 2, np.nan)
    return p.astype(np.float64)


def _mean_finite(values) -> float:
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float('nan')


def _has_3d(kp: Keypoints) -> bool:
    if kp.position_source not in CAMERA_FRAME_SOURCES:
        return False
    idx = [kp.schema.index(n) for n in ('left_shoulder', 'right_shoulder', 'left_hip',
                                        'right_hip')]
    return bool(np.isfinite(kp.xyz[idx]).all())


def measure(kp: Keypoints, min_conf: float = 0.3, use_3d: bool = True) -> BodySignals:
    """Measure one skeleton (any schema with the COCO body joint names)."""
    dims = 3 if use_3d and _has_3d(kp) else 2
    three = dims == 3
    up = _UP[dims]

    def p(name: str) -> np.ndarray:
        return _point(kp, name, three, min_conf)

    shoulders = {s: p(f'{s}_shoulder') for s in ('left', 'right')}
    hips = {s: p(f'{s}_hip') for s in ('left', 'right')}
    shoulder_mid = (shoulders['left'] + shoulders['right']) / 2
    hip_mid = (hips['left'] + hips['right']) / 2
    torso_vec = shoulder_mid - hip_mid
    torso = float(np.linalg.norm(torso_vec))
    tilt = angle_deg(torso_vec, up)

    heights = [float(p(n) @ up) for n in _EXTENT_JOINTS]
    heights = [h for h in heights if np.isfinite(h)]
    extent = max(heights) - min(heights) if len(heights) >= 4 else float('nan')

    knees, elbows, raises = [], [], []
    ankles = {}
    for s in ('left', 'right'):
        hip, knee, ankle = hips[s], p(f'{s}_knee'), p(f'{s}_ankle')
        knees.append(angle_deg(hip - knee, ankle - knee))
        ankles[s] = ankle
        shoulder, elbow, wrist = shoulders[s], p(f'{s}_elbow'), p(f'{s}_wrist')
        elbows.append(angle_deg(shoulder - elbow, wrist - elbow))
        raises.append(angle_deg(wrist - shoulder, -torso_vec))
    ankle_mid = (ankles['left'] + ankles['right']) / 2
    if not np.isfinite(ankle_mid).all():        # one ankle seen: the other is near it
        ankle_mid = ankles['left'] if np.isfinite(ankles['left']).all() else ankles['right']
    across = ankles['left'] - ankles['right']
    feet = np.stack([ankles['left'], ankles['right']])
    hip_line = hips['left'] - hips['right']
    if three:                                   # on the floor: the part across "up"
        across = (across - (across @ up) * up)[[0, 2]]
        feet = feet[:, [0, 2]]
        hip_line = (hip_line - (hip_line @ up) * up)[[0, 2]]
    return BodySignals(dims=dims, torso=torso, tilt_deg=tilt, hip_height=float(hip_mid @ up),
                       extent=float(extent), hip_over_ankles=float((hip_mid - ankle_mid) @ up),
                       knee_deg=_mean_finite(knees), elbow_deg=_mean_finite(elbows),
                       elbow_min_deg=min((e for e in elbows if np.isfinite(e)),
                                         default=float('nan')),
                       arm_raise_deg=_mean_finite(raises), ankles=across, feet=feet,
                       hips=hip_line)


class TorsoReference:
    """
    A person's torso length while upright: the unit of every activity threshold.

    The median of the last ``size`` upright torso lengths; the median of whatever was seen
    until an upright torso has been. Kept per space (a track's 3D may come and go).
    """

    def __init__(self, size: int = 30) -> None:
        self._upright = {2: deque(maxlen=size), 3: deque(maxlen=size)}
        self._any: dict = {2: deque(maxlen=size), 3: deque(maxlen=size)}

    def update(self, s: BodySignals) -> Optional[float]:
        """Add this skeleton's torso and return the reference (None: none known yet)."""
        if np.isfinite(s.torso) and s.torso > 0:
            upright = self._upright[s.dims]
            # In 2D a torso lying along the line of sight points "up" too, but looks short:
            # an upright torso is one of about the length already known.
            known = float(np.median(upright)) if upright else None
            if (np.isfinite(s.tilt_deg) and s.tilt_deg <= UPRIGHT_TILT_DEG
                    and (known is None or 0.75 <= s.torso / known <= 1.33)):
                upright.append(s.torso)
            else:
                self._any[s.dims].append(s.torso)
        return self.get(s.dims)

    def get(self, dims: int) -> Optional[float]:
        """Return the reference torso length in ``dims`` (None when none is known)."""
        for bucket in (self._upright[dims], self._any[dims]):
            if bucket:
                return float(np.median(bucket))
        return None

    def known_upright(self, dims: int) -> bool:
        """Say whether the reference comes from upright torsos (a fall needs one)."""
        return bool(self._upright[dims])


def in_torsos(value: float, torso: Optional[float]) -> float:
    """Return ``value`` in torso lengths (NaN when the reference is unknown)."""
    return value / torso if torso else float('nan')


def principal_axis(vectors: np.ndarray,
                   previous: Optional[np.ndarray]) -> Tuple[Optional[np.ndarray], float, float]:
    """
    Return the direction of largest spread of ``vectors`` (N, D), and the spread across it.

    Returns ``(direction, std along it, std across it)``; the direction's sign follows
    ``previous`` so that it does not flip from one call to the next.
    """
    if len(vectors) < 3 or vectors.shape[1] == 0:
        return None, 0.0, 0.0
    if vectors.shape[1] == 1:
        return np.ones(1), float(np.std(vectors)), 0.0
    cov = np.cov(vectors.T)
    values, axes = np.linalg.eigh(cov)
    axis = axes[:, -1]
    if previous is not None and previous.shape == axis.shape and axis @ previous < 0:
        axis = -axis
    return axis, float(np.sqrt(max(values[-1], 0.0))), float(np.sqrt(max(values[0], 0.0)))
