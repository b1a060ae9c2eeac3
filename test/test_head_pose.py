# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Head pose geometry on synthetic faces: PnP, angle conventions, refusals, gaze, smoothing."""

import math

import numpy as np
from pose_ros.config import BodyConfig
from pose_ros.filters.one_euro import HeadSmoother
from pose_ros.geometry import head_pose as hp
from pose_ros.geometry.camera import CameraIntrinsics, default_intrinsics
from pose_ros.geometry.vectors import slerp
from pose_ros.people import GazeSource, Head
import pytest
from transforms3d.quaternions import mat2quat, quat2mat

# A close-up: 1280x960, fx = 1000, the face 0.35 m away (254 px between the outer eye corners).
CLOSE = CameraIntrinsics(fx=1000.0, fy=1000.0, cx=639.5, cy=479.5, width=1280, height=960)
# A webcam: 640x480, fx = 600 (56 deg), the face 0.5 m away (107 px between the eye corners).
WEBCAM = CameraIntrinsics(fx=600.0, fy=600.0, cx=319.5, cy=239.5, width=640, height=480)


def synthetic_face(rotation, position, intrinsics, gaze=None):
    """
    Return (478, 2) landmarks: the model points projected, the others at the face's centre.

    With ``gaze`` (unit, optical frame) the iris centres are placed by the same eye model
    gaze_from_iris inverts; without it they are centred between the eye corners.
    """
    lm = np.empty((478, 2))
    idx = list(hp.FACE_MODEL)
    proj = hp.project_face_model(rotation, position, intrinsics, idx)
    lm[:] = proj.mean(axis=0)
    lm[idx] = proj
    for outer, inner, iris, _, _ in (hp.RIGHT_EYE, hp.LEFT_EYE):
        corners = hp.model_points((outer, inner)) @ np.asarray(rotation).T + position
        centre = corners.mean(axis=0) - hp.EYE_ROTATION_RADIUS_M * np.asarray(rotation)[:, 0]
        g = np.asarray(rotation)[:, 0] if gaze is None else np.asarray(gaze, np.float64)
        p = centre + hp.EYE_ROTATION_RADIUS_M * g
        lm[iris] = [intrinsics.fx * p[0] / p[2] + intrinsics.cx,
                    intrinsics.fy * p[1] / p[2] + intrinsics.cy]
    return lm


def angle_deg(a, b):
    return math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(a, b))))))


# --- the model and the conventions -------------------------------------------------------------

def test_face_model_axes_and_symmetry():
    m = hp.FACE_MODEL
    assert m[168] == (0.0, 0.0, 0.0)                   # origin: sellion
    assert m[1][0] > 0.015                             # x out of the face: nose in front
    assert m[263][1] > 0 > m[33][1]                    # y to the person's left (MediaPipe 263)
    assert m[10][2] > 0 > m[152][2]                    # z up: forehead above, chin below
    assert {(33, 263), (133, 362), (61, 291), (159, 386), (145, 374)} <= set(hp.MIRROR_PAIRS)
    for right, left in hp.MIRROR_PAIRS:
        assert m[right][1] < 0
        assert m[left] == (m[right][0], -m[right][1], m[right][2])
    assert set(hp.PNP_LANDMARKS) <= set(m)
    assert not {152, 61, 291, 159, 145, 386, 374} & set(hp.PNP_LANDMARKS)   # they move
    # Average adult: outer eye corners 85-95 mm apart, sellion to chin 110-135 mm.
    assert 0.085 < m[263][1] - m[33][1] < 0.095
    assert 0.110 < -m[152][2] < 0.135


def test_facing_camera_reference():
    np.testing.assert_allclose(hp.facing_camera_rotation([0, 0, 1.0]), hp.FACING_CAMERA)
    ref = hp.facing_camera_rotation([0.4, -0.3, 1.2])
    np.testing.assert_allclose(ref.T @ ref, np.eye(3), atol=1e-12)
    assert np.linalg.det(ref) == pytest.approx(1.0)
    to_camera = -np.array([0.4, -0.3, 1.2]) / np.linalg.norm([0.4, -0.3, 1.2])
    np.testing.assert_allclose(ref[:, 0], to_camera, atol=1e-12)
    assert ref[1, 2] < 0                               # z: up in the image (-y)


@pytest.mark.parametrize('angles, axis, camera_axis, sign', [
    ((30, 0, 0), 0, 0, +1),    # yaw +: the face turns to the person's left = image right
    ((0, 30, 0), 0, 1, +1),    # pitch +: looking down = image down (+y)
    ((0, 0, 30), 2, 0, -1),    # roll +: the top of the head to the right shoulder = image left
])
def test_angle_signs_match_the_message(angles, axis, camera_axis, sign):
    pos = np.array([0.0, 0.0, 1.0])
    rot = hp.rotation_from_angles(*np.radians(angles), pos)
    assert sign * rot[camera_axis, axis] > 0.4
    np.testing.assert_allclose(np.degrees(hp.head_angles(rot, pos)), angles, atol=1e-9)


def test_frontal_face_anywhere_in_the_image_has_zero_angles():
    """Angles are relative to the line of sight, not to the optical axis."""
    for pos in ([0, 0, 1.0], [0.5, 0.3, 1.0], [-0.6, -0.2, 0.8]):
        rot = hp.facing_camera_rotation(pos)
        np.testing.assert_allclose(hp.head_angles(rot, pos), 0.0, atol=1e-12)
    # Facing along the optical axis at the image's right is turned away from the camera, to
    # the person's left (the image's right): positive yaw.
    yaw, _, _ = hp.head_angles(hp.FACING_CAMERA, [0.5, 0.0, 1.0])
    assert math.degrees(yaw) == pytest.approx(math.degrees(math.atan(0.5)))


def test_default_intrinsics_53_degree_fov():
    k = default_intrinsics(640, 480)
    assert (k.fx, k.fy, k.cx, k.cy) == (640.0, 640.0, 319.5, 239.5)
    assert math.degrees(2 * math.atan(k.width / 2 / k.fx)) == pytest.approx(53.13, abs=0.01)


# --- PnP --------------------------------------------------------------------------------------

ROTATIONS = [(y, p, r) for y in (-60, -30, 0, 30, 60) for p in (-40, 0, 40) for r in (-30, 0, 30)]


def test_pnp_exact_without_noise():
    pos = np.array([0.05, -0.03, 0.35])
    for angles in ROTATIONS:
        rot = hp.rotation_from_angles(*np.radians(angles), pos)
        head = hp.estimate_head_pose(synthetic_face(rot, pos, CLOSE), CLOSE)
        assert head is not None, angles
        np.testing.assert_allclose(np.degrees([head.yaw, head.pitch, head.roll]), angles,
                                   atol=1e-4)
        np.testing.assert_allclose(head.position, pos, atol=1e-6)
        np.testing.assert_allclose(quat2mat(head.quaternion), rot, atol=1e-6)
        assert head.reprojection_error < 1e-3


@pytest.mark.parametrize('pos', [(0.0, 0.0, 0.35), (0.05, -0.03, 0.35)])
def test_pnp_recovers_angles_within_1_degree_with_1px_noise(pos):
    """Yaw +-60, pitch +-40, roll +-30 (all 45 combinations), Gaussian noise sigma 1 px."""
    rng = np.random.default_rng(155)
    pos = np.array(pos)
    worst = 0.0
    for angles in ROTATIONS:
        rot = hp.rotation_from_angles(*np.radians(angles), pos)
        lm = synthetic_face(rot, pos, CLOSE)
        lm += rng.normal(0.0, 1.0, lm.shape)
        head = hp.estimate_head_pose(lm, CLOSE)
        assert head is not None, angles
        err = np.abs(np.degrees([head.yaw, head.pitch, head.roll]) - angles)
        worst = max(worst, float(err.max()))
        assert err.max() < 1.0, f'{angles}: errors {err} deg'
        assert np.linalg.norm(head.position - pos) < 0.01
    assert worst > 0.05        # the noise did something


def test_pnp_at_webcam_distance_degrades_gracefully():
    """A 107 px face: about 0.3 deg on average, 1 deg at worst."""
    rng = np.random.default_rng(7)
    pos = np.array([0.0, 0.0, 0.5])
    errors = []
    for angles in ROTATIONS:
        rot = hp.rotation_from_angles(*np.radians(angles), pos)
        lm = synthetic_face(rot, pos, WEBCAM) + rng.normal(0.0, 1.0, (478, 2))
        head = hp.estimate_head_pose(lm, WEBCAM)
        assert head is not None
        errors.append(np.abs(np.degrees([head.yaw, head.pitch, head.roll]) - angles))
    errors = np.array(errors)
    assert errors.mean() < 0.5 and errors.max() < 2.0


def test_open_jaw_does_not_pitch_the_head():
    """Chin and mouth corners move with speech: they are not fitted."""
    pos = np.array([0.0, 0.0, 0.5])
    lm = synthetic_face(hp.facing_camera_rotation(pos), pos, WEBCAM)
    lm[[152, 61, 291]] += [0.0, 30.0]            # jaw and lips 25 mm down
    head = hp.estimate_head_pose(lm, WEBCAM)
    assert abs(math.degrees(head.pitch)) < 1e-3


# --- refusals ---------------------------------------------------------------------------------

def frontal(intrinsics=WEBCAM, pos=(0.0, 0.0, 0.5)):
    pos = np.array(pos)
    return synthetic_face(hp.facing_camera_rotation(pos), pos, intrinsics)


def test_face_at_the_border_gives_no_pose():
    lm = frontal()
    assert hp.estimate_head_pose(lm, WEBCAM) is not None
    for axis, size in ((0, 640), (1, 480)):
        shifted = lm.copy()
        shifted[:, axis] += (size - 1) - lm[:468, axis].max() - 1.0   # 1 px from the edge
        assert hp.estimate_head_pose(shifted, WEBCAM) is None
        assert hp.estimate_head_pose(shifted, WEBCAM, border_margin_px=0.5) is not None
        shifted = lm.copy()
        shifted[:, axis] -= lm[:468, axis].min() + 30.0                # 30 px outside
        assert hp.estimate_head_pose(shifted, WEBCAM) is None


def test_image_size_overrides_the_intrinsics_size():
    lm = frontal()
    assert hp.estimate_head_pose(lm, WEBCAM, image_size=(360, 480)) is None


def test_large_reprojection_error_gives_no_pose():
    lm = frontal()
    size = hp.face_size_px(lm)
    bad = lm.copy()
    bad[[1, 4, 5, 195]] += [0.25 * size, 0.0]      # the nose 25 % of the face to the side
    assert hp.estimate_head_pose(bad, WEBCAM) is None
    head = hp.estimate_head_pose(bad, WEBCAM, max_reproj_px=1e9, max_reproj_ratio=1e9)
    assert head.reprojection_error > hp.MAX_REPROJ_RATIO * size
    # The absolute limit applies on its own too.
    assert hp.estimate_head_pose(lm + np.random.default_rng(1).normal(0, 2.0, lm.shape),
                                 WEBCAM, max_reproj_px=0.5) is None


def test_too_few_points_gives_no_pose():
    lm = frontal()
    lm[list(hp.PNP_LANDMARKS[:-5])] = np.nan
    assert hp.estimate_head_pose(lm, WEBCAM) is None


def test_wrong_shape_is_an_error():
    with pytest.raises(ValueError, match='478'):
        hp.estimate_head_pose(np.zeros((20, 2)), WEBCAM)


# --- gaze -------------------------------------------------------------------------------------

@pytest.mark.parametrize('eye_angles', [(0, 0), (20, 0), (-25, 0), (0, 15), (15, -10)])
def test_gaze_from_iris_recovers_the_eye_rotation(eye_angles):
    pos = np.array([0.05, 0.02, 0.5])
    rot = hp.rotation_from_angles(*np.radians([20, -10, 5]), pos)
    # Eye-in-head rotation: yaw about the head's z, pitch about its y.
    from transforms3d.euler import euler2mat
    gaze = rot @ euler2mat(*np.radians(eye_angles), 0.0, 'rzyx')[:, 0]
    lm = synthetic_face(rot, pos, WEBCAM, gaze=gaze)
    head = hp.estimate_head_pose(lm, WEBCAM)
    got, source = hp.gaze_from_iris(lm, head, WEBCAM)
    assert source == GazeSource.IRIS
    assert np.linalg.norm(got) == pytest.approx(1.0)
    assert angle_deg(got, gaze) < 0.5


def test_gaze_of_a_face_looking_into_the_camera_points_at_the_camera():
    pos = np.array([0.1, 0.05, 0.5])
    lm = synthetic_face(hp.facing_camera_rotation(pos), pos, WEBCAM)
    head = hp.estimate_head_pose(lm, WEBCAM)
    gaze, source = hp.gaze_from_iris(lm, head, WEBCAM)
    assert source == GazeSource.IRIS
    assert angle_deg(gaze, -pos / np.linalg.norm(pos)) < 0.5
    assert gaze[2] < 0


def head_x(head):
    return quat2mat(head.quaternion)[:, 0]


def test_gaze_falls_back_to_the_head_axis_when_eyes_are_not_resolvable():
    lm = frontal()
    head = hp.estimate_head_pose(lm, WEBCAM)
    # No iris points (refine_landmarks off): 468 points, or 478 with NaN irises.
    gaze, source = hp.gaze_from_iris(lm[:468], head, WEBCAM)
    assert source == GazeSource.HEAD
    np.testing.assert_allclose(gaze, head_x(head), atol=1e-12)
    no_iris = lm.copy()
    no_iris[468:] = np.nan
    assert hp.gaze_from_iris(no_iris, head, WEBCAM)[1] == GazeSource.HEAD
    # Eyes too small in pixels (26 mm eyes 2 m away: 8 px).
    far = frontal(pos=(0.0, 0.0, 2.0))
    far_head = hp.estimate_head_pose(far, WEBCAM)
    assert hp.gaze_from_iris(far, far_head, WEBCAM)[1] == GazeSource.HEAD
    assert hp.gaze_from_iris(far, far_head, WEBCAM, min_eye_px=5.0)[1] == GazeSource.IRIS
    # Closed eyes: the lids meet.
    closed = lm.copy()
    closed[[159, 386]] = closed[[145, 374]]
    assert hp.gaze_from_iris(closed, head, WEBCAM)[1] == GazeSource.HEAD


def test_gaze_with_one_resolvable_eye_uses_that_eye():
    pos = np.array([0.0, 0.0, 0.5])
    rot = hp.facing_camera_rotation(pos)
    target = rot @ np.array([np.cos(0.3), np.sin(0.3), 0.0])
    lm = synthetic_face(rot, pos, WEBCAM, gaze=target)
    lm[473] = np.nan
    head = hp.estimate_head_pose(lm, WEBCAM)
    gaze, source = hp.gaze_from_iris(lm, head, WEBCAM)
    assert source == GazeSource.IRIS and angle_deg(gaze, target) < 0.5


def test_eye_rotation_is_limited():
    pos = np.array([0.0, 0.0, 0.5])
    rot = hp.facing_camera_rotation(pos)
    lm = synthetic_face(rot, pos, WEBCAM)
    lm[[468, 473]] += [25.0, 0.0]              # irises far outside the eyes
    head = hp.estimate_head_pose(lm, WEBCAM)
    gaze, _ = hp.gaze_from_iris(lm, head, WEBCAM, max_eye_angle=math.radians(40))
    assert angle_deg(gaze, head_x(head)) <= 40.0 + 1e-6


# --- smoothing --------------------------------------------------------------------------------

def make_head(yaw_deg=0.0, pos=(0.0, 0.0, 1.0), gaze=None, source=GazeSource.HEAD):
    pos = np.array(pos, np.float64)
    rot = hp.rotation_from_angles(math.radians(yaw_deg), 0.0, 0.0, pos)
    g = rot[:, 0] if gaze is None else np.asarray(gaze, np.float64)
    yaw, pitch, roll = hp.head_angles(rot, pos)
    return Head(position=pos, quaternion=mat2quat(rot), yaw=yaw, pitch=pitch, roll=roll,
                reprojection_error=1.0, gaze=g, gaze_source=source)


def test_smoother_reduces_jitter_and_follows_a_still_head():
    rng = np.random.default_rng(3)
    smoother = HeadSmoother.from_config(BodyConfig())
    raw, smooth = [], []
    for i in range(60):
        noisy = make_head(yaw_deg=10 + rng.normal(0, 2.0),
                          pos=(0.0, 0.0, 1.0 + rng.normal(0, 0.01)))
        out = smoother.smooth(4, noisy, i / 30.0)
        raw.append(math.degrees(noisy.yaw))
        smooth.append(math.degrees(out.yaw))
        assert np.linalg.norm(out.quaternion) == pytest.approx(1.0)
    assert np.std(smooth[20:]) < 0.5 * np.std(raw[20:])
    assert np.mean(smooth[20:]) == pytest.approx(10.0, abs=1.0)


def test_smoother_is_immune_to_quaternion_sign_flips():
    smoother = HeadSmoother.from_config(BodyConfig())
    head = make_head(yaw_deg=30)
    first = smoother.smooth(1, head, 0.0)
    for i in range(1, 20):
        flipped = make_head(yaw_deg=30)
        flipped.quaternion = -flipped.quaternion if i % 2 else flipped.quaternion
        out = smoother.smooth(1, flipped, i / 30.0)
        # Same rotation every frame: the output must not move at all.
        np.testing.assert_allclose(quat2mat(out.quaternion), quat2mat(first.quaternion),
                                   atol=1e-9)
        assert math.degrees(out.yaw) == pytest.approx(30.0)


def test_smoother_follows_a_fast_turn():
    smoother = HeadSmoother.from_config(BodyConfig())
    for i in range(10):
        smoother.smooth(2, make_head(0.0), i / 30.0)
    for i in range(10, 25):
        out = smoother.smooth(2, make_head(60.0), i / 30.0)
    assert math.degrees(out.yaw) == pytest.approx(60.0, abs=2.0)


def test_smoother_tracks_untracked_stamps_and_pruning():
    smoother = HeadSmoother.from_config(BodyConfig())
    head = make_head(20)
    untracked = smoother.smooth(-1, head, 0.0)
    assert untracked is not head and untracked.yaw == head.yaw
    assert smoother.track_ids == ()
    smoother.smooth(1, make_head(0), 0.0)
    smoother.smooth(2, make_head(0), 0.0)
    again = smoother.smooth(1, make_head(40), 0.0)       # same stamp: nothing to update
    assert again.yaw == pytest.approx(0.0, abs=1e-9)
    smoother.prune([2])
    assert smoother.track_ids == (2,)
    fresh = smoother.smooth(1, make_head(40), 1.0)       # a new track starts from its input
    assert math.degrees(fresh.yaw) == pytest.approx(40.0)
    smoother.reset()
    assert smoother.track_ids == ()


def test_smoother_restarts_gaze_when_its_source_changes():
    smoother = HeadSmoother.from_config(BodyConfig())
    iris = np.array([1.0, 0.0, -1.0]) / math.sqrt(2)
    smoother.smooth(1, make_head(0, gaze=iris, source=GazeSource.IRIS), 0.0)
    head = make_head(0)
    out = smoother.smooth(1, head, 0.1)
    assert out.gaze_source == GazeSource.HEAD
    np.testing.assert_allclose(out.gaze, head.gaze, atol=1e-12)


def test_smoother_parameters_are_validated_and_changeable():
    with pytest.raises(ValueError):
        HeadSmoother(0.0, 2.0, 1.0, 0.3, 1.0)
    smoother = HeadSmoother.from_config(BodyConfig())
    smoother.smooth(1, make_head(0), 0.0)
    smoother.set_params(2.0, 1.0, 2.0, 0.5, 1.0)
    assert smoother.params == (2.0, 1.0, 2.0, 0.5, 1.0)
    assert smoother.track_ids == (1,)


def test_slerp_takes_the_short_way():
    a = mat2quat(np.eye(3))
    b = -mat2quat(hp.rotation_from_angles(0.2, 0.0, 0.0, [0, 0, 1]) @ hp.FACING_CAMERA.T)
    mid = slerp(a, b, 0.5)
    assert np.linalg.norm(mid) == pytest.approx(1.0)
    assert abs(np.dot(mid, a)) > 0.99
