# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The command path's safety core: People frames in, the controller's commands out, fail-safe.

:class:`ControlLoop` ties together what classifier_node does with each frame (labels per
person, hysteresis, who is in control) and what its timer does (the command policy), and
decides what counts as *evidence*. Pure Python: the node only converts and publishes.

* **Frames that count.** A frame counts only when its stamp is newer than every frame before
  it. A zero stamp (an unstamped driver), a repeated stamp (a frozen input) and a stamp that
  went back by up to ``input_timeout`` (out of order) are ignored: no new evidence. A stamp
  older than that, or a frame from another publisher, means the source started again (a
  replay looped, body_node restarted and its tracker with it): every filter is reset and
  control released.
* **The deadman.** The controller's stable label drives the commands only while the last
  counted frame in which their pose was recognised (a label other than ``unknown``) is at
  most ``input_timeout`` old in wall time. A frame without them (missed by the detector,
  their data malformed) or with their keypoints unknown is no evidence. So the Twist
  ramps down and is exactly zero ``input_timeout + deadman_timeout_s`` (plus one timer period)
  after the last valid evidence, whatever else keeps arriving: malformed, stale or frozen
  frames, or frames without that person.
* **Control belongs to a person.** It is released when the controller has been unseen for
  ``lost_timeout`` (in stamp time, and in wall time: frames that stop coming or do not count
  make no difference), when its box jumps
  (:class:`~pose_ros.classifier.arbitration.ControlArbiter`), when the source restarts and on a
  fault. The released track's label history is dropped too, so with the ``engage`` policy only
  a fresh engage gesture gives control back.
* **Faults.** :meth:`fault` (an exception while handling a frame) releases control and makes
  the next :meth:`step` return an exact zero Twist.
* **Hand signs and the stop.** With hand signs on, each person's label merges their body
  gesture with their hands' sign (:func:`~pose_ros.classifier.hand_signs.person_label`). A
  frame in which anyone, in control or not, shows a stop label of the command map
  (``stop``, e.g. ``open_palm``) as their label or on either hand makes every :meth:`step` for
  the next ``input_timeout`` send an exact zero Twist (:meth:`CommandPolicy.step
  <pose_ros.classifier.commands.CommandPolicy.step>` with ``stop``).

Thread use: :meth:`on_frame` from one thread (the subscription), :meth:`step` from another
(a timer); the state they share is behind one lock, and classification runs outside it so
that a slow frame never delays the deadman.
"""

from dataclasses import dataclass, field
import math
import threading
from typing import Hashable, List, Optional, Protocol, Sequence, Set, Tuple

from pose_ros.classifier.arbitration import Candidate, ControlArbiter
from pose_ros.classifier.commands import (CommandConfig, CommandOutput, CommandPolicy,
                                          known_labels)
from pose_ros.classifier.hand_signs import (classify_hand, HAND_SIGNS, HandSignThresholds,
                                            person_label, strongest)
from pose_ros.classifier.hysteresis import LabelFilter
from pose_ros.classifier.rules import GestureRecogniser, UNKNOWN
from pose_ros.config import ClassifierConfig, ConfigError
from pose_ros.people import Keypoints, Person

# Most people one frame may hold; body_node reports at most 100 (its max_people limit).
MAX_PEOPLE = 100
# People frames without a single hand after which stop labels that are all hand signs are
# reported as unusable: a robot whose stop sign can never be seen.
BLIND_AFTER_FRAMES = 30


class Labeller(Protocol):
    """Per-frame labels of tracked people (GestureRecogniser, or a trained model)."""

    def update(self, track_id: int, t: float, keypoints: Keypoints) -> Tuple[str, float]:
        """Return ``(label, confidence)`` of one person at ``t`` seconds."""

    def expire(self, seen_ids: Sequence[int], stamp: float, timeout: float) -> None:
        """Note ``seen_ids`` at ``stamp``; drop tracks unseen for over ``timeout`` s."""

    def forget(self, track_id: int) -> None:
        """Drop the state of one track."""

    def reset(self) -> None:
        """Drop all state."""


class ModelLabeller:
    """A trained :class:`~pose_ros.classifier.predictor.PosePredictor` as a :class:`Labeller`."""

    def __init__(self, model) -> None:
        self.model = model

    def update(self, track_id: int, t: float, keypoints: Keypoints) -> Tuple[str, float]:
        # A skeleton of another schema raises SchemaMismatch: the caller drops the person.
        return self.model.predict(keypoints)

    def expire(self, seen_ids: Sequence[int], stamp: float, timeout: float) -> None:
        """Keep nothing per track: a network sees one frame at a time."""

    def forget(self, track_id: int) -> None:
        """Keep nothing per track."""

    def reset(self) -> None:
        """Keep nothing per track."""


@dataclass
class FrameReport:
    """What :meth:`ControlLoop.on_frame` made of one frame."""

    counted: bool                                     # False: ignored, no new evidence
    labels: List[Tuple[int, str, float]] = field(default_factory=list)   # id, label, score
    controller: Optional[int] = None
    events: List[str] = field(default_factory=list)   # control changes, for the log
    problems: List[str] = field(default_factory=list)  # why ignored / who was left out
    stop: Optional[int] = None                        # a track showing a stop label
    stop_began: bool = False                          # ...and no stop held before this frame


@dataclass
class LoopCounters:
    """Totals since start, for /diagnostics."""

    frames: int = 0              # frames offered
    frames_ignored: int = 0      # zero, repeated or out-of-order stamps; too many people
    restarts: int = 0            # the source started again (stamp jumped back, new publisher)
    people_dropped: int = 0      # people left out: malformed, or failing to classify
    faults: int = 0              # exceptions reported through fault()
    frames_with_hands: int = 0   # counted frames in which someone had a hand
    stops: int = 0               # counted frames in which someone showed a stop label


class ControlLoop:
    """
    Frames to labels, control and commands, with the evidence rules of the module doc.

    :param labeller: per-frame labels (:class:`~pose_ros.classifier.rules.GestureRecogniser`
        or :class:`ModelLabeller`).
    :param policy: the command policy, or None for labels only.
    :param input_timeout: seconds (wall time) the controller's last evidence stays valid.
    :param hand_signs: thresholds of the hand signs merged into each person's label, or None
        for body gestures only.
    """

    def __init__(self, labeller: Labeller, label_filter: LabelFilter, arbiter: ControlArbiter,
                 policy: Optional[CommandPolicy],
                 input_timeout: float = ClassifierConfig().input_timeout,
                 hand_signs: Optional[HandSignThresholds] = None) -> None:
        if not (math.isfinite(input_timeout) and input_timeout > 0):
            raise ValueError(f'input_timeout must be > 0 s, got {input_timeout}')
        self.labeller = labeller        # labeller and filter: the frame thread's only
        self.filter = label_filter
        self.arbiter = arbiter
        self.policy = policy
        self.input_timeout = float(input_timeout)
        self.hand_signs = hand_signs
        if hand_signs is not None:
            hand_signs.validate()
        self.stop_labels = frozenset(policy.config.stop_labels if policy is not None else ())
        self.counters = LoopCounters()
        self._newest_stamp = -math.inf
        self._source: Optional[Hashable] = None
        self._lock = threading.Lock()
        # Shared between the two threads, under the lock:
        self._controller: Optional[int] = None
        self._controller_label: Optional[str] = None
        self._evidence_at = -math.inf      # wall time of the last frame showing the controller
        self._stop_at = -math.inf          # wall time of the last frame showing a stop label
        self._zero_next = False            # a fault: the next step sends an exact zero
        self._forget: Set[int] = set()     # tracks whose label history to drop
        self._forget_all = False
        self._hysteresis: Optional[Tuple[float, float, float]] = None

    # --- the frame thread ------------------------------------------------------------------

    def on_frame(self, stamp: float, people: Sequence[Person], now: float,
                 source: Optional[Hashable] = None) -> FrameReport:
        """
        Take one frame of people observed at ``stamp`` (s), received at wall time ``now``.

        :param source: who published it (a publisher id), when known; a change of source is a
            restart.
        """
        report = FrameReport(counted=False)
        self.counters.frames += 1
        self._catch_up()
        reason = self._stamp_problem(stamp, source, report)
        if reason is None and len(people) > MAX_PEOPLE:
            reason = f'{len(people)} people in one frame, more than {MAX_PEOPLE}: ignored'
        if reason is not None:
            self.counters.frames_ignored += 1
            report.problems.append(reason)
            report.controller = self.controller
            return report
        report.counted = True
        self._newest_stamp = stamp
        self.counters.frames_with_hands += any(p.hands for p in people)

        candidates = []
        recognised = set()          # tracks whose pose this frame shows (not 'unknown')
        for person in people:
            try:
                label, conf = self.labeller.update(person.track_id, stamp, person.body)
                signs = ([classify_hand(h, self.hand_signs) for h in person.hands]
                         if self.hand_signs is not None else [])
                if signs:
                    label, conf = person_label((label, conf), strongest(signs))
                # A stop sign counts on any hand, whatever the person's label became.
                if label in self.stop_labels or any(s.sign in self.stop_labels for s in signs):
                    report.stop = person.track_id
                stable, score = self.filter.update(person.track_id, label, conf, stamp)
                candidates.append(Candidate.from_person(person, stable))
                if label and label != UNKNOWN:
                    recognised.add(person.track_id)
            except (ValueError, KeyError, TypeError, ArithmeticError, IndexError) as e:
                self.counters.people_dropped += 1
                report.problems.append(f'track {person.track_id} left out: '
                                       f'{type(e).__name__}: {e}')
                continue
            report.labels.append((person.track_id, stable, score))
        # A track's label history outlives a few frames without it (a missed detection, a
        # malformed copy): it ends when the track has been unseen for lost_timeout.
        ids = [c.track_id for c in candidates]
        self.filter.expire(ids, stamp, self.arbiter.lost_timeout_s)
        self.labeller.expire(ids, stamp, self.arbiter.lost_timeout_s)

        with self._lock:
            if report.stop is not None:
                report.stop_began = now - self._stop_at > self.input_timeout
                self._stop_at = now
                self.counters.stops += 1
            controller = self.arbiter.update(stamp, candidates)
            released = self.arbiter.released_id
            if self.arbiter.last_event:
                report.events.append(self._event(released if controller is None
                                                 else controller))
            label = next((lab for tid, lab, _ in report.labels if tid == controller), None)
            if controller is None:
                self._drop_controller()
            elif controller in recognised:   # evidence: their pose is seen in this frame
                self._controller_label = label
                self._evidence_at = now
            self._controller = controller
        if released is not None:
            # Its label history belongs to whoever had the id: start it afresh.
            self.filter.forget(released)
            self.labeller.forget(released)
        report.controller = controller
        return report

    def _stamp_problem(self, stamp: float, source: Optional[Hashable],
                       report: FrameReport) -> Optional[str]:
        """Return why a frame is no evidence, or None; a restart resets everything first."""
        if stamp == 0.0:
            return ('header.stamp is zero (an unstamped camera driver?): ignored; commands '
                    'need stamped images')
        restart = None
        if source is not None and self._source is not None and source != self._source:
            restart = 'People now come from another publisher'
        elif stamp < self._newest_stamp - self.input_timeout:
            restart = f'the stamp went back by {self._newest_stamp - stamp:.3f} s'
        elif stamp <= self._newest_stamp:
            what = 'repeats the newest' if stamp == self._newest_stamp else (
                f'is {self._newest_stamp - stamp:.3f} s older than the newest')
            return f'stamp {stamp:.3f} {what} (a frozen or out-of-order input): ignored'
        if source is not None:
            self._source = source
        if restart is not None:
            self.counters.restarts += 1
            self._newest_stamp = -math.inf
            self.filter.reset()
            self.labeller.reset()
            with self._lock:
                self.arbiter.release(f'input restarted: {restart}')
                if self.arbiter.released_id is not None:
                    report.events.append(self._event(self.arbiter.released_id))
                self.arbiter.reset()        # its stamp clock restarts too
                self._drop_controller()
        return None

    def _catch_up(self) -> None:
        """Apply what other threads asked for: new hysteresis, forgotten tracks."""
        with self._lock:
            hysteresis, self._hysteresis = self._hysteresis, None
            forget, self._forget = self._forget, set()
            forget_all, self._forget_all = self._forget_all, False
        if hysteresis is not None:
            self.filter.enter, self.filter.exit, self.filter.min_hold_s = hysteresis
        if forget_all:
            self.filter.reset()
            self.labeller.reset()
        for track_id in forget:
            self.filter.forget(track_id)
            self.labeller.forget(track_id)

    # --- any thread ------------------------------------------------------------------------

    def fault(self, reason: str) -> Optional[str]:
        """
        Something failed (handling a frame, or stepping): release control, send zero next.

        :returns: the control event, for the log (None when nobody was in control).
        """
        with self._lock:
            self.counters.faults += 1
            self.arbiter.release(f'fault ({reason})')
            event = (self._event(self._controller) if self._controller is not None else None)
            self.arbiter.released_id = None
            self._drop_controller()
            self._forget_all = True
            self._zero_next = True
        return event

    def blind_stop(self) -> Optional[str]:
        """
        Return why the stop sign can never be seen, or None.

        The stop labels are all hand signs, yet :data:`BLIND_AFTER_FRAMES` People frames
        carried no hand at all (body_node's hands.enabled is false?).
        """
        c = self.counters
        if not (self.stop_labels and self.stop_labels <= set(HAND_SIGNS)
                and c.frames >= BLIND_AFTER_FRAMES and c.frames_with_hands == 0):
            return None
        return (f'stop labels {", ".join(sorted(self.stop_labels))} need hands, and the '
                f'{c.frames} People messages so far had none (body_node hands.enabled?)')

    def step(self, now: float) -> Tuple[Optional[CommandOutput], List[str]]:
        """
        Advance the commands to wall time ``now``: what to publish, and control events.

        Call it at a fixed rate whether frames come or not: the deadman lives here.
        """
        events = []
        with self._lock:
            if (self._controller is not None
                    and now - self._evidence_at > self.arbiter.lost_timeout_s):
                self.arbiter.release('lost (no input)')
                events.append(self._event(self._controller))
                self._forget.add(self._controller)
                self.arbiter.released_id = None
                self._drop_controller()
            fresh = now - self._evidence_at <= self.input_timeout
            label = self._controller_label if fresh else None
            zero, self._zero_next = self._zero_next, False
            stop = now - self._stop_at <= self.input_timeout
        if self.policy is None:
            return None, events
        if zero:
            self.policy.reset()
        return self.policy.step(now, label, stop=stop), events

    def set_hysteresis(self, enter: float, exit_: float, min_hold_s: float) -> None:
        """Take new hysteresis settings; they apply before the next frame (any thread)."""
        LabelFilter(enter, exit_, min_hold_s)        # validates: raises ValueError
        with self._lock:
            self._hysteresis = (float(enter), float(exit_), float(min_hold_s))

    @property
    def controller(self) -> Optional[int]:
        """Return the track id in control, or None."""
        with self._lock:
            return self._controller

    def evidence_age(self, now: float) -> float:
        """Seconds since the last counted frame that showed the controller (inf: never)."""
        with self._lock:
            return now - self._evidence_at

    def _event(self, track_id: Optional[int]) -> str:
        """Return the arbiter's last event naming the track it concerns (lock held)."""
        return f'{self.arbiter.last_event} (track {track_id})'

    def _drop_controller(self) -> None:
        self._controller = None
        self._controller_label = None
        self._evidence_at = -math.inf


def build_control_loop(config: ClassifierConfig, commands: Optional[CommandConfig] = None,
                       model=None) -> ControlLoop:
    """
    Assemble the control loop ``config`` describes (classifier_node's one factory).

    :param commands: the validated command map (``commands_file``), or None: labels only.
    :param model: the trained classifier (``classifier: model``), or None: the built-in rules.
    :raises ConfigError: the engage or disengage gesture is not a label this classifier gives.
    """
    labels = known_labels(model.labels if model is not None else ())
    control = config.control
    for name, label in (('control.engage_label', control.engage_label),
                        ('control.disengage_label', control.disengage_label)):
        if label and label not in labels:
            raise ConfigError(f'{name} {label!r} is not a known label; known: '
                              f'{", ".join(labels)}')
    if commands is not None and not config.hand_signs:
        used = set(commands.actions) | set(commands.stop_labels)
        signs = sorted(used & set(HAND_SIGNS) - set(model.labels if model is not None else ()))
        if signs:
            raise ConfigError(f'{commands.source} uses the hand sign(s) {", ".join(signs)} but '
                              'hand_signs is false')
    h = config.hysteresis
    return ControlLoop(
        ModelLabeller(model) if model is not None else GestureRecogniser(),
        LabelFilter(enter=h.enter, exit=h.exit, min_hold_s=h.min_hold),
        ControlArbiter(policy=control.policy, engage_label=control.engage_label,
                       disengage_label=control.disengage_label,
                       lost_timeout_s=control.lost_timeout),
        CommandPolicy(commands) if commands is not None else None,
        input_timeout=config.input_timeout,
        hand_signs=HandSignThresholds() if config.hand_signs else None)
