# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
classifier_node: people in; per-person pose labels and the controller's commands out.

A thin adapter around :class:`pose_ros.classifier.control_loop.ControlLoop`, which holds the
safety rules (what counts as evidence, who is in control, the deadman). This node converts
People messages, which may come from anyone and be malformed, into plain people, feeds them to
the loop, and publishes what the loop decides. The commands are stepped by a thread of their
own, not by an executor timer: no frame, however slow, hostile or numerous, can delay the
deadman. Any exception turns into an immediate zero Twist, and so does shutting down.
"""

from pathlib import Path
import threading
import time
from typing import Any, Dict, Hashable, Optional

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from geometry_msgs.msg import Twist
from pose_ros.backends.base import resolve_model_path
from pose_ros.classifier.commands import CommandOutput, ConfigError, known_labels, load_config
from pose_ros.classifier.control_loop import build_control_loop, MAX_PEOPLE
from pose_ros.config import ClassifierConfig
from pose_ros.nodes import node_main
from pose_ros.nodes.params import ConfigParams
from pose_ros.nodes.people_input import people_qos, Problems, read_people
from pose_ros.ros_conversion import decode_people, stamp_seconds
from pose_ros_msgs.msg import People, PoseCommand
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from std_msgs.msg import Bool, String


class ClassifierNode(Node):
    """Pose labels per person and commands from the person in control (see README)."""

    def __init__(self, **kwargs) -> None:
        super().__init__('classifier_node', **kwargs)
        self.params: ConfigParams[ClassifierConfig] = ConfigParams(self, ClassifierConfig,
                                                                   self._on_config)
        c = self.params.config
        model = None
        if c.classifier == 'model':
            # .onnx runs on ONNX Runtime; only a .pt model imports torch (see predictor.load).
            from pose_ros.classifier.predictor import load
            model = load(resolve_model_path(c.model_path))
            self.source = f'model:{model.name or Path(c.model_path).name}'
        else:
            self.source = 'rules'
        commands = None
        if c.commands_file:
            commands = load_config(_config_path(c.commands_file),
                                   known_labels(model.labels if model else ()))
        self.loop = build_control_loop(c, commands, model)
        policy = self.loop.policy
        self._problems = Problems(self.get_logger())
        self._fault_at = -1e9
        self._last_event = ''
        self._last_stop = ''
        self._last_twist = (0.0, 0.0)
        self._refused = 0

        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        self.pub_labels = self.create_publisher(PoseCommand, 'pose_commands', reliable)
        self.pub_control = self.create_publisher(PoseCommand, 'pose_command', reliable)
        self.pub_diag = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.pub_twist = self.pub_lights = None
        self.pub_strings = {}
        if policy is not None:
            cfg = policy.config
            if cfg.has_twist:
                self.pub_twist = self.create_publisher(Twist, cfg.twist_topic, reliable)
            if cfg.has_lights:
                # Transient local: a late joiner still learns the lights' current state.
                latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
                self.pub_lights = self.create_publisher(Bool, cfg.lights_topic, latched)
            for topic in cfg.string_topics:
                self.pub_strings[topic] = self.create_publisher(String, topic, reliable)
        # Raw bytes in: a message is checked for size before it is deserialized, and a
        # message that does not deserialize is an error here, not in the executor.
        self.create_subscription(People, 'people', self._on_people,
                                 people_qos(c.reliable_input), raw=True)
        self._stop = threading.Event()
        self._commands = threading.Thread(target=self._command_loop, name='commands',
                                          daemon=True)
        self._commands.start()
        self.get_logger().info(
            f'classifier {self.source}; control {c.control.policy}; commands '
            f'{c.commands_file or "none (labels only)"}')

    def _on_config(self, config: ClassifierConfig, changed: Dict[str, Any]) -> None:
        h = config.hysteresis
        self.loop.set_hysteresis(h.enter, h.exit, h.min_hold)

    # --- input -----------------------------------------------------------------------------
    def _on_people(self, data: bytes, info: Optional[dict] = None) -> None:
        try:
            self._handle(data, info or {})
        except Exception as e:  # noqa: B902 - whatever went wrong, the robot stops
            reason = f'{type(e).__name__}: {e}'
            self._fault_at = time.monotonic()
            event = self.loop.fault(reason)
            self._send_zero()
            self.get_logger().error(f'People message not handled ({reason}): control '
                                    'released, Twist zeroed', throttle_duration_sec=1.0)
            if event:
                self._log_event(event)

    def _handle(self, data: bytes, info: dict) -> None:
        msg, refusal = read_people(data, self.params.config.max_message_bytes, MAX_PEOPLE)
        if msg is None:
            self._refused += 1
            self._problem(refusal)
            return
        frame, dropped = decode_people(msg)
        report = self.loop.on_frame(stamp_seconds(msg.header.stamp), frame.people,
                                    _arrival(info), _publisher(info))
        self.loop.counters.people_dropped += len(msg.people) - len(frame.people)
        for problem in (*dropped, *report.problems):
            self._problem(problem)
        for event in report.events:
            self._log_event(event)
        if report.stop is not None:
            self._last_stop = f'track {report.stop}'
            if report.stop_began:
                self.get_logger().warning(f'stop: track {report.stop} shows a stop label '
                                          '(command map `stop`): Twist zeroed')
        for track_id, label, score in report.labels:
            cmd = PoseCommand(header=msg.header, label=label, confidence=float(score),
                              track_id=track_id, source=self.source)
            self.pub_labels.publish(cmd)
            if track_id == report.controller:
                self.pub_control.publish(cmd)

    # --- commands --------------------------------------------------------------------------
    def _command_loop(self) -> None:
        """Step the commands at ``rate`` and publish diagnostics, until shut down."""
        period = 1.0 / self.params.config.rate
        diag_period = self.params.config.diagnostics_period
        next_step = next_diag = time.monotonic()
        while not self._stop.wait(max(0.0, next_step - time.monotonic())):
            self._step()
            now = time.monotonic()
            next_step = max(next_step + period, now - period)   # no burst after a stall
            if now >= next_diag:
                self._publish_diagnostics()
                next_diag = now + diag_period

    def _step(self) -> None:
        """Advance the command policy: the deadman runs here, input or not."""
        try:
            out, events = self.loop.step(time.monotonic())
            for event in events:
                self._log_event(event)
            if out is not None:
                self._publish(out)
        except Exception as e:  # noqa: B902 - whatever went wrong, the robot stops
            self._fault_at = time.monotonic()
            self.loop.fault(f'{type(e).__name__}: {e}')
            self._send_zero()
            self.get_logger().error(f'command step failed ({type(e).__name__}: {e}): Twist '
                                    'zeroed', throttle_duration_sec=1.0)

    def _publish(self, out: CommandOutput) -> None:
        if out.twist is not None and self.pub_twist is not None:
            twist = Twist()
            twist.linear.x, twist.angular.z = float(out.twist[0]), float(out.twist[1])
            self.pub_twist.publish(twist)
            self._last_twist = (twist.linear.x, twist.angular.z)
        for topic, text in out.strings:
            self.pub_strings[topic].publish(String(data=text))
        if out.lights is not None and self.pub_lights is not None:
            self.pub_lights.publish(Bool(data=bool(out.lights)))

    def _send_zero(self) -> None:
        """Publish a zero Twist now (a fault, or shutting down)."""
        if self.pub_twist is not None:
            self.pub_twist.publish(Twist())
            self._last_twist = (0.0, 0.0)

    # --- reporting -------------------------------------------------------------------------
    def _problem(self, text: str) -> None:
        self._problems.report(text)

    def _log_event(self, event: str) -> None:
        self._last_event = event
        self.get_logger().info(f'control: {event}')

    def _publish_diagnostics(self) -> None:
        now = time.monotonic()
        c = self.loop.counters
        values = {
            'source': self.source,
            'controller': str(self.loop.controller if self.loop.controller is not None
                              else 'none'),
            'last_control_event': self._last_event,
            'evidence_age_s': f'{min(self.loop.evidence_age(now), 1e9):.3f}',
            'twist': f'{self._last_twist[0]:.3f} m/s, {self._last_twist[1]:.3f} rad/s',
            'messages': str(c.frames + self._refused),
            'messages_ignored': str(c.frames_ignored + self._refused),
            'input_restarts': str(c.restarts),
            'people_dropped': str(c.people_dropped),
            'faults': str(c.faults),
            'last_problem': self._problems.last,
            'hand_signs': 'on' if self.loop.hand_signs is not None else 'off',
            'frames_with_hands': str(c.frames_with_hands),
            'stop_labels': ', '.join(sorted(self.loop.stop_labels)) or 'none',
            'stops': str(c.stops),
            'last_stop': self._last_stop,
        }
        blind = self.loop.blind_stop()
        status = DiagnosticStatus(name=f'{self.get_name()}: pose commands',
                                  hardware_id=self.get_fully_qualified_name())
        status.values = [KeyValue(key=k, value=v) for k, v in values.items()]
        if now - self._fault_at < node_main.DIAG_HOLD_S:
            status.level, status.message = DiagnosticStatus.ERROR, 'fault: Twist zeroed'
        elif self._problems.recent(node_main.DIAG_HOLD_S):
            status.level, status.message = DiagnosticStatus.WARN, self._problems.last
        elif blind:
            status.level, status.message = DiagnosticStatus.WARN, blind
        else:
            status.level, status.message = DiagnosticStatus.OK, 'ok'
        self.pub_diag.publish(node_main.diagnostics(self, status))

    def shut_down(self) -> None:
        """Stop stepping and leave the robot stopped: a last zero Twist before the node goes."""
        self._stop.set()
        self._commands.join(timeout=2.0)
        try:
            self._send_zero()
        except Exception:  # noqa: B902 - the context may already be gone
            pass


def _arrival(info: dict) -> float:
    """
    Return when a message arrived, on the monotonic clock the deadman runs on.

    Evidence is as old as its arrival, not its processing: a message that waited in the
    queue behind a flood must not restart the deadman as if it were new.
    """
    now = time.monotonic()
    received_ns = info.get('received_timestamp') or 0
    if not received_ns:
        return now
    waited = time.time() - received_ns * 1e-9          # both on the system clock
    return now - min(max(waited, 0.0), 10.0)           # a clock step must not mislead


def _publisher(info: dict) -> Optional[Hashable]:
    """Return who published a message (rmw publisher gid), when the middleware says."""
    gid = info.get('publisher_gid')
    if not gid:
        return None
    data = gid.get('data') if isinstance(gid, dict) else gid
    try:
        return bytes(data)
    except (TypeError, ValueError):
        return None


def _config_path(name: str) -> Path:
    path = Path(name).expanduser()
    if path.is_file():
        return path
    from ament_index_python.packages import get_package_share_directory
    shared = Path(get_package_share_directory('pose_ros')) / 'config' / name
    if shared.is_file():
        return shared
    raise ConfigError(f'commands_file {name!r} not found: not a file ({path.resolve()}), and '
                      f'not in the package config folder ({shared.parent}); give a path or one '
                      'of the shipped maps (commands_lights.yaml, commands_teleop.yaml)')


def main(args=None) -> None:
    node_main.init(args)
    # A bad configuration stops the node before it ever commands.
    node_main.run(ClassifierNode, 'classifier_node', ClassifierConfig, SingleThreadedExecutor())


if __name__ == '__main__':
    main()
