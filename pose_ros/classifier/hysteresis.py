# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Stable labels from noisy per-frame labels: smoothing, enter/exit thresholds and a hold time.

Per track id and per label, :class:`LabelFilter` keeps a score: an exponential moving average
(time constant ``tau_s``) of that label's confidence, where a frame showing another label
counts as 0. A label's score starts at its first frame's confidence for a new track. Then:

* a label becomes *pending* when its score reaches ``enter``, and *active* once it has been
  pending for ``min_hold_s`` and its score is ``>= enter`` again at that moment; it stops
  pending if its score drops ``< exit`` first (hysteresis on the way in too, so isolated
  misdetections do not restart the hold, while a gesture that ended before the hold is over
  is not activated as its score decays);
* the active label stays active until its score drops ``< exit``: with ``tau_s`` = 0.3 s at
  30 Hz, a score of 0.9 needs 6 frames in a row without the label to fall below 0.5, so
  brief misdetections do not end it, and a real end of the gesture shows within ~0.2 s;
* another label takes over once it has been pending for ``min_hold_s`` itself (by then the
  old one has usually ended, as its score decays while the new label is seen);
* ``'unknown'`` (or an empty label) is never activated: it only lowers the other scores.

A label that replaces another in an existing track first needs its score to rise to
``enter`` (0.9 confidences reach 0.7 in about 0.5 s with the defaults), then ``min_hold_s``.

``update`` returns the active label and its score, or ``('unknown', 0.0)`` while none is
active. Time going backwards (a replayed bag started again) resets that track.
"""

from dataclasses import dataclass, field
import math
from typing import Dict, Optional, Tuple

from pose_ros.config import HysteresisConfig
from pose_ros.filters.track_state import PerTrackState

UNKNOWN = 'unknown'
_DEFAULTS = HysteresisConfig()     # the hysteresis.* parameters' defaults


@dataclass
class _Track:
    last_t: float
    scores: Dict[str, float] = field(default_factory=dict)
    pending_since: Dict[str, float] = field(default_factory=dict)
    active: Optional[str] = None


class LabelFilter(PerTrackState[_Track]):
    """
    Temporal hysteresis of labels per track id (see the module doc).

    :param enter: score at which a label becomes pending.
    :param exit: score below which the active (or a pending) label ends (``exit <= enter``).
    :param min_hold_s: seconds a label must be pending before it becomes active.
    :param tau_s: time constant of the score's moving average; 0 uses raw confidences.
    """

    def __init__(self, enter: float = _DEFAULTS.enter,
                 exit: float = _DEFAULTS.exit,  # noqa: A002 (the parameter's name)
                 min_hold_s: float = _DEFAULTS.min_hold,
                 tau_s: float = 0.3) -> None:
        if not (0.0 <= exit <= enter <= 1.0):
            raise ValueError(f'need 0 <= exit <= enter <= 1, got enter={enter}, exit={exit}')
        if not (min_hold_s >= 0.0 and math.isfinite(min_hold_s)):
            raise ValueError(f'min_hold_s must be >= 0, got {min_hold_s}')
        if not (tau_s >= 0.0 and math.isfinite(tau_s)):
            raise ValueError(f'tau_s must be >= 0, got {tau_s}')
        self.enter = float(enter)
        self.exit = float(exit)
        self.min_hold_s = float(min_hold_s)
        self.tau_s = float(tau_s)
        super().__init__()

    def update(self, track_id: int, label: Optional[str], confidence: float,
               t: float) -> Tuple[str, float]:
        """
        Feed one frame's label of ``track_id`` observed at ``t`` seconds.

        :returns: ``(stable label, its score)``, ``('unknown', 0.0)`` while none is active.
        """
        conf = float(confidence) if confidence is not None else 0.0
        conf = min(1.0, max(0.0, conf)) if math.isfinite(conf) else 0.0
        observed = label if label and label != UNKNOWN else None
        track = self._tracks.get(track_id)
        if track is None or t < track.last_t:
            track = self._tracks[track_id] = _Track(last_t=t)
            alpha = 1.0              # first frame of a track: start from what it shows
        else:
            dt = t - track.last_t
            alpha = 1.0 if self.tau_s == 0.0 else 1.0 - math.exp(-dt / self.tau_s)
            track.last_t = t
        names = set(track.scores)
        if observed is not None:
            names.add(observed)
        for name in names:
            target = conf if name == observed else 0.0
            score = track.scores.get(name, 0.0)
            track.scores[name] = score + alpha * (target - score)
            if track.scores[name] >= self.enter:
                track.pending_since.setdefault(name, t)
            elif track.scores[name] < self.exit:
                track.pending_since.pop(name, None)
        # Forget labels whose score has faded and that are not active: bounded state.
        for name in [n for n, s in track.scores.items() if s < 1e-3 and n != track.active]:
            del track.scores[name]
            track.pending_since.pop(name, None)

        if track.active is not None and track.scores.get(track.active, 0.0) < self.exit:
            track.active = None
        held = [(track.scores[n], n) for n, since in track.pending_since.items()
                if n != track.active and t - since >= self.min_hold_s
                and track.scores[n] >= self.enter]
        if held:
            track.active = max(held)[1]
        if track.active is None:
            return UNKNOWN, 0.0
        return track.active, track.scores[track.active]

    def active(self, track_id: int) -> Optional[str]:
        """Return the active label of ``track_id`` (None when none)."""
        track = self._tracks.get(track_id)
        return None if track is None else track.active
