# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Steps: each time the feet swap which one is ahead.

The measure is the left ankle minus the right ankle, across "up" (in 3D: on the floor; in 2D:
the image's horizontal, plus its vertical for walking towards or away from the camera, where
the nearer foot is lower in the image). The walking direction is the direction in which that
difference has varied most over the last ``window`` seconds; projected on it, the difference
changes sign at every step. A swap counts once the new foot is ``min_stride`` torso lengths
ahead (the hysteresis), and only while the feet move at all (``min_swing``), more along
the walking direction than across it, and a foot swings fast (``min_swing_speed``): feet
standing apart, detector noise and shuffling make no steps. Feet that open and close
sideways (a jumping jack) are told apart in 3D by their direction, along the hips; in 2D a
diagonal walk looks the same, so there no steps count while the arms are raised above the
shoulders (a jack raises them, walking does not).

The first foot ahead after standing is only a step once a second one follows within
``max_interval``: shifting one's weight is not walking.
"""

from collections import deque
from typing import Deque, Optional, Tuple

import numpy as np
from pose_ros.activity.body_signals import BodySignals, principal_axis
from pose_ros.config import StepsConfig

# The feet's spread along the walking direction must exceed the spread across it this many
# times (noise spreads evenly).
_ANISOTROPY = 2.0
# Feet swinging along a direction closer to the hip line than this cosine step sideways or
# jump (3D).
_SIDEWAYS = 0.75
# Arms raised this far from the torso are not walking (2D; walking swings them 20-45).
_ARMS_UP_DEG = 80.0
# Foot speeds are measured over about a quarter second: frame to frame, the detector's error
# would outrun a foot.
_SPEED_SPAN_S = 0.25


class StepCounter:
    """One person's steps and cadence."""

    def __init__(self, config: StepsConfig) -> None:
        self.config = config
        self._dims = 0
        self._raw: Deque[np.ndarray] = deque(maxlen=3)      # the last ankles, torso lengths
        self._feet: Deque[Tuple[float, np.ndarray]] = deque()   # (t, their median)
        self._positions: Deque[np.ndarray] = deque()  # (2, D) ankles of the same frames
        self._hips: Deque[np.ndarray] = deque()       # their hip line, torso lengths
        self._arms: Deque[float] = deque()            # their arm raise, degrees
        self._axis: Optional[np.ndarray] = None
        self._ahead = 0                 # +1 left ahead, -1 right ahead, 0 not walking
        self._last_swap = -np.inf
        self._pending = False           # the first foot ahead, not yet a step
        self._times: Deque[float] = deque()
        self.count = 0

    def update(self, t: float, s: BodySignals, torso: Optional[float]) -> int:
        """Take one frame; return the number of steps it completed (0, 1 or 2)."""
        c = self.config
        if t - self._last_swap > c.max_interval:
            self._ahead, self._pending = 0, False         # stopped walking
        while self._feet and self._feet[0][0] < t - c.window:
            self._feet.popleft()
            self._positions.popleft()
            self._hips.popleft()
            self._arms.popleft()
        if not torso or not np.isfinite(s.ankles).all() or s.ankles.size == 0:
            return 0
        raw = s.ankles / torso
        if not np.isfinite(s.hips).all():
            return 0
        if s.dims != self._dims:                            # 2D and 3D do not mix
            self._dims = s.dims
            self._raw.clear()
            self._feet.clear()
            self._positions.clear()
            self._hips.clear()
            self._arms.clear()
        self._raw.append(raw)
        self._hips.append(s.hips / torso)
        # The feet stand about as far apart as the hips: what is left is one foot ahead of
        # the other (in 2D also the hip width's share of a diagonal walk). The hip line is
        # averaged over the window: one frame's hips are the noisiest joints.
        feet = np.median(np.array(self._raw), axis=0) - np.mean(np.array(self._hips), axis=0)
        self._feet.append((t, feet))
        # Positions as measured: dividing them by a torso length that varies a little from
        # frame to frame would move both feet at once (far from the camera, a lot).
        self._positions.append(s.feet)
        self._arms.append(s.arm_raise_deg)
        history = np.array([f for _, f in self._feet])
        axis, along, across = principal_axis(history, self._axis)
        if axis is None or along < c.min_swing or along < _ANISOTROPY * across:
            return 0
        self._axis = axis
        value = float(feet @ axis)
        side = 1 if value >= c.min_stride else -1 if value <= -c.min_stride else 0
        if side == 0 or side == self._ahead:
            return 0
        first = self._ahead == 0
        previous = self._last_swap if not first else t - self.config.max_interval
        self._ahead, self._last_swap = side, t
        if first:
            self._pending = True
            return 0
        if not self._walking(torso, previous, axis):
            self._pending = False
            return 0
        steps = 1 + int(self._pending)
        self._pending = False
        self.count += steps
        self._times.extend([t] * steps)
        return steps

    def _walking(self, torso: float, since: float, axis: np.ndarray) -> bool:
        """Say whether the feet moved the way walking moves them, since ``since``."""
        times = np.array([t for t, _ in self._feet])
        recent = times >= since - _SPEED_SPAN_S
        later = np.searchsorted(times, times + _SPEED_SPAN_S)
        ok = recent & (later < len(times))
        if not ok.any():
            return False
        i, j = np.nonzero(ok)[0], later[ok]
        positions = np.array(self._positions)                     # (N, 2, D)
        speeds = np.linalg.norm(positions[j] - positions[i], axis=2) \
            / (times[j] - times[i])[:, None] / torso
        if float(speeds.max()) < self.config.min_swing_speed:
            return False                                          # shuffling, or noise
        if self._dims == 3:
            hips = np.nanmean(np.array(self._hips), axis=0)
            norm = float(np.linalg.norm(hips))
            return norm == 0.0 or abs(float(axis @ hips)) / norm <= _SIDEWAYS
        arms = np.array(self._arms)                 # over the whole window: a jack's
        return not (np.isfinite(arms) & (arms >= _ARMS_UP_DEG)).any()   # feet lead its arms

    def cadence(self, t: float) -> float:
        """Return steps per minute over the last ``cadence_window`` seconds (NaN: none)."""
        while self._times and self._times[0] < t - self.config.cadence_window:
            self._times.popleft()
        if len(self._times) < 2:
            return float('nan')
        span = max(t - self._times[0], 1e-6)
        return 60.0 * (len(self._times) - 1) / span
