# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The pinhole camera: intrinsics from CameraInfo, projection and back-projection.

Pure geometry (numpy only). Points are in the camera OPTICAL frame (x right, y down, z
forward), the ``frame_id`` of the camera image; pixel coordinates follow the OpenCV / ROS
convention: the centre of pixel (0, 0) is at (0.0, 0.0).
"""

from dataclasses import dataclass
import math
from math import isfinite
from typing import Any, Optional

import numpy as np


# Plausible fields of view of a CameraInfo, degrees: a pinhole K outside this range is a
# calibration in the wrong units or of another image (fx 1e-300 or 1e300 were seen).
MIN_FOV_DEG = 1.0
MAX_FOV_DEG = 170.0


@dataclass(frozen=True)
class CameraIntrinsics:
    """Pinhole intrinsics (pixels) of an image of ``width`` x ``height`` pixels."""

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int

    def __post_init__(self) -> None:
        for name in ('fx', 'fy'):
            value = getattr(self, name)
            if not (isfinite(value) and value > 0):
                raise ValueError(f'camera intrinsics: {name} must be finite and > 0, '
                                 f'got {value}')
        for name in ('cx', 'cy'):
            if not isfinite(getattr(self, name)):
                raise ValueError(f'camera intrinsics: {name} must be finite, '
                                 f'got {getattr(self, name)}')
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f'camera intrinsics: image size must be positive, '
                             f'got {self.width}x{self.height}')

    @classmethod
    def from_camera_info(cls, msg: Any) -> 'CameraIntrinsics':
        """
        Build from a sensor_msgs/CameraInfo (duck-typed: ``k``, ``width``, ``height``).

        ``k`` is the row-major 3x3 camera matrix. Raises ValueError when the message carries
        no calibration (an uncalibrated camera publishes K all zeros) or an implausible one:
        a field of view outside :data:`MIN_FOV_DEG`..:data:`MAX_FOV_DEG` on either axis (from
        a telephoto lens to a fisheye), or a principal point outside the image.
        """
        k = np.asarray(msg.k, dtype=np.float64).reshape(-1)
        if k.size != 9:
            raise ValueError(f'CameraInfo.k must have 9 elements, got {k.size}')
        fx, cx, fy, cy = float(k[0]), float(k[2]), float(k[4]), float(k[5])
        if not (isfinite(fx) and isfinite(fy) and fx > 0 and fy > 0):
            raise ValueError(
                f'CameraInfo has no valid calibration: K = {k.tolist()} (fx={fx}, fy={fy}); '
                'fx and fy must be finite and > 0. Is the camera calibrated, and is this the '
                'camera_info of the colour image?')
        width, height = int(msg.width), int(msg.height)
        if width <= 0 or height <= 0:
            raise ValueError(f'CameraInfo has image size {width}x{height}: width and height '
                             'must be the calibrated image size in pixels')
        for name, f, side in (('fx', fx, width), ('fy', fy, height)):
            fov = math.degrees(2.0 * math.atan2(side / 2.0, f))
            if not MIN_FOV_DEG <= fov <= MAX_FOV_DEG:
                raise ValueError(
                    f'CameraInfo K has {name}={f:.6g} for an image {side} px '
                    f'{"wide" if name == "fx" else "high"}: a field of view of {fov:.3g} '
                    f'degrees, outside the plausible {MIN_FOV_DEG:g}..{MAX_FOV_DEG:g}; is K in '
                    'pixels of this image size, and is this the camera_info of the colour '
                    'image?')
        if not (0.0 <= cx <= width and 0.0 <= cy <= height):
            raise ValueError(f'CameraInfo K puts the principal point at ({cx:.6g}, {cy:.6g}), '
                             f'outside the {width}x{height} image: is K for this image size?')
        return cls(fx=fx, fy=fy, cx=cx, cy=cy, width=width, height=height)

    @classmethod
    def for_image(cls, msg: Any, width: int, height: int) -> 'CameraIntrinsics':
        """
        Return the intrinsics of a CameraInfo for an image of ``width`` x ``height``.

        A camera that publishes a resized image with the calibration of the full one (or the
        reverse) is common: the intrinsics are scaled to the image.

        :raises ValueError: the CameraInfo is unusable (see :meth:`from_camera_info`).
        """
        intrinsics = cls.from_camera_info(msg)
        if (intrinsics.width, intrinsics.height) != (width, height):
            intrinsics = intrinsics.scaled(width, height)
        return intrinsics

    def scaled(self, width: int, height: int) -> 'CameraIntrinsics':
        """
        Return the intrinsics of the same camera for the image resized to ``width`` x ``height``.

        Uses the pixel-centre convention of cv2.resize: u' = (u + 0.5) * s - 0.5.
        """
        if width <= 0 or height <= 0:
            raise ValueError(f'scaled: size must be positive, got {width}x{height}')
        sx = width / self.width
        sy = height / self.height
        return CameraIntrinsics(fx=self.fx * sx, fy=self.fy * sy,
                                cx=(self.cx + 0.5) * sx - 0.5, cy=(self.cy + 0.5) * sy - 0.5,
                                width=int(width), height=int(height))

    def as_matrix(self) -> np.ndarray:
        """Return the 3x3 camera matrix K (float64)."""
        return np.array([[self.fx, 0.0, self.cx],
                         [0.0, self.fy, self.cy],
                         [0.0, 0.0, 1.0]], dtype=np.float64)


def back_project(u, v, z, intrinsics: CameraIntrinsics) -> np.ndarray:
    """
    Back-project pixels (u, v) at depth z (metres) to 3D points in the optical frame.

    Pinhole model: X = (u - cx) z / fx, Y = (v - cy) z / fy, Z = z. Inputs broadcast against
    each other; returns float64 of shape ``broadcast + (3,)``. NaN in any input makes the
    whole point NaN.
    """
    u, v, z = np.broadcast_arrays(np.asarray(u, np.float64), np.asarray(v, np.float64),
                                  np.asarray(z, np.float64))
    x = (u - intrinsics.cx) * z / intrinsics.fx
    y = (v - intrinsics.cy) * z / intrinsics.fy
    xyz = np.stack([x, y, z], axis=-1)
    # A point is known entirely or not at all: never a half-NaN point.
    xyz[np.isnan(xyz).any(axis=-1)] = np.nan
    return xyz


def project(points: np.ndarray, intrinsics: CameraIntrinsics) -> Optional[np.ndarray]:
    """
    Project (N, 3) optical-frame points to (N, 2) pixels; None if any is unknown or behind.

    The inverse of :func:`back_project`: u = fx X / Z + cx, v = fy Y / Z + cy. A point less
    than 1 mm in front of the camera has no image.
    """
    points = np.asarray(points, np.float64).reshape(-1, 3)
    z = points[:, 2]
    if not np.isfinite(points).all() or (z < 1e-3).any():
        return None
    return np.stack([intrinsics.fx * points[:, 0] / z + intrinsics.cx,
                     intrinsics.fy * points[:, 1] / z + intrinsics.cy], axis=1)


def default_intrinsics(width: int, height: int) -> CameraIntrinsics:
    """
    Intrinsics to use when there is no CameraInfo: fx = fy = width (53 deg horizontal FOV).

    The principal point is the image centre. Angles stay good (they barely depend on the focal
    length for a face near the image centre) but the head's distance scales with the true
    focal length, so translation is then only approximate.
    """
    return CameraIntrinsics(fx=float(width), fy=float(width), cx=(width - 1) / 2.0,
                            cy=(height - 1) / 2.0, width=int(width), height=int(height))
