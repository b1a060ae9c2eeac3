# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The frames of a person in the camera frame: body axes and gaze axes (REP-155).

Pure geometry. ``body_<id>``: origin at the hip midpoint; x out of the person's chest, y to
the person's left, z up (hips toward shoulders). ``gaze_<id>``: optical convention, z along
the gaze, x to the person's right, y down. Rotations are 3x3 matrices whose columns are the
frame's axes in the camera optical frame.
"""

from typing import Optional

import numpy as np
from pose_ros.geometry.vectors import cross, unit
from pose_ros.people import Head, Keypoints
from transforms3d.quaternions import quat2mat

# Body axes of an upright person facing the camera, as columns in the optical frame:
# x = -camera z (toward the camera), y = camera x (person's left), z = -camera y (up).
UPRIGHT_FACING_CAMERA = np.array([[0.0, 1.0, 0.0],
                                  [0.0, 0.0, -1.0],
                                  [-1.0, 0.0, 0.0]])
_CAMERA_DOWN = np.array([0.0, 1.0, 0.0])
_EPS = 1e-6      # shorter vectors have no direction


def body_rotation(body: Keypoints) -> np.ndarray:
    """
    Body axes (3x3, columns x, y, z) in the camera frame from the 3D hips and shoulders.

    z points from the hip midpoint toward the shoulder midpoint, y along the hips toward the
    person's left (made orthogonal to z) and x = y cross z, out of the chest. Without finite
    shoulders z is the camera's up; without usable hips the result is
    ``UPRIGHT_FACING_CAMERA``.
    """
    schema = body.schema
    xyz = body.xyz.astype(np.float64)
    try:
        lh, rh = xyz[schema.index('left_hip')], xyz[schema.index('right_hip')]
        ls, rs = xyz[schema.index('left_shoulder')], xyz[schema.index('right_shoulder')]
    except KeyError:
        return UPRIGHT_FACING_CAMERA.copy()
    z = unit((ls + rs) / 2 - (lh + rh) / 2, _EPS)
    if z is None:
        z = -_CAMERA_DOWN
    lateral = lh - rh
    if not np.isfinite(lateral).all():
        lateral = ls - rs
    y = unit(lateral - np.dot(lateral, z) * z, _EPS)
    if y is None:
        return UPRIGHT_FACING_CAMERA.copy()
    return np.column_stack((cross(y, z), y, z))


def gaze_rotation(head: Head) -> Optional[np.ndarray]:
    """
    Gaze frame axes (3x3, columns x, y, z) in the camera frame, optical convention.

    z along the gaze (the head's x axis when there is no finite gaze), y down: opposite to the
    head's up axis made orthogonal to z, x = y cross z (the person's right). ``None`` when the
    head orientation is unusable.
    """
    q = unit(np.asarray(head.quaternion, np.float64), _EPS)
    if q is None:
        return None
    r_head = quat2mat(q)
    z = unit(np.asarray(head.gaze, np.float64), _EPS)
    if z is None:
        z = r_head[:, 0]
    down = -r_head[:, 2]
    y = unit(down - np.dot(down, z) * z, _EPS)
    if y is None:   # looking straight up or down: use the camera's down instead
        y = unit(_CAMERA_DOWN - np.dot(_CAMERA_DOWN, z) * z, _EPS)
        if y is None:
            return None
    return np.column_stack((cross(y, z), y, z))
