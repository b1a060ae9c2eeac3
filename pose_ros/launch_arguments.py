# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
What the arguments of ``bringup.launch.py`` mean, checked before any node starts.

Pure Python (no launch import), so that it is tested everywhere. An argument that sets a
parameter and is left empty leaves the parameter file in charge; a given one overrides it.
Every value, and the parameter file with the overrides applied, is validated with the same
configuration classes the nodes use, so a typo fails the launch before a process is started
instead of killing one node while the others run on.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Tuple

from pose_ros.config import (ActivityConfig, AvatarConfig, BodyConfig, ClassifierConfig,
                             ConfigError, flat_specs, load_params_file, ParamSpec)

NODE_CONFIGS: Dict[str, type] = {'body_node': BodyConfig, 'classifier_node': ClassifierConfig,
                                 'activity_node': ActivityConfig, 'avatar_node': AvatarConfig}

# Launch argument -> (node, parameter). Empty: as the parameter file says.
PARAMETER_ARGUMENTS: Dict[str, Tuple[str, str]] = {
    'backend': ('body_node', 'backend'),
    'compressed': ('body_node', 'compressed'),
    'use_depth': ('body_node', 'use_depth'),
    'head': ('body_node', 'head.enabled'),
    'hands': ('body_node', 'hands.enabled'),
    'commands_file': ('classifier_node', 'commands_file'),
    'exercise': ('activity_node', 'repetitions.exercise'),
}
# Launch arguments that choose what launch starts and does: the classifier, the activity
# analytics, the avatar bridge, RViz, and whether launch brings body_node up (configure, then
# activate) or leaves that to a lifecycle manager.
SWITCHES: Dict[str, bool] = {'use_classifier': True, 'use_activity': False,
                             'use_avatar': False, 'use_rviz': False, 'autostart': True}
# The node each switch starts (its parameters are only checked when it starts).
_STARTED_BY = {'classifier_node': 'use_classifier', 'activity_node': 'use_activity',
               'avatar_node': 'use_avatar'}

_TRUE = ('true', '1', 'yes', 'on')
_FALSE = ('false', '0', 'no', 'off')


@dataclass(frozen=True)
class LaunchPlan:
    """What the launch starts, and with which parameter overrides."""

    overrides: Dict[str, Dict[str, Any]]     # node -> {parameter: typed value}
    use_classifier: bool
    use_activity: bool
    use_rviz: bool
    use_avatar: bool
    autostart: bool                           # launch drives body_node's lifecycle


def parse_bool(name: str, text: str) -> bool:
    """Return a launch argument's text as a bool, or raise ConfigError naming it."""
    word = text.strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ConfigError(f'launch argument {name}:={text!r} must be true or false')


def _spec(node: str, parameter: str) -> ParamSpec:
    return dict(flat_specs(NODE_CONFIGS[node]))[parameter]


def parameter_default(argument: str) -> Any:
    """Return the packaged default of the parameter a launch argument overrides."""
    return _spec(*PARAMETER_ARGUMENTS[argument]).default


def typed_value(argument: str, text: str) -> Any:
    """Return a launch argument's text as its parameter's type (validated later, with the rest)."""
    kind = _spec(*PARAMETER_ARGUMENTS[argument]).kind
    if kind is bool:
        return parse_bool(argument, text)
    # An empty argument leaves the params file in charge; '' asks for the empty string.
    return '' if text.strip() in ("''", '""') else text


def plan_launch(arguments: Mapping[str, str], params_file: Path) -> LaunchPlan:
    """
    Check the launch arguments and the parameter file; return what to start.

    :param arguments: launch argument name -> text as given ('' where not given).
    :raises ConfigError: an invalid argument, an unreadable parameter file, or a parameter
        value (in the file or from an argument) that the node would refuse.
    """
    overrides: Dict[str, Dict[str, Any]] = {node: {} for node in NODE_CONFIGS}
    for argument, (node, parameter) in PARAMETER_ARGUMENTS.items():
        text = arguments.get(argument, '')
        if text.strip():
            overrides[node][parameter] = typed_value(argument, text)
    switches = {name: parse_bool(name, arguments.get(name, '') or str(default))
                for name, default in SWITCHES.items()}
    for node, cls in NODE_CONFIGS.items():
        if node in _STARTED_BY and not switches[_STARTED_BY[node]]:
            continue
        load_params_file(Path(params_file), cls, node, overrides[node])   # as the node will
    return LaunchPlan(overrides, switches['use_classifier'], switches['use_activity'],
                      switches['use_rviz'], switches['use_avatar'], switches['autostart'])
