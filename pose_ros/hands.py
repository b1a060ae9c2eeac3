# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Hands and bodies: which hand is whose, which side it is, and where to look for it.

Pure functions, no model. Body keypoints are COCO-17 or BlazePose-33 (both name their wrists
``left_wrist`` / ``right_wrist``, the person's own sides); hands are 21-point ``hand21``.

**Handedness.** MediaPipe Hands labels a hand as if the image were mirrored (a selfie camera
that shows the user like a mirror). For an ordinary, non-mirrored camera image its label is
the opposite of the person's own side: ``'Left'`` is the person's right hand. Measured with
MediaPipe 0.10.21 (model_complexity 1, static images, crops of 2 forearm lengths around each
YOLO11n-pose wrist) on the real photos, original and flipped horizontally (a flipped photo
shows a mirrored person: their left hand looks like a right hand to both models). The truth is
the body model's wrist the hand lies on (distance under 0.15 person heights), checked by eye;
for handSrc.jpg (a left palm, thumb up, fingers to the right, no body) the anatomy:

=============================  =====  ===============  ==============
hand                           truth  MediaPipe label  swapped (ours)
=============================  =====  ===============  ==============
handSrc.jpg                    left   Right 0.65       left
handSrc.jpg flipped            right  Left 0.70        right
zidane.jpg, Zidane pointing    left   Right 0.95       left
zidane.jpg flipped             right  Left 0.98        right
messi5.jpg, right hand         right  Left 0.98        right
messi5.jpg flipped             left   Right 0.99       left
bus.jpg, man in the middle, L  left   Right 0.94       left
bus.jpg, man in the middle, R  right  Left 0.95        right
bus.jpg flipped, his L hand    right  Left 0.97        right
messi5.jpg, left hand          left   Left 0.88        right (wrong)
messi5.jpg flipped             right  Right 0.92       left (wrong)
=============================  =====  ===============  ==============

(truth: the hand in that view; a flipped photo shows it mirrored, so as the other hand.)

9 of 11 views agree with the swap (2 of 11 would without it), so
:func:`handedness_to_person_side` swaps unless the image is mirrored. The two misses are one
open hand, seen in both orientations, that MediaPipe reads as the other hand (palm and back
confused) with a high score: handedness alone is not trusted, and :func:`assign_hands` lets a
hand that clearly sits on a body wrist take that wrist's side.
"""

import math
from typing import List, Optional, Sequence, Tuple

import numpy as np
from pose_ros.people import Hand, Keypoints, Person

SIDES = ('left', 'right')
MIN_WRIST_CONF = 0.3


def handedness_to_person_side(label: str, mirrored: bool = False) -> str:
    """
    Return the person's own side ('left', 'right' or 'unknown') for a MediaPipe label.

    :param label: MediaPipe's handedness label, ``'Left'`` or ``'Right'`` (any case).
    :param mirrored: True when the image is mirrored (a selfie view flipped horizontally); then
        MediaPipe's label already is the person's side. For an ordinary camera image (False)
        the label is swapped (see the module docstring for the measurements).
    """
    side = str(label).strip().lower()
    if side not in SIDES:
        return 'unknown'
    if mirrored:
        return side
    return 'right' if side == 'left' else 'left'


def _point(body: Keypoints, name: str, min_conf: float) -> Optional[np.ndarray]:
    if not body.schema.has(name):
        return None
    i = body.schema.index(name)
    xy = body.xy[i].astype(np.float64)
    conf = float(body.conf[i])
    if not np.isfinite(xy).all() or not (conf >= min_conf):
        return None
    return xy


def person_scale(person: Person, min_conf: float = MIN_WRIST_CONF) -> float:
    """
    Return a person's size in pixels: the longer side of the box, NaN when unknown.

    The box is ``person.bbox`` when finite, else the box of the visible body keypoints.
    """
    box = np.asarray(person.bbox, np.float64).reshape(4)
    if not np.isfinite(box).all():
        visible = person.body.visible(min_conf)
        if visible.sum() < 2:
            return float('nan')
        xy = person.body.xy[visible].astype(np.float64)
        box = np.concatenate([xy.min(axis=0), xy.max(axis=0)])
    size = max(box[2] - box[0], box[3] - box[1])
    return float(size) if size > 0 else float('nan')


def _hand_wrist(hand: Hand) -> Optional[np.ndarray]:
    kp = hand.keypoints
    xy = kp.xy[kp.schema.index('wrist')].astype(np.float64)
    return xy if np.isfinite(xy).all() else None


def assign_hands(hands: Sequence[Hand], people: Sequence[Person],
                 max_dist_factor: float = 0.25, mismatch_cost: float = 0.15,
                 min_wrist_conf: float = MIN_WRIST_CONF) -> List[Tuple[int, str]]:
    """
    Decide which person (and which of their wrists) each hand belongs to.

    Every visible body wrist is a slot; a person has at most one left and one right hand.
    The cost of putting a hand on a wrist is the pixel distance between the hand's wrist point
    and the body's wrist keypoint divided by the person's size (:func:`person_scale`), plus
    ``mismatch_cost`` when the hand's side is known and differs from the wrist's. Pairs
    farther than ``max_dist_factor`` are never made; the cheapest pairs are made first, each
    hand and each slot at most once.

    So a hand goes to the nearest wrist of its own side, except where it sits clearly closer
    (by more than ``mismatch_cost`` person sizes) to a wrist of the other side: then the body
    model, which sees the whole arm, wins over the hand model's handedness.

    :returns: per hand, ``(person index, side)``: the side of the wrist it was given, or
        ``(-1, hand.side)`` when it belongs to nobody.
    """
    candidates = []
    for h, hand in enumerate(hands):
        wrist = _hand_wrist(hand)
        if wrist is None:
            continue
        for p, person in enumerate(people):
            scale = person_scale(person, min_wrist_conf)
            if not math.isfinite(scale):
                continue
            for side in SIDES:
                body_wrist = _point(person.body, f'{side}_wrist', min_wrist_conf)
                if body_wrist is None:
                    continue
                dist = float(np.linalg.norm(wrist - body_wrist)) / scale
                if dist > max_dist_factor:
                    continue
                mismatch = hand.side in SIDES and hand.side != side
                candidates.append((dist + (mismatch_cost if mismatch else 0.0), h, p, side))
    out = [(-1, hand.side) for hand in hands]
    taken = set()
    for _, h, p, side in sorted(candidates, key=lambda c: c[0]):
        if out[h][0] >= 0 or (p, side) in taken:
            continue
        out[h] = (p, side)
        taken.add((p, side))
    return out


def attach_hands(hands: Sequence[Hand], people: Sequence[Person],
                 **assign_options) -> List[Hand]:
    """
    Append each hand to its person's ``hands`` (left first), in place; return the unassigned.

    Uses :func:`assign_hands`. A hand given the other side than its label gets that side and
    ``1 - handedness_score`` (MediaPipe's score is the probability of its label, so the
    probability of the other side is its complement).
    """
    unassigned = []
    assignment = assign_hands(hands, people, **assign_options)
    for hand, (p, side) in zip(hands, assignment):
        if p < 0:
            unassigned.append(hand)
            continue
        score = hand.handedness_score
        if hand.side in SIDES and hand.side != side and math.isfinite(score):
            score = 1.0 - score
        people[p].hands.append(Hand(hand.keypoints, side, score))
    for person in people:
        person.hands.sort(key=lambda hand: SIDES.index(hand.side) if hand.side in SIDES else 2)
    return unassigned


def crop_around_wrist(body: Keypoints, side: str, image_shape: Sequence[int],
                      scale: float = 2.0, min_size_px: float = 32.0,
                      min_conf: float = MIN_WRIST_CONF) -> Optional[Tuple[int, int, int, int]]:
    """
    Square box (x0, y0, x1, y1), pixels, around the hand at a body's ``side`` wrist.

    The hand extends past the wrist along the forearm: the box is centred 0.4 forearm lengths
    beyond the wrist (on the wrist when the elbow is not visible) and its side is ``scale``
    times a forearm length: the longest of the elbow-wrist distance, 0.8 x the shoulder-elbow
    distance and 0.6 x the shoulder width (a forearm pointing at the camera looks short, the
    other two do not shrink with it), at least ``min_size_px``.

    The box may extend past the image (the caller pads, so the hand stays centred and
    unscaled); it is None when the wrist is not visible, is outside the image, or no length is
    known.

    :param image_shape: (height, width, ...) of the image.
    """
    if side not in SIDES:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    h, w = int(image_shape[0]), int(image_shape[1])
    wrist = _point(body, f'{side}_wrist', min_conf)
    if wrist is None or not (0 <= wrist[0] < w and 0 <= wrist[1] < h):
        return None
    elbow = _point(body, f'{side}_elbow', min_conf)
    shoulder = _point(body, f'{side}_shoulder', min_conf)
    left_sh = _point(body, 'left_shoulder', min_conf)
    right_sh = _point(body, 'right_shoulder', min_conf)
    lengths = []
    if elbow is not None:
        lengths.append(float(np.linalg.norm(wrist - elbow)))
        if shoulder is not None:
            lengths.append(0.8 * float(np.linalg.norm(elbow - shoulder)))
    if left_sh is not None and right_sh is not None:
        lengths.append(0.6 * float(np.linalg.norm(left_sh - right_sh)))
    if not lengths:
        return None
    forearm = max(lengths)
    centre = wrist + 0.4 * (wrist - elbow) if elbow is not None else wrist
    size = max(min_size_px, scale * forearm)
    x0 = int(round(centre[0] - size / 2))
    y0 = int(round(centre[1] - size / 2))
    side_px = int(round(size))
    return x0, y0, x0 + side_px, y0 + side_px
