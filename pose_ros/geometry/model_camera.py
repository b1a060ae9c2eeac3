# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
A model's metric skeleton placed in the camera frame without depth (``MODEL_CAMERA``).

BlazePose's world landmarks and MediaPipe's hand world landmarks are metres around a root
(hip midpoint, wrist) with axes parallel to the camera's; what they lack is where the root
is. The translation that makes the metric points project onto the model's own 2D points
through the CameraInfo intrinsics is linear in the unknowns: for a point (X, Y, Z) seen at
pixel (u, v), ``fx (X + tx) = (u - cx)(Z + tz)`` and ``fy (Y + ty) = (v - cy)(Z + tz)``. It is
solved by weighted least squares over the visible points. Only the translation is fitted
(a full PnP would also turn the skeleton, which the model already gives in camera axes, and
is less stable with 2D and 3D from one network).
"""

from typing import Optional, Tuple

import numpy as np
from pose_ros.geometry.camera import CameraIntrinsics, project
from pose_ros.people import Keypoints, PositionSource

MIN_POINTS = 4              # visible points needed for a fit
MIN_CONFIDENCE = 0.5        # points below this do not take part
MAX_RMS_FRACTION = 0.15     # a fit worse than this (RMS px / skeleton extent px) is refused


def camera_translation(xy: np.ndarray, xyz: np.ndarray, intrinsics: CameraIntrinsics,
                       weights: np.ndarray) -> Optional[Tuple[np.ndarray, float]]:
    """
    Return the translation (metres) placing ``xyz`` in the camera frame, and its RMS error (px).

    :param xy: (N, 2) pixels; ``xyz``: (N, 3) metres, axes of the camera; NaN for unknown.
    :param weights: (N,) >= 0; points with weight 0 or non-finite values are left out.
    :return: None with fewer than :data:`MIN_POINTS` usable points, or when the fit puts a
        point behind the camera.
    """
    xy = np.asarray(xy, np.float64)
    xyz = np.asarray(xyz, np.float64)
    w = np.asarray(weights, np.float64)
    use = np.isfinite(xy).all(1) & np.isfinite(xyz).all(1) & np.isfinite(w) & (w > 0)
    if use.sum() < MIN_POINTS:
        return None
    (u, v), (x, y, z), s = xy[use].T, xyz[use].T, np.sqrt(w[use])
    k = intrinsics
    du, dv, zero = u - k.cx, v - k.cy, np.zeros_like(u)
    a = np.concatenate([np.stack([np.full_like(u, k.fx), zero, -du], 1),
                        np.stack([zero, np.full_like(v, k.fy), -dv], 1)])
    b = np.concatenate([du * z - k.fx * x, dv * z - k.fy * y])
    sw = np.concatenate([s, s])
    t, *_ = np.linalg.lstsq(a * sw[:, None], b * sw, rcond=None)
    reprojected = project(xyz[use] + t, intrinsics)
    if reprojected is None:                     # a point behind the camera
        return None
    rms = float(np.sqrt(np.mean(np.sum((reprojected - xy[use]) ** 2, axis=1))))
    return t, rms


def place_in_camera(keypoints: Keypoints, intrinsics: CameraIntrinsics,
                    min_confidence: float = MIN_CONFIDENCE) -> Keypoints:
    """
    Return ``keypoints`` with its ``MODEL_ROOT`` 3D moved into the camera frame.

    Unchanged (a copy is not made) when the skeleton has no model 3D, too few confident
    points, or the fit is poor (RMS reprojection error above :data:`MAX_RMS_FRACTION` of the
    skeleton's extent in the image).
    """
    if keypoints.position_source != PositionSource.MODEL_ROOT:
        return keypoints
    weights = np.where(keypoints.conf >= min_confidence, keypoints.conf, 0.0)
    fit = camera_translation(keypoints.xy, keypoints.xyz, intrinsics, weights)
    if fit is None:
        return keypoints
    t, rms = fit
    seen = keypoints.xy[(weights > 0) & np.isfinite(keypoints.xy).all(1)]
    extent = float(np.max(seen.max(0) - seen.min(0))) if len(seen) else 0.0
    if not extent > 0 or rms > MAX_RMS_FRACTION * extent:
        return keypoints
    xyz = (keypoints.xyz.astype(np.float64) + t).astype(np.float32)
    return Keypoints(keypoints.schema, keypoints.xy.copy(), keypoints.conf.copy(), xyz,
                     PositionSource.MODEL_CAMERA)
