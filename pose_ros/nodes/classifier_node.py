# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
classifier_node: people in; per-person pose labels and the controller's commands out.

A thin adapter around pose_ros.classifier: built-in gesture rules or a trained network give
each tracked person a label; a hysteresis filter makes it stable; an arbiter picks who is in
control; a command policy turns the controller's label into strings, a rate-limited Twist
with a deadman, and lights. A timer drives the commands, so the deadman also covers a silent
input (body_node stopped, person gone).
"""

from pathlib import Path
import threading
import time
from typing import Optional

from geometry_msgs.msg import Twist
from pose_ros.backends.base import BackendError, resolve_model_path
from pose_ros.classifier.arbitration import Candidate, ControlArbiter
from pose_ros.classifier.commands import CommandPolicy, ConfigError, known_labels, load_config
from pose_ros.classifier.hysteresis import LabelFilter
from pose_ros.classifier.rules import GestureRecogniser, UNKNOWN
from pose_ros.nodes.params import classifier_check, CLASSIFIER_PARAMS, declare_params, ParamTable
from pose_ros.ros_conversion import people_msg_to_frame, stamp_seconds
from pose_ros_msgs.msg import People, PoseCommand
import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from std_msgs.msg import Bool, String


class ClassifierNode(Node):
    """Pose labels per person and commands from the person in control (see README)."""

    def __init__(self, **kwargs) -> None:
        super().__init__('classifier_node', **kwargs)
        self.params = ParamTable(self, declare_params(self, CLASSIFIER_PARAMS), self._on_params,
                                 classifier_check)
        p = self.params
        self.model = None
        if p['classifier'] == 'model':
            from pose_ros.classifier.model import load
            self.model = load(resolve_model_path(p['model_path']))
            self.source = f'model:{self.model.name or Path(p["model_path"]).name}'
        else:
            self.source = 'rules'
        labels = known_labels(self.model.labels if self.model else ())
        for key in ('control.engage_label', 'control.disengage_label'):
            if p[key] and p[key] not in labels:
                raise ConfigError(f'{key} {p[key]!r} is not a known label; known: '
                                  f'{", ".join(labels)}')
        self.policy = None
        if p['commands_file']:
            self.policy = CommandPolicy(load_config(_config_path(p['commands_file']), labels))
        self.recogniser = GestureRecogniser()
        self.filter = LabelFilter(enter=p['hysteresis.enter'], exit=p['hysteresis.exit'],
                                  min_hold_s=p['hysteresis.min_hold'])
        self.arbiter = ControlArbiter(policy=p['control.policy'],
                                      engage_label=p['control.engage_label'],
                                      disengage_label=p['control.disengage_label'],
                                      lost_timeout_s=p['control.lost_timeout'])
        self.lock = threading.Lock()
        self.controller: Optional[int] = None
        self.controller_label: Optional[str] = None
        self.last_input = -1e9          # monotonic time of the last People message
        self._schema_warned = False

        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        self.pub_labels = self.create_publisher(PoseCommand, 'pose_commands', reliable)
        self.pub_control = self.create_publisher(PoseCommand, 'pose_command', reliable)
        self.pub_twist = self.pub_lights = None
        self.pub_strings = {}
        if self.policy is not None:
            cfg = self.policy.config
            if cfg.has_twist:
                self.pub_twist = self.create_publisher(Twist, cfg.twist_topic, reliable)
            if cfg.has_lights:
                # Transient local: a late joiner still learns the lights' current state.
                latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
                self.pub_lights = self.create_publisher(Bool, cfg.lights_topic, latched)
            for topic in cfg.string_topics:
                self.pub_strings[topic] = self.create_publisher(String, topic, reliable)
        qos = QoSProfile(depth=10, reliability=(ReliabilityPolicy.RELIABLE
                                                if p['reliable_input']
                                                else ReliabilityPolicy.BEST_EFFORT))
        self.create_subscription(People, 'people', self._on_people, qos)
        self.create_timer(1.0 / p['rate'], self._step)
        self.get_logger().info(
            f'classifier {self.source}; control {p["control.policy"]}; commands '
            f'{p["commands_file"] or "none (labels only)"}')

    def _on_params(self, changed) -> None:
        p = self.params
        with self.lock:
            self.filter.enter = p['hysteresis.enter']
            self.filter.exit = p['hysteresis.exit']
            self.filter.min_hold_s = p['hysteresis.min_hold']

    def _on_people(self, msg: People) -> None:
        t = stamp_seconds(msg.header.stamp)
        frame = people_msg_to_frame(msg)
        candidates = []
        outputs = []
        with self.lock:
            for person in frame.people:
                label, conf = self._classify(person, t)
                stable, score = self.filter.update(person.track_id, label, conf, t)
                candidates.append(Candidate.from_person(person, stable))
                outputs.append((person.track_id, stable, score))
            ids = [p.track_id for p in frame.people]
            self.filter.prune(ids)
            self.recogniser.prune(ids)
            self.controller = self.arbiter.update(t, candidates)
            if self.arbiter.last_event:
                self.get_logger().info(f'control: {self.arbiter.last_event} '
                                       f'(track {self.controller})')
            self.controller_label = next((lab for tid, lab, _ in outputs
                                          if tid == self.controller), None)
            self.last_input = time.monotonic()
        for track_id, label, score in outputs:
            cmd = PoseCommand(header=msg.header, label=label, confidence=float(score),
                              track_id=track_id, source=self.source)
            self.pub_labels.publish(cmd)
            if track_id == self.controller:
                self.pub_control.publish(cmd)

    def _classify(self, person, t: float):
        if self.model is None:
            return self.recogniser.update(person.track_id, t, person.body)
        try:
            self.model.check_schema(person.body.schema.name)
        except ValueError as e:
            if not self._schema_warned:
                self.get_logger().error(str(e))
                self._schema_warned = True
            return UNKNOWN, 0.0
        return self.model.predict(person.body)

    def _step(self) -> None:
        """Advance the command policy: the deadman runs here, input or not."""
        if self.policy is None:
            return
        with self.lock:
            fresh = time.monotonic() - self.last_input <= self.params['input_timeout']
            label = self.controller_label if (fresh and self.controller is not None) else None
        out = self.policy.step(time.monotonic(), label)
        if out.twist is not None and self.pub_twist is not None:
            twist = Twist()
            twist.linear.x, twist.angular.z = float(out.twist[0]), float(out.twist[1])
            self.pub_twist.publish(twist)
        for topic, text in out.strings:
            self.pub_strings[topic].publish(String(data=text))
        if out.lights is not None and self.pub_lights is not None:
            self.pub_lights.publish(Bool(data=bool(out.lights)))


def _config_path(name: str) -> Path:
    path = Path(name).expanduser()
    if path.is_file():
        return path
    from ament_index_python.packages import get_package_share_directory
    shared = Path(get_package_share_directory('pose_ros')) / 'config' / name
    if shared.is_file():
        return shared
    raise ConfigError(f'commands_file {name!r} not found (as a path, or in {shared.parent})')


def main(args=None) -> None:
    rclpy.init(args=args)
    try:
        node = ClassifierNode()
    except (BackendError, ConfigError, ValueError, FileNotFoundError) as e:
        # A bad configuration is reported clearly and stops the node before it commands.
        rclpy.logging.get_logger('classifier_node').fatal(f'cannot start: {e}')
        rclpy.try_shutdown()
        raise SystemExit(2)
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == '__main__':
    main()
