# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Hands and bodies without models: handedness, assignment, wrist crops, dedup, options."""

from conftest import body_config
import numpy as np
from pose_ros.backends.mediapipe_face import deduplicate as deduplicate_faces
from pose_ros.backends.mediapipe_graphs import padded_crop
from pose_ros.backends.mediapipe_hands import deduplicate
from pose_ros.geometry.head_pose import head_region
from pose_ros.hands import (assign_hands, attach_hands, crop_around_wrist,
                            handedness_to_person_side, person_scale)
from pose_ros.head_hands_stage import assign_faces, HeadHandsTuning
from pose_ros.people import Hand, Keypoints, Person
from pose_ros.schemas import BLAZEPOSE33, COCO17, HAND21
import pytest


def body(points, schema=COCO17, conf=0.9):
    """Body keypoints with the named points set (pixels), the rest unknown."""
    kp = Keypoints.empty(schema)
    for name, xy in points.items():
        i = schema.index(name)
        kp.xy[i] = xy
        kp.conf[i] = conf
    return kp


def person(points, bbox, schema=COCO17, track_id=-1, conf=0.9):
    return Person(body=body(points, schema, conf), bbox=np.array(bbox, np.float32),
                  track_id=track_id)


def hand(wrist, side='unknown', score=0.9, size=40.0):
    """Return a hand whose wrist is at ``wrist``, fingers up."""
    xy = np.zeros((21, 2), np.float32)
    xy[:] = wrist
    xy[1:, 1] -= np.linspace(size / 5, size, 20)
    xy[1:, 0] += np.tile(np.linspace(-size / 4, size / 4, 5), 4)
    return Hand(Keypoints.from_arrays(HAND21, xy, np.ones(21)), side, score)


# Two people side by side, facing the camera (their left on the image's right), 400 px tall.
ALICE = {'left_wrist': (260, 300), 'right_wrist': (140, 300), 'left_elbow': (250, 220),
         'right_elbow': (150, 220), 'left_shoulder': (240, 150), 'right_shoulder': (160, 150),
         'nose': (200, 100), 'left_eye': (210, 90), 'right_eye': (190, 90)}
BOB = {k: (x + 300, y) for k, (x, y) in ALICE.items()}


def two_people():
    return [person(ALICE, (100, 60, 300, 460)), person(BOB, (400, 60, 600, 460))]


# --- handedness -------------------------------------------------------------------------------

@pytest.mark.parametrize('label, mirrored, side', [
    ('Left', False, 'right'), ('Right', False, 'left'),     # ordinary camera: swapped
    ('Left', True, 'left'), ('Right', True, 'right'),       # selfie (mirrored) view: as is
    ('left', False, 'right'), (' RIGHT ', False, 'left'),
    ('', False, 'unknown'), ('Ambidextrous', True, 'unknown'),
])
def test_handedness_to_person_side(label, mirrored, side):
    assert handedness_to_person_side(label, mirrored) == side


# --- assignment -------------------------------------------------------------------------------

def test_each_hand_goes_to_its_persons_matching_wrist():
    people = two_people()
    hands = [hand((262, 305), 'left'), hand((138, 298), 'right'),
             hand((558, 302), 'left'), hand((443, 296), 'right')]
    assert assign_hands(hands, people) == [(0, 'left'), (0, 'right'), (1, 'left'), (1, 'right')]


def test_far_hands_belong_to_nobody_relative_to_the_persons_size():
    people = two_people()                              # 400 px tall: limit 0.25 * 400 = 100 px
    assert assign_hands([hand((260, 395), 'left')], people) == [(0, 'left')]
    assert assign_hands([hand((260, 405), 'left')], people) == [(-1, 'left')]
    small = [person({k: (x / 4, y / 4) for k, (x, y) in ALICE.items()}, (25, 15, 75, 115))]
    assert assign_hands([hand((65, 75 + 30), 'left')], small) == [(-1, 'left')]   # 30 px > 25
    assert assign_hands([hand((65, 75 + 20), 'left')], small) == [(0, 'left')]


def test_at_most_one_left_and_one_right_hand_per_person():
    people = two_people()
    hands = [hand((262, 305), 'left', 0.9), hand((250, 330), 'left', 0.8)]
    # The nearer hand takes the left wrist; the other is far from the right wrist (110 px).
    assert assign_hands(hands, people) == [(0, 'left'), (-1, 'left')]


def test_body_wrist_wins_over_a_wrong_handedness_when_the_hand_sits_on_it():
    """messi5.jpg: MediaPipe calls the left hand 'right' (0.96); the right wrist is taken."""
    people = two_people()
    hands = [hand((138, 298), 'right', 0.97), hand((262, 305), 'right', 0.96)]
    assert assign_hands(hands, people) == [(0, 'right'), (0, 'left')]
    attach_hands(hands, people)
    sides = [(h.side, round(h.handedness_score, 2)) for h in people[0].hands]
    assert sides == [('left', 0.04), ('right', 0.97)]       # left first; score complemented


def test_handedness_decides_between_wrists_of_two_people():
    """zidane.jpg: a hand near A's right wrist and B's left wrist goes by its side."""
    a = person({'right_wrist': (300, 300), 'left_wrist': (100, 300)}, (0, 0, 400, 400))
    b = person({'left_wrist': (330, 300), 'right_wrist': (500, 300)}, (200, 0, 600, 400))
    for side, owner in (('left', 1), ('right', 0)):
        assert assign_hands([hand((310, 300), side)], [a, b]) == [(owner, side)]
    # Unknown side: the nearest wrist.
    assert assign_hands([hand((310, 300))], [a, b]) == [(0, 'right')]
    # A mismatch is only overridden when the other wrist is clearly nearer.
    assert assign_hands([hand((325, 300), 'right')], [a, b],
                        mismatch_cost=0.0) == [(1, 'left')]


def test_invisible_wrists_and_missing_points_are_ignored():
    people = [person(ALICE, (100, 60, 300, 460), conf=0.1)]
    assert assign_hands([hand((262, 305), 'left')], people) == [(-1, 'left')]
    nan_hand = hand((262, 305), 'left')
    nan_hand.keypoints.xy[0] = np.nan
    assert assign_hands([nan_hand], two_people()) == [(-1, 'left')]
    assert assign_hands([], two_people()) == []
    assert assign_hands([hand((262, 305), 'left')], []) == [(-1, 'left')]


def test_blazepose_bodies_and_person_scale_without_box():
    bp = person({'left_wrist': (260, 300), 'right_wrist': (140, 300), 'nose': (200, 100),
                 'left_ankle': (240, 500)}, (np.nan,) * 4, schema=BLAZEPOSE33)
    assert person_scale(bp) == pytest.approx(400.0)
    assert assign_hands([hand((258, 310), 'left')], [bp]) == [(0, 'left')]


def test_attach_hands_in_place_and_unassigned_returned():
    people = two_people()
    far = hand((1000, 1000), 'left')
    left = hand((262, 305), 'left', 0.8)
    assert attach_hands([far, left], people) == [far]
    assert [(h.side, h.handedness_score) for h in people[0].hands] == [('left', 0.8)]
    assert people[1].hands == []


# --- crops ------------------------------------------------------------------------------------

def test_crop_around_wrist_extends_along_the_forearm():
    b = body(ALICE)
    x0, y0, x1, y1 = crop_around_wrist(b, 'left', (480, 640), scale=2.0)
    forearm = np.hypot(10, 80)
    assert x1 - x0 == y1 - y0 == round(2.0 * forearm)
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    expected = np.array([260, 300]) + 0.4 * np.array([10, 80])
    assert np.abs(centre - expected).max() <= 1.0


def test_crop_size_survives_a_foreshortened_forearm():
    pts = dict(ALICE, left_elbow=(258, 295))            # forearm pointing at the camera
    x0, _, x1, _ = crop_around_wrist(body(pts), 'left', (480, 640), scale=2.0)
    upper_arm = np.hypot(18, 145)
    assert x1 - x0 == round(2.0 * 0.8 * upper_arm)
    no_elbow = {k: v for k, v in ALICE.items() if k != 'left_elbow'}
    x0, y0, x1, y1 = crop_around_wrist(body(no_elbow), 'left', (480, 640), scale=2.0)
    assert x1 - x0 == round(2.0 * 0.6 * 80)            # from the shoulder width
    assert ((x0 + x1) / 2, (y0 + y1) / 2) == (260, 300)  # centred on the wrist


def test_crop_refusals():
    assert crop_around_wrist(body({'left_wrist': (10, 10)}), 'left', (480, 640)) is None
    assert crop_around_wrist(body(ALICE), 'left', (200, 200)) is None  # wrist outside
    assert crop_around_wrist(body(ALICE, conf=0.1), 'left', (480, 640)) is None
    with pytest.raises(ValueError):
        crop_around_wrist(body(ALICE), 'middle', (480, 640))


def test_padded_crop_keeps_position_and_scale():
    img = np.arange(20 * 30 * 3, dtype=np.uint8).reshape(20, 30, 3)
    crop = padded_crop(img, (-5, -4, 10, 11))
    assert crop.shape == (15, 15, 3)
    assert (crop[:4] == 0).all() and (crop[:, :5] == 0).all()
    np.testing.assert_array_equal(crop[4:, 5:], img[0:11, 0:10])
    assert padded_crop(img, (40, 40, 50, 50)).shape == (10, 10, 3)


def test_deduplicate_keeps_the_best_of_the_same_hand():
    a = hand((100, 100), 'left', 0.7)
    b = hand((102, 101), 'left', 0.9)                   # the same hand from another crop
    c = hand((160, 100), 'right', 0.8)                  # a neighbour
    kept = deduplicate([a, b, c])
    assert kept == [b, c]


def test_deduplicate_faces():
    face = np.random.default_rng(0).uniform(0, 100, (478, 2))
    assert len(deduplicate_faces([face, face + 2.0, face + 60.0])) == 2


# --- faces to people --------------------------------------------------------------------------

def test_head_region_and_face_assignment():
    people = two_people()
    centre, size = head_region(people[0].body)
    np.testing.assert_allclose(centre, [200, 280 / 3])
    assert size == pytest.approx(max(3 * 20, 0.55 * 80))
    face_b = np.zeros((478, 2))
    face_b[1] = (505, 100)
    face_a = np.zeros((478, 2))
    face_a[1] = (198, 102)
    stray = np.zeros((478, 2))
    stray[1] = (350, 300)
    assert assign_faces([face_b, face_a, stray], people) == [1, 0, -1]
    assert head_region(body({'left_wrist': (1, 1)})) is None


def test_options_are_validated():
    HeadHandsTuning()
    for bad in ({'face_min_detection_confidence': 1.5}, {'hand_mismatch_cost': -1.0}):
        with pytest.raises(ValueError):
            HeadHandsTuning(**bad)
    # Those that are parameters: the configuration checks them, naming the parameter.
    for bad in ({'hands.model_complexity': 2}, {'hands.max_dist': 0.0}, {'depth.window': 4},
                {'depth.min': 5.0, 'depth.max': 1.0}):
        with pytest.raises(ValueError, match=next(iter(bad)).split('.')[0]):
            body_config(bad)
