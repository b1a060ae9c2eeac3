# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The command path's safety rules (ControlLoop), in simulated time, without ROS.

Each test drives a loop with synthetic people holding known poses (teleop command map:
``both_arms_up`` engages, ``right_arm_raised`` turns right, ``arms_crossed`` releases) and
checks the Twist the timer would send. The deadman bound everywhere is the documented one:
exactly zero at the latest ``input_timeout + deadman_timeout_s + one period`` after the last
counted frame that showed the controller.
"""

import math
from pathlib import Path

import numpy as np
from pose_ros.classifier.arbitration import ControlArbiter
from pose_ros.classifier.commands import CommandPolicy, load_config
from pose_ros.classifier.control_loop import build_control_loop, ControlLoop, MAX_PEOPLE
from pose_ros.classifier.hand_signs import HandSignThresholds
from pose_ros.classifier.hysteresis import LabelFilter
from pose_ros.classifier.rules import GestureRecogniser
from pose_ros.classifier.synthetic import hold_sequence
from pose_ros.classifier.synthetic_hands import hand_keypoints, View
from pose_ros.config import ClassifierConfig, ConfigError, replace
from pose_ros.people import Person
import pytest

TELEOP = Path(__file__).resolve().parents[1] / 'config' / 'commands_teleop.yaml'
PERIOD = 0.05                    # the node's 20 Hz command timer
INPUT_TIMEOUT = 0.5
DEADMAN = 0.5                    # commands_teleop.yaml deadman_timeout_s
BOUND = INPUT_TIMEOUT + DEADMAN + PERIOD
FPS = 15.0
BOX = np.array([100, 50, 400, 470], np.float32)


def make_loop(policy='engage', lost_timeout=1.0):
    return ControlLoop(GestureRecogniser(), LabelFilter(),
                       ControlArbiter(policy, lost_timeout_s=lost_timeout),
                       CommandPolicy(load_config(TELEOP)), input_timeout=INPUT_TIMEOUT)


class Sim:
    """Wall time and stamps advance together; frames at FPS, the timer at 20 Hz."""

    def __init__(self, loop, seed=0):
        self.loop = loop
        self.rng = np.random.default_rng(seed)
        self.now = 100.0               # wall time (monotonic)
        self.stamp = 1000.0            # image stamps
        self.twists = []               # (wall time, (linear, angular))
        self.events = []
        self._next_step = self.now

    def advance(self, seconds):
        """Let time pass, stepping the timer."""
        end = self.now + seconds
        while self._next_step <= end:
            self.now = self._next_step
            out, events = self.loop.step(self.now)
            self.events += events
            if out is not None and out.twist is not None:
                self.twists.append((self.now, out.twist))
            self._next_step += PERIOD
        self.now = end

    def frame(self, people, stamp=None, source=None):
        report = self.loop.on_frame(self.stamp if stamp is None else stamp, people, self.now,
                                    source)
        self.events += report.events
        return report

    def hold(self, label, seconds, track_id=1, box=BOX, stamp_step=None, source=None):
        """Let a person hold ``label`` for ``seconds``; return the reports."""
        reports = []
        for _, kp in hold_sequence(label, self.rng, duration_s=seconds, fps=FPS):
            reports.append(self.frame([Person(body=kp, bbox=box, score=0.9,
                                              track_id=track_id)], source=source))
            self.stamp += 1.0 / FPS if stamp_step is None else stamp_step
            self.advance(1.0 / FPS)
        return reports

    def twist_at(self, t):
        return next(tw for ts, tw in reversed(self.twists) if ts <= t)

    def zero_from(self, t):
        """Wall time of the first step after ``t`` from which every Twist is exactly zero."""
        after = [(ts, tw) for ts, tw in self.twists if ts > t]
        for i, (ts, _) in enumerate(after):
            if all(tw == (0.0, 0.0) for _, tw in after[i:]):
                return ts
        return math.inf


def drive(sim):
    """Engage and turn right; return the wall time of the last frame showing the person."""
    sim.hold('both_arms_up', 1.5)
    sim.hold('right_arm_raised', 2.0)
    assert sim.loop.controller == 1
    assert sim.twist_at(sim.now)[1] < -0.1, sim.twists[-5:]
    return sim.now - 1.0 / FPS


def test_engage_then_drive():
    sim = Sim(make_loop())
    drive(sim)
    assert sim.events == ['engaged (track 1)']


def test_person_vanishing_stops_within_the_bound():
    sim = Sim(make_loop())
    last = drive(sim)
    sim.advance(3.0)
    assert sim.zero_from(last) - last <= BOUND + 1e-9
    assert sim.loop.controller is None and 'released: lost (no input) (track 1)' in sim.events


def test_frozen_stamps_are_no_evidence():
    """Defect 3: a frozen input keeps sending the same stamp while the person crosses arms."""
    sim = Sim(make_loop())
    last = drive(sim)
    sim.stamp -= 1.0 / FPS                      # the stamp of the last real frame, again
    reports = sim.hold('arms_crossed', 4.0, stamp_step=0.0)
    assert not any(r.counted for r in reports)
    assert all('repeats the newest' in r.problems[0] for r in reports)
    assert sim.zero_from(last) - last <= BOUND + 1e-9
    assert sim.loop.controller is None          # lost: no evidence for lost_timeout
    assert sim.loop.counters.frames_ignored == len(reports)


def test_out_of_order_stamps_are_ignored_and_a_jump_back_restarts():
    sim = Sim(make_loop())
    last = drive(sim)
    report = sim.frame([], stamp=sim.stamp - 0.2)           # out of order: ignored
    assert not report.counted and 'older than the newest' in report.problems[0]
    assert sim.loop.controller == 1
    # The source starts again (a looping replay): everything resets, control is released.
    sim.stamp -= 60.0
    reports = sim.hold('right_arm_raised', 2.0)
    assert reports[0].counted and any('input restarted' in e for e in reports[0].events)
    assert sim.loop.controller is None
    assert sim.loop.counters.restarts == 1
    assert sim.zero_from(last) - last <= BOUND + 1e-9


def test_zero_stamps_are_ignored():
    sim = Sim(make_loop())
    rng = np.random.default_rng(1)
    for _, kp in hold_sequence('both_arms_up', rng, duration_s=2.0, fps=FPS):
        report = sim.frame([Person(body=kp, bbox=BOX, track_id=1)], stamp=0.0)
        sim.advance(1.0 / FPS)
        assert not report.counted and 'stamp is zero' in report.problems[0]
    assert sim.loop.controller is None


def test_reused_id_after_a_gap_needs_a_fresh_engage():
    """Defect 2: nobody in view for 5 s, then someone else arrives with the same id."""
    sim = Sim(make_loop())
    last = drive(sim)
    sim.advance(5.0)                                       # no frames at all
    other = np.array([350, 50, 650, 470], np.float32)       # 250 px away
    sim.hold('right_arm_raised', 3.0, box=other)
    assert sim.loop.controller is None
    assert all(tw == (0.0, 0.0) for ts, tw in sim.twists if ts > last + BOUND)
    # Only their own engage gesture gives them control.
    sim.hold('both_arms_up', 1.5, box=other)
    assert sim.loop.controller == 1


def test_reused_id_while_frames_keep_coming_needs_a_fresh_engage():
    sim = Sim(make_loop())
    last = drive(sim)
    for _ in range(int(5.0 * FPS)):                        # empty frames: nobody in view
        sim.frame([])
        sim.stamp += 1.0 / FPS
        sim.advance(1.0 / FPS)
    sim.hold('right_arm_raised', 3.0, box=np.array([350, 50, 650, 470], np.float32))
    assert sim.loop.controller is None
    assert 'released: lost (track 1)' in sim.events
    assert all(tw == (0.0, 0.0) for ts, tw in sim.twists if ts > last + BOUND)


def test_a_jumping_track_loses_control():
    """A tracker that swaps or restarts ids: the box jumps farther than its own size."""
    sim = Sim(make_loop())
    last = drive(sim)
    far = np.array([600, 600, 900, 1020], np.float32)
    sim.hold('right_arm_raised', 2.0, box=far)
    assert 'released: track jumped (track 1)' in sim.events
    assert sim.loop.controller is None
    assert sim.zero_from(last) - last <= BOUND + 1e-9


def test_a_walking_controller_keeps_control():
    sim = Sim(make_loop())
    sim.hold('both_arms_up', 1.5)
    box = BOX.copy()
    for _, kp in hold_sequence('right_arm_raised', sim.rng, duration_s=3.0, fps=FPS):
        box += np.array([8, 0, 8, 0], np.float32)          # 120 px/s sideways
        sim.frame([Person(body=kp, bbox=box.copy(), track_id=1)])
        sim.stamp += 1.0 / FPS
        sim.advance(1.0 / FPS)
    assert sim.loop.controller == 1 and sim.twist_at(sim.now)[1] < -0.1


def test_another_publisher_restarts():
    sim = Sim(make_loop())
    sim.hold('both_arms_up', 1.5, source=b'a')
    assert sim.loop.controller == 1
    reports = sim.hold('right_arm_raised', 1.0, source=b'b')
    assert any('another publisher' in e for e in reports[0].events)
    assert sim.loop.controller is None


def test_fault_zeroes_at_the_next_step():
    sim = Sim(make_loop())
    drive(sim)
    assert sim.loop.fault('test') == 'released: fault (test) (track 1)'
    sim.advance(PERIOD)
    assert sim.twists[-1][1] == (0.0, 0.0)
    assert sim.loop.controller is None and sim.loop.counters.faults == 1


def test_a_person_that_fails_to_classify_is_dropped():
    class Flaky(GestureRecogniser):
        def update(self, track_id, t, keypoints):
            if track_id == 2:
                raise ValueError('broken skeleton')
            return super().update(track_id, t, keypoints)

    loop = ControlLoop(Flaky(), LabelFilter(), ControlArbiter('engage'), None)
    rng = np.random.default_rng(2)
    (_, kp), = hold_sequence('stand', rng, duration_s=1.0 / FPS, fps=FPS)
    report = loop.on_frame(5.0, [Person(body=kp, bbox=BOX, track_id=1),
                                 Person(body=kp, bbox=BOX, track_id=2)], 0.0)
    assert [t for t, _, _ in report.labels] == [1]
    assert 'track 2 left out: ValueError: broken skeleton' in report.problems
    assert loop.counters.people_dropped == 1


def test_too_many_people_is_no_evidence():
    loop = make_loop()
    rng = np.random.default_rng(4)
    (_, kp), = hold_sequence('stand', rng, duration_s=1.0 / FPS, fps=FPS)
    crowd = [Person(body=kp, bbox=BOX, track_id=i) for i in range(MAX_PEOPLE + 1)]
    report = loop.on_frame(5.0, crowd, 0.0)
    assert not report.counted and 'more than' in report.problems[0]


def test_hysteresis_change_applies_before_the_next_frame():
    loop = make_loop()
    loop.set_hysteresis(0.8, 0.6, 0.2)
    assert loop.filter.enter == 0.7                 # not touched from this thread
    loop.on_frame(1.0, [], 0.0)
    assert (loop.filter.enter, loop.filter.exit, loop.filter.min_hold_s) == (0.8, 0.6, 0.2)
    with pytest.raises(ValueError):
        loop.set_hysteresis(0.5, 0.6, 0.2)


@pytest.mark.parametrize('seed', range(200))
def test_random_faults_never_outlast_the_bound(seed):
    """
    Property: whatever follows the last valid frame of the controller, zero within the bound.

    After driving, a random mix of faults is fed: frozen, repeated, zero, backwards and
    far-future stamps, frames without the controller, someone else with the same id
    elsewhere, an arms-crossed person with frozen stamps, silence, and fault() calls.
    """
    rng = np.random.default_rng(1000 + seed)
    sim = Sim(make_loop(), seed=seed)
    last = drive(sim)
    kinds = ['frozen', 'zero', 'back', 'future', 'empty', 'stranger', 'silence', 'fault']
    for _ in range(int(rng.integers(3, 12))):
        kind = kinds[int(rng.integers(len(kinds)))]
        n = int(rng.integers(1, 20))
        (_, kp), = hold_sequence('right_arm_raised', rng, duration_s=1.0 / FPS, fps=FPS)
        me = [Person(body=kp, bbox=BOX, track_id=1)]
        for _ in range(n):
            if kind == 'frozen':
                sim.frame(me, stamp=sim.stamp - 1.0 / FPS)
            elif kind == 'zero':
                sim.frame(me, stamp=0.0)
            elif kind == 'back':
                newest = sim.stamp - 1.0 / FPS
                sim.frame(me, stamp=newest - float(rng.uniform(0.001, 0.5)))
            elif kind == 'future':
                sim.frame([], stamp=sim.stamp + 1000.0)
            elif kind == 'empty':
                sim.frame([])
                sim.stamp += 1.0 / FPS
            elif kind == 'stranger':
                far = BOX + np.float32(float(rng.uniform(450, 900)))
                sim.frame([Person(body=kp, bbox=far, track_id=1)])
                sim.stamp += 1.0 / FPS
            elif kind == 'fault':
                sim.loop.fault('injected')
            sim.advance(1.0 / FPS)
    sim.advance(BOUND + PERIOD)
    assert sim.zero_from(last) - last <= BOUND + 1e-9, (seed, sim.events)


# --- hand signs and the stop (issue #16) ----------------------------------------------------

def make_hand_loop(hand_signs=True):
    return ControlLoop(GestureRecogniser(), LabelFilter(),
                       ControlArbiter('engage', lost_timeout_s=1.0),
                       CommandPolicy(load_config(TELEOP)), input_timeout=INPUT_TIMEOUT,
                       hand_signs=HandSignThresholds() if hand_signs else None)


def hold_with(sim, label, seconds, others=(), hands=()):
    """Track 1 holds ``label`` (with ``hands``) while the ``others`` stand by; last report."""
    report = None
    for _, kp in hold_sequence(label, sim.rng, duration_s=seconds, fps=FPS):
        people = [Person(body=kp, bbox=BOX, score=0.9, track_id=1, hands=list(hands)),
                  *others]
        report = sim.frame(people)
        sim.stamp += 1.0 / FPS
        sim.advance(1.0 / FPS)
    return report


def bystander(sign=None):
    _, kp = next(iter(hold_sequence('stand', np.random.default_rng(5), duration_s=0.1,
                                    fps=FPS)))
    hands = [hand_keypoints(sign, View(side='right'))] if sign else []
    return Person(body=kp, bbox=BOX + np.float32(500), score=0.9, track_id=2, hands=hands)


def test_anyones_open_palm_stops_the_twist_at_the_next_step():
    sim = Sim(make_hand_loop())
    hold_with(sim, 'both_arms_up', 1.5)
    hold_with(sim, 'right_arm_raised', 2.0, others=[bystander()])
    assert sim.twist_at(sim.now)[1] < -0.1
    shown = sim.now
    hold_with(sim, 'right_arm_raised', 1.0, others=[bystander('open_palm')])
    # The first step after the frame sends an exact zero, no ramp; it stays zero throughout.
    assert sim.zero_from(shown) <= shown + PERIOD + 1e-9
    assert sim.loop.controller == 1 and sim.loop.counters.stops == 15
    # The palm is gone but the controller still holds the gesture that was interrupted: the
    # robot stays stopped until that gesture changes.
    hold_with(sim, 'right_arm_raised', 2.0, others=[bystander()])
    assert all(tw == (0.0, 0.0) for ts, tw in sim.twists if ts > shown)
    hold_with(sim, 'stand', 1.5, others=[bystander()])
    hold_with(sim, 'right_arm_raised', 2.0, others=[bystander()])
    assert sim.twist_at(sim.now)[1] < -0.1


def test_the_controllers_own_open_palm_stops_too():
    sim = Sim(make_hand_loop())
    hold_with(sim, 'both_arms_up', 1.5)
    hold_with(sim, 'right_arm_raised', 2.0)
    shown = sim.now
    hold_with(sim, 'right_arm_raised', 1.0,
              hands=[hand_keypoints('open_palm', View(side='right', roll_deg=30.0))])
    assert sim.zero_from(shown) <= shown + PERIOD + 1e-9


def test_both_arms_up_with_open_hands_still_engages_and_the_palms_hold_the_stop():
    sim = Sim(make_hand_loop())
    palms = [hand_keypoints('open_palm', View(side=side)) for side in ('left', 'right')]
    report = hold_with(sim, 'both_arms_up', 1.5, hands=palms)
    assert sim.loop.controller == 1 and report.labels[0][1] == 'both_arms_up'
    assert report.stop == 1
    report = hold_with(sim, 'right_arm_raised', 2.0, hands=palms)   # open hands: no turn
    assert report.labels[0][1] == 'right_arm_raised'
    assert all(tw == (0.0, 0.0) for _, tw in sim.twists)
    hold_with(sim, 'stand', 1.0, hands=[hand_keypoints('fist')])
    hold_with(sim, 'right_arm_raised', 2.0, hands=[hand_keypoints('fist')])   # closed: turns
    assert sim.twist_at(sim.now)[1] < -0.1


def test_hand_signs_off_means_hands_are_ignored():
    sim = Sim(make_hand_loop(hand_signs=False))
    hold_with(sim, 'both_arms_up', 1.5)
    hold_with(sim, 'right_arm_raised', 2.0, others=[bystander('open_palm')])
    assert sim.twist_at(sim.now)[1] < -0.1 and sim.loop.counters.stops == 0


def test_a_hand_sign_becomes_the_persons_stable_label_over_stand():
    sim = Sim(make_hand_loop())
    report = hold_with(sim, 'stand', 1.5, hands=[hand_keypoints('thumbs_up', View(side='left'))])
    assert report.labels == [(1, 'thumbs_up', pytest.approx(report.labels[0][2]))]
    report = hold_with(sim, 't_pose', 1.5, hands=[hand_keypoints('thumbs_up')])
    assert report.labels[0][1] == 't_pose'          # a body gesture beats a hand sign
    assert report.stop is None


def test_a_command_map_with_hand_signs_needs_them_on():
    config = replace(ClassifierConfig(), {'hand_signs': False})
    with pytest.raises(ConfigError, match='open_palm'):
        build_control_loop(config, load_config(TELEOP))
    assert build_control_loop(ClassifierConfig(), load_config(TELEOP)).stop_labels == {
        'open_palm'}


def test_a_stop_is_reported_as_beginning_once_and_a_blind_stop_is_named():
    sim = Sim(make_hand_loop())
    palm = bystander('open_palm')
    _, kp = next(iter(hold_sequence('stand', np.random.default_rng(6), duration_s=0.1,
                                    fps=FPS)))
    began = []
    for _ in range(10):
        report = sim.frame([Person(body=kp, bbox=BOX, score=0.9, track_id=1), palm])
        began.append(report.stop_began)
        sim.stamp += 1.0 / FPS
        sim.advance(1.0 / FPS)
    assert began == [True] + [False] * 9
    assert sim.loop.blind_stop() is None          # hands were seen
    blind = Sim(make_hand_loop())
    hold_with(blind, 'stand', 2.5)
    assert 'need hands' in blind.loop.blind_stop()
