# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""The one configuration: validated once, immutable, the same from ROS, YAML and tools."""

import dataclasses
from pathlib import Path

from pose_ros import config as C
import pytest

ROOT = Path(__file__).resolve().parent.parent
PARAMS_FILE = ROOT / 'config' / 'pose_ros.yaml'


@pytest.mark.parametrize('cls', [C.BodyConfig, C.ClassifierConfig, C.ActivityConfig])
def test_defaults_are_valid_and_described(cls):
    config = cls()
    flat = C.to_flat(config)
    specs = dict(C.flat_specs(cls))
    assert set(flat) == set(specs)
    for name, spec in specs.items():
        assert flat[name] == spec.default
        assert len(spec.description) > 10, name
        if spec.limits is not None:
            assert spec.limits[0] <= spec.default <= spec.limits[1], name
        if spec.choices:
            assert spec.default in spec.choices, name
    assert C.from_flat(cls, flat) == config


def test_dotted_names_are_the_nested_fields():
    config = C.replace(C.BodyConfig(), {'smoothing.min_cutoff': 2.0, 'yolo.confidence': 0.5})
    assert config.smoothing.min_cutoff == 2.0 and config.yolo.confidence == 0.5
    assert C.to_flat(config)['smoothing.min_cutoff'] == 2.0
    assert C.nested({'a.b.c': 1, 'a.d': 2}) == {'a': {'b': {'c': 1}, 'd': 2}}
    assert C.flatten(C.nested({'a.b.c': 1, 'a.d': 2})) == {'a.b.c': 1, 'a.d': 2}


def test_configurations_are_immutable():
    config = C.BodyConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.smoothing.beta = 1.0
    changed = C.replace(config, {'smoothing.beta': 1.0})
    assert config.smoothing.beta == 0.05 and changed.smoothing.beta == 1.0


@pytest.mark.parametrize('changes, message', [
    ({'smoothing.min_cutoff': -1.0}, r'smoothing.min_cutoff must be in \[0.001, 100.0\]; '
                                     'got -1.0'),
    ({'backend': 'openpose'}, "backend must be one of .*; got 'openpose'"),
    ({'max_people': 2.5}, 'max_people must be an int in'),
    ({'use_depth': 'yes'}, 'use_depth must be a boolean'),
    ({'yolo.image_size': 100}, 'yolo: image_size must be a multiple of 32'),
    ({'yolo.device': 'gpu'}, "yolo: device must be 'cpu', 'cuda' or 'cuda:N'"),
    ({'depth.window': 4}, 'depth: window must be odd'),
    ({'depth.min': 5.0, 'depth.max': 1.0}, r'depth: min \(5.0\) must be below max \(1.0\)'),
    ({'sync_tolerance': float('nan')}, 'sync_tolerance must be finite'),
    ({'smothing.beta': 1.0}, r"unknown parameter\(s\) \['smothing.beta'\]"),
])
def test_invalid_values_name_the_parameter(changes, message):
    with pytest.raises(C.ConfigError, match=message):
        C.replace(C.BodyConfig(), changes)


def test_activity_cross_checks():
    with pytest.raises(C.ConfigError, match=r'squat_rest \(0.5\) must be above squat_peak'):
        C.replace(C.ActivityConfig(), {'repetitions.squat_rest': 0.5})
    with pytest.raises(C.ConfigError, match=r'jack_rest \(130.0\) must be below jack_peak'):
        C.replace(C.ActivityConfig(), {'repetitions.jack_rest': 130.0})
    with pytest.raises(C.ConfigError, match='repetitions.exercise must be one of'):
        C.replace(C.ActivityConfig(), {'repetitions.exercise': 'burpee'})


def test_classifier_cross_checks():
    with pytest.raises(C.ConfigError, match=r'hysteresis: exit \(0.8\) must not exceed'):
        C.replace(C.ClassifierConfig(), {'hysteresis.exit': 0.8})
    with pytest.raises(C.ConfigError, match='model_path is empty'):
        C.replace(C.ClassifierConfig(), {'classifier': 'model'})
    with pytest.raises(C.ConfigError, match='must differ'):
        C.replace(C.ClassifierConfig(), {'control.disengage_label': 'both_arms_up'})


def test_ints_are_accepted_for_floats():
    assert C.replace(C.BodyConfig(), {'smoothing.beta': 1}).smoothing.beta == 1.0
    assert isinstance(C.replace(C.BodyConfig(), {'smoothing.beta': 1}).smoothing.beta, float)


def test_the_shipped_params_file_is_the_defaults():
    assert C.load_params_file(PARAMS_FILE, C.BodyConfig, 'body_node') == C.BodyConfig()
    assert (C.load_params_file(PARAMS_FILE, C.ClassifierConfig, 'classifier_node')
            == C.ClassifierConfig())
    assert (C.load_params_file(PARAMS_FILE, C.ActivityConfig, 'activity_node')
            == C.ActivityConfig())


def test_params_file_sections_and_overrides(tmp_path):
    path = tmp_path / 'params.yaml'
    path.write_text('/**:\n  ros__parameters:\n    diagnostics_period: 2.0\n'
                    '/**/body_node:\n  ros__parameters:\n    backend: mediapipe\n'
                    '    smoothing:\n      beta: 0.5\n'
                    'other_node:\n  ros__parameters:\n    whatever: 1\n')
    config = C.load_params_file(path, C.BodyConfig, 'body_node', {'smoothing.beta': 0.7})
    assert config.backend == 'mediapipe' and config.diagnostics_period == 2.0
    assert config.smoothing.beta == 0.7


@pytest.mark.parametrize('text, message', [
    ('/**/body_node:\n  ros__parameters:\n    backend: yolo\n    backend: mediapipe\n',
     "the key 'backend' is given twice"),
    ('/**/body_node:\n  ros__parameters:\n    smoothing:\n      bta: 0.5\n',
     r"unknown parameter\(s\) \['smoothing.bta'\]"),
    ('/**/body_node:\n  ros__parameters:\n    max_people: 0\n', r'max_people must be in'),
    ('/**/body_node:\n  backend: yolo\n', 'expected a ros__parameters mapping'),
])
def test_params_file_errors_name_file_and_parameter(tmp_path, text, message):
    path = tmp_path / 'bad.yaml'
    path.write_text(text)
    with pytest.raises(C.ConfigError, match=message) as error:
        C.load_params_file(path, C.BodyConfig, 'body_node')
    assert 'bad.yaml' in str(error.value)


def test_expectation_says_what_is_accepted():
    spec = dict(C.flat_specs(C.ClassifierConfig))['rate']
    assert spec.expectation() == ('a float in [1.0, 200.0], default 20.0: Hz at which commands '
                                  '(Twist) are sent.')
