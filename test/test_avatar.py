# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""The avatar bridge's pure core: whom to follow, the avatar's pose, VMC messages, head joints."""

import math

import numpy as np
from pose_ros.avatar import (avatar_pose, AvatarPose, choose_person, Follower, HeadJoints,
                             unity_quaternion, vmc_messages)
from pose_ros.geometry.head_pose import rotation_from_angles
from pose_ros.people import Expression, Face, GazeSource, Head, Keypoints, Person
from pose_ros.schemas import COCO17, FACE478
import pytest
from transforms3d.quaternions import mat2quat, quat2mat

POSITION = np.array([0.1, -0.05, 1.2])


def head(yaw=0.0, pitch=0.0, roll=0.0, eye_yaw=0.0, eye_pitch=0.0) -> Head:
    """Return a head with these angles (rad) at POSITION, its eyes turned in the head."""
    rot = rotation_from_angles(yaw, pitch, roll, POSITION)
    # Gaze in the head frame (x out of the face, y to its left, z up), then the camera's.
    in_head = np.array([math.cos(eye_pitch) * math.cos(eye_yaw),
                        math.cos(eye_pitch) * math.sin(eye_yaw), -math.sin(eye_pitch)])
    return Head(POSITION.copy(), mat2quat(rot), yaw, pitch, roll, 1.0, rot @ in_head,
                GazeSource.IRIS)


def person(track_id=3, size=100.0, expression=None, **angles) -> Person:
    xy = np.zeros((len(FACE478), 2))
    xy[:, 0] = np.linspace(0, size, len(FACE478))
    face = Face(Keypoints.from_arrays(FACE478, xy, np.ones(len(FACE478))),
                expression or Expression(0.9, 0.2, 0.5, 0.75, 0.25))
    return Person(Keypoints.empty(COCO17), track_id=track_id, head=head(**angles), face=face)


# --- whom to follow ------------------------------------------------------------------------------

def test_follow_the_controller_a_track_or_the_largest_face():
    near, far = person(1, size=200.0), person(2, size=50.0)
    headless = Person(Keypoints.empty(COCO17), track_id=4)
    people = [far, near, headless]
    assert choose_person(people, 'controller', controller=2) is far
    assert choose_person(people, 'controller', controller=None) is None
    assert choose_person(people, 'controller', controller=4) is None       # no head pose
    assert choose_person(people, 'track', track_id=1) is near
    assert choose_person(people, 'track', track_id=9) is None
    assert choose_person(people, 'largest') is near
    assert choose_person([headless], 'largest') is None


def test_the_follower_forgets_stale_people_and_stale_commands():
    one, two = person(1, yaw=0.3), person(2, yaw=-0.3)
    follower = Follower('controller', 0, input_timeout=0.5, mirror=True)
    follower.update(0.0, [one, two])
    assert follower.current(0.0) == (None, None)              # nobody in control yet
    follower.command(0.0, 2)
    follower.update(0.1, [one, two])
    vmc, own = follower.current(0.2)
    assert own.track_id == 2 and own.yaw == pytest.approx(-0.3)
    assert vmc.yaw == pytest.approx(0.3)                      # mirrored for the avatar
    assert follower.current(0.7) == (None, None)              # the frame is too old
    follower.update(0.8, [one, two])                          # the command is too old
    assert follower.current(0.8) == (None, None)
    follower.set_params('track', 1, 0.5, False)
    follower.update(0.9, [one, two])
    vmc, own = follower.current(0.9)
    assert own.track_id == 1 and vmc.yaw == own.yaw == pytest.approx(0.3)


# --- the avatar's pose ------------------------------------------------------------------------

def test_the_pose_copies_or_mirrors_head_eyes_and_face():
    p = person(yaw=0.3, pitch=0.2, roll=-0.1, eye_yaw=0.15, eye_pitch=-0.1)
    own = avatar_pose(p, mirror=False)
    assert (own.yaw, own.pitch, own.roll) == pytest.approx((0.3, 0.2, -0.1))
    assert (own.eye_yaw, own.eye_pitch) == pytest.approx((0.15, -0.1), abs=1e-9)
    assert (own.blink_left, own.blink_right) == pytest.approx((0.1, 0.8))
    assert (own.mouth, own.smile, own.brow_raise) == (0.5, 0.75, 0.25)
    mirrored = avatar_pose(p, mirror=True)
    assert (mirrored.yaw, mirrored.pitch, mirrored.roll) == pytest.approx((-0.3, 0.2, 0.1))
    assert mirrored.eye_yaw == pytest.approx(-0.15)
    assert (mirrored.blink_left, mirrored.blink_right) == pytest.approx((0.8, 0.1))
    faceless = Person(Keypoints.empty(COCO17), track_id=1, head=head())
    assert math.isnan(avatar_pose(faceless).mouth)
    # A gaze from the head's direction tells nothing of the eyes: no eye angles.
    p.head.gaze_source = GazeSource.HEAD
    assert math.isnan(avatar_pose(p).eye_yaw) and math.isnan(avatar_pose(p).eye_pitch)
    with pytest.raises(ValueError):
        avatar_pose(Person(Keypoints.empty(COCO17)))


def test_unity_quaternions_turn_the_head_the_right_way():
    """Unity: left-handed, y up, z forward; positive y turns right (clockwise from above)."""
    def forward(q):
        x, y, z, w = q
        return quat2mat([w, x, y, z]) @ np.array([0.0, 0.0, 1.0])

    assert unity_quaternion(0, 0, 0) == pytest.approx((0, 0, 0, 1))
    # Turned to its left: its forward (+z) swings toward its left (-x).
    assert forward(unity_quaternion(0.5, 0, 0))[0] < -0.4
    # Looking down: forward swings toward -y.
    assert forward(unity_quaternion(0, 0.5, 0))[1] < -0.4
    # Tilted to its right shoulder: the top of its head (+y) swings toward its right (+x).
    # (Unity's AngleAxis(90, forward) * up is (-1, 0, 0): the same numbers as transforms3d.)

    def up(q):
        x, y, z, w = q
        return quat2mat([w, x, y, z]) @ np.array([0.0, 1.0, 0.0])

    assert up(unity_quaternion(0, 0, 0.5))[0] > 0.4
    assert up(unity_quaternion(0, 0, -0.5))[0] < -0.4


# --- VMC --------------------------------------------------------------------------------------

def test_vmc_frame_with_a_person():
    pose = avatar_pose(person(yaw=0.3, eye_yaw=0.1), mirror=True)
    messages = vmc_messages(pose, 12.5)
    assert messages[0] == ('/VMC/Ext/OK', [1]) and messages[1] == ('/VMC/Ext/T', [12.5])
    bones = {args[0]: args[1:] for address, args in messages if address == '/VMC/Ext/Bone/Pos'}
    assert set(bones) == {'Head', 'LeftEye', 'RightEye'}
    assert bones['Head'][:3] == [0.0, 0.0, 0.0]
    assert bones['Head'][3:] == pytest.approx(unity_quaternion(pose.yaw, pose.pitch, pose.roll))
    blends = {args[0]: args[1] for address, args in messages if address == '/VMC/Ext/Blend/Val'}
    assert blends == pytest.approx({'Blink_L': 0.8, 'Blink_R': 0.1, 'A': 0.5, 'Joy': 0.75,
                                    'Surprised': 0.25})
    assert messages[-1] == ('/VMC/Ext/Blend/Apply', [])
    assert all(isinstance(a, (str, int, float)) for _, args in messages for a in args)


def test_a_mirrored_avatar_tilts_and_turns_the_other_way():
    def up_and_forward(pose):
        head = next(args for a, args in vmc_messages(pose, 0.0)
                    if a == '/VMC/Ext/Bone/Pos' and args[0] == 'Head')
        x, y, z, w = head[4:]
        rot = quat2mat([w, x, y, z])
        return rot @ np.array([0.0, 1.0, 0.0]), rot @ np.array([0.0, 0.0, 1.0])

    # The person tilts to their right shoulder and turns to their left.
    p = person(yaw=0.4, roll=0.3)
    up, forward = up_and_forward(avatar_pose(p, mirror=False))
    assert up[0] > 0.2 and forward[0] < -0.3          # the avatar: its right, its left
    up, forward = up_and_forward(avatar_pose(p, mirror=True))
    assert up[0] < -0.2 and forward[0] > 0.3          # a mirror image


def test_vmc_frame_without_a_person_or_with_unknowns():
    assert vmc_messages(None, 1.0) == [('/VMC/Ext/OK', [0]), ('/VMC/Ext/T', [1.0])]
    nan = float('nan')
    pose = AvatarPose(1, 0.1, 0.0, 0.0, nan, nan, nan, 0.3, 2.0, nan, -1.0)
    messages = vmc_messages(pose, 2.0)
    assert [args[0] for a, args in messages if a == '/VMC/Ext/Bone/Pos'] == ['Head']
    blends = {args[0]: args[1] for a, args in messages if a == '/VMC/Ext/Blend/Val'}
    assert blends == {'Blink_R': 0.3, 'A': 1.0, 'Surprised': 0.0}      # clipped to 0..1


# --- robot head joints -----------------------------------------------------------------------

def own(yaw=0.0, pitch=0.0, roll=0.0):
    return avatar_pose(person(yaw=yaw, pitch=pitch, roll=roll), mirror=False)


def test_joints_follow_within_limits_at_the_speed_limit():
    joints = HeadJoints((1.0, 0.4, 0.2), max_velocity=2.0, centre_after=1.0)
    assert joints.step(own(0.5, 0.3, 0.1), 0.0) == pytest.approx([0, 0, 0])  # no time yet
    assert joints.step(own(0.5, 0.3, 0.1), 0.1) == pytest.approx([0.2, 0.2, 0.1])
    assert joints.step(own(0.5, 0.3, 0.1), 0.2) == pytest.approx([0.4, 0.3, 0.1])
    assert joints.step(own(0.5, 0.3, 0.1), 0.3) == pytest.approx([0.5, 0.3, 0.1])
    for i in range(20):                                   # far beyond the limits
        position = joints.step(own(2.0, -1.0, 1.0), 0.4 + i * 0.1)
    assert position == pytest.approx([1.0, -0.4, 0.2])
    mirrored = HeadJoints((1.0, 0.4, 0.2), 100.0, 1.0, mirror=True)
    mirrored.step(own(0.5, 0.3, 0.1), 0.0)
    assert mirrored.step(own(0.5, 0.3, 0.1), 1.0) == pytest.approx([-0.5, 0.3, -0.1])


def test_joints_hold_then_centre_when_nobody_is_followed():
    joints = HeadJoints((1.0, 0.4, 0.2), max_velocity=1.0, centre_after=1.0)
    joints.step(own(0.5), 0.0)
    joints.step(own(0.5), 1.0)
    assert joints.position == pytest.approx([0.5, 0, 0])
    assert joints.step(None, 1.5) == pytest.approx([0.5, 0, 0])          # held
    assert joints.step(None, 1.9) == pytest.approx([0.5, 0, 0])
    assert joints.step(None, 2.2) == pytest.approx([0.2, 0, 0])          # centring at 1 rad/s
    assert joints.step(None, 3.0) == pytest.approx([0, 0, 0])
    never = HeadJoints((1.0, 0.4, 0.2), 1.0, 1.0)
    assert never.step(None, 0.0) == pytest.approx([0, 0, 0])
    nan_pose = AvatarPose(1, float('nan'), 0.1, 0.0, 0, 0, 0, 0, 0, 0, 0)
    assert joints.step(nan_pose, 3.1) == pytest.approx([0, 0.1, 0])      # pan held, not NaN


def test_new_settings_apply_from_the_current_position():
    joints = HeadJoints((1.0, 0.4, 0.2), max_velocity=10.0, centre_after=1.0)
    joints.step(own(0.8), 0.0)
    assert joints.step(own(0.8), 1.0) == pytest.approx([0.8, 0, 0])
    joints.set_params((0.5, 0.4, 0.2), max_velocity=1.0, centre_after=1.0, mirror=True)
    assert joints.position == pytest.approx([0.8, 0, 0])             # no jump
    assert joints.step(own(0.8), 1.1) == pytest.approx([0.7, 0, 0])  # toward -0.5, 1 rad/s
