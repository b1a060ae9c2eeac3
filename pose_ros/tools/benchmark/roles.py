# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The helper processes' side: ``benchmark --role ROLE`` (hidden options).

people_sub
    Writes ``stamp_ns receive_ns count`` of every People message, and the node's last
    /diagnostics values.
image_sub, image_pub, image_loop
    The transport measurement: a subscriber, a publisher, and both in one process.
"""

import json
import os
from pathlib import Path
import time
from typing import Callable

from pose_ros.tools.benchmark.common import load_frames
from pose_ros.tools.benchmark.processes import image_messages

ROLES = ('people_sub', 'image_sub', 'image_pub', 'image_loop')


def _spin_forever(executor) -> None:
    """Spin until Ctrl-C / SIGINT (a finite wait, so that the signal is noticed)."""
    while True:
        executor.spin_once(timeout_sec=0.1)


def role_main(args) -> int:
    """Run helper role ``args.role`` until it is done or stopped with SIGINT."""
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from rclpy.signals import SignalHandlerOptions
    rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
    node = rclpy.create_node(f'pose_ros_benchmark_{args.role}')
    clock = node.get_clock()
    reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
    out = open(args.out, 'w', buffering=1) if args.out else None
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    done = [False]

    def record(msg) -> None:
        now = clock.now().nanoseconds
        stamp = msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec
        count = len(msg.people) if hasattr(msg, 'people') else 1
        out.write(f'{stamp} {now} {count}\n')

    def mark_ready(sub) -> Callable[[], None]:
        def check() -> None:
            if args.ready and sub.get_publisher_count() > 0 and not Path(args.ready).exists():
                Path(args.ready).write_text('ready\n')
        return check

    try:
        if args.role == 'people_sub':
            from diagnostic_msgs.msg import DiagnosticArray
            from pose_ros_msgs.msg import People
            sub = node.create_subscription(People, args.topic, record, reliable)

            def on_diag(msg) -> None:
                for status in msg.status:
                    if 'pose pipeline' in status.name and args.diagnostics:
                        tmp = Path(args.diagnostics + '.tmp')
                        tmp.write_text(json.dumps({kv.key: kv.value for kv in status.values}))
                        os.replace(tmp, args.diagnostics)
            node.create_subscription(DiagnosticArray, '/diagnostics', on_diag, 10)
            node.create_timer(0.05, mark_ready(sub))
            _spin_forever(executor)
        elif args.role == 'image_sub':
            from sensor_msgs.msg import Image
            node.create_subscription(Image, args.topic, record, reliable)
            Path(args.ready).write_text('ready\n')   # the publisher starts after this
            _spin_forever(executor)
        elif args.role in ('image_pub', 'image_loop'):
            from sensor_msgs.msg import Image
            msgs = image_messages(load_frames(2), 'rgb8')
            pub = node.create_publisher(Image, args.topic, reliable)
            if args.role == 'image_loop':
                node.create_subscription(Image, args.topic, record, reliable)
            deadline = time.monotonic() + 30.0
            while pub.get_subscription_count() < 1 and time.monotonic() < deadline:
                executor.spin_once(timeout_sec=0.05)
            sent = [0]

            def tick() -> None:
                if sent[0] >= args.count:
                    done[0] = True
                    return
                msg = msgs[sent[0] % len(msgs)]
                msg.header.stamp = clock.now().to_msg()
                pub.publish(msg)
                sent[0] += 1
            node.create_timer(1.0 / args.rate, tick)
            while not done[0]:
                executor.spin_once(timeout_sec=0.1)
            end = time.monotonic() + 1.0    # deliver what is still in flight
            while time.monotonic() < end:
                executor.spin_once(timeout_sec=0.05)
    except KeyboardInterrupt:
        pass
    finally:
        if out is not None:
            out.close()
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown()
    return 0
