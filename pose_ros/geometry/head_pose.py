# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
6DoF head pose and gaze from MediaPipe face-mesh landmarks: pure geometry, no model.

**Face model and frame.** :data:`FACE_MODEL` gives metric 3D positions (metres) of 54
face-mesh landmarks in the REP-155 face frame: origin at the sellion (landmark 168,
the deepest point of the nasal bridge between the eyes), x out of the face, y to the person's
left, z toward the top of the head. The values are MediaPipe's canonical face model
(``mediapipe/modules/face_geometry/data/canonical_face_model.obj``, Apache-2.0, centimetres,
x to the person's left, y up, z out of the face) moved to the sellion, converted to metres and
to REP-155 axes. It is an average adult face: outer eye corners 89 mm apart, inner 37 mm, mouth
corners 49 mm, sellion to chin 127 mm, nose tip 22 mm in front of the sellion, close to adult
anthropometric means (about 90, 33, 50, 120 and 20 mm).

**Pose.** :func:`estimate_head_pose` fits the model to the landmark pixels with
``cv2.solvePnP(SOLVEPNP_SQPNP)`` then ``cv2.solvePnPRefineLM``. SQPnP is globally optimal for
non-planar points and needs no initial guess, so one frame's result never depends on the last
frame and a bad frame cannot trap the next ones; the Levenberg-Marquardt refinement then
minimises the pixel reprojection error, which SQPnP (an object-space error) does not. The
result: ``Head.position`` is the sellion and ``Head.quaternion`` (w, x, y, z) the face frame,
both in the camera optical frame (x right, y down, z forward), so the quaternion's rotation
matrix has the face's x, y, z axes as columns.

**Angles.** yaw, pitch and roll are measured from *facing the camera*: the reference
orientation has x pointing from the sellion to the camera's optical centre (the line of
sight, so a face at the image border that looks into the lens is at 0, 0, 0 too), z the
camera's up (-y of the optical frame) made orthogonal to x, and y = z cross x. With R the head
rotation and R_ref the reference, ``R_ref^T R = Rz(yaw) Ry(pitch) Rx(roll)`` (intrinsic z-y'-x'';
transforms3d ``mat2euler(..., 'rzyx')``): yaw about the head's up axis, positive turned to the
person's left; pitch about the head's left axis, positive looking down; roll about the face's
x axis, positive tilted toward the person's right shoulder. These are the right-handed
rotations of the REP-103 axes, and the signs of ``pose_ros_msgs/Head``. Ranges: yaw and roll
(-pi, pi], pitch [-pi/2, pi/2].

**Gaze.** :func:`gaze_from_iris` puts an eyeball behind each eye: its rotation centre lies
``EYE_ROTATION_RADIUS_M`` behind the midpoint of the eye corners along the head's x axis, the
iris centre on a sphere of that radius around it; the iris pixel's viewing ray meets the
sphere, and the gaze is the mean (weighted by the eye's width in pixels) of the two centre to
iris directions. Eyes narrower than ``min_eye_px`` pixels, closed, or without iris points fall
back to the head's x axis, flagged ``GazeSource.HEAD``.
"""

import math
from typing import Dict, Iterable, Optional, Tuple

import cv2
import numpy as np
from pose_ros.config import HeadConfig
from pose_ros.geometry.camera import back_project, CameraIntrinsics, project
from pose_ros.geometry.vectors import unit
from pose_ros.people import GazeSource, Head, Keypoints
from transforms3d.euler import euler2mat, mat2euler
from transforms3d.quaternions import mat2quat, quat2mat

# Face model, metres, REP-155 face frame (x out of the face, y to the person's left, z up),
# origin at the sellion. The canonical model is exactly left-right symmetric: the person's right
# half is listed with each point's left twin (MediaPipe index), whose y is the negative.
_MIDLINE: Dict[int, Tuple[float, float, float]] = {
    10: (-0.0075, 0.0000, 0.0499),      # forehead, near the hairline
    151: (-0.0021, 0.0000, 0.0327),     # forehead
    9: (0.0015, 0.0000, 0.0161),        # glabella
    8: (0.0005, 0.0000, 0.0075),
    168: (0.0000, 0.0000, 0.0000),      # sellion: the origin
    6: (0.0055, 0.0000, -0.0080),       # nasal bridge
    197: (0.0108, 0.0000, -0.0154),
    195: (0.0154, 0.0000, -0.0221),
    5: (0.0201, 0.0000, -0.0291),
    4: (0.0235, 0.0000, -0.0373),       # pronasale (most forward nose point)
    1: (0.0224, 0.0000, -0.0440),       # nose tip
    152: (-0.0097, 0.0000, -0.1267),    # chin (menton); not fitted: moves with the jaw
}
_RIGHT_TO_LEFT: Dict[int, Tuple[int, Tuple[float, float, float]]] = {
    109: (338, (-0.0096, -0.0189, 0.0497)),     # forehead
    67: (297, (-0.0151, -0.0352, 0.0473)),
    108: (337, (-0.0031, -0.0162, 0.0333)),
    69: (299, (-0.0071, -0.0306, 0.0330)),
    33: (263, (-0.0206, -0.0445, -0.0061)),     # eye outer corner
    133: (362, (-0.0148, -0.0186, -0.0069)),    # eye inner corner
    159: (386, (-0.0136, -0.0318, -0.0031)),    # upper lid (not fitted)
    145: (374, (-0.0146, -0.0318, -0.0098)),    # lower lid (not fitted)
    3: (248, (0.0140, -0.0046, -0.0232)),       # side of the nose
    51: (281, (0.0186, -0.0048, -0.0298)),
    45: (275, (0.0220, -0.0050, -0.0375)),
    188: (412, (-0.0004, -0.0095, -0.0136)),
    98: (327, (0.0001, -0.0141, -0.0499)),      # nose wing
    129: (358, (-0.0039, -0.0179, -0.0425)),
    117: (346, (-0.0226, -0.0526, -0.0233)),    # below the eye, on the cheekbone
    118: (347, (-0.0171, -0.0443, -0.0255)),
    100: (329, (-0.0094, -0.0234, -0.0270)),
    101: (330, (-0.0112, -0.0333, -0.0317)),
    119: (348, (-0.0136, -0.0330, -0.0241)),
    50: (280, (-0.0170, -0.0477, -0.0397)),     # cheek
    61: (291, (-0.0095, -0.0246, -0.0761)),     # mouth corner; not fitted: moves with the lips
}
# Landmark index -> (x, y, z) metres in the REP-155 face frame, origin at the sellion.
FACE_MODEL: Dict[int, Tuple[float, float, float]] = {
    **_MIDLINE,
    **{right: xyz for right, (_, xyz) in _RIGHT_TO_LEFT.items()},
    **{left: (x, -y, z) for left, (x, y, z) in _RIGHT_TO_LEFT.values()},
}
# Left-right twins (person's right index, left index), for mirroring and tests.
MIRROR_PAIRS: Tuple[Tuple[int, int], ...] = tuple((r, v[0]) for r, v in _RIGHT_TO_LEFT.items())

# The points solvePnP fits: the rigid upper face only (forehead, eye corners, nose, cheekbones),
# 47 of them, as many as that region offers: with sigma 1 px landmark noise on a face 254 px
# wide, the worst angle error over yaw +-60, pitch +-40, roll +-30 was 1.00 deg with 21 of these
# points and 0.56 deg with 47 (10 noise draws). The jaw and the lips move: a 2 cm jaw drop
# (chin 2 cm, mouth corners 1 cm down) pitches a fit that includes chin and mouth corners by
# 6.4 deg, and this set by 0. Eyelids move with blinks and are left out too.
PNP_LANDMARKS: Tuple[int, ...] = (
    10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1,
    109, 338, 67, 297, 108, 337, 69, 299,
    33, 263, 133, 362,
    3, 248, 51, 281, 45, 275, 188, 412, 98, 327, 129, 358,
    117, 346, 118, 347, 100, 329, 101, 330, 119, 348, 50, 280)
MIN_PNP_POINTS = 6

# Refusal thresholds of estimate_head_pose. The real portraits (and their mirror images) fit
# with an RMS error of 1.1 to 2.4 % of the face size (3 to 6 pixels); 6 % leaves room for
# expressions and faces unlike the average one.
# The defaults of the head.* parameters (pose_ros.config is where they are set).
_HEAD = HeadConfig()
MAX_REPROJ_PX = _HEAD.max_reprojection_px
MAX_REPROJ_RATIO = _HEAD.max_reprojection_ratio
BORDER_MARGIN_PX = _HEAD.border_margin_px

# Per eye: outer corner, inner corner, iris centre, upper lid, lower lid.
RIGHT_EYE = (33, 133, 468, 159, 145)
LEFT_EYE = (263, 362, 473, 386, 374)
FACE_MESH_POINTS = 468             # mesh without the 10 iris points
FACE_MESH_IRIS_POINTS = 478        # with refine_landmarks=True

# Distance from the eye's rotation centre to the iris centre: the cornea apex is about
# 13.5 mm in front of the rotation centre and the iris plane 3.6 mm behind the apex.
EYE_ROTATION_RADIUS_M = 0.010

# The head frame of a face looking straight into a camera at the image centre (columns x, y,
# z in the optical frame): x = -camera z, y = camera x, z = -camera y.
FACING_CAMERA = np.array([[0.0, 1.0, 0.0],
                          [0.0, 0.0, -1.0],
                          [-1.0, 0.0, 0.0]])
_CAMERA_UP = np.array([0.0, -1.0, 0.0])


def head_region(body: Keypoints, min_conf: float = 0.3) -> Optional[Tuple[np.ndarray, float]]:
    """
    Return the head's centre (pixels) and size (about the face height, pixels) from a body.

    The centre is the mean of the visible nose, eyes and ears; the size the largest of
    3 x the eye distance, 1.3 x the ear distance and 0.55 x the shoulder width (each about
    a face height, 0.2 m, for an adult facing the camera; a turned head shortens one of them
    only). None when no head point or no size is known.
    """
    def point(name: str) -> Optional[np.ndarray]:
        if not body.schema.has(name):
            return None
        i = body.schema.index(name)
        xy = body.xy[i].astype(np.float64)
        return xy if np.isfinite(xy).all() and float(body.conf[i]) >= min_conf else None

    pts = {n: point(n) for n in ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
                                 'left_shoulder', 'right_shoulder')}
    head = [pts[n] for n in ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear')
            if pts[n] is not None]
    if not head:
        return None
    sizes = []
    for a, b, factor in (('left_eye', 'right_eye', 3.0), ('left_ear', 'right_ear', 1.3),
                         ('left_shoulder', 'right_shoulder', 0.55)):
        if pts[a] is not None and pts[b] is not None:
            sizes.append(factor * float(np.linalg.norm(pts[a] - pts[b])))
    size = max(sizes, default=0.0)
    if not size > 0:
        return None
    return np.mean(head, axis=0), size


def model_points(indices: Iterable[int] = PNP_LANDMARKS) -> np.ndarray:
    """Return the (N, 3) float64 face-model positions (metres, face frame) of ``indices``."""
    return np.array([FACE_MODEL[i] for i in indices], np.float64)


def facing_camera_rotation(position: np.ndarray) -> np.ndarray:
    """
    Return the head frame of a face at ``position`` that looks into the camera.

    3x3, columns x, y, z in the optical frame: x points from ``position`` to the camera's
    optical centre, z is the camera's up made orthogonal to x, y = z cross x. At the image
    centre this is :data:`FACING_CAMERA`.
    """
    p = np.asarray(position, np.float64).reshape(3)
    n = float(np.linalg.norm(p))
    if not math.isfinite(n) or n < 1e-9:
        return FACING_CAMERA.copy()
    x = -p / n
    z = _CAMERA_UP - np.dot(_CAMERA_UP, x) * x
    nz = float(np.linalg.norm(z))
    if nz < 1e-6:      # straight above or below the camera: no defined up, use the optical one
        return FACING_CAMERA.copy()
    z /= nz
    return np.column_stack((x, np.cross(z, x), z))


def head_angles(rotation: np.ndarray, position: np.ndarray) -> Tuple[float, float, float]:
    """
    Return (yaw, pitch, roll) radians of head ``rotation`` at ``position`` (optical frame).

    Measured from facing the camera (see the module docstring): R_ref^T R = Rz(yaw) Ry(pitch)
    Rx(roll).
    """
    rel = facing_camera_rotation(position).T @ np.asarray(rotation, np.float64)
    yaw, pitch, roll = mat2euler(rel, 'rzyx')
    return float(yaw), float(pitch), float(roll)


def rotation_from_angles(yaw: float, pitch: float, roll: float,
                         position: np.ndarray) -> np.ndarray:
    """Return the head rotation (3x3, optical frame) with these angles at ``position``."""
    return facing_camera_rotation(position) @ euler2mat(yaw, pitch, roll, 'rzyx')


def project_face_model(rotation: np.ndarray, position: np.ndarray,
                       intrinsics: CameraIntrinsics,
                       indices: Iterable[int] = tuple(FACE_MODEL)) -> np.ndarray:
    """Return the (N, 2) pixels of the model points ``indices`` for a head pose (for tests)."""
    pts = model_points(indices) @ np.asarray(rotation, np.float64).T
    return project(pts + np.asarray(position, np.float64).reshape(1, 3), intrinsics)


def touches_border(landmarks_px: np.ndarray, width: int, height: int,
                   margin_px: float) -> bool:
    """
    Return whether any face-mesh point lies within ``margin_px`` of the image border or outside.

    Only the 468 mesh points count (the iris points are inside the eyes anyway). MediaPipe
    extrapolates points of a face cut by the border to outside the image, so a half-visible face
    always has some; a non-finite point counts as touching.
    """
    pts = np.asarray(landmarks_px, np.float64)[:FACE_MESH_POINTS]
    if not np.isfinite(pts).all():
        return True
    lo = margin_px
    return bool((pts[:, 0] < lo).any() or (pts[:, 1] < lo).any()
                or (pts[:, 0] > width - 1 - margin_px).any()
                or (pts[:, 1] > height - 1 - margin_px).any())


def face_size_px(landmarks_px: np.ndarray) -> float:
    """Return the diagonal (pixels) of the bounding box of the 468 mesh points (NaN-safe)."""
    pts = np.asarray(landmarks_px, np.float64)[:FACE_MESH_POINTS]
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) < 2:
        return float('nan')
    return float(np.linalg.norm(pts.max(axis=0) - pts.min(axis=0)))


def estimate_head_pose(landmarks_px: np.ndarray, intrinsics: CameraIntrinsics,
                       image_size: Optional[Tuple[int, int]] = None,
                       max_reproj_px: float = MAX_REPROJ_PX,
                       max_reproj_ratio: float = MAX_REPROJ_RATIO,
                       border_margin_px: float = BORDER_MARGIN_PX) -> Optional[Head]:
    """
    Fit the face model to face-mesh landmarks; None rather than an untrustworthy pose.

    :param landmarks_px: (478, 2) or (468, 2) face-mesh pixels in MediaPipe's order (NaN where
        unknown); more columns (the estimator's relative depth) are ignored.
    :param intrinsics: pinhole intrinsics of the image (no distortion: use the rectified image
        or accept the error).
    :param image_size: (width, height) in pixels; defaults to the intrinsics' size.
    :param max_reproj_px: largest RMS reprojection error (pixels) accepted.
    :param max_reproj_ratio: largest RMS reprojection error as a fraction of the face size
        (diagonal of the mesh's bounding box), so near and far faces are judged alike.
    :param border_margin_px: a face with any mesh point closer than this to the image border
        (or outside it) is refused: MediaPipe invents the cut-off part.
    :returns: the Head (gaze not set: see :func:`gaze_from_iris`), or None when the face touches
        the border, fewer than ``MIN_PNP_POINTS`` model points are finite, solvePnP fails or
        puts the face behind the camera, or the reprojection error is too large.
    """
    lm = np.asarray(landmarks_px, np.float64)
    if lm.ndim != 2 or lm.shape[1] < 2 or lm.shape[0] < FACE_MESH_POINTS:
        raise ValueError(f'landmarks_px must be (478, 2) or (468, 2), got {lm.shape}')
    lm = lm[:, :2]
    width, height = image_size if image_size is not None else (intrinsics.width,
                                                               intrinsics.height)
    if touches_border(lm, width, height, border_margin_px):
        return None
    img = lm[list(PNP_LANDMARKS)]
    ok = np.isfinite(img).all(axis=1)
    if ok.sum() < MIN_PNP_POINTS:
        return None
    obj = model_points(PNP_LANDMARKS)[ok]
    img = img[ok]
    k = intrinsics.as_matrix()
    try:
        found, rvec, tvec = cv2.solvePnP(obj, img, k, None, flags=cv2.SOLVEPNP_SQPNP)
        if not found:
            return None
        rvec, tvec = cv2.solvePnPRefineLM(obj, img, k, None, rvec, tvec)
    except cv2.error:
        return None
    rot, _ = cv2.Rodrigues(rvec)
    t = tvec.reshape(3)
    cam = obj @ rot.T + t
    if not np.isfinite(cam).all() or (cam[:, 2] <= 1e-3).any():
        return None
    err = float(np.sqrt(np.mean(np.sum((project(cam, intrinsics) - img) ** 2, axis=1))))
    if not (err <= max_reproj_px and err <= max_reproj_ratio * face_size_px(lm)):
        return None
    yaw, pitch, roll = head_angles(rot, t)
    return Head(position=t.astype(np.float64), quaternion=mat2quat(rot),
                yaw=yaw, pitch=pitch, roll=roll, reprojection_error=err,
                gaze=np.full(3, np.nan), gaze_source=GazeSource.NONE)


def _rotate_toward(a: np.ndarray, b: np.ndarray, angle: float) -> np.ndarray:
    """Return the unit vector ``angle`` radians from unit ``a`` toward unit ``b``."""
    perp = unit(b - np.dot(a, b) * a)
    if perp is None:
        return a.copy()
    return math.cos(angle) * a + math.sin(angle) * perp


def gaze_from_iris(landmarks_px: np.ndarray, head: Head, intrinsics: CameraIntrinsics,
                   min_eye_px: float = _HEAD.min_eye_px, min_eye_openness: float = 0.12,
                   max_eye_angle: float = math.radians(50.0)) -> Tuple[np.ndarray, GazeSource]:
    """
    Return the gaze direction (unit (3,), camera optical frame) and where it came from.

    Per eye (see the module docstring): the observed eye corners, placed at the depth that the
    head pose gives them, fix the eye; its rotation centre is ``EYE_ROTATION_RADIUS_M`` behind
    their midpoint along the head's x axis (so an iris centred between the corners means the
    eye looks along the head's x axis); the iris centre's viewing ray meets the eyeball sphere
    and the centre-to-iris direction is that eye's gaze, limited to ``max_eye_angle`` from the
    head's x axis. The eyes are averaged weighted by their width in pixels (a foreshortened
    eye, turned away, counts less).

    :param landmarks_px: (478, 2) face-mesh pixels with the iris points (refine_landmarks);
        more columns are ignored.
    :param head: the head pose of that face (from :func:`estimate_head_pose`).
    :param intrinsics: the intrinsics the head pose was computed with.
    :param min_eye_px: an eye whose corners are closer (pixels) is not resolvable.
    :param min_eye_openness: lid distance / corner distance below this is a closed eye.
    :param max_eye_angle: largest eye-in-head rotation (radians) reported.
    :returns: (gaze, GazeSource.IRIS), or (the head's x axis, GazeSource.HEAD) when neither eye
        is resolvable (too small, closed, iris points missing or NaN).
    """
    q = unit(np.asarray(head.quaternion, np.float64))
    if q is None:
        return np.full(3, np.nan), GazeSource.NONE
    rot = quat2mat(q)
    x_head = rot[:, 0]
    fallback = (x_head.copy(), GazeSource.HEAD)
    lm = np.asarray(landmarks_px, np.float64)
    position = np.asarray(head.position, np.float64).reshape(3)
    if (lm.ndim != 2 or lm.shape[0] < FACE_MESH_IRIS_POINTS or lm.shape[1] < 2
            or not np.isfinite(position).all()):
        return fallback
    lm = lm[:, :2]
    total = np.zeros(3)
    weight = 0.0
    for outer, inner, iris, upper, lower in (RIGHT_EYE, LEFT_EYE):
        px = lm[[outer, inner, iris, upper, lower]]
        if not np.isfinite(px).all():
            continue
        width = float(np.linalg.norm(px[0] - px[1]))
        if width < min_eye_px or np.linalg.norm(px[3] - px[4]) < min_eye_openness * width:
            continue
        depth = (model_points((outer, inner)) @ rot.T + position)[:, 2]
        if (depth <= 1e-3).any():
            continue
        corners = back_project(px[:2, 0], px[:2, 1], depth, intrinsics)
        centre = corners.mean(axis=0) - EYE_ROTATION_RADIUS_M * x_head
        ray = unit(np.array([(px[2, 0] - intrinsics.cx) / intrinsics.fx,
                             (px[2, 1] - intrinsics.cy) / intrinsics.fy, 1.0]))
        b = float(np.dot(ray, centre))
        disc = b * b - (float(np.dot(centre, centre)) - EYE_ROTATION_RADIUS_M ** 2)
        # The near intersection is the visible iris; a ray that misses the sphere (iris
        # beyond the eyeball's outline) takes its closest approach.
        point = (b - math.sqrt(disc)) * ray if disc >= 0.0 else b * ray
        g = unit(point - centre)
        if g is None:
            continue
        angle = math.acos(max(-1.0, min(1.0, float(np.dot(g, x_head)))))
        if angle > max_eye_angle:
            g = _rotate_toward(x_head, g, max_eye_angle)
        total += width * g
        weight += width
    gaze = unit(total) if weight > 0.0 else None
    if gaze is None:
        return fallback
    return gaze, GazeSource.IRIS
