# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
One Euro filters (Casiez, Roussel and Vogel, CHI 2012) for keypoints, heads and gaze.

An adaptive low-pass filter: at low speed a low cutoff removes jitter, at high speed the
cutoff rises with the (filtered) speed so fast motion lags little. Here it runs element-wise
over numpy arrays, is NaN-aware (a lost point restarts from its next measurement) and uses
the image stamps for time, so dropped frames are handled correctly.
"""

import math
from typing import Optional, Tuple

import numpy as np

from pose_ros.config import BodyConfig
from pose_ros.filters.track_state import PerTrackState
from pose_ros.geometry.head_pose import head_angles
from pose_ros.geometry.vectors import slerp, unit
from pose_ros.people import GazeSource, Head, Keypoints, PositionSource
from transforms3d.quaternions import quat2mat


def _validate(min_cutoff: float, beta: float, d_cutoff: float) -> None:
    if not (math.isfinite(min_cutoff) and min_cutoff > 0):
        raise ValueError(f'one euro filter: min_cutoff must be finite and > 0 Hz, '
                         f'got {min_cutoff}')
    if not (math.isfinite(beta) and beta >= 0):
        raise ValueError(f'one euro filter: beta must be finite and >= 0, got {beta}')
    if not (math.isfinite(d_cutoff) and d_cutoff > 0):
        raise ValueError(f'one euro filter: d_cutoff must be finite and > 0 Hz, got {d_cutoff}')


def _alpha(cutoff, dt: float):
    """Smoothing factor of a first-order low-pass with ``cutoff`` (Hz) sampled every ``dt``."""
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """
    Element-wise One Euro filter over arrays of one fixed shape.

    :param min_cutoff: cutoff frequency (Hz) at zero speed; lower is smoother but laggier.
    :param beta: speed coefficient (1 / the signal's units); higher lags less when moving.
    :param d_cutoff: cutoff frequency (Hz) of the speed estimate.

    Call with ``(x, t)``, ``t`` in seconds (the image stamp). NaN elements of ``x`` give NaN
    and forget that element's state. A stamp not later than the previous one returns the
    previous output and leaves the state as it was.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0):
        _validate(min_cutoff, beta, d_cutoff)
        self._min_cutoff = float(min_cutoff)
        self._beta = float(beta)
        self._d_cutoff = float(d_cutoff)
        self.reset()

    @property
    def min_cutoff(self) -> float:
        return self._min_cutoff

    @min_cutoff.setter
    def min_cutoff(self, value: float) -> None:
        _validate(value, self._beta, self._d_cutoff)
        self._min_cutoff = float(value)

    @property
    def beta(self) -> float:
        return self._beta

    @beta.setter
    def beta(self, value: float) -> None:
        _validate(self._min_cutoff, value, self._d_cutoff)
        self._beta = float(value)

    @property
    def d_cutoff(self) -> float:
        return self._d_cutoff

    @d_cutoff.setter
    def d_cutoff(self, value: float) -> None:
        _validate(self._min_cutoff, self._beta, value)
        self._d_cutoff = float(value)

    @property
    def shape(self) -> Optional[Tuple[int, ...]]:
        """Return the shape this filter is bound to (set by the first call), None before."""
        return None if self._x is None else self._x.shape

    def reset(self) -> None:
        """Forget all state; the next call returns its input and fixes a new shape."""
        self._x: Optional[np.ndarray] = None    # last filtered value, NaN = no state
        self._dx: Optional[np.ndarray] = None   # last filtered speed (units / s)
        self._t: Optional[float] = None
        self._out: Optional[np.ndarray] = None

    def __call__(self, x, t: float) -> np.ndarray:
        """Filter ``x`` measured at time ``t`` (seconds); returns a new array of x's shape."""
        x = np.asarray(x)
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)
        x = x.astype(np.float64)
        t = float(t)
        if not math.isfinite(t):
            raise ValueError(f'one euro filter: time must be finite, got {t}')
        if self._x is None:
            self._x = np.full(x.shape, np.nan)
            self._dx = np.zeros(x.shape)
        elif x.shape != self._x.shape:
            raise ValueError(f'one euro filter: shape {x.shape} differs from the shape '
                             f'{self._x.shape} it was started with; reset() first')
        elif t <= self._t:
            # Duplicate or out-of-order stamp: no time has passed, nothing to update.
            return self._out.copy()

        finite = np.isfinite(x)
        tracked = finite & np.isfinite(self._x)   # elements with state to filter from
        out = np.where(finite, x, np.nan)         # new or re-appearing elements: raw input
        dx_new = np.zeros(x.shape)
        if tracked.any():
            dt = t - self._t
            x_t = x[tracked]
            prev = self._x[tracked]
            dx = (x_t - prev) / dt
            edx = self._dx[tracked] + _alpha(self._d_cutoff, dt) * (dx - self._dx[tracked])
            cutoff = self._min_cutoff + self._beta * np.abs(edx)
            out[tracked] = prev + _alpha(cutoff, dt) * (x_t - prev)
            dx_new[tracked] = edx

        self._x = out
        self._dx = dx_new
        self._t = t
        self._out = out.astype(dtype)
        return self._out.copy()


class TrackSmoother(PerTrackState[Tuple[str, PositionSource, OneEuroFilter, OneEuroFilter]]):
    """
    One Euro smoothing of Keypoints (xy and xyz, not conf), one filter pair per track.

    Track id -1 (or any negative id: untracked) passes through unsmoothed. Filters of a
    track restart when its schema or its xyz position_source changes, so values from
    different skeletons or 3D sources are never blended.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0):
        _validate(min_cutoff, beta, d_cutoff)
        super().__init__()   # track id -> (schema, xyz position source, xy filter, xyz filter)
        self._params = (float(min_cutoff), float(beta), float(d_cutoff))

    @property
    def params(self) -> Tuple[float, float, float]:
        """Return the current (min_cutoff, beta, d_cutoff)."""
        return self._params

    def set_params(self, min_cutoff: Optional[float] = None, beta: Optional[float] = None,
                   d_cutoff: Optional[float] = None) -> None:
        """Change parameters (None keeps one) of all current and future filters."""
        new = (self._params[0] if min_cutoff is None else float(min_cutoff),
               self._params[1] if beta is None else float(beta),
               self._params[2] if d_cutoff is None else float(d_cutoff))
        _validate(*new)   # all or nothing: no filter sees a half-applied change
        self._params = new
        for _, _, f_xy, f_xyz in self._tracks.values():
            for f in (f_xy, f_xyz):
                f.min_cutoff, f.beta, f.d_cutoff = new

    def smooth(self, track_id: int, keypoints: Keypoints, t: float) -> Keypoints:
        """Return new Keypoints with xy and xyz smoothed for ``track_id`` at time ``t`` (s)."""
        if track_id < 0:
            return Keypoints(keypoints.schema, keypoints.xy.copy(), keypoints.conf.copy(),
                             keypoints.xyz.copy(), keypoints.position_source)
        state = self._tracks.get(track_id)
        if state is None or state[0] != keypoints.schema.name:
            state = (keypoints.schema.name, keypoints.position_source,
                     OneEuroFilter(*self._params), OneEuroFilter(*self._params))
        elif state[1] != keypoints.position_source:
            state = (state[0], keypoints.position_source, state[2], OneEuroFilter(*self._params))
        self._tracks[track_id] = state
        _, _, f_xy, f_xyz = state
        return Keypoints(keypoints.schema, f_xy(keypoints.xy, t), keypoints.conf.copy(),
                         f_xyz(keypoints.xyz, t), keypoints.position_source)


class QuaternionOneEuro:
    """
    One Euro filter on rotations: the same adaptive low-pass, with slerp as the blend.

    The speed is the angular speed (rad/s) between the last output and the new measurement, so
    the cutoff adapts to how fast the head turns whatever the axis, and ``q`` and ``-q`` (the
    same rotation) are the same input: each measurement is taken on the hemisphere of the last
    output before blending, so a sign flip from solvePnP never makes the filter swing.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.3, d_cutoff: float = 1.0):
        OneEuroFilter(min_cutoff, beta, d_cutoff)    # validates the parameters
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.reset()

    def reset(self) -> None:
        self._q: Optional[np.ndarray] = None
        self._speed = 0.0
        self._t: Optional[float] = None

    def __call__(self, q: np.ndarray, t: float) -> np.ndarray:
        """Filter unit quaternion ``q`` (w, x, y, z) measured at ``t`` seconds."""
        q = unit(np.asarray(q, np.float64).reshape(4))
        if q is None:
            raise ValueError('quaternion one euro filter: quaternion must be finite, non-zero')
        if self._q is None:
            self._q, self._t = q, float(t)
            return q.copy()
        if t <= self._t:
            return self._q.copy()
        dt = float(t) - self._t
        if np.dot(q, self._q) < 0.0:
            q = -q
        angle = 2.0 * math.acos(min(1.0, float(np.dot(q, self._q))))
        self._speed += _alpha(self.d_cutoff, dt) * (angle / dt - self._speed)
        cutoff = self.min_cutoff + self.beta * abs(self._speed)
        self._q = slerp(self._q, q, _alpha(cutoff, dt))
        self._t = float(t)
        return self._q.copy()


class HeadSmoother(PerTrackState[list]):
    """
    Temporal smoothing of head poses and gaze, per track.

    Position: element-wise One Euro (metres, ``beta`` in 1 / (m/s)). Rotation:
    :class:`QuaternionOneEuro` (``rot_beta`` in 1 / (rad/s)); yaw, pitch and roll are recomputed
    from the smoothed rotation and position. Gaze: One Euro on the unit vector, renormalised;
    it restarts when the gaze source changes (iris and head-axis gaze are not blended).
    Negative track ids (untracked) pass through unchanged.
    """

    def __init__(self, min_cutoff: float, beta: float, rot_min_cutoff: float,
                 rot_beta: float, d_cutoff: float):
        OneEuroFilter(min_cutoff, beta, d_cutoff)
        OneEuroFilter(rot_min_cutoff, rot_beta, d_cutoff)
        super().__init__()   # track id -> [position, rotation, gaze filter, gaze source]
        self._params = (min_cutoff, beta, rot_min_cutoff, rot_beta, d_cutoff)

    @classmethod
    def from_config(cls, config: BodyConfig) -> 'HeadSmoother':
        """Return the smoother of ``config``: head.* cutoffs and betas, smoothing.d_cutoff."""
        h = config.head
        return cls(h.min_cutoff, h.beta, h.rot_min_cutoff, h.rot_beta, config.smoothing.d_cutoff)

    @property
    def params(self) -> Tuple[float, float, float, float, float]:
        """Return (min_cutoff, beta, rot_min_cutoff, rot_beta, d_cutoff)."""
        return self._params

    def set_params(self, min_cutoff: float, beta: float, rot_min_cutoff: float,
                   rot_beta: float, d_cutoff: float) -> None:
        """Change the parameters of all current and future filters (state is kept)."""
        OneEuroFilter(min_cutoff, beta, d_cutoff)
        OneEuroFilter(rot_min_cutoff, rot_beta, d_cutoff)
        self._params = (min_cutoff, beta, rot_min_cutoff, rot_beta, d_cutoff)
        for f_pos, f_rot, f_gaze, _ in self._tracks.values():
            f_pos.min_cutoff, f_pos.beta, f_pos.d_cutoff = min_cutoff, beta, d_cutoff
            f_rot.min_cutoff, f_rot.beta, f_rot.d_cutoff = rot_min_cutoff, rot_beta, d_cutoff
            f_gaze.min_cutoff, f_gaze.beta, f_gaze.d_cutoff = rot_min_cutoff, rot_beta, d_cutoff

    def _new_state(self) -> list:
        p_cut, p_beta, r_cut, r_beta, d_cut = self._params
        return [OneEuroFilter(p_cut, p_beta, d_cut), QuaternionOneEuro(r_cut, r_beta, d_cut),
                OneEuroFilter(r_cut, r_beta, d_cut), GazeSource.NONE]

    def smooth(self, track_id: int, head: Head, t: float) -> Head:
        """Return a new, smoothed Head for ``track_id`` measured at ``t`` (image stamp, s)."""
        if track_id < 0:
            return Head(np.array(head.position, np.float64),
                        np.array(head.quaternion, np.float64), head.yaw, head.pitch,
                        head.roll, head.reprojection_error,
                        np.array(head.gaze, np.float64), head.gaze_source)
        state = self._tracks.get(track_id)
        if state is None:
            state = self._tracks[track_id] = self._new_state()
        f_pos, f_rot, f_gaze, source = state
        position = f_pos(np.asarray(head.position, np.float64), t)
        quat = f_rot(head.quaternion, t)
        if head.gaze_source != source:
            f_gaze.reset()
            state[3] = head.gaze_source
        gaze = np.asarray(head.gaze, np.float64)
        if np.isfinite(gaze).all():
            direction = unit(f_gaze(gaze, t))
            gaze = direction if direction is not None else np.full(3, np.nan)
        else:
            f_gaze.reset()
        yaw, pitch, roll = head_angles(quat2mat(quat), position)
        return Head(position=position, quaternion=quat, yaw=yaw, pitch=pitch, roll=roll,
                    reprojection_error=head.reprojection_error, gaze=gaze,
                    gaze_source=head.gaze_source)
