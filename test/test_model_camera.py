# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""3D in the camera frame without depth: the model's metric skeleton placed by its 2D points."""

import numpy as np
from pose_ros.geometry.camera import CameraIntrinsics
from pose_ros.geometry.model_camera import camera_translation, place_in_camera
from pose_ros.people import Keypoints, PositionSource
from pose_ros.schemas import BLAZEPOSE33, HAND21
import pytest

K = CameraIntrinsics(fx=600.0, fy=610.0, cx=320.0, cy=240.0, width=640, height=480)


def skeleton(rng, schema=BLAZEPOSE33, size=0.9):
    """Return model points around a root (metres, camera axes) like a person or a hand."""
    return rng.uniform(-size / 2, size / 2, (len(schema.keypoints), 3)) * [0.5, 1.0, 0.3]


def project(points, k=K):
    return np.stack([k.fx * points[:, 0] / points[:, 2] + k.cx,
                     k.fy * points[:, 1] / points[:, 2] + k.cy], 1)


@pytest.mark.parametrize('t', [(0.0, 0.1, 2.0), (-0.8, 0.3, 4.5), (1.2, -0.2, 7.0)])
def test_exact_landmarks_give_the_translation(t):
    rng = np.random.default_rng(1)
    model = skeleton(rng)
    xy = project(model + t)
    fit, rms = camera_translation(xy, model, K, np.ones(len(model)))
    assert np.allclose(fit, t, rtol=0, atol=1e-9 * np.linalg.norm(t) + 1e-9)
    assert rms < 1e-6


def test_noisy_landmarks_give_the_translation_within_one_percent():
    rng = np.random.default_rng(2)
    errors = []
    for _ in range(50):
        model = skeleton(rng)
        t = np.array([rng.uniform(-1, 1), rng.uniform(-0.3, 0.3), rng.uniform(2, 5)])
        xy = project(model + t) + rng.normal(0, 1.0, (len(model), 2))     # 1 px of noise
        fit, _ = camera_translation(xy, model, K, np.ones(len(model)))
        errors.append(np.linalg.norm(fit - t) / np.linalg.norm(t))
    assert np.median(errors) < 0.01


def test_placing_needs_model_3d_and_enough_confident_points():
    rng = np.random.default_rng(3)
    model = skeleton(rng, HAND21, 0.15)
    t = np.array([0.1, 0.05, 0.6])
    kp = Keypoints.from_arrays(HAND21, project(model + t), np.ones(21), model,
                               PositionSource.MODEL_ROOT)
    placed = place_in_camera(kp, K)
    assert placed.position_source == PositionSource.MODEL_CAMERA
    assert np.allclose(placed.xyz, model + t, atol=1e-4)
    assert np.array_equal(placed.xy, kp.xy)
    low = Keypoints.from_arrays(HAND21, kp.xy, np.full(21, 0.2), model,
                                PositionSource.MODEL_ROOT)
    assert place_in_camera(low, K) is low            # too few confident points
    depth = Keypoints.from_arrays(HAND21, kp.xy, kp.conf, model + t, PositionSource.DEPTH)
    assert place_in_camera(depth, K) is depth        # depth wins
    scrambled = Keypoints.from_arrays(HAND21, kp.xy[::-1], kp.conf, model,
                                      PositionSource.MODEL_ROOT)
    assert place_in_camera(scrambled, K) is scrambled    # 2D and 3D disagree: refused


def test_blazepose_without_depth_gives_camera_frame_3d_and_body_frames():
    """A plain camera with CameraInfo: body_<id> TF and 3D markers exist (issue #13, item 5)."""
    from media_helpers import photo
    from pose_ros.config import BodyConfig, replace
    from pose_ros.geometry.camera import default_intrinsics
    from pose_ros.pipeline import build_pipeline, Frame
    from pose_ros.ros_conversion import marker_array, tf_message
    from std_msgs.msg import Header
    image = photo('bus.jpg')
    h, w = image.shape[:2]
    pipeline = build_pipeline(replace(BodyConfig(), {'backend': 'mediapipe',
                                                     'head.enabled': False}))
    try:
        without = pipeline.process(Frame(image, stamp=1.0))
        pipeline.reset()
        result = pipeline.process(Frame(image, stamp=1.0, intrinsics=default_intrinsics(w, h)))
    finally:
        pipeline.close()
    assert without.people[0].body.position_source == PositionSource.MODEL_ROOT
    body = result.people[0].body
    assert body.position_source == PositionSource.MODEL_CAMERA
    assert 0.5 < body.root_xyz()[2] < 20.0               # in front of the camera
    header = Header(frame_id='camera_color_optical_frame')
    frames = {t.child_frame_id for t in tf_message(result, header).transforms}
    assert any(f.startswith('body_') for f in frames), frames
    assert marker_array(result, header).markers
