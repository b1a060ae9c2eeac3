# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Face landmarks: the 68-point layout, their 3D, the message, markers and drawing."""

import math

from media_helpers import photo
import numpy as np
from pose_ros import ros_conversion as rc
from pose_ros.annotate import draw_frame
from pose_ros.backends.mediapipe_face import FaceEstimator
from pose_ros.geometry.camera import CameraIntrinsics, project
from pose_ros.geometry.face_mesh import face68, mesh_keypoints
from pose_ros.people import Expression, Face, FrameResult, Head, Keypoints, Person
from pose_ros.people import PositionSource
from pose_ros.schemas import COCO17, FACE478, FACE68, FACE68_FROM_MESH
from pose_ros_msgs.msg import People
import pytest
from rclpy.serialization import serialize_message
from std_msgs.msg import Header
from transforms3d.euler import euler2mat
from visualization_msgs.msg import Marker

K = CameraIntrinsics(600.0, 600.0, 320.0, 240.0, 640, 480)
HEADER = Header(frame_id='camera_color_optical_frame')


@pytest.fixture(scope='module')
def real_mesh():
    """Return the mesh MediaPipe finds on a real portrait (x, y, relative depth in pixels)."""
    est = FaceEstimator(max_faces=1, static_image_mode=True)
    try:
        (mesh,) = est.infer(photo('230501201_1.jpg'))
    finally:
        est.close()
    return mesh


def true_face(mesh, yaw_deg, distance):
    """Return a metric face of that shape (90 mm between the outer eye corners), turned, placed."""
    iod = np.linalg.norm(mesh[33] - mesh[263])
    face = (mesh - mesh[168]) * 0.09 / iod
    rot = euler2mat(math.radians(yaw_deg), 0.0, 0.0, 'syzx')
    return face @ rot.T + np.array([0.04, -0.02, distance])


def observed(xyz, distance):
    """Return the estimator's view of camera-frame points: pixels and relative depth in pixels."""
    z = (xyz[:, 2] - distance) * K.fx / distance
    return np.column_stack([project(xyz, K), z])


def head_at(position) -> Head:
    return Head(np.asarray(position, np.float64), np.array([1.0, 0.0, 0.0, 0.0]), 0.0, 0.0,
                0.0, 1.0)


# --- the layout ---------------------------------------------------------------------------------

def test_face68_is_the_300w_layout():
    assert len(FACE68) == 68 and len(FACE68_FROM_MESH) == 68
    assert len(set(FACE68_FROM_MESH)) == 68 and all(0 <= i < 468 for i in FACE68_FROM_MESH)
    groups = {}
    for name in FACE68.keypoints:
        groups.setdefault(name.rsplit('_', 1)[0], []).append(name)
    assert {g: len(v) for g, v in groups.items()} == {
        'jaw': 17, 'right_brow': 5, 'left_brow': 5, 'nose_bridge': 4, 'nose_base': 5,
        'right_eye': 6, 'left_eye': 6, 'outer_lip': 12, 'inner_lip': 8}
    # The eyes start at their outer corners (300-W 36 and 45), the lips at the right corner.
    assert FACE68_FROM_MESH[36] == 33 and FACE68_FROM_MESH[45] == 263
    assert FACE68_FROM_MESH[48] == 61 and FACE68_FROM_MESH[54] == 291
    assert len(FACE68.edges) == 16 + 4 + 4 + 3 + 4 + 6 + 6 + 12 + 8


def test_the_68_points_sit_where_300w_puts_them_on_a_real_face(real_mesh):
    """Image-space order on a frontal face: jaw from the image's left, brows above the eyes."""
    kp = face68(mesh_keypoints(real_mesh))
    p = {n: kp.point(n) for n in FACE68.keypoints}
    assert p['jaw_00'][0] < p['jaw_08'][0] < p['jaw_16'][0]
    assert p['jaw_08'][1] == max(q[1] for q in p.values())           # the chin is lowest
    for side in ('right', 'left'):
        brow = np.mean([p[f'{side}_brow_{i:02d}'] for i in range(5)], axis=0)
        eye = np.mean([p[f'{side}_eye_{i:02d}'] for i in range(6)], axis=0)
        assert brow[1] < eye[1]
    assert p['right_eye_00'][0] < p['right_eye_03'][0] < p['left_eye_00'][0] \
        < p['left_eye_03'][0]
    assert p['nose_bridge_00'][1] < p['nose_bridge_03'][1] < p['outer_lip_03'][1] \
        < p['outer_lip_09'][1] < p['jaw_08'][1]


# --- 3D -----------------------------------------------------------------------------------------

@pytest.mark.parametrize('yaw', [-45.0, 0.0, 30.0])
@pytest.mark.parametrize('distance', [0.5, 1.5, 4.0])
def test_3d_from_the_head_pose_recovers_the_face(real_mesh, yaw, distance):
    truth = true_face(real_mesh, yaw, distance)
    kp = mesh_keypoints(observed(truth, distance), head_at(truth[168]), K)
    assert kp.schema == FACE478 and kp.position_source == PositionSource.MODEL_CAMERA
    error = np.linalg.norm(kp.xyz - truth, axis=1)
    # Weak perspective: the relative depth is scaled at the face's distance, not each point's.
    assert np.median(error) < 0.002 and error.max() < 0.006, (np.median(error), error.max())
    np.testing.assert_allclose(project(kp.xyz.astype(np.float64), K), kp.xy, atol=1e-3)
    assert np.all(kp.conf == 1.0)


def test_no_3d_without_a_head_pose_or_relative_depth(real_mesh):
    assert mesh_keypoints(real_mesh).position_source == PositionSource.NONE
    assert mesh_keypoints(real_mesh[:, :2], head_at([0, 0, 1.0]), K).position_source \
        == PositionSource.NONE
    assert mesh_keypoints(real_mesh, head_at([0, 0, -1.0]), K).position_source \
        == PositionSource.NONE                                 # behind the camera
    holes = real_mesh.copy()
    holes[5] = np.nan
    kp = mesh_keypoints(holes, head_at([0, 0, 1.0]), K)
    assert np.isnan(kp.xy[5]).all() and math.isnan(kp.conf[5]) and np.isnan(kp.xyz[5]).all()
    with pytest.raises(ValueError):
        mesh_keypoints(np.zeros((68, 3)))
    with pytest.raises(ValueError):
        face68(Keypoints.empty(COCO17))


# --- the message -------------------------------------------------------------------------------

def person_with_face(mesh, track_id=4) -> Person:
    truth = true_face(mesh, 10.0, 1.0)
    keypoints = mesh_keypoints(observed(truth, 1.0), head_at(truth[168]), K)
    expression = Expression(0.9, 0.8, 0.25, 0.5, 0.125, blink=True, blinks=3)
    return Person(Keypoints.empty(COCO17), track_id=track_id, face=Face(keypoints, expression))


@pytest.mark.parametrize('landmarks, schema',
                         [('face68', FACE68), ('face478', FACE478), ('none', None)])
def test_face_round_trip_for_each_landmarks_setting(real_mesh, landmarks, schema):
    person = person_with_face(real_mesh)
    frame = FrameResult([person], 'yolo', 640, 480)
    msg = rc.frame_to_people_msg(frame, HEADER, landmarks)
    face_msg = msg.people[0].face
    assert face_msg.valid and face_msg.blink and face_msg.blink_count == 3
    back = rc.people_msg_to_frame(msg).people[0].face
    assert back.expression == person.face.expression
    if schema is None:
        assert face_msg.landmarks.schema == '' and not face_msg.landmarks.keypoints
        assert back.keypoints is None
        return
    sent = face68(person.face.keypoints) if schema is FACE68 else person.face.keypoints
    assert back.keypoints.schema is schema
    assert back.keypoints.position_source == PositionSource.MODEL_CAMERA
    np.testing.assert_array_equal(back.keypoints.xy, sent.xy)
    np.testing.assert_array_equal(back.keypoints.xyz, sent.xyz)


def test_bytes_per_person_for_each_landmarks_setting(real_mesh):
    """What face.landmarks costs on the wire (README: 'Faces')."""
    frame = FrameResult([person_with_face(real_mesh)], 'yolo', 640, 480)
    size = {lm: len(serialize_message(rc.frame_to_people_msg(frame, HEADER, lm)))
            for lm in ('none', 'face68', 'face478')}
    no_face = FrameResult([Person(Keypoints.empty(COCO17))], 'yolo', 640, 480)
    size['no face'] = len(serialize_message(rc.frame_to_people_msg(no_face, HEADER)))
    assert size['no face'] == size['none']
    assert 3_000 < size['face68'] - size['none'] < 4_500
    assert 24_000 < size['face478'] - size['none'] < 30_000


def test_a_person_without_a_face_sends_an_invalid_one():
    msg = rc.frame_to_people_msg(FrameResult([Person(Keypoints.empty(COCO17))], 'yolo', 1, 1),
                                 HEADER)
    face = msg.people[0].face
    assert not face.valid and face.landmarks.schema == '' and math.isnan(face.smile)
    assert rc.people_msg_to_frame(msg).people[0].face is None


def test_faces_from_other_senders_are_checked(real_mesh):
    msg = rc.frame_to_people_msg(
        FrameResult([person_with_face(real_mesh, 1), person_with_face(real_mesh, 2)], 'yolo',
                    640, 480), HEADER)
    msg.people[0].face.landmarks.schema = 'coco17'      # a body where a face should be
    msg.people[1].face.smile = 7.5                      # off the scale
    msg.people[1].face.mouth_openness = -float('inf')
    frame, problems = rc.decode_people(msg)
    assert len(problems) == 1 and 'face left out (face landmarks' in problems[0]
    bad, person = frame.people
    assert bad.track_id == 1 and bad.face is None          # the person stays, not the face
    assert person.face.expression.smile == 1.0
    assert math.isnan(person.face.expression.mouth_openness)
    with pytest.raises(ValueError):
        rc.face_landmarks(person.face.keypoints, 'face33')
    assert isinstance(msg, People)


# --- markers and drawing -----------------------------------------------------------------------

def test_markers_draw_the_face_outline_in_3d(real_mesh):
    person = person_with_face(real_mesh, track_id=4)
    markers = rc.marker_array(FrameResult([person], 'yolo', 640, 480), HEADER).markers
    (outline,) = [m for m in markers if m.id == 4 * 8 + rc.SLOT_FACE]
    assert outline.type == Marker.LINE_LIST and outline.header.frame_id == HEADER.frame_id
    assert len(outline.points) == 2 * len(FACE68.edges)
    kp = face68(person.face.keypoints)
    a, b = FACE68.edge_indices[0]
    first = [outline.points[0].x, outline.points[0].y, outline.points[0].z]
    np.testing.assert_allclose(first, kp.xyz[a], atol=1e-6)
    # Without camera-frame 3D there is no outline.
    person.face = Face(mesh_keypoints(observed(true_face(real_mesh, 0, 1), 1)), Expression())
    markers = rc.marker_array(FrameResult([person], 'yolo', 640, 480), HEADER).markers
    assert not [m for m in markers if m.id == 4 * 8 + rc.SLOT_FACE]


def test_the_annotated_image_draws_the_outline(real_mesh):
    blank = np.zeros((480, 640, 3), np.uint8)
    person = person_with_face(real_mesh)
    drawn = draw_frame(blank, FrameResult([person], 'yolo', 640, 480))
    kp = face68(person.face.keypoints)
    x0, y0 = np.nanmin(kp.xy, axis=0).astype(int)
    x1, y1 = np.nanmax(kp.xy, axis=0).astype(int)
    assert drawn[y0:y1 + 1, x0:x1 + 1].any()
    person.face = Face(None, Expression())              # read from a 'none' message
    assert not draw_frame(blank, FrameResult([person], 'yolo', 640, 480))[
        y0:y1 + 1, x0:x1 + 1].any()
