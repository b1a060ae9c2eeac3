# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Synthetic hands for tests: a kinematic hand making each sign, turned, placed and seen.

:func:`hand_keypoints` bends a right hand's fingers (flexion at the knuckle, middle and end
joints, spread at the knuckle) for a sign, turns it in 3D (any roll in the image, a tilt out
of it, palm or back to the camera; for thumbs up/down a thumb kept within ``max_thumb_tilt_deg``
of up or down), places it ``distance_m`` in front of a pinhole camera and projects it, then adds
the detector's error: Gaussian noise of ``noise`` palm sizes per coordinate. A left hand is the
mirror image. Bone lengths are those of an adult hand (centimetres, from the wrist).
"""

from dataclasses import dataclass
import math
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from pose_ros.geometry.vectors import unit
from pose_ros.people import Hand, Keypoints
from pose_ros.schemas import HAND21
import transforms3d

# Knuckle (MCP) positions in the hand frame (x: towards the thumb, y: along the fingers,
# z: out of the palm), cm; phalanx lengths (proximal, middle, distal), cm.
_KNUCKLES = {'index_finger': (2.4, 9.0), 'middle_finger': (0.4, 9.4),
             'ring_finger': (-1.5, 8.9), 'pinky': (-3.2, 7.9)}
_PHALANGES = {'index_finger': (4.0, 2.4, 2.0), 'middle_finger': (4.5, 2.8, 2.2),
              'ring_finger': (4.2, 2.6, 2.1), 'pinky': (3.3, 1.9, 1.8)}
_THUMB_CMC = np.array([2.2, 2.2, 0.0])
_THUMB = (4.0, 3.2, 2.6)           # CMC -> MCP, MCP -> IP, IP -> tip
STRAIGHT = (0.0, 0.0, 0.0)         # flexion at MCP, PIP, DIP (degrees)
CURLED = (85.0, 100.0, 65.0)
SIGNS = ('open_palm', 'fist', 'pointing', 'victory', 'ok', 'thumbs_up', 'thumbs_down')
# Hand shapes that are none of the signs: a relaxed, half-open hand and a claw.
LOOK_ALIKES = ('relaxed', 'claw')


@dataclass(frozen=True)
class View:
    """How a synthetic hand is seen."""

    distance_m: float = 1.0
    focal_px: float = 600.0
    roll_deg: float = 0.0              # turn in the image plane
    tilt_deg: Tuple[float, float] = (0.0, 0.0)   # about the image x and y axes
    palm_to_camera: bool = True
    noise: float = 0.0                 # detector error, palm sizes per coordinate
    side: str = 'right'


def _finger(name: str, flexion: Sequence[float], spread_deg: float) -> np.ndarray:
    """Return the MCP, PIP, DIP and tip of one finger in the hand frame (cm)."""
    x, y = _KNUCKLES[name]
    points = [np.array([x, y, 0.0])]
    pitch = 0.0
    heading = math.radians(spread_deg)
    for length, bend in zip(_PHALANGES[name], flexion):
        pitch += math.radians(bend)        # flexion turns the finger towards the palm (+z)
        step = np.array([-math.sin(heading) * math.cos(pitch),
                         math.cos(heading) * math.cos(pitch), math.sin(pitch)])
        points.append(points[-1] + length * step)
    return np.array(points)


def _thumb_to(target: np.ndarray) -> np.ndarray:
    """Return the thumb's CMC, MCP, IP and tip with the tip at ``target`` (bent outwards)."""
    mcp = _THUMB_CMC + _THUMB[0] * unit(np.array([0.75, 0.6, 0.25]))
    reach = np.linalg.norm(target - mcp)
    ip_len, tip_len = _THUMB[1], _THUMB[2]
    mid = mcp + (target - mcp) * ip_len / (ip_len + tip_len)
    slack = max(0.0, (ip_len + tip_len) ** 2 / 4.0 - (reach / 2.0) ** 2)
    outwards = unit(np.cross(target - mcp, np.array([0.0, 0.0, 1.0])) + 1e-9)
    ip = mid + outwards * math.sqrt(slack) * 0.5
    return np.array([_THUMB_CMC, mcp, ip, target])


def _shape(sign: str) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
    """Return the four fingers and the thumb (hand frame, cm) of a sign or look-alike."""
    flex = {f: STRAIGHT for f in _KNUCKLES}
    spread = {'index_finger': -8.0, 'middle_finger': 0.0, 'ring_finger': 8.0, 'pinky': 16.0}
    if sign in ('fist', 'thumbs_up', 'thumbs_down'):
        flex = {f: CURLED for f in _KNUCKLES}
    elif sign == 'pointing':
        flex.update({f: CURLED for f in ('middle_finger', 'ring_finger', 'pinky')})
    elif sign == 'victory':
        flex.update({f: CURLED for f in ('ring_finger', 'pinky')})
        spread.update({'index_finger': -12.0, 'middle_finger': 10.0})
    elif sign == 'ok':
        flex['index_finger'] = (45.0, 75.0, 45.0)
    elif sign == 'relaxed':
        flex = {f: (35.0, 45.0, 25.0) for f in _KNUCKLES}
    elif sign == 'claw':
        flex = {f: (10.0, 70.0, 60.0) for f in _KNUCKLES}
    elif sign != 'open_palm':
        raise ValueError(f'unknown synthetic hand shape {sign!r}')
    fingers = {f: _finger(f, flex[f], spread[f]) for f in _KNUCKLES}
    if sign == 'ok':
        thumb = _thumb_to(fingers['index_finger'][3] + np.array([0.3, 0.0, 0.3]))
    elif sign in ('thumbs_up', 'thumbs_down'):
        # Held out along the fingers' line and away from the palm, straight.
        direction = unit(np.array([0.35, 1.0, -0.1]))
        mcp = _THUMB_CMC + _THUMB[0] * unit(np.array([0.75, 0.6, 0.25]))
        ip = mcp + _THUMB[1] * direction
        thumb = np.array([_THUMB_CMC, mcp, ip, ip + _THUMB[2] * direction])
    elif sign in ('fist', 'pointing', 'victory'):
        # Folded over the middle joints of index and middle finger.
        over = (fingers['index_finger'][1] + fingers['middle_finger'][1]) / 2.0
        thumb = _thumb_to(over + np.array([0.0, 0.0, 1.2]))
    else:
        mcp = _THUMB_CMC + _THUMB[0] * unit(np.array([0.75, 0.6, 0.25]))
        direction = unit(np.array([0.8, 0.6, 0.0]))
        ip = mcp + _THUMB[1] * direction
        thumb = np.array([_THUMB_CMC, mcp, ip, ip + _THUMB[2] * direction])
    return fingers, thumb


def hand_points(sign: str) -> np.ndarray:
    """Return the 21 hand21 points of a right hand making ``sign``, hand frame, metres."""
    fingers, thumb = _shape(sign)
    points = [np.zeros(3), *thumb[:4]]
    for name in ('index_finger', 'middle_finger', 'ring_finger', 'pinky'):
        points.extend(fingers[name])
    return np.array(points) / 100.0


def hand_keypoints(sign: str, view: View = View(),
                   rng: Optional[np.random.Generator] = None) -> Hand:
    """Return the :class:`Hand` a detector would give for ``sign`` seen as ``view``."""
    local = hand_points(sign)
    if view.side == 'left':
        local = local * np.array([-1.0, 1.0, 1.0])
    # Hand frame to camera frame (x right, y down, z forwards): fingers up the image, palm
    # (z out of the palm) towards the camera, or away.
    base = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])
    if not view.palm_to_camera:
        base = np.diag([-1.0, -1.0, 1.0])
    if sign in ('thumbs_up', 'thumbs_down'):
        # Turn the hand so that its thumb (MCP -> tip) points up the image (or down).
        thumb = base @ (local[4] - local[2])
        want = np.array([0.0, -1.0 if sign == 'thumbs_up' else 1.0, 0.0])
        base = _rotation_between(thumb, want) @ base
        # Then about that vertical so that the fist is beside the thumb, not in front of it
        # (as a thumb is shown); tilt_deg turns it from there.
        fist = base @ (local[5:].mean(axis=0) - local[4])
        yaw = min((math.atan2(fist[0], fist[2]) - math.pi / 2 * k for k in (1, -1)), key=abs)
        base = transforms3d.axangles.axangle2mat([0.0, 1.0, 0.0], -yaw) @ base
    rx, ry = (math.radians(a) for a in view.tilt_deg)
    turn = transforms3d.euler.euler2mat(rx, ry, math.radians(view.roll_deg), 'sxyz')
    cam = (turn @ base @ local.T).T + np.array([0.0, 0.0, view.distance_m])
    xy = view.focal_px * cam[:, :2] / cam[:, 2:3] + np.array([320.0, 240.0])
    if view.noise > 0.0:
        rng = rng or np.random.default_rng()
        palm = float(np.hypot(*(xy[0] - xy[HAND21.index('middle_finger_mcp')])))
        xy = xy + rng.normal(0.0, view.noise * palm, xy.shape)
    keypoints = Keypoints.from_arrays(HAND21, xy, np.ones(len(HAND21)))
    return Hand(keypoints, side=view.side, handedness_score=0.95)


def _rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the rotation matrix turning direction ``a`` onto direction ``b``."""
    a, b = unit(a), unit(b)
    axis = np.cross(a, b)
    s, c = float(np.linalg.norm(axis)), float(np.dot(a, b))
    if s < 1e-9:
        if c > 0:
            return np.eye(3)
        ortho = unit(np.cross(a, [1.0, 0.0, 0.0] if abs(a[0]) < 0.9 else [0.0, 1.0, 0.0]))
        return transforms3d.axangles.axangle2mat(ortho, math.pi)
    return transforms3d.axangles.axangle2mat(axis / s, math.atan2(s, c))


def random_view(rng: np.random.Generator, sign: str, noise: float,
                max_tilt_deg: float = 35.0, max_thumb_tilt_deg: float = 25.0) -> View:
    """Return a random way of seeing ``sign``: any roll (thumbs: near up/down), tilt, side."""
    thumbs = sign in ('thumbs_up', 'thumbs_down')
    roll = rng.uniform(-max_thumb_tilt_deg, max_thumb_tilt_deg) if thumbs else rng.uniform(
        -180.0, 180.0)
    return View(distance_m=float(rng.uniform(0.4, 2.5)), roll_deg=float(roll),
                tilt_deg=(float(rng.uniform(-max_tilt_deg, max_tilt_deg)),
                          float(rng.uniform(-max_tilt_deg, max_tilt_deg))),
                palm_to_camera=bool(rng.random() < 0.5), noise=noise,
                side='left' if rng.random() < 0.5 else 'right')
