# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
State kept per track id, and its end: what the keypoint, head and label filters share.

A filter that remembers something per person (:class:`pose_ros.filters.one_euro.TrackSmoother`
and ``HeadSmoother``, :class:`pose_ros.classifier.hysteresis.LabelFilter`, the gesture rules'
wave detector) keeps it in ``self._tracks`` and gets from here how that state ends: explicitly
(:meth:`PerTrackState.prune`), after a track has been unseen for a while
(:meth:`PerTrackState.expire`: a short occlusion keeps it), or all at once (``reset``).
"""

import math
from typing import Dict, Generic, Iterable, Tuple, TypeVar

State = TypeVar('State')


class PerTrackState(Generic[State]):
    """A dict of state by track id, with the ways that state ends."""

    def __init__(self) -> None:
        self._tracks: Dict[int, State] = {}
        self._last_seen: Dict[int, float] = {}

    @property
    def track_ids(self) -> Tuple[int, ...]:
        """Return the ids of the tracks that have state."""
        return tuple(self._tracks)

    def prune(self, active_ids: Iterable[int]) -> None:
        """Drop the state of every track not in ``active_ids`` (tracks that ended)."""
        keep = set(active_ids)
        for track_id in [i for i in self._tracks if i not in keep]:
            del self._tracks[track_id]

    def forget(self, track_id: int) -> None:
        """Drop the state of one track (its id now names someone else, or nobody)."""
        self._tracks.pop(track_id, None)
        self._last_seen.pop(track_id, None)

    def expire(self, seen_ids: Iterable[int], stamp: float, timeout: float) -> None:
        """
        Note ``seen_ids`` as seen at ``stamp`` (s); drop tracks unseen for over ``timeout`` s.

        A track's state survives short gaps (an occlusion, a turned-away head) and is dropped
        once the track has ended. A non-finite stamp drops everything.
        """
        for track_id in seen_ids:
            self._last_seen[track_id] = stamp
        self._last_seen = {i: t for i, t in self._last_seen.items()
                           if math.isfinite(stamp) and stamp - t <= timeout}
        self.prune(self._last_seen)

    def reset(self) -> None:
        """Drop the state of all tracks."""
        self._tracks.clear()
        self._last_seen.clear()
