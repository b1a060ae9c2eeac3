# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
From one person's head and face to an avatar or a robot head: pure, no ROS, no network.

- :func:`choose_person`: whom to follow (the controlling person of classifier_node, the
  largest face in view, or a given track).
- :class:`Follower`: the followed person's latest poses, and nobody once they (or, following
  the controller, its last word) are older than ``input_timeout``.
- :func:`avatar_pose`: that person's head angles, eye angles (the gaze in the head's frame)
  and expression, as an avatar takes them; ``mirror`` makes the avatar the person's mirror
  image (it turns and tilts the other way, and its left eye blinks with the person's right).
- :func:`vmc_messages`: the VMC protocol's OSC messages for one frame (the head and eye bones
  in Unity's axes, the blend shapes in VRM 0.x names, then Apply).
- :class:`HeadJoints`: pan, tilt and roll for a robot head, within limits, at most
  ``max_velocity`` per second toward the target, back to the centre when nobody is followed
  for ``centre_after`` seconds.

Unity (and so VMC) is left-handed, x to the avatar's right, y up, z forward (where the
avatar looks). Its head's Euler angles are ``x`` = pitch (positive looks down), ``y`` = -yaw
(positive turns to the avatar's right), ``z`` = -roll (positive tips the top of the head to
the avatar's left shoulder); Unity composes them as ``Ry * Rx * Rz``. A quaternion's
components rotate a vector's coordinates the same way in either handedness (Unity's
``AngleAxis(90, forward) * up`` is (-1, 0, 0), as transforms3d's), so transforms3d computes
them.
"""

from dataclasses import dataclass
import math
from typing import List, Optional, Sequence, Tuple

import numpy as np
from pose_ros.people import GazeSource, Person
from transforms3d.quaternions import axangle2quat, qmult, quat2mat

# VRM 0.x blend shape presets (case-sensitive in UniVRM) and the AvatarPose field of each.
BLEND_SHAPES = {
    'Blink_L': 'blink_left',        # the avatar's left eye closed (1 - openness)
    'Blink_R': 'blink_right',
    'A': 'mouth',                   # mouth openness
    'Joy': 'smile',
    'Surprised': 'brow_raise',
}


@dataclass(frozen=True)
class AvatarPose:
    """What drives an avatar for one frame (radians; 0..1 scales, NaN when unknown)."""

    track_id: int
    yaw: float               # the avatar's own head turn: positive to its left
    pitch: float             # positive looking down
    roll: float              # positive tilted to its right shoulder
    eye_yaw: float           # the eyes in the head, positive to the avatar's left; NaN:
    #                          unknown (no iris gaze)
    eye_pitch: float         # positive looking down
    blink_left: float        # the avatar's own left eye: 1 closed
    blink_right: float
    mouth: float
    smile: float
    brow_raise: float


def _face_size(person: Person) -> float:
    face = person.face
    if face is None or face.keypoints is None:
        return 0.0
    xy = face.keypoints.xy[np.isfinite(face.keypoints.xy).all(axis=1)]
    return float(np.ptp(xy, axis=0).max()) if len(xy) else 0.0


def choose_person(people: Sequence[Person], follow: str, track_id: int = -1,
                  controller: Optional[int] = None) -> Optional[Person]:
    """
    Return the person to follow among ``people`` with a head pose, or None.

    :param follow: 'controller' (the person whose track id is ``controller``), 'largest' (the
        largest face, the nearest person as a rule) or 'track' (``track_id``).
    """
    with_head = [p for p in people if p.head is not None]
    if follow == 'largest':
        return max(with_head, key=_face_size, default=None)
    wanted = controller if follow == 'controller' else track_id
    if wanted is None or wanted < 0:
        return None
    return next((p for p in with_head if p.track_id == wanted), None)


def _eye_angles(person: Person) -> Tuple[float, float]:
    head = person.head
    gaze = np.asarray(head.gaze, np.float64)
    # A gaze from the head's direction says nothing of the eyes: leave them to the avatar.
    if head.gaze_source != GazeSource.IRIS or not np.isfinite(gaze).all():
        return float('nan'), float('nan')
    rot = quat2mat(np.asarray(head.quaternion, np.float64))
    x, y, z = rot.T @ gaze              # REP-155: x out of the face, y to its left, z up
    return math.atan2(y, x), math.atan2(-z, math.hypot(x, y))


def avatar_pose(person: Person, mirror: bool = True) -> AvatarPose:
    """Return the avatar's pose for ``person`` (who must have a head pose)."""
    head = person.head
    if head is None:
        raise ValueError('avatar_pose needs a person with a head pose')
    eye_yaw, eye_pitch = _eye_angles(person)
    nan = float('nan')
    e = person.face.expression if person.face is not None else None
    left = 1.0 - e.left_eye_openness if e is not None else nan
    right = 1.0 - e.right_eye_openness if e is not None else nan
    sign = -1.0 if mirror else 1.0
    if mirror:
        left, right = right, left
    return AvatarPose(
        track_id=person.track_id, yaw=sign * head.yaw, pitch=head.pitch, roll=sign * head.roll,
        eye_yaw=sign * eye_yaw, eye_pitch=eye_pitch, blink_left=left, blink_right=right,
        mouth=e.mouth_openness if e is not None else nan,
        smile=e.smile if e is not None else nan,
        brow_raise=e.brow_raise if e is not None else nan)


class Follower:
    """
    Whom to follow, and their latest avatar poses while they are fresh.

    Feed it the controlling person's track id (:meth:`command`, from classifier_node) and each
    frame's people (:meth:`update`); :meth:`current` gives the (VMC, own) poses of the
    followed person, or (None, None) once the last frame with them, or with
    ``follow: controller`` the last command, is older than ``input_timeout``.
    """

    def __init__(self, follow: str, track_id: int, input_timeout: float, mirror: bool) -> None:
        self.set_params(follow, track_id, input_timeout, mirror)
        self._controller: Optional[Tuple[float, int]] = None                # when, track id
        self._poses: Optional[Tuple[float, AvatarPose, AvatarPose]] = None  # when, vmc, own

    def set_params(self, follow: str, track_id: int, input_timeout: float,
                   mirror: bool) -> None:
        """Change whom to follow, how long input stays fresh and the avatar's mirroring."""
        self.follow, self.track_id = follow, int(track_id)
        self.input_timeout, self.mirror = float(input_timeout), bool(mirror)

    def command(self, t: float, track_id: int) -> None:
        """Note that ``track_id`` is in control at ``t`` (s)."""
        self._controller = (t, int(track_id))

    def update(self, t: float, people: Sequence[Person]) -> None:
        """Take one frame's people at ``t`` (s): the followed one's poses, if they are in it."""
        controller = self._controller
        controller_id = (controller[1] if controller is not None
                         and t - controller[0] <= self.input_timeout else None)
        person = choose_person(people, self.follow, self.track_id, controller_id)
        if person is not None:
            self._poses = (t, avatar_pose(person, self.mirror), avatar_pose(person, False))

    def current(self, t: float) -> Tuple[Optional[AvatarPose], Optional[AvatarPose]]:
        """Return the (for the avatar, the person's own) poses at ``t``, or (None, None)."""
        poses = self._poses
        if poses is None or t - poses[0] > self.input_timeout:
            return None, None
        return poses[1], poses[2]


def unity_quaternion(yaw: float, pitch: float, roll: float) -> Tuple[float, float, float, float]:
    """Return (x, y, z, w) of a head or eye with these avatar angles, in Unity's axes."""
    q = qmult(qmult(axangle2quat([0.0, 1.0, 0.0], -yaw), axangle2quat([1.0, 0.0, 0.0], pitch)),
              axangle2quat([0.0, 0.0, 1.0], -roll))
    w, x, y, z = (float(v) for v in q)
    return x, y, z, w


def vmc_messages(pose: Optional[AvatarPose], t: float) -> List[Tuple[str, list]]:
    """
    Return the OSC messages (address, arguments) of one VMC frame.

    ``/VMC/Ext/OK`` (1: loaded, or 0 with nobody followed), ``/VMC/Ext/T`` (the sender's time,
    seconds), the ``Head`` bone and, when the gaze is known, the ``LeftEye`` / ``RightEye``
    bones (``/VMC/Ext/Bone/Pos``: name, local position, rotation x, y, z, w; the position is
    zero: receivers take the rotation), the blend shapes that are known
    (``/VMC/Ext/Blend/Val``: :data:`BLEND_SHAPES`), then ``/VMC/Ext/Blend/Apply``.
    """
    out: List[Tuple[str, list]] = [('/VMC/Ext/OK', [0 if pose is None else 1]),
                                   ('/VMC/Ext/T', [float(t)])]
    if pose is None:
        return out
    bones = [('Head', (pose.yaw, pose.pitch, pose.roll))]
    if math.isfinite(pose.eye_yaw) and math.isfinite(pose.eye_pitch):
        bones += [(eye, (pose.eye_yaw, pose.eye_pitch, 0.0)) for eye in ('LeftEye', 'RightEye')]
    for name, angles in bones:
        if all(math.isfinite(a) for a in angles):
            out.append(('/VMC/Ext/Bone/Pos', [name, 0.0, 0.0, 0.0, *unity_quaternion(*angles)]))
    for name, field in BLEND_SHAPES.items():
        value = getattr(pose, field)
        if math.isfinite(value):
            out.append(('/VMC/Ext/Blend/Val', [name, float(min(1.0, max(0.0, value)))]))
    out.append(('/VMC/Ext/Blend/Apply', []))
    return out


class HeadJoints:
    """
    Pan, tilt (and roll) of a robot head that imitates one person's head.

    Targets are the person's yaw (pan; the other way with ``mirror``), pitch (tilt, positive
    down) and roll, clipped to the limits; each :meth:`step` moves every joint at most
    ``max_velocity * dt`` toward its target. With nobody followed the joints hold still, and
    after ``centre_after`` seconds go back to zero, at the same speed.
    """

    def __init__(self, limits: Tuple[float, float, float], max_velocity: float,
                 centre_after: float, mirror: bool = False) -> None:
        self.set_params(limits, max_velocity, centre_after, mirror)
        self.position = np.zeros(3)
        self._t: Optional[float] = None
        self._last_seen: Optional[float] = None

    def set_params(self, limits: Tuple[float, float, float], max_velocity: float,
                   centre_after: float, mirror: bool) -> None:
        """Change the limits, speed and behaviour; the current position is kept."""
        self.limits = np.asarray(limits, np.float64)
        self.max_velocity = float(max_velocity)
        self.centre_after = float(centre_after)
        self.mirror = bool(mirror)

    def target_of(self, pose: AvatarPose) -> np.ndarray:
        """Return the clipped (pan, tilt, roll) target for the person's own (unmirrored) pose."""
        sign = -1.0 if self.mirror else 1.0
        target = np.array([sign * pose.yaw, pose.pitch, sign * pose.roll], np.float64)
        target = np.where(np.isfinite(target), target, self.position)
        return np.clip(target, -self.limits, self.limits)

    def step(self, pose: Optional[AvatarPose], t: float) -> np.ndarray:
        """Advance to time ``t`` (s) with this frame's pose (None: nobody); return positions."""
        dt = 0.0 if self._t is None else max(0.0, t - self._t)
        self._t = t
        if pose is not None:
            self._last_seen = t
            target = self.target_of(pose)
        elif self._last_seen is not None and t - self._last_seen < self.centre_after:
            target = self.position.copy()
        else:
            target = np.zeros(3)
        reach = self.max_velocity * dt
        self.position = self.position + np.clip(target - self.position, -reach, reach)
        return self.position.copy()
