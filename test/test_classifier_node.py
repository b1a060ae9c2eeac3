# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
classifier_node end to end: People in, labels, control, Twist, lights and deadman out.

The node runs as its own process with the package's parameter file and a shipped command map;
this process publishes People messages of synthetic people holding poses (so the labels are
known), in real time, and listens to what comes out.
"""

import subprocess
import threading
import time
from typing import Tuple

from blocked_imports import blocked_python
from conftest import needs
from geometry_msgs.msg import Twist
import numpy as np
from pose_ros.classifier.synthetic import hold_sequence, with_missing
from pose_ros.people import FrameResult, Person
from pose_ros.ros_conversion import frame_to_people_msg
from pose_ros.tools.graph import NodeProcess, ros_args, share_file
from pose_ros_msgs.msg import People, PoseCommand
import pytest
from ros_helpers import RosContext, spin_in_thread, wait_for
from std_msgs.msg import Bool, Header, String


def start(tmp_path, **params):
    return NodeProcess('classifier_node', ros_args([share_file('config/pose_ros.yaml')],
                                                   params=params),
                       log_path=tmp_path / 'classifier_node.log')


class BlockedNode(NodeProcess):
    """classifier_node where torch, torchvision, ultralytics and onnx cannot be imported."""

    def __init__(self, args, log_path):
        self.name = 'classifier_node'
        self.log_path = log_path
        self._log = open(log_path, 'wb')
        main = 'from pose_ros.nodes.classifier_node import main\nmain()\n'
        self.proc = subprocess.Popen(blocked_python(main) + list(args), stdout=self._log,
                                     stderr=subprocess.STDOUT)


def start_blocked(tmp_path, **params):
    return BlockedNode(ros_args([share_file('config/pose_ros.yaml')], params=params),
                       tmp_path / 'classifier_node.log')


@pytest.fixture(scope='module')
def trained_model(tmp_path_factory):
    """Return poses.pt and poses.onnx, trained here (torch) on stick figures of 3 poses."""
    from pose_ros.classifier import features, model, synthetic
    from pose_ros.classifier.export import export_onnx
    kps, labels = synthetic.generate_set(['stand', 't_pose', 'dab'], 200,
                                         np.random.default_rng(0))
    trained, _ = model.train(features.normalise_many(kps), labels, progress=False)
    folder = tmp_path_factory.mktemp('model')
    export_onnx(trained, folder / 'poses.onnx')
    return trained.save(folder / 'poses.pt'), folder / 'poses.onnx'


class Outputs:
    def __init__(self, node):
        self.labels, self.control, self.twist, self.lights, self.text = [], [], [], [], []
        self.lock = threading.Lock()
        node.create_subscription(PoseCommand, '/pose_commands', self._add(self.labels), 100)
        node.create_subscription(PoseCommand, '/pose_command', self._add(self.control), 100)
        node.create_subscription(Twist, '/cmd_vel', self._add(self.twist, stamp=True), 100)
        node.create_subscription(String, '/pose_command/text', self._add(self.text), 100)
        node.create_subscription(Bool, '/lights', self._add(self.lights), 10)

    def _add(self, store, stamp=False):
        def cb(msg):
            with self.lock:
                store.append((time.monotonic(), msg) if stamp else msg)
        return cb


def people_msg(t, keypoints, track_id=1):
    header = Header(frame_id='camera_color_optical_frame')
    header.stamp.sec, header.stamp.nanosec = int(t), int((t % 1) * 1e9)
    person = Person(body=keypoints, bbox=np.array([100, 50, 400, 470], np.float32), score=0.9,
                    track_id=track_id)
    return frame_to_people_msg(FrameResult([person], 'synthetic', 640, 480), header)


def play(pub, label, seconds, rng, start_s, fps=15.0, spoil=None):
    frames = hold_sequence(label, rng, duration_s=seconds, fps=fps, start_s=start_s)
    for t, kp in frames:
        pub.publish(people_msg(t, spoil(kp) if spoil else kp))
        time.sleep(1.0 / fps)
    return start_s + seconds


def wait_matched(pub, proc):
    ok = wait_for(lambda: pub.get_subscription_count() > 0 or not proc.alive(), 30.0)
    assert proc.alive(), proc.log_text()
    assert ok, proc.log_text()


def test_teleop_engage_turn_and_deadman(tmp_path):
    rng = np.random.default_rng(3)
    with RosContext() as ros:
        proc = start(tmp_path, commands_file='commands_teleop.yaml')
        try:
            node = ros.node('test_teleop')
            out = Outputs(node)
            pub = node.create_publisher(People, '/people', 10)
            with spin_in_thread(node):
                wait_matched(pub, proc)
                t = play(pub, 'both_arms_up', 1.5, rng, 0.0)         # engage: take control
                t = play(pub, 'right_arm_raised', 2.5, rng, t)       # turn right
                with out.lock:
                    turning = [m for _, m in out.twist[-5:]]
                # Then the person vanishes: no more People messages at all.
                lost_at = time.monotonic()
                assert wait_for(lambda: any(ts > lost_at + 0.05 and m.angular.z == 0.0
                                            and m.linear.x == 0.0 for ts, m in out.twist), 3.0)
        finally:
            code = proc.stop()
    assert code == 0, proc.log_text()
    with out.lock:
        labels = [m.label for m in out.labels]
        control = [m.label for m in out.control]
        zero_at = next(ts for ts, m in out.twist if ts > lost_at + 0.05
                       and m.angular.z == 0.0 and m.linear.x == 0.0)
        texts = [m.data for m in out.text]
    assert 'both_arms_up' in labels and 'right_arm_raised' in labels
    assert 'right_arm_raised' in control
    assert all(m.angular.z < -0.1 for m in turning), [m.angular.z for m in turning]
    assert 'turn_right' in texts and 'stop' in texts
    # Deadman: zero well within input_timeout (0.5 s) + deadman_timeout_s (0.5 s) + a period.
    assert zero_at - lost_at < 1.2, zero_at - lost_at
    assert 'control: engaged' in proc.log_text()


def t_pose_then_dab(start_node) -> Tuple[NodeProcess, Outputs, int]:
    """
    Start classifier_node (``start_node()``), show it a T-pose, then a dab; stop it.

    :returns: the node process, what it published, and its exit code.
    """
    rng = np.random.default_rng(5)
    with RosContext() as ros:
        proc = start_node()
        try:
            node = ros.node('test_lights')
            out = Outputs(node)
            pub = node.create_publisher(People, '/people', 10)
            with spin_in_thread(node):
                wait_matched(pub, proc)
                t = play(pub, 't_pose', 1.5, rng, 0.0)
                assert wait_for(lambda: any(m.data for m in out.lights), 2.0), proc.log_text()
                play(pub, 'dab', 1.5, rng, t)
                assert wait_for(lambda: out.lights and not out.lights[-1].data, 2.0)
        finally:
            code = proc.stop()
    return proc, out, code


def test_lights_t_pose_on_dab_off(tmp_path):
    _, out, code = t_pose_then_dab(lambda: start(
        tmp_path, commands_file='commands_lights.yaml', **{'control.policy': 'largest'}))
    assert code == 0
    with out.lock:
        states = [m.data for m in out.lights]
    assert True in states and states[-1] is False


@needs('torch', 'onnx')            # to train and export the model the node then runs
def test_a_trained_onnx_model_switches_the_lights_without_torch(tmp_path, trained_model):
    """classifier: model with the .onnx pose_train writes, in a Python without torch."""
    proc, out, code = t_pose_then_dab(lambda: start_blocked(
        tmp_path, classifier='model', model_path=str(trained_model[1]),
        commands_file='commands_lights.yaml', **{'control.policy': 'largest'}))
    log = proc.log_text()
    assert code == 0, log
    assert 'classifier model:poses.onnx' in log
    assert 'BLOCKED_IMPORT' not in log, log         # nothing even tried to import torch
    with out.lock:
        labels = {m.label for m in out.labels}
        sources = {m.source for m in out.labels}
        states = [m.data for m in out.lights]
    assert {'t_pose', 'dab'} <= labels and sources == {'model:poses.onnx'}
    assert True in states and states[-1] is False


@needs('torch', 'onnx')
def test_a_pt_model_without_torch_is_refused_at_start(tmp_path, trained_model):
    proc = start_blocked(tmp_path, classifier='model', model_path=str(trained_model[0]))
    try:
        proc.proc.wait(30)
    finally:
        code = proc.stop()
    log = proc.log_text()
    assert code == 2, log
    assert 'torch cannot be imported here' in log and 'training requirements' in log, log
    assert 'Run the .onnx model pose_train writes beside it (poses.onnx)' in log, log
    assert 'Traceback' not in log, log


def test_missing_keypoints_give_unknown(tmp_path):
    rng = np.random.default_rng(7)
    spoil = (lambda kp: with_missing(kp, ['left_shoulder', 'right_shoulder', 'left_elbow',
                                          'right_elbow', 'left_wrist', 'right_wrist']))
    with RosContext() as ros:
        proc = start(tmp_path)
        try:
            node = ros.node('test_unknown')
            out = Outputs(node)
            pub = node.create_publisher(People, '/people', 10)
            with spin_in_thread(node):
                wait_matched(pub, proc)
                play(pub, 't_pose', 1.0, rng, 0.0, spoil=spoil)
                assert wait_for(lambda: len(out.labels) >= 10, 3.0)
        finally:
            code = proc.stop()
    assert code == 0, proc.log_text()
    assert {m.label for m in out.labels} == {'unknown'}


@pytest.mark.parametrize('params, message', [
    ({'commands_file': 'no_such_file.yaml'}, 'not found'),
    ({'control.engage_label': 'moonwalk'}, "'moonwalk' is not a known label"),
    ({'classifier': 'model', 'model_path': '/nonexistent/poses.pt'}, 'never downloads'),
    ({'rate': 0.0}, 'Fix: rate is a float in [1.0, 200.0]'),
    ({'input_timeout': 'abc'}, "expecting type 'DOUBLE': input_timeout. Fix: input_timeout is"),
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


def test_unknown_label_in_the_command_map_is_rejected(tmp_path):
    bad = tmp_path / 'bad.yaml'
    bad.write_text('version: 1\nactions:\n  moonwalk: {string: hello}\n')
    proc = start(tmp_path, commands_file=str(bad))
    try:
        proc.proc.wait(30)
    finally:
        code = proc.stop()
    assert code == 2
    assert 'moonwalk' in proc.log_text()
