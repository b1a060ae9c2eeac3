# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
From the controlling person's stable label to commands: strings, Twists, lights.

A YAML file maps labels to actions (``config/commands_lights.yaml``,
``config/commands_teleop.yaml``)::

    version: 1
    outputs:                       # optional; topic names (relative: remap them)
      string_topic: pose_command/text    # std_msgs/String
      twist_topic: cmd_vel               # geometry_msgs/Twist
      lights_topic: lights               # std_msgs/Bool, the lights' new state
    twist:                         # optional; limits of every Twist sent
      max_linear: 0.3              # m/s, |linear.x| never exceeds it
      max_angular: 1.0             # rad/s, |angular.z| never exceeds it
      linear_accel: 0.5            # m/s^2, rate limit (both ways)
      angular_accel: 2.0           # rad/s^2
      deadman_timeout_s: 0.5       # zero Twist at the latest this long after the gesture is lost
    lights:
      initial: 'off'
    stop: [open_palm]              # optional; labels that stop the Twist (see below)
    actions:                       # label -> any of string / twist / lights
      t_pose: {lights: 'on'}
      dab: {lights: 'off'}
      waving: {lights: toggle}
      right_arm_raised: {twist: {linear: 0.0, angular: -0.5}}
      pointing_left: {string: go_left}                  # or {string: {data: x, topic: y}}

Quote ``'on'`` and ``'off'``: unquoted YAML 1.1 reads them as booleans (accepted too).

Behaviour, driven by :meth:`CommandPolicy.step` with the controller's stable label (None when
nobody controls, ``'unknown'`` when their gesture is lost):

* ``twist``: while the label has a twist action the Twist goes to it, rate-limited; any other
  label (or none) ramps it down to zero, and ``deadman_timeout_s`` after the last label with a
  twist action the output is exactly zero, whatever the rate limits. Call ``step`` from a
  timer, with None when no fresh data comes, so the deadman also covers a silent input. Sent
  at every step when any action has a twist.
* ``stop``: while anyone in view shows one of these labels (their label of that frame, before
  hysteresis: a stop must not wait), the Twist is exactly zero at the next step, with no ramp,
  whoever is in control and whatever their gesture; it stays zero ``input_timeout`` after the
  stop label was last seen. The motion that was in force then does not come back by itself:
  the controller's label has to change first (to another gesture, or none, and back). Strings
  and lights carry on. Precedence, highest first: a fault or the deadman (zero), a stop
  label, the controller's stable label.
* ``string``: sent once when its label becomes active (rising edge), not repeated while held.
* ``lights``: ``'on'``/``'off'``/``'toggle'`` on the label's rising edge only; the new state is
  sent on every such edge.

Validation happens at load: an action for a label that is neither a built-in gesture
(:data:`~pose_ros.classifier.rules.RULE_LABELS`) nor a label of the trained model in use is a
:class:`ConfigError` listing the known labels; so are unknown keys, bad values and Twists
beyond the limits.
"""

from dataclasses import dataclass, field
import math
from pathlib import Path
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from pose_ros.classifier.hand_signs import HAND_SIGNS
from pose_ros.classifier.rules import RULE_LABELS, UNKNOWN
from pose_ros.config import ConfigError     # a command map is configuration too
from pose_ros.yaml_loading import parse_unique_yaml
import yaml

CONFIG_VERSION = 1
LIGHT_COMMANDS = ('on', 'off', 'toggle')
_TOP_KEYS = ('version', 'outputs', 'twist', 'lights', 'stop', 'actions')
_TOPIC = re.compile(r'^[~/]?[A-Za-z_][A-Za-z0-9_/]*$')


@dataclass
class TwistLimits:
    """Limits of every Twist sent (SI units)."""

    max_linear: float = 0.3
    max_angular: float = 1.0
    linear_accel: float = 0.5
    angular_accel: float = 2.0
    deadman_timeout_s: float = 0.5


@dataclass
class Action:
    """What one label does; any of the three may be set."""

    label: str
    string: Optional[str] = None
    string_topic: Optional[str] = None       # None: the default string topic
    twist: Optional[Tuple[float, float]] = None   # (linear.x m/s, angular.z rad/s)
    lights: Optional[str] = None             # 'on' | 'off' | 'toggle'


@dataclass
class CommandConfig:
    """A validated command configuration."""

    actions: Dict[str, Action]
    twist: TwistLimits = field(default_factory=TwistLimits)
    string_topic: str = 'pose_command/text'
    twist_topic: str = 'cmd_vel'
    lights_topic: str = 'lights'
    lights_initial: bool = False
    stop_labels: Tuple[str, ...] = ()
    source: str = '<dict>'

    @property
    def has_twist(self) -> bool:
        return any(a.twist is not None for a in self.actions.values())

    @property
    def has_lights(self) -> bool:
        return any(a.lights is not None for a in self.actions.values())

    @property
    def string_topics(self) -> Tuple[str, ...]:
        """Every topic a string may be sent on (the node creates one publisher each)."""
        topics = {a.string_topic or self.string_topic for a in self.actions.values()
                  if a.string is not None}
        return tuple(sorted(topics))


def known_labels(model_labels: Iterable[str] = ()) -> Tuple[str, ...]:
    """Labels a configuration may use: built-in gestures and hand signs, a model's labels."""
    return tuple(dict.fromkeys([*RULE_LABELS, *HAND_SIGNS, *model_labels]))


def load_config(source: Union[str, Path, Mapping[str, Any]],
                labels: Optional[Iterable[str]] = None) -> CommandConfig:
    """
    Read and validate a command configuration.

    :param source: a YAML file path, or already parsed YAML (a mapping).
    :param labels: the labels actions may use (default :func:`known_labels` ``()``, the
        built-in gestures); pass ``known_labels(model.labels)`` with a trained model.
    :raises ConfigError: with the file name, the offending entry and what is expected.
    """
    if not isinstance(source, (str, Path)):
        data, where = source, '<dict>'
    else:
        where = str(source)
        try:
            text = Path(source).read_text()
        except OSError as e:
            raise ConfigError(f'cannot read command config {where}: {e}') from None
        try:
            data = parse_unique_yaml(text)
        except yaml.YAMLError as e:
            raise ConfigError(f'{where}: not valid YAML: {e}') from None
    known = tuple(labels) if labels is not None else known_labels()
    return _parse(data, known, where)


def _err(where: str, what: str) -> ConfigError:
    return ConfigError(f'{where}: {what}')


def _mapping(value: Any, where: str, what: str, allowed: Sequence[str]) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _err(where, f'{what} must be a mapping, got {type(value).__name__}')
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        raise _err(where, f'{what}: unknown key(s) {unknown}; allowed: {list(allowed)}')
    return value


def _number(value: Any, where: str, what: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _err(where, f'{what} must be a number, got {value!r}')
    v = float(value)
    if not math.isfinite(v) or (positive and v <= 0):
        raise _err(where, f'{what} must be a finite{" positive" if positive else ""} number, '
                          f'got {value!r}')
    return v


def _topic(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not _TOPIC.match(value):
        raise _err(where, f'{what} must be a ROS topic name, got {value!r}')
    return value


def _light(value: Any, where: str, what: str) -> str:
    if isinstance(value, bool):       # YAML 1.1: unquoted on/off are booleans
        return 'on' if value else 'off'
    if value not in LIGHT_COMMANDS:
        raise _err(where, f'{what} must be one of {list(LIGHT_COMMANDS)}, got {value!r}')
    return value


def _parse(data: Any, known: Sequence[str], where: str) -> CommandConfig:
    top = _mapping(data, where, 'the file', _TOP_KEYS)
    version = top.get('version', CONFIG_VERSION)
    if version != CONFIG_VERSION:
        raise _err(where, f'version {version!r} is not supported (this is version '
                          f'{CONFIG_VERSION})')
    outputs = _mapping(top.get('outputs'), where, 'outputs',
                       ('string_topic', 'twist_topic', 'lights_topic'))
    topics = {k: _topic(v, where, f'outputs.{k}') for k, v in outputs.items()}
    limits_in = _mapping(top.get('twist'), where, 'twist', tuple(TwistLimits.__dataclass_fields__))
    limits = TwistLimits(**{k: _number(v, where, f'twist.{k}', positive=True)
                            for k, v in limits_in.items()})
    lights_in = _mapping(top.get('lights'), where, 'lights', ('initial',))
    lights_initial = _light(lights_in.get('initial', 'off'), where, 'lights.initial')
    if lights_initial == 'toggle':
        raise _err(where, "lights.initial must be 'on' or 'off'")

    actions_in = top.get('actions')
    if not isinstance(actions_in, Mapping) or not actions_in:
        raise _err(where, 'actions must be a non-empty mapping of label -> action')
    actions: Dict[str, Action] = {}
    for label, spec in actions_in.items():
        label = str(label)
        here = f'actions.{label}'
        if label == UNKNOWN:
            raise _err(where, f"{here}: 'unknown' cannot trigger an action (a lost gesture "
                              'already stops the Twist: the deadman)')
        if label not in known:
            raise _err(where, f'{here}: unknown label {label!r}; known labels: '
                              f'{", ".join(known)}')
        spec = _mapping(spec, where, here, ('string', 'twist', 'lights'))
        if not spec:
            raise _err(where, f'{here}: empty action; give string, twist and/or lights')
        action = Action(label)
        if 'string' in spec:
            s = spec['string']
            if isinstance(s, Mapping):
                s = _mapping(s, where, f'{here}.string', ('data', 'topic'))
                if 'topic' in s:
                    action.string_topic = _topic(s['topic'], where, f'{here}.string.topic')
                s = s.get('data')
            if not isinstance(s, str) or not s:
                raise _err(where, f'{here}.string must be a non-empty string, got {s!r}')
            action.string = s
        if 'twist' in spec:
            tw = _mapping(spec['twist'], where, f'{here}.twist', ('linear', 'angular'))
            linear = _number(tw.get('linear', 0.0), where, f'{here}.twist.linear')
            angular = _number(tw.get('angular', 0.0), where, f'{here}.twist.angular')
            if abs(linear) > limits.max_linear or abs(angular) > limits.max_angular:
                raise _err(where, f'{here}.twist ({linear}, {angular}) exceeds the limits '
                                  f'max_linear={limits.max_linear}, '
                                  f'max_angular={limits.max_angular}')
            action.twist = (linear, angular)
        if 'lights' in spec:
            action.lights = _light(spec['lights'], where, f'{here}.lights')
        actions[label] = action
    stop_labels = _stop_labels(top.get('stop', []), known, where)
    for label in stop_labels:
        if label in actions and actions[label].twist is not None:
            raise _err(where, f'actions.{label}: {label!r} is a stop label; it cannot also '
                              'drive the Twist')
    return CommandConfig(actions=actions, twist=limits, lights_initial=lights_initial == 'on',
                         stop_labels=stop_labels, source=where, **topics)


def _stop_labels(value: Any, known: Sequence[str], where: str) -> Tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise _err(where, f'stop must be a list of labels, got {value!r}')
    for label in value:
        if label not in known or label == UNKNOWN:
            raise _err(where, f'stop: unknown label {label!r}; known labels: '
                              f'{", ".join(known)}')
    return tuple(dict.fromkeys(str(v) for v in value))


class TwistCommander:
    """
    Rate-limited Twist with a deadman (see the module doc).

    ``step(t, label)`` -> ``(linear.x, angular.z)``; ``targets`` maps labels to Twists.
    """

    def __init__(self, targets: Mapping[str, Tuple[float, float]],
                 limits: Optional[TwistLimits] = None) -> None:
        self.targets = dict(targets)
        self.limits = limits or TwistLimits()
        self.reset()

    def reset(self) -> None:
        """Stop now and forget the time."""
        self.linear = 0.0
        self.angular = 0.0
        self._last_t = float('nan')
        self._last_command_t = float('-inf')

    def step(self, t: float, label: Optional[str]) -> Tuple[float, float]:
        lim = self.limits
        target = self.targets.get(label) if label else None
        dt = t - self._last_t if math.isfinite(self._last_t) else 0.0
        if dt < 0:              # time went back (bag replay restarted): start again stopped
            self.reset()
            dt = 0.0
        self._last_t = t
        if target is not None:
            self._last_command_t = t
        elif t - self._last_command_t >= lim.deadman_timeout_s:
            # The deadman: exactly zero, not a ramp, once the timeout has passed.
            self.linear = self.angular = 0.0
            return 0.0, 0.0
        goal = target if target is not None else (0.0, 0.0)
        self.linear = _approach(self.linear, goal[0], lim.linear_accel * dt, lim.max_linear)
        self.angular = _approach(self.angular, goal[1], lim.angular_accel * dt, lim.max_angular)
        return self.linear, self.angular


def _approach(value: float, goal: float, max_step: float, limit: float) -> float:
    value += min(max(goal - value, -max_step), max_step)
    return min(max(value, -limit), limit)


class LightsState:
    """
    Lights on/off/toggle on rising edges of labels.

    ``update(label)`` returns the new state (True = on) when ``label`` has just become active
    and has a lights action, else None; holding a label never toggles twice.
    """

    def __init__(self, commands: Mapping[str, str], initial: bool = False) -> None:
        for label, cmd in commands.items():
            if cmd not in LIGHT_COMMANDS:
                raise ValueError(f'lights command of {label!r} must be one of '
                                 f'{LIGHT_COMMANDS}, got {cmd!r}')
        self.commands = dict(commands)
        self.state = bool(initial)
        self._previous: Optional[str] = None

    def forget_label(self) -> None:
        """Make the next label count as a rising edge (the state is kept)."""
        self._previous = None

    def update(self, label: Optional[str]) -> Optional[bool]:
        rising = label is not None and label != self._previous
        self._previous = label
        cmd = self.commands.get(label) if rising else None
        if cmd is None:
            return None
        self.state = (not self.state) if cmd == 'toggle' else cmd == 'on'
        return self.state


@dataclass
class CommandOutput:
    """What to publish after one step."""

    twist: Optional[Tuple[float, float]] = None      # None: this config sends no Twist
    strings: List[Tuple[str, str]] = field(default_factory=list)   # (topic, text)
    lights: Optional[bool] = None                     # new lights state to send now


class CommandPolicy:
    """All actions of one :class:`CommandConfig`, stepped with the controller's label."""

    def __init__(self, config: CommandConfig) -> None:
        self.config = config
        self.twist = TwistCommander({k: a.twist for k, a in config.actions.items()
                                     if a.twist is not None}, config.twist)
        self.lights = LightsState({k: a.lights for k, a in config.actions.items()
                                   if a.lights is not None}, config.lights_initial)
        self._previous: Optional[str] = None
        self._stopped: Optional[str] = None      # the label a stop interrupted

    def step(self, t: float, label: Optional[str], stop: bool = False) -> CommandOutput:
        """
        Advance to ``t`` seconds with the controller's stable label.

        :param label: None when nobody is in control; ``'unknown'`` counts as no gesture.
        :param stop: someone shows a stop label: the Twist is zero now (module doc).
        """
        if label == UNKNOWN:
            label = None
        out = CommandOutput()
        if stop:
            self.twist.reset()
            self._stopped = label
            if self.config.has_twist:
                out.twist = (0.0, 0.0)
        elif self.config.has_twist:
            if label != self._stopped:
                self._stopped = None          # the label changed: the stop is over
            out.twist = self.twist.step(t, None if label is not None and label == self._stopped
                                        else label)
        if label is not None and label != self._previous:
            action = self.config.actions.get(label)
            if action is not None and action.string is not None:
                out.strings.append((action.string_topic or self.config.string_topic,
                                    action.string))
        self._previous = label
        out.lights = self.lights.update(label)
        return out

    def reset(self) -> None:
        """Stop the Twist and forget the previous label (lights keep their state)."""
        self.twist.reset()
        self._previous = None
        self._stopped = None
        self.lights.forget_label()
