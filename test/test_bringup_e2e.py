# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The bringup graph end to end, as the launch file starts it, on a replayed bag of real footage.

`ros2 launch` is not available here, so the same executables are started as separate
processes with the same parameter file and the same remappings as launch/bringup.launch.py
(test_launch_file.py checks those against the launch file), and body_node's lifecycle is
driven as the launch file drives it: configure, then activate. Asserts on everything that
comes out, then shuts the graph down as a launch does (SIGINT) and checks the exit codes.
"""

import time

from diagnostic_msgs.msg import DiagnosticArray
from pose_ros.media import MediaMissing
from pose_ros.tools.build_fixtures import ensure_fixtures
from pose_ros.tools.graph import NodeProcess, ros_args, share_file
from pose_ros.tools.replay import replay_bag
from pose_ros_msgs.msg import People, PoseCommand
import pytest
from rclpy.serialization import deserialize_message
from ros_helpers import Collector, Lifecycle, RosContext, spin_in_thread, wait_for
from rosbags.rosbag2 import Reader
from sensor_msgs.msg import Image
from tf2_msgs.msg import TFMessage
from visualization_msgs.msg import MarkerArray

# launch/bringup.launch.py's defaults for a RealSense-style camera.
BODY_REMAPS = {'image': '/camera/color/image_raw',
               'image/compressed': '/camera/color/image_raw/compressed',
               'camera_info': '/camera/color/camera_info',
               'depth': '/camera/aligned_depth_to_color/image_raw'}
CLASSIFIER_REMAPS = {'people': 'people', 'cmd_vel': 'cmd_vel'}


def test_bringup_graph_on_real_footage(tmp_path):
    try:
        bag = ensure_fixtures(only=['photos'])['photos']
    except MediaMissing as e:
        pytest.skip(str(e))
    with Reader(bag) as reader:
        conns = [c for c in reader.connections if c.msgtype == 'sensor_msgs/msg/Image']
        stamps = {(m.header.stamp.sec, m.header.stamp.nanosec)
                  for m in (deserialize_message(d, Image)
                            for _, _, d in reader.messages(connections=conns))}
    params = [share_file('config/pose_ros.yaml')]
    got = Collector('people', 'tf', 'markers', 'labels', 'diag')
    keep = got.keep
    with RosContext() as ros:
        body = NodeProcess('body_node', ros_args(params, remaps=BODY_REMAPS,
                                                 params={'head.enabled': True,
                                                         'autostart': False}),
                           log_path=tmp_path / 'body_node.log')
        classifier = NodeProcess('classifier_node',
                                 ros_args(params, remaps=CLASSIFIER_REMAPS,
                                          params={'commands_file': 'commands_lights.yaml'}),
                                 log_path=tmp_path / 'classifier_node.log')
        try:
            node = ros.node('test_bringup')
            node.create_subscription(People, '/people', keep('people'), 100)
            node.create_subscription(TFMessage, '/tf', keep('tf'), 100)
            node.create_subscription(MarkerArray, '/markers', keep('markers'), 100)
            node.create_subscription(PoseCommand, '/pose_commands', keep('labels'), 100)
            node.create_subscription(DiagnosticArray, '/diagnostics', keep('diag'), 100)
            lifecycle = Lifecycle(node)
            with spin_in_thread(node):
                lifecycle.activate(body)
                assert wait_for(lambda: node.count_subscribers(BODY_REMAPS['image']) > 0
                                and node.count_subscribers('/people') > 1, 90.0), \
                    body.log_text() + classifier.log_text()
                replay_bag(ros.node('test_bringup_replay'), bag, rate=0.5)
                time.sleep(1.5)
            assert body.alive() and classifier.alive()
        finally:
            codes = (body.stop(), classifier.stop())
    assert codes == (0, 0), body.log_text()[-2000:] + classifier.log_text()[-2000:]

    people, tf, markers = got.take('people'), got.take('tf'), got.take('markers')
    labels, diag = got.take('labels'), got.take('diag')
    assert len(people) >= 6
    for msg in people + labels:
        assert (msg.header.stamp.sec, msg.header.stamp.nanosec) in stamps
        assert msg.header.frame_id == 'camera_color_optical_frame'
    assert max(len(m.people) for m in people) >= 3
    children = {t.child_frame_id for m in tf for t in m.transforms}
    assert any(c.startswith('face_') for c in children), children
    for m in tf:
        for t in m.transforms:
            assert (t.header.stamp.sec, t.header.stamp.nanosec) in stamps
            assert t.header.frame_id == 'camera_color_optical_frame'
    assert markers
    # Every tracked person of every classified frame gets a label (or 'unknown').
    assert labels and all(m.source == 'rules' for m in labels)
    tracked = {p.track_id for m in people for p in m.people}
    assert {m.track_id for m in labels} <= tracked
    names = {s.name for d in diag for s in d.status}
    assert any('body_node' in n for n in names), names
