# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Exact-geometry tests of depth lifting on synthetic depth images."""

from types import SimpleNamespace

import numpy as np

from pose_ros.geometry.camera import back_project
from pose_ros.geometry.camera import CameraIntrinsics
from pose_ros.geometry.depth import check_depth_matches
from pose_ros.geometry.depth import lift_keypoints
from pose_ros.geometry.depth import sample_depth
from pose_ros.people import Keypoints, PositionSource
from pose_ros.schemas import COCO17

import pytest

INTR = CameraIntrinsics(fx=525.0, fy=525.0, cx=319.5, cy=239.5, width=640, height=480)

# A COCO17 skeleton relative to its hips (metres, optical axes: x right, y down, z forward).
# Face points are spread wider than a real face so their pixels stay >= 8 px apart at 4 m;
# the left arm reaches 0.4 m towards the camera, the right knee 0.1 m.
SKELETON = np.array([
    [0.00, -0.62, -0.10],   # nose
    [0.07, -0.70, -0.08],   # left_eye
    [-0.07, -0.70, -0.08],  # right_eye
    [0.15, -0.66, 0.00],    # left_ear
    [-0.15, -0.66, 0.00],   # right_ear
    [0.20, -0.45, 0.00],    # left_shoulder
    [-0.20, -0.45, 0.00],   # right_shoulder
    [0.42, -0.40, -0.20],   # left_elbow
    [-0.45, -0.40, 0.05],   # right_elbow
    [0.62, -0.38, -0.40],   # left_wrist
    [-0.70, -0.36, 0.05],   # right_wrist
    [0.12, 0.00, 0.00],     # left_hip
    [-0.12, 0.00, 0.00],    # right_hip
    [0.14, 0.45, 0.00],     # left_knee
    [-0.14, 0.45, -0.10],   # right_knee
    [0.15, 0.85, 0.00],     # left_ankle
    [-0.15, 0.85, 0.00],    # right_ankle
])

ROOT_DEPTHS = (1.9, 2.8, 4.0)   # joints span about 1.5 m to 4 m


def project(points: np.ndarray, intr: CameraIntrinsics = INTR) -> np.ndarray:
    return np.stack([intr.fx * points[:, 0] / points[:, 2] + intr.cx,
                     intr.fy * points[:, 1] / points[:, 2] + intr.cy], axis=1)


def skeleton_at(root_z: float) -> np.ndarray:
    return SKELETON + np.array([0.1, 0.0, root_z])


def render_depth(points: np.ndarray, tilted: bool, intr: CameraIntrinsics = INTR,
                 background: float = 0.0) -> np.ndarray:
    """
    Render float32 depth (m) where every pixel sees the surface of its nearest keypoint.

    Each keypoint lies on a plane through it: fronto-parallel, or tilted by up to ~35 deg
    with the depth computed exactly per pixel (ray-plane intersection). Pixels farther than
    12 px from every keypoint get ``background``.
    """
    rng = np.random.default_rng(7)
    normals = np.tile([0.0, 0.0, -1.0], (len(points), 1))
    if tilted:
        normals[:, :2] = rng.uniform(-0.7, 0.7, size=(len(points), 2))
    uv = project(points, intr)
    vs, us = np.mgrid[0:intr.height, 0:intr.width].astype(np.float64)
    rays = np.stack([(us - intr.cx) / intr.fx, (vs - intr.cy) / intr.fy, np.ones_like(us)],
                    axis=-1)                                                # (H, W, 3)
    dist2 = (us[..., None] - uv[:, 0]) ** 2 + (vs[..., None] - uv[:, 1]) ** 2   # (H, W, N)
    nearest = np.argmin(dist2, axis=-1)
    n = normals[nearest]                                                    # (H, W, 3)
    p = points[nearest]
    depth = np.sum(n * p, axis=-1) / np.sum(n * rays, axis=-1)
    depth[np.min(dist2, axis=-1) > 12.0 ** 2] = background
    return depth.astype(np.float32)


def make_keypoints(uv: np.ndarray) -> Keypoints:
    return Keypoints.from_arrays(COCO17, uv, np.linspace(0.5, 1.0, len(uv)))


@pytest.fixture(params=ROOT_DEPTHS, ids=lambda z: f'root{z}m')
def scene(request):
    points = skeleton_at(request.param)
    uv = project(points)
    # Sanity of the synthetic scene itself: inside the image, pixels well apart.
    assert np.all((uv >= 2) & (uv < [INTR.width - 2, INTR.height - 2]))
    gaps = np.linalg.norm(uv[:, None] - uv[None], axis=-1) + np.eye(len(uv)) * 1e9
    assert gaps.min() >= 8.0
    return points, uv


@pytest.mark.parametrize('tilted', [False, True], ids=['fronto', 'tilted'])
def test_lift_recovers_points_within_1cm(scene, tilted):
    points, uv = scene
    depth = render_depth(points, tilted)
    kp = make_keypoints(uv)
    lifted = lift_keypoints(kp, depth, INTR)
    assert lifted.position_source == PositionSource.DEPTH
    assert lifted.xyz.shape == (17, 3) and lifted.xyz.dtype == np.float32
    err = np.linalg.norm(lifted.xyz - points, axis=1)
    assert np.all(err < 0.01), err
    np.testing.assert_array_equal(lifted.xy, kp.xy)
    np.testing.assert_array_equal(lifted.conf, kp.conf)
    assert lifted.schema is COCO17


def test_lift_copies_and_leaves_input_alone(scene):
    points, uv = scene
    kp = make_keypoints(uv)
    before = (kp.xy.copy(), kp.conf.copy(), kp.xyz.copy())
    lifted = lift_keypoints(kp, render_depth(points, False), INTR)
    lifted.xy[:] = 0.0
    lifted.conf[:] = 0.0
    np.testing.assert_array_equal(kp.xy, before[0])
    np.testing.assert_array_equal(kp.conf, before[1])
    np.testing.assert_array_equal(kp.xyz, before[2])
    assert kp.position_source == PositionSource.NONE


def test_millimetre_depth_gives_same_result(scene):
    points, uv = scene
    depth_m = render_depth(points, True)
    depth_mm = np.round(depth_m * 1000.0).astype(np.uint16)
    kp = make_keypoints(uv)
    from_mm = lift_keypoints(kp, depth_mm.astype(np.float32) * 0.001, INTR)
    from_m = lift_keypoints(kp, depth_m, INTR)
    assert np.all(np.linalg.norm(from_mm.xyz - points, axis=1) < 0.01)
    np.testing.assert_allclose(from_mm.xyz, from_m.xyz, atol=0.002)


def test_raw_millimetre_image_is_refused(scene):
    points, uv = scene
    depth_mm = np.round(render_depth(points, False) * 1000.0).astype(np.uint16)
    with pytest.raises(TypeError, match='metres'):
        lift_keypoints(make_keypoints(uv), depth_mm, INTR)


def test_holes_in_window_are_ignored(scene):
    points, uv = scene
    depth = render_depth(points, True)
    centres = np.floor(uv + 0.5).astype(int)
    for i, (u, v) in enumerate(centres):
        depth[v, u] = 0.0                        # centre pixel: no return
        depth[v - 1, u + 1] = np.nan             # and a few more holes of both kinds
        depth[v + 2, u - 2] = np.nan
        depth[v + 1, u] = 0.0
        depth[v - 2, u - 1] = np.inf if i % 2 else -1.0   # junk is not valid depth either
    lifted = lift_keypoints(make_keypoints(uv), depth, INTR)
    err = np.linalg.norm(lifted.xyz - points, axis=1)
    assert np.all(err < 0.01), err


def test_median_rejects_a_few_outliers(scene):
    points, uv = scene
    depth = render_depth(points, False)
    centres = np.floor(uv + 0.5).astype(int)
    for u, v in centres:
        depth[v - 2, u - 2:u + 3] = 9.0          # a row of background in the 5x5 window
    lifted = lift_keypoints(make_keypoints(uv), depth, INTR)
    assert np.all(np.linalg.norm(lifted.xyz - points, axis=1) < 0.01)


def test_fully_invalid_window_gives_nan_and_fixed_length(scene):
    points, uv = scene
    depth = render_depth(points, False)
    bad = [COCO17.index('left_wrist'), COCO17.index('right_ankle')]
    for i in bad:
        u, v = np.floor(uv[i] + 0.5).astype(int)
        depth[v - 2:v + 3, u - 2:u + 3] = 0.0
    depth[np.floor(uv[bad[1], 1] + 0.5).astype(int), :] = np.nan   # NaN holes too
    lifted = lift_keypoints(make_keypoints(uv), depth, INTR)
    assert len(lifted) == 17 and lifted.xyz.shape == (17, 3)
    assert np.all(np.isnan(lifted.xyz[bad]))
    good = np.setdiff1d(np.arange(17), bad)
    assert np.all(np.linalg.norm(lifted.xyz[good] - points[good], axis=1) < 0.01)
    # The pixels and confidences of the unlifted points are still there.
    np.testing.assert_allclose(lifted.xy[bad], uv[bad].astype(np.float32))


def test_nan_and_outside_pixels_give_nan():
    depth = np.full((480, 640), 2.0, np.float32)
    uv = np.full((17, 2), 100.0)
    uv[0] = [np.nan, 100.0]
    uv[1] = [100.0, np.nan]
    uv[2] = [-10.0, 100.0]
    uv[3] = [700.0, 100.0]
    uv[4] = [100.0, 480.0]      # rounds to row 480: outside
    uv[5] = [100.0, -0.6]       # rounds to row -1: outside
    uv[6] = [np.inf, 100.0]
    uv[7] = [639.4, 479.4]      # last pixel: inside, window clipped
    uv[8] = [-0.4, -0.4]        # first pixel: inside, window clipped
    lifted = lift_keypoints(make_keypoints(uv), depth, INTR)
    assert np.all(np.isnan(lifted.xyz[:7]))
    np.testing.assert_allclose(lifted.xyz[7:, 2], 2.0)
    np.testing.assert_allclose(lifted.xyz[7], back_project(639.4, 479.4, 2.0, INTR), rtol=1e-6)


def test_depth_range_limits():
    depth = np.full((480, 640), 2.0, np.float32)
    depth[:, :200] = 0.05      # nearer than min_depth
    depth[:, 400:] = 25.0      # farther than max_depth
    uv = np.tile([[300.0, 240.0]], (17, 1))
    uv[0] = [100.0, 240.0]
    uv[1] = [500.0, 240.0]
    lifted = lift_keypoints(make_keypoints(uv), depth, INTR)
    assert np.all(np.isnan(lifted.xyz[:2]))
    np.testing.assert_allclose(lifted.xyz[2:, 2], 2.0)
    wide = lift_keypoints(make_keypoints(uv), depth, INTR, min_depth=0.01, max_depth=30.0)
    np.testing.assert_allclose(wide.xyz[:2, 2], [0.05, 25.0], rtol=1e-6)


def test_lift_rejects_depth_of_other_size():
    kp = make_keypoints(np.full((17, 2), 10.0))
    with pytest.raises(ValueError, match='320x240'):
        lift_keypoints(kp, np.ones((240, 320), np.float32), INTR)


def test_sample_depth_min_valid_and_window():
    depth = np.zeros((50, 60), np.float32)
    depth[20:23, 30] = [1.0, 2.0, 3.0]           # 3 valid pixels around (30, 21)
    uv = [[30.0, 21.0]]
    np.testing.assert_allclose(sample_depth(depth, uv, window=5), [2.0])
    np.testing.assert_allclose(sample_depth(depth, uv, window=5, min_valid=3), [2.0])
    assert np.isnan(sample_depth(depth, uv, window=5, min_valid=4)[0])
    np.testing.assert_allclose(sample_depth(depth, uv, window=1), [2.0])
    # Even number of valid pixels: the mean of the two middle ones.
    depth[21, 31] = 4.0
    np.testing.assert_allclose(sample_depth(depth, uv, window=3), [2.5])
    # Half-pixel rounding goes up: 29.5 -> column 30 with window 1.
    np.testing.assert_allclose(sample_depth(depth, [[29.5, 20.6]], window=1), [2.0])
    assert sample_depth(depth, np.zeros((0, 2))).shape == (0,)
    for bad in (0, 2, 4, -1):
        with pytest.raises(ValueError, match='window'):
            sample_depth(depth, uv, window=bad)
    with pytest.raises(ValueError, match='min_valid'):
        sample_depth(depth, uv, min_valid=0)
    # (H, W, 1) as cv_bridge may give it.
    np.testing.assert_allclose(sample_depth(depth[:, :, None], uv, window=1), [2.0])


def test_sample_depth_matches_a_plain_loop():
    rng = np.random.default_rng(3)
    for _ in range(50):
        depth = rng.uniform(0.5, 5.0, (40, 50)).astype(np.float32)
        depth[rng.random(depth.shape) < rng.random()] = 0.0
        depth[rng.random(depth.shape) < 0.2] = np.nan
        uv = rng.uniform(-3.0, 53.0, (20, 2))
        window, min_valid = int(rng.choice([1, 3, 5, 7])), int(rng.integers(1, 6))
        got = sample_depth(depth, uv, window=window, min_valid=min_valid)
        half = window // 2
        for (u, v), z in zip(uv, got):
            ui, vi = int(np.floor(u + 0.5)), int(np.floor(v + 0.5))
            expected = np.nan
            if 0 <= ui < 50 and 0 <= vi < 40:
                patch = depth[max(vi - half, 0):vi + half + 1, max(ui - half, 0):ui + half + 1]
                patch = patch[np.isfinite(patch) & (patch > 0)].astype(np.float64)
                if len(patch) >= min_valid:
                    expected = np.median(patch)
            np.testing.assert_allclose(z, expected, rtol=1e-12)


def test_back_project_matches_pinhole_and_broadcasts():
    u = np.array([0.0, 319.5, 640.0])
    v = np.array([[0.0], [239.5], [480.0]])
    z = 2.0
    pts = back_project(u, v, z, INTR)
    assert pts.shape == (3, 3, 3)
    np.testing.assert_allclose(pts[1, 1], [0.0, 0.0, 2.0])
    np.testing.assert_allclose(pts[0, 0], [-319.5 * 2 / 525, -239.5 * 2 / 525, 2.0])
    points = skeleton_at(2.5)
    uv = project(points)
    np.testing.assert_allclose(back_project(uv[:, 0], uv[:, 1], points[:, 2], INTR), points,
                               atol=1e-12)
    assert np.all(np.isnan(back_project(np.nan, 1.0, 1.0, INTR)))


def camera_info(k, width=640, height=480):
    return SimpleNamespace(k=list(k), width=width, height=height)


def test_from_camera_info():
    intr = CameraIntrinsics.from_camera_info(
        camera_info([525.0, 0.0, 319.5, 0.0, 526.0, 239.5, 0.0, 0.0, 1.0]))
    assert intr == CameraIntrinsics(525.0, 526.0, 319.5, 239.5, 640, 480)
    np.testing.assert_array_equal(
        intr.as_matrix(), [[525.0, 0.0, 319.5], [0.0, 526.0, 239.5], [0.0, 0.0, 1.0]])
    # A numpy K (as rclpy gives it) works too.
    assert CameraIntrinsics.from_camera_info(SimpleNamespace(
        k=np.array([525.0, 0, 319.5, 0, 526.0, 239.5, 0, 0, 1]), width=640, height=480)) == intr


@pytest.mark.parametrize('k', [
    [0.0] * 9,
    [525.0, 0, 319.5, 0, 0.0, 239.5, 0, 0, 1],
    [float('nan'), 0, 319.5, 0, 525.0, 239.5, 0, 0, 1],
    [-525.0, 0, 319.5, 0, 525.0, 239.5, 0, 0, 1],
], ids=['all_zero', 'fy_zero', 'fx_nan', 'fx_negative'])
def test_from_camera_info_rejects_uncalibrated(k):
    with pytest.raises(ValueError, match='no valid calibration'):
        CameraIntrinsics.from_camera_info(camera_info(k))


@pytest.mark.parametrize('k, size, match', [
    ([1e-300, 0, 319.5, 0, 525.0, 239.5, 0, 0, 1], (640, 480), r'fx=1e-300 .* 180 degrees'),
    ([1e300, 0, 319.5, 0, 525.0, 239.5, 0, 0, 1], (640, 480),
     r'fx=1e\+300 .* 3.67e-296 degrees'),
    ([525.0, 0, 319.5, 0, 1e6, 239.5, 0, 0, 1], (640, 480), r'fy=1e\+06 for an image 480 px '
                                                            'high'),
    ([10.0, 0, 319.5, 0, 525.0, 239.5, 0, 0, 1], (640, 480), 'field of view of 176 degrees'),
    ([525.0, 0, 5000.0, 0, 525.0, 239.5, 0, 0, 1], (640, 480), 'principal point'),
    ([525.0, 0, 319.5, 0, 525.0, 239.5, 0, 0, 1], (0, 0), 'image size 0x0'),
], ids=['fx_tiny', 'fx_huge', 'fy_huge', 'fov_176', 'cx_outside', 'no_size'])
def test_from_camera_info_rejects_implausible_intrinsics(k, size, match):
    """Finite but absurd K made every head pose invalid without a word: now refused."""
    with pytest.raises(ValueError, match=match):
        CameraIntrinsics.from_camera_info(camera_info(k, *size))


def test_from_camera_info_accepts_real_lenses():
    for fx in (200.0, 525.0, 3000.0):            # fisheye-ish 116 deg .. telephoto 12 deg
        CameraIntrinsics.from_camera_info(camera_info([fx, 0, 319.5, 0, fx, 239.5, 0, 0, 1]))


def test_intrinsics_for_an_image_of_another_size():
    info = camera_info([525.0, 0, 319.5, 0, 525.0, 239.5, 0, 0, 1])
    assert CameraIntrinsics.for_image(info, 640, 480) == CameraIntrinsics.from_camera_info(info)
    half = CameraIntrinsics.for_image(info, 320, 240)
    assert (half.fx, half.width) == (262.5, 320) and half.cx == pytest.approx(159.5)


def test_from_camera_info_rejects_wrong_length():
    with pytest.raises(ValueError, match='9 elements'):
        CameraIntrinsics.from_camera_info(camera_info([525.0, 0, 319.5]))


def test_intrinsics_validation():
    with pytest.raises(ValueError, match='fx'):
        CameraIntrinsics(0.0, 525.0, 319.5, 239.5, 640, 480)
    with pytest.raises(ValueError, match='size'):
        CameraIntrinsics(525.0, 525.0, 319.5, 239.5, 0, 480)


def test_scaled():
    half = INTR.scaled(320, 240)
    assert half == CameraIntrinsics(262.5, 262.5, 159.5, 119.5, 320, 240)
    assert INTR.scaled(640, 480) == INTR
    assert half.scaled(640, 480) == INTR
    # The same ray from the corresponding pixel of a resized (also anisotropic) image.
    other = INTR.scaled(1280, 360)
    u, v = 100.0, 400.0
    u2, v2 = (u + 0.5) * 2.0 - 0.5, (v + 0.5) * 0.75 - 0.5
    np.testing.assert_allclose(back_project(u2, v2, 3.0, other), back_project(u, v, 3.0, INTR))
    with pytest.raises(ValueError):
        INTR.scaled(0, 240)


def test_check_depth_matches():
    reason = check_depth_matches((240, 320), 640, 480)
    assert reason is not None and '320x240' in reason and '640x480' in reason
    assert check_depth_matches((480, 640), 640, 480) is None
    assert check_depth_matches((480, 640, 1), 640, 480) is None
    assert check_depth_matches((480, 640, 3), 640, 480) is not None
    assert check_depth_matches((640, 480), 640, 480) is not None   # transposed
