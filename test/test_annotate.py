# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Drawing pose results on BGR images (pose_ros.annotate)."""

from types import SimpleNamespace

import numpy as np

from pose_ros.annotate import draw_frame
from pose_ros.colors import track_color_bgr
from pose_ros.people import FrameResult, GazeSource, Hand, Head, Keypoints, Person
from pose_ros.schemas import BLAZEPOSE33, COCO17, HAND21

import pytest

from transforms3d.quaternions import mat2quat

H, W = 480, 640
INTR = SimpleNamespace(fx=500.0, fy=500.0, cx=320.0, cy=240.0)

# Pixel skeleton of a standing person in the middle of the image.
COCO_XY = np.array([
    [320, 100], [330, 90], [310, 90], [340, 95], [300, 95],
    [360, 150], [280, 150], [380, 210], [260, 210], [390, 270], [250, 270],
    [350, 280], [290, 280], [355, 360], [285, 360], [360, 440], [280, 440],
], np.float64)


def person(track_id: int = 2, xy: np.ndarray = COCO_XY, conf=None, **kwargs) -> Person:
    """Make a COCO17 person with pixel keypoints only."""
    conf = np.full(len(xy), 0.9) if conf is None else conf
    return Person(body=Keypoints.from_arrays(COCO17, xy, conf), track_id=track_id, **kwargs)


def frame(*people: Person) -> FrameResult:
    """Wrap people in a FrameResult."""
    return FrameResult(list(people), 'yolo', W, H, {'detect': 10.0, 'pose': 2.5})


def black() -> np.ndarray:
    """Make a black BGR image."""
    return np.zeros((H, W, 3), np.uint8)


def lit(img: np.ndarray, x: float, y: float, r: int = 1) -> bool:
    """Whether any pixel within ``r`` of (x, y) is drawn on."""
    x, y = int(round(x)), int(round(y))
    return bool(img[y - r:y + r + 1, x - r:x + r + 1].any())


def midpoint(a: str, b: str, xy: np.ndarray = COCO_XY) -> np.ndarray:
    """Pixel midpoint of the edge from ``a`` to ``b``."""
    return (xy[COCO17.index(a)] + xy[COCO17.index(b)]) / 2


def test_draws_skeleton_on_a_copy():
    """Every edge is drawn in the track colour; the input stays black."""
    img = black()
    out = draw_frame(img, frame(person()))
    assert out.shape == img.shape and out.dtype == np.uint8
    assert not img.any()                                   # input untouched
    for a, b in COCO17.edges:
        assert lit(out, *midpoint(a, b)), (a, b)
    # Edge pixels carry the track's colour.
    x, y = np.round(midpoint('left_hip', 'left_knee')).astype(int)
    assert tuple(out[y, x]) == track_color_bgr(2)


def test_copy_false_draws_in_place():
    """copy=False returns and draws on the input array."""
    img = black()
    out = draw_frame(img, frame(person()), copy=False)
    assert out is img
    assert lit(img, *midpoint('left_shoulder', 'right_shoulder'))


def test_nan_and_low_confidence_keypoints_are_not_drawn():
    """Skip NaN pixels, NaN and low confidences; min_conf is inclusive."""
    xy = COCO_XY.copy()
    conf = np.full(17, 0.9)
    xy[COCO17.index('left_wrist')] = np.nan                 # missed
    conf[COCO17.index('right_wrist')] = 0.1                 # below min_conf
    conf[COCO17.index('left_ankle')] = np.nan               # unknown confidence
    out = draw_frame(black(), frame(person(xy=xy, conf=conf)), min_conf=0.3)
    for gone in ('right_wrist', 'left_ankle'):
        assert not lit(out, *COCO_XY[COCO17.index(gone)], r=3), gone
    assert not lit(out, *midpoint('left_elbow', 'left_wrist'), r=2)
    assert lit(out, *midpoint('left_shoulder', 'left_elbow'))
    assert lit(out, *COCO_XY[COCO17.index('right_wrist')], r=0) is False
    # min_conf itself is drawn (>=).
    out = draw_frame(black(), frame(person(xy=xy, conf=conf)), min_conf=0.1)
    assert lit(out, *COCO_XY[COCO17.index('right_wrist')])


def test_bbox_label_and_timings():
    """Box, label and the timings line."""
    p = person(bbox=np.array([200, 60, 440, 460], np.float32), score=0.87)
    out = draw_frame(black(), frame(p))
    assert lit(out, 440, 300, r=0)                          # right edge of the box
    assert out[:30, :200].any()                             # timings text, top left
    # No box: still drawn, the label goes above the highest visible keypoint.
    draw_frame(black(), frame(person(track_id=-1)))


def test_hands_and_head_with_intrinsics():
    """Hand edges, projected head axes and gaze ray."""
    # A head 1 m away at the image centre, facing the camera: its z axis (up) projects up.
    facing = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, -1.0], [-1.0, 0.0, 0.0]])
    head = Head(position=np.array([0.0, 0.0, 1.0]), quaternion=mat2quat(facing), yaw=0.0,
                pitch=0.0, roll=0.0, reprojection_error=1.0,
                gaze=np.array([0.0, 0.6, -0.8]), gaze_source=GazeSource.IRIS)
    hand_xy = np.stack([np.linspace(100, 200, 21), np.linspace(400, 420, 21)], axis=1)
    hand = Hand(Keypoints.from_arrays(HAND21, hand_xy, np.ones(21)), 'left', 0.9)
    p = person(hands=[hand], head=head)
    out = draw_frame(black(), frame(p), intrinsics=INTR)
    assert tuple(out[240 - 40, 320]) == (255, 0, 0)         # z axis, blue, 0.08 m up
    assert tuple(out[240, 320 + 40]) == (0, 255, 0)         # y axis (person's left), green
    a, b = HAND21.edge_indices[0]
    assert lit(out, *((hand_xy[a] + hand_xy[b]) / 2))
    # Gaze ray looking down: yellow pixels below the head, beyond the axes.
    ray = out[300:400, 315:326]
    assert (ray == (0, 255, 255)).all(axis=2).any()
    # Without intrinsics the head axes are left out and nothing fails.
    plain = draw_frame(black(), frame(p))
    assert not (plain == (255, 0, 0)).all(axis=2).any()


@pytest.mark.parametrize('xy', [np.full((33, 2), np.nan), np.full((33, 2), 1e12),
                                np.full((33, 2), -1e12)])
def test_degenerate_inputs_do_not_raise(xy):
    """NaN, huge and behind-the-camera values draw without errors."""
    p = Person(body=Keypoints.from_arrays(BLAZEPOSE33, xy, np.ones(33)),
               bbox=np.array([np.nan, 0, 1e12, np.inf], np.float32))
    p.head = Head(position=np.array([0.0, 0.0, -1.0]), quaternion=np.zeros(4), yaw=0.0,
                  pitch=0.0, roll=0.0, reprojection_error=0.0)
    out = draw_frame(black(), frame(p), intrinsics=INTR)
    assert out.shape == (H, W, 3)
    draw_frame(black(), FrameResult([], 'none', W, H))
