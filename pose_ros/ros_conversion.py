# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Conversions between the plain results (people.py) and ROS messages.

Pure functions on the per-frame hot path: message packages only, never rclpy, so that the
nodes, the offline tools and the tests share them without a ROS graph.

Frame conventions (REP-103 / REP-155), all relative to ``header.frame_id``, the camera optical
frame (x right, y down, z forward):

* ``body_<id>``: origin at the hip midpoint; x out of the person's chest, y to the person's
  left, z up (hips toward shoulders). See :func:`pose_ros.geometry.frames.body_rotation`.
* ``face_<id>``: origin at the sellion, orientation ``Head.quaternion`` (REP-155 head axes:
  x out of the face, y to the person's left, z toward the top of the head).
* ``gaze_<id>``: same origin, optical convention: z along the gaze, x to the person's right,
  y down (from the head's up axis). See :func:`pose_ros.geometry.frames.gaze_rotation`.
* ``body_<id>_<keypoint>`` (optional): each finite 3D keypoint, identity rotation.

Only 3D positions in the camera frame (``PositionSource.DEPTH`` / ``MODEL_CAMERA``) make TF
frames and markers; ``MODEL_ROOT`` positions are relative to the hips, not to the camera, and
would land at the camera origin, so they are left out.
"""

import array
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

from builtin_interfaces.msg import Duration, Time

from geometry_msgs.msg import Point, Pose, Quaternion, Transform, TransformStamped, Vector3

import numpy as np

from pose_ros.colors import rgb_to_bgr255, track_color, track_color_bgr
from pose_ros.geometry.face_mesh import face68
from pose_ros.geometry.frames import body_rotation, gaze_rotation
from pose_ros.geometry.vectors import unit
from pose_ros.people import (
    CAMERA_FRAME_SOURCES, Expression, EXPRESSION_SCALES, Face, FrameResult, GazeSource, Hand,
    Head, Keypoints, Person, PositionSource)
from pose_ros.schemas import BODY_SCHEMAS, FACE478, FACE68, FACE_SCHEMAS, get_schema, HAND21

from pose_ros_msgs.msg import Face as FaceMsg

from pose_ros_msgs.msg import Hand as HandMsg
from pose_ros_msgs.msg import Head as HeadMsg
from pose_ros_msgs.msg import Keypoint as KeypointMsg
from pose_ros_msgs.msg import People as PeopleMsg
from pose_ros_msgs.msg import Person as PersonMsg
from pose_ros_msgs.msg import Skeleton as SkeletonMsg

from std_msgs.msg import ColorRGBA, Header

from tf2_msgs.msg import TFMessage

from transforms3d.quaternions import mat2quat

from visualization_msgs.msg import Marker, MarkerArray

__all__ = [
    'CAMERA_FRAME_SOURCES', 'copy_header', 'decode_people', 'frame_to_people_msg', 'marker_array',
    'message_to_dict', 'people_msg_to_frame', 'rgb_to_bgr255',
    'tf_message', 'track_color', 'track_color_bgr',
]

_NAN = float('nan')

_SIDE_TO_MSG = {'left': HandMsg.SIDE_LEFT, 'right': HandMsg.SIDE_RIGHT,
                'unknown': HandMsg.SIDE_UNKNOWN}
_SIDE_FROM_MSG = {v: k for k, v in _SIDE_TO_MSG.items()}
HAND_SCHEMA = HAND21.name


# ---------------------------------------------------------------------------------------------
# People <-> FrameResult

def stamp_seconds(stamp: Time) -> float:
    """Return a builtin_interfaces/Time (e.g. header.stamp) as float seconds."""
    return stamp.sec + stamp.nanosec * 1e-9


def copy_header(header: Header) -> Header:
    """Return a copy of ``header``: the caller may reuse or change its own after publishing."""
    return Header(stamp=Time(sec=header.stamp.sec, nanosec=header.stamp.nanosec),
                  frame_id=header.frame_id)


def _skeleton_to_msg(kp: Keypoints) -> SkeletonMsg:
    # tolist() once per array: Python floats satisfy the field checks, numpy scalars do not.
    xy = kp.xy.tolist()
    conf = kp.conf.tolist()
    xyz = kp.xyz.tolist()
    msg = SkeletonMsg(schema=kp.schema.name, position_source=int(kp.position_source))
    msg.keypoints = [
        KeypointMsg(name=name, x=p[0], y=p[1], confidence=c,
                    position=Point(x=q[0], y=q[1], z=q[2]))
        for name, p, c, q in zip(kp.schema.keypoints, xy, conf, xyz)]
    return msg


def _invalid_head_msg() -> HeadMsg:
    nan = _NAN
    return HeadMsg(
        valid=False,
        pose=Pose(position=Point(x=nan, y=nan, z=nan),
                  orientation=Quaternion(x=nan, y=nan, z=nan, w=nan)),
        yaw=nan, pitch=nan, roll=nan, reprojection_error=nan,
        gaze_source=HeadMsg.GAZE_NONE, gaze_direction=Vector3(x=nan, y=nan, z=nan))


def _head_to_msg(head: Optional[Head]) -> HeadMsg:
    if head is None:
        return _invalid_head_msg()
    p = np.asarray(head.position, np.float64).tolist()
    w, x, y, z = np.asarray(head.quaternion, np.float64).tolist()
    g = np.asarray(head.gaze, np.float64).tolist()
    return HeadMsg(
        valid=True,
        pose=Pose(position=Point(x=p[0], y=p[1], z=p[2]),
                  orientation=Quaternion(x=x, y=y, z=z, w=w)),
        yaw=float(head.yaw), pitch=float(head.pitch), roll=float(head.roll),
        reprojection_error=float(head.reprojection_error),
        gaze_source=int(head.gaze_source),
        gaze_direction=Vector3(x=g[0], y=g[1], z=g[2]))


def _hand_to_msg(hand: Hand) -> HandMsg:
    return HandMsg(side=_SIDE_TO_MSG.get(hand.side, HandMsg.SIDE_UNKNOWN),
                   handedness_score=float(hand.handedness_score),
                   skeleton=_skeleton_to_msg(hand.keypoints))


def face_landmarks(keypoints: Optional[Keypoints], landmarks: str) -> Optional[Keypoints]:
    """
    Return the landmarks a message carries for face ``landmarks`` 'face68', 'face478' or 'none'.

    The 68-point layout is taken from the mesh; landmarks that are already fewer than asked
    (read back from a message) stay as they are.
    """
    if landmarks == 'none' or keypoints is None:
        return None
    if landmarks == FACE68.name and keypoints.schema == FACE478:
        return face68(keypoints)
    if landmarks not in FACE_SCHEMAS:
        raise ValueError(f'face landmarks must be none or one of {list(FACE_SCHEMAS)}, got '
                         f'{landmarks!r}')
    return keypoints


def _face_to_msg(face: Optional[Face], landmarks: str) -> FaceMsg:
    nan = _NAN
    if face is None:
        return FaceMsg(valid=False, landmarks=SkeletonMsg(), left_eye_openness=nan,
                       right_eye_openness=nan, mouth_openness=nan, smile=nan, brow_raise=nan)
    kp = face_landmarks(face.keypoints, landmarks)
    e = face.expression
    return FaceMsg(valid=True, landmarks=_skeleton_to_msg(kp) if kp is not None else SkeletonMsg(),
                   left_eye_openness=float(e.left_eye_openness),
                   right_eye_openness=float(e.right_eye_openness),
                   mouth_openness=float(e.mouth_openness), smile=float(e.smile),
                   brow_raise=float(e.brow_raise), blink=bool(e.blink),
                   blink_count=int(e.blinks))


def _person_to_msg(person: Person, landmarks: str) -> PersonMsg:
    return PersonMsg(
        track_id=int(person.track_id),
        bbox=np.asarray(person.bbox, np.float32).reshape(4).copy(),
        score=float(person.score),
        body=_skeleton_to_msg(person.body),
        hands=[_hand_to_msg(h) for h in person.hands],
        head=_head_to_msg(person.head),
        face=_face_to_msg(person.face, landmarks))


def frame_to_people_msg(result: FrameResult, header: Header,
                        face_landmarks: str = FACE68.name) -> PeopleMsg:
    """
    Convert one frame's results to a ``pose_ros_msgs/People`` message.

    ``header`` (stamp and frame_id of the input image) is copied as is. Every keypoint of the
    schema is sent, in schema order; unknown values stay NaN. A person without a head pose gets
    ``head.valid = False`` and NaN head fields; without a face mesh ``face.valid = False``.

    :param face_landmarks: the ``face.landmarks`` parameter: which face landmarks to send
        ('face68', 'face478' or 'none'; the expression is sent in every case).
    """
    return PeopleMsg(header=copy_header(header), backend=result.backend,
                     people=[_person_to_msg(p, face_landmarks) for p in result.people])


# Coordinates beyond these are garbage, not measurements: they become unknown (NaN), so that
# no rule or network ever sees an infinite or absurd keypoint as a confident one.
MAX_ABS_PIXELS = 1e6
MAX_ABS_METRES = 1e4


def _skeleton_from_msg(msg: SkeletonMsg) -> Keypoints:
    schema = get_schema(msg.schema)
    kps = msg.keypoints
    if len(kps) != len(schema):
        raise ValueError(f'skeleton {msg.schema!r}: {len(kps)} keypoints, expected '
                         f'{len(schema)}')
    rows = [(k.x, k.y, k.confidence, k.position.x, k.position.y, k.position.z) for k in kps]
    with np.errstate(over='ignore', invalid='ignore'):
        arr = np.array(rows, np.float64).reshape(len(schema), 6)
    names = [k.name for k in kps]
    if names != list(schema.keypoints) and any(names):
        # Tolerate a sender that orders points differently: put them back by name.
        try:
            order = np.array([schema.index(n) for n in names])
        except KeyError as e:
            raise ValueError(f'skeleton {msg.schema!r}: {e.args[0]}') from None
        if len(set(order.tolist())) != len(order):
            raise ValueError(f'skeleton {msg.schema!r}: duplicate keypoint names')
        fixed = np.empty_like(arr)
        fixed[order] = arr
        arr = fixed
    with np.errstate(invalid='ignore'):
        # NaN stays NaN (unknown); infinite or absurd values become unknown too.
        bad_xy = (~np.isnan(arr[:, 0:2]) & ~(np.abs(arr[:, 0:2]) <= MAX_ABS_PIXELS)).any(axis=1)
        bad_xyz = (~np.isnan(arr[:, 3:6]) & ~(np.abs(arr[:, 3:6]) <= MAX_ABS_METRES)).any(axis=1)
    arr[bad_xy, 0:2] = np.nan
    arr[bad_xyz, 3:6] = np.nan
    conf = arr[:, 2]
    conf[np.isinf(conf)] = np.nan
    np.clip(conf, 0.0, 1.0, out=conf)      # NaN stays NaN
    conf[bad_xy] = 0.0
    arr = arr.astype(np.float32)
    return Keypoints(schema, arr[:, 0:2].copy(), arr[:, 2].copy(), arr[:, 3:6].copy(),
                     PositionSource(msg.position_source))


def _head_from_msg(msg: HeadMsg) -> Optional[Head]:
    if not msg.valid:
        return None
    p, o, g = msg.pose.position, msg.pose.orientation, msg.gaze_direction
    return Head(position=np.array([p.x, p.y, p.z]),
                quaternion=np.array([o.w, o.x, o.y, o.z]),
                yaw=msg.yaw, pitch=msg.pitch, roll=msg.roll,
                reprojection_error=msg.reprojection_error,
                gaze=np.array([g.x, g.y, g.z]),
                gaze_source=GazeSource(msg.gaze_source))


def _face_from_msg(msg: FaceMsg) -> Optional[Face]:
    if not msg.valid:
        return None
    keypoints = None
    if msg.landmarks.schema or msg.landmarks.keypoints:
        if msg.landmarks.schema not in FACE_SCHEMAS:
            raise ValueError(f'face landmarks must be one of {list(FACE_SCHEMAS)}, got '
                             f'{msg.landmarks.schema!r}')
        keypoints = _skeleton_from_msg(msg.landmarks)
    # Scales outside 0..1 from another sender are clipped; NaN stays unknown.
    scale = {name: float(np.clip(getattr(msg, name), 0.0, 1.0)) if math.isfinite(
        getattr(msg, name)) else _NAN for name in EXPRESSION_SCALES}
    expression = Expression(**scale, blink=msg.blink, blinks=msg.blink_count)
    return Face(keypoints, expression)


def _hand_from_msg(msg: HandMsg) -> Hand:
    if msg.side not in _SIDE_FROM_MSG:
        raise ValueError(f'hand side {msg.side} is not one of {sorted(_SIDE_FROM_MSG)}')
    if msg.skeleton.schema != HAND_SCHEMA:
        raise ValueError(f'a hand skeleton must be {HAND_SCHEMA!r}, got {msg.skeleton.schema!r}')
    return Hand(_skeleton_from_msg(msg.skeleton), _SIDE_FROM_MSG[msg.side],
                msg.handedness_score)


def _person_from_msg(pm: PersonMsg) -> Tuple[Person, Optional[str]]:
    """Return the person, and why its face was left out (a malformed face), if it was."""
    if pm.body.schema not in BODY_SCHEMAS:
        raise ValueError(f'a body skeleton must be one of {list(BODY_SCHEMAS)}, got '
                         f'{pm.body.schema!r}')
    hands = [_hand_from_msg(h) for h in pm.hands]
    person = Person(body=_skeleton_from_msg(pm.body),
                    bbox=np.array(pm.bbox, np.float32).reshape(4),
                    score=pm.score, track_id=pm.track_id, hands=hands,
                    head=_head_from_msg(pm.head))
    # The face is optional: a malformed one is dropped, not the person with it.
    try:
        person.face = _face_from_msg(pm.face)
    except (ValueError, KeyError, TypeError) as e:
        reason = e.args[0] if isinstance(e, KeyError) and e.args else e
        return person, f'face left out ({reason})'
    return person, None


def decode_people(msg: PeopleMsg) -> Tuple[FrameResult, Tuple[str, ...]]:
    """
    Convert a ``pose_ros_msgs/People`` message, leaving out the people that are malformed.

    For input that may come from anyone (a subscriber): returns the frame of every well-formed
    person and one line per person left out, saying which and why (a skeleton of the wrong
    length, an unknown schema or keypoint name, a bad enum value, ...); a malformed face
    leaves out only the face (``face`` None), with its own line. Two people with the
    same track id (>= 0) are both left out: which of them the id means is unknowable.
    Keypoints with non-finite or absurd coordinates (beyond :data:`MAX_ABS_PIXELS` pixels or
    :data:`MAX_ABS_METRES` metres) are kept as unknown: NaN, confidence 0.
    """
    people: List[Person] = []
    problems: List[str] = []
    for i, pm in enumerate(msg.people):
        try:
            person, face_problem = _person_from_msg(pm)
        except (ValueError, KeyError, TypeError) as e:
            reason = e.args[0] if isinstance(e, KeyError) and e.args else e
            problems.append(f'person {i} (track {pm.track_id}): {reason}')
            continue
        people.append(person)
        if face_problem:
            problems.append(f'person {i} (track {pm.track_id}): {face_problem}')
    counts: Dict[int, int] = {}
    for person in people:
        counts[person.track_id] = counts.get(person.track_id, 0) + 1
    twice = sorted(i for i, n in counts.items() if i >= 0 and n > 1)
    if twice:
        people = [p for p in people if p.track_id not in twice]
        problems.append(f'track id(s) {twice} given to more than one person: all of them '
                        'left out')
    return FrameResult(people=people, backend=msg.backend, width=0, height=0), tuple(problems)


def people_msg_to_frame(msg: PeopleMsg) -> FrameResult:
    """
    Convert a ``pose_ros_msgs/People`` message back to a :class:`FrameResult`, strictly.

    The message does not carry the image size or timings: width and height are 0 and
    ``timings_ms`` is empty.

    :raises ValueError: the first problem :func:`decode_people` finds (a malformed person).
    """
    frame, problems = decode_people(msg)
    if problems:
        raise ValueError(problems[0])
    return frame


# ---------------------------------------------------------------------------------------------
# Generic message -> JSON-able dict

_FIELDS_CACHE: Dict[type, Tuple[str, ...]] = {}


def _fields(msg: Any) -> Tuple[str, ...]:
    cls = type(msg)
    names = _FIELDS_CACHE.get(cls)
    if names is None:
        names = tuple(msg.get_fields_and_field_types())
        _FIELDS_CACHE[cls] = names
    return names


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if hasattr(value, 'get_fields_and_field_types'):
        return message_to_dict(value)
    if isinstance(value, (np.ndarray, array.array)):
        items = value.tolist()
        if items and isinstance(items[0], float):
            return [v if math.isfinite(v) else None for v in items]
        return items
    if isinstance(value, (bytes, bytearray)):
        # rosidl 'byte' fields are bytes of length 1; sequences of them come as lists.
        return value[0] if len(value) == 1 else list(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    raise TypeError(f'cannot convert {type(value).__name__} to JSON')


def message_to_dict(msg: Any) -> Dict[str, Any]:
    """
    Convert a rosidl message, recursively, to a dict that ``json.dumps`` accepts.

    Nested messages become dicts (time stamps ``{'sec', 'nanosec'}``), arrays become lists,
    and non-finite floats (NaN, inf) become ``None`` so that the output is strict JSON.
    """
    return {name: _jsonable(getattr(msg, name)) for name in _fields(msg)}


# ---------------------------------------------------------------------------------------------
# TF

def _transform(stamp: Time, parent: str, child: str, xyz: Sequence[float],
               wxyz: Sequence[float] = (1.0, 0.0, 0.0, 0.0)) -> TransformStamped:
    return TransformStamped(
        header=Header(stamp=Time(sec=stamp.sec, nanosec=stamp.nanosec), frame_id=parent),
        child_frame_id=child,
        transform=Transform(
            translation=Vector3(x=float(xyz[0]), y=float(xyz[1]), z=float(xyz[2])),
            rotation=Quaternion(x=float(wxyz[1]), y=float(wxyz[2]), z=float(wxyz[3]),
                                w=float(wxyz[0]))))


def _has_camera_xyz(kp: Keypoints) -> bool:
    return kp.position_source in CAMERA_FRAME_SOURCES


def tf_message(result: FrameResult, header: Header, joint_frames: bool = False,
               frame_prefix: str = '') -> TFMessage:
    """
    All TF frames of one frame's people in a single ``TFMessage``.

    Every transform is stamped with ``header.stamp`` and has ``header.frame_id`` (the camera
    optical frame) as parent; child names are ``frame_prefix`` + ``body_<id>``, ``face_<id>``,
    ``gaze_<id>`` and, with ``joint_frames``, ``body_<id>_<keypoint>``. Untracked people
    (id < 0) and bodies without a finite camera-frame hip midpoint are skipped; face and gaze
    frames need a head pose. Empty when there is nothing to send.
    """
    stamp, parent = header.stamp, header.frame_id
    out: List[TransformStamped] = []
    for person in result.people:
        tid = int(person.track_id)
        if tid < 0:
            continue
        body = person.body
        if _has_camera_xyz(body):
            root = body.root_xyz()
            if np.isfinite(root).all():
                quat = mat2quat(body_rotation(body))
                name = f'{frame_prefix}body_{tid}'
                out.append(_transform(stamp, parent, name, root, quat))
                if joint_frames:
                    finite = np.isfinite(body.xyz).all(axis=1)
                    for kp_name, xyz, ok in zip(body.schema.keypoints, body.xyz.tolist(),
                                                finite.tolist()):
                        if ok:
                            out.append(_transform(stamp, parent, f'{name}_{kp_name}', xyz))
        head = person.head
        if head is None or not np.isfinite(head.position).all():
            continue
        q = unit(np.asarray(head.quaternion, np.float64), 1e-6)
        gaze = gaze_rotation(head)
        if q is None or gaze is None:
            continue
        out.append(_transform(stamp, parent, f'{frame_prefix}face_{tid}', head.position, q))
        out.append(_transform(stamp, parent, f'{frame_prefix}gaze_{tid}', head.position,
                              mat2quat(gaze)))
    return TFMessage(transforms=out)


# ---------------------------------------------------------------------------------------------
# RViz markers

# Marker ids: track_id * _SLOTS + slot, so every part of a person keeps its id across frames.
_SLOTS = 8
(SLOT_BODY_LINES, SLOT_BODY_JOINTS, SLOT_HAND_LINES, SLOT_HAND_JOINTS, SLOT_GAZE,
 SLOT_FACE) = range(6)
BODY_LINE_WIDTH = 0.02      # metres
BODY_JOINT_SIZE = 0.04
HAND_LINE_WIDTH = 0.006
HAND_JOINT_SIZE = 0.012
FACE_LINE_WIDTH = 0.002
GAZE_LENGTH = 0.5


def _points(xyz: Sequence[Sequence[float]]) -> List[Point]:
    return [Point(x=p[0], y=p[1], z=p[2]) for p in xyz]


def _edge_points(kp: Keypoints, finite: np.ndarray, xyz: List[List[float]]) -> List[Point]:
    pts = []
    for a, b in kp.schema.edge_indices:
        if finite[a] and finite[b]:
            pts.append(xyz[a])
            pts.append(xyz[b])
    return _points(pts)


def _marker(header: Header, ns: str, marker_id: int, kind: int, color: ColorRGBA,
            lifetime: Duration, scale: Tuple[float, float, float],
            points: List[Point]) -> Marker:
    return Marker(header=copy_header(header), ns=ns, id=marker_id, type=kind,
                  action=Marker.ADD, pose=Pose(),
                  scale=Vector3(x=scale[0], y=scale[1], z=scale[2]), color=color,
                  lifetime=Duration(sec=lifetime.sec, nanosec=lifetime.nanosec),
                  points=points)


def _skeleton_markers(kp: Keypoints, header: Header, ns: str, base: int, slots: Tuple[int, int],
                      color: ColorRGBA, lifetime: Duration, width: float,
                      size: float) -> List[Marker]:
    finite = np.isfinite(kp.xyz).all(axis=1)
    if not finite.any():
        return []
    xyz = kp.xyz.tolist()
    out = []
    lines = _edge_points(kp, finite, xyz)
    if lines:
        out.append(_marker(header, ns, base + slots[0], Marker.LINE_LIST, color, lifetime,
                           (width, 0.0, 0.0), lines))
    joints = _points([p for p, ok in zip(xyz, finite.tolist()) if ok])
    out.append(_marker(header, ns, base + slots[1], Marker.SPHERE_LIST, color, lifetime,
                       (size, size, size), joints))
    return out


def marker_array(result: FrameResult, header: Header, lifetime_s: float = 0.2,
                 ns: str = 'pose_ros') -> MarkerArray:
    """
    Build the RViz markers of one frame's people, in ``header.frame_id`` (header copied).

    Per person with camera-frame 3D: a LINE_LIST of the skeleton edges (edges with an unknown
    end left out) and a SPHERE_LIST of the known joints; the hands likewise (all hands of a
    person in one LINE_LIST and one SPHERE_LIST); the face's 68-point outline (brows, eyes,
    nose, lips, jaw) as a thin LINE_LIST when the face has camera-frame 3D; an ARROW along the
    gaze (or the head's x axis) from the sellion when there is a head pose. Colours come from
    :func:`track_color`; ids are ``track_id * 8 + slot`` so they are the same every frame.
    Untracked people go to namespace ``<ns>/untracked`` with ids from their index in the frame.

    Stale markers are removed by ``lifetime_s`` rather than a leading DELETEALL: a person who
    leaves disappears without the publisher remembering who was there, and a DELETEALL would
    also wipe every other marker on the topic and make RViz flicker. Keep ``lifetime_s`` above
    the frame period; 0 means forever (ROS semantics).
    """
    lifetime_ns = max(0, int(round(lifetime_s * 1e9)))
    lifetime = Duration(sec=lifetime_ns // 1_000_000_000, nanosec=lifetime_ns % 1_000_000_000)
    markers: List[Marker] = []
    for index, person in enumerate(result.people):
        tid = int(person.track_id)
        if tid >= 0:
            pns, base = ns, (tid % (1 << 27)) * _SLOTS
        else:
            pns, base = f'{ns}/untracked', index * _SLOTS
        r, g, b = track_color(tid)
        color = ColorRGBA(r=r, g=g, b=b, a=1.0)
        if _has_camera_xyz(person.body):
            markers += _skeleton_markers(
                person.body, header, pns, base, (SLOT_BODY_LINES, SLOT_BODY_JOINTS), color,
                lifetime, BODY_LINE_WIDTH, BODY_JOINT_SIZE)
        hand_lines: List[Point] = []
        hand_joints: List[Point] = []
        for hand in person.hands:
            kp = hand.keypoints
            if not _has_camera_xyz(kp):
                continue
            finite = np.isfinite(kp.xyz).all(axis=1)
            xyz = kp.xyz.tolist()
            hand_lines += _edge_points(kp, finite, xyz)
            hand_joints += _points([p for p, ok in zip(xyz, finite.tolist()) if ok])
        if hand_lines:
            markers.append(_marker(header, pns, base + SLOT_HAND_LINES, Marker.LINE_LIST,
                                   color, lifetime, (HAND_LINE_WIDTH, 0.0, 0.0), hand_lines))
        if hand_joints:
            markers.append(_marker(header, pns, base + SLOT_HAND_JOINTS, Marker.SPHERE_LIST,
                                   color, lifetime, (HAND_JOINT_SIZE,) * 3, hand_joints))
        face = person.face
        outline = face_landmarks(face.keypoints, FACE68.name) if face is not None else None
        if outline is not None and _has_camera_xyz(outline):
            lines = _edge_points(outline, np.isfinite(outline.xyz).all(axis=1),
                                 outline.xyz.tolist())
            if lines:
                markers.append(_marker(header, pns, base + SLOT_FACE, Marker.LINE_LIST, color,
                                       lifetime, (FACE_LINE_WIDTH, 0.0, 0.0), lines))
        head = person.head
        if head is not None and np.isfinite(head.position).all():
            gaze = gaze_rotation(head)
            if gaze is not None:
                start = np.asarray(head.position, np.float64)
                end = start + GAZE_LENGTH * gaze[:, 2]
                markers.append(_marker(header, pns, base + SLOT_GAZE, Marker.ARROW, color,
                                       lifetime, (0.015, 0.03, 0.05),
                                       _points([start.tolist(), end.tolist()])))
    return MarkerArray(markers=markers)
