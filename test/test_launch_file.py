# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
launch/bringup.launch.py agrees with the package: executables, parameters, files, topics.

The launch libraries are not installable from PyPI, so the launch file is checked statically
(its syntax tree) everywhere; where launch is installed (a ROS distro), it is also loaded and
its LaunchDescription inspected.
"""

import ast
import importlib.util
from pathlib import Path
import re

from pose_ros.config import ActivityConfig, BodyConfig, ClassifierConfig, flat_specs
from pose_ros.launch_arguments import PARAMETER_ARGUMENTS, SWITCHES
import pytest

ROOT = Path(__file__).resolve().parent.parent
LAUNCH = ROOT / 'launch' / 'bringup.launch.py'
TREE = ast.parse(LAUNCH.read_text())
PACKAGE_PARAMS = {'body_node': {name for name, _ in flat_specs(BodyConfig)},
                  'classifier_node': {name for name, _ in flat_specs(ClassifierConfig)},
                  'activity_node': {name for name, _ in flat_specs(ActivityConfig)}}


def calls(name):
    return [n for n in ast.walk(TREE) if isinstance(n, ast.Call)
            and getattr(n.func, 'id', getattr(n.func, 'attr', None)) == name]


def kwarg(call, name):
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


def entry_points():
    setup = (ROOT / 'setup.py').read_text()
    return set(re.findall(r"'(\w+) = pose_ros\.[\w.]+:main'", setup))


def readme_topics(node):
    readme = (ROOT / 'README.md').read_text()
    section = readme.split(f'### Topics of `{node}`')[1].split('###')[0]
    return set(re.findall(r'^\| (?:in|out) \| `([^`]+)`', section, re.M))


def pose_ros_nodes():
    nodes = [c for c in calls('LifecycleNode') + calls('Node')
             if isinstance(kwarg(c, 'package'), ast.Constant)
             and kwarg(c, 'package').value == 'pose_ros']
    assert nodes, 'the launch file starts no pose_ros node'
    return nodes


def declared_arguments():
    """Return the launch file's DESCRIPTIONS table: argument name -> description (AST)."""
    table = next(n.value for n in TREE.body if isinstance(n, ast.Assign)
                 and getattr(n.targets[0], 'id', None) == 'DESCRIPTIONS')
    return {k.value: v for k, v in zip(table.keys, table.values)}


def test_every_argument_has_a_description():
    args = declared_arguments()
    assert len(args) >= 8
    for name, description in args.items():
        text = ast.unparse(description)
        assert len(text) > 15, f'launch argument {name!r}: description too short'


def test_required_arguments_are_declared():
    declared = set(declared_arguments())
    assert {'image', 'compressed', 'camera_info', 'depth', 'use_depth', 'backend',
            'params_file', 'namespace', 'use_rviz', 'log_level', 'autostart'} <= declared
    assert set(PARAMETER_ARGUMENTS) | set(SWITCHES) <= declared
    used = {c.args[0].value for c in calls('arg') + calls('LaunchConfiguration')
            if c.args and isinstance(c.args[0], ast.Constant)}
    assert used <= declared, f'used but not declared: {used - declared}'


def test_nodes_use_installed_executables_and_checked_parameters():
    for node in pose_ros_nodes():
        executable = kwarg(node, 'executable').value
        assert executable in entry_points(), f'{executable} is not an entry point of setup.py'
        params = ast.unparse(kwarg(node, 'parameters'))
        # The params file, then only the overrides plan_launch checked for this node.
        assert params.startswith(f"[arg('params_file'), {{**plan.overrides['{executable}']") \
            or params == f"[arg('params_file'), plan.overrides['{executable}']]", params
    for argument, (executable, parameter) in PARAMETER_ARGUMENTS.items():
        assert parameter in PACKAGE_PARAMS[executable], (argument, parameter)


def test_launch_drives_the_body_node_lifecycle():
    """body_node does not bring itself up under launch: launch configures, then activates."""
    body = next(n for n in pose_ros_nodes() if kwarg(n, 'executable').value == 'body_node')
    assert body.func.id == 'LifecycleNode'
    overrides = [e for e in kwarg(body, 'parameters').elts if isinstance(e, ast.Dict)][0]
    autostart = {k.value: v for k, v in zip(overrides.keys, overrides.values) if k}['autostart']
    assert isinstance(autostart, ast.Constant) and autostart.value is False
    changes = [ast.unparse(kwarg(c, 'transition_id')) for c in calls('ChangeState')]
    assert sorted(changes) == ['Transition.TRANSITION_ACTIVATE', 'Transition.TRANSITION_CONFIGURE']
    handler = calls('OnStateTransition')[0]
    assert kwarg(handler, 'goal_state').value == 'inactive'
    assert ast.unparse(kwarg(handler, 'target_lifecycle_node')) == 'body'
    assert SWITCHES['autostart'] is True and 'autostart' not in PARAMETER_ARGUMENTS


def test_remappings_name_topics_the_node_uses():
    for node in pose_ros_nodes():
        executable = kwarg(node, 'executable').value
        topics = readme_topics(executable)
        remaps = kwarg(node, 'remappings')
        sources = {pair.elts[0].value for pair in remaps.elts}
        assert sources <= topics, f'{executable}: remapped topics it does not use: ' \
                                  f'{sources - topics}'
        if executable == 'body_node':
            assert {'image', 'camera_info', 'depth', 'image/compressed'} <= sources


def test_files_the_launch_file_names_are_installed():
    text = LAUNCH.read_text()
    setup = (ROOT / 'setup.py').read_text()
    for rel in re.findall(r"'config', '([\w.]+)'", text):
        assert (ROOT / 'config' / rel).is_file(), rel
    assert "glob('config/*.yaml') + glob('config/*.rviz')" in setup
    assert "glob('config/*.xml')" in setup and (ROOT / 'config' / 'fastdds.xml').is_file()
    assert "glob('launch/*.launch.py')" in setup


def test_loads_with_the_launch_libraries_where_installed():
    if any(importlib.util.find_spec(m) is None for m in ('launch', 'launch_ros')):
        pytest.skip('launch / launch_ros are not installed (they come with a ROS distro and '
                    'have no PyPI build); the static checks above cover the file')
    spec = importlib.util.spec_from_file_location('bringup', LAUNCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    description = module.generate_launch_description()
    names = [a.name for a in description.get_launch_arguments()]
    assert 'params_file' in names and 'use_rviz' in names
