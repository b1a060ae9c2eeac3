# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Synthetic motion of one person, from a kinematic body model, as a camera and detector see it.

For the activity tests and the ``evaluate --activity`` figures: sequences whose truth is
known exactly (a fall, n repetitions, n steps) and look-alikes that must not count.

The body is 17 COCO joints built from segment lengths (torso 0.5 m for a 1.7 m person) and
joint angles, in a world frame with x to the camera's right, y up, z away from the camera,
the floor at y = 0. A motion is a list of world skeletons sampled at a frame rate (one per
frame); :func:`render` projects them through a pinhole camera (level by default, 1.2 m above
the floor), and adds what a real detector does: the per-joint error measured on real images
(:data:`pose_ros.classifier.synthetic.DETECTOR_ERROR`, in 2D; 5 cm median in 3D), dropped
frames, occluded joints, and joints outside the image missing.
"""

from dataclasses import dataclass, field, fields, replace
import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from pose_ros.classifier.synthetic import detector_noise
from pose_ros.people import Keypoints, Person, PositionSource
from pose_ros.schemas import COCO17

Skeleton = Dict[str, np.ndarray]          # joint name -> world position (3,)
Frames = List[Skeleton]
SIDES = {'left': 1.0, 'right': -1.0}
LEGS = ('left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle')
LOWER_LEGS = ('left_knee', 'right_knee', 'left_ankle', 'right_ankle')
# 3D error of a model's camera-frame skeleton, median per joint (metres).
DETECTOR_ERROR_3D_M = 0.05


@dataclass(frozen=True)
class Limb:
    """One arm or leg: the upper and lower segment's direction, as angles in degrees."""

    # Legs: hip flexion (forward), abduction (outward), knee flexion.
    # Arms: upper arm elevation from hanging down and its azimuth (0 outward, 90 forward),
    # then the same two for the forearm.
    a: float = 0.0
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0


@dataclass(frozen=True)
class Pose:
    """A body's configuration: where, which way, how tilted, and its limbs."""

    x: float = 0.0                       # pelvis position on the floor (metres)
    z: float = 4.0
    yaw_deg: float = 0.0                 # 0: facing the camera; 90: facing the camera's left
    pitch_deg: float = 0.0               # forward tilt of the whole body (falls, push-ups)
    roll_deg: float = 0.0                # sideways tilt towards the person's left
    legs: Tuple[Limb, Limb] = (Limb(), Limb())          # left, right
    arms: Tuple[Limb, Limb] = (Limb(5.0, 0.0, 5.0, 0.0), Limb(5.0, 0.0, 5.0, 0.0))
    lift: float = 0.0                    # metres above standing on the floor (a jump)


@dataclass(frozen=True)
class Body:
    """Segment lengths in metres (a 1.7 m adult by default, times ``scale``)."""

    scale: float = 1.0
    torso: float = 0.5
    hip_width: float = 0.25
    shoulder_width: float = 0.38
    thigh: float = 0.45
    shank: float = 0.42
    upper_arm: float = 0.30
    forearm: float = 0.27

    @classmethod
    def of_height(cls, metres: float) -> 'Body':
        """Return the segments of a person ``metres`` tall (the default's proportions)."""
        k = metres / 1.7
        base = cls()
        return cls(scale=k, **{f.name: getattr(base, f.name) * k for f in fields(cls)
                               if f.name != 'scale'})


def _axes(p: Pose) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the body's left, up and forward unit vectors in the world."""
    yaw, pitch, roll = (math.radians(v) for v in (p.yaw_deg, p.pitch_deg, p.roll_deg))
    forward = np.array([-math.sin(yaw), 0.0, -math.cos(yaw)])
    up = np.array([0.0, 1.0, 0.0])
    left = np.cross(forward, up)
    # Pitch: up tilts towards forward; roll: up tilts towards left.
    up, forward = (up * math.cos(pitch) + forward * math.sin(pitch),
                   forward * math.cos(pitch) - up * math.sin(pitch))
    up, left = (up * math.cos(roll) + left * math.sin(roll),
                left * math.cos(roll) - up * math.sin(roll))
    return left, up, forward


def _direction(elevation: float, azimuth: float, side: float, axes) -> np.ndarray:
    left, up, forward = axes
    e, a = math.radians(elevation), math.radians(azimuth)
    return (-math.cos(e) * up + math.sin(e) * (math.cos(a) * side * left
                                               + math.sin(a) * forward))


def _leg(flexion: float, abduction: float, side: float, axes) -> np.ndarray:
    left, up, forward = axes
    f, b = math.radians(flexion), math.radians(abduction)
    d = -math.cos(f) * math.cos(b) * up + math.sin(f) * math.cos(b) * forward \
        + math.sin(b) * side * left
    return d / np.linalg.norm(d)


def skeleton(p: Pose, body: Body = Body()) -> Skeleton:
    """Return the 17 joints of ``p`` in the world, standing on the floor (unless tilted)."""
    axes = _axes(p)
    left, up, forward = axes
    pelvis = np.zeros(3)
    j: Skeleton = {}
    head = pelvis + up * (body.torso + 0.22 * body.scale)
    j['nose'] = head + forward * 0.09 * body.scale
    for side, s in SIDES.items():
        j[f'{side}_eye'] = head + up * 0.04 * body.scale + forward * 0.07 * body.scale \
            + left * s * 0.035 * body.scale
        j[f'{side}_ear'] = head + up * 0.02 * body.scale + left * s * 0.075 * body.scale
        shoulder = pelvis + up * body.torso + left * s * body.shoulder_width / 2
        arm = p.arms[0 if side == 'left' else 1]
        elbow = shoulder + body.upper_arm * _direction(arm.a, arm.b, s, axes)
        j[f'{side}_shoulder'], j[f'{side}_elbow'] = shoulder, elbow
        j[f'{side}_wrist'] = elbow + body.forearm * _direction(arm.c, arm.d, s, axes)
        hip = pelvis + left * s * body.hip_width / 2
        leg = p.legs[0 if side == 'left' else 1]
        knee = hip + body.thigh * _leg(leg.a, leg.b, s, axes)
        j[f'{side}_hip'], j[f'{side}_knee'] = hip, knee
        j[f'{side}_ankle'] = knee + body.shank * _leg(leg.a - leg.c, leg.b, s, axes)
    # Stand on the floor: the lower ankle 8 cm up, nothing below 5 cm (lying).
    lift = 0.08 * body.scale - min(j['left_ankle'][1], j['right_ankle'][1])
    lift = max(lift, 0.05 - min(v[1] for v in j.values()))
    offset = np.array([p.x, lift + p.lift, p.z])
    return {k: v + offset for k, v in j.items()}


def _ease(u: float) -> float:
    """Smooth 0..1 (zero speed at both ends)."""
    u = min(max(u, 0.0), 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * u)


def _times(duration: float, fps: float) -> np.ndarray:
    return np.arange(int(round(duration * fps))) / fps


def hold(p: Pose, duration: float, fps: float, body: Body = Body(), sway: float = 0.01,
         rng: Optional[np.random.Generator] = None) -> Frames:
    """Stay in pose ``p`` (with a slow sway of ``sway`` metres)."""
    phase = rng.uniform(0, 2 * math.pi) if rng is not None else 0.0
    return [skeleton(replace(p, x=p.x + sway * math.sin(0.7 * t + phase)), body)
            for t in _times(duration, fps)]


def blend(a: Pose, b: Pose, u: float) -> Pose:
    """Return the pose a fraction ``u`` of the way from ``a`` to ``b`` (angles linearly)."""
    def mix(x: float, y: float) -> float:
        return x + (y - x) * u

    def limb(p: Limb, q: Limb) -> Limb:
        return Limb(mix(p.a, q.a), mix(p.b, q.b), mix(p.c, q.c), mix(p.d, q.d))

    return Pose(mix(a.x, b.x), mix(a.z, b.z), mix(a.yaw_deg, b.yaw_deg),
                mix(a.pitch_deg, b.pitch_deg), mix(a.roll_deg, b.roll_deg),
                tuple(limb(p, q) for p, q in zip(a.legs, b.legs)),
                tuple(limb(p, q) for p, q in zip(a.arms, b.arms)), mix(a.lift, b.lift))


def move(a: Pose, b: Pose, duration: float, fps: float, body: Body = Body(),
         profile=_ease) -> Frames:
    """Go from ``a`` to ``b`` in ``duration`` seconds (``profile`` shapes the timing)."""
    return [skeleton(blend(a, b, profile(t / duration)), body)
            for t in _times(duration, fps)]


# --- the motions -----------------------------------------------------------------------------

def standing(x: float = 0.0, z: float = 4.0, yaw: float = 0.0) -> Pose:
    """Return a person standing, arms hanging."""
    return Pose(x=x, z=z, yaw_deg=yaw)


def walk(start: Pose, steps: int, cadence: float, fps: float, body: Body = Body(),
         heading_deg: Optional[float] = None, step_length: float = 0.65) -> Frames:
    """
    Walk ``steps`` steps at ``cadence`` steps per minute, from and back to feet side by side.

    Each step plants one foot ``step_length`` metres (times the body's scale) ahead of the
    other, while that other foot stands still on the floor; a last half step brings the feet
    side by side again. The person walks the way they face (``start.yaw_deg``) unless
    ``heading_deg`` is given. The legs follow the feet (two-link inverse kinematics, knees
    forwards).
    """
    heading = math.radians(start.yaw_deg if heading_deg is None else heading_deg)
    ahead = np.array([-math.sin(heading), 0.0, -math.cos(heading)])
    stride = step_length * body.scale
    period = 60.0 / cadence
    # Foot positions along the heading at the start of each step; steps + 1 moves in all.
    feet = [[0.0, 0.0]]
    for k in range(steps + 1):
        moving = k % 2
        nxt = list(feet[-1])
        nxt[moving] = feet[-1][1 - moving] + (stride if k < steps else 0.0)
        feet.append(nxt)
    leg = body.thigh + body.shank
    frames = []
    for t in _times((steps + 1) * period, fps):
        k = min(int(t // period), steps)
        u = (t - k * period) / period
        swing = _ease((u - 0.15) / 0.7)                  # double support at both ends
        moving = k % 2
        pos = list(feet[k])
        pos[moving] = feet[k][moving] + (feet[k + 1][moving] - feet[k][moving]) * swing
        lift = 0.08 * body.scale * math.sin(math.pi * swing)
        centre = (pos[0] + pos[1]) / 2
        phase = math.pi * (k + u)
        arms = (Limb(15.0 * -math.sin(phase), 90.0, 20.0 - 15.0 * math.sin(phase), 90.0),
                Limb(15.0 * math.sin(phase), 90.0, 20.0 + 15.0 * math.sin(phase), 90.0))
        j = skeleton(replace(start, arms=arms, legs=(Limb(), Limb())), body)
        shift = ahead * centre
        j = {name: v + shift for name, v in j.items()}
        # Lower the hips so that the legs reach the planted feet.
        half = abs(pos[0] - pos[1]) / 2
        drop = leg - math.sqrt(max(leg * leg - half * half, 0.0)) + 0.01 * body.scale
        j = {name: v - np.array([0.0, drop, 0.0]) if not name.endswith(('knee', 'ankle'))
             else v for name, v in j.items()}
        for side, i in (('left', 0), ('right', 1)):
            hip = j[f'{side}_hip']
            ankle = np.array([hip[0], 0.0, hip[2]]) + ahead * (pos[i] - centre)
            ankle[1] = 0.08 * body.scale + (lift if i == moving and k < steps + 1 else 0.0)
            j[f'{side}_knee'], j[f'{side}_ankle'] = _two_links(
                hip, ankle, body.thigh, body.shank, ahead)
        frames.append(j)
    return frames


def cycles(start: Pose, peak: Pose, reps: int, period: float, fps: float,
           body: Body = Body(), pause: float = 0.0) -> Frames:
    """Go from ``start`` to ``peak`` and back ``reps`` times, ``period`` seconds each."""
    frames: Frames = []
    for _ in range(reps):
        frames += move(start, peak, period / 2, fps, body)
        frames += move(peak, start, period / 2, fps, body)
        frames += hold(start, pause, fps, body, sway=0.0)
    return frames


def squat_pose(start: Pose, depth: float = 1.0) -> Pose:
    """Return the bottom of a squat (``depth`` 1: thighs near horizontal)."""
    hip = 80.0 * depth
    legs = (Limb(hip, 0.0, 1.6 * hip), Limb(hip, 0.0, 1.6 * hip))   # feet stay planted
    arms = (Limb(80.0, 90.0, 80.0, 90.0),) * 2            # arms forward for balance
    return replace(start, pitch_deg=0.3 * hip, legs=legs, arms=arms)


def curl_pose(start: Pose) -> Pose:
    """Return the top of an arm curl (both arms)."""
    return replace(start, arms=(Limb(8.0, 90.0, 150.0, 90.0),) * 2)


def jack_pose(start: Pose) -> Pose:
    """Return the middle of a jumping jack: arms up, feet apart, in the air."""
    return replace(start, arms=(Limb(165.0, 0.0, 170.0, 0.0),) * 2,
                   legs=(Limb(0.0, 15.0, 0.0), Limb(0.0, 15.0, 0.0)), lift=0.06)


def push_ups(reps: int, period: float, fps: float, body: Body = Body(), x: float = -0.5,
             z: float = 4.0, heading: float = 90.0) -> Frames:
    """
    Push-ups on the floor, seen from the side: a straight body pivots on the feet.

    The hands stay on the floor under the shoulders' highest point; the elbows bend outwards
    (two-link inverse kinematics).
    """
    reach = body.upper_arm + body.forearm
    length = body.thigh + body.shank + body.torso

    def plank(shoulder_height: float) -> Skeleton:
        pitch = math.degrees(math.acos((shoulder_height - 0.08 * body.scale) / length))
        return skeleton(Pose(x=x, z=z, yaw_deg=heading, pitch_deg=pitch), body)

    top = plank(0.995 * reach)
    hands = {s: top[f'{s}_shoulder'] * np.array([1.0, 0.0, 1.0]) for s in SIDES}

    def frame(u: float) -> Skeleton:                       # u: 0 up .. 1 down
        j = plank(0.995 * reach - u * 0.33 * body.scale)
        for side, other in (('left', 'right'), ('right', 'left')):
            # The elbows bend outwards and towards the feet.
            outwards = j[f'{side}_shoulder'] - j[f'{other}_shoulder']
            feetwards = j['left_hip'] - j['left_shoulder']
            j[f'{side}_elbow'], j[f'{side}_wrist'] = _two_links(
                j[f'{side}_shoulder'], hands[side], body.upper_arm, body.forearm,
                outwards + feetwards)
        return j

    frames = [frame(0.5 - 0.5 * math.cos(2 * math.pi * t / period))
              for t in _times(period * reps, fps)]
    return frames + [frame(0.0)] * int(round(fps))         # and rest at the top


def _two_links(shoulder: np.ndarray, hand: np.ndarray, u: float, f: float,
               bend: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Place the middle joint (towards ``bend``) so that the end reaches ``hand``, if it can."""
    to_hand = hand - shoulder
    d = float(np.linalg.norm(to_hand))
    axis = to_hand / d
    d = min(d, u + f - 1e-6)
    a = (u * u - f * f + d * d) / (2 * d)
    h = math.sqrt(max(u * u - a * a, 0.0))
    n = bend - (bend @ axis) * axis
    n /= np.linalg.norm(n)
    elbow = shoulder + a * axis + h * n
    wrist = shoulder + d * axis
    return elbow, wrist


def fall(start: Pose, direction: str, fps: float, body: Body = Body(), duration: float = 0.8,
         lie: float = 4.0) -> Frames:
    """
    Fall ``forward``, ``backward``, ``left`` or ``right`` (the person's own) from ``start``.

    The body topples about the feet, accelerating (an angle growing with time squared), the
    knees giving way; then it lies still for ``lie`` seconds.
    """
    tilt = {'forward': (88.0, 0.0), 'backward': (-88.0, 0.0), 'left': (0.0, 88.0),
            'right': (0.0, -88.0)}[direction]
    end = replace(start, pitch_deg=tilt[0], roll_deg=tilt[1],
                  legs=(Limb(25.0, 5.0, 40.0), Limb(15.0, 5.0, 30.0)),
                  arms=(Limb(70.0, 60.0, 80.0, 60.0),) * 2)
    first = skeleton(start, body)
    standing_feet = first['left_ankle'] + first['right_ankle']

    def pivoted(p: Pose) -> Skeleton:
        # Keep the feet where they stood: the body turns about them.
        j = skeleton(p, body)
        shift = standing_feet / 2 - (j['left_ankle'] + j['right_ankle']) / 2
        shift[1] = 0.0
        return {k: v + shift for k, v in j.items()}

    frames = [pivoted(blend(start, end, (t / duration) ** 2)) for t in _times(duration, fps)]
    frames += [pivoted(end)] * int(round(lie * fps))
    return frames


def sit_on_chair(start: Pose, fps: float, body: Body = Body(), duration: float = 1.0,
                 stay: float = 3.0) -> Frames:
    """Sit down on a chair (thighs horizontal, torso upright), in ``duration`` seconds."""
    seated = replace(start, legs=(Limb(90.0, 5.0, 90.0),) * 2, pitch_deg=5.0)
    lean = replace(blend(start, seated, 0.5), pitch_deg=25.0)
    return (move(start, lean, duration / 2, fps, body)
            + move(lean, seated, duration / 2, fps, body) + hold(seated, stay, fps, body))


def sit_on_floor(start: Pose, fps: float, body: Body = Body(), duration: float = 2.0,
                 stay: float = 3.0) -> Frames:
    """Sit down on the floor, legs out in front, torso upright."""
    seated = replace(start, legs=(Limb(90.0, 5.0, 0.0),) * 2, pitch_deg=-5.0)
    crouch = replace(start, legs=(Limb(110.0, 10.0, 130.0),) * 2, pitch_deg=30.0)
    return (move(start, crouch, duration / 2, fps, body)
            + move(crouch, seated, duration / 2, fps, body) + hold(seated, stay, fps, body))


def bend_over(start: Pose, fps: float, body: Body = Body(), duration: float = 0.7,
              stay: float = 2.0) -> Frames:
    """Bend over quickly (torso horizontal, legs straight, hands down), stay, come back."""
    bent = replace(start, pitch_deg=90.0, legs=(Limb(90.0, 3.0, 5.0),) * 2,
                   arms=(Limb(90.0, 90.0, 90.0, 90.0),) * 2)
    return (move(start, bent, duration, fps, body) + hold(bent, stay, fps, body)
            + move(bent, start, duration, fps, body))


def lie_down(start: Pose, fps: float, body: Body = Body(), duration: float = 6.0,
             stay: float = 4.0) -> Frames:
    """Lie down on purpose: sit on the floor, then lean back until lying (``duration`` s)."""
    sit = sit_on_floor(start, fps, body, duration / 2, stay=0.0)
    seated = replace(start, legs=(Limb(90.0, 5.0, 0.0),) * 2, pitch_deg=-5.0)
    lying = replace(seated, pitch_deg=-88.0, legs=(Limb(0.0, 5.0, 0.0),) * 2)
    return sit + move(seated, lying, duration / 2, fps, body) + hold(lying, stay, fps, body)


def stumble(start: Pose, fps: float, body: Body = Body()) -> Frames:
    """Drop fast onto one knee, then stand up again (no fall)."""
    kneel = replace(start, legs=(Limb(90.0, 5.0, 90.0), Limb(-10.0, 5.0, 100.0)),
                    pitch_deg=15.0, arms=(Limb(40.0, 60.0, 50.0, 60.0),) * 2)
    return (move(start, kneel, 0.4, fps, body, profile=lambda u: u * u)
            + hold(kneel, 1.0, fps, body) + move(kneel, start, 1.0, fps, body))


# --- what the camera and detector make of it ---------------------------------------------------

@dataclass(frozen=True)
class Camera:
    """A pinhole camera on a tripod: ``height`` metres up, tilted down by ``tilt_deg``."""

    width: int = 640
    height_px: int = 480
    focal_px: float = 520.0
    height: float = 1.2
    tilt_deg: float = 0.0

    def to_optical(self, world: np.ndarray) -> np.ndarray:
        """Return world points (N, 3) in the camera's optical frame (x right, y down, z ahead)."""
        rel = world - np.array([0.0, self.height, 0.0])
        x, y, z = rel[:, 0], -rel[:, 1], rel[:, 2]
        t = math.radians(self.tilt_deg)
        return np.stack([x, y * math.cos(t) - z * math.sin(t),
                         y * math.sin(t) + z * math.cos(t)], axis=1)

    def project(self, optical: np.ndarray) -> np.ndarray:
        """Return pixels (N, 2) of optical-frame points (NaN behind the camera or outside)."""
        with np.errstate(divide='ignore', invalid='ignore'):
            uv = self.focal_px * optical[:, :2] / optical[:, 2:3] + [self.width / 2,
                                                                     self.height_px / 2]
        outside = ((optical[:, 2] <= 0.1) | (uv[:, 0] < 0) | (uv[:, 0] >= self.width)
                   | (uv[:, 1] < 0) | (uv[:, 1] >= self.height_px))
        uv[outside] = np.nan
        return uv


@dataclass(frozen=True)
class Detector:
    """How the frames are seen: noise, 3D or not, dropped frames and hidden joints."""

    noise: bool = True
    dims: int = 2                          # 3: camera-frame 3D as well (MODEL_CAMERA)
    drop: float = 0.0                      # probability that a frame is missing
    hidden: Sequence[str] = field(default_factory=tuple)     # joints never seen
    hide_from: float = 0.0                 # ...from this many seconds
    hide_until: float = float('inf')       # ...until this many


def render(frames: Frames, fps: float, rng: np.random.Generator, camera: Camera = Camera(),
           detector: Detector = Detector(), track_id: int = 1,
           start: float = 0.0) -> List[Tuple[float, List[Person]]]:
    """
    Return ``(t, people)`` per frame kept: the person as a detector reports them.

    A frame in which fewer than 5 joints are in view has nobody in it (the detector lost
    them); dropped frames are left out altogether.
    """
    out = []
    names = COCO17.keypoints
    for i, world in enumerate(frames):
        t = start + i / fps
        if rng.random() < detector.drop:
            continue
        optical = camera.to_optical(np.array([world[n] for n in names]))
        xy = camera.project(optical)
        if detector.hide_from <= t - start < detector.hide_until:
            for n in detector.hidden:
                xy[names.index(n)] = np.nan
        seen = np.isfinite(xy).all(axis=1)
        if seen.sum() < 5:
            out.append((t, []))
            continue
        conf = np.where(seen, 0.9, np.nan)
        xyz = np.where(seen[:, None], optical, np.nan) if detector.dims == 3 else None
        kp = Keypoints.from_arrays(COCO17, xy, conf, xyz, PositionSource.MODEL_CAMERA
                                   if detector.dims == 3 else PositionSource.NONE)
        if detector.noise:
            kp = detector_noise(kp, rng)
            if detector.dims == 3:
                kp.xyz += rng.normal(0.0, DETECTOR_ERROR_3D_M / 1.538, kp.xyz.shape) \
                    .astype(np.float32)
        box = np.array([*np.nanmin(kp.xy, axis=0), *np.nanmax(kp.xy, axis=0)], np.float32)
        out.append((t, [Person(body=kp, bbox=box, score=0.9, track_id=track_id)]))
    return out
