# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
pose_record_live: record a labelled pose dataset from a live People topic.

For each label in turn: a countdown, then ``capture`` seconds during which the largest
person's body keypoints are stored under that label. Prompts go to the log (and to a
std_msgs/String topic, for a screen or a speaker); the dataset is written when all labels
are done, or on Ctrl-C with what was captured so far.

    pose_record_live OUT.jsonl --labels stand,t_pose,dab [--countdown 3] [--capture 5]
        [--ros-args -r people:=/people]
"""

import argparse
from pathlib import Path
import sys
from typing import List, Optional, Sequence

from pose_ros.classifier.dataset import Dataset, pick_subject
from pose_ros.classifier.recording import CountdownRecorder
from pose_ros.ros_conversion import decode_people, stamp_seconds
from pose_ros_msgs.msg import People
import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from std_msgs.msg import String


class RecordNode(Node):
    """Feeds People messages to a CountdownRecorder and saves the dataset when done."""

    def __init__(self, out: Path, labels: List[str], countdown_s: float, capture_s: float,
                 min_interval_s: float, **kwargs) -> None:
        super().__init__('pose_record_live', **kwargs)
        self.out = out
        self.labels = labels
        self.countdown_s, self.capture_s = countdown_s, capture_s
        self.min_interval_s = min_interval_s
        self.recorder: Optional[CountdownRecorder] = None
        self.finished = False
        self.pub_prompt = self.create_publisher(String, 'record_prompt', 10)
        self.create_subscription(People, 'people', self._on_people, 10)
        self.get_logger().info(f'waiting for People on {self.resolve_topic_name("people")}')

    def _on_people(self, msg: People) -> None:
        frame, dropped = decode_people(msg)
        for problem in dropped:
            self.get_logger().error(f'malformed person not recorded: {problem}',
                                    throttle_duration_sec=2.0)
        t = stamp_seconds(msg.header.stamp)
        if self.recorder is None:
            # The schema is the body estimator's: known from the first message.
            schema = frame.people[0].body.schema.name if frame.people else None
            if schema is None:
                return
            self.recorder = CountdownRecorder(
                Dataset(schema, source='live', backend=msg.backend), self.labels,
                countdown_s=self.countdown_s, capture_s=self.capture_s,
                min_interval_s=self.min_interval_s)
        subject = pick_subject(frame.people)
        status = self.recorder.offer(t, subject.body if subject else None,
                                     source=msg.header.frame_id,
                                     track_id=subject.track_id if subject else -1)
        if status.changed or status.phase == 'countdown':
            prompt = status.prompt()
            self.get_logger().info(prompt, throttle_duration_sec=0.9)
            self.pub_prompt.publish(String(data=prompt))
        if self.recorder.done and not self.finished:
            self.save()
            self.finished = True

    def save(self) -> Optional[Path]:
        if self.recorder is None or not len(self.recorder.dataset):
            self.get_logger().warning('nothing recorded')
            return None
        path = self.recorder.dataset.save(self.out)
        self.get_logger().info(f'saved {len(self.recorder.dataset)} rows '
                               f'{dict(self.recorder.captured)} to {path}')
        return path


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ros_args = []
    if '--ros-args' in argv:
        i = argv.index('--ros-args')
        argv, ros_args = argv[:i], argv[i:]
    parser = argparse.ArgumentParser(description='Record a labelled pose dataset from a live '
                                                 'pose_ros People topic.')
    parser.add_argument('out', type=Path, help='dataset file to write (.jsonl)')
    parser.add_argument('--labels', required=True, help='comma-separated labels, in order')
    parser.add_argument('--countdown', type=float, default=3.0, help='seconds before each')
    parser.add_argument('--capture', type=float, default=5.0, help='seconds of capture each')
    parser.add_argument('--min-interval', type=float, default=0.1,
                        help='at most one row per this many seconds')
    args = parser.parse_args(argv)
    labels = [lb.strip() for lb in args.labels.split(',') if lb.strip()]
    rclpy.init(args=['pose_record_live', *ros_args])
    node = RecordNode(args.out, labels, args.countdown, args.capture, args.min_interval)
    try:
        while rclpy.ok() and not node.finished:
            rclpy.spin_once(node, timeout_sec=0.1)
    except (KeyboardInterrupt, ExternalShutdownException):
        node.save()
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
