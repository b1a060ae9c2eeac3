# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Pose features: hip-centred, torso-scaled, image-size independent, NaN-safe, mirrorable."""

import json

import numpy as np
from pose_ros.classifier import features as F
from pose_ros.classifier import synthetic as syn
from pose_ros.people import Keypoints
from pose_ros.schemas import BLAZEPOSE33, COCO17
import pytest


def figure(label='t_pose', seed=0, **kwargs):
    return syn.generate(label, 1, np.random.default_rng(seed), **kwargs)[0]


def transformed(kp, scale, shift):
    return Keypoints.from_arrays(kp.schema, kp.xy * scale + np.asarray(shift), kp.conf)


def test_layout_and_reference_frame():
    kp = figure(noise_px=0.0, dropout=0.0, lean_deg=0.0)
    f = F.normalise(kp)
    assert f.shape == (F.FEATURE_DIM,) and f.dtype == np.float32
    xy = f[:2 * F.N_JOINTS].reshape(F.N_JOINTS, 2)
    hips = xy[[COCO17.index('left_hip'), COCO17.index('right_hip')]].mean(axis=0)
    shoulders = xy[[COCO17.index('left_shoulder'), COCO17.index('right_shoulder')]].mean(axis=0)
    np.testing.assert_allclose(hips, [0.0, 0.0], atol=1e-5)
    np.testing.assert_allclose(shoulders, [0.0, -1.0], atol=1e-5)    # image y points down
    assert (f[2 * F.N_JOINTS:] == 1.0).all()


@pytest.mark.parametrize('scale, shift', [(0.5, (0, 0)), (3.0, (-500, 1000)), (1.7, (12, -7))])
def test_independent_of_image_size_and_position(scale, shift):
    kp = figure('dab', seed=3)
    np.testing.assert_allclose(F.normalise(transformed(kp, scale, shift)), F.normalise(kp),
                               atol=1e-4)


def test_same_features_from_coco17_and_blazepose33():
    a = figure('pointing_left', seed=5, noise_px=0.0, dropout=0.0)
    b = figure('pointing_left', seed=5, noise_px=0.0, dropout=0.0, schema=BLAZEPOSE33)
    assert b.schema is BLAZEPOSE33
    np.testing.assert_allclose(F.normalise(a), F.normalise(b), atol=1e-4)


def test_missing_points_become_zero_with_visibility_flag():
    kp = figure(dropout=0.0)
    kp = syn.with_missing(kp, ['left_wrist'])
    kp.xy[COCO17.index('right_knee')] = np.inf
    kp.conf[COCO17.index('nose')] = 0.1            # below DEFAULT_MIN_CONF
    f = F.normalise(kp)
    assert np.isfinite(f).all()
    vis = f[2 * F.N_JOINTS:]
    xy = f[:2 * F.N_JOINTS].reshape(F.N_JOINTS, 2)
    for name in ('left_wrist', 'right_knee', 'nose'):
        i = COCO17.index(name)
        assert vis[i] == 0.0 and (xy[i] == 0.0).all()
    assert vis.sum() == F.N_JOINTS - 3


def test_without_a_torso_everything_is_zero_and_nothing_raises():
    empty = Keypoints.empty(COCO17)
    assert not F.normalise(empty).any()
    kp = syn.with_missing(figure(dropout=0.0), ['left_shoulder', 'right_shoulder', 'left_hip'])
    assert not F.normalise(kp).any()
    assert F.visible_fraction(F.normalise(kp)) == 0.0


@pytest.mark.parametrize('missing, tolerance', [
    (['left_hip'], 0.05), (['right_shoulder'], 0.05), (['left_shoulder', 'right_hip'], 0.05),
    # Shoulders alone: their width varies with the body's turn, so the scale is rougher.
    (['left_hip', 'right_hip'], 0.2)])
def test_torso_reference_estimated_from_two_or_three_points(missing, tolerance):
    rng = np.random.default_rng(11)
    errors = []
    for kp in syn.generate('stand', 50, rng, dropout=0.0):
        full = F.normalise(kp)
        part = F.normalise(syn.with_missing(kp, missing))
        seen = part[2 * F.N_JOINTS:] > 0
        a = full[:2 * F.N_JOINTS].reshape(-1, 2)[seen]
        b = part[:2 * F.N_JOINTS].reshape(-1, 2)[seen]
        errors.append(np.linalg.norm(a - b, axis=1).mean())
    # Mean point displacement, in torso lengths: the pose stays recognisable.
    assert np.mean(errors) < tolerance, np.mean(errors)


def test_mirror_is_a_flipped_image():
    kp = figure('pointing_left', seed=2, dropout=0.1)
    flipped_xy = kp.xy[list(COCO17.mirror_permutation())].copy()
    flipped_xy[:, 0] = 640.0 - flipped_xy[:, 0]
    flipped = Keypoints.from_arrays(COCO17, flipped_xy, kp.conf[list(COCO17.mirror_permutation())])
    np.testing.assert_allclose(F.mirror(F.normalise(kp)), F.normalise(flipped), atol=1e-4)
    batch = F.normalise_many(syn.generate('dab', 5, np.random.default_rng(0)))
    np.testing.assert_allclose(F.mirror(F.mirror(batch)), batch)


def test_mirror_labels():
    labels = ['raise_left_arm', 'raise_right_arm', 'stand', 'both_arms_left']
    assert F.mirror_label('raise_left_arm', labels) == 'raise_right_arm'
    assert F.mirror_label('raise_right_arm', labels) == 'raise_left_arm'
    assert F.mirror_label('stand', labels) == 'stand'
    assert F.mirror_label('both_arms_left', labels) is None


def test_feature_spec_is_plain_json():
    spec = F.feature_spec(0.25)
    assert json.loads(json.dumps(spec)) == spec
    assert spec['version'] == F.FEATURE_VERSION and spec['dim'] == F.FEATURE_DIM
    assert spec['joints'] == list(COCO17.keypoints) and spec['min_conf'] == 0.25


def test_non_body_schema_is_refused():
    from pose_ros.schemas import HAND21
    with pytest.raises(KeyError):
        F.normalise(Keypoints.empty(HAND21))
