# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Expressions from the face mesh: synthetic meshes and the real portraits.

The synthetic faces start from the mesh MediaPipe finds on a real portrait (a real face's
shape), deformed the way a face moves (lids shut, jaw dropped, mouth corners pulled, brows
raised), then placed in front of a pinhole camera at several distances and head turns and
observed as the estimator reports a mesh: pixels by perspective projection, relative depth in
the same pixels at the face's distance.
"""

import math

from media_helpers import photo
import numpy as np
from pose_ros.backends.mediapipe_face import FaceEstimator
from pose_ros.config import BodyConfig, replace
from pose_ros.face_expressions import (BlinkSettings, expression_of, ExpressionTracker,
                                       measure_face)
from pose_ros.geometry.camera import CameraIntrinsics
from pose_ros.geometry.face_mesh import mesh_keypoints
from pose_ros.people import Expression, Head, PositionSource
import pytest
from transforms3d.euler import euler2mat

IOD_M = 0.09                      # outer eye corners of an average adult face
RIGHT_UPPER_LID = (246, 161, 160, 159, 158, 157, 173)
RIGHT_LOWER_LID = (7, 163, 144, 145, 153, 154, 155)
LEFT_UPPER_LID = (466, 388, 387, 386, 385, 384, 398)
LEFT_LOWER_LID = (249, 390, 373, 374, 380, 381, 382)
MOUTH_CORNERS = (61, 291, 78, 308)
BROWS = (70, 63, 105, 66, 107, 46, 53, 52, 65, 55,
         300, 293, 334, 296, 336, 276, 283, 282, 295, 285)
VIEWS = [(yaw, roll, distance) for yaw in (-40.0, 0.0, 40.0) for roll in (0.0, 20.0)
         for distance in (0.4, 1.2, 3.0)]
FX = 800.0


@pytest.fixture(scope='module')
def neutral():
    """Return a real face's mesh (x, y, relative depth in pixels): open-eyed 230501201_1.jpg."""
    est = FaceEstimator(max_faces=1, static_image_mode=True)
    try:
        meshes = est.infer(photo('230501201_1.jpg'))
    finally:
        est.close()
    assert len(meshes) == 1
    return meshes[0]


def axes(mesh):
    """Return the face's iod (pixels), across and up unit vectors."""
    across = mesh[263] - mesh[33]
    iod = np.linalg.norm(across)
    across = across / iod
    up = mesh[10] - mesh[152]
    up = up - up.dot(across) * across
    return iod, across, up / np.linalg.norm(up)


def shut_eyes(mesh, right=True, left=True):
    out = mesh.copy()
    for upper, lower, on in ((RIGHT_UPPER_LID, RIGHT_LOWER_LID, right),
                             (LEFT_UPPER_LID, LEFT_LOWER_LID, left)):
        if on:
            for u, v in zip(upper, lower):
                out[u] = mesh[v] + 0.05 * (mesh[u] - mesh[v])
    return out


def drop_jaw(mesh, gap_iod):
    """Open the mouth: everything at or below the lower inner lip down, the corners half."""
    iod, _, up = axes(mesh)
    out = mesh.copy()
    height = (mesh - mesh[14]) @ up
    shift = gap_iod * iod * up
    out[height <= 1e-6] -= shift
    for i in MOUTH_CORNERS:
        out[i] = mesh[i] - shift / 2
    return out


def pull_corners(mesh, amount):
    """Smile: the mouth corners out by 0.06 iod each and up by 0.05 iod, times ``amount``."""
    iod, across, up = axes(mesh)
    out = mesh.copy()
    for i, side in ((61, -1.0), (78, -1.0), (291, 1.0), (308, 1.0)):
        out[i] = mesh[i] + amount * iod * (0.06 * side * across + 0.05 * up)
    return out


def raise_brows(mesh, iods):
    iod, _, up = axes(mesh)
    out = mesh.copy()
    out[list(BROWS)] += iods * iod * up
    return out


def observe(mesh, yaw=0.0, roll=0.0, distance=0.6):
    """
    Place a mesh (pixels) as a metric face turned by yaw and roll (degrees) and observe it.

    As the estimator reports it: perspective pixels, and the relative depth scaled to pixels at
    the face's distance (weak perspective).
    """
    iod, _, _ = axes(mesh)
    face = (mesh - mesh.mean(axis=0)) * IOD_M / iod      # optical axes: x right, y down, z away
    rot = euler2mat(math.radians(yaw), math.radians(roll), 0.0, 'syzx')
    pts = face @ rot.T + np.array([0.05, -0.03, distance])
    u = FX * pts[:, 0] / pts[:, 2] + 320.0
    v = FX * pts[:, 1] / pts[:, 2] + 240.0
    z = (pts[:, 2] - distance) * FX / distance
    return np.column_stack([u, v, z])


def placed(mesh, distance=0.6):
    """Return the face placed in metres as the body node does, with an exact head distance."""
    intrinsics = CameraIntrinsics(FX, FX, 320.0, 240.0, 640, 480)
    sellion_depth = distance + mesh[168, 2] * distance / FX
    head = Head(np.array([0.0, 0.0, sellion_depth]), np.array([1.0, 0.0, 0.0, 0.0]), 0.0, 0.0,
                0.0, 0.0)
    keypoints = mesh_keypoints(mesh, head, intrinsics)
    assert keypoints.position_source == PositionSource.MODEL_CAMERA
    return keypoints.xyz


def scales(mesh):
    e = expression_of(measure_face(mesh))
    return np.array([e.left_eye_openness, e.right_eye_openness, e.mouth_openness, e.smile,
                     e.brow_raise])


# --- the scales, at every distance and head turn ------------------------------------------------

def seen(face, yaw, roll, distance):
    """Return the scales of ``face`` seen from this view, as the body node measures them."""
    return scales(placed(observe(face, yaw, roll, distance), distance))


def test_the_portrait_reads_as_a_neutral_open_eyed_face(neutral):
    left, right, mouth, smile, brow = scales(neutral)
    assert left > 0.8 and right > 0.8
    assert mouth < 0.1 and smile < 0.3 and brow < 0.2


@pytest.mark.parametrize('yaw, roll, distance', VIEWS)
def test_distance_and_head_turn_do_not_change_the_scales(neutral, yaw, roll, distance):
    """Each expression reads the same seen from the front at 0.6 m and from this view."""
    for face in (neutral, shut_eyes(neutral), drop_jaw(neutral, 0.3),
                 pull_corners(neutral, 1.0), raise_brows(neutral, 0.06)):
        front = seen(face, 0.0, 0.0, 0.6)
        view = seen(face, yaw, roll, distance)
        assert np.abs(view - front).max() < 0.08, (front.round(3), view.round(3))


@pytest.mark.parametrize('yaw, roll, distance', VIEWS)
def test_shut_eyes_read_shut_and_open_eyes_open(neutral, yaw, roll, distance):
    open_l, open_r = seen(neutral, yaw, roll, distance)[:2]
    shut_l, shut_r = seen(shut_eyes(neutral), yaw, roll, distance)[:2]
    assert min(open_l, open_r) > 0.8 and max(shut_l, shut_r) < 0.1
    wink = seen(shut_eyes(neutral, right=True, left=False), yaw, roll, distance)
    assert wink[1] < 0.1 < 0.8 < wink[0]          # the person's right eye shut, left open


@pytest.mark.parametrize('yaw, roll, distance', VIEWS)
def test_mouth_openness_follows_the_gap_and_is_no_smile(neutral, yaw, roll, distance):
    readings = [seen(drop_jaw(neutral, gap), yaw, roll, distance)
                for gap in (0.0, 0.1, 0.2, 0.3, 0.45)]
    mouth = [r[2] for r in readings]
    assert mouth[0] < 0.1 and mouth[-1] == 1.0
    assert all(b > a for a, b in zip(mouth[:-1], mouth[1:-1]))     # rising until full
    assert np.ptp([r[3] for r in readings]) < 0.1                   # the smile stays


@pytest.mark.parametrize('yaw, roll, distance', VIEWS)
def test_a_smile_reads_as_one_and_keeps_the_mouth_shut(neutral, yaw, roll, distance):
    rest = seen(neutral, yaw, roll, distance)
    smiling = seen(pull_corners(neutral, 1.0), yaw, roll, distance)
    assert smiling[3] - rest[3] > 0.4
    assert smiling[2] < 0.1 and abs(smiling[4] - rest[4]) < 0.05


@pytest.mark.parametrize('yaw, roll, distance', VIEWS)
def test_raised_brows_read_raised(neutral, yaw, roll, distance):
    rest = seen(neutral, yaw, roll, distance)
    halfway = seen(raise_brows(neutral, 0.06), yaw, roll, distance)
    raised = seen(raise_brows(neutral, 0.12), yaw, roll, distance)     # about 11 mm
    assert rest[4] < 0.2 < halfway[4] < 0.8 < raised[4]
    assert np.abs(raised[:4] - rest[:4]).max() < 0.05


def test_unknown_points_give_unknown_scales(neutral):
    broken = neutral.copy()
    broken[263] = np.nan                            # the left outer eye corner: no face size
    assert np.isnan(scales(broken)).all()
    lids = neutral.copy()
    lids[386] = np.nan                              # one lid point of the left eye
    left, right, mouth, smile, brow = scales(lids)
    assert math.isnan(left) and not math.isnan(right + mouth + smile + brow)
    assert np.isnan(scales(np.zeros((478, 3)))).all()          # degenerate: iod 0
    with pytest.raises(ValueError):
        measure_face(np.zeros((21, 3)))


# --- blinks and smoothing ----------------------------------------------------------------------

def tracker(**face):
    config = replace(BodyConfig(), {f'face.{k}': v for k, v in face.items()})
    return ExpressionTracker.from_config(config)


def eyes(value):
    return Expression(value, value, 0.0, 0.2, 0.1)


def run(track, openness, fps=30.0, track_id=1, start=0.0):
    """Feed one eye-openness value per frame; return the frames' expressions."""
    return [track.update(track_id, eyes(v), start + i / fps) for i, v in enumerate(openness)]


def test_a_blink_is_counted_once_when_the_eyes_reopen():
    out = run(tracker(), [1.0] * 10 + [0.05] * 4 + [1.0] * 10)
    assert [i for i, e in enumerate(out) if e.blink] == [14]
    assert out[-1].blinks == 1


@pytest.mark.parametrize('fps', [10.0, 15.0, 30.0, 60.0])
def test_blinks_are_counted_at_any_frame_rate(fps):
    closed = max(1, int(round(0.15 * fps)))          # a 150 ms blink
    frames = ([1.0] * int(fps) + [0.1] * closed) * 5 + [1.0] * 3
    assert run(tracker(), frames, fps)[-1].blinks == 5


def test_a_long_closure_a_half_closure_and_a_wink_are_no_blinks():
    track = tracker()
    closed_long = run(track, [1.0] * 10 + [0.05] * 30 + [1.0] * 10)        # 1 s shut
    assert not any(e.blink for e in closed_long)
    squint = run(track, [1.0] * 10 + [0.4] * 4 + [1.0] * 10, start=10.0)  # above closed
    assert not any(e.blink for e in squint)
    wink = [track.update(1, Expression(1.0, 0.0, 0.0, 0.0, 0.0), 20.0 + i / 30)
            for i in range(5)] + run(track, [1.0] * 5, start=21.0)       # mean 0.5
    assert not any(e.blink for e in wink) and wink[-1].blinks == 0


def test_eyes_first_seen_closed_and_unknown_frames_make_no_blink():
    track = tracker()
    out = run(track, [0.05] * 3 + [1.0] * 5)          # shut before ever seen open
    assert out[-1].blinks == 0
    frames = [1.0] * 5 + [0.05, float('nan'), 0.05] + [1.0] * 3   # a face lost for a frame
    assert run(track, frames, start=5.0)[-1].blinks == 1


def test_blink_settings_come_from_the_parameters():
    slow = run(tracker(blink_max_duration=0.2), [1.0] * 10 + [0.05] * 9 + [1.0] * 5)
    assert slow[-1].blinks == 0                        # 300 ms is over the 200 ms allowed
    strict = run(tracker(blink_closed=0.02, blink_open=0.9),
                 [1.0] * 10 + [0.05] * 3 + [1.0] * 5)
    assert strict[-1].blinks == 0                      # 0.05 is not closed enough
    with pytest.raises(ValueError):
        BlinkSettings(0.6, 0.5, 0.5)


def test_tracks_are_separate_and_untracked_faces_pass_through():
    track = tracker()
    assert run(track, [1.0] * 5 + [0.05] * 3 + [1.0] * 5, track_id=1)[-1].blinks == 1
    assert run(track, [1.0] * 13, track_id=2)[-1].blinks == 0
    raw = Expression(0.3, 0.9, 0.5, 0.25, 0.75)
    out = track.update(-1, raw, 1.0)
    assert out == raw and out.blinks == 0
    track.expire([2], 10.0, 0.5)
    assert track.track_ids == (2,)
    assert run(track, [1.0] * 3, track_id=1, start=11.0)[-1].blinks == 0      # a new track


def test_a_time_jump_restarts_the_smoothing_but_keeps_the_blink_count():
    track = tracker()
    run(track, [1.0] * 5 + [0.05] * 3 + [1.0] * 5)
    run(track, [1.0] * 3 + [0.05] * 2, start=5.0)          # a closure in progress...
    track.reset_filters()                                  # ...when time jumps
    first = track.update(1, Expression(1.0, 1.0, 0.9, 0.0, 0.0), 100.0)
    assert first.mouth_openness == 0.9                     # no smoothing from before the jump
    after = run(track, [1.0] * 3, start=100.1)
    assert after[-1].blinks == 1 and not any(e.blink for e in after)


def test_smoothing_steadies_a_noisy_scale_and_follows_a_change():
    rng = np.random.default_rng(3)
    track = tracker(min_cutoff=2.0, beta=1.0)
    noisy = np.clip(0.5 + rng.normal(0.0, 0.08, 60), 0, 1)
    out = [track.update(1, Expression(1.0, 1.0, m, 0.0, 0.0), i / 30).mouth_openness
           for i, m in enumerate(noisy)]
    assert np.std(out[10:]) < 0.5 * np.std(noisy[10:])
    step = [track.update(1, Expression(1.0, 1.0, 1.0, 0.0, 0.0), 2.0 + i / 30).mouth_openness
            for i in range(15)]
    assert step[-1] > 0.95                             # half a second later: there
    raw = tracker().update(1, Expression(1.0, 1.0, 0.5, 0.0, 0.0), 0.0)
    assert raw.mouth_openness == 0.5                   # the first value is the value


# --- the real portraits -------------------------------------------------------------------------

@pytest.mark.parametrize('name', ['face_swapped.jpg', '227943776_1.jpg', '230501201_1.jpg'])
def test_real_portraits_have_open_eyes_and_mirror_images_agree(name):
    img = photo(name)
    est = FaceEstimator(max_faces=1, static_image_mode=True)
    try:
        (mesh,) = est.infer(img)
        (mirrored,) = est.infer(np.ascontiguousarray(img[:, ::-1]))
    finally:
        est.close()
    left, right, mouth, smile, brow = scales(mesh)
    assert left > 0.5 and right > 0.5
    m_left, m_right, m_mouth, m_smile, m_brow = scales(mirrored)
    # In the mirror image the person's left eye is the one that was their right.
    assert abs(m_left - right) < 0.2 and abs(m_right - left) < 0.2
    assert abs(m_mouth - mouth) < 0.1 and abs(m_smile - smile) < 0.15
    assert abs(m_brow - brow) < 0.1
