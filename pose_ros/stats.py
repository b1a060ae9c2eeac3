# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Rolling latency percentiles and event rates, for diagnostics and benchmarks."""

from collections import deque
import time
from typing import Deque, Dict, Tuple

import numpy as np


class StageStats:
    """Per-stage durations (ms) of the last ``window`` frames, summarised as p50 / p95."""

    def __init__(self, window: int = 100) -> None:
        self._window = window
        self._stages: Dict[str, Deque[float]] = {}

    def add(self, durations_ms: Dict[str, float]) -> None:
        for stage, ms in durations_ms.items():
            self._stages.setdefault(stage, deque(maxlen=self._window)).append(float(ms))

    def summary(self) -> Dict[str, Tuple[float, float]]:
        return {stage: (float(np.percentile(v, 50)), float(np.percentile(v, 95)))
                for stage, v in self._stages.items() if v}


class RateMeter:
    """Events per second over the last ``horizon`` seconds (0 when none)."""

    def __init__(self, horizon: float = 5.0) -> None:
        self._horizon = horizon
        self._ticks: Deque[float] = deque()

    def tick(self, now: float = None) -> None:
        self._ticks.append(time.monotonic() if now is None else now)

    def rate(self, now: float = None) -> float:
        now = time.monotonic() if now is None else now
        while self._ticks and now - self._ticks[0] > self._horizon:
            self._ticks.popleft()
        if len(self._ticks) < 2:
            return 0.0
        span = max(now - self._ticks[0], 1e-6)
        return (len(self._ticks) - 1) / span if span > 0 else 0.0
