# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Round trips, JSON output, TF frames and RViz markers of pose_ros.ros_conversion."""

import json
import math

from builtin_interfaces.msg import Time

from geometry_msgs.msg import Point

import numpy as np

from pose_ros import ros_conversion as rc
from pose_ros.colors import rgb_to_bgr255, track_color, track_color_bgr
from pose_ros.geometry.frames import body_rotation, UPRIGHT_FACING_CAMERA
from pose_ros.people import (
    FrameResult, GazeSource, Hand, Head, Keypoints, Person, PositionSource)
from pose_ros.schemas import BLAZEPOSE33, COCO17, HAND21

from pose_ros_msgs.msg import Hand as HandMsg
from pose_ros_msgs.msg import Skeleton as SkeletonMsg

import pytest

from std_msgs.msg import Header

from transforms3d.euler import euler2mat
from transforms3d.quaternions import mat2quat, quat2mat

from visualization_msgs.msg import Marker

HEADER = Header(stamp=Time(sec=1712345678, nanosec=987654321), frame_id='camera_optical')
FX = FY = 500.0
CX, CY = 320.0, 240.0

# COCO17 joints of an upright person facing the camera, relative to the hip midpoint, in the
# optical frame (x right, y down, z forward): the person's left is the camera's +x.
COCO_REL = np.array([
    [0.00, -0.62, -0.10],   # nose
    [0.04, -0.66, -0.08],   # left_eye
    [-0.04, -0.66, -0.08],  # right_eye
    [0.08, -0.64, 0.00],    # left_ear
    [-0.08, -0.64, 0.00],   # right_ear
    [0.20, -0.45, 0.00],    # left_shoulder
    [-0.20, -0.45, 0.00],   # right_shoulder
    [0.30, -0.20, 0.00],    # left_elbow
    [-0.30, -0.20, 0.00],   # right_elbow
    [0.32, 0.05, -0.05],    # left_wrist
    [-0.32, 0.05, -0.05],   # right_wrist
    [0.12, 0.00, 0.00],     # left_hip
    [-0.12, 0.00, 0.00],    # right_hip
    [0.14, 0.45, 0.00],     # left_knee
    [-0.14, 0.45, 0.00],    # right_knee
    [0.15, 0.85, 0.00],     # left_ankle
    [-0.15, 0.85, 0.00],    # right_ankle
])
ROOT = np.array([0.3, 0.1, 2.0])     # hip midpoint, 2 m in front of the camera

# Body axes of that person, as columns in the optical frame.
FACING_CAMERA = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, -1.0], [-1.0, 0.0, 0.0]])


def project(xyz: np.ndarray) -> np.ndarray:
    """Pinhole pixels of camera-frame points."""
    return np.stack([FX * xyz[:, 0] / xyz[:, 2] + CX, FY * xyz[:, 1] / xyz[:, 2] + CY], axis=1)


def body_keypoints(rotation: np.ndarray = np.eye(3), root: np.ndarray = ROOT,
                   source: PositionSource = PositionSource.DEPTH) -> Keypoints:
    """COCO17 body of the upright person, turned by ``rotation`` about its hips."""
    xyz = COCO_REL @ rotation.T + root
    conf = np.linspace(0.5, 0.99, len(COCO17))
    return Keypoints.from_arrays(COCO17, project(xyz), conf, xyz, source)


def hand_keypoints(root: np.ndarray) -> Keypoints:
    """Make a random 21-point hand around ``root``, with depth."""
    rng = np.random.default_rng(7)
    xyz = root + rng.uniform(-0.08, 0.08, (len(HAND21), 3))
    return Keypoints.from_arrays(HAND21, project(xyz), rng.uniform(0.2, 1.0, len(HAND21)), xyz,
                                 PositionSource.DEPTH)


def facing_head(position: np.ndarray, gaze=(0.0, 0.0, -1.0)) -> Head:
    """Head pose of a face looking at the camera from ``position``."""
    # REP-155 head axes of a face looking at the camera: same as the body's.
    return Head(position=np.asarray(position, np.float64),
                quaternion=mat2quat(FACING_CAMERA), yaw=0.05, pitch=-0.1, roll=0.02,
                reprojection_error=1.25, gaze=np.array(gaze, np.float64),
                gaze_source=GazeSource.IRIS)


def full_person(track_id: int = 3, rotation: np.ndarray = np.eye(3)) -> Person:
    """Make a tracked person with body, two hands, a head and a few NaN values."""
    body = body_keypoints(rotation)
    body.xy[1] = np.nan                      # a missed left eye
    body.conf[1] = np.nan
    body.xyz[3] = np.nan                     # no depth at the left ear
    left = Hand(hand_keypoints(body.xyz[COCO17.index('left_wrist')]), 'left', 0.93)
    right = Hand(hand_keypoints(body.xyz[COCO17.index('right_wrist')]), 'right', 0.71)
    right.keypoints.xyz[5] = np.nan
    nose = body.xyz[COCO17.index('nose')]
    return Person(body=body, bbox=np.array([100.5, 50.25, 300.0, 470.0], np.float32),
                  score=0.875, track_id=track_id, hands=[left, right],
                  head=facing_head(nose + [0.0, -0.04, 0.0]))


def frame(*people: Person, backend: str = 'yolo') -> FrameResult:
    """Wrap people in a FrameResult."""
    return FrameResult(list(people), backend, 640, 480, {'detect': 12.5, 'pose': 3.25})


def assert_keypoints_equal(a: Keypoints, b: Keypoints) -> None:
    """Keypoints equal number for number, NaN where NaN."""
    assert a.schema is b.schema
    assert a.position_source == b.position_source
    np.testing.assert_array_equal(a.xy, b.xy)         # NaN == NaN here
    np.testing.assert_array_equal(a.conf, b.conf)
    np.testing.assert_array_equal(a.xyz, b.xyz)


def assert_person_equal(a: Person, b: Person) -> None:
    """Persons equal after a trip through the message (float32 fields)."""
    assert_keypoints_equal(a.body, b.body)
    np.testing.assert_array_equal(a.bbox, b.bbox)
    assert a.score == pytest.approx(b.score, nan_ok=True)
    assert a.track_id == b.track_id
    assert len(a.hands) == len(b.hands)
    for ha, hb in zip(a.hands, b.hands):
        assert ha.side == hb.side
        assert ha.handedness_score == pytest.approx(hb.handedness_score, nan_ok=True)
        assert_keypoints_equal(ha.keypoints, hb.keypoints)
    if a.head is None:
        assert b.head is None
        return
    for name in ('position', 'quaternion', 'gaze'):
        np.testing.assert_allclose(getattr(b.head, name), getattr(a.head, name), rtol=1e-7)
    for name in ('yaw', 'pitch', 'roll', 'reprojection_error'):
        assert getattr(b.head, name) == pytest.approx(getattr(a.head, name), rel=1e-6)
    assert b.head.gaze_source == a.head.gaze_source


def rotation_of(tf) -> np.ndarray:
    """Rotation matrix of a TransformStamped."""
    q = tf.transform.rotation
    return quat2mat([q.w, q.x, q.y, q.z])


def translation_of(tf) -> np.ndarray:
    """Return the translation of a TransformStamped."""
    t = tf.transform.translation
    return np.array([t.x, t.y, t.z])


def by_child(msg) -> dict:
    """Index the transforms of a TFMessage by child frame id."""
    return {t.child_frame_id: t for t in msg.transforms}


# --- People message round trip ---------------------------------------------------------------

def test_round_trip_coco17_with_hands_and_head():
    """COCO17 people with hands and heads survive the round trip."""
    result = frame(full_person(3), full_person(8))
    back = rc.people_msg_to_frame(rc.frame_to_people_msg(result, HEADER))
    assert back.backend == 'yolo'
    assert (back.width, back.height) == (0, 0)
    assert len(back.people) == 2
    for a, b in zip(result.people, back.people):
        assert_person_equal(a, b)


def test_round_trip_blazepose33_without_head_or_hands():
    """BlazePose33 with NaNs and no head: invalid NaN head in the message, None back."""
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 640, (33, 2))
    xy[[2, 20, 32]] = np.nan
    conf = rng.uniform(0, 1, 33)
    conf[[2, 20]] = np.nan
    kp = Keypoints.from_arrays(BLAZEPOSE33, xy, conf, rng.uniform(-1, 3, (33, 3)),
                               PositionSource.MODEL_ROOT)
    result = frame(Person(body=kp), backend='mediapipe')       # NaN bbox and score, id -1
    msg = rc.frame_to_people_msg(result, HEADER)
    person = msg.people[0]
    assert person.body.schema == 'blazepose33'
    assert person.body.position_source == SkeletonMsg.POSITION_MODEL_ROOT
    assert [k.name for k in person.body.keypoints] == list(BLAZEPOSE33.keypoints)
    assert math.isnan(person.body.keypoints[2].x) and math.isnan(person.body.keypoints[2].y)
    assert person.track_id == -1 and math.isnan(person.score)
    head = person.head
    assert head.valid is False
    assert math.isnan(head.pose.position.x) and math.isnan(head.pose.orientation.w)
    assert math.isnan(head.yaw) and math.isnan(head.gaze_direction.z)
    assert head.gaze_source == head.GAZE_NONE
    back = rc.people_msg_to_frame(msg)
    assert back.backend == 'mediapipe'
    assert_person_equal(result.people[0], back.people[0])


def test_message_fields_and_conventions():
    """Field values, hand side constants and the quaternion order."""
    person = full_person(5)
    msg = rc.frame_to_people_msg(frame(person), HEADER).people[0]
    assert msg.track_id == 5
    assert msg.bbox.tolist() == [100.5, 50.25, 300.0, 470.0]
    assert [h.side for h in msg.hands] == [HandMsg.SIDE_LEFT, HandMsg.SIDE_RIGHT]
    assert msg.hands[0].skeleton.schema == 'hand21'
    assert len(msg.hands[0].skeleton.keypoints) == 21
    assert msg.body.position_source == SkeletonMsg.POSITION_DEPTH
    kp = msg.body.keypoints[COCO17.index('left_wrist')]
    assert kp.name == 'left_wrist'
    xyz = person.body.xyz[COCO17.index('left_wrist')]
    assert (kp.position.x, kp.position.y, kp.position.z) == tuple(xyz.tolist())
    # people.Head.quaternion is (w, x, y, z); geometry_msgs has named x, y, z, w.
    w, x, y, z = person.head.quaternion
    o = msg.head.pose.orientation
    assert (o.x, o.y, o.z, o.w) == pytest.approx((x, y, z, w))
    assert msg.head.valid is True
    assert msg.head.gaze_source == msg.head.GAZE_IRIS


def test_unknown_hand_side_and_empty_frame():
    """Unknown hand side and a frame without people."""
    hand = Hand(Keypoints.empty(HAND21))
    person = Person(body=Keypoints.empty(COCO17), hands=[hand])
    msg = rc.frame_to_people_msg(frame(person), HEADER)
    assert msg.people[0].hands[0].side == HandMsg.SIDE_UNKNOWN
    assert rc.people_msg_to_frame(msg).people[0].hands[0].side == 'unknown'
    empty = rc.frame_to_people_msg(frame(), HEADER)
    assert empty.people == []
    assert rc.people_msg_to_frame(empty).people == []


def test_header_copied_exactly_and_not_shared():
    """The header is an equal copy, not a shared object."""
    header = Header(stamp=Time(sec=42, nanosec=999999999), frame_id='cam_color_optical_frame')
    msg = rc.frame_to_people_msg(frame(full_person()), header)
    assert msg.header == header
    header.frame_id = 'changed'
    header.stamp.sec = 0
    assert msg.header.frame_id == 'cam_color_optical_frame'
    assert msg.header.stamp.sec == 42


def test_wrong_keypoint_count_is_rejected():
    """A skeleton of the wrong length is an error, not a silent shift."""
    msg = rc.frame_to_people_msg(frame(full_person()), HEADER)
    msg.people[0].body.keypoints = msg.people[0].body.keypoints[:-1]
    with pytest.raises(ValueError, match='16 keypoints'):
        rc.people_msg_to_frame(msg)


def test_keypoints_reordered_by_name():
    """Keypoints sent out of order are put back by name."""
    person = full_person()
    msg = rc.frame_to_people_msg(frame(person), HEADER)
    msg.people[0].body.keypoints = list(reversed(msg.people[0].body.keypoints))
    assert_keypoints_equal(person.body, rc.people_msg_to_frame(msg).people[0].body)


# --- JSON ------------------------------------------------------------------------------------

def test_message_to_dict_is_strict_json_with_nan_as_none():
    """People to dict: strict JSON, NaN as None, stamps as sec/nanosec."""
    msg = rc.frame_to_people_msg(frame(full_person(), Person(Keypoints.empty(COCO17))), HEADER)
    d = rc.message_to_dict(msg)
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text) == d
    assert d['header'] == {'stamp': {'sec': 1712345678, 'nanosec': 987654321},
                           'frame_id': 'camera_optical'}
    assert d['backend'] == 'yolo'
    first, second = d['people']
    assert first['bbox'] == [100.5, 50.25, 300.0, 470.0]
    assert first['body']['keypoints'][1]['x'] is None            # NaN pixel
    assert first['body']['keypoints'][3]['position']['z'] is None
    assert first['body']['keypoints'][0]['name'] == 'nose'
    assert first['hands'][0]['side'] == HandMsg.SIDE_LEFT
    assert first['head']['valid'] is True
    assert second['bbox'] == [None] * 4
    assert second['head']['valid'] is False and second['head']['yaw'] is None


def test_message_to_dict_handles_every_field_kind():
    """Byte arrays, infinities, booleans, durations and TF messages."""
    marker = Marker(ns='n', id=7)
    marker.texture.data = [1, 2, 255]                 # uint8[] (array.array)
    marker.points = [Point(x=1.0, y=float('inf'), z=2.0)]
    d = rc.message_to_dict(marker)
    json.dumps(d, allow_nan=False)
    assert d['texture']['data'] == [1, 2, 255]
    assert d['points'] == [{'x': 1.0, 'y': None, 'z': 2.0}]
    assert d['frame_locked'] is False
    assert d['lifetime'] == {'sec': 0, 'nanosec': 0}
    tf = rc.message_to_dict(rc.tf_message(frame(full_person()), HEADER))
    assert {t['child_frame_id'] for t in tf['transforms']} == {'body_3', 'face_3', 'gaze_3'}


# --- TF --------------------------------------------------------------------------------------

def test_body_frame_of_upright_person_facing_camera():
    """body_<id>: hip midpoint, x toward the camera, z up, y to the left."""
    person = Person(body=body_keypoints(), track_id=4)
    msg = rc.tf_message(frame(person), HEADER)
    assert len(msg.transforms) == 1
    tf = msg.transforms[0]
    assert tf.child_frame_id == 'body_4'
    assert tf.header.frame_id == 'camera_optical'
    assert tf.header.stamp == HEADER.stamp
    np.testing.assert_allclose(translation_of(tf), ROOT, atol=1e-6)
    rot = rotation_of(tf)
    np.testing.assert_allclose(rot[:, 0], [0, 0, -1], atol=1e-6)   # x toward the camera
    np.testing.assert_allclose(rot[:, 1], [1, 0, 0], atol=1e-6)    # y the person's left
    np.testing.assert_allclose(rot[:, 2], [0, -1, 0], atol=1e-6)   # z up
    assert np.linalg.det(rot) == pytest.approx(1.0)


@pytest.mark.parametrize('euler', [(0.0, 0.5, 0.0), (0.0, -1.5, 0.0), (0.2, 2.5, -0.3),
                                   (0.4, -0.2, 0.1)])
def test_body_frame_follows_the_person(euler):
    """Turning the person turns the body frame by the same rotation."""
    turn = euler2mat(*euler)       # any rotation of the whole person about the hip midpoint
    msg = rc.tf_message(frame(Person(body=body_keypoints(turn), track_id=1)), HEADER)
    rot = rotation_of(msg.transforms[0])
    np.testing.assert_allclose(rot, turn @ FACING_CAMERA, atol=1e-5)


def test_body_rotation_fallbacks_are_proper_rotations():
    """Missing shoulders or hips fall back to proper rotations."""
    body = body_keypoints()
    body.xyz[[COCO17.index('left_shoulder'), COCO17.index('right_shoulder')]] = np.nan
    rot = body_rotation(body)            # no shoulders: z is the camera's up
    np.testing.assert_allclose(rot, FACING_CAMERA, atol=1e-6)
    assert np.linalg.det(UPRIGHT_FACING_CAMERA) == pytest.approx(1.0)
    rot = body_rotation(Keypoints.empty(COCO17))
    np.testing.assert_allclose(rot, UPRIGHT_FACING_CAMERA)


def test_untracked_and_people_without_camera_3d_are_skipped():
    """No TF for untracked people or bodies without camera-frame hips."""
    people = [
        Person(body=body_keypoints(), track_id=-1),
        Person(body=Keypoints.from_arrays(COCO17, np.zeros((17, 2)), np.ones(17)), track_id=2),
        Person(body=body_keypoints(source=PositionSource.MODEL_ROOT), track_id=5),
        Person(body=body_keypoints(), track_id=6),
        Person(body=body_keypoints(), track_id=7),
    ]
    people[3].body.xyz[COCO17.index('left_hip')] = np.nan
    msg = rc.tf_message(frame(*people), HEADER)
    assert [t.child_frame_id for t in msg.transforms] == ['body_7']


def test_face_and_gaze_frames_only_with_a_head():
    """face_/gaze_ frames exist only with a head; one stamp and parent."""
    with_head, without = full_person(3), full_person(9)
    without.head = None
    msg = rc.tf_message(frame(with_head, without), HEADER, frame_prefix='people/')
    frames = by_child(msg)
    assert set(frames) == {'people/body_3', 'people/face_3', 'people/gaze_3', 'people/body_9'}
    for tf in msg.transforms:                  # one message, one stamp, one parent
        assert tf.header.stamp == HEADER.stamp
        assert tf.header.frame_id == 'camera_optical'
    face, gaze = frames['people/face_3'], frames['people/gaze_3']
    np.testing.assert_allclose(translation_of(face), with_head.head.position)
    np.testing.assert_allclose(translation_of(gaze), with_head.head.position)
    np.testing.assert_allclose(rotation_of(face), FACING_CAMERA, atol=1e-6)
    # Looking straight at the camera: gaze z toward the camera, y down, x the person's right.
    rot = rotation_of(gaze)
    np.testing.assert_allclose(rot[:, 2], [0, 0, -1], atol=1e-6)
    np.testing.assert_allclose(rot[:, 1], [0, 1, 0], atol=1e-6)
    np.testing.assert_allclose(rot[:, 0], [-1, 0, 0], atol=1e-6)


def test_gaze_frame_follows_the_gaze_and_falls_back_to_the_head_axis():
    """Gaze frame z is the gaze, or the head x axis when the gaze is NaN."""
    person = full_person(3)
    g = np.array([0.3, 0.2, -1.0])
    person.head.gaze = g
    rot = rotation_of(by_child(rc.tf_message(frame(person), HEADER))['gaze_3'])
    np.testing.assert_allclose(rot[:, 2], g / np.linalg.norm(g), atol=1e-6)
    assert rot[1, 1] > 0.9                               # y still about camera down
    person.head.gaze = np.full(3, np.nan)
    rot = rotation_of(by_child(rc.tf_message(frame(person), HEADER))['gaze_3'])
    np.testing.assert_allclose(rot[:, 2], [0, 0, -1], atol=1e-6)   # the head's x axis


def test_joint_frames():
    """Optional per-joint frames for finite 3D keypoints only."""
    person = full_person(3)
    msg = rc.tf_message(frame(person), HEADER, joint_frames=True)
    frames = by_child(msg)
    joints = {k for k in frames if k.startswith('body_3_')}
    finite = np.isfinite(person.body.xyz).all(axis=1)
    assert joints == {f'body_3_{n}' for n, ok in zip(COCO17.keypoints, finite) if ok}
    assert 'body_3_left_ear' not in joints                # its depth is NaN
    wrist = frames['body_3_left_wrist']
    np.testing.assert_allclose(translation_of(wrist),
                               person.body.xyz[COCO17.index('left_wrist')], rtol=1e-6)
    assert wrist.header.frame_id == 'camera_optical'
    np.testing.assert_allclose(rotation_of(wrist), np.eye(3))


def test_tf_empty_when_nothing_to_send():
    """Nothing to send gives an empty TFMessage."""
    assert rc.tf_message(frame(), HEADER).transforms == []
    untracked = full_person(-1)
    assert rc.tf_message(frame(untracked), HEADER).transforms == []


# --- Markers ---------------------------------------------------------------------------------

def all_marker_points(markers):
    """Every point of every marker as an (N, 3) array."""
    return np.array([[p.x, p.y, p.z] for m in markers.markers for p in m.points])


def test_markers_per_person():
    """Marker kinds, ids, counts, header, lifetime and finite points."""
    full, bare = full_person(3), Person(body=body_keypoints(), track_id=4)
    markers = rc.marker_array(frame(full, bare), HEADER, lifetime_s=0.25)
    by_id = {(m.ns, m.id): m for m in markers.markers}
    # Full person: body lines + joints, hand lines + joints, gaze arrow; bare: body only.
    assert sorted(i for _, i in by_id) == [24, 25, 26, 27, 28, 32, 33]
    body_lines, joints = by_id[('pose_ros', 24)], by_id[('pose_ros', 25)]
    assert body_lines.type == Marker.LINE_LIST and joints.type == Marker.SPHERE_LIST
    assert by_id[('pose_ros', 28)].type == Marker.ARROW
    # The left ear has no depth: one edge and one joint fewer.
    assert len(body_lines.points) == 2 * (len(COCO17.edges) - 1)
    assert len(joints.points) == len(COCO17) - 1
    hands = by_id[('pose_ros', 26)]
    assert len(hands.points) == 2 * (2 * len(HAND21.edges) - 3)   # 3 edges at a NaN point
    for m in markers.markers:
        assert m.header == HEADER
        assert (m.lifetime.sec, m.lifetime.nanosec) == (0, 250_000_000)
        assert m.action == Marker.ADD
    assert np.isfinite(all_marker_points(markers)).all()


def test_marker_colours_stable_and_distinct():
    """One colour per track, the same every frame, different between tracks."""
    first = rc.marker_array(frame(full_person(3), full_person(11)), HEADER)
    again = rc.marker_array(frame(full_person(11)), HEADER)

    def colours(markers, id_range):
        """Marker colours of the markers with ids in ``id_range``."""
        return {(m.color.r, m.color.g, m.color.b, m.color.a) for m in markers.markers
                if m.id in id_range}

    c3, c11 = colours(first, range(24, 32)), colours(first, range(88, 96))
    assert len(c3) == 1 and len(c11) == 1 and c3 != c11
    assert colours(again, range(88, 96)) == c11
    assert track_color(3) == track_color(3) != track_color(4)


def test_markers_skip_missing_3d_and_untracked_namespace():
    """No markers without camera-frame 3D; untracked people in their own namespace."""
    no_3d = Person(body=Keypoints.from_arrays(COCO17, np.zeros((17, 2)), np.ones(17)),
                   track_id=1)
    model_root = Person(body=body_keypoints(source=PositionSource.MODEL_ROOT), track_id=2)
    untracked = Person(body=body_keypoints(), track_id=-1)
    markers = rc.marker_array(frame(no_3d, model_root, untracked), HEADER, ns='viz')
    assert [(m.ns, m.id) for m in markers.markers] == [('viz/untracked', 16),
                                                       ('viz/untracked', 17)]
    assert rc.marker_array(frame(), HEADER).markers == []


def test_track_colours():
    """Track colours are in range, distinct, and agree between RGB and BGR."""
    for tid in range(-2, 50):
        rgb = track_color(tid)
        assert all(0.0 <= c <= 1.0 for c in rgb)
        assert track_color_bgr(tid) == rgb_to_bgr255(rgb)
    assert rgb_to_bgr255((1.0, 0.5, 0.0)) == (0, 128, 255)
    hues = {track_color(t) for t in range(20)}
    assert len(hues) == 20
    assert rc.track_color is track_color
