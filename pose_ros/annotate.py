# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Draw pose results on a BGR image with OpenCV, for the annotated image topic and the tools.

Pure: numpy, OpenCV and transforms3d only, no ROS. Per person: bounding box with an
'id N score' label, skeleton and joints in the track's colour (pose_ros.colors, the same as
the RViz markers), hands, head axes (x red, y green, z blue; needs the intrinsics to project
them) and a yellow gaze ray; plus one line of per-stage timings in the top-left corner.
Only keypoints with finite pixels and confidence >= ``min_conf`` are drawn.
"""

import math
from typing import Any, Optional, Tuple

import cv2

import numpy as np

from pose_ros.colors import track_color_bgr
from pose_ros.geometry.camera import project
from pose_ros.geometry.face_mesh import face68
from pose_ros.people import Face, FrameResult, Head, Keypoints, Person
from pose_ros.schemas import FACE478

from transforms3d.quaternions import quat2mat

Color = Tuple[int, int, int]

AXIS_COLORS: Tuple[Color, Color, Color] = ((0, 0, 255), (0, 255, 0), (255, 0, 0))
GAZE_COLOR: Color = (0, 255, 255)
HEAD_AXIS_LENGTH = 0.1      # metres
GAZE_LENGTH = 0.4           # metres, when projected with the intrinsics
GAZE_LENGTH_BBOX = 0.35     # fraction of the bbox height, for the 2D fallback


def _visible(kp: Keypoints, min_conf: float) -> np.ndarray:
    ok = np.isfinite(kp.xy).all(axis=1)
    with np.errstate(invalid='ignore'):
        return ok & (np.nan_to_num(kp.conf, nan=-np.inf) >= min_conf)


def _int_points(xy: np.ndarray, limit: int) -> list:
    # Clip before the int cast: a wild keypoint must not overflow OpenCV's int coordinates.
    return np.clip(np.nan_to_num(xy), -limit, limit).round().astype(np.int32).tolist()


def _draw_skeleton(img: np.ndarray, kp: Keypoints, min_conf: float, color: Color,
                   thickness: int, radius: int, limit: int) -> None:
    vis = _visible(kp, min_conf)
    if not vis.any():
        return
    pts = _int_points(kp.xy, limit)
    vis_l = vis.tolist()
    for a, b in kp.schema.edge_indices:
        if vis_l[a] and vis_l[b]:
            cv2.line(img, pts[a], pts[b], color, thickness, cv2.LINE_AA)
    for p, ok in zip(pts, vis_l):
        if ok:
            cv2.circle(img, p, radius, color, -1, cv2.LINE_AA)


TINT = 0.4


def _tint_people(img: np.ndarray, result: FrameResult) -> None:
    """Tint each segmented person's pixels with their track colour."""
    labels = result.person_labels
    colors = np.array([(0, 0, 0)] + [track_color_bgr(p.track_id) for p in result.people],
                      np.float32)
    person = labels > 0
    if not person.any():
        return
    index = np.minimum(labels[person], len(result.people))
    img[person] = ((1.0 - TINT) * img[person] + TINT * colors[index]).astype(np.uint8)


def _draw_face(img: np.ndarray, face: Face, color: Color, limit: int) -> None:
    """Draw the face's 68-point outline (brows, eyes, nose, lips, jaw), one pixel wide."""
    kp = face.keypoints
    if kp is None:
        return
    if kp.schema == FACE478:
        kp = face68(kp)
    vis = np.isfinite(kp.xy).all(axis=1).tolist()
    pts = _int_points(kp.xy, limit)
    for a, b in kp.schema.edge_indices:
        if vis[a] and vis[b]:
            cv2.line(img, pts[a], pts[b], color, 1, cv2.LINE_AA)


def _text(img: np.ndarray, text: str, org: Tuple[int, int], scale: float,
          color: Color = (255, 255, 255)) -> None:
    # Dark outline first so the text reads on any background.
    thick = max(1, int(round(scale * 2)))
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick + 2,
                cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thick, cv2.LINE_AA)


def _label(person: Person) -> str:
    tid = 'id -' if person.track_id < 0 else f'id {person.track_id}'
    score = float(person.score)
    return f'{tid} {score:.2f}' if math.isfinite(score) else tid


def _draw_box_and_label(img: np.ndarray, person: Person, vis: np.ndarray, color: Color,
                        thickness: int, scale: float, limit: int) -> None:
    box = np.asarray(person.bbox, np.float64).reshape(4)
    if np.isfinite(box).all():
        p0, p1 = _int_points(box.reshape(2, 2), limit)
        cv2.rectangle(img, p0, p1, color, thickness, cv2.LINE_AA)
        anchor = tuple(p0)
    elif vis.any():
        # No box: put the label above the highest visible keypoint.
        xy = person.body.xy[vis]
        top = int(np.argmin(xy[:, 1]))
        anchor = tuple(_int_points(xy[top:top + 1], limit)[0])
    else:
        return
    text = _label(person)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    x, y = anchor[0], max(anchor[1], th + base + 2)
    cv2.rectangle(img, (x, y - th - base - 2), (x + tw + 4, y), color, -1)
    cv2.putText(img, text, (x + 2, y - base), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1,
                cv2.LINE_AA)


def _gaze_vector(head: Head, rot: Optional[np.ndarray]) -> Optional[np.ndarray]:
    g = np.asarray(head.gaze, np.float64)
    n = float(np.linalg.norm(g))
    if math.isfinite(n) and n > 1e-6:
        return g / n
    return None if rot is None else rot[:, 0]    # no gaze: the head's x axis, out of the face


def _head_rotation(head: Head) -> Optional[np.ndarray]:
    q = np.asarray(head.quaternion, np.float64)
    n = float(np.linalg.norm(q))
    if not math.isfinite(n) or n < 1e-6:
        return None
    return quat2mat(q / n)


def _draw_head(img: np.ndarray, person: Person, min_conf: float, intrinsics: Any,
               thickness: int, limit: int) -> None:
    head = person.head
    rot = _head_rotation(head)
    gaze = _gaze_vector(head, rot)
    origin = np.asarray(head.position, np.float64).reshape(3)
    if intrinsics is not None:
        ends = [origin]
        if rot is not None:
            ends += [origin + HEAD_AXIS_LENGTH * rot[:, k] for k in range(3)]
        if gaze is not None:
            ends.append(origin + GAZE_LENGTH * gaze)
        uv = project(np.array(ends), intrinsics)
        if uv is None:
            return
        pts = _int_points(uv, limit)
        if rot is not None:
            for k in range(3):
                cv2.line(img, pts[0], pts[k + 1], AXIS_COLORS[k], thickness, cv2.LINE_AA)
        if gaze is not None:
            cv2.arrowedLine(img, pts[0], pts[-1], GAZE_COLOR, thickness, cv2.LINE_AA,
                            tipLength=0.15)
        return
    # No intrinsics: a 2D gaze hint from the nose, the gaze's image-plane component scaled
    # by the box height (orthographic approximation).
    body = person.body
    if gaze is None or not body.schema.has('nose'):
        return
    i = body.schema.index('nose')
    if not _visible(body, min_conf)[i]:
        return
    box = np.asarray(person.bbox, np.float64).reshape(4)
    size = box[3] - box[1] if np.isfinite(box).all() else img.shape[0] / 4
    start = body.xy[i].astype(np.float64)
    end = start + GAZE_LENGTH_BBOX * size * gaze[:2]
    p0, p1 = _int_points(np.stack([start, end]), limit)
    if p0 != p1:
        cv2.arrowedLine(img, p0, p1, GAZE_COLOR, thickness, cv2.LINE_AA, tipLength=0.2)


def _timings_text(result: FrameResult) -> str:
    n = len(result.people)
    head = f'{result.backend} {n} {"person" if n == 1 else "people"}'
    if not result.timings_ms:
        return head
    stages = ' '.join(f'{k} {v:.1f}' for k, v in result.timings_ms.items())
    return f'{head} | {stages} ms'


def draw_frame(bgr: np.ndarray, result: FrameResult, min_conf: float = 0.3, copy: bool = True,
               intrinsics: Optional[Any] = None) -> np.ndarray:
    """
    Draw ``result`` on a BGR uint8 image and return it.

    ``copy=False`` draws in place (``bgr`` must then be a writable, C-contiguous array) and
    returns ``bgr`` itself. ``intrinsics`` (anything with fx, fy, cx, cy, e.g.
    depth_lifting.CameraIntrinsics) lets the head axes and the gaze ray be projected; without
    it the gaze is drawn as a 2D hint from the nose and the head axes are left out.
    """
    img = bgr.copy() if copy else bgr
    h, w = img.shape[:2]
    limit = 4 * max(h, w, 1)
    thickness = max(1, int(round(min(h, w) / 320)))
    radius = thickness + 2
    scale = max(0.4, min(h, w) / 1000)
    if result.person_labels is not None and result.person_labels.shape == (h, w):
        _tint_people(img, result)
    for person in result.people:
        color = track_color_bgr(person.track_id)
        _draw_skeleton(img, person.body, min_conf, color, thickness, radius, limit)
        for hand in person.hands:
            _draw_skeleton(img, hand.keypoints, min_conf, color, max(1, thickness - 1),
                           max(1, radius - 2), limit)
        if person.face is not None:
            _draw_face(img, person.face, color, limit)
        if person.head is not None:
            _draw_head(img, person, min_conf, intrinsics, thickness, limit)
        _draw_box_and_label(img, person, _visible(person.body, min_conf), color, thickness,
                            scale, limit)
    _text(img, _timings_text(result), (8, int(8 + 22 * scale)), scale)
    return img


FALL_COLOR: Color = (0, 0, 255)


def activity_lines(person: Any) -> Tuple[str, ...]:
    """Return the text lines drawn for one person's activity (PersonActivity or its message)."""
    lines = []
    if person.fallen:
        lines.append('FALLEN')
    if person.exercise:
        progress = float(person.progress)
        where = f' {person.phase} {progress:.0%}' if person.phase and math.isfinite(progress) \
            else ''
        lines.append(f'{person.exercise} {person.repetitions}{where}')
    if person.steps:
        cadence = float(person.cadence)
        pace = f' ({cadence:.0f}/min)' if math.isfinite(cadence) else ''
        lines.append(f'steps {person.steps}{pace}')
    return tuple(lines)


def draw_activity(bgr: np.ndarray, people: Any, copy: bool = True) -> np.ndarray:
    """
    Draw each person's counts under their box: repetitions and phase, steps, and a fall.

    ``people``: PersonActivity objects or pose_ros_msgs/PersonActivity messages (both have the
    same fields). A fallen person's box is drawn red.
    """
    img = bgr.copy() if copy else bgr
    h, w = img.shape[:2]
    scale = max(0.4, min(1.2, h / 900.0))
    step = int(round(28 * scale))
    for person in people:
        box = np.asarray(person.bbox, np.float64).reshape(4)
        if not np.isfinite(box).all():
            continue
        color = FALL_COLOR if person.fallen else track_color_bgr(int(person.track_id))
        p0, p1 = _int_points(box.reshape(2, 2), max(h, w) * 4)
        if person.fallen:
            cv2.rectangle(img, p0, p1, FALL_COLOR, max(2, int(4 * scale)), cv2.LINE_AA)
        x = int(np.clip(p0[0], 0, w - 1))
        y = int(np.clip(p1[1] + step, step, h - 4))
        for line in activity_lines(person):
            _text(img, line, (x, y), scale, FALL_COLOR if line == 'FALLEN' else color)
            y = min(y + step, h - 4)
    return img
