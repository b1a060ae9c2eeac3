# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Falls: a fast drop of the hips that ends lying down, and stays down.

Per tracked person, from :class:`~pose_ros.activity.body_signals.BodySignals` in torso
lengths. What tells a fall from its look-alikes:

- sitting down (on a chair or the floor) ends with the torso upright, not lying;
- bending over tilts the torso but the legs stay under it: the body still spans two torso
  lengths or more vertically, and the hips barely drop;
- lying down on purpose ends lying, but the hips come down slowly (``min_speed``);
- leaving the image, or being hidden, ends the track or hides the hips: a fall is only
  reported once the person has been *seen* lying for ``confirm`` seconds, and a stumble that
  ends upright within that time is no fall.

A fall needs the person to have been seen upright first (their torso length while upright is
the unit); someone first seen lying has not been seen falling.
"""

from collections import deque
from dataclasses import dataclass
from typing import Deque, Optional, Tuple

import numpy as np
from pose_ros.activity.body_signals import BodySignals, in_torsos, UPRIGHT_TILT_DEG
from pose_ros.config import FallConfig

# Hip speeds are measured over spans of this many seconds: long enough that the detector's
# per-frame error averages out, and that its jumps read slower than a fall (as a body turns
# horizontal, YOLO moves the hips and ankles by up to 0.6 torso lengths within 0.2 s: over
# 0.4 s that reads 1.5 torso lengths/s at most; the staged real lie-down over 6 s reads under
# 1.3); short enough that a fall's peak speed is not averaged out.
SPEED_SPAN_S = (0.4, 0.6)
# Frames not showing the person lying (missing, or ambiguous) tolerated while a fall is being
# confirmed.
MAX_GAP_S = 0.6

UPRIGHT, BENT, LYING, UNKNOWN = 'upright', 'bent', 'lying', 'unknown'


def posture(s: BodySignals, torso: Optional[float], config: FallConfig) -> str:
    """Return upright, bent, lying or unknown for one skeleton, given the reference torso."""
    extent = in_torsos(s.extent, torso)
    if not np.isfinite(s.tilt_deg) or not np.isfinite(extent):
        return UNKNOWN
    # In 2D a torso lying along the line of sight looks short and points any way; lying
    # with the head towards the camera, the feet are farther, so higher in the image than
    # the hips (standing, sitting or bending, they are always lower).
    end_on = s.dims == 2 and in_torsos(s.torso, torso) < 0.5
    head_first = s.dims == 2 and in_torsos(s.hip_over_ankles, torso) < -0.2
    if ((extent < config.lying_extent or head_first)
            and (s.tilt_deg >= config.lying_tilt_deg or end_on)):
        return LYING
    return UPRIGHT if s.tilt_deg <= UPRIGHT_TILT_DEG else BENT


@dataclass(frozen=True)
class FallUpdate:
    """What one frame changed: the posture, and 'fall' / 'got_up' when one happened."""

    posture: str
    event: Optional[str] = None


class FallDetector:
    """One person's fall state: normal, confirming a fall, or fallen."""

    def __init__(self, config: FallConfig) -> None:
        self.config = config
        # (t, hip height) and (t, hips above the ankles), in torso lengths. In 2D a fall
        # along the line of sight barely lowers the hips in the image but brings them down to
        # the feet; with the feet hidden, the hips' own height is all there is.
        self._heights: Tuple[Deque[Tuple[float, float]], ...] = (deque(), deque())
        self._confirming_since: Optional[float] = None
        self._last_lying = -np.inf
        self._top = np.nan              # hip height before the fall
        self._upright_since: Optional[float] = None
        self.fallen = False
        self.falls = 0

    def update(self, t: float, s: BodySignals, torso: Optional[float],
               seen_upright: bool) -> FallUpdate:
        """Take one frame of this person (``t`` seconds); return its posture and any event."""
        c = self.config
        now_posture = posture(s, torso, c)
        heights = (in_torsos(s.hip_height, torso), in_torsos(s.hip_over_ankles, torso))
        for history, h in zip(self._heights, heights):
            if np.isfinite(h):
                history.append((t, h))
            while history and history[0][0] < t - c.window - SPEED_SPAN_S[1]:
                history.popleft()
        if self.fallen:
            return FallUpdate(now_posture, self._recovering(t, now_posture, heights[0]))
        if self._confirming_since is not None:
            return FallUpdate(now_posture, self._confirming(t, now_posture))
        if now_posture == LYING and seen_upright and any(
                self._fast_drop(t, history, h) for history, h in zip(self._heights, heights)):
            self._top = max((v for _, v in self._heights[0]), default=np.nan)
            self._confirming_since = self._last_lying = t
            return FallUpdate(now_posture, self._confirming(t, now_posture))
        return FallUpdate(now_posture)

    def _fast_drop(self, t: float, history: Deque[Tuple[float, float]], hip: float) -> bool:
        """Say whether the hips dropped far and fast enough within the window before ``t``."""
        c = self.config
        if not np.isfinite(hip) or len(history) < 3:
            return False
        times, heights = np.array(history).T
        recent = times >= t - c.window
        top = float(heights[recent].max())
        if top - hip < c.min_drop:
            return False
        dt = times[None, :] - times[:, None]
        spans = (dt >= SPEED_SPAN_S[0]) & (dt <= SPEED_SPAN_S[1]) & recent[:, None]
        if not spans.any():
            return False
        speed = (heights[:, None] - heights[None, :])[spans] / dt[spans]
        return float(speed.max()) >= c.min_speed

    def _confirming(self, t: float, now_posture: str) -> Optional[str]:
        c = self.config
        if now_posture == UPRIGHT or t - self._last_lying > MAX_GAP_S:
            self._confirming_since = None           # a stumble, or the person is gone
            return None
        if now_posture == LYING:
            self._last_lying = t
        if t - self._confirming_since >= c.confirm:
            self._confirming_since = None
            self.fallen = True
            self.falls += 1
            self._upright_since = None
            return 'fall'
        return None

    def _recovering(self, t: float, now_posture: str, hip: float) -> Optional[str]:
        # Up again: upright with the hips back near where they were (not sitting on the floor).
        up = (now_posture == UPRIGHT and np.isfinite(hip)
              and hip >= self._top - self.config.min_drop / 2)
        if not up:
            self._upright_since = None
            return None
        if self._upright_since is None:
            self._upright_since = t
        if t - self._upright_since >= self.config.recover:
            self.fallen = False
            for history in self._heights:
                history.clear()
            return 'got_up'
        return None

    @property
    def confirming(self) -> bool:
        """Say whether a fall is being confirmed (the person went down fast and lies)."""
        return self._confirming_since is not None
