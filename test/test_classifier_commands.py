# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Command maps: validation at load, the Twist deadman and rate limits, lights edges."""

from pathlib import Path

from pose_ros.classifier import commands as C
import pytest
import yaml

CONFIG = Path(__file__).resolve().parent.parent / 'config'


def cfg(actions, **top):
    return {'version': 1, 'actions': actions, **top}


def test_shipped_examples_load():
    lights = C.load_config(CONFIG / 'commands_lights.yaml')
    assert {k: a.lights for k, a in lights.actions.items()} == {'t_pose': 'on', 'dab': 'off'}
    assert not lights.has_twist and lights.has_lights and lights.lights_initial is False
    teleop = C.load_config(CONFIG / 'commands_teleop.yaml')
    assert teleop.has_twist and not teleop.has_lights
    assert teleop.actions['both_arms_up'].twist == (0.0, 0.0)
    assert teleop.actions['right_arm_raised'].twist[1] < 0 < teleop.actions[
        'left_arm_raised'].twist[1]                        # REP-103: +z turns left
    assert teleop.twist_topic == 'cmd_vel' and teleop.string_topics == ('pose_command/text',)


def test_example_files_comment_every_line():
    for name in ('commands_lights.yaml', 'commands_teleop.yaml'):
        for line in (CONFIG / name).read_text().splitlines():
            assert not line.strip() or '#' in line, f'{name}: {line!r} has no comment'
            assert len(line) <= 99


def test_unknown_label_is_rejected_with_the_known_ones(tmp_path):
    path = tmp_path / 'c.yaml'
    path.write_text(yaml.safe_dump(cfg({'t_pose': {'lights': 'on'},
                                        'jazz_hands': {'string': 'x'}})))
    with pytest.raises(C.ConfigError) as info:
        C.load_config(path)
    message = str(info.value)
    assert str(path) in message and "'jazz_hands'" in message
    assert 't_pose' in message and 'both_arms_up' in message and 'waving' in message
    # A trained model's labels are known when passed in.
    config = C.load_config(path, C.known_labels(['jazz_hands']))
    assert config.actions['jazz_hands'].string == 'x'


@pytest.mark.parametrize('data, match', [
    (cfg({'unknown': {'lights': 'on'}}), 'deadman'),
    (cfg({'dab': {'lights': 'dim'}}), "'on', 'off', 'toggle'"),
    (cfg({'dab': {'twist': {'linear': 2.0}}}), 'exceeds the limits'),
    (cfg({'dab': {'twist': {'linear': 'fast'}}}), 'must be a number'),
    (cfg({'dab': {'twist': {'forward': 0.1}}}), 'unknown key'),
    (cfg({'dab': {'beep': True}}), 'unknown key'),
    (cfg({'dab': {}}), 'empty action'),
    (cfg({'dab': 'lights on'}), 'must be a mapping'),
    (cfg({'dab': {'string': ''}}), 'non-empty string'),
    (cfg({'dab': {'string': {'data': 'x', 'topic': 'bad topic'}}}), 'ROS topic name'),
    (cfg({}), 'non-empty mapping'),
    ({'actions': {'dab': {'lights': 'on'}}, 'colour': 'red'}, 'unknown key'),
    (cfg({'dab': {'lights': 'on'}}, version=2), 'version 2'),
    (cfg({'dab': {'lights': 'on'}}, twist={'max_linear': -1}), 'positive'),
    (cfg({'dab': {'lights': 'on'}}, twist={'deadman_timeout_s': float('nan')}), 'finite'),
    (cfg({'dab': {'lights': 'on'}}, lights={'initial': 'toggle'}), "'on' or 'off'"),
    ([1, 2], 'must be a mapping'),
])
def test_invalid_configs(data, match):
    with pytest.raises(C.ConfigError, match=match):
        C.load_config(data)


def test_unreadable_files(tmp_path):
    with pytest.raises(C.ConfigError, match='cannot read'):
        C.load_config(tmp_path / 'missing.yaml')
    bad = tmp_path / 'bad.yaml'
    bad.write_text('actions: [unclosed\n')
    with pytest.raises(C.ConfigError, match='not valid YAML'):
        C.load_config(bad)


def test_unquoted_yaml_on_off_and_string_topics(tmp_path):
    path = tmp_path / 'c.yaml'
    path.write_text('actions:\n  t_pose: {lights: on}\n  dab: {lights: off}\n'
                    '  waving: {string: {data: hello, topic: /speech}}\nlights: {initial: on}\n')
    config = C.load_config(path)
    assert config.actions['t_pose'].lights == 'on' and config.actions['dab'].lights == 'off'
    assert config.lights_initial is True
    assert config.string_topics == ('/speech',)


def test_deadman_zero_twist_within_the_timeout():
    limits = C.TwistLimits(max_linear=0.5, max_angular=1.0, linear_accel=0.5,
                           angular_accel=1.0, deadman_timeout_s=0.5)
    twist = C.TwistCommander({'drive': (0.4, 0.0)}, limits)
    t = 0.0
    while t < 2.0:                       # full speed
        vx, wz = twist.step(t, 'drive')
        t += 0.05
    assert vx == pytest.approx(0.4)
    lost = t
    outputs = []
    while t < lost + 1.0:                # the person (or their gesture) is gone
        outputs.append((t - lost, twist.step(t, None)))
        t += 0.05
    assert all(v == (0.0, 0.0) for dt, v in outputs if dt >= 0.5 - 1e-9)
    assert all(abs(v[0]) <= 0.4 for _, v in outputs)            # slowing down before that


@pytest.mark.parametrize('lost_as', [None, 'unknown', 'stand'])
def test_deadman_through_the_policy(lost_as):
    config = C.load_config(cfg({'left_arm_raised': {'twist': {'angular': 0.5}}},
                               twist={'deadman_timeout_s': 0.3, 'angular_accel': 100.0}))
    policy = C.CommandPolicy(config)
    for i in range(20):
        out = policy.step(i * 0.05, 'left_arm_raised')
    assert out.twist == (0.0, pytest.approx(0.5))
    assert policy.step(1.1, lost_as).twist[1] < 0.5        # ramping down at once
    assert policy.step(1.30, lost_as).twist == (0.0, 0.0)   # 0.35 s after the last command


def test_deadman_after_a_silent_gap():
    twist = C.TwistCommander({'drive': (0.3, 0.0)}, C.TwistLimits(linear_accel=100.0))
    twist.step(0.0, 'drive')
    assert twist.step(0.1, 'drive')[0] == pytest.approx(0.3)
    assert twist.step(5.0, None) == (0.0, 0.0)       # the timer fired late: still zero


def test_rate_limits_and_clamps():
    limits = C.TwistLimits(max_linear=0.3, max_angular=0.8, linear_accel=0.5,
                           angular_accel=2.0, deadman_timeout_s=1.0)
    twist = C.TwistCommander({'go': (0.3, -0.8), 'stop': (0.0, 0.0)}, limits)
    dt = 0.02
    prev = (0.0, 0.0)
    history = []
    for i in range(100):
        label = 'go' if i < 60 else 'stop'
        vx, wz = twist.step(i * dt, label)
        assert abs(vx - prev[0]) <= 0.5 * dt + 1e-9
        assert abs(wz - prev[1]) <= 2.0 * dt + 1e-9
        assert abs(vx) <= 0.3 + 1e-9 and abs(wz) <= 0.8 + 1e-9
        prev = (vx, wz)
        history.append(vx)
    assert history[40] == pytest.approx(0.3)          # reached after 0.6 s
    assert history[70] == pytest.approx(0.3 - 0.5 * dt * 11)     # braking at the limit
    assert history[-1] == 0.0
    twist.step(0.0, 'go')                            # time went back: restart stopped
    assert (twist.linear, twist.angular) == (0.0, 0.0)


def test_lights_toggle_on_rising_edges_only():
    lights = C.LightsState({'waving': 'toggle', 't_pose': 'on', 'dab': 'off'}, initial=False)
    assert [lights.update('waving') for _ in range(10)] == [True] + [None] * 9
    assert lights.update('stand') is None
    assert lights.update('waving') is False           # a new gesture: toggles again
    assert lights.update(None) is None
    assert lights.update('t_pose') is True and lights.update('t_pose') is None
    assert lights.update('dab') is False and lights.state is False
    assert lights.update('dab') is None
    with pytest.raises(ValueError):
        C.LightsState({'dab': 'dim'})


def test_policy_strings_and_lights_once_per_activation():
    config = C.load_config(cfg({'t_pose': {'lights': 'on', 'string': 'hello'},
                                'dab': {'lights': 'off'}}))
    policy = C.CommandPolicy(config)
    outs = [policy.step(i * 0.1, 't_pose') for i in range(5)]
    assert outs[0].strings == [('pose_command/text', 'hello')] and outs[0].lights is True
    assert all(o.strings == [] and o.lights is None and o.twist is None for o in outs[1:])
    assert policy.step(1.0, 'dab').lights is False
    assert policy.step(1.1, None).lights is None
    again = policy.step(1.2, 't_pose')
    assert again.strings and again.lights is True


def test_a_key_given_twice_is_an_error(tmp_path):
    twice = tmp_path / 'twice.yaml'
    twice.write_text("version: 1\nactions:\n  t_pose: {lights: 'on'}\n"
                     "  t_pose: {lights: 'off'}\n")
    with pytest.raises(C.ConfigError, match="the key 't_pose' is given twice"):
        C.load_config(twice)


# --- stop labels (issue #16) ----------------------------------------------------------------

def test_the_teleop_map_stops_on_an_open_palm():
    teleop = C.load_config(CONFIG / 'commands_teleop.yaml')
    assert teleop.stop_labels == ('open_palm',)
    assert teleop.actions['open_palm'].twist is None


@pytest.mark.parametrize('stop, match', [
    ('open_palm', 'must be a list'),
    (['palm_up'], "unknown label 'palm_up'"),
    (['unknown'], "unknown label 'unknown'"),
    ({'open_palm': 1}, 'must be a list'),
])
def test_bad_stop_lists_are_rejected(stop, match):
    with pytest.raises(C.ConfigError, match=match):
        C.load_config(cfg({'dab': {'string': 'x'}}, stop=stop))


def test_a_stop_label_cannot_drive():
    with pytest.raises(C.ConfigError, match='stop label'):
        C.load_config(cfg({'fist': {'twist': {'linear': 0.1}}}, stop=['fist']))


def test_a_stop_zeroes_at_once_and_the_interrupted_motion_needs_a_new_gesture():
    policy = C.CommandPolicy(C.load_config(CONFIG / 'commands_teleop.yaml'))
    t = 0.0
    for _ in range(40):                       # 2 s of turning right: up to speed
        t += 0.05
        out = policy.step(t, 'right_arm_raised')
    assert out.twist[1] == pytest.approx(-0.5)
    assert policy.step(t + 0.05, 'right_arm_raised', stop=True).twist == (0.0, 0.0)
    for i in range(20):                       # the stop is over, the gesture is the same
        assert policy.step(t + 0.1 + 0.05 * i, 'right_arm_raised').twist == (0.0, 0.0)
    policy.step(t + 1.2, None)                # the controller lowers the arm...
    out = policy.step(t + 1.25, 'right_arm_raised')     # ...and raises it again
    assert out.twist[1] < 0.0 and out.twist[1] > -0.5   # ramping up from zero
