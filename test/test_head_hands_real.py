# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Hands, face mesh, head pose and gaze with the real MediaPipe models on real photos."""

import math

from builtin_interfaces.msg import Time
from conftest import body_config
from media_helpers import photo
import numpy as np
from pose_ros.backends.mediapipe_face import FaceEstimator
from pose_ros.backends.mediapipe_hands import HandEstimator
from pose_ros.geometry.camera import default_intrinsics
from pose_ros.geometry.head_pose import estimate_head_pose, gaze_from_iris
from pose_ros.head_hands_stage import HeadHandsStage, HeadHandsTuning
from pose_ros.people import FrameResult, GazeSource, Keypoints, Person, PositionSource
from pose_ros.pipeline import BodyPipeline, Frame
from pose_ros.ros_conversion import tf_message
from pose_ros.schemas import COCO17, HAND21
import pytest
from std_msgs.msg import Header
from transforms3d.quaternions import quat2mat

PORTRAITS = ('face_swapped.jpg', '227943776_1.jpg', '230501201_1.jpg')


@pytest.fixture(scope='module')
def faces():
    est = FaceEstimator(max_faces=2, static_image_mode=True)
    yield est
    est.close()


@pytest.fixture(scope='module')
def hands():
    est = HandEstimator(max_hands=2, static_image_mode=True)
    yield est
    est.close()


def make_stage(hands=True, head=True, tuning=None, **changes):
    """Return a hands/head stage with ``changes`` (dotted names), for still photos."""
    config = body_config({'hands.enabled': hands, 'head.enabled': head,
                          **{k.replace('__', '.'): v for k, v in changes.items()}})
    return HeadHandsStage(config, tuning or HeadHandsTuning(static_image_mode=True))


def head_of(faces, img):
    meshes = faces.infer(img)
    assert len(meshes) == 1
    h, w = img.shape[:2]
    k = default_intrinsics(w, h)
    head = estimate_head_pose(meshes[0], k)
    assert head is not None
    head.gaze, head.gaze_source = gaze_from_iris(meshes[0], head, k)
    return head


# --- head pose on frontal portraits ------------------------------------------------------------

@pytest.mark.parametrize('name', PORTRAITS)
def test_frontal_portrait_head_pose(faces, name):
    img = photo(name)
    head = head_of(faces, img)
    yaw, pitch, roll = np.degrees([head.yaw, head.pitch, head.roll])
    assert abs(yaw) < 20 and abs(pitch) < 20 and abs(roll) < 10, (yaw, pitch, roll)
    x_axis = quat2mat(head.quaternion)[:, 0]
    assert x_axis[2] < -0.9                     # the face's x axis points at the camera
    assert 0.2 < head.position[2] < 1.0         # a portrait, with fx = image width
    assert head.reprojection_error < 0.03 * math.hypot(*img.shape[:2])
    assert head.gaze_source == GazeSource.IRIS
    assert np.linalg.norm(head.gaze) == pytest.approx(1.0)
    assert head.gaze[2] < -0.85                 # looking roughly into the camera


@pytest.mark.parametrize('name', PORTRAITS)
def test_mirrored_portrait_mirrors_yaw_and_roll(faces, name):
    img = photo(name)
    head = head_of(faces, img)
    mirror = head_of(faces, np.ascontiguousarray(img[:, ::-1]))
    # MediaPipe itself is not exactly mirror-symmetric: a few degrees apart.
    assert math.degrees(head.yaw + mirror.yaw) == pytest.approx(0.0, abs=5.0)
    assert math.degrees(head.roll + mirror.roll) == pytest.approx(0.0, abs=3.0)
    assert math.degrees(head.pitch - mirror.pitch) == pytest.approx(0.0, abs=3.0)


@pytest.mark.parametrize('name', PORTRAITS)
def test_half_visible_face_gives_no_head_pose(faces, name):
    img = photo(name)
    mesh = faces.infer(img)[0]
    nose_x, nose_y = (int(v) for v in mesh[1, :2])
    found = 0
    for cut in (img[:, nose_x:], img[:nose_y], img[:, :nose_x]):
        cut = np.ascontiguousarray(cut)
        h, w = cut.shape[:2]
        for m in faces.infer(cut):
            found += 1
            assert estimate_head_pose(m, default_intrinsics(w, h)) is None
    assert found >= 1, 'no mesh on any half face: the test would prove nothing'


# --- hands -------------------------------------------------------------------------------------

def test_hand_photo_gives_21_points_and_the_persons_side(hands):
    img = photo('handSrc.jpg')                  # a left palm, thumb up, fingers to the right
    found = hands.infer(img)
    assert len(found) == 1
    hand = found[0]
    kp = hand.keypoints
    assert len(kp) == 21 and np.isfinite(kp.xy).all()
    assert hand.side == 'left' and 0.5 < hand.handedness_score <= 1.0
    # Thumb tip above the middle fingertip, fingers to the right of the wrist.
    assert kp.point('thumb_tip')[1] < kp.point('middle_finger_tip')[1]
    assert kp.point('middle_finger_tip')[0] > kp.point('wrist')[0] + 300
    # 3D: MediaPipe's metric hand with the wrist at the origin.
    assert kp.position_source == PositionSource.MODEL_ROOT
    np.testing.assert_allclose(kp.xyz[0], 0.0, atol=1e-6)
    length = np.linalg.norm(kp.xyz[HAND21.index('middle_finger_tip')])
    assert 0.10 < length < 0.25
    flipped = hands.infer(np.ascontiguousarray(img[:, ::-1]))
    assert [h.side for h in flipped] == ['right']


def test_mirrored_option_takes_the_label_as_is():
    est = HandEstimator(static_image_mode=True, mirrored=True)
    try:
        assert [h.side for h in est.infer(photo('handSrc.jpg'))] == ['right']
    finally:
        est.close()


def stage_on(yolo, img, **options):
    result = BodyPipeline(yolo).process(Frame(img, 1.0))
    stage = make_stage(**options)
    try:
        stage.process(img, result, None, None, 1.0)
    finally:
        stage.close()
    return result


def near(hand, person, side, factor=0.15):
    wrist = person.body.point(f'{side}_wrist')
    height = person.bbox[3] - person.bbox[1]
    return np.linalg.norm(hand.keypoints.point('wrist') - wrist) < factor * height


def test_people_photo_hands_go_to_the_right_wrists(yolo):
    # zidane.jpg: one hand in view, Zidane's left, pointing; it lies on Ancelotti's body, whose
    # right wrist YOLO puts next to it: handedness makes it Zidane's.
    result = stage_on(yolo, photo('zidane.jpg'), head=False)
    zidane = min(result.people, key=lambda p: p.bbox[0])
    others = [p for p in result.people if p is not zidane]
    assert [h.side for h in zidane.hands] == ['left']
    assert near(zidane.hands[0], zidane, 'left', 0.25)
    assert all(not p.hands for p in others)
    assert {'head_hands', 'inference'} <= set(result.timings_ms)
    # messi5.jpg: both hands, each at its own wrist (MediaPipe calls the left one 'Left',
    # i.e. right: the body's wrist overrides it).
    result = stage_on(yolo, photo('messi5.jpg'), head=False)
    messi = max(result.people, key=lambda p: p.bbox[3] - p.bbox[1])
    assert [h.side for h in messi.hands] == ['left', 'right']
    for h in messi.hands:
        assert near(h, messi, h.side)


def test_people_photo_heads_and_timings(yolo):
    result = stage_on(yolo, photo('bus.jpg'))
    heads = [p.head for p in result.people if p.head is not None]
    assert len(heads) >= 2
    for head in heads:
        assert quat2mat(head.quaternion)[2, 0] < 0        # faces toward the camera
        assert head.gaze_source in (GazeSource.IRIS, GazeSource.HEAD)
        assert np.isfinite(head.gaze).all()
    assert 'head_hands' in result.timings_ms


def test_people_photo_faces_come_with_the_heads(yolo):
    """Every person with a head pose has the face it was fitted to, placed in 3D with it."""
    result = stage_on(yolo, photo('bus.jpg'))
    with_head = [p for p in result.people if p.head is not None]
    assert with_head and all(p.face is not None for p in with_head)
    for person in with_head:
        kp = person.face.keypoints
        assert kp.schema.name == 'face478' and kp.position_source == PositionSource.MODEL_CAMERA
        assert kp.xyz[168, 2] == pytest.approx(person.head.position[2], rel=1e-6)
        iod = np.linalg.norm(kp.xyz[33] - kp.xyz[263])
        assert 0.07 < iod < 0.11                     # an adult's eye corners, in metres
        e = person.face.expression
        assert all(0.0 <= v <= 1.0 for v in (e.left_eye_openness, e.right_eye_openness,
                                             e.mouth_openness, e.smile, e.brow_raise))
    off = stage_on(yolo, photo('bus.jpg'), face__expressions=False)
    faces = [p.face for p in off.people if p.face is not None]
    assert faces and all(math.isnan(f.expression.smile) for f in faces)


@pytest.mark.parametrize('name', PORTRAITS)
def test_a_face_cut_by_the_border_has_landmarks_but_no_head_pose(yolo, name):
    img = photo(name)
    body = BodyPipeline(yolo).process(Frame(img, 0.0)).people
    nose_y = int(body[0].body.point('nose')[1])
    cut = np.ascontiguousarray(img[:nose_y + 20])          # mouth and chin out of the image
    result = stage_on(yolo, cut)
    (person,) = result.people
    assert person.head is None and person.face is not None
    assert person.face.keypoints.position_source == PositionSource.NONE
    assert math.isfinite(person.face.expression.mouth_openness)


def test_hand_depth_lifting_and_full_image_mode():
    img = photo('handSrc.jpg')
    h, w = img.shape[:2]
    # A body whose left wrist is at the hand's wrist (the photo shows no body).
    kp = COCO17
    body = np.full((17, 2), np.nan, np.float32)
    body[kp.index('left_wrist')] = (5.0, 262.0)
    body[kp.index('left_shoulder')] = (-200.0, 300.0)
    body[kp.index('right_shoulder')] = (-200.0, 500.0)
    conf = np.where(np.isfinite(body[:, 0]), 0.9, 0.0)
    person = Person(Keypoints.from_arrays(COCO17, body, conf),
                    bbox=np.array([-300, 0, 20, 480], np.float32), track_id=3)
    result = FrameResult([person], 'test', w, h)
    stage = make_stage(hands=True, head=False, hands__max_dist=0.3,
                       tuning=HeadHandsTuning(static_image_mode=True, hand_crops=False))
    depth = np.full((h, w), 0.6, np.float32)
    try:
        stage.process(img, result, default_intrinsics(w, h), depth, 2.0)
    finally:
        stage.close()
    assert len(person.hands) == 1 and person.hands[0].side == 'left'
    kp3 = person.hands[0].keypoints
    assert kp3.position_source == PositionSource.DEPTH
    np.testing.assert_allclose(kp3.xyz[:, 2], 0.6, atol=1e-6)
    assert person.head is None and 'head' not in result.timings_ms


# --- TF ---------------------------------------------------------------------------------------

def test_face_and_gaze_tf_frames_carry_the_image_stamp(faces, yolo):
    img = photo('230501201_1.jpg')
    result = BodyPipeline(yolo).process(Frame(img, 1.0))
    assert len(result.people) == 1
    result.people[0].track_id = 7
    stage = make_stage(hands=False, head=True)
    try:
        stage.process(img, result, None, None, 1234.5)
    finally:
        stage.close()
    assert result.people[0].head is not None
    header = Header(stamp=Time(sec=1234, nanosec=500_000_000), frame_id='camera_optical')
    tf = tf_message(result, header)
    frames = {t.child_frame_id: t for t in tf.transforms}
    assert {'face_7', 'gaze_7'} <= set(frames)
    for t in frames.values():
        assert (t.header.stamp.sec, t.header.stamp.nanosec) == (1234, 500_000_000)
        assert t.header.frame_id == 'camera_optical'
    face = frames['face_7'].transform
    np.testing.assert_allclose([face.translation.x, face.translation.y, face.translation.z],
                               result.people[0].head.position, atol=1e-9)


def test_stage_tracks_and_smooths_a_head_over_frames(yolo):
    img = photo('227943776_1.jpg')
    h, w = img.shape[:2]
    body = BodyPipeline(yolo).process(Frame(img, 0.0)).people
    assert len(body) == 1
    stage = make_stage(hands=True, head=True, tuning=HeadHandsTuning(),
                       smoothing__track_timeout=0.5)
    try:
        yaws = []
        for i in range(5):
            frame = FrameResult([Person(body[0].body, body[0].bbox, track_id=0)], 'yolo', w, h)
            stage.process(img, frame, None, None, i / 30.0)
            assert frame.people[0].head is not None
            assert frame.intrinsics == default_intrinsics(w, h)
            yaws.append(frame.people[0].head.yaw)
            assert frame.people[0].hands == []          # no hands in this portrait
        assert np.ptp(yaws) < math.radians(1.0)         # a still image: a still head
        assert stage._smoother.track_ids == (0,)
        # Nobody for longer than track_timeout: the filter is dropped, nothing else runs.
        empty = FrameResult([], 'yolo', w, h)
        stage.process(img, empty, None, None, 1.0)
        assert stage._smoother.track_ids == ()
        assert stage.last_faces == [] and set(empty.timings_ms) == {'head_hands'}
    finally:
        stage.close()


@pytest.mark.parametrize('name', ['bus.jpg', 'messi5.jpg', 'zidane.jpg'])
def test_graphs_in_parallel_give_what_they_give_one_after_another(yolo, name):
    """threads=2 runs the hand and face graphs of all people together: same people, same output."""
    img = photo(name)
    outputs = []
    for threads in (1, 2):
        result = stage_on(yolo, img, head_hands__threads=threads)
        outputs.append([(p.track_id, [(h.side, h.keypoints.xy) for h in p.hands],
                         None if p.head is None else p.head.quaternion)
                        for p in result.people])
    (one, two) = outputs
    assert [(i, [s for s, _ in hands], q is None) for i, hands, q in one] == \
        [(i, [s for s, _ in hands], q is None) for i, hands, q in two]
    assert any(q is not None for _, _, q in one), 'the photo should give at least one head'
    for (_, hands1, q1), (_, hands2, q2) in zip(one, two):
        for (_, xy1), (_, xy2) in zip(hands1, hands2):
            np.testing.assert_allclose(xy1, xy2, atol=1e-3)
        if q1 is not None:
            np.testing.assert_allclose(np.abs(np.dot(q1, q2)), 1.0, atol=1e-6)
