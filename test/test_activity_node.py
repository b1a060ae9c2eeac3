# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
activity_node over real DDS.

People in; Activity, events, the latched fall alert, the drawn image and diagnostics out;
bad input reported while the node keeps running.
"""

import threading
import time

from diagnostic_msgs.msg import DiagnosticArray
import numpy as np
from pose_ros.activity import synthetic_motion as m
from pose_ros.image_codec import image_to_bgr, numpy_to_image
from pose_ros.people import FrameResult
from pose_ros.ros_conversion import frame_to_people_msg
from pose_ros.tools.graph import NodeProcess, ros_args, share_file
from pose_ros_msgs.msg import Activity, ActivityEvent, People
import pytest
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from ros_helpers import publish_until, RosContext, spin_in_thread, wait_for, wait_for_node
from sensor_msgs.msg import Image
from std_msgs.msg import Header

FPS = 15.0
LATCHED = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)


def start(tmp_path, **params):
    return NodeProcess('activity_node', ros_args([share_file('config/pose_ros.yaml')],
                                                 params=params),
                       log_path=tmp_path / 'activity_node.log')


def header_at(t: float) -> Header:
    header = Header(frame_id='camera_color_optical_frame')
    header.stamp.sec, header.stamp.nanosec = int(t), int(round((t % 1) * 1e9))
    return header


class Outputs:
    def __init__(self, node):
        self.activity, self.events, self.falls, self.images, self.diag = [], [], [], [], []
        self.lock = threading.Lock()
        node.create_subscription(Activity, '/activity', self._add(self.activity), 200)
        node.create_subscription(ActivityEvent, '/activity_events', self._add(self.events), 50)
        node.create_subscription(ActivityEvent, '/fall_alert', self._add(self.falls), LATCHED)
        node.create_subscription(Image, '/activity_image', self._add(self.images), 10)
        node.create_subscription(DiagnosticArray, '/diagnostics', self._add(self.diag), 10)

    def connect(self, people_pub, image_pub=None):
        """
        Publish empty People (and grey images) until their outputs come back, then forget them.

        An output that came back proves DDS matched both ways; a message sent before that
        (seen on a loaded machine even after the graph showed the endpoints) can be lost.
        """
        assert publish_until(people_pub, People(header=header_at(0.0)),
                             lambda: self.activity, 30.0, 0.2), 'no Activity came back'
        if image_pub is not None:
            assert publish_until(image_pub, grey_image(0.0), lambda: self.images, 30.0, 0.2), \
                'no activity_image came back'
        time.sleep(0.5)
        with self.lock:
            for store in (self.activity, self.events, self.images):
                store.clear()

    def _add(self, store):
        def cb(msg):
            with self.lock:
                store.append(msg)
        return cb


def grey_image(t: float) -> Image:
    return numpy_to_image(np.full((480, 640, 3), 40, np.uint8), 'bgr8', header_at(t))


def play(pub, frames, seed=0, dims=3, image_pub=None, rate=60.0, start=10.0):
    """Publish a motion's People (stamps at 15 fps, sent faster); return the messages sent."""
    sent = []
    for t, people in m.render(frames, FPS, np.random.default_rng(seed), m.Camera(),
                              m.Detector(dims=dims), start=start):
        msg = frame_to_people_msg(FrameResult(people, 'synthetic', 640, 480), header_at(t))
        pub.publish(msg)
        sent.append(msg)
        if image_pub is not None:
            image_pub.publish(grey_image(t))
        time.sleep(1.0 / rate)
    return sent


def test_a_fall_is_published_on_activity_events_and_latched_on_fall_alert(tmp_path):
    p = m.standing()
    frames = m.hold(p, 2.0, FPS) + m.fall(p, 'forward', FPS, lie=2.5)
    with RosContext() as ros:
        proc = start(tmp_path, **{'repetitions.exercise': ''})
        try:
            node = ros.node('test_activity_fall')
            out = Outputs(node)
            pub = node.create_publisher(People, '/people', 10)
            with spin_in_thread(node):
                wait_for_node(node, proc, subscribes=['/people'], publishes=['/activity'])
                out.connect(pub)
                sent = play(pub, frames)
                assert wait_for(lambda: len(out.activity) >= len(sent) and out.falls, 10.0), \
                    proc.log_tail()
                # A subscriber that comes after the fall still gets it.
                late = ros.node('late_alerter')
                missed = []
                late.create_subscription(ActivityEvent, '/fall_alert', missed.append, LATCHED)
                with spin_in_thread(late):
                    assert wait_for(lambda: missed, 10.0)
                assert wait_for(lambda: any(
                    kv.key == 'falls' and kv.value == '1'
                    for d in out.diag for s in d.status for kv in s.values), 5.0)
        finally:
            code = proc.stop()
    assert code == 0, proc.log_text()
    with out.lock:
        falls = [(e.kind, e.track_id, e.count) for e in out.falls]
        events = [e.kind for e in out.events]
        activity = list(out.activity)
    assert falls == [('fall', 1, 1)] and events == ['fall'], (falls, events)
    assert (missed[0].kind, missed[0].track_id) == ('fall', 1)
    assert 'posture lying, measured in 3d' == missed[0].detail
    # Every People message has its Activity, with the same header.
    assert [(a.header.stamp.sec, a.header.stamp.nanosec, a.header.frame_id) for a in activity] \
        == [(s.header.stamp.sec, s.header.stamp.nanosec, s.header.frame_id) for s in sent]
    last = activity[-1].people[0]
    assert last.fallen and last.posture == 'lying' and last.space == '3d' and last.falls == 1
    assert 'fall: track 1 fell' in proc.log_text()


def test_squats_are_counted_and_drawn_on_the_annotated_image(tmp_path):
    p = m.standing()
    frames = m.hold(p, 1.0, FPS) + m.cycles(p, m.squat_pose(p), 3, 2.0, FPS) \
        + m.hold(p, 1.0, FPS)
    with RosContext() as ros:
        proc = start(tmp_path, **{'repetitions.exercise': 'squat'})
        try:
            node = ros.node('test_activity_squat')
            out = Outputs(node)
            pub = node.create_publisher(People, '/people', 10)
            images = node.create_publisher(Image, '/annotated_image', 10)
            with spin_in_thread(node):
                wait_for_node(node, proc, subscribes=['/people', '/annotated_image'],
                              publishes=['/activity', '/activity_image'])
                out.connect(pub, images)
                sent = play(pub, frames, dims=2, image_pub=images)
                assert wait_for(lambda: len(out.activity) >= len(sent), 10.0), proc.log_tail()
                assert wait_for(lambda: out.images, 5.0)
        finally:
            code = proc.stop()
    assert code == 0, proc.log_text()
    with out.lock:
        reps = [(e.kind, e.count, e.detail) for e in out.events]
        last = out.activity[-1].people[0]
        drawn = [image_to_bgr(i) for i in out.images]
    assert reps == [('repetition', n, 'squat') for n in (1, 2, 3)], reps
    assert (last.exercise, last.repetitions, last.phase, last.space) == ('squat', 3, 'rest', '2d')
    # The input images are flat grey; the counts are drawn on them.
    assert any((d != 40).any() for d in drawn)


def test_bad_input_is_reported_and_the_node_keeps_running(tmp_path):
    p = m.standing()
    with RosContext() as ros:
        proc = start(tmp_path)
        try:
            node = ros.node('test_activity_bad')
            out = Outputs(node)
            pub = node.create_publisher(People, '/people', 10)
            images = node.create_publisher(Image, '/annotated_image', 10)
            with spin_in_thread(node):
                wait_for_node(node, proc, subscribes=['/people', '/annotated_image'],
                              publishes=['/activity', '/activity_image'])
                out.connect(pub, images)
                first = play(pub, m.hold(p, 0.3, FPS))
                assert wait_for(lambda: len(out.activity) >= len(first), 10.0), \
                    (len(out.activity), len(first), proc.log_tail())
                n = len(out.activity)
                bad = first[0]
                bad.people[0].body.keypoints = bad.people[0].body.keypoints[:5]   # truncated
                pub.publish(bad)
                huge = People(header=header_at(50.0))
                huge.people = [bad.people[0]] * 300                # too many people
                pub.publish(huge)
                broken = Image(header=header_at(50.0), height=10, width=10, encoding='bgr8',
                               step=30, data=bytes(7))             # truncated pixels
                images.publish(broken)
                play(pub, m.hold(p, 0.3, FPS), start=60.0)         # still working
                assert wait_for(lambda: len(out.activity) > n + 3, 10.0), proc.log_tail()
                assert proc.alive()
        finally:
            code = proc.stop()
    assert code == 0, proc.log_text()
    log = proc.log_text()
    assert "person 0 (track 1): skeleton 'coco17': 5 keypoints, expected 17" in log, log
    assert '300 people in one message, more than 256: ignored' in log, log
    assert 'annotated image not drawn on' in log, log
    assert 'Traceback' not in log


@pytest.mark.parametrize('params, message', [
    ({'repetitions.exercise': 'burpee'}, "repetitions.exercise must be one of ['', 'squat'"),
    ({'repetitions.squat_rest': 0.5}, 'squat_rest (0.5) must be above squat_peak'),
    ({'falls.confirm': -1.0}, 'Fix: falls.confirm is a float in [0.0, 30.0]'),
])
def test_bad_configuration_is_rejected_at_start(tmp_path, params, message):
    proc = start(tmp_path, **params)
    try:
        proc.proc.wait(30)
    finally:
        code = proc.stop()
    assert code == 2
    assert message in proc.log_text(), proc.log_text()
    assert 'Traceback' not in proc.log_text(), proc.log_text()
