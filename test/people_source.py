# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
A stand-in for body_node in its own process: synthetic People of one person, in real time.

The fault-injection tests kill it with SIGKILL and start it again, as a crashed and
restarted body_node would be, to see what classifier_node does. Stamps are wall-clock time,
as a live camera's are; the box and track id are fixed, as a tracker that restarted would
report the same person. Usage::

    python people_source.py --plan both_arms_up:1.5,right_arm_raised:60 [--seed 3]
"""

import argparse
import time

import numpy as np
from pose_ros.classifier.synthetic import hold_sequence
from pose_ros.people import FrameResult, Person
from pose_ros.ros_conversion import frame_to_people_msg
from pose_ros_msgs.msg import People
import rclpy
from rclpy.qos import QoSProfile, ReliabilityPolicy
from std_msgs.msg import Header

FPS = 15.0
BOX = np.array([100, 50, 400, 470], np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--plan', required=True, help='label:seconds,label:seconds,...')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--track', type=int, default=1)
    args = parser.parse_args()
    rclpy.init()
    node = rclpy.create_node('people_source')
    pub = node.create_publisher(People, '/people',
                                QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE))
    deadline = time.monotonic() + 30.0
    while pub.get_subscription_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    rng = np.random.default_rng(args.seed)
    for step in args.plan.split(','):
        label, seconds = step.split(':')
        for _, kp in hold_sequence(label, rng, duration_s=float(seconds), fps=FPS):
            now = time.time()
            header = Header(frame_id='camera_color_optical_frame')
            header.stamp.sec, header.stamp.nanosec = int(now), int(now % 1 * 1e9)
            person = Person(body=kp, bbox=BOX, score=0.9, track_id=args.track)
            pub.publish(frame_to_people_msg(FrameResult([person], 'source', 640, 480), header))
            print(f'published {label} {now:.3f}', flush=True)
            time.sleep(1.0 / FPS)
    node.destroy_node()
    rclpy.try_shutdown()


if __name__ == '__main__':
    main()
