# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The configuration options of the command-line tools: ``--params-file``, ``--param``, ``--backend``.

``offline`` and ``pose_record`` take body_node's own configuration: ``--params-file FILE`` (a
ROS 2 parameter file such as ``config/pose_ros.yaml``; its ``body_node`` part is read), then
``--param NAME=VALUE`` overrides (dotted parameter names, values parsed as YAML scalars, as
``-p NAME:=VALUE`` is), and ``--backend B`` as a shortcut for ``--param backend=B``. Without a
file the defaults are :class:`~pose_ros.config.BodyConfig`'s, which are those of
``config/pose_ros.yaml``. Pure Python (no rclpy).
"""

import argparse
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

from pose_ros.config import (ActivityConfig, BACKENDS, BodyConfig, ConfigError, from_flat,
                             load_params_file)
from pose_ros.yaml_loading import parse_unique_yaml
import yaml

__all__ = ['activity_config', 'add_config_arguments', 'body_config', 'config_from_arguments',
           'parse_param']

NODE_NAME = 'body_node'


def parse_param(text: str) -> Tuple[str, Any]:
    """
    Parse ``NAME=VALUE`` (VALUE a YAML scalar: ``true``, ``3``, ``0.5``, ``cuda:0``, ``''``).

    :raises ConfigError: no ``=``, no name, or a value that is no scalar.
    """
    name, sep, value = text.partition('=')
    name = name.strip()
    if not sep or not name:
        raise ConfigError(f'--param wants NAME=VALUE (e.g. yolo.confidence=0.4), got {text!r}')
    try:
        parsed = parse_unique_yaml(value) if value.strip() else None
    except yaml.YAMLError as e:
        raise ConfigError(f'--param {name}: cannot parse {value!r} as a YAML scalar: '
                          f'{str(e).splitlines()[0]}') from None
    if parsed is None or not isinstance(parsed, (bool, int, float, str)):
        what = 'nothing' if parsed is None else type(parsed).__name__
        raise ConfigError(f'--param {name}: the value must be a YAML scalar (a boolean, '
                          f"number or string; '' for an empty string), got {what} from "
                          f'{value!r}')
    return name, parsed


def body_config(params_file: Optional[Path] = None, params: Sequence[str] = (),
                backend: Optional[str] = None) -> BodyConfig:
    """
    Return the BodyConfig of a parameter file (default: the defaults) with overrides applied.

    :param params: ``NAME=VALUE`` overrides, applied in order (the last of a name wins).
    :param backend: shortcut for ``backend=...``, applied before ``params``.
    :raises ConfigError: a malformed override, an unknown parameter or an invalid value (the
        message names it).
    :raises FileNotFoundError: no such parameter file.
    """
    overrides: Dict[str, Any] = {}
    if backend is not None:
        overrides['backend'] = backend
    for text in params:
        name, value = parse_param(text)
        overrides[name] = value
    if params_file is None:
        return from_flat(BodyConfig, overrides)
    path = Path(params_file)
    if not path.is_file():
        raise FileNotFoundError(f'parameter file {path} not found')
    try:
        return load_params_file(path, BodyConfig, NODE_NAME, overrides)
    except yaml.YAMLError as e:
        raise ConfigError(f'{path}: not a valid parameter file: {e}') from None


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--params-file``, ``--param`` and ``--backend`` to ``parser``."""
    group = parser.add_argument_group(
        'configuration', "body_node's parameters: the defaults (those of config/pose_ros.yaml)"
        ', a parameter file, then overrides')
    group.add_argument('--params-file', type=Path, metavar='FILE',
                       help='ROS 2 parameter file (e.g. config/pose_ros.yaml); its body_node '
                       'parameters are used')
    group.add_argument('--param', action='append', default=[], metavar='NAME=VALUE',
                       help='set a parameter (dotted name, YAML value), e.g. '
                       'yolo.confidence=0.4 or hands.enabled=true; repeatable, applied last')
    group.add_argument('--backend', choices=BACKENDS,
                       help='shortcut for --param backend=BACKEND')


def config_from_arguments(args: argparse.Namespace) -> BodyConfig:
    """Return the BodyConfig the options of :func:`add_config_arguments` describe."""
    return body_config(args.params_file, args.param, args.backend)


def activity_config(params_file: Optional[Path] = None,
                    params: Sequence[str] = ()) -> ActivityConfig:
    """
    Return activity_node's configuration from a parameter file (its ``activity_node`` part).

    As :func:`body_config`, for ``offline --activity`` (``--activity-param`` overrides).
    """
    overrides = dict(parse_param(text) for text in params)
    if params_file is None:
        return from_flat(ActivityConfig, overrides)
    path = Path(params_file)
    if not path.is_file():
        raise FileNotFoundError(f'parameter file {path} not found')
    try:
        return load_params_file(path, ActivityConfig, 'activity_node', overrides)
    except yaml.YAMLError as e:
        raise ConfigError(f'{path}: not a valid parameter file: {e}') from None
