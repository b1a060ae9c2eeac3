# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Person segmentation: labelling, the mask encoding, the effect, the real model, body_node."""

import os
from pathlib import Path
import time

from conftest import body_config, fixture_bag
from media_helpers import photo
import numpy as np
from pose_ros.annotate import draw_frame
from pose_ros.config import BodyConfig, ConfigError, replace, rgb_of
from pose_ros.evaluation.segmentation import iou, pair_masks, polygons_to_mask
from pose_ros.people import FrameResult, Keypoints, Person
from pose_ros.pipeline import build_pipeline, Frame
from pose_ros.schemas import COCO17
from pose_ros.segmentation import (apply_effect, background_bgr, Crop, label_people,
                                   track_mask, UNTRACKED)
import pytest

H, W = 120, 200
GT = Path(os.environ.get('POSE_ROS_GT_DIR',
                         Path(__file__).resolve().parent.parent.parent / 'shared' / 'data' /
                         'gt'))


def standing(x: float, track_id: int) -> Person:
    """Return a stick person standing at column ``x`` (head at row 10, feet at row 110)."""
    xy = np.full((17, 2), np.nan)
    pts = {'nose': (x, 15), 'left_shoulder': (x + 10, 30), 'right_shoulder': (x - 10, 30),
           'left_hip': (x + 6, 65), 'right_hip': (x - 6, 65), 'left_knee': (x + 6, 88),
           'right_knee': (x - 6, 88), 'left_ankle': (x + 6, 110), 'right_ankle': (x - 6, 110)}
    for name, p in pts.items():
        xy[COCO17.index(name)] = p
    conf = np.where(np.isfinite(xy[:, 0]), 0.9, 0.0)
    return Person(Keypoints.from_arrays(COCO17, xy, conf),
                  bbox=np.array([x - 20, 5, x + 20, 115], np.float32), track_id=track_id)


def crop_of(person: Person, prob: np.ndarray) -> Crop:
    x0, y0, x1, y1 = (int(v) for v in person.bbox)
    return Crop((x0, y0, x1, y1), prob[y0:y1, x0:x1].copy())


# --- labelling ----------------------------------------------------------------------------------

def test_each_pixel_goes_to_the_person_whose_skeleton_is_nearest():
    a, b = standing(80.0, 1), standing(110.0, 2)           # boxes overlap over x 90..100
    prob = np.zeros((H, W), np.float32)
    prob[5:115, 60:130] = 0.9                              # both people, one blob
    labels = label_people([crop_of(a, prob), crop_of(b, prob)], [0, 1], [a, b], (H, W), 0.5)
    assert labels.dtype == np.uint16 and labels.shape == (H, W)
    assert set(np.unique(labels)) == {0, 1, 2}
    assert (labels[:, :60] == 0).all() and (labels[:, 131:] == 0).all()
    assert labels[60, 70] == 1 and labels[60, 120] == 2   # each side to its own person
    assert labels[60, 94] == 1 and labels[60, 96] == 2    # the middle split at x 95
    # Below the threshold nothing is anybody's.
    low = label_people([crop_of(a, prob * 0.5)], [0], [a], (H, W), threshold=0.5)
    assert not low.any()


def test_a_person_without_a_visible_body_gets_no_pixels():
    hand_only = Person(Keypoints.empty(COCO17), bbox=np.array([10, 10, 50, 50], np.float32))
    prob = np.ones((H, W), np.float32)
    assert not label_people([crop_of(hand_only, prob)], [0], [hand_only], (H, W), 0.5).any()


def test_crops_of_another_resolution_and_at_the_border_are_placed_right():
    person = standing(20.0, 1)                              # box from x = 0 to 40
    x0, y0, x1, y1 = 0, 5, 40, 115
    small = np.zeros((55, 20), np.float32)                 # half resolution
    small[:, :10] = 1.0                                     # the left half of the crop
    labels = label_people([Crop((x0, y0, x1, y1), small)], [0], [person], (H, W), 0.5)
    assert labels[60, 5] == 1 and labels[60, 30] == 0
    outside = Crop((-30, -10, 10, 30), np.ones((40, 40), np.float32))
    assert label_people([outside], [0], [person], (H, W), 0.5)[:30, :10].any()


def test_the_mask_encoding():
    people = [standing(50.0, 0), standing(100.0, -1), standing(150.0, 70000)]
    labels = np.array([[0, 1, 2, 3]], np.uint16)
    assert track_mask(labels, people).tolist() == [[0, 1, UNTRACKED, 70000 % 65534 + 1]]
    assert track_mask(labels, people).dtype == np.uint16


def test_the_background_effects():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (H, W, 3), np.uint8)
    labels = np.zeros((H, W), np.uint16)
    labels[20:100, 60:140] = 1
    replaced = apply_effect(img, labels, 'replace', (10, 20, 30), 0.03)
    assert (replaced[:5, :5] == (10, 20, 30)).all()
    np.testing.assert_array_equal(replaced[50:70, 90:110], img[50:70, 90:110])
    blurred = apply_effect(img, labels, 'blur', (0, 0, 0), 0.05)
    assert blurred[:10, :40].std() < 0.3 * img[:10, :40].std()
    np.testing.assert_array_equal(blurred[50:70, 90:110], img[50:70, 90:110])
    assert (apply_effect(img, labels, 'none', (0, 0, 0), 0.03) == img).all()
    with pytest.raises(ValueError):
        apply_effect(img, labels, 'sepia', (0, 0, 0), 0.03)


def test_the_background_colour_parameter():
    assert rgb_of('0,177,64') == (0, 177, 64) and rgb_of(' 1, 2 ,3') == (1, 2, 3)
    assert rgb_of('256,0,0') is None and rgb_of('green') is None and rgb_of('1,2') is None
    config = replace(BodyConfig(), {'segmentation.background_color': '255,0,10'})
    assert background_bgr(config) == (10, 0, 255)
    with pytest.raises(ConfigError, match='background_color'):
        replace(BodyConfig(), {'segmentation.background_color': '0,0,300'})


def test_the_annotated_image_tints_the_people():
    a = standing(80.0, 1)
    img = np.full((H, W, 3), 128, np.uint8)
    result = FrameResult([a], 'test', W, H)
    result.person_labels = np.zeros((H, W), np.uint16)
    result.person_labels[40:50, 60:70] = 1
    drawn = draw_frame(img, result)
    assert (drawn[45, 62] != 128).any() and (drawn[45, 62] == drawn[46, 63]).all()
    assert (drawn[100, 190] == 128).all()


# --- the mask metric ------------------------------------------------------------------------

def test_mask_iou_and_pairing():
    square = polygons_to_mask([[10, 10, 30, 10, 30, 30, 10, 30]], (50, 50))
    assert square.sum() == 21 * 21 and iou(square, square) == 1.0
    shifted = np.roll(square, 10, axis=1)
    assert iou(square, shifted) == pytest.approx(11 / 31)
    empty = np.zeros_like(square)
    assert iou(empty, empty) == 0.0
    other = polygons_to_mask([[35, 35, 45, 35, 45, 45]], (50, 50))
    assert pair_masks([square, other], [shifted, square]) == [1.0, 0.0]


# --- the real model -------------------------------------------------------------------------

@pytest.mark.parametrize('name', ['bus.jpg', 'zidane.jpg'])
def test_real_people_get_masks_inside_their_boxes(name):
    img = photo(name)
    pipeline = build_pipeline(body_config({'segmentation.enabled': True,
                                           'head.enabled': False}))
    try:
        result = pipeline.process(Frame(img, 1.0))
    finally:
        pipeline.close()
    labels = result.person_labels
    assert labels.shape == img.shape[:2] and 'segmentation' in result.timings_ms
    big = [i for i, p in enumerate(result.people)
           if (p.bbox[3] - p.bbox[1]) * (p.bbox[2] - p.bbox[0]) > 0.1 * img.size / 3]
    assert big
    for i in big:
        mask = labels == i + 1
        x0, y0, x1, y1 = result.people[i].bbox
        ys, xs = np.nonzero(mask)
        area = (x1 - x0) * (y1 - y0)
        assert 0.2 * area < mask.sum() < 0.9 * area          # a person, not the box
        inside = (xs >= x0 - 0.15 * (x1 - x0)) & (xs <= x1 + 0.15 * (x1 - x0)) \
            & (ys >= y0 - 0.15 * (y1 - y0)) & (ys <= y1 + 0.15 * (y1 - y0))
        assert inside.mean() > 0.99


@pytest.mark.skipif(not GT.is_dir(), reason=f'no ground-truth folder at {GT} '
                    '(set POSE_ROS_GT_DIR)')
def test_masks_overlap_the_annotated_people():
    """COCO polygons: the big people are found (EVALUATION.md has every person's IoU)."""
    from pose_ros.evaluation.segmentation import evaluate_segmentation
    table = evaluate_segmentation(GT / 'coco' / 'test_coco.json', BodyConfig())
    rows = [line.split('|') for line in table.splitlines() if line.count('|') == 5]
    scores = {(r[1].strip(), int(r[2])): (int(r[3]), float(r[4])) for r in rows
              if r[2].strip().isdigit()}
    assert len(scores) == 14
    assert all(score > 0.5 for area, score in scores.values() if area > 10000)
    union = next(r for r in table.splitlines() if r.startswith('| union IoU'))
    raw, pipeline = (float(v) for v in union.split('|')[3:6:2])
    assert pipeline > raw               # a crop per person beats one whole-image pass


# --- body_node ------------------------------------------------------------------------------

def test_body_node_publishes_the_track_mask_and_the_effect(tmp_path):
    from pose_ros.image_codec import image_to_bgr
    from pose_ros.tools.graph import NodeProcess, ros_args, share_file
    from pose_ros.tools.replay import replay_bag
    from pose_ros_msgs.msg import People
    from rclpy.qos import qos_profile_sensor_data
    from ros_helpers import Collector, Lifecycle, RosContext, spin_in_thread, wait_for
    from sensor_msgs.msg import Image
    bag = fixture_bag('photos')
    got = Collector('mask', 'effect', 'people')
    with RosContext() as ros:
        body = NodeProcess('body_node', ros_args([share_file('config/pose_ros.yaml')], remaps={
            'image': '/camera/color/image_raw', 'camera_info': '/camera/color/camera_info'},
            params={'autostart': False, 'segmentation.enabled': True,
                    'segmentation.effect': 'replace', 'head.enabled': False}),
            log_path=tmp_path / 'body_node.log')
        try:
            node = ros.node('test_segmentation')
            node.create_subscription(Image, '/person_mask', got.keep('mask'),
                                     qos_profile_sensor_data)
            node.create_subscription(Image, '/effect_image', got.keep('effect'),
                                     qos_profile_sensor_data)
            node.create_subscription(People, '/people', got.keep('people'), 50)
            with spin_in_thread(node):
                Lifecycle(node).activate(body)
                assert wait_for(lambda: node.count_subscribers('/camera/color/image_raw') > 0,
                                90.0), body.log_text()
                replay_bag(ros.node('test_segmentation_replay'), bag, rate=0.5)
                time.sleep(1.5)
            assert body.alive()
        finally:
            code = body.stop()
    assert code == 0, body.log_text()[-2000:]
    masks, effects, people = got.take('mask'), got.take('effect'), got.take('people')
    assert masks and effects
    by_stamp = {(m.header.stamp.sec, m.header.stamp.nanosec): m for m in people}
    for mask in masks:
        assert mask.encoding == 'mono16' and mask.header.frame_id == people[0].header.frame_id
        values = set(np.unique(np.frombuffer(bytes(mask.data), np.uint16)).tolist()) - {0}
        msg = by_stamp[(mask.header.stamp.sec, mask.header.stamp.nanosec)]
        ids = {p.track_id + 1 if p.track_id >= 0 else UNTRACKED for p in msg.people}
        assert values <= ids
    assert any(len(set(np.unique(np.frombuffer(bytes(m.data), np.uint16)).tolist())) > 2
               for m in masks)                          # several people told apart
    green = np.array([64, 177, 0])                      # the default background, BGR
    assert any((np.abs(image_to_bgr(e).reshape(-1, 3).astype(int) - green).sum(axis=1) < 10)
               .mean() > 0.3 for e in effects)
