# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Margins of a rule's conditions, scaled to 0..1, and the rule's confidence from them.

A condition's margin is how far its value is past its threshold, in units of ``soft`` (0 at
the threshold, 1 comfortably inside); a rule holds when every margin is positive, with
confidence ``0.5 + 0.5 * min(margins)``. The body gestures
(:mod:`pose_ros.classifier.rules`) and the hand signs
(:mod:`pose_ros.classifier.hand_signs`) share it.
"""

import copy
from typing import List


class Margins:
    """The normalised margins of one rule's conditions, added by chained calls."""

    def __init__(self) -> None:
        self.values: List[float] = []

    def at_least(self, value: float, threshold: float, soft: float) -> 'Margins':
        self.values.append((value - threshold) / soft)
        return self

    def at_most(self, value: float, threshold: float, soft: float) -> 'Margins':
        self.values.append((threshold - value) / soft)
        return self

    def within(self, value: float, centre: float, tol: float) -> 'Margins':
        self.values.append((tol - abs(value - centre)) / tol)
        return self

    def between(self, value: float, low: float, high: float, soft: float) -> 'Margins':
        self.values.append(min(value - low, high - value) / soft)
        return self

    def copy(self) -> 'Margins':
        """Return a copy, for rules that share their first conditions."""
        out = copy.copy(self)
        out.values = list(self.values)
        return out

    def confidence(self) -> float:
        """0 when a condition fails (or none was given), else 0.5..1."""
        m = min(self.values, default=0.0)
        return 0.0 if not m > 0.0 else 0.5 + 0.5 * min(1.0, m)
