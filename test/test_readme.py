# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""The README's interface tables and config/pose_ros.yaml agree with what body_node declares."""

from pathlib import Path
import re

from pose_ros.config import (ActivityConfig, AvatarConfig, BodyConfig, ClassifierConfig,
                             flat_specs)
from pose_ros.tools.interface_doc import render
import pytest
from rclpy.parameter import parameter_value_to_python
from ros_helpers import RosContext
import yaml

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / 'README.md').read_text()


def flatten(d, prefix=''):
    for key, value in d.items():
        if isinstance(value, dict):
            yield from flatten(value, f'{prefix}{key}.')
        else:
            yield f'{prefix}{key}', value


def readme_topics():
    section = README.split('### Topics of `body_node`')[1].split('###')[0]
    rows = re.findall(r'^\| (in|out) \| `([^`]+)`[^|]*\| ([\w/]+)', section, re.M)
    return {(direction, topic): msg_type for direction, topic, msg_type in rows}


def test_parameter_table_is_current():
    assert render(README) == README, \
        'README parameter table is stale: run python -m pose_ros.tools.interface_doc'


@pytest.mark.parametrize('node, cls', [('body_node', BodyConfig),
                                       ('classifier_node', ClassifierConfig),
                                       ('activity_node', ActivityConfig),
                                       ('avatar_node', AvatarConfig)])
def test_config_yaml_sets_exactly_the_declared_parameters(node, cls):
    config = yaml.safe_load((ROOT / 'config' / 'pose_ros.yaml').read_text())
    values = dict(flatten(config[f'/**/{node}']['ros__parameters']))
    declared = {name: spec.default for name, spec in flat_specs(cls)}
    assert set(values) == set(declared)
    assert values == declared, 'config/pose_ros.yaml defaults differ from the declarations'
    # One comment per parameter line.
    lines = [ln for ln in (ROOT / 'config' / 'pose_ros.yaml').read_text().splitlines()
             if re.match(r'\s+\w+: \S', ln) and 'ros__parameters' not in ln]
    assert all('#' in ln for ln in lines), [ln for ln in lines if '#' not in ln]


@pytest.fixture(scope='module')
def live_node():
    """Run a real body_node in this process, configured and active (YOLO backend)."""
    from pose_ros.nodes.body_node import BodyNode
    with RosContext() as ros:
        node = BodyNode(context=ros.context)
        assert node.state == 'active'
        yield node
        node._stop_worker()
        node.destroy_node()


def test_declared_parameters_match_readme(live_node):
    for name, spec in flat_specs(BodyConfig):
        assert live_node.has_parameter(name)
        descriptor = live_node.describe_parameter(name)
        assert descriptor.description == spec.description
        assert descriptor.read_only == spec.read_only
        assert f'| `{name}` |' in README
    builtin = {'use_sim_time', 'start_type_description_service'}
    names = {n for n in live_node._parameters if n not in builtin}
    assert names == {name for name, _ in flat_specs(BodyConfig)}


def test_topics_match_readme(live_node):
    name, ns = live_node.get_name(), live_node.get_namespace()
    pubs = dict(live_node.get_publisher_names_and_types_by_node(name, ns))
    subs = dict(live_node.get_subscriber_names_and_types_by_node(name, ns))
    actual = {('out', t.lstrip('/')): types[0] for t, types in pubs.items()
              if t not in ('/rosout', '/parameter_events')}
    actual.update({('in', t.lstrip('/')): types[0] for t, types in subs.items()
                   if t != '/parameter_events'})
    documented = {(d, t.lstrip('/')): ty for (d, t), ty in readme_topics().items()}
    # Default configuration: raw image, no depth.
    optional = {('in', 'image/compressed'), ('in', 'depth'), ('out', 'person_mask'),
                ('out', 'effect_image')}
    assert set(actual) == set(documented) - optional
    for key, msg_type in actual.items():
        assert documented[key] == msg_type, key


def test_runtime_parameter_change_is_validated(live_node):
    from rclpy.parameter import Parameter
    ok = live_node.set_parameters([Parameter('smoothing.beta', value=0.5)])[0]
    assert ok.successful
    assert live_node.config.smoothing.beta == 0.5
    assert live_node.pipeline._next is live_node.config      # taken before the next frame
    bad = live_node.set_parameters([Parameter('depth.window', value=4)])[0]
    assert not bad.successful and 'odd' in bad.reason
    assert parameter_value_to_python(
        live_node.get_parameter('depth.window').get_parameter_value()) == 5
    inverted = live_node.set_parameters([Parameter('depth.min', value=20.0)])[0]
    assert not inverted.successful and 'depth: min (20.0) must be below max' in inverted.reason
    assert live_node.config.depth.min == 0.1
