# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Replay of fixture bags through rclpy: every message, in order, with the bag's timing."""

from pathlib import Path
import threading
import time
from typing import Dict, List, Tuple

import cv2
import numpy as np
from pose_ros.media import MediaMissing
from pose_ros.tools import build_fixtures as bf
from pose_ros.tools.replay import main, message_class, replay_bag
import pytest
from rclpy.qos import qos_profile_sensor_data, QoSProfile, QoSReliabilityPolicy
from ros_helpers import RosContext, spin_in_thread, wait_for
from sensor_msgs.msg import CameraInfo, CompressedImage, Image

IMAGE = '/camera/color/image_raw'
INFO = '/camera/color/camera_info'
COMPRESSED = '/camera/color/image_raw/compressed'
FRAMES = 18
PERIOD_S = 0.1
RELIABLE = QoSProfile(depth=50, reliability=QoSReliabilityPolicy.RELIABLE)


def _stamp_ns(msg) -> int:
    return msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec


def _bag_stamps(index: range) -> List[int]:
    return [bf.stamp_ns(i, 10.0, bf.DEFAULT_START_NS) for i in index]


@pytest.fixture(scope='module')
def bags(tmp_path_factory) -> Dict[str, Path]:
    root = tmp_path_factory.mktemp('replay')
    try:
        return {'photos': bf.build_photo_bag(root / 'photos'),
                'compressed': bf.build_photo_bag(root / 'compressed', compressed=True)}
    except MediaMissing as error:
        pytest.skip(str(error))


def _recorder(node, msg_type, topic: str, qos) -> List[Tuple[int, float, object]]:
    got: List[Tuple[int, float, object]] = []
    node.create_subscription(
        msg_type, topic, lambda msg: got.append((_stamp_ns(msg), time.monotonic(), msg)), qos)
    return got


def test_replay_delivers_every_image_in_order_with_bag_timing(bags):
    with RosContext() as ros:
        listener = ros.node('listener')
        images = _recorder(listener, Image, IMAGE, RELIABLE)
        infos = _recorder(listener, CameraInfo, INFO, RELIABLE)
        with spin_in_thread(listener):
            stats = replay_bag(ros.node('player'), bags['photos'], discovery_timeout=10.0)
            assert wait_for(lambda: len(images) == FRAMES and len(infos) == FRAMES, 5.0), \
                f'got {len(images)} images and {len(infos)} camera infos of {FRAMES}'
    assert stats.counts == {IMAGE: FRAMES, INFO: FRAMES}
    assert [s for s, _, _ in images] == _bag_stamps(range(FRAMES))
    assert [s for s, _, _ in infos] == _bag_stamps(range(FRAMES))
    first = images[0][2]
    assert (first.width, first.height, first.encoding) == (640, 480, 'bgr8')
    assert np.frombuffer(first.data, np.uint8).std() > 10
    gaps = np.diff([t for _, t, _ in images])
    assert np.mean(np.abs(gaps - PERIOD_S)) < 0.020, f'receive gaps (s): {gaps}'
    assert stats.wall_duration == pytest.approx((FRAMES - 1) * PERIOD_S, abs=0.05)
    # Each CameraInfo waits for its image's publish (~0.5-10 ms, in-process Fast DDS).
    assert stats.mean_lateness < 0.005 and stats.max_lateness < 0.050, stats


def test_best_effort_subscriber_remap_topic_filter_and_rate(bags):
    with RosContext() as ros:
        listener = ros.node('listener')
        images = _recorder(listener, Image, '/cam/image', qos_profile_sensor_data)
        infos = _recorder(listener, CameraInfo, INFO, RELIABLE)
        with spin_in_thread(listener):
            stats = replay_bag(ros.node('player'), bags['photos'], topics=[IMAGE],
                               remap={IMAGE: '/cam/image'}, rate=4.0)
            wait_for(lambda: len(images) == FRAMES, 3.0)
            time.sleep(0.1)
    assert stats.counts == {'/cam/image': FRAMES}
    assert not infos
    # Best effort may lose the first frame while discovery completes on the subscriber side.
    stamps = [s for s, _, _ in images]
    assert len(stamps) >= FRAMES - 1 and stamps == sorted(stamps)
    assert set(stamps) <= set(_bag_stamps(range(FRAMES)))
    assert stats.wall_duration == pytest.approx((FRAMES - 1) * PERIOD_S / 4.0, abs=0.03)


def test_compressed_start_offset_loop_and_stop(bags):
    stop = threading.Event()
    published: List[Tuple[str, int]] = []

    def on_message(topic: str, stamp: int, data: bytes) -> None:
        published.append((topic, stamp))
        if len(published) == 12:
            stop.set()

    with RosContext() as ros:
        listener = ros.node('listener')
        images = _recorder(listener, CompressedImage, COMPRESSED, RELIABLE)
        with spin_in_thread(listener):
            stats = replay_bag(ros.node('player'), bags['compressed'], topics=[COMPRESSED],
                               rate=10.0, loop=True, start_offset=1.0, on_message=on_message,
                               stop=stop)
            assert wait_for(lambda: len(images) == 12, 3.0)
    # 1 s into the bag is frame 10; frames 10..17, then the loop starts over at frame 10.
    expected = _bag_stamps(range(10, 18)) + _bag_stamps(range(10, 14))
    assert [s for _, s in published] == expected
    assert [s for s, _, _ in images] == expected
    assert stats.loops == 2 and stats.counts == {COMPRESSED: 12}
    pixels = cv2.imdecode(np.frombuffer(images[0][2].data, np.uint8), cv2.IMREAD_COLOR)
    assert pixels.shape == (480, 640, 3)


def test_no_subscriber_times_out_naming_the_topic(bags):
    with RosContext() as ros:
        start = time.monotonic()
        with pytest.raises(TimeoutError, match=IMAGE):
            replay_bag(ros.node('player'), bags['photos'], discovery_timeout=0.3)
        assert time.monotonic() - start < 2.0


def test_unknown_topic_and_type_are_clear_errors(bags):
    with RosContext() as ros:
        with pytest.raises(ValueError, match='/nope'):
            replay_bag(ros.node('player'), bags['photos'], topics=['/nope'])
    assert message_class('sensor_msgs/msg/Image') is Image
    assert message_class('sensor_msgs/CameraInfo') is CameraInfo
    with pytest.raises(ValueError, match='nope_msgs/msg/Thing'):
        message_class('nope_msgs/msg/Thing')


def test_cli_replays_with_remap_topics_and_ros_args(bags):
    with RosContext() as ros:  # main() uses the default context, on ROS_DOMAIN_ID set here
        listener = ros.node('listener')
        infos = _recorder(listener, CameraInfo, '/cli/info', RELIABLE)
        with spin_in_thread(listener):
            code = main([str(bags['photos']), '--rate', '10', '--topics', INFO,
                         '--remap', f'{INFO}:=/cli/info', '--wait-for-subscribers', '1',
                         '--ros-args', '-r', '__node:=cli_replay'])
            assert code == 0
            assert wait_for(lambda: len(infos) == FRAMES, 3.0), len(infos)
    assert [s for s, _, _ in infos] == _bag_stamps(range(FRAMES))
