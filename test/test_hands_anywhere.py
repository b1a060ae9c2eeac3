# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Hands are found whether or not a body wrist is near them, and published in the People message.

A hand near no body wrist (an open palm held close to the camera, a person out of view) is a
person of its own: every body keypoint unknown, track id -1, the hand in its ``hands``.
"""

import os
from pathlib import Path

import cv2
import numpy as np
from pose_ros.annotate import draw_frame
from pose_ros.classifier.arbitration import Candidate, ControlArbiter
from pose_ros.config import BodyConfig, replace
from pose_ros.head_hands_stage import person_of_hand
from pose_ros.people import FrameResult, Hand, Keypoints
from pose_ros.ros_conversion import (decode_people, frame_to_people_msg, marker_array,
                                     tf_message)
from pose_ros.schemas import BLAZEPOSE33, COCO17, HAND21
import pytest
from std_msgs.msg import Header

ROOT = Path(__file__).resolve().parent.parent
GT = Path(os.environ.get('POSE_ROS_GT_DIR', ROOT.parent / 'shared' / 'data' / 'gt'))


def a_hand(x0=300.0, y0=200.0, side='right'):
    xy = np.stack([np.linspace(x0, x0 + 80, 21), np.linspace(y0, y0 + 100, 21)], 1)
    xyz = np.tile(np.linspace(0, 0.1, 21)[:, None], (1, 3))
    return Hand(Keypoints.from_arrays(HAND21, xy.astype(np.float32),
                                      np.ones(21, np.float32), xyz.astype(np.float32)),
                side, 0.9)


@pytest.mark.parametrize('schema', [COCO17, BLAZEPOSE33])
def test_a_hand_alone_is_a_person_without_a_body(schema):
    person = person_of_hand(a_hand(), schema)
    assert person.body.schema is schema and np.isnan(person.body.xy).all()
    assert person.track_id == -1 and person.hands[0].side == 'right'
    assert person.bbox.tolist() == [300.0, 200.0, 380.0, 300.0]


def test_such_a_person_survives_the_message_and_every_output():
    header = Header(frame_id='camera_color_optical_frame')
    header.stamp.sec = 5
    frame = FrameResult([person_of_hand(a_hand(), COCO17),
                         person_of_hand(a_hand(20.0, 20.0, 'left'), COCO17)], 'yolo_onnx',
                        640, 480)
    msg = frame_to_people_msg(frame, header)
    back, problems = decode_people(msg)
    assert problems == () and len(back.people) == 2        # two -1 ids are no conflict
    assert [len(p.hands) for p in back.people] == [1, 1]
    assert np.allclose(back.people[0].hands[0].keypoints.xy, frame.people[0].hands[0].keypoints.xy)
    tf_message(frame, header)                      # no body frame for an unknown body
    marker_array(frame, header)
    draw_frame(np.zeros((480, 640, 3), np.uint8), frame)


def test_a_hand_alone_never_takes_control():
    arbiter = ControlArbiter(policy='largest')
    hand_only = Candidate.from_person(person_of_hand(a_hand(), COCO17), 'unknown')
    assert arbiter.update(0.0, [hand_only]) is None


@pytest.mark.skipif(not (GT / 'onehand10k').is_dir(),
                    reason=f'no ground-truth folder at {GT} (set POSE_ROS_GT_DIR)')
@pytest.mark.parametrize('search', [True, False])
def test_close_up_hands_are_found_with_the_full_image_search(search):
    """OneHand10K close-ups: no body to look at, the hand is still published."""
    from pose_ros.pipeline import build_pipeline, Frame
    config = replace(BodyConfig(), {'hands.enabled': True, 'head.enabled': False,
                                    'hands.search_full_image': search})
    pipeline = build_pipeline(config)
    found = 0
    images = sorted((GT / 'onehand10k').glob('*.jpg'))
    try:
        for path in images:
            pipeline.reset()
            result = pipeline.process(Frame(cv2.imread(str(path)), stamp=1.0))
            alone = [p for p in result.people if np.isnan(p.body.xy).all()]
            assert all(p.track_id == -1 and len(p.hands) == 1 for p in alone)
            assert result.unassigned_hands == len(alone)
            found += sum(len(p.hands) for p in result.people) > 0
    finally:
        pipeline.close()
    if search:
        assert found == len(images), f'{found} of {len(images)} close-ups gave a hand'
    else:
        assert found < len(images)          # the wrist crops alone miss them (the old defect)
