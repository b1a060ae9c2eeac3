# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Who is in control: engage/disengage, nearest, largest, loss of the controller."""

import numpy as np
from pose_ros.classifier import synthetic as syn
from pose_ros.classifier.arbitration import Candidate, ControlArbiter
from pose_ros.people import Keypoints, Person, PositionSource
import pytest


def c(track_id, label='stand', area=1000.0, distance=float('nan')):
    return Candidate(track_id, label, area, distance)


def test_engage_first_person_with_the_gesture():
    arb = ControlArbiter('engage', engage_label='both_arms_up', disengage_label='arms_crossed')
    assert arb.update(0.0, [c(1), c(2)]) is None
    assert arb.update(0.1, [c(1), c(2, 'both_arms_up')]) == 2 and arb.last_event == 'engaged'
    # Someone else engaging later does not steal control.
    assert arb.update(0.2, [c(1, 'both_arms_up', area=9e9), c(2)]) == 2
    assert arb.last_event is None
    # The controller's disengage gesture releases control.
    assert arb.update(0.3, [c(1, 'both_arms_up'), c(2, 'arms_crossed')]) == 1
    # ... and in the same frame the other person, already engaging, takes it.
    assert arb.last_event == 'engaged'
    assert arb.update(0.4, [c(1, 'arms_crossed'), c(2)]) is None
    assert arb.last_event == 'released: disengage gesture'


def test_engage_ties_go_to_the_largest():
    arb = ControlArbiter('engage')
    assert arb.update(0.0, [c(3, 'both_arms_up', 500.0), c(4, 'both_arms_up', 900.0)]) == 4


def test_release_when_lost_for_the_timeout():
    arb = ControlArbiter('engage', lost_timeout_s=1.0)
    arb.update(0.0, [c(5, 'both_arms_up')])
    assert arb.update(0.5, []) == 5            # unseen, not yet lost
    assert arb.update(0.9, [c(6, 'both_arms_up')]) == 5     # nobody takes over meanwhile
    assert arb.update(1.1, [c(6, 'both_arms_up')]) == 6
    assert arb.last_event == 'engaged'
    arb.update(1.2, [c(6)])
    assert arb.update(2.3, []) is None and arb.last_event == 'released: lost'


def test_untracked_people_never_control():
    arb = ControlArbiter('engage')
    assert arb.update(0.0, [c(-1, 'both_arms_up')]) is None
    arb = ControlArbiter('largest')
    assert arb.update(0.0, [c(-1, area=1e6)]) is None


def test_nearest_uses_distance_and_is_sticky():
    arb = ControlArbiter('nearest', switch_margin=0.2)
    assert arb.update(0.0, [c(1, distance=2.0), c(2, distance=1.5)]) == 2
    assert arb.update(0.1, [c(1, distance=1.4), c(2, distance=1.5)]) == 2     # within margin
    assert arb.update(0.2, [c(1, distance=1.0), c(2, distance=1.5)]) == 1
    assert arb.last_event == 'switched'


def test_nearest_without_3d_falls_back_to_the_largest():
    arb = ControlArbiter('nearest')
    assert arb.update(0.0, [c(1, area=100.0), c(2, area=400.0)]) == 2
    arb = ControlArbiter('nearest')
    assert arb.update(0.0, [c(1, area=1e6), c(2, area=10.0, distance=3.0)]) == 2


def test_largest_policy_and_disengage():
    arb = ControlArbiter('largest', disengage_label='arms_crossed', switch_margin=0.2)
    assert arb.update(0.0, [c(1, area=100.0), c(2, area=200.0)]) == 2
    assert arb.update(0.1, [c(1, area=230.0), c(2, area=200.0)]) == 2      # within margin
    assert arb.update(0.2, [c(1, area=100.0), c(2, 'arms_crossed', area=200.0)]) == 1
    assert arb.update(0.3, [c(1, 'arms_crossed', area=100.0), c(2, 'arms_crossed')]) is None
    assert arb.update(0.4, [c(1, 'arms_crossed', area=100.0), c(2, area=200.0)]) == 2


def test_release_and_reset():
    arb = ControlArbiter('largest')
    arb.update(0.0, [c(1)])
    arb.release()
    assert arb.controller is None and arb.last_event == 'released: by request'
    arb.update(0.1, [c(1)])
    arb.reset()
    assert arb.controller is None


@pytest.mark.parametrize('kwargs', [{'policy': 'loudest'},
                                    {'engage_label': 'dab', 'disengage_label': 'dab'},
                                    {'policy': 'engage', 'engage_label': ''},
                                    {'lost_timeout_s': -1.0}])
def test_bad_settings(kwargs):
    with pytest.raises(ValueError):
        ControlArbiter(**kwargs)


def test_candidate_from_person():
    kp = syn.generate('stand', 1, np.random.default_rng(0), dropout=0.0)[0]
    person = Person(body=kp, bbox=np.array([10, 20, 110, 220], np.float32), track_id=7)
    cand = Candidate.from_person(person, 't_pose')
    assert (cand.track_id, cand.label, cand.area) == (7, 't_pose', 100.0 * 200.0)
    assert np.isnan(cand.distance)
    # No box: the keypoints' extent; 3D in the camera frame: the hips' distance.
    xyz = np.zeros((17, 3), np.float32)
    xyz[:, 2] = 2.0
    xyz[:, 0] = 1.5
    body = Keypoints.from_arrays(kp.schema, kp.xy, kp.conf, xyz, PositionSource.DEPTH)
    cand = Candidate.from_person(Person(body=body, track_id=8), 'stand')
    assert cand.area > 0 and cand.distance == pytest.approx(2.5)
    root = Keypoints.from_arrays(kp.schema, kp.xy, kp.conf, xyz, PositionSource.MODEL_ROOT)
    assert np.isnan(Candidate.from_person(Person(body=root), 'stand').distance)
