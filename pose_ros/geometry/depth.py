# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Lift 2D keypoints to 3D with an aligned depth image and pinhole intrinsics.

The depth image must be registered (aligned) to the colour image the keypoints were found
in: same size, same intrinsics, pixel (u, v) of the depth image sees what pixel (u, v) of
the colour image sees (e.g. RealSense ``aligned_depth_to_color``). Depth is float metres
here; converting 16UC1 millimetres or 32FC1 metres is the caller's job.

3D points are in the camera OPTICAL frame (x right, y down, z forward), which is the
``frame_id`` of the camera image. Pixel coordinates follow the OpenCV / ROS convention:
the centre of pixel (0, 0) is at (0.0, 0.0).
"""

from typing import Optional, Sequence

import numpy as np

from pose_ros.config import DepthConfig
from pose_ros.geometry.camera import back_project, CameraIntrinsics
from pose_ros.people import Keypoints, PositionSource

_DEPTH = DepthConfig()        # the depth.* parameters' defaults


def _as_depth_2d(depth_m: np.ndarray) -> np.ndarray:
    depth = np.asarray(depth_m)
    if depth.ndim == 3 and depth.shape[2] == 1:
        depth = depth[:, :, 0]
    if depth.ndim != 2:
        raise ValueError(f'depth image must be (H, W) or (H, W, 1), got shape {depth.shape}')
    if not np.issubdtype(depth.dtype, np.floating):
        # An integer image here is almost certainly 16UC1 millimetres: refuse rather than
        # produce points 1000x too far away.
        raise TypeError(f'depth image must be floating-point metres, got {depth.dtype}; '
                        'convert 16UC1 millimetres with depth.astype(np.float32) * 0.001')
    return depth


def sample_depth(depth_m: np.ndarray, uv, window: int = _DEPTH.window,
                 min_valid: int = 1) -> np.ndarray:
    """
    Return a robust depth (metres) at each pixel: the median of the valid depths around it.

    :param depth_m: (H, W) float depth in metres, registered (aligned) to the image ``uv``
        refers to. Valid depths are finite and > 0; zeros (no return) and NaN are holes.
    :param uv: (N, 2) pixel coordinates (float, rounded to the nearest pixel).
    :param window: odd side length of the square neighbourhood, clipped to the image.
    :param min_valid: fewest valid pixels in the neighbourhood for a result.
    :return: (N,) float64 depths; NaN where u or v is NaN or outside the image, or where
        fewer than ``min_valid`` pixels of the neighbourhood are valid.
    :raises ValueError: for an even or non-positive window, or min_valid < 1.
    :raises TypeError: for a depth image that is not floating point (e.g. raw 16UC1 mm).
    """
    if window < 1 or window % 2 == 0:
        raise ValueError(f'window must be a positive odd number, got {window}')
    if min_valid < 1:
        raise ValueError(f'min_valid must be >= 1, got {min_valid}')
    depth = _as_depth_2d(depth_m)
    h, w = depth.shape
    uv = np.asarray(uv, np.float64).reshape(-1, 2)
    out = np.full(len(uv), np.nan)

    # floor(x + 0.5): round half up, so a pixel's area is [i - 0.5, i + 0.5).
    with np.errstate(invalid='ignore'):
        ui = np.floor(uv[:, 0] + 0.5)
        vi = np.floor(uv[:, 1] + 0.5)
        inside = (np.isfinite(ui) & np.isfinite(vi)
                  & (ui >= 0) & (ui < w) & (vi >= 0) & (vi < h))
    if not inside.any():
        return out

    half = window // 2
    offsets = np.arange(-half, half + 1)
    uu = ui[inside].astype(np.intp)[:, None, None] + offsets[None, None, :]   # (M, 1, win)
    vv = vi[inside].astype(np.intp)[:, None, None] + offsets[None, :, None]   # (M, win, 1)
    in_image = (uu >= 0) & (uu < w) & (vv >= 0) & (vv < h)                     # (M, win, win)
    values = depth[np.clip(vv, 0, h - 1), np.clip(uu, 0, w - 1)].astype(np.float64)
    with np.errstate(invalid='ignore'):
        valid = in_image & np.isfinite(values) & (values > 0)
    m = len(values)
    # Median of the valid values per row without np.nanmedian (slow): invalid -> +inf sorts
    # them last, then average the two middle valid ones (the same one for an odd count).
    values = np.sort(np.where(valid, values, np.inf).reshape(m, -1), axis=1)
    count = valid.reshape(m, -1).sum(axis=1)
    rows = np.arange(m)
    lo = values[rows, np.maximum(count - 1, 0) // 2]
    hi = values[rows, count // 2]
    with np.errstate(invalid='ignore'):   # rows with no valid value: inf, masked below
        out[inside] = np.where(count >= min_valid, 0.5 * (lo + hi), np.nan)
    return out


def check_depth_matches(depth_shape: Sequence[int], image_width: int,
                        image_height: int) -> Optional[str]:
    """
    Return why an aligned depth image cannot be used with the image, or None if it can.

    The depth must be registered to the colour image, so it must have the image's size.
    The caller should warn with the returned reason and publish 2D only.
    """
    shape = tuple(int(s) for s in depth_shape)
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] != 1):
        return (f'depth image has shape {shape}; expected a single-channel image '
                'registered to the colour image')
    dh, dw = shape[0], shape[1]
    if (dw, dh) != (int(image_width), int(image_height)):
        return (f'aligned depth is {dw}x{dh} but the image is {image_width}x{image_height}; '
                'depth must be registered (aligned) to the colour image, e.g. the '
                'aligned_depth_to_color topic')
    return None


def lift_keypoints(keypoints: Keypoints, depth_m: np.ndarray, intrinsics: CameraIntrinsics,
                   window: int = _DEPTH.window, min_depth: float = _DEPTH.min,
                   max_depth: float = _DEPTH.max) -> Keypoints:
    """
    Return a copy of ``keypoints`` with xyz from the aligned depth image.

    :param keypoints: keypoints in pixels of the colour image.
    :param depth_m: (H, W) float depth in metres, registered (aligned) to the colour image,
        so of the size in ``intrinsics``; zeros and NaN are holes.
    :param intrinsics: intrinsics of the colour image.
    :param window: odd side of the neighbourhood whose median valid depth is used.
    :param min_depth: nearer depths (metres) give NaN.
    :param max_depth: farther depths (metres) give NaN.
    :return: new Keypoints of the same length: xy and conf copied, xyz in metres in the
        camera optical frame (NaN where unknown), position_source DEPTH.
    :raises ValueError: when the depth image's size differs from the intrinsics' image
        size (check with check_depth_matches first to fall back to 2D).
    """
    depth = _as_depth_2d(depth_m)
    reason = check_depth_matches(depth.shape, intrinsics.width, intrinsics.height)
    if reason is not None:
        raise ValueError(reason)
    xy = np.asarray(keypoints.xy, np.float64).reshape(-1, 2)
    z = sample_depth(depth, xy, window=window)
    with np.errstate(invalid='ignore'):
        z[(z < min_depth) | (z > max_depth)] = np.nan
    # Back-project the sub-pixel keypoint, not the rounded pixel the depth came from.
    xyz = back_project(xy[:, 0], xy[:, 1], z, intrinsics).astype(np.float32)
    return Keypoints(keypoints.schema, np.array(keypoints.xy, np.float32, copy=True),
                     np.array(keypoints.conf, np.float32, copy=True), xyz,
                     PositionSource.DEPTH)


def validate_depth_settings(window: int, min_depth: float, max_depth: float) -> None:
    """Raise ValueError unless ``window`` is odd and positive and 0 <= min_depth < max_depth."""
    if window < 1 or window % 2 == 0:
        raise ValueError(f'depth_window must be a positive odd number, got {window}')
    if not 0.0 <= min_depth < max_depth:
        raise ValueError(f'need 0 <= min_depth < max_depth, got {min_depth}, {max_depth}')
