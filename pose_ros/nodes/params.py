# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
A node's ROS parameters, declared from its configuration class (:mod:`pose_ros.config`).

Names, defaults, descriptions, ranges and read-only flags all come from the configuration
class; here they only become ROS parameter declarations. A run-time change builds a new
configuration, which validates itself: an invalid value (or combination) is rejected with
the reason and nothing changes; a valid one replaces the configuration as a whole.
"""

import re
from typing import Any, Callable, Dict, Generic, Optional, Type, TypeVar

from pose_ros.config import ConfigError, flat_specs, from_flat, ParamSpec, replace, Section
from rcl_interfaces.msg import (FloatingPointRange, IntegerRange, ParameterDescriptor,
                                SetParametersResult)
from rclpy.exceptions import ParameterException

C = TypeVar('C', bound=Section)


def descriptor(name: str, spec: ParamSpec) -> ParameterDescriptor:
    """Return the ROS descriptor of parameter ``name``: description, range, read-only."""
    d = ParameterDescriptor(name=name, description=spec.description,
                            read_only=spec.read_only)
    if spec.limits is not None and spec.kind is int:
        d.integer_range = [IntegerRange(from_value=int(spec.limits[0]),
                                        to_value=int(spec.limits[1]), step=1)]
    elif spec.limits is not None:
        d.floating_point_range = [FloatingPointRange(from_value=float(spec.limits[0]),
                                                     to_value=float(spec.limits[1]))]
    if spec.choices:
        d.additional_constraints = 'one of: ' + ', '.join(spec.choices)
    return d


class ConfigParams(Generic[C]):
    """
    The parameters of ``cls`` declared on a node, and the configuration they make.

    ``config`` is always a valid, immutable configuration; replacing the reference is atomic,
    so any thread may read it. ``on_change(new_config, changed_names)`` runs after a
    successful change (in the executor's thread).
    """

    def __init__(self, node, cls: Type[C],
                 on_change: Optional[Callable[[C, Dict[str, Any]], None]] = None) -> None:
        self._specs = dict(flat_specs(cls))
        node.declare_parameters('', [(name, spec.default, descriptor(name, spec))
                                     for name, spec in self._specs.items()])
        self.config: C = from_flat(cls, {name: node.get_parameter(name).value
                                         for name in self._specs})
        self.on_change = on_change
        node.add_on_set_parameters_callback(self._on_set)

    def _on_set(self, params) -> SetParametersResult:
        changes = {p.name: p.value for p in params if p.name in self._specs}
        if not changes:
            return SetParametersResult(successful=True)
        try:
            candidate = replace(self.config, changes)
        except ConfigError as e:
            return SetParametersResult(successful=False, reason=str(e))
        self.config = candidate
        if self.on_change is not None:
            self.on_change(candidate, changes)
        return SetParametersResult(successful=True)


def start_failure(error: BaseException, cls: Type[Section]) -> str:
    """
    Say in one line why a node cannot start, and for a bad parameter what it accepts.

    rclpy's own parameter errors name the value but not what would be right; the
    configuration class does.
    """
    text = str(error) or type(error).__name__
    if isinstance(error, KeyError) and error.args:
        text = str(error.args[0])
    if not isinstance(error, (ValueError, KeyError, FileNotFoundError, RuntimeError,
                              ParameterException)):
        text = f'{type(error).__name__}: {text}'
    if isinstance(error, ParameterException):
        for name, spec in flat_specs(cls):
            if re.search(rf"'{re.escape(name)}'|: {re.escape(name)}$", text):
                return f'{text}. Fix: {name} is {spec.expectation()}'
    return text
