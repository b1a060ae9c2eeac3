# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Built-in gestures that need no training: rules on the arms, in the person's own frame.

**The person's frame.** Origin at the hip midpoint, ``up`` from there to the shoulder
midpoint, ``lat`` perpendicular to it towards the person's left shoulder, both in torso
lengths (hip midpoint to shoulder midpoint). So the rules do not depend on image size,
distance, a lean, or whether the person faces the camera (their left is on the image's right)
or turns their back to it. Without hips (close to the camera) the frame is built from the
shoulders alone: ``lat`` along them, ``up`` perpendicular (towards the image's top) and the
torso length ``torso_per_shoulder_width`` times the shoulder width.

**Arm measures**, per arm: its *direction* (shoulder to wrist) in degrees from straight down
towards the arm's own outside (0 down, 90 horizontal outwards, +-180 up, negative across the
body); its *rise* (wrist height above its shoulder); the *elbow angle* (180 = straight).

**Rules** (all thresholds are fields of :class:`RuleThresholds`):

======================  ==================================================================
``t_pose``              both arms horizontal (direction 90 +- ``horizontal_tol_deg``) and
                        straight (elbow >= ``straight_elbow_deg``)
``both_arms_up``        both arms raised (rise > ``raise_margin``) and pointing up
                        (abs(direction) >= ``up_min_deg``)
``dab``                 one arm straight and up-diagonal (direction within ``dab_min_deg``..
                        ``dab_max_deg``), the other's wrist past the midline towards the
                        straight arm's side by ``cross_margin`` and no lower than
                        ``dab_wrist_drop`` below its shoulder and pointing no higher than
                        ``dab_bent_max_deg`` (the bent arm across the face)
``arms_crossed``        each wrist past the midline on the other side by ``cross_margin``,
                        at chest height (``chest_low`` <= wrist height <= ``chest_high``)
``left_arm_raised``     left arm raised (rise > ``raise_margin``), right arm down
``right_arm_raised``    mirror image
``pointing_left``       left arm horizontal and straight, right arm down (the person's left)
``pointing_right``      mirror image
``stand``               both arms down (abs(direction) <= ``down_max_deg`` and the wrist at
                        least ``down_min_drop`` below its shoulder): the neutral pose
``unknown``             a needed joint is missing, or no rule holds
======================  ==================================================================

Every condition gives a margin scaled to 0..1 (0 at its threshold, 1 comfortably inside:
``angle_soft_deg`` or ``length_soft`` past it, or at the centre of a tolerance band); a rule
holds when all its margins are > 0 and its confidence is ``0.5 + 0.5 * min(margins)``. When
several hold, the most confident wins, except that ``dab`` always beats ``both_arms_up`` (a
dab's bent arm can be raised as high).

**Waving** is temporal: :class:`WaveDetector` watches one person's wrists over time (forearm
up, i.e. the wrist above the elbow, and the wrist swinging sideways relative to the elbow with
at least ``min_direction_changes`` reversals of at least ``min_swing`` torso lengths within
``window_s``). :class:`GestureRecogniser` combines both per track id: ``'waving'`` wins over
the single-frame rules while it is detected.
"""

from collections import deque
from dataclasses import dataclass, field, fields
import math
from typing import Deque, Dict, Optional, Tuple

import numpy as np
from pose_ros.classifier.margins import Margins
from pose_ros.filters.track_state import PerTrackState
from pose_ros.geometry.vectors import angle_deg, unit
from pose_ros.people import Keypoints

UNKNOWN = 'unknown'
NEUTRAL = 'stand'
WAVING = 'waving'
# Labels the rules can produce (besides 'unknown'); commands may map any of them.
BUILTIN_GESTURES: Tuple[str, ...] = ('t_pose', 'dab', 'left_arm_raised', 'right_arm_raised',
                                     'both_arms_up', 'arms_crossed', 'pointing_left',
                                     'pointing_right', WAVING)
RULE_LABELS: Tuple[str, ...] = BUILTIN_GESTURES + (NEUTRAL,)
_SIDES = (('left', 1.0), ('right', -1.0))


@dataclass
class RuleThresholds:
    """Tunable thresholds of the gesture rules (lengths in torso lengths, angles in degrees)."""

    min_conf: float = 0.3                 # keypoints at or below this confidence are missing
    raise_margin: float = 0.5             # arm raised: wrist above its shoulder by more
    up_min_deg: float = 135.0             # both arms up: each direction at least this
    # Straightness and the horizontal band allow for a detector's error: measured by
    # `evaluate` on real annotated people, YOLO11n-pose's elbows and wrists are off by a
    # median 0.06-0.13 torso lengths, enough to bend a straight arm by 10-20 degrees.
    straight_elbow_deg: float = 135.0     # straight arm: elbow angle at least this
    horizontal_tol_deg: float = 30.0      # horizontal arm: direction within 90 +- this
    down_max_deg: float = 40.0            # arm down: direction within this of straight down
    down_min_drop: float = 0.7            # arm down: wrist at least this far below its shoulder
    dab_min_deg: float = 100.0            # dab: the straight arm's direction range
    dab_max_deg: float = 165.0
    dab_wrist_drop: float = 0.1           # dab: bent arm's wrist no lower below its shoulder
    dab_bent_max_deg: float = 155.0       # dab: bent arm's direction at most this (across the
    #                                       body, not straight up like both_arms_up's arms)
    cross_margin: float = 0.03            # a wrist counts as across the midline past this
    chest_low: float = 0.3                # arms crossed: wrist height range above the hips
    chest_high: float = 1.25
    torso_per_shoulder_width: float = 2.1  # torso length / shoulder width when hips are missing
    angle_soft_deg: float = 20.0          # margin scale of angle thresholds (confidence)
    length_soft: float = 0.25             # margin scale of length thresholds (confidence)

    def validate(self) -> None:
        """Raise ValueError naming the first bad threshold."""
        for f in fields(self):
            v = getattr(self, f.name)
            if not (isinstance(v, (int, float)) and math.isfinite(v)):
                raise ValueError(f'rule threshold {f.name} must be a finite number, got {v!r}')
        if not 0.0 <= self.min_conf < 1.0:
            raise ValueError(f'min_conf must be in [0, 1), got {self.min_conf}')
        if not 0.0 < self.dab_min_deg < self.dab_max_deg <= 180.0:
            raise ValueError('need 0 < dab_min_deg < dab_max_deg <= 180')
        if not self.chest_low < self.chest_high:
            raise ValueError('need chest_low < chest_high')
        for name in ('horizontal_tol_deg', 'down_max_deg', 'angle_soft_deg', 'length_soft',
                     'torso_per_shoulder_width'):
            if getattr(self, name) <= 0:
                raise ValueError(f'{name} must be > 0, got {getattr(self, name)}')

    @classmethod
    def from_dict(cls, values: Dict[str, float]) -> 'RuleThresholds':
        """Build from a dict (e.g. node parameters); unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f'unknown rule threshold(s) {unknown}; known: {sorted(known)}')
        out = cls(**{k: float(v) for k, v in values.items()})
        out.validate()
        return out


@dataclass
class Arm:
    """One arm measured in the person's frame (see module doc)."""

    direction: float      # degrees, 0 down, 90 outwards, +-180 up, negative across the body
    rise: float           # wrist height above the shoulder, torso lengths
    elbow: float          # elbow angle, degrees (180 = straight)
    wrist_lat: float      # wrist position towards the person's left, from the midline
    wrist_up: float       # wrist height above the hip midpoint
    elbow_lat: float
    elbow_up: float


@dataclass
class PersonFrame:
    """Both arms of one skeleton in the person's frame, and how the frame was built."""

    left: Arm
    right: Arm
    torso_px: float
    from_hips: bool


def _point(kp: Keypoints, name: str, min_conf: float) -> Optional[np.ndarray]:
    i = kp.schema.index(name)
    p = np.asarray(kp.xy[i], np.float64)
    c = float(kp.conf[i])
    if not (np.isfinite(p).all() and math.isfinite(c) and c > min_conf):
        return None
    return p


def person_frame(keypoints: Keypoints, th: Optional[RuleThresholds] = None
                 ) -> Optional[PersonFrame]:
    """
    Measure both arms of ``keypoints`` in the person's frame.

    :returns: None when a shoulder, elbow or wrist is missing (or the frame is degenerate).
    """
    th = th or RuleThresholds()
    if not keypoints.schema.has('left_wrist'):
        return None
    pts = {}
    for side, _ in _SIDES:
        for joint in ('shoulder', 'elbow', 'wrist'):
            p = _point(keypoints, f'{side}_{joint}', th.min_conf)
            if p is None:
                return None
            pts[f'{side}_{joint}'] = p
    l_hip = _point(keypoints, 'left_hip', th.min_conf)
    r_hip = _point(keypoints, 'right_hip', th.min_conf)
    shoulder_mid = (pts['left_shoulder'] + pts['right_shoulder']) / 2.0
    across = pts['left_shoulder'] - pts['right_shoulder']
    if l_hip is not None and r_hip is not None:
        origin = (l_hip + r_hip) / 2.0
        up = unit(shoulder_mid - origin, 1e-6)
        if up is None:
            return None
        torso = float(np.hypot(*(shoulder_mid - origin)))
        lat = np.array([-up[1], up[0]])
        if np.dot(lat, across) < 0:
            lat = -lat
        from_hips = True
    else:
        lat = unit(across, 1e-6)
        if lat is None:
            return None
        up = np.array([lat[1], -lat[0]])
        if up[1] > 0:        # image y points down: 'up' must point to the image's top
            up = -up
        torso = float(np.hypot(*across)) * th.torso_per_shoulder_width
        origin = shoulder_mid - up * torso
        from_hips = False

    def local(p: np.ndarray) -> Tuple[float, float]:
        d = p - origin
        return float(np.dot(d, lat)) / torso, float(np.dot(d, up)) / torso

    arms = {}
    for side, sign in _SIDES:
        s_lat, s_up = local(pts[f'{side}_shoulder'])
        e_lat, e_up = local(pts[f'{side}_elbow'])
        w_lat, w_up = local(pts[f'{side}_wrist'])
        out, down = sign * (w_lat - s_lat), -(w_up - s_up)
        # A degenerate arm (two joints on one pixel) counts as straight, as before.
        elbow = angle_deg(np.array([s_lat - e_lat, s_up - e_up]),
                          np.array([w_lat - e_lat, w_up - e_up]), degenerate=180.0)
        arms[side] = Arm(direction=math.degrees(math.atan2(out, down)), rise=w_up - s_up,
                         elbow=elbow, wrist_lat=w_lat, wrist_up=w_up, elbow_lat=e_lat,
                         elbow_up=e_up)
    return PersonFrame(arms['left'], arms['right'], torso, from_hips)


class _Margins(Margins):
    """Margins with the arm conditions of the body rules (see module doc)."""

    def __init__(self, th: RuleThresholds) -> None:
        super().__init__()
        self.th = th

    def down(self, arm: Arm) -> '_Margins':
        # Hanging, not just pointing downwards: hands held at the chest (elbows bent, the
        # wrist near the midline) point down from the shoulder too.
        return (self.within(arm.direction, 0.0, self.th.down_max_deg)
                .at_most(arm.rise, -self.th.down_min_drop, self.th.length_soft))

    def raised(self, arm: Arm) -> '_Margins':
        return self.at_least(arm.rise, self.th.raise_margin, self.th.length_soft)

    def horizontal(self, arm: Arm) -> '_Margins':
        return self.within(arm.direction, 90.0, self.th.horizontal_tol_deg)

    def straight(self, arm: Arm) -> '_Margins':
        return self.at_least(arm.elbow, self.th.straight_elbow_deg, self.th.angle_soft_deg)


def rule_scores(frame: PersonFrame, th: Optional[RuleThresholds] = None) -> Dict[str, float]:
    """Confidence of every single-frame rule (0 where it does not hold)."""
    th = th or RuleThresholds()
    L, R = frame.left, frame.right

    def m() -> _Margins:
        return _Margins(th)

    s = th.angle_soft_deg
    scores = {
        't_pose': m().horizontal(L).horizontal(R).straight(L).straight(R).confidence(),
        'both_arms_up': m().raised(L).raised(R).at_least(abs(L.direction), th.up_min_deg, s)
        .at_least(abs(R.direction), th.up_min_deg, s).confidence(),
        'arms_crossed': m().at_least(-L.wrist_lat, th.cross_margin, th.length_soft)
        .at_least(R.wrist_lat, th.cross_margin, th.length_soft)
        .between(L.wrist_up, th.chest_low, th.chest_high, th.length_soft)
        .between(R.wrist_up, th.chest_low, th.chest_high, th.length_soft).confidence(),
        'left_arm_raised': m().raised(L).down(R).confidence(),
        'right_arm_raised': m().raised(R).down(L).confidence(),
        'pointing_left': m().horizontal(L).straight(L).down(R).confidence(),
        'pointing_right': m().horizontal(R).straight(R).down(L).confidence(),
        NEUTRAL: m().down(L).down(R).confidence(),
    }
    dab = 0.0
    for ext, bent, sign in ((L, R, 1.0), (R, L, -1.0)):
        dab = max(dab, m().straight(ext)
                  .between(ext.direction, th.dab_min_deg, th.dab_max_deg, s)
                  .at_least(sign * bent.wrist_lat, th.cross_margin, th.length_soft)
                  .at_least(bent.rise, -th.dab_wrist_drop, th.length_soft)
                  .at_most(abs(bent.direction), th.dab_bent_max_deg, s).confidence())
    scores['dab'] = dab
    if dab > 0.0:
        # The bent arm of a dab can reach as high as a raised one: the specific rule wins.
        scores['both_arms_up'] = 0.0
    return scores


def classify(keypoints: Keypoints, thresholds: Optional[RuleThresholds] = None
             ) -> Tuple[str, float]:
    """
    Return the built-in gesture of one skeleton and its confidence (0..1).

    ``('unknown', 0.0)`` when a needed joint (shoulders, elbows, wrists) is missing or no rule
    holds. Never raises on NaN or infinite input.
    """
    frame = person_frame(keypoints, thresholds)
    if frame is None:
        return UNKNOWN, 0.0
    scores = rule_scores(frame, thresholds)
    label = max(scores, key=scores.get)
    if scores[label] <= 0.0:
        return UNKNOWN, 0.0
    return label, float(scores[label])


@dataclass
class WaveParams:
    """Thresholds of wave detection (lengths in torso lengths)."""

    window_s: float = 1.5            # reversals counted within this many seconds
    min_direction_changes: int = 3   # sideways reversals needed (3 = one and a half waves)
    min_swing: float = 0.2           # a reversal counts after the wrist came back this far
    forearm_up_margin: float = 0.1   # wrist above its elbow by at least this
    side: str = 'any'                # 'left', 'right' or 'any' hand

    def validate(self) -> None:
        """Raise ValueError naming the first bad parameter."""
        if not self.window_s > 0:
            raise ValueError(f'window_s must be > 0, got {self.window_s}')
        if self.min_direction_changes < 1:
            raise ValueError('min_direction_changes must be >= 1')
        if not self.min_swing > 0:
            raise ValueError(f'min_swing must be > 0, got {self.min_swing}')
        if self.side not in ('left', 'right', 'any'):
            raise ValueError(f"side must be 'left', 'right' or 'any', got {self.side!r}")


@dataclass
class _Swing:
    """Zig-zag state of one wrist's sideways position."""

    direction: int = 0
    extreme: float = float('nan')
    last_t: float = float('-inf')
    reversals: Deque[float] = field(default_factory=deque)

    def reset(self) -> None:
        self.direction = 0
        self.extreme = float('nan')
        self.reversals.clear()


class WaveDetector:
    """
    Detects a waving hand of one person from skeletons over time.

    Call :meth:`update` with every skeleton of that person (any rate); a hand whose forearm
    goes down, or that is unseen for longer than ``window_s``, starts counting again.
    """

    def __init__(self, params: Optional[WaveParams] = None,
                 thresholds: Optional[RuleThresholds] = None) -> None:
        self.params = params or WaveParams()
        self.params.validate()
        self.thresholds = thresholds or RuleThresholds()
        self._swings = {'left': _Swing(), 'right': _Swing()}

    def reset(self) -> None:
        for swing in self._swings.values():
            swing.reset()
            swing.last_t = float('-inf')

    def update(self, t: float, keypoints: Keypoints) -> Tuple[bool, float]:
        """Feed one skeleton taken at ``t`` seconds; return (waving, confidence 0..1)."""
        p = self.params
        frame = person_frame(keypoints, self.thresholds)
        best = 0
        for side, _ in _SIDES:
            swing = self._swings[side]
            if t < swing.last_t or t - swing.last_t > p.window_s:
                swing.reset()              # time jumped back (replay) or a long gap
            arm = None if frame is None else getattr(frame, side)
            if arm is None:
                continue                   # a missing frame keeps the count (short gaps)
            swing.last_t = t
            if arm.wrist_up - arm.elbow_up < p.forearm_up_margin:
                swing.reset()
                continue
            x = arm.wrist_lat - arm.elbow_lat
            if swing.direction == 0:
                if not math.isfinite(swing.extreme):
                    swing.extreme = x
                elif abs(x - swing.extreme) >= p.min_swing:
                    swing.direction = 1 if x > swing.extreme else -1
                    swing.extreme = x
            elif (x - swing.extreme) * swing.direction > 0:
                swing.extreme = x
            elif abs(x - swing.extreme) >= p.min_swing:
                swing.reversals.append(t)
                swing.direction = -swing.direction
                swing.extreme = x
            while swing.reversals and t - swing.reversals[0] > p.window_s:
                swing.reversals.popleft()
            if p.side in ('any', side):
                best = max(best, len(swing.reversals))
        n = p.min_direction_changes
        if best < n:
            return False, 0.5 * best / n
        return True, min(1.0, 0.8 + 0.1 * (best - n))


class GestureRecogniser(PerTrackState[WaveDetector]):
    """
    Built-in gestures for many tracked people: single-frame rules plus waving, per track id.

    ``update(track_id, t, keypoints)`` returns ``(label, confidence)``: ``'waving'`` while that
    person's wave is detected, else :func:`classify`. Call :meth:`prune` with the ids still
    seen so that the state of people who left is dropped.
    """

    def __init__(self, thresholds: Optional[RuleThresholds] = None,
                 wave: Optional[WaveParams] = None) -> None:
        super().__init__()
        self.thresholds = thresholds or RuleThresholds()
        self.thresholds.validate()
        self.wave = wave or WaveParams()
        self.wave.validate()

    def update(self, track_id: int, t: float, keypoints: Keypoints) -> Tuple[str, float]:
        detector = self._tracks.get(track_id)
        if detector is None:
            detector = self._tracks[track_id] = WaveDetector(self.wave, self.thresholds)
        waving, confidence = detector.update(t, keypoints)
        if waving:
            return WAVING, confidence
        return classify(keypoints, self.thresholds)
