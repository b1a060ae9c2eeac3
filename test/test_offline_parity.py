# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Parity: ``offline --params-file config/pose_ros.yaml`` writes what body_node publishes.

The photo bag (18 frames of real photos, with CameraInfo) goes through ``offline`` and, frame
by frame, through a real body_node process started with the same parameter file (plus
``reliable_input:=true``, which only changes the subscription's QoS). Each image is published
as the bag's own bytes and the next one only once its People message is back, so the node
processes every frame, in order, like offline. The CameraInfo (the same in every frame of the
bag) is delivered before the first image, so both sides use it from the first frame on.

Every frame must be matched by stamp, and its people must agree: order, track ids, boxes,
scores, every body keypoint, hands and head. Pixels may differ by 1e-3 px, every other number
by 1e-6 (relative, or absolute near zero). Both sides run the same code on the same bytes and
the pixels agree exactly; the relative tolerance is for the message's float32 fields (head
yaw, pitch, roll, reprojection error, ...): the node's message reaches us through DDS, rounded
to float32 (a relative change of up to 6e-8), while offline converts the message it made
itself, whose fields still hold the unrounded doubles.
"""

import json
import math
from pathlib import Path
import time

from pose_ros.ros_conversion import message_to_dict
from pose_ros.tools.graph import NodeProcess, ros_args
from pose_ros.tools.offline import main
from pose_ros_msgs.msg import People
import pytest
from rclpy.qos import QoSProfile, ReliabilityPolicy
from ros_helpers import RosContext, spin_in_thread, wait_for
from rosbags.rosbag2 import Reader
from sensor_msgs.msg import CameraInfo, Image

PARAMS = str(Path(__file__).resolve().parent.parent / 'config' / 'pose_ros.yaml')
IMAGE = '/camera/color/image_raw'
INFO = '/camera/color/camera_info'
RELIABLE = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
PIXEL_TOL = 1e-3                   # px: x, y of keypoints and boxes
REL_TOL = 1e-6                     # the rest: float32 rounding (confidences, metres, angles)


def bag_messages(bag):
    """Return [(topic, serialized bytes)] of the bag's image and CameraInfo, in bag order."""
    with Reader(bag) as reader:
        conns = [c for c in reader.connections if c.topic in (IMAGE, INFO)]
        return [(c.topic, bytes(raw)) for c, _, raw in reader.messages(connections=conns)]


def differences(a, b, path='', pixel=False):
    """Yield where ``a`` and ``b`` (JSON-like values) differ beyond the tolerances."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            yield f'{path}: fields {sorted(a)} != {sorted(b)}'
            return
        keypoint = 'confidence' in a          # x, y of a keypoint are pixels (not position's)
        for key in a:
            yield from differences(a[key], b[key], f'{path}.{key}',
                                   key == 'bbox' or (keypoint and key in ('x', 'y')))
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield f'{path}: {len(a)} items != {len(b)}'
            return
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f'{path}[{i}]', pixel)
    elif (isinstance(a, float) and isinstance(b, float)
          or isinstance(a, float) != isinstance(b, float) and None not in (a, b)):
        ok = (abs(a - b) <= PIXEL_TOL if pixel
              else math.isclose(a, b, rel_tol=REL_TOL, abs_tol=REL_TOL))
        if not ok:
            yield f'{path}: {a!r} != {b!r}'
    elif a != b or type(a) is not type(b):
        yield f'{path}: {a!r} != {b!r}'


def stamp_of(record):
    return record['header']['stamp']['sec'] + record['header']['stamp']['nanosec'] * 1e-9


@pytest.mark.parametrize('changes', [{}, {'hands.enabled': True}], ids=['shipped', 'hands'])
def test_offline_writes_what_body_node_publishes(tmp_path, photo_bag, changes):
    """
    The shipped parameter file, and the same with hands (``--param`` / ``-p`` on each side).

    Hands are off in the shipped file; the second case makes their parity count too.
    """
    overrides = [f'--param={k}={str(v).lower()}' for k, v in changes.items()]
    assert main([str(photo_bag), '--out', str(tmp_path / 'offline'), '--params-file', PARAMS,
                 '--no-progress', *overrides]) == 0
    offline = [json.loads(line)
               for line in (tmp_path / 'offline' / 'people.jsonl').read_text().splitlines()]
    messages = bag_messages(photo_bag)
    images = [data for topic, data in messages if topic == IMAGE]
    info = next(data for topic, data in messages if topic == INFO)
    assert len(offline) == len(images) == 18

    published = []
    with RosContext() as ros:
        proc = NodeProcess('body_node', ros_args(
            [PARAMS], remaps={'image': IMAGE, 'camera_info': INFO},
            params={'reliable_input': True, **changes}), log_path=tmp_path / 'body_node.log')
        try:
            node = ros.node('camera')
            node.create_subscription(People, '/people', published.append,
                                     QoSProfile(depth=100))
            image_pub = node.create_publisher(Image, IMAGE, RELIABLE)
            info_pub = node.create_publisher(CameraInfo, INFO, RELIABLE)
            with spin_in_thread(node):
                ready = wait_for(lambda: not proc.alive() or (
                    image_pub.get_subscription_count() > 0
                    and info_pub.get_subscription_count() > 0
                    and node.count_publishers('/people') > 0), 120.0)
                assert ready and proc.alive(), proc.log_tail(30)
                info_pub.publish(info)
                time.sleep(1.0)                # the CameraInfo is taken before any image
                for data in images:
                    before = len(published)
                    image_pub.publish(data)
                    assert wait_for(lambda: len(published) > before, 30.0), proc.log_tail(20)
                assert len(published) == len(images), proc.log_tail(20)
        finally:
            code = proc.stop()
    assert code == 0, proc.log_tail(30)

    node_records = [message_to_dict(msg) for msg in published]
    unmatched = list(node_records)
    problems = []
    for record in offline:
        match = [r for r in unmatched if abs(stamp_of(r) - stamp_of(record)) < 1e-6]
        assert len(match) == 1, f'frame {stamp_of(record)}: {len(match)} People messages'
        unmatched.remove(match[0])
        problems += [f'frame {stamp_of(record):.1f}{p}'
                     for p in differences(record, match[0])]
    assert not unmatched
    assert not problems, '\n'.join(problems[:30])
    people = [p for r in offline for p in r['people']]
    # Not vacuous: people, tracks and head poses on both sides.
    assert len(people) >= 20 and sum(p['head']['valid'] for p in people) >= 10
    assert len({p['track_id'] for p in people}) > 3
    if changes:
        assert sum(len(p['hands']) for p in people) >= 10


if __name__ == '__main__':      # pragma: no cover
    raise SystemExit(pytest.main([__file__, '-q']))
