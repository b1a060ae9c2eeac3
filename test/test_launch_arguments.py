# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""bringup.launch.py's argument checks (pose_ros.launch_arguments), without the launch system."""

from pathlib import Path
import re

from pose_ros.config import ConfigError
from pose_ros.launch_arguments import parse_bool, plan_launch
import pytest
import yaml

PACKAGED = Path(__file__).resolve().parent.parent / 'config' / 'pose_ros.yaml'


def params_file(tmp_path, body=None, classifier=None):
    path = tmp_path / 'params.yaml'
    path.write_text(yaml.safe_dump({
        '/**/body_node': {'ros__parameters': body or {}},
        '/**/classifier_node': {'ros__parameters': classifier or {}}}))
    return path


def test_arguments_not_given_leave_the_params_file_in_charge(tmp_path):
    """The reported defect: backend: mediapipe in a user's file was replaced by yolo_onnx."""
    path = params_file(tmp_path, body={'backend': 'mediapipe', 'hands': {'enabled': True}},
                       classifier={'commands_file': 'commands_teleop.yaml'})
    plan = plan_launch({'backend': '', 'hands': '', 'commands_file': ''}, path)
    assert plan.overrides == {'body_node': {}, 'classifier_node': {}, 'activity_node': {},
                              'avatar_node': {}}
    assert plan.use_classifier is True and plan.use_rviz is False
    assert plan.use_activity is False


def test_given_arguments_override_with_typed_values():
    plan = plan_launch({'backend': 'mediapipe', 'compressed': 'TRUE', 'head': 'false',
                        'hands': '1', 'use_depth': 'off', 'autostart': 'false',
                        'commands_file': 'commands_lights.yaml', 'use_rviz': 'true'}, PACKAGED)
    assert plan.overrides['body_node'] == {'backend': 'mediapipe', 'compressed': True,
                                           'head.enabled': False, 'hands.enabled': True,
                                           'use_depth': False}
    assert plan.overrides['classifier_node'] == {'commands_file': 'commands_lights.yaml'}
    assert plan.use_rviz is True and plan.autostart is False
    assert plan_launch({}, PACKAGED).autostart is True
    plan = plan_launch({'use_activity': 'true', 'exercise': 'push_up'}, PACKAGED)
    assert plan.use_activity is True
    assert plan.overrides['activity_node'] == {'repetitions.exercise': 'push_up'}
    plan = plan_launch({'use_activity': 'true', 'exercise': "''"}, PACKAGED)
    assert plan.overrides['activity_node'] == {'repetitions.exercise': ''}


@pytest.mark.parametrize('arguments, message', [
    ({'use_classifier': 'maybe'}, "use_classifier:='maybe' must be true or false"),
    ({'use_rviz': 'ture'}, "use_rviz:='ture' must be true or false"),
    ({'compressed': 'yes please'}, "compressed:='yes please' must be true or false"),
    ({'backend': 'openpose'}, 'backend must be one of'),
    ({'use_activity': 'true', 'exercise': 'burpee'}, 'repetitions.exercise must be one of'),
])
def test_invalid_arguments_are_refused_with_their_name(arguments, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        plan_launch(arguments, PACKAGED)


def test_the_params_file_is_checked_before_anything_starts(tmp_path):
    with pytest.raises(ConfigError, match='cannot read parameter file'):
        plan_launch({}, tmp_path / 'missing.yaml')
    bad = params_file(tmp_path, body={'smoothing': {'min_cutof': 1.0}})
    with pytest.raises(ConfigError, match='smoothing.min_cutof'):
        plan_launch({}, bad)
    bad = params_file(tmp_path, classifier={'classifier': 'model'})
    with pytest.raises(ConfigError, match='model_path is empty'):
        plan_launch({}, bad)
    # ... but not for a node that is not started.
    assert plan_launch({'use_classifier': 'false'}, bad).use_classifier is False
    assert plan_launch({'exercise': 'burpee'}, PACKAGED).use_activity is False


def test_an_argument_can_repair_the_file():
    """An override is applied before the check, as the node applies it."""
    assert plan_launch({'backend': 'yolo'}, PACKAGED).overrides['body_node'] == \
        {'backend': 'yolo'}


def test_parse_bool_accepts_what_launch_conditions_accept():
    assert [parse_bool('x', t) for t in ('true', 'True', '1', 'false', 'FALSE', '0')] == \
        [True, True, True, False, False, False]


def test_the_avatar_bridge_starts_on_request_and_its_parameters_are_checked_then(tmp_path):
    assert plan_launch({}, PACKAGED).use_avatar is False
    assert plan_launch({'use_avatar': 'true'}, PACKAGED).use_avatar is True
    path = tmp_path / 'bad_avatar.yaml'
    path.write_text(yaml.safe_dump({'/**/avatar_node': {'ros__parameters': {
        'follow': 'loudest', 'head_joints': {'names': 'pan'}}}}))
    assert plan_launch({}, path).use_avatar is False            # not started: not checked
    with pytest.raises(ConfigError, match='follow must be one of'):
        plan_launch({'use_avatar': 'true'}, path)
