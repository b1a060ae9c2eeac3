# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Hand signs from the 21 keypoints of one hand: open palm, fist, pointing, thumbs up/down, V, OK.

**Measures** (image pixels; all lengths over the *palm size*, so distance does not matter):

* *palm size*: the larger of wrist to middle knuckle and the knuckle width (index to pinky
  knuckle) over ``knuckle_width_ratio``; a palm turned edge-on or tilted away shortens one of
  the two, rarely both.
* *reach* of a finger: wrist to fingertip over wrist to its middle joint (PIP). A straight
  finger reaches beyond its middle joint (about 1.35), a curled one folds back inside it
  (below 1). Distances and their ratios do not change when the hand turns in the image, so
  every sign but thumbs up/down is independent of the hand's rotation.
* *thumb out*: the thumb tip's distance to the nearest joint of the index and middle fingers
  (knuckle, middle and end joints): a thumb folded over the fingers (a fist) lies on them; a
  thumb held out (thumbs up) stands clear of them by about half a palm (a quarter when it
  points at the camera).
* *thumb direction*: thumb knuckle (MCP) to tip against ``up`` (default the image's up; a
  body's up when the hand belongs to one), in degrees; only thumbs up/down use it.

**Signs** (thresholds: :class:`HandSignThresholds`):

=================  ===================================================================
``open_palm``      the four fingers straight (reach >= ``extended_reach``)
``fist``           the four fingers curled (reach <= ``curled_reach``) and the thumb in
``pointing``       index straight; middle, ring and pinky curled
``victory``        index and middle straight and apart by ``victory_spread``; ring and
                   pinky curled
``ok``             thumb tip and index tip together (within ``ok_touch``); middle, ring
                   and pinky straight
``thumbs_up``      the four fingers curled, the thumb out and within ``thumb_cone_deg``
                   of up
``thumbs_down``    the same, within ``thumb_cone_deg`` of down
=================  ===================================================================

Each condition's margin is scaled to 0..1 (``reach_soft``, ``length_soft``,
``angle_soft_deg``) as in :mod:`pose_ros.classifier.rules`; a sign holds when every margin is
positive, with confidence ``0.5 + 0.5 * min(margins)``; the most confident holding sign wins.
A finger between curled and straight satisfies neither, so a half-open hand is ``unknown``
rather than a guess, as is a hand with a keypoint missing.

Only the 2D keypoints are used: the camera-frame 3D of a hand from depth or the model is off
by centimetres (EVALUATION.md: RHD wrist 0.15 m), more than a finger's bend.

**A person's label.** :func:`person_label` merges a person's body gesture with the sign of
their hands (:func:`strongest`: an open palm on either hand first): a body gesture other than
``stand`` wins, so arm gestures made with open hands (both arms up to engage) keep their
meaning; else a hand sign wins over ``stand`` and ``unknown``. A stop sign does not need to
win the label: the control loop looks at every hand's sign for it.
"""

from dataclasses import dataclass, fields
import math
from typing import Dict, Iterable, Optional, Sequence, Tuple

import numpy as np
from pose_ros.classifier.margins import Margins
from pose_ros.geometry.vectors import angle_deg
from pose_ros.people import Hand, Keypoints
from pose_ros.schemas import HAND21

UNKNOWN = 'unknown'
OPEN_PALM = 'open_palm'
HAND_SIGNS: Tuple[str, ...] = (OPEN_PALM, 'fist', 'pointing', 'victory', 'ok', 'thumbs_up',
                               'thumbs_down')
FINGERS = ('index_finger', 'middle_finger', 'ring_finger', 'pinky')
IMAGE_UP = (0.0, -1.0)        # image y grows downwards


@dataclass(frozen=True)
class HandSignThresholds:
    """Thresholds of the hand signs (lengths in palm sizes, angles in degrees)."""

    min_conf: float = 0.3               # keypoints at or below this confidence are missing
    extended_reach: float = 1.15        # straight finger: reach at least this
    curled_reach: float = 0.85          # curled finger: reach at most this
    thumb_out: float = 0.25             # thumb out: tip this far from the index/middle joints
    thumb_in: float = 0.2               # thumb in (a fist): tip at most this far from them
    thumb_cone_deg: float = 50.0        # thumbs up/down: thumb within this of up/down
    ok_touch: float = 0.3               # OK: thumb tip to index tip at most this
    victory_spread: float = 0.25        # V: index tip to middle tip at least this
    knuckle_width_ratio: float = 0.75   # knuckle width / wrist-to-middle-knuckle length
    reach_soft: float = 0.15            # margin scale of reach thresholds (confidence)
    length_soft: float = 0.15           # margin scale of length thresholds
    angle_soft_deg: float = 20.0        # margin scale of angle thresholds

    def validate(self) -> None:
        """Raise ValueError naming the first bad threshold."""
        for f in fields(self):
            v = getattr(self, f.name)
            if not (isinstance(v, (int, float)) and math.isfinite(v)):
                raise ValueError(f'hand sign threshold {f.name} must be a finite number, '
                                 f'got {v!r}')
            if f.name != 'min_conf' and v <= 0:
                raise ValueError(f'hand sign threshold {f.name} must be > 0, got {v}')
        if not 0.0 <= self.min_conf < 1.0:
            raise ValueError(f'min_conf must be in [0, 1), got {self.min_conf}')
        if not self.curled_reach < self.extended_reach:
            raise ValueError('need curled_reach < extended_reach')
        if not self.thumb_in < self.thumb_out:
            raise ValueError('need thumb_in < thumb_out')
        if not self.thumb_cone_deg < 90.0:
            raise ValueError('thumb_cone_deg must be < 90 (up and down must not overlap)')


@dataclass(frozen=True)
class HandMeasures:
    """What the signs are decided on (see the module doc)."""

    reach: Dict[str, float]        # per finger of FINGERS
    thumb_out: float               # thumb tip to the nearest index/middle joint, palm sizes
    thumb_up_deg: float            # angle of thumb MCP -> tip from up, 0..180
    thumb_index_tip: float         # thumb tip to index tip, palm sizes
    index_middle_tip: float        # index tip to middle tip, palm sizes
    palm_px: float


@dataclass(frozen=True)
class HandSign:
    """The sign of one hand: which, how sure (0..1), and the hand's side."""

    sign: str
    confidence: float
    side: str = 'unknown'


def _distance(xy: np.ndarray, a: str, b: str) -> float:
    """Return the pixel distance between hand21 joints ``a`` and ``b`` of ``xy``."""
    return float(np.hypot(*(xy[HAND21.index(a)] - xy[HAND21.index(b)])))


def palm_size(xy: np.ndarray, knuckle_width_ratio: float = 0.75) -> float:
    """
    Return the palm size of (21, 2) hand21 pixels (see the module doc); NaN when unknown.

    ``evaluate`` divides the hand model's keypoint error by it too, so the synthetic hands'
    noise and the measured error are in the same unit.
    """
    xy = np.asarray(xy, np.float64)
    size = max(_distance(xy, 'wrist', 'middle_finger_mcp'),
               _distance(xy, 'index_finger_mcp', 'pinky_mcp') / knuckle_width_ratio)
    return size if math.isfinite(size) and size > 1e-6 else float('nan')


def measure(keypoints: Keypoints, th: Optional[HandSignThresholds] = None,
            up: Sequence[float] = IMAGE_UP) -> Optional[HandMeasures]:
    """Return the measures of one hand21 hand, or None when a keypoint is missing."""
    th = th or HandSignThresholds()
    if keypoints.schema.name != 'hand21':
        raise ValueError(f'hand signs need hand21 keypoints, got {keypoints.schema.name!r}')
    xy = np.asarray(keypoints.xy, np.float64)
    conf = np.asarray(keypoints.conf, np.float64)
    if not (np.isfinite(xy).all() and np.isfinite(conf).all() and (conf > th.min_conf).all()):
        return None

    def dist(a: str, b: str) -> float:
        return _distance(xy, a, b)

    palm = palm_size(xy, th.knuckle_width_ratio)
    if not palm > 0.0:
        return None
    reach = {}
    for finger in FINGERS:
        pip = dist('wrist', f'{finger}_pip')
        if not pip > 1e-6:
            return None
        reach[finger] = dist('wrist', f'{finger}_tip') / pip
    thumb = xy[HAND21.index('thumb_tip')] - xy[HAND21.index('thumb_mcp')]
    return HandMeasures(
        reach=reach,
        thumb_out=min(dist('thumb_tip', f'{finger}_{joint}') for finger in FINGERS[:2]
                      for joint in ('mcp', 'pip', 'dip')) / palm,
        thumb_up_deg=angle_deg(thumb, np.asarray(up, np.float64), degenerate=90.0),
        thumb_index_tip=dist('thumb_tip', 'index_finger_tip') / palm,
        index_middle_tip=dist('index_finger_tip', 'middle_finger_tip') / palm,
        palm_px=palm)


def sign_scores(m: HandMeasures, th: Optional[HandSignThresholds] = None) -> Dict[str, float]:
    """Confidence of every sign (0 where it does not hold)."""
    th = th or HandSignThresholds()

    def straight(margins: Margins, *fingers: str) -> Margins:
        for f in fingers:
            margins.at_least(m.reach[f], th.extended_reach, th.reach_soft)
        return margins

    def curled(margins: Margins, *fingers: str) -> Margins:
        for f in fingers:
            margins.at_most(m.reach[f], th.curled_reach, th.reach_soft)
        return margins

    def new() -> Margins:
        return Margins()

    index, middle, ring, pinky = FINGERS
    # Thumbs up and down: a fist with the thumb out; they differ in its direction only.
    fist_like = curled(new().at_least(m.thumb_out, th.thumb_out, th.length_soft), *FINGERS)
    return {
        OPEN_PALM: straight(new(), *FINGERS).confidence(),
        'fist': curled(new(), *FINGERS).at_most(m.thumb_out, th.thumb_in,
                                                th.length_soft).confidence(),
        'pointing': curled(straight(new(), index), middle, ring, pinky).confidence(),
        'victory': curled(straight(new(), index, middle), ring, pinky)
        .at_least(m.index_middle_tip, th.victory_spread, th.length_soft).confidence(),
        'ok': straight(new(), middle, ring, pinky)
        .at_most(m.thumb_index_tip, th.ok_touch, th.length_soft).confidence(),
        'thumbs_up': fist_like.copy().at_most(m.thumb_up_deg, th.thumb_cone_deg,
                                              th.angle_soft_deg).confidence(),
        'thumbs_down': fist_like.copy().at_least(m.thumb_up_deg, 180.0 - th.thumb_cone_deg,
                                                 th.angle_soft_deg).confidence(),
    }


def classify_hand(hand: Hand, thresholds: Optional[HandSignThresholds] = None,
                  up: Sequence[float] = IMAGE_UP) -> HandSign:
    """
    Return the sign of one hand (``'unknown'``, 0 when none holds or a keypoint is missing).

    :param up: the direction of up in the image, for thumbs up/down (a body's up when the hand
        belongs to one and the camera may be rolled).
    """
    m = measure(hand.keypoints, thresholds, up)
    if m is None:
        return HandSign(UNKNOWN, 0.0, hand.side)
    scores = sign_scores(m, thresholds)
    sign = max(scores, key=scores.get)
    if scores[sign] <= 0.0:
        return HandSign(UNKNOWN, 0.0, hand.side)
    return HandSign(sign, float(scores[sign]), hand.side)


def best_sign(hands: Iterable[Hand], thresholds: Optional[HandSignThresholds] = None,
              up: Sequence[float] = IMAGE_UP) -> HandSign:
    """Return the sign of a person's hands: an open palm on either first, else the surer."""
    return strongest(classify_hand(h, thresholds, up) for h in hands)


def strongest(signs: Iterable[HandSign]) -> HandSign:
    """Return the sign that speaks for a person's hands: an open palm first, else the surer."""
    known = [s for s in signs if s.sign != UNKNOWN]
    if not known:
        return HandSign(UNKNOWN, 0.0)
    return max(known, key=lambda s: (s.sign == OPEN_PALM, s.confidence))


def person_label(body: Tuple[str, float], hand: HandSign,
                 neutral: str = 'stand') -> Tuple[str, float]:
    """
    Merge a person's body gesture with their hands' sign (precedence in the module doc).

    :param body: ``(label, confidence)`` of the body (rules or a trained model).
    """
    label, conf = body
    if label not in (UNKNOWN, neutral, '') or hand.sign == UNKNOWN:
        return label, conf
    return hand.sign, hand.confidence
