# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
activity_node: people in; falls, exercise repetitions and steps per tracked person out.

A thin adapter around :class:`pose_ros.activity.analyzer.ActivityAnalyzer`: People messages
(which may come from anyone, and be malformed) are checked and decoded, fed to the analyzer,
and its result is published with the People header: ``activity`` every message,
``activity_events`` for each fall, got_up and repetition, ``fall_alert`` for falls only
(latched: an alerting node that starts late still gets the last falls). With ``overlay``
the counts are drawn on body_node's ``annotated_image`` and published on ``activity_image``.
Totals go to /diagnostics. A message that cannot be handled is reported and dropped; the
node keeps running.
"""

from collections import OrderedDict
from typing import Any, Dict, Optional

from diagnostic_msgs.msg import DiagnosticArray
from pose_ros.activity.analyzer import ActivityAnalyzer, ActivityFrame, FALL
from pose_ros.activity_messages import activity_msg, event_msg
from pose_ros.annotate import draw_activity
from pose_ros.config import ActivityConfig
from pose_ros.image_codec import image_to_bgr, ImageConversionError, numpy_to_image
from pose_ros.nodes import node_main
from pose_ros.nodes.params import ConfigParams
from pose_ros.nodes.people_input import people_qos, Problems, read_and_decode
from pose_ros.ros_conversion import stamp_seconds
from pose_ros_msgs.msg import Activity, ActivityEvent, People
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import (DurabilityPolicy, qos_profile_sensor_data, QoSProfile,
                       ReliabilityPolicy)
from sensor_msgs.msg import Image

# Activity results kept for matching annotated images by stamp (they arrive a little later).
_KEPT_RESULTS = 30


class ActivityNode(Node):
    """Falls, repetitions and steps per tracked person (see README)."""

    def __init__(self, **kwargs) -> None:
        super().__init__('activity_node', **kwargs)
        self.params: ConfigParams[ActivityConfig] = ConfigParams(self, ActivityConfig,
                                                                 self._on_config)
        c = self.params.config
        self.analyzer = ActivityAnalyzer(c)
        self._results: 'OrderedDict[tuple, ActivityFrame]' = OrderedDict()
        self._problems = Problems(self.get_logger())
        self._refused = 0
        self._last_fall = ''
        self._images = 0

        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        latched = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.pub_activity = self.create_publisher(Activity, 'activity', reliable)
        self.pub_events = self.create_publisher(ActivityEvent, 'activity_events', reliable)
        self.pub_falls = self.create_publisher(ActivityEvent, 'fall_alert', latched)
        self.pub_diag = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_subscription(People, 'people', self._on_people,
                                 people_qos(c.reliable_input), raw=True)
        self.pub_image = None
        if c.overlay:
            self.pub_image = self.create_publisher(Image, 'activity_image', 1)
            self.create_subscription(Image, 'annotated_image', self._on_image,
                                     qos_profile_sensor_data)
        self.create_timer(c.diagnostics_period, self._publish_diagnostics)
        self.get_logger().info(
            f'activity: falls {"on" if c.falls.enabled else "off"}, exercise '
            f'{c.repetitions.exercise or "none"}, steps {"on" if c.steps.enabled else "off"}')

    def _on_config(self, config: ActivityConfig, changed: Dict[str, Any]) -> None:
        self.analyzer.reconfigure(config)

    # --- input -----------------------------------------------------------------------------
    def _on_people(self, data: bytes) -> None:
        try:
            self._handle(data)
        except Exception as e:  # noqa: B902 - a bad message must not stop the node
            self._problems.report(f'People message not handled ({type(e).__name__}: {e})')

    def _handle(self, data: bytes) -> None:
        read = read_and_decode(data, self.params.config.max_message_bytes, self._problems)
        if read is None:
            self._refused += 1
            return
        msg, frame = read
        result = self.analyzer.update(stamp_seconds(msg.header.stamp), frame.people)
        self.pub_activity.publish(activity_msg(result, msg.header))
        for event in result.events:
            out = event_msg(event, result, msg.header)
            self.pub_events.publish(out)
            if event.kind == FALL:
                self.pub_falls.publish(out)
                self._last_fall = f'track {event.track_id} ({out.detail})'
                self.get_logger().warning(f'fall: track {event.track_id} fell ({out.detail})')
        if self.pub_image is not None:
            self._results[(msg.header.stamp.sec, msg.header.stamp.nanosec)] = result
            while len(self._results) > _KEPT_RESULTS:
                self._results.popitem(last=False)

    def _on_image(self, msg: Image) -> None:
        """Draw the activity of the same stamp (else the latest) on an annotated image."""
        try:
            key = (msg.header.stamp.sec, msg.header.stamp.nanosec)
            result = self._results.get(key)
            if result is None and self._results:
                result = next(reversed(self._results.values()))
            bgr = image_to_bgr(msg)
            if result is not None:
                draw_activity(bgr, result.people, copy=False)
            self.pub_image.publish(numpy_to_image(bgr, 'bgr8', msg.header))
            self._images += 1
        except (ImageConversionError, ValueError) as e:
            self._problems.report(f'annotated image not drawn on ({e})')

    # --- reporting -------------------------------------------------------------------------
    def _publish_diagnostics(self) -> None:
        t = self.analyzer.totals
        c = self.params.config
        values = {
            'falls': str(t.falls),
            'repetitions': str(t.repetitions),
            'steps': str(t.steps),
            'exercise': c.repetitions.exercise or 'none',
            'people_tracked': str(self.analyzer.tracked),
            'messages': str(t.frames + self._refused),
            'messages_ignored': str(self._refused),
            'untracked_people_ignored': str(t.untracked),
            'input_restarts': str(t.restarts),
            'track_handovers': str(t.handovers),
            'images_drawn': str(self._images),
            'last_fall': self._last_fall,
            'last_problem': self._problems.last,
        }
        problem = self._problems.current(node_main.DIAG_HOLD_S)
        self.pub_diag.publish(node_main.values_status(self, 'activity', values, problem))

    def shut_down(self) -> None:
        """Nothing to leave in a safe state: activity_node commands no hardware."""


def main(args: Optional[list] = None) -> None:
    node_main.init(args)
    node_main.run(ActivityNode, 'activity_node', ActivityConfig, SingleThreadedExecutor())


if __name__ == '__main__':
    main()
