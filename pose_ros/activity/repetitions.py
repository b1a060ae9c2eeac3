# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Repetitions of one exercise, counted from the cycle of one body measure.

Each exercise is a measure (:func:`exercise_measure`) that moves between a *rest* end and a
*peak* end: a repetition is rest, then peak, then rest again, each end reached past its
threshold (the gap between the two thresholds is the hysteresis: detector noise near one
threshold cannot count). The measure is the median of the last three frames, so that one
wild joint cannot reach an end. The phase says where the person is in the cycle.

- squat: hips above the ankles, as a fraction of the person's own standing height of the
  hips above the ankles (seen from the front or the side). In torso lengths that height
  differs from person to person and with the view: 1.33-1.86 for the standing people YOLO
  finds in the development photos, so a threshold in torso lengths would leave some of them
  never "standing". Their standing height is the 80th percentile of the last
  ``STANDING_SAMPLES`` values: the tops of the repetitions, and any standing between them;
- arm_curl: the more bent elbow's angle, one arm or both together (best seen from the side;
  a forearm raised towards the camera looks shorter but bends the same way in the image);
- jumping_jack: how far the arms are raised from the torso (front view);
- push_up: the elbow angle, counted only while the torso is near horizontal (side view).
"""

from collections import deque
from dataclasses import dataclass
from typing import Deque, Optional

import numpy as np
from pose_ros.activity.body_signals import BodySignals, in_torsos
from pose_ros.config import RepetitionsConfig

REST, GOING, PEAK, RETURNING, UNKNOWN = 'rest', 'going', 'peak', 'returning', ''
STANDING_SAMPLES = 300      # frames of hips-above-ankles kept for the standing height (20 s)
STANDING_PERCENTILE = 80.0
MIN_STANDING_SAMPLES = 5    # frames before the standing height is known


@dataclass(frozen=True)
class Thresholds:
    """The two ends of an exercise's measure (rest may be above or below peak)."""

    rest: float
    peak: float

    def progress(self, value: float) -> float:
        """Return 0 at (or beyond) rest, 1 at (or beyond) peak, linear between."""
        return float(np.clip((value - self.rest) / (self.peak - self.rest), 0.0, 1.0))


def thresholds(config: RepetitionsConfig) -> Optional[Thresholds]:
    """Return the rest and peak of the configured exercise (None: no exercise)."""
    ends = {'squat': (config.squat_rest, config.squat_peak),
            'arm_curl': (config.curl_rest, config.curl_peak),
            'jumping_jack': (config.jack_rest, config.jack_peak),
            'push_up': (config.push_up_rest, config.push_up_peak)}
    return Thresholds(*ends[config.exercise]) if config.exercise else None


def exercise_measure(exercise: str, s: BodySignals, torso: Optional[float],
                     config: RepetitionsConfig) -> float:
    """
    Return the measure of ``exercise`` in one skeleton (NaN when not seen).

    For a squat: hips above the ankles in torso lengths (:class:`RepetitionCounter` divides it
    by the person's standing value).
    """
    if exercise == 'squat':
        return in_torsos(s.hip_over_ankles, torso)
    if exercise == 'arm_curl':
        return s.elbow_min_deg          # one arm or both together
    if exercise == 'jumping_jack':
        return s.arm_raise_deg
    if exercise == 'push_up':
        horizontal = np.isfinite(s.tilt_deg) and s.tilt_deg >= config.push_up_min_tilt_deg
        return s.elbow_deg if horizontal else float('nan')
    raise KeyError(f'unknown exercise {exercise!r}')


class RepetitionCounter:
    """One person's repetitions of the configured exercise, and their phase."""

    def __init__(self, config: RepetitionsConfig) -> None:
        self.config = config
        self.ends = thresholds(config)
        self._recent: Deque[float] = deque(maxlen=3)
        self._standing: Deque[float] = deque(maxlen=STANDING_SAMPLES)
        self._at: Optional[str] = None        # REST or PEAK: the last end reached
        self.count = 0
        self.phase = UNKNOWN
        self.progress = float('nan')

    def update(self, s: BodySignals, torso: Optional[float]) -> bool:
        """Take one frame; return True when it completed a repetition."""
        if self.ends is None:
            return False
        value = exercise_measure(self.config.exercise, s, torso, self.config)
        if not np.isfinite(value):
            return False
        if self.config.exercise == 'squat':
            self._standing.append(value)
            if len(self._standing) < MIN_STANDING_SAMPLES:
                return False
            standing = float(np.percentile(self._standing, STANDING_PERCENTILE))
            if standing <= 0.0:
                return False
            value /= standing
        self._recent.append(value)
        progress = self.ends.progress(float(np.median(self._recent)))
        self.progress = progress
        done = False
        if progress <= 0.0:
            done = self._at == PEAK
            self.count += int(done)
            self._at = REST
        elif progress >= 1.0 and self._at == REST:     # a cycle starts from rest
            self._at = PEAK
        if self._at is None:
            self.phase = UNKNOWN
        elif progress <= 0.0:
            self.phase = REST
        elif progress >= 1.0:
            self.phase = PEAK
        else:
            self.phase = GOING if self._at == REST else RETURNING
        return done
