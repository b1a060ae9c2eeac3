# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Activity analytics without ROS: falls, repetitions and steps on synthetic motion.

The motions come from a kinematic body model (pose_ros.activity.synthetic_motion) seen by a
camera with a real detector's measured error, dropped frames and hidden joints; each has an
exact expected count (pose_ros.evaluation.activity_scenarios). Falls forward, backward and
sideways must be reported once; sitting down, bending over, lying down on purpose, a
stumble, crouching behind a desk, walking out of the image and standing still never.
"""

from dataclasses import replace

import numpy as np
from pose_ros.activity import synthetic_motion as m
from pose_ros.activity.analyzer import ActivityAnalyzer, FALL, GOT_UP, REPETITION
from pose_ros.activity.body_signals import measure
from pose_ros.config import ActivityConfig, replace as replace_config
from pose_ros.evaluation.activity_scenarios import (activity_report, FALLS, LOOK_ALIKES,
                                                    mismatches, REPETITIONS, run_scenario,
                                                    SCENARIOS, WALKS)
from pose_ros.people import Person
import pytest

FPS = 15.0
NO_EXERCISE = replace_config(ActivityConfig(), {'repetitions.exercise': ''})
SQUATS = replace_config(ActivityConfig(), {'repetitions.exercise': 'squat'})


def cases():
    for s in SCENARIOS:
        for dims in (2, 3):
            if dims == 2 and s.limit_2d:
                continue
            yield pytest.param(s, dims, id=f'{s.name} {dims}d')


@pytest.mark.parametrize('scenario, dims', list(cases()))
def test_scenario_counts_are_exact(scenario, dims):
    """
    Each scenario with all frames (exact), and with 10 % of them dropped (exact in 2 of 3).

    A dropped frame can take the top of the fastest repetitions with it (1.2 s curls: 2-3
    frames at the top); EVALUATION.md gives the rates over 20 seeds.
    """
    outcome = run_scenario(scenario, 1, FPS, dims, 0.0)
    assert not mismatches(scenario, outcome), (1, 0.0, mismatches(scenario, outcome))
    wrong = [(seed, mismatches(scenario, run_scenario(scenario, seed, FPS, dims, 0.1)))
             for seed in (0, 2, 3)]
    assert sum(1 for _, w in wrong if w) <= 1, wrong


def test_the_scenarios_cover_what_the_issue_lists():
    names = ' | '.join(s.name for s in SCENARIOS)
    for direction in ('forward', 'backward', 'left', 'right'):
        assert f'fall {direction}' in names
    for look_alike in ('sit down', 'bend over', 'lie down on purpose', 'walk out of the image'):
        assert look_alike in names
    for exercise in ('squat', 'arm_curl', 'jumping_jack', 'push_up'):
        assert len([s for s in SCENARIOS if s.exercise == exercise]) == 3   # three speeds
    cadences = {s.name.rsplit(', ', 1)[1] for s in SCENARIOS if s.name.startswith('walk 8')}
    assert cadences == {'80/min', '110/min', '140/min'}
    assert len(FALLS) >= 8 and len(LOOK_ALIKES) >= 7


def analyze(frames, config=NO_EXERCISE, seed=0, detector=m.Detector(dims=3)):
    analyzer = ActivityAnalyzer(config)
    events, last = [], None
    for t, people in m.render(frames, FPS, np.random.default_rng(seed), m.Camera(), detector):
        result = analyzer.update(t, people)
        events += result.events
        last = result.people[0] if result.people else last
    return analyzer, events, last


def test_a_fall_then_getting_up_gives_fall_then_got_up():
    p = m.standing(yaw=90.0)
    lying = m.fall(p, 'forward', FPS)
    down = lying[-1]
    # Get up: the lying body turns back upright over 2 s, then stands.
    up = m.skeleton(p)
    rise = [{k: v + (up[k] - v) * (i / 30) for k, v in down.items()} for i in range(30)]
    _, events, last = analyze(m.hold(p, 2.0, FPS) + lying + rise + m.hold(p, 3.0, FPS))
    assert [(e.kind, e.count) for e in events] == [(FALL, 1), (GOT_UP, 1)]
    assert last.falls == 1 and not last.fallen and last.posture == 'upright'


def test_a_fall_is_only_reported_once_the_person_stayed_down():
    p = m.standing()
    frames = m.hold(p, 2.0, FPS) + m.fall(p, 'left', FPS, lie=0.5)    # then out of view
    analyzer, events, last = analyze(frames)
    assert events == [] and last.posture == 'lying' and not last.fallen
    assert analyzer.totals.falls == 0


def test_someone_first_seen_lying_has_not_been_seen_falling():
    p = m.standing()
    lying = m.fall(p, 'backward', FPS, lie=5.0)[int(FPS):]
    _, events, last = analyze(lying)
    assert events == [] and last.posture == 'lying'


def test_falls_can_be_switched_off_and_thresholds_matter():
    p = m.standing()
    frames = m.hold(p, 2.0, FPS) + m.fall(p, 'right', FPS)
    assert analyze(frames)[0].totals.falls == 1
    off = replace_config(NO_EXERCISE, {'falls.enabled': False})
    assert analyze(frames, off)[0].totals.falls == 0
    # The hips drop about 1.5 torso lengths in a fall from standing: not 3.
    deep_only = replace_config(NO_EXERCISE, {'falls.min_drop': 3.0})
    assert analyze(frames, deep_only)[0].totals.falls == 0


def test_repetitions_have_a_phase_that_goes_round():
    p = m.standing()
    analyzer = ActivityAnalyzer(SQUATS)
    phases = []
    frames = m.hold(p, 1.0, FPS) + m.cycles(p, m.squat_pose(p), 2, 3.0, FPS) + m.hold(p, 1, FPS)
    for t, people in m.render(frames, FPS, np.random.default_rng(0), m.Camera(),
                              m.Detector(noise=False)):
        person = analyzer.update(t, people).people[0]
        if not phases or phases[-1] != person.phase:
            phases.append(person.phase)
    # Unknown ('') for the first frames: the person's standing height is not known yet.
    assert phases == ['', 'rest', 'going', 'peak', 'returning', 'rest', 'going', 'peak',
                      'returning', 'rest']
    assert analyzer.totals.repetitions == 2


def test_squats_count_for_people_of_any_proportions():
    """
    Standing, YOLO's hips are 1.33-1.86 torso lengths above the ankles in the real photos.

    The synthetic body stands at 1.74; with a torso 25 % longer it stands at about 1.4, where
    a threshold in torso lengths (the former 1.45) never saw it standing.
    """
    upper = [i for i, n in enumerate(m.COCO17.keypoints)
             if not n.endswith(('hip', 'knee', 'ankle'))]
    p = m.standing()
    frames = m.hold(p, 1.0, FPS) + m.cycles(p, m.squat_pose(p), 3, 2.0, FPS) + m.hold(p, 1, FPS)
    for stretch in (0.0, 0.25):
        analyzer = ActivityAnalyzer(SQUATS)
        standing = []
        for t, people in m.render(frames, FPS, np.random.default_rng(0), m.Camera(),
                                  m.Detector(dims=2)):
            for person in people:
                xy = person.body.xy
                torso = np.linalg.norm(xy[[5, 6]].mean(0) - xy[[11, 12]].mean(0))
                xy[upper, 1] -= stretch * torso
                standing.append(measure(person.body).hip_over_ankles
                                / measure(person.body).torso)
            analyzer.update(t, people)
        assert analyzer.totals.repetitions == 3, (stretch, analyzer.totals)
        assert np.median(standing[:int(FPS)]) == pytest.approx(1.74 / (1 + stretch), abs=0.12)


def test_changing_the_exercise_restarts_the_counts():
    p = m.standing()
    frames = m.hold(p, 1.0, FPS) + m.cycles(p, m.squat_pose(p), 3, 2.0, FPS)
    analyzer, events, last = analyze(frames, SQUATS)
    assert last.repetitions == 3 and [e.kind for e in events].count(REPETITION) == 3
    analyzer.reconfigure(replace_config(ActivityConfig(), {'repetitions.exercise': 'arm_curl'}))
    t = 100.0
    person = analyzer.update(t, [Person(body=m.render([m.skeleton(p)], FPS,
                                                      np.random.default_rng(1))[0][1][0].body,
                                        track_id=1)]).people[0]
    assert person.exercise == 'arm_curl' and person.repetitions == 0
    assert analyzer.totals.repetitions == 3            # the totals keep what was counted


def test_cadence_is_the_walking_pace():
    p = m.standing(x=-3.0, z=8.0, yaw=-90.0)
    _, _, last = analyze(m.walk(p, 10, 110.0, FPS))
    assert last.steps == 10
    assert 95.0 <= last.cadence <= 125.0, last.cadence


def renamed(frames, from_t, new_id, gap=2, shift=0.0):
    """Lose the person at ``from_t`` for ``gap`` frames, then give them ``new_id``."""
    out, lost = [], 0
    for t, people in frames:
        if t >= from_t and lost < gap:
            lost += 1
            out.append((t, []))
            continue
        if t >= from_t:
            people = [Person(body=p.body, bbox=p.bbox + np.float32(shift), score=p.score,
                             track_id=new_id) for p in people]
        out.append((t, people))
    return out


def test_a_track_lost_in_a_fall_hands_its_state_to_the_new_track_over_it():
    """A tracker (ByteTrack) can lose a person as a tall box turns wide, then start a new id."""
    p = m.standing()
    frames = m.render(m.hold(p, 2.0, FPS) + m.fall(p, 'right', FPS, lie=3.0), FPS,
                      np.random.default_rng(0), m.Camera(), m.Detector(dims=2))
    lying_from = 2.0 + 1.0        # the fall takes about a second

    def run(config, frames):
        analyzer = ActivityAnalyzer(config)
        events = [e for t, people in frames for e in analyzer.update(t, people).events]
        return analyzer, events

    analyzer, events = run(NO_EXERCISE, renamed(frames, lying_from, new_id=9))
    assert [(e.kind, e.track_id) for e in events] == [(FALL, 9)]
    assert analyzer.totals.handovers == 1
    # Not when handing over is off, when the new track is elsewhere, or came too late.
    off = replace_config(NO_EXERCISE, {'handover': 0.0})
    assert run(off, renamed(frames, lying_from, new_id=9))[1] == []
    assert run(NO_EXERCISE, renamed(frames, lying_from, new_id=9, shift=300.0))[1] == []
    late = renamed(frames, lying_from, new_id=9, gap=int(1.5 * FPS))
    assert run(NO_EXERCISE, late)[1] == []


def test_a_new_track_takes_over_one_lost_track_only():
    still = m.render(m.hold(m.standing(), 1.0, FPS), FPS, np.random.default_rng(0),
                     m.Camera(), m.Detector(dims=2))
    analyzer = ActivityAnalyzer(NO_EXERCISE)
    for t, people in still[:-1]:
        analyzer.update(t, people)
    t, people = still[-1]
    twins = [Person(body=people[0].body, bbox=people[0].bbox, score=0.9, track_id=i)
             for i in (5, 6)]
    analyzer.update(t, twins)
    assert analyzer.totals.handovers == 1 and analyzer.tracked == 2


def test_untracked_people_are_left_out_and_counted():
    frames = m.render(m.hold(m.standing(), 1.0, FPS), FPS, np.random.default_rng(0),
                      m.Camera(), m.Detector(), track_id=-1)
    analyzer = ActivityAnalyzer(ActivityConfig())
    for t, people in frames:
        assert analyzer.update(t, people).people == []
    assert analyzer.totals.untracked == len(frames) and analyzer.tracked == 0


def test_stamps_going_back_restart_and_old_tracks_are_forgotten():
    frames = m.render(m.hold(m.standing(), 1.0, FPS), FPS, np.random.default_rng(0))
    analyzer = ActivityAnalyzer(ActivityConfig())
    for t, people in frames:
        analyzer.update(t, people)
    analyzer.update(0.0, frames[0][1])                 # a bag played again
    assert analyzer.totals.restarts == 1 and analyzer.tracked == 1
    analyzer.update(0.1 + ActivityConfig().forget_after + 0.1, [])
    assert analyzer.tracked == 0


def test_missing_joints_give_unknowns_not_errors():
    kp = m.render([m.skeleton(m.standing())], FPS, np.random.default_rng(0))[0][1][0].body
    empty = replace(kp, xy=np.full_like(kp.xy, np.nan), conf=np.full_like(kp.conf, np.nan))
    s = measure(empty)
    assert np.isnan([s.torso, s.tilt_deg, s.extent, s.knee_deg, s.elbow_deg]).all()
    analyzer = ActivityAnalyzer(ActivityConfig())
    person = analyzer.update(0.0, [Person(body=empty, track_id=4)]).people[0]
    assert person.posture == 'unknown' and person.steps == 0 and person.repetitions == 0


def test_3d_is_used_when_people_carry_camera_frame_positions():
    frames = m.hold(m.standing(), 1.0, FPS)
    assert analyze(frames, detector=m.Detector(dims=3))[2].space == '3d'
    assert analyze(frames, detector=m.Detector(dims=2))[2].space == '2d'
    two_d = replace_config(ActivityConfig(), {'use_3d': False})
    assert analyze(frames, two_d, detector=m.Detector(dims=3))[2].space == '2d'


def test_the_evaluation_report_counts_falls_alarms_and_exact_runs():
    chosen = [FALLS[0], LOOK_ALIKES[0], REPETITIONS[0], WALKS[0]]
    text = activity_report([0], scenarios=chosen)
    assert text.startswith('Synthetic activity scenarios: 4 motions x 1 seeds')
    for condition in ('| 2D |', '| 2D, 10% dropped |', '| 3D |', '| 3D, 10% dropped |'):
        row = next(line for line in text.splitlines() if line.startswith(condition))
        assert '| 1/1 (100.0%) | 0 |' in row and row.endswith('| 100.0% | 100.0% |'), row
    assert f'| {FALLS[0].name} | 1 falls | 100% | 100% | 100% | 100% |' in text
