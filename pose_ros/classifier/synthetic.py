# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Synthetic stick-figure poses with known labels, for tests, demos and first experiments.

A figure is built in a body frame whose unit is the torso length (hip midpoint to shoulder
midpoint), x towards the image's right and y up; the person faces the camera, so **their
left arm is on the image's right**. Each class fixes, per arm, a range for the direction of
the upper arm and of the forearm, measured from straight down towards the arm's own outside
(0 = hanging down, 90 = horizontal outwards, 180 = straight up, negative = across the body),
plus how much each segment is foreshortened (an arm reaching towards the camera looks shorter).
Every sample then draws: angles within the ranges, body proportions, a turn of the body
(lateral squash), a lean, a size and a place in the image, per-point pixel noise, confidences,
and (``dropout``) missing points as NaN, the way backends report them.

Labels: :data:`CLASSIC_LABELS` (the classic "5 poses" workflow) and :data:`GESTURE_LABELS`
(the built-in rule gestures of :mod:`pose_ros.classifier.rules`, plus ``'stand'``).
:func:`wave_sequence` makes a timed sequence of a waving (or still raised) hand,
:func:`hold_sequence` one of a person holding a pose.
"""

from dataclasses import dataclass
import math
from typing import Dict, List, Sequence, Tuple

import numpy as np
from pose_ros.people import Keypoints
from pose_ros.schemas import COCO17, KeypointSchema

Range = Tuple[float, float]


@dataclass(frozen=True)
class ArmSpec:
    """Ranges for one arm: directions in degrees (see module doc) and foreshortening."""

    upper: Range
    fore: Range
    upper_scale: Range = (0.95, 1.0)
    fore_scale: Range = (0.95, 1.0)


DOWN = ArmSpec((0.0, 15.0), (-5.0, 15.0))
UP = ArmSpec((155.0, 180.0), (155.0, 190.0))
RAISED = ArmSpec((140.0, 180.0), (145.0, 190.0))
HORIZONTAL = ArmSpec((82.0, 98.0), (80.0, 100.0))
CROSSED = ArmSpec((-5.0, 10.0), (-120.0, -100.0), (0.7, 0.85), (0.95, 1.0))
ACROSS_HORIZONTAL = ArmSpec((-100.0, -80.0), (-100.0, -80.0), (0.75, 0.95), (0.8, 1.0))
DAB_EXTENDED = ArmSpec((125.0, 145.0), (125.0, 150.0))
DAB_BENT = ArmSpec((-130.0, -100.0), (-150.0, -110.0), (0.55, 0.75), (0.7, 1.0))
BOTH_UP = ArmSpec((145.0, 180.0), (150.0, 195.0))

# label -> (person's left arm, person's right arm); 'dab' is also drawn mirrored at random.
POSES: Dict[str, Tuple[ArmSpec, ArmSpec]] = {
    # The classic five.
    'stand': (DOWN, DOWN),
    'raise_right_arm': (DOWN, UP),
    'raise_left_arm': (UP, DOWN),
    'cross_arms': (CROSSED, CROSSED),
    'both_arms_left': (HORIZONTAL, ACROSS_HORIZONTAL),
    # The built-in gestures.
    't_pose': (HORIZONTAL, HORIZONTAL),
    'dab': (DAB_EXTENDED, DAB_BENT),
    'left_arm_raised': (RAISED, DOWN),
    'right_arm_raised': (DOWN, RAISED),
    'both_arms_up': (BOTH_UP, BOTH_UP),
    'arms_crossed': (CROSSED, CROSSED),
    'pointing_left': (HORIZONTAL, DOWN),
    'pointing_right': (DOWN, HORIZONTAL),
}
CLASSIC_LABELS: Tuple[str, ...] = ('stand', 'raise_right_arm', 'raise_left_arm', 'cross_arms',
                                   'both_arms_left')
GESTURE_LABELS: Tuple[str, ...] = ('t_pose', 'dab', 'left_arm_raised', 'right_arm_raised',
                                   'both_arms_up', 'arms_crossed', 'pointing_left',
                                   'pointing_right', 'stand')
LABELS: Tuple[str, ...] = tuple(POSES)

UPPER_ARM = 0.6          # torso lengths
FOREARM = 0.55
HALF_SHOULDERS = 0.24
HALF_HIPS = 0.17
THIGH = 0.85
SHIN = 0.85
# Fixed points in the body frame (x to the image's right = the person's left, y up).
_FACE = {
    'nose': (0.0, 1.38), 'left_eye': (0.06, 1.45), 'right_eye': (-0.06, 1.45),
    'left_ear': (0.13, 1.40), 'right_ear': (-0.13, 1.40),
    'left_eye_inner': (0.035, 1.45), 'right_eye_inner': (-0.035, 1.45),
    'left_eye_outer': (0.085, 1.45), 'right_eye_outer': (-0.085, 1.45),
    'mouth_left': (0.04, 1.30), 'mouth_right': (-0.04, 1.30),
}


@dataclass
class _Body:
    """Per-person constants of a figure (drawn once per sample or per sequence)."""

    shoulders: float
    upper: float
    fore: float
    legs: float
    yaw_squash: float
    lean: float            # radians, positive = counter-clockwise in the image
    torso_px: float
    hip_px: Tuple[float, float]


def _direction(angle_deg: float, side: float) -> np.ndarray:
    """Return the unit vector of an arm direction (module doc); side +1 left, -1 right."""
    a = math.radians(angle_deg)
    return np.array([side * math.sin(a), -math.cos(a)])


def _draw_body(rng: np.random.Generator, image_size: Tuple[int, int], lean_deg: float,
               yaw_deg: float) -> _Body:
    w, h = image_size
    torso_px = h * rng.uniform(0.13, 0.26)
    # Keep the torso and arms mostly inside the image; legs may leave it (close to a camera).
    hip = (rng.uniform(0.3, 0.7) * w, rng.uniform(0.5, 0.75) * h)
    return _Body(shoulders=rng.uniform(0.9, 1.1), upper=rng.uniform(0.92, 1.08),
                 fore=rng.uniform(0.92, 1.08), legs=rng.uniform(0.9, 1.1),
                 yaw_squash=math.cos(math.radians(rng.uniform(-yaw_deg, yaw_deg))),
                 lean=math.radians(rng.uniform(-lean_deg, lean_deg)), torso_px=torso_px,
                 hip_px=hip)


def _arm_points(shoulder: np.ndarray, side: float, upper_deg: float, fore_deg: float,
                upper_len: float, fore_len: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    elbow = shoulder + upper_len * _direction(upper_deg, side)
    fore_dir = _direction(fore_deg, side)
    return elbow, elbow + fore_len * fore_dir, fore_dir


def _figure(body: _Body, arms: Dict[str, Tuple[float, float, float, float]],
            leg_spread: Tuple[float, float]) -> Dict[str, np.ndarray]:
    """
    Every named point of a figure in the body frame.

    :param arms: per side ('left', 'right'): upper/forearm directions (deg) and scales.
    :param leg_spread: outward angle (deg) of each leg from vertical (left, right).
    """
    p: Dict[str, np.ndarray] = {k: np.array(v, float) for k, v in _FACE.items()}
    for side, sign in (('left', 1.0), ('right', -1.0)):
        shoulder = np.array([sign * HALF_SHOULDERS * body.shoulders, 1.0])
        hip = np.array([sign * HALF_HIPS * body.shoulders, 0.0])
        up_deg, fore_deg, up_s, fore_s = arms[side]
        elbow, wrist, fore_dir = _arm_points(shoulder, sign, up_deg, fore_deg,
                                             UPPER_ARM * body.upper * up_s,
                                             FOREARM * body.fore * fore_s)
        across = np.array([-fore_dir[1], fore_dir[0]]) * sign
        leg = _direction(leg_spread[0 if side == 'left' else 1], sign)
        knee = hip + THIGH * body.legs * leg
        ankle = knee + SHIN * body.legs * leg
        p.update({
            f'{side}_shoulder': shoulder, f'{side}_elbow': elbow, f'{side}_wrist': wrist,
            f'{side}_hip': hip, f'{side}_knee': knee, f'{side}_ankle': ankle,
            f'{side}_pinky': wrist + 0.12 * fore_dir + 0.03 * across,
            f'{side}_index': wrist + 0.13 * fore_dir - 0.03 * across,
            f'{side}_thumb': wrist + 0.07 * fore_dir - 0.05 * across,
            f'{side}_heel': ankle + np.array([0.0, -0.05]),
            f'{side}_foot_index': ankle + np.array([sign * 0.03, -0.08]),
        })
    return p


def _to_keypoints(points: Dict[str, np.ndarray], body: _Body, schema: KeypointSchema,
                  rng: np.random.Generator, noise_px: float, dropout: float) -> Keypoints:
    n = len(schema)
    local = np.array([points[name] for name in schema.keypoints], float)
    local[:, 0] *= body.yaw_squash
    c, s = math.cos(body.lean), math.sin(body.lean)
    local = local @ np.array([[c, s], [-s, c]])
    xy = np.empty((n, 2))
    xy[:, 0] = body.hip_px[0] + body.torso_px * local[:, 0]
    xy[:, 1] = body.hip_px[1] - body.torso_px * local[:, 1]     # image y points down
    xy += rng.normal(0.0, noise_px, xy.shape)
    conf = rng.uniform(0.6, 1.0, n)
    dropped = rng.random(n) < dropout
    xy[dropped] = np.nan
    conf[dropped] = np.nan
    return Keypoints.from_arrays(schema, xy, conf)


def _sample_arms(label: str, rng: np.random.Generator
                 ) -> Dict[str, Tuple[float, float, float, float]]:
    left, right = POSES[label]
    if label == 'dab' and rng.random() < 0.5:
        left, right = right, left
    arms = {}
    for side, spec in (('left', left), ('right', right)):
        arms[side] = (rng.uniform(*spec.upper), rng.uniform(*spec.fore),
                      rng.uniform(*spec.upper_scale), rng.uniform(*spec.fore_scale))
    return arms


def generate(label: str, n: int, rng: np.random.Generator,
             schema: KeypointSchema = COCO17, noise_px: float = 2.0,
             image_size: Tuple[int, int] = (640, 480), dropout: float = 0.02,
             lean_deg: float = 8.0, yaw_deg: float = 30.0) -> List[Keypoints]:
    """
    Draw ``n`` random skeletons of class ``label`` (see :data:`LABELS`).

    :param schema: any body schema (COCO-17, BlazePose-33); points come out in its order.
    :param noise_px: standard deviation of the Gaussian pixel noise on every point.
    :param image_size: (width, height); figures are 13-26 % of the height per torso length.
    :param dropout: probability that a point is missing (NaN pixels and confidence).
    :param lean_deg: largest lean of the whole figure.
    :param yaw_deg: largest turn of the body away from the camera.
    :raises KeyError: unknown label (the message lists the known ones).
    """
    if label not in POSES:
        raise KeyError(f'no synthetic pose {label!r}; known: {", ".join(LABELS)}')
    out = []
    for _ in range(n):
        body = _draw_body(rng, image_size, lean_deg, yaw_deg)
        legs = (rng.uniform(0.0, 8.0), rng.uniform(0.0, 8.0))
        points = _figure(body, _sample_arms(label, rng), legs)
        out.append(_to_keypoints(points, body, schema, rng, noise_px, dropout))
    return out


def generate_set(labels: Sequence[str], n_per_label: int, rng: np.random.Generator,
                 **kwargs) -> Tuple[List[Keypoints], List[str]]:
    """Draw ``n_per_label`` skeletons of each label; keyword arguments go to :func:`generate`."""
    keypoints: List[Keypoints] = []
    names: List[str] = []
    for label in labels:
        keypoints.extend(generate(label, n_per_label, rng, **kwargs))
        names.extend([label] * n_per_label)
    return keypoints, names


def wave_sequence(rng: np.random.Generator, duration_s: float = 3.0, fps: float = 15.0,
                  side: str = 'right', freq_hz: float = 1.5, amplitude_deg: float = 30.0,
                  schema: KeypointSchema = COCO17, noise_px: float = 2.0,
                  image_size: Tuple[int, int] = (640, 480), dropout: float = 0.0,
                  start_s: float = 0.0) -> List[Tuple[float, Keypoints]]:
    """
    Return ``(t, skeleton)`` frames of one person waving with the ``side`` hand.

    The upper arm points outwards, about horizontal; the forearm points up and swings from side
    to side by ``amplitude_deg`` at ``freq_hz``. ``amplitude_deg=0`` gives a still raised
    forearm (the negative case for wave detection). The other arm hangs down.
    """
    if side not in ('left', 'right'):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    body = _draw_body(rng, image_size, 5.0, 20.0)
    upper = rng.uniform(75.0, 100.0)
    phase = rng.uniform(0.0, 2.0 * math.pi)
    other = 'left' if side == 'right' else 'right'
    down = (rng.uniform(*DOWN.upper), rng.uniform(*DOWN.fore), 1.0, 1.0)
    frames = []
    for i in range(int(round(duration_s * fps))):
        t = start_s + i / fps
        fore = 170.0 + amplitude_deg * math.sin(2.0 * math.pi * freq_hz * t + phase)
        arms = {side: (upper, fore, 1.0, 1.0), other: down}
        points = _figure(body, arms, (3.0, 3.0))
        frames.append((t, _to_keypoints(points, body, schema, rng, noise_px, dropout)))
    return frames


def hold_sequence(label: str, rng: np.random.Generator, duration_s: float = 3.0,
                  fps: float = 15.0, jitter_deg: float = 2.0, schema: KeypointSchema = COCO17,
                  noise_px: float = 2.0, image_size: Tuple[int, int] = (640, 480),
                  dropout: float = 0.0, start_s: float = 0.0) -> List[Tuple[float, Keypoints]]:
    """
    Return ``(t, skeleton)`` frames of one person holding the pose ``label``.

    One figure is drawn, then every frame adds pixel noise and a small random jitter
    (``jitter_deg``) of the arm angles: a person standing still, as a camera sees them.
    """
    if label not in POSES:
        raise KeyError(f'no synthetic pose {label!r}; known: {", ".join(LABELS)}')
    body = _draw_body(rng, image_size, 8.0, 30.0)
    arms = _sample_arms(label, rng)
    frames = []
    for i in range(int(round(duration_s * fps))):
        jittered = {side: (up + rng.normal(0.0, jitter_deg), fore + rng.normal(0.0, jitter_deg),
                           us, fs) for side, (up, fore, us, fs) in arms.items()}
        points = _figure(body, jittered, (3.0, 3.0))
        frames.append((start_s + i / fps,
                       _to_keypoints(points, body, schema, rng, noise_px, dropout)))
    return frames


# A pose detector's error on real people, per joint group: the median distance from the
# annotated joint in torso lengths, measured by `evaluate` for YOLO11n-pose on the
# development ground truth (COCO, CrowdPose, MPII; EVALUATION.md). Knees and ankles: the
# middle of the three sets' medians (knees 0.113, 0.115, 0.065; ankles 0.172, 0.121, 0.098).
# Joints not listed (the face): 0.07.
DETECTOR_ERROR: Dict[str, float] = {'shoulder': 0.067, 'elbow': 0.07, 'wrist': 0.066,
                                    'hip': 0.11, 'knee': 0.113, 'ankle': 0.121}


def detector_noise(keypoints: Keypoints, rng: np.random.Generator,
                   low_confidence: float = 0.0, min_conf: float = 0.3) -> Keypoints:
    """
    Return ``keypoints`` moved the way a real detector errs (:data:`DETECTOR_ERROR`).

    Each point moves by a 2D Gaussian whose median distance is its group's error, scaled by
    this skeleton's own torso length in pixels; with probability ``low_confidence`` a point's
    confidence falls below ``min_conf`` (an uncertain joint the rules must not use).
    """
    kp = keypoints
    names = kp.schema.keypoints
    # Torso length from the shoulder and hip midpoints (NaN when a joint is missing).
    mid = [(kp.xy[names.index(f'left_{j}')] + kp.xy[names.index(f'right_{j}')]) / 2
           for j in ('shoulder', 'hip')]
    torso = float(np.linalg.norm(mid[0] - mid[1]))
    xy, conf = kp.xy.astype(np.float64), kp.conf.copy()
    if np.isfinite(torso):
        for i, name in enumerate(names):
            median = DETECTOR_ERROR.get(name.rsplit('_', 1)[-1], 0.07)
            xy[i] += rng.normal(0.0, median / 1.1774, 2) * torso   # 1.1774: median of |N2|
    low = rng.random(len(names)) < low_confidence
    conf[low] = rng.uniform(0.0, min_conf, int(low.sum()))
    return Keypoints(kp.schema, xy.astype(np.float32), conf, kp.xyz.copy(), kp.position_source)


def with_missing(keypoints: Keypoints, names: Sequence[str]) -> Keypoints:
    """Return a copy of ``keypoints`` with the points ``names`` set to NaN (tests, demos)."""
    out = Keypoints(keypoints.schema, keypoints.xy.copy(), keypoints.conf.copy(),
                    keypoints.xyz.copy(), keypoints.position_source)
    for name in names:
        i = out.schema.index(name)
        out.xy[i] = np.nan
        out.conf[i] = np.nan
        out.xyz[i] = np.nan
    return out
