# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Label hysteresis: no flicker on noisy input, minimum hold, enter/exit thresholds."""

import numpy as np
from pose_ros.classifier.hysteresis import LabelFilter
import pytest

FPS = 30.0


def run(filt, frames, track_id=1, start=0.0):
    """Feed (label, confidence) frames at FPS; return the stable labels."""
    return [filt.update(track_id, lb, c, start + i / FPS)[0] for i, (lb, c) in enumerate(frames)]


def switches(labels):
    return sum(1 for a, b in zip(labels, labels[1:]) if a != b)


def test_label_becomes_stable_after_the_hold_time():
    filt = LabelFilter(enter=0.7, exit=0.5, min_hold_s=0.5)
    out = run(filt, [('t_pose', 0.9)] * 60)
    first = out.index('t_pose')
    assert 0.5 <= first / FPS <= 0.6
    assert set(out[:first]) == {'unknown'} and set(out[first:]) == {'t_pose'}
    label, score = filt.update(1, 't_pose', 0.9, 60 / FPS)
    assert label == 't_pose' and score == pytest.approx(0.9, abs=1e-3)


def test_short_gestures_never_become_stable():
    filt = LabelFilter(min_hold_s=0.5)
    frames = ([('dab', 0.95)] * 12 + [('stand', 0.9)] * 8) * 6     # 0.4 s of dab at a time
    assert 'dab' not in run(filt, frames)


@pytest.mark.parametrize('seed', range(5))
def test_noisy_input_does_not_flicker(seed):
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(int(10 * FPS)):
        if rng.random() < 0.9:
            frames.append(('t_pose', rng.uniform(0.75, 1.0)))
        else:       # 10 % misdetections: another gesture or unknown, at random
            frames.append((str(rng.choice(['dab', 'unknown', 'pointing_left'])),
                           rng.uniform(0.5, 1.0)))
    out = run(LabelFilter(), frames)
    assert switches(out) == 1 and out[-1] == 't_pose'
    assert out.index('t_pose') / FPS < 2.0


def test_alternating_labels_give_no_stable_label():
    frames = [('left_arm_raised', 0.9), ('right_arm_raised', 0.9)] * 90
    out = run(LabelFilter(), frames)
    assert set(out) == {'unknown'}


def test_exit_threshold():
    filt = LabelFilter(enter=0.7, exit=0.5, min_hold_s=0.3)
    out = run(filt, [('t_pose', 0.9)] * 30)
    assert out[-1] == 't_pose'
    # Between exit and enter: the active label stays.
    out = run(filt, [('t_pose', 0.6)] * 60, start=30 / FPS)
    assert set(out) == {'t_pose'}
    # Below exit: it ends within a few frames (the score's time constant).
    out = run(filt, [('t_pose', 0.3)] * 30, start=90 / FPS)
    assert out[-1] == 'unknown' and out.index('unknown') <= 6
    # And coming back needs the full hold again.
    out = run(filt, [('t_pose', 0.9)] * 30, start=120 / FPS)
    assert out[:8] == ['unknown'] * 8 and out[-1] == 't_pose'


def test_another_label_takes_over_after_its_own_hold():
    filt = LabelFilter(min_hold_s=0.5)
    run(filt, [('t_pose', 0.9)] * 30)
    out = run(filt, [('dab', 0.9)] * 40, start=30 / FPS)
    first = out.index('dab')
    # The score rises to 'enter' (~0.5 s), then the hold; t_pose ended long before.
    assert 0.5 <= first / FPS <= 1.2
    assert 't_pose' not in out[first:] and out.index('unknown') / FPS < 0.3


def test_unknown_and_bad_confidences_never_activate():
    filt = LabelFilter(min_hold_s=0.0)
    out = run(filt, [('unknown', 1.0), ('', 1.0), (None, 1.0)] * 20)
    assert set(out) == {'unknown'}
    out = run(filt, [('dab', float('nan')), ('dab', -3.0)] * 20, start=10.0)
    assert set(out) == {'unknown'}
    label, score = filt.update(1, 'dab', 7.0, 20.0)       # clipped to 1
    assert label == 'dab' and score <= 1.0


def test_tracks_are_independent_and_pruned():
    filt = LabelFilter(min_hold_s=0.2)
    for i in range(20):
        t = i / FPS
        a = filt.update(1, 't_pose', 0.9, t)[0]
        b = filt.update(2, 'dab', 0.9, t)[0]
    assert (a, b) == ('t_pose', 'dab')
    assert filt.active(1) == 't_pose' and filt.active(3) is None
    filt.prune([2])
    assert filt.track_ids == (2,)
    assert filt.update(1, 't_pose', 0.9, 1.0)[0] == 'unknown'     # a new track starts over


def test_time_going_back_restarts_a_track():
    filt = LabelFilter(min_hold_s=0.2)
    run(filt, [('t_pose', 0.9)] * 30, start=100.0)
    assert filt.update(1, 't_pose', 0.9, 0.0)[0] == 'unknown'


@pytest.mark.parametrize('kwargs', [{'enter': 0.4, 'exit': 0.5}, {'enter': 1.2},
                                    {'min_hold_s': -1.0}, {'tau_s': float('inf')}])
def test_bad_settings(kwargs):
    with pytest.raises(ValueError):
        LabelFilter(**kwargs)
