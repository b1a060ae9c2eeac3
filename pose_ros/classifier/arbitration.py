# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Who is in control: one person at a time commands the robot.

:class:`ControlArbiter` is fed, every frame, the people seen with their *stable* labels
(after :class:`~pose_ros.classifier.hysteresis.LabelFilter`) and picks the controller's
track id by a policy:

* ``'engage'``: nobody controls until someone shows ``engage_label``; the first to do so
  (ties in one frame: the largest) takes control; the others are ignored meanwhile;
* ``'nearest'``: the nearest person (3D distance of the hip midpoint when known; without 3D,
  the largest box stands in for the nearest);
* ``'largest'``: the person with the largest box (usually the nearest to the camera).

With ``'nearest'`` and ``'largest'`` control is sticky: another person takes over only when
better by ``switch_margin`` (20 %: 1.2 times the area, or 1/1.2 times the distance), so that
two people side by side do not swap control at every frame.

Control is released when the controller shows ``disengage_label`` or is unseen for more than
``lost_timeout_s``. Nobody showing the disengage gesture can take control, so after a release
by gesture that person is picked again only once they stop showing it (``'engage'``: once they
show the engage gesture again). While the controller is unseen but not yet lost, nobody else
takes over. Untracked people (track id -1) never get control: it
must follow one person from frame to frame.

Control is bound to the person, not only to the track id: when the controller's box centre
moves farther than the box's own size between two sightings (at most ``lost_timeout_s``
apart, in which nobody walks their own height), the id now names someone else (a tracker that
restarted or swapped ids) and control is released (``'released: track jumped'``); with
``'engage'`` it then takes a fresh engage gesture.
"""

from dataclasses import dataclass
import math
from typing import Optional, Sequence, Tuple

import numpy as np
from pose_ros.config import CONTROL_POLICIES, ControlConfig
from pose_ros.people import CAMERA_FRAME_SOURCES, Person

POLICIES = CONTROL_POLICIES
_DEFAULTS = ControlConfig()        # the control.* parameters' defaults


@dataclass
class Candidate:
    """One person seen in a frame, as the arbiter needs them."""

    track_id: int
    label: str                       # stable label ('unknown' when none)
    area: float = float('nan')       # bounding box area, pixels^2
    distance: float = float('nan')   # metres from the camera, NaN when unknown
    centre: Tuple[float, float] = (float('nan'), float('nan'))   # box centre, pixels
    size: float = float('nan')       # the box's larger side, pixels

    @classmethod
    def from_person(cls, person: Person, label: str) -> 'Candidate':
        """
        Build from a :class:`~pose_ros.people.Person` and its stable label.

        Box (area, centre, size): the bbox, else the extent of the visible keypoints.
        Distance: the norm of the hip midpoint's 3D position when it is in the camera frame
        (depth or model-camera).
        """
        x0, y0, x1, y1 = (float(v) for v in np.asarray(person.bbox, float).reshape(4))
        if not (math.isfinite((x1 - x0) * (y1 - y0)) and x1 > x0 and y1 > y0):
            xy = person.body.xy[person.body.visible()]
            xy = xy[np.isfinite(xy).all(axis=1)]
            x0, y0, x1, y1 = ((*xy.min(axis=0), *xy.max(axis=0)) if len(xy) >= 2
                              else (float('nan'),) * 4)
        area = (x1 - x0) * (y1 - y0)
        distance = float('nan')
        if person.body.position_source in CAMERA_FRAME_SOURCES:
            distance = float(np.linalg.norm(person.body.root_xyz()))
        return cls(int(person.track_id), label, float(area), distance,
                   (float(x0 + x1) / 2, float(y0 + y1) / 2), float(max(x1 - x0, y1 - y0)))


class ControlArbiter:
    """
    Decide which track id is in control, frame after frame (see the module doc).

    After each :meth:`update`, ``last_event`` says what changed: None, ``'engaged'``,
    ``'switched'``, ``'released: disengage gesture'``, ``'released: lost'`` or
    ``'released: track jumped'``; ``released_id`` is the track that lost control in it.
    """

    def __init__(self, policy: str = _DEFAULTS.policy,
                 engage_label: str = _DEFAULTS.engage_label,
                 disengage_label: str = _DEFAULTS.disengage_label,
                 lost_timeout_s: float = _DEFAULTS.lost_timeout,
                 switch_margin: float = 0.2) -> None:
        if policy not in POLICIES:
            raise ValueError(f'unknown control policy {policy!r}; choose one of {POLICIES}')
        if policy == 'engage' and not engage_label:
            raise ValueError("policy 'engage' needs an engage_label")
        if engage_label and engage_label == disengage_label:
            raise ValueError(f'engage and disengage labels must differ, both are '
                             f'{engage_label!r}')
        if not (lost_timeout_s >= 0 and math.isfinite(lost_timeout_s)):
            raise ValueError(f'lost_timeout_s must be >= 0, got {lost_timeout_s}')
        if not (switch_margin >= 0 and math.isfinite(switch_margin)):
            raise ValueError(f'switch_margin must be >= 0, got {switch_margin}')
        self.policy = policy
        self.engage_label = engage_label
        self.disengage_label = disengage_label
        self.lost_timeout_s = float(lost_timeout_s)
        self.switch_margin = float(switch_margin)
        self.controller: Optional[int] = None
        self.last_event: Optional[str] = None
        self.released_id: Optional[int] = None
        self._last_seen = float('nan')
        self._last_box: Optional[Candidate] = None   # the controller at its last sighting

    def update(self, t: float, candidates: Sequence[Candidate]) -> Optional[int]:
        """Feed the people seen at ``t`` seconds; return the controller's track id or None."""
        self.last_event = None
        self.released_id = None
        seen = {c.track_id: c for c in candidates if c.track_id >= 0}
        if self.controller is not None:
            me = seen.get(self.controller)
            if me is not None and _jumped(self._last_box, me):
                self._release('released: track jumped')
            elif me is not None:
                self._last_seen = t
                self._last_box = me
                if self.disengage_label and me.label == self.disengage_label:
                    self._release('released: disengage gesture')
            elif not t - self._last_seen <= self.lost_timeout_s:
                self._release('released: lost')
        # Whoever shows the disengage gesture cannot take control (nor take it back at once).
        eligible = [c for c in seen.values()
                    if not (self.disengage_label and c.label == self.disengage_label)]
        # A track that just lost control by jumping cannot take it back in the same frame.
        if self.released_id is not None and self.last_event == 'released: track jumped':
            eligible = [c for c in eligible if c.track_id != self.released_id]
        if self.policy == 'engage':
            if self.controller is None:
                engaged = [c for c in eligible if c.label == self.engage_label]
                if engaged:
                    self._take(max(engaged, key=_area_key), t, 'engaged')
            return self.controller
        if not eligible:
            return self.controller
        best = min(eligible, key=self._rank_key)
        if self.controller is None:
            self._take(best, t, 'engaged')
        elif best.track_id != self.controller and self.controller in seen:
            if self._better(best, seen[self.controller]):
                self._take(best, t, 'switched')
        return self.controller

    def release(self, reason: str = 'by request') -> None:
        """Release control now (an operator's reset, a fault, input that stopped)."""
        if self.controller is not None:
            self._release(f'released: {reason}')

    def reset(self) -> None:
        """Forget everything."""
        self.controller = None
        self.last_event = None
        self.released_id = None
        self._last_seen = float('nan')
        self._last_box = None

    # -- internals -----------------------------------------------------------------------

    def _take(self, who: Candidate, t: float, event: str) -> None:
        self.controller = who.track_id
        self._last_seen = t
        self._last_box = who
        self.last_event = event

    def _release(self, event: str) -> None:
        self.released_id = self.controller
        self.controller = None
        self._last_box = None
        self.last_event = event

    def _use_distance(self, c: Candidate) -> bool:
        return self.policy == 'nearest' and math.isfinite(c.distance)

    def _rank_key(self, c: Candidate) -> Tuple[int, float]:
        """Smaller is better: known distances first (nearest), then larger areas."""
        if self._use_distance(c):
            return (0, c.distance)
        return (1, -_area_key(c))

    def _better(self, challenger: Candidate, holder: Candidate) -> bool:
        k = 1.0 + self.switch_margin
        if self._use_distance(challenger) and self._use_distance(holder):
            return challenger.distance * k < holder.distance
        if self._use_distance(challenger) != self._use_distance(holder):
            return self._use_distance(challenger)
        return _area_key(challenger) > k * _area_key(holder)


def _jumped(before: Optional[Candidate], now: Candidate) -> bool:
    """Return True if the box centre moved farther than the box's size (both known)."""
    if before is None or not math.isfinite(before.size):
        return False
    step = math.hypot(now.centre[0] - before.centre[0], now.centre[1] - before.centre[1])
    return math.isfinite(step) and step > before.size


def _area_key(c: Candidate) -> float:
    return c.area if math.isfinite(c.area) else 0.0
