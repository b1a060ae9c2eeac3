# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The time the filters run on, from image stamps that may misbehave.

Smoothing (One-Euro on keypoints and heads) and the end of a track's filter state need a
time that moves forward. Image stamps usually do, but not always: an unstamped driver sends
zeros, a frozen or duplicating driver repeats a stamp, a looping replay (``replay_bag
--loop``) or a restarted driver goes back, a glitch may jump far ahead and back. A filter fed
such stamps freezes (no time passed, so it keeps its last output) or blends unrelated frames.

:class:`FrameClock` gives each frame the time to filter it at, and says when the filters must
start again:

* a stamp later than the last one is used as it is;
* a zero stamp (no stamp at all) is replaced by the receive time, so that an unstamped camera
  is still smoothed; the receive time is the caller's monotonic clock at arrival;
* a stamp that repeats the last one or goes back means the filters restart at this frame
  (``restart``), which then passes unsmoothed;
* switching between stamped and unstamped frames restarts them too (two time bases).

Every such event comes with a ``problem`` text for a throttled warning and diagnostics.
Pure Python; the body node and the offline runner share it.
"""

from dataclasses import dataclass
import math
from typing import Optional


@dataclass(frozen=True)
class FrameTime:
    """The filter time of one frame, and what was wrong with its stamp."""

    t: float                       # seconds, for the filters
    restart: bool = False          # reset the filters before this frame
    problem: Optional[str] = None  # what was wrong with the stamp, for the log


class FrameClock:
    """Filter times from image stamps (see the module doc)."""

    def __init__(self) -> None:
        self._last: Optional[float] = None
        self._unstamped: Optional[bool] = None

    def reset(self) -> None:
        """Forget the last frame (a new sequence starts)."""
        self._last = None
        self._unstamped = None

    def tick(self, stamp: float, received: float) -> FrameTime:
        """
        Return the filter time of a frame stamped ``stamp`` that arrived at ``received``.

        :param stamp: the image's header stamp, seconds (0 for no stamp).
        :param received: the caller's monotonic clock when the image arrived, seconds.
        """
        if not math.isfinite(stamp):
            stamp = 0.0
        unstamped = stamp == 0.0
        t = received if unstamped else stamp
        problem = None
        restart = False
        if unstamped:
            problem = ('images are not stamped (header.stamp is zero): smoothing uses the '
                       'time they arrived instead')
        if self._unstamped is not None and unstamped != self._unstamped:
            restart = True
            problem = ('images switched between stamped and unstamped: filters restarted'
                       if problem is None else problem + '; filters restarted')
        elif self._last is not None and t <= self._last:
            restart = True
            what = ('repeats the previous one' if t == self._last
                    else f'went back {self._last - t:.3f} s')
            problem = (f'image stamp {t:.3f} {what} (a frozen, duplicating or restarted '
                       'source, or a looping replay): filters restarted')
        self._last = t
        self._unstamped = unstamped
        return FrameTime(t, restart, problem)
