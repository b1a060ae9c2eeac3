# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
avatar_node: one person's head, gaze and face drive an avatar (VMC over OSC) and a robot head.

A thin adapter around :mod:`pose_ros.avatar`: People messages are checked and decoded; the
followed person (``follow``: classifier_node's controlling person from ``pose_command``, the
largest face, or a track) gives at ``rate`` Hz the VMC protocol's head bone, eye bones and
blend shapes, sent with python-osc to ``vmc.host``:``vmc.port``, and a
``sensor_msgs/JointState`` on ``head_joints`` for a pan/tilt(/roll) head, rate-limited and
centred when nobody is followed. Nobody is followed when the last People message with that
person (or the last pose_command) is older than ``input_timeout``. A message that cannot be
handled is reported and dropped; the node keeps running.
"""

import threading
import time
from typing import Any, Dict, List, Optional, Tuple

from diagnostic_msgs.msg import DiagnosticArray
from pose_ros.avatar import Follower, HeadJoints, vmc_messages
from pose_ros.config import AvatarConfig
from pose_ros.nodes import node_main
from pose_ros.nodes.params import ConfigParams
from pose_ros.nodes.people_input import people_qos, Problems, read_and_decode
from pose_ros_msgs.msg import People, PoseCommand
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState


class AvatarNode(Node):
    """Drive an avatar and a robot head from one person (see README, Avatar bridge)."""

    def __init__(self, **kwargs) -> None:
        super().__init__('avatar_node', **kwargs)
        self.params: ConfigParams[AvatarConfig] = ConfigParams(self, AvatarConfig,
                                                               self._on_config)
        c = self.params.config
        self._lock = threading.Lock()
        self._follower = Follower(*_follow_params(c))
        self._problems = Problems(self.get_logger())
        self._sent = self._messages = self._refused = 0
        self._following = -1
        self._osc = None
        if c.vmc.enabled:
            from pythonosc.udp_client import SimpleUDPClient   # only where VMC is used
            self._osc = SimpleUDPClient(c.vmc.host, c.vmc.port)
        joints = c.head_joints
        self._joint_names: List[str] = [n.strip() for n in joints.names.split(',')]
        self._joints = HeadJoints(*_joint_params(c))
        self.pub_joints = (self.create_publisher(JointState, 'head_joints', 10)
                           if joints.enabled else None)
        self.pub_diag = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_subscription(People, 'people', self._on_people,
                                 people_qos(c.reliable_input), raw=True)
        self.create_subscription(PoseCommand, 'pose_command', self._on_command,
                                 QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE))
        self._start = time.monotonic()
        self.create_timer(1.0 / c.rate, self._step)
        self.create_timer(c.diagnostics_period, self._publish_diagnostics)
        where = f'VMC to {c.vmc.host}:{c.vmc.port}' if c.vmc.enabled else 'no VMC'
        self.get_logger().info(f'avatar: follows {c.follow}, {where}, head joints '
                               f'{",".join(self._joint_names) if joints.enabled else "off"}')

    def _on_config(self, config: AvatarConfig, changed: Dict[str, Any]) -> None:
        with self._lock:
            self._follower.set_params(*_follow_params(config))
            self._joints.set_params(*_joint_params(config))

    # --- input -----------------------------------------------------------------------------
    def _on_command(self, msg: PoseCommand) -> None:
        with self._lock:
            self._follower.command(time.monotonic(), msg.track_id)

    def _on_people(self, data: bytes) -> None:
        try:
            self._handle(data)
        except Exception as e:  # noqa: B902 - a bad message must not stop the node
            self._problems.report(f'People message not handled ({type(e).__name__}: {e})')

    def _handle(self, data: bytes) -> None:
        c = self.params.config
        read = read_and_decode(data, c.max_message_bytes, self._problems)
        if read is None:
            self._refused += 1
            return
        self._messages += 1
        with self._lock:
            self._follower.update(time.monotonic(), read[1].people)

    # --- output ----------------------------------------------------------------------------
    def _step(self) -> None:
        """One frame: the robot head first, then the avatar (a network fault stops only it)."""
        c = self.params.config
        now = time.monotonic()
        with self._lock:
            vmc, own = self._follower.current(now)
        self._following = own.track_id if own is not None else -1
        try:
            position = self._joints.step(own, now)
            if self.pub_joints is not None:
                msg = JointState(name=self._joint_names,
                                 position=position[:len(self._joint_names)].tolist())
                msg.header.stamp = self.get_clock().now().to_msg()
                self.pub_joints.publish(msg)
        except Exception as e:  # noqa: B902 - a failed step must not stop the node
            self._problems.report(f'head joints not published ({type(e).__name__}: {e})')
        if self._osc is None:
            return
        try:
            for address, args in vmc_messages(vmc, now - self._start):
                self._osc.send_message(address, args)
            self._sent += 1
        except Exception as e:  # noqa: B902 - e.g. OSError: network unreachable
            self._problems.report(f'VMC frame not sent to {c.vmc.host}:{c.vmc.port} '
                                  f'({type(e).__name__}: {e})')

    def _publish_diagnostics(self) -> None:
        values: Dict[str, Any] = {
            'following': str(self._following),
            'follow': self.params.config.follow,
            'vmc_frames_sent': str(self._sent),
            'messages': str(self._messages + self._refused),
            'messages_ignored': str(self._refused),
            'head_joints': ' '.join(f'{v:.3f}' for v in self._joints.position),
            'last_problem': self._problems.last,
        }
        problem = self._problems.current(node_main.DIAG_HOLD_S)
        self.pub_diag.publish(node_main.values_status(self, 'avatar', values, problem))

    def shut_down(self) -> None:
        """Nothing to leave in a safe state: a head holds its last position, nothing drives."""


Limits = Tuple[float, float, float]


def _follow_params(config: AvatarConfig) -> Tuple[str, int, float, bool]:
    return config.follow, config.track_id, config.input_timeout, config.vmc.mirror


def _joint_params(config: AvatarConfig) -> Tuple[Limits, float, float, bool]:
    joints = config.head_joints
    return ((joints.pan_limit, joints.tilt_limit, joints.roll_limit), joints.max_velocity,
            config.centre_after, joints.mirror)


def main(args: Optional[list] = None) -> None:
    node_main.init(args)
    node_main.run(AvatarNode, 'avatar_node', AvatarConfig, SingleThreadedExecutor())


if __name__ == '__main__':
    main()
