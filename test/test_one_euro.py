# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Tests of the One Euro filter and the per-track keypoint smoother."""

import numpy as np

from pose_ros.filters.one_euro import OneEuroFilter, TrackSmoother
from pose_ros.people import Keypoints, PositionSource
from pose_ros.schemas import COCO17, HAND21

import pytest

RATE = 30.0   # Hz, a typical camera


def run(f: OneEuroFilter, signal, rate: float = RATE, t0: float = 100.0) -> np.ndarray:
    return np.array([f(x, t0 + i / rate) for i, x in enumerate(signal)])


def test_constant_stays_constant():
    f = OneEuroFilter(min_cutoff=0.5, beta=0.1)
    x = np.array([[3.0, -7.5], [1e3, 0.0]])
    out = run(f, [x] * 100)
    np.testing.assert_allclose(out, np.broadcast_to(x, out.shape), rtol=1e-12, atol=1e-12)


def test_first_output_equals_input_and_dtype_kept():
    f = OneEuroFilter()
    x = np.array([1.5, 2.5], np.float32)
    out = f(x, 0.0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, x)
    out[:] = 0.0                                   # the caller's copy, not the state
    np.testing.assert_allclose(f(x, 1 / RATE), x)
    assert f([1, 2], 2 / RATE).dtype == np.float64  # integer input: float output


def test_noise_on_constant_is_reduced():
    rng = np.random.default_rng(1)
    truth = np.array([320.0, 240.0])
    noisy = truth + rng.normal(0.0, 2.0, size=(900, 2))
    out = run(OneEuroFilter(min_cutoff=0.3, beta=0.0), noisy)
    raw_var = np.var(noisy[60:] - truth)
    out_var = np.var(out[60:] - truth)
    assert raw_var / out_var > 5.0, raw_var / out_var
    # Adaptive: a small beta keeps most of the reduction while still standing still.
    out_b = run(OneEuroFilter(min_cutoff=0.3, beta=0.005), noisy)
    assert raw_var / np.var(out_b[60:] - truth) > 5.0


def test_step_is_followed():
    signal = np.r_[np.zeros(30), np.ones(60)]      # step at 1 s
    out = run(OneEuroFilter(min_cutoff=1.0, beta=0.0), signal)
    assert out[29] == 0.0
    assert 0.0 < out[30] < 1.0                      # smoothed, not jumping
    assert np.all(np.diff(out[30:]) >= 0)           # no overshoot / ringing
    assert abs(out[60] - 1.0) < 0.01                # within 1% after 1 s
    # A higher beta gets there sooner.
    fast = run(OneEuroFilter(min_cutoff=1.0, beta=1.0), signal)
    assert fast[35] > out[35]


def test_higher_beta_lags_less_on_a_ramp():
    t = np.arange(120) / RATE
    ramp = 100.0 * t                                # 100 px/s
    lag_low = ramp[-1] - run(OneEuroFilter(min_cutoff=1.0, beta=0.0), ramp)[-1]
    lag_high = ramp[-1] - run(OneEuroFilter(min_cutoff=1.0, beta=0.05), ramp)[-1]
    assert lag_low > 0 and lag_high > 0
    assert lag_high < 0.5 * lag_low, (lag_low, lag_high)


def test_dropped_frames_use_the_stamps():
    # With every other frame dropped the filter, timed by the stamps, ends where the
    # full-rate one does (alphas follow dt, not a fixed frame rate).
    t = np.arange(0, 61) / RATE
    signal = np.sin(t)
    full = OneEuroFilter(min_cutoff=2.0)
    half = OneEuroFilter(min_cutoff=2.0)
    out_full = [full(x, ti) for x, ti in zip(signal, t)]
    out_half = [half(x, ti) for x, ti in zip(signal[::2], t[::2])]
    assert abs(out_full[-1] - out_half[-1]) < 0.02


def test_nan_gives_nan_and_resets_that_element():
    f = OneEuroFilter(min_cutoff=0.1)
    for i in range(30):
        f(np.array([10.0, 20.0]), i / RATE)
    out = f(np.array([np.nan, 21.0]), 30 / RATE)
    assert np.isnan(out[0])
    assert 20.0 < out[1] < 21.0                    # the other element still smooths
    # The lost point re-appears far away: no jump-smoothing from the stale 10.0.
    out = f(np.array([500.0, 21.0]), 31 / RATE)
    assert out[0] == 500.0
    out = f(np.array([501.0, 21.0]), 32 / RATE)
    assert 500.0 < out[0] < 501.0                  # and then it is smoothed again


def test_all_nan_first_call():
    f = OneEuroFilter()
    assert np.all(np.isnan(f(np.full(3, np.nan), 0.0)))
    np.testing.assert_array_equal(f(np.array([1.0, 2.0, np.nan]), 0.1), [1.0, 2.0, np.nan])


def test_duplicate_and_older_stamps_return_last_output():
    f = OneEuroFilter(min_cutoff=0.5)
    ref = OneEuroFilter(min_cutoff=0.5)
    f(np.array([0.0]), 1.0)
    ref(np.array([0.0]), 1.0)
    last = f(np.array([10.0]), 1.1)
    ref(np.array([10.0]), 1.1)
    np.testing.assert_array_equal(f(np.array([99.0]), 1.1), last)      # duplicate stamp
    np.testing.assert_array_equal(f(np.array([-99.0]), 0.5), last)     # older stamp
    np.testing.assert_array_equal(f(np.array([np.nan]), 1.1), last)    # NaN ignored too
    # The ignored calls changed no state.
    np.testing.assert_array_equal(f(np.array([11.0]), 1.2), ref(np.array([11.0]), 1.2))


def test_shape_is_fixed_until_reset():
    f = OneEuroFilter()
    f(np.zeros((17, 2)), 0.0)
    assert f.shape == (17, 2)
    with pytest.raises(ValueError, match='shape'):
        f(np.zeros((33, 2)), 0.1)
    f.reset()
    assert f.shape is None
    np.testing.assert_array_equal(f(np.ones((33, 2)), 0.05), np.ones((33, 2)))


def test_non_finite_time_raises():
    with pytest.raises(ValueError, match='time'):
        OneEuroFilter()(np.zeros(2), float('nan'))


@pytest.mark.parametrize('kwargs', [
    {'min_cutoff': 0.0}, {'min_cutoff': -1.0}, {'min_cutoff': float('nan')},
    {'min_cutoff': float('inf')}, {'beta': -0.1}, {'beta': float('nan')},
    {'d_cutoff': 0.0}, {'d_cutoff': -2.0},
])
def test_invalid_parameters_raise(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        OneEuroFilter(**kwargs)
    f = OneEuroFilter()
    name, value = next(iter(kwargs.items()))
    with pytest.raises(ValueError, match=name):
        setattr(f, name, value)
    assert (f.min_cutoff, f.beta, f.d_cutoff) == (1.0, 0.0, 1.0)   # unchanged
    with pytest.raises(ValueError, match=name):
        TrackSmoother(**kwargs)
    s = TrackSmoother(min_cutoff=2.0)
    with pytest.raises(ValueError, match=name):
        s.set_params(**{'min_cutoff': 3.0, 'beta': 0.5, **kwargs})
    assert s.params == (2.0, 0.0, 1.0)             # all or nothing


def test_parameters_settable_at_run_time():
    f = OneEuroFilter(min_cutoff=0.1)
    f(np.array([0.0]), 0.0)
    slow = f(np.array([1.0]), 1 / RATE)[0]
    f.min_cutoff = 1000.0
    f.beta = 0.0
    f.d_cutoff = 2.0
    assert (f.min_cutoff, f.beta, f.d_cutoff) == (1000.0, 0.0, 2.0)
    fast = f(np.array([2.0]), 2 / RATE)[0]
    assert slow < 0.1 and fast > 1.95


# TrackSmoother


def body(xy, xyz=None, source=PositionSource.DEPTH, conf=None) -> Keypoints:
    n = len(COCO17)
    xy = np.broadcast_to(np.asarray(xy, np.float32), (n, 2))
    xyz = None if xyz is None else np.broadcast_to(np.asarray(xyz, np.float32), (n, 3))
    conf = np.linspace(0.1, 0.9, n) if conf is None else conf
    return Keypoints.from_arrays(COCO17, xy, conf, xyz, source)


def test_smoother_filters_xy_and_xyz_not_conf():
    s = TrackSmoother(min_cutoff=0.5)
    a = s.smooth(1, body([100.0, 50.0], [0.0, 0.0, 2.0]), 0.0)
    np.testing.assert_array_equal(a.xy, body([100.0, 50.0]).xy)
    kp = body([110.0, 50.0], [0.1, 0.0, 2.0], conf=np.full(17, 0.3))
    b = s.smooth(1, kp, 1 / RATE)
    assert np.all((b.xy[:, 0] > 100.0) & (b.xy[:, 0] < 110.0))
    assert np.all((b.xyz[:, 0] > 0.0) & (b.xyz[:, 0] < 0.1))
    np.testing.assert_array_equal(b.conf, kp.conf)
    assert b.position_source == PositionSource.DEPTH and b.schema is COCO17
    assert b.xy.dtype == np.float32 and b.xyz.dtype == np.float32
    assert b is not kp and b.conf is not kp.conf
    np.testing.assert_array_equal(kp.xy[:, 0], 110.0)       # input left alone


def test_smoother_nan_xyz_passes_as_nan():
    s = TrackSmoother()
    out = s.smooth(3, body([10.0, 10.0], None, PositionSource.NONE), 0.0)
    out = s.smooth(3, body([12.0, 10.0], None, PositionSource.NONE), 0.1)
    assert np.all(np.isnan(out.xyz)) and np.all(np.isfinite(out.xy))


def test_tracks_are_independent():
    s = TrackSmoother(min_cutoff=0.5)
    s.smooth(1, body([0.0, 0.0]), 0.0)
    s.smooth(2, body([500.0, 500.0]), 0.0)
    a = s.smooth(1, body([10.0, 0.0]), 0.1)
    b = s.smooth(2, body([510.0, 500.0]), 0.1)
    assert 0.0 < a.xy[0, 0] < 10.0 and 500.0 < b.xy[0, 0] < 510.0
    np.testing.assert_allclose(a.xy[0, 0] + 500.0, b.xy[0, 0], rtol=1e-6)
    assert set(s.track_ids) == {1, 2}


def test_untracked_passes_through():
    s = TrackSmoother(min_cutoff=0.1)
    for i, x in enumerate([0.0, 100.0, 0.0]):
        kp = body([x, 0.0], [x, 0.0, 1.0])
        out = s.smooth(-1, kp, i / RATE)
        np.testing.assert_array_equal(out.xy, kp.xy)
        np.testing.assert_array_equal(out.xyz, kp.xyz)
        assert out is not kp and out.xy is not kp.xy
    assert s.track_ids == ()


def test_prune_drops_ended_tracks():
    s = TrackSmoother(min_cutoff=0.1)
    for i in range(10):
        s.smooth(1, body([0.0, 0.0]), i / RATE)
        s.smooth(2, body([0.0, 0.0]), i / RATE)
    s.prune([2, 7])
    assert s.track_ids == (2,)
    kp = body([300.0, 200.0], [1.0, 1.0, 3.0])
    out = s.smooth(1, kp, 10 / RATE)                          # id 1 re-appears: fresh
    np.testing.assert_array_equal(out.xy, kp.xy)
    np.testing.assert_array_equal(out.xyz, kp.xyz)
    kept = s.smooth(2, kp, 10 / RATE)                         # id 2 still smooths
    assert kept.xy[0, 0] < 300.0
    s.reset()
    assert s.track_ids == ()
    np.testing.assert_array_equal(s.smooth(2, kp, 11 / RATE).xy, kp.xy)


def test_set_params_applies_to_current_and_future_filters():
    s = TrackSmoother(min_cutoff=0.1)
    s.smooth(1, body([0.0, 0.0]), 0.0)
    s.set_params(min_cutoff=1000.0)
    assert s.params == (1000.0, 0.0, 1.0)
    out = s.smooth(1, body([100.0, 0.0]), 1 / RATE)          # existing filter: nearly raw
    assert out.xy[0, 0] > 99.0
    s.smooth(5, body([0.0, 0.0]), 0.0)                        # new filter: same params
    assert s.smooth(5, body([100.0, 0.0]), 1 / RATE).xy[0, 0] > 99.0
    s.set_params(beta=0.2, d_cutoff=3.0)
    assert s.params == (1000.0, 0.2, 3.0)


def test_schema_or_source_change_restarts_filters():
    s = TrackSmoother(min_cutoff=0.1)
    s.smooth(1, body([0.0, 0.0], [0.0, 0.0, 2.0], PositionSource.DEPTH), 0.0)
    kp = body([50.0, 0.0], [1.0, 0.0, 5.0], PositionSource.MODEL_CAMERA)
    out = s.smooth(1, kp, 0.1)
    assert 0.0 < out.xy[0, 0] < 50.0                          # 2D still smooths
    np.testing.assert_array_equal(out.xyz, kp.xyz)            # 3D from another source: fresh
    hand = Keypoints.from_arrays(HAND21, np.full((21, 2), 7.0), np.ones(21))
    out = s.smooth(1, hand, 0.2)                              # other schema: fresh, no error
    np.testing.assert_array_equal(out.xy, hand.xy)
