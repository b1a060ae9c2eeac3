# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
avatar_node over real DDS, with a real OSC server receiving its VMC protocol.

End to end: the photo bag replayed through body_node, whose People drive avatar_node; a
python-osc server in the test takes the VMC frames, a subscriber the JointState. Then the
follow modes and bad input with People published by the test.
"""

import math
import socket
import threading
import time

from conftest import fixture_bag
import numpy as np
from pose_ros.geometry.head_pose import rotation_from_angles
from pose_ros.people import Expression, Face, FrameResult, GazeSource, Head, Keypoints, Person
from pose_ros.ros_conversion import frame_to_people_msg
from pose_ros.schemas import COCO17
from pose_ros.tools.graph import NodeProcess, ros_args, share_file
from pose_ros.tools.replay import replay_bag
from pose_ros_msgs.msg import People, PoseCommand
import pytest
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer
from ros_helpers import Collector, Lifecycle, RosContext, spin_in_thread, wait_for
from sensor_msgs.msg import JointState
from std_msgs.msg import Header
from transforms3d.quaternions import mat2quat

PARAMS = share_file('config/pose_ros.yaml')


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class VmcReceiver:
    """A real OSC server, as an avatar application runs one: it keeps every message."""

    def __init__(self) -> None:
        self.messages = []
        self.lock = threading.Lock()
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._keep)
        self.server = ThreadingOSCUDPServer(('127.0.0.1', 0), dispatcher)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _keep(self, address, *args):
        with self.lock:
            self.messages.append((address, args))

    def take(self):
        with self.lock:
            return list(self.messages)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def start_avatar(tmp_path, port, **params):
    return NodeProcess('avatar_node', ros_args([PARAMS], params={
        'vmc.port': port, **params}), log_path=tmp_path / 'avatar_node.log')


def test_replayed_footage_drives_a_vmc_receiver_and_head_joints(tmp_path):
    bag = fixture_bag('photos')
    got = Collector('joints')
    with VmcReceiver() as vmc, RosContext() as ros:
        body = NodeProcess('body_node', ros_args([PARAMS], remaps={
            'image': '/camera/color/image_raw', 'camera_info': '/camera/color/camera_info'},
            params={'autostart': False}), log_path=tmp_path / 'body_node.log')
        avatar = start_avatar(tmp_path, vmc.port, follow='largest', centre_after=0.5)
        try:
            node = ros.node('test_avatar_graph')
            node.create_subscription(JointState, '/head_joints', got.keep('joints'), 100)
            with spin_in_thread(node):
                Lifecycle(node).activate(body)
                assert wait_for(lambda: node.count_subscribers('/people') > 0
                                and got.take('joints'), 90.0), avatar.log_text()
                replay_bag(ros.node('test_avatar_replay'), bag, rate=0.5)
                time.sleep(2.0)                        # nobody: back to the centre
            assert body.alive() and avatar.alive()
        finally:
            codes = (body.stop(), avatar.stop())
        messages = vmc.take()
    assert codes == (0, 0), body.log_text()[-2000:] + avatar.log_text()[-2000:]
    # The receiver got VMC frames with a person in them: the head bone with a unit quaternion,
    # eye bones, the blend shapes, each frame applied.
    heads = [args for address, args in messages
             if address == '/VMC/Ext/Bone/Pos' and args[0] == 'Head']
    assert len(heads) > 10, messages[-20:]
    for args in heads:
        assert len(args) == 8 and math.isclose(float(np.linalg.norm(args[4:])), 1.0,
                                               rel_tol=1e-4)
    names = {args[0] for address, args in messages if address == '/VMC/Ext/Blend/Val'}
    assert {'Blink_L', 'Blink_R', 'A', 'Joy', 'Surprised'} <= names
    assert any(args[0] == 'LeftEye' for a, args in messages if a == '/VMC/Ext/Bone/Pos')
    oks = [args[0] for address, args in messages if address == '/VMC/Ext/OK']
    assert 1 in oks and oks[-1] == 0                  # a person, then nobody
    assert sum(a == '/VMC/Ext/Blend/Apply' for a, _ in messages) == len(heads)
    # The head joints followed the faces within their limits, then went back to the centre.
    joints = got.take('joints')
    assert all(j.name == ['head_pan', 'head_tilt', 'head_roll'] for j in joints)
    positions = np.array([j.position for j in joints])
    assert np.abs(positions).max() > 0.01
    assert (np.abs(positions) <= np.array([1.2, 0.5, 0.3]) + 1e-9).all()
    assert np.abs(positions[-1]).max() < 1e-6


def person_msg(track_id: int, yaw: float) -> Person:
    position = np.array([0.0, 0.0, 1.0])
    rot = rotation_from_angles(yaw, 0.0, 0.0, position)
    head = Head(position, mat2quat(rot), yaw, 0.0, 0.0, 1.0, rot[:, 0], GazeSource.HEAD)
    return Person(Keypoints.empty(COCO17), track_id=track_id, head=head,
                  face=Face(None, Expression(1.0, 1.0, 0.0, 0.0, 0.0)))


def test_follow_the_controller_and_survive_bad_input(tmp_path):
    port = free_udp_port()                                  # nobody listens: UDP just goes
    got = Collector('joints', 'diag')
    with RosContext() as ros:
        avatar = start_avatar(tmp_path, port, follow='controller', input_timeout=0.5,
                              centre_after=0.3, **{'head_joints.max_velocity': 5.0})
        try:
            node = ros.node('test_avatar_follow')
            node.create_subscription(JointState, '/head_joints', got.keep('joints'), 100)
            people_pub = node.create_publisher(People, '/people', 10)
            command_pub = node.create_publisher(PoseCommand, '/pose_command', 10)
            with spin_in_thread(node):
                assert wait_for(lambda: people_pub.get_subscription_count() > 0
                                and command_pub.get_subscription_count() > 0
                                and got.take('joints'), 90.0), avatar.log_text()
                frame = FrameResult([person_msg(1, 0.4), person_msg(2, -0.4)], 'test', 640,
                                    480)

                def drive(controller: int, seconds: float) -> float:
                    """Publish both people and the controller for a while; return the pan."""
                    end = time.monotonic() + seconds
                    while time.monotonic() < end:
                        command_pub.publish(PoseCommand(label='stand', track_id=controller))
                        people_pub.publish(frame_to_people_msg(frame, Header(frame_id='c')))
                        time.sleep(0.03)
                    return got.take('joints')[-1].position[0]

                assert drive(2, 1.5) == pytest.approx(-0.4, abs=0.02)
                assert drive(1, 1.5) == pytest.approx(0.4, abs=0.02)
                # A malformed People message: reported, the node runs on.
                bad = People()
                bad.people.append(frame_to_people_msg(frame, Header()).people[0])
                bad.people[0].face.landmarks.schema = 'coco17'
                people_pub.publish(bad)
                assert drive(1, 0.5) == pytest.approx(0.4, abs=0.02)
                # No more commands: nobody is in control, the head centres.
                end = time.monotonic() + 1.5
                while time.monotonic() < end:
                    people_pub.publish(frame_to_people_msg(frame, Header(frame_id='c')))
                    time.sleep(0.03)
                assert got.take('joints')[-1].position == pytest.approx([0.0, 0.0, 0.0],
                                                                        abs=1e-6)
            assert avatar.alive()
        finally:
            code = avatar.stop()
    assert code == 0, avatar.log_text()[-2000:]
    assert 'face landmarks must be one of' in avatar.log_text()
