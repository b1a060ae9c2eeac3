# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Activity analytics per tracked person: falls, repetitions of an exercise, steps.

:class:`ActivityAnalyzer` takes frames of people (what body_node publishes on ``people``) and
keeps, per track id, a :class:`~pose_ros.activity.falls.FallDetector`, a
:class:`~pose_ros.activity.repetitions.RepetitionCounter` and a
:class:`~pose_ros.activity.steps.StepCounter`. activity_node and ``offline --activity`` both
use it, with one :class:`~pose_ros.config.ActivityConfig`. Untracked people (``track_id``
-1) are left out: counting needs to know that two frames show the same person.

A tracker can lose a person who moves fast and changes shape (ByteTrack's motion model
overshoots when a tall box becomes a wide one in a fall) and start a new track a few frames
later. So a new track that appears over the last box of a track lost less than
``handover`` seconds before carries on that track's state (its counts, and the fall under
way) under the new id.
"""

from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

import numpy as np
from pose_ros.activity.body_signals import measure, TorsoReference
from pose_ros.activity.falls import FallDetector, UNKNOWN
from pose_ros.activity.repetitions import RepetitionCounter
from pose_ros.activity.steps import StepCounter
from pose_ros.config import ActivityConfig
from pose_ros.geometry.boxes import box_iou
from pose_ros.people import Person

FALL, GOT_UP, REPETITION = 'fall', 'got_up', 'repetition'
HANDOVER_IOU = 0.3      # overlap of a new track's box with a lost one's last box to carry on


@dataclass(frozen=True)
class PersonActivity:
    """What one tracked person is doing (mirrors pose_ros_msgs/PersonActivity)."""

    track_id: int
    posture: str            # upright, bent, lying or unknown
    fallen: bool            # fell and is not up again
    falls: int
    exercise: str
    repetitions: int
    phase: str              # rest, going, peak, returning, or '' (not started)
    progress: float         # 0 at rest .. 1 at the peak; NaN unknown
    steps: int
    cadence: float          # steps per minute; NaN unknown
    space: str              # '3d' (camera-frame metres) or '2d' (pixels)
    bbox: Tuple[float, float, float, float] = (np.nan,) * 4


@dataclass(frozen=True)
class ActivityEvent:
    """Something that happened to one person: fall, got_up or repetition."""

    track_id: int
    kind: str
    count: int              # falls so far for fall/got_up, repetitions so far for repetition
    stamp: float


@dataclass
class Totals:
    """Everything counted since the start (or the last reset), over all people."""

    falls: int = 0
    repetitions: int = 0
    steps: int = 0
    frames: int = 0
    untracked: int = 0      # people left out for having no track id
    restarts: int = 0       # stamps went back (a bag replayed again): state was reset
    handovers: int = 0      # new tracks that carried on a just-lost track's state


@dataclass
class _Track:
    torso: TorsoReference
    falls: FallDetector
    reps: RepetitionCounter
    steps: StepCounter
    last_seen: float
    box: Tuple[float, float, float, float] = (np.nan,) * 4


@dataclass
class ActivityFrame:
    """One frame's result: every tracked person's activity and the events it produced."""

    people: List[PersonActivity] = field(default_factory=list)
    events: List[ActivityEvent] = field(default_factory=list)


class ActivityAnalyzer:
    """Falls, repetitions and steps of every tracked person, frame after frame."""

    def __init__(self, config: ActivityConfig) -> None:
        self.config = config
        self.totals = Totals()
        self._tracks: Dict[int, _Track] = {}
        self._last_stamp = -np.inf

    def reconfigure(self, config: ActivityConfig) -> None:
        """Take a new configuration; a different exercise restarts the repetition counts."""
        exercise_changed = config.repetitions != self.config.repetitions
        self.config = config
        for track in self._tracks.values():
            track.falls.config = config.falls
            track.steps.config = config.steps
            if exercise_changed:
                track.reps = RepetitionCounter(config.repetitions)

    def reset(self) -> None:
        """Forget every person (the totals stay)."""
        self._tracks.clear()
        self._last_stamp = -np.inf

    @property
    def tracked(self) -> int:
        """Return how many people are being followed."""
        return len(self._tracks)

    def update(self, stamp: float, people: Sequence[Person]) -> ActivityFrame:
        """Take the people of one frame taken at ``stamp`` seconds."""
        c = self.config
        if stamp < self._last_stamp:
            self.reset()
            self.totals.restarts += 1
        self._last_stamp = stamp
        self.totals.frames += 1
        out = ActivityFrame()
        tracked = [p for p in people if p.track_id >= 0]
        self.totals.untracked += len(people) - len(tracked)
        self._hand_over(stamp, tracked)
        for person in tracked:
            track = self._tracks.get(person.track_id)
            if track is None:
                track = self._tracks[person.track_id] = _Track(
                    TorsoReference(), FallDetector(c.falls), RepetitionCounter(c.repetitions),
                    StepCounter(c.steps), stamp)
            track.last_seen = stamp
            track.box = tuple(float(v) for v in person.bbox[:4])
            out.people.append(self._one(stamp, person, track, out.events))
        for track_id in [i for i, t in self._tracks.items()
                         if stamp - t.last_seen > c.forget_after]:
            del self._tracks[track_id]
        return out

    def _hand_over(self, stamp: float, people: Sequence[Person]) -> None:
        """Give each new track the state of a track lost just before over the same box."""
        if self.config.handover <= 0.0:
            return
        here = {p.track_id for p in people}
        lost = {i: t for i, t in self._tracks.items()
                if i not in here and stamp - t.last_seen <= self.config.handover}
        new = [p for p in people if p.track_id not in self._tracks]
        pairs = sorted(((box_iou(p.bbox, t.box), p.track_id, i)
                        for p in new for i, t in lost.items()), reverse=True)
        taken = set()
        for iou, new_id, old_id in pairs:
            if iou < HANDOVER_IOU:
                break
            if new_id in taken or old_id in taken:
                continue
            taken |= {new_id, old_id}
            self._tracks[new_id] = self._tracks.pop(old_id)
            self.totals.handovers += 1

    def _one(self, stamp: float, person: Person, track: _Track,
             events: List[ActivityEvent]) -> PersonActivity:
        c = self.config
        s = measure(person.body, c.min_confidence, c.use_3d)
        torso = track.torso.update(s)
        tid = person.track_id
        posture = UNKNOWN
        if c.falls.enabled:
            fall = track.falls.update(stamp, s, torso, track.torso.known_upright(s.dims))
            posture = fall.posture
            if fall.event is not None:
                self.totals.falls += int(fall.event == FALL)
                events.append(ActivityEvent(tid, fall.event, track.falls.falls, stamp))
        if track.reps.update(s, torso):
            self.totals.repetitions += 1
            events.append(ActivityEvent(tid, REPETITION, track.reps.count, stamp))
        if c.steps.enabled:
            self.totals.steps += track.steps.update(stamp, s, torso)
        box = track.box
        return PersonActivity(
            track_id=tid, posture=posture, fallen=track.falls.fallen, falls=track.falls.falls,
            exercise=c.repetitions.exercise, repetitions=track.reps.count,
            phase=track.reps.phase, progress=track.reps.progress, steps=track.steps.count,
            cadence=track.steps.cadence(stamp), space=f'{s.dims}d', bbox=box)
