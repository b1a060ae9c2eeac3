# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
What the nodes that subscribe to ``people`` share: reading untrusted People, reporting problems.

People messages may come from anyone and be malformed: :func:`read_people` checks a raw
message's size before deserializing it and its number of people before anything is decoded.
:class:`Problems` keeps the last problem for /diagnostics and logs each kind of problem at
once, then at most once per ``throttle_s``: a flood of one kind cannot hide another.
:func:`people_qos` is their subscription's QoS; :func:`read_and_decode` does both steps for
a node that only reports what it could not use.
"""

import re
import time
from typing import Dict, Optional, Tuple

from pose_ros.people import FrameResult
from pose_ros.ros_conversion import decode_people
from pose_ros_msgs.msg import People
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rclpy.serialization import deserialize_message

# Most people in one message a node decodes (more is a malformed or hostile message).
MAX_PEOPLE = 256

# What makes two problems the same kind: their text without numbers and quoted names.
_VARIABLE = re.compile(r"'[^']*'|-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def read_people(data: bytes, max_bytes: int,
                max_people: int) -> Tuple[Optional[People], Optional[str]]:
    """Return the People message in ``data``, or None and why it is ignored."""
    if len(data) > max_bytes:
        return None, (f'People message of {len(data)} bytes exceeds max_message_bytes '
                      f'({max_bytes}): ignored')
    try:
        msg = deserialize_message(data, People)
    except Exception as e:  # noqa: B902 - rclpy raises its rmw error types
        return None, (f'People message of {len(data)} bytes does not deserialize '
                      f'({type(e).__name__}: {e}): ignored')
    if len(msg.people) > max_people:    # before decoding them all
        return None, f'{len(msg.people)} people in one message, more than {max_people}: ignored'
    return msg, None


class Problems:
    """The last problem of a node and when it was seen; each kind logged, throttled."""

    def __init__(self, logger, throttle_s: float = 2.0) -> None:
        self._logger = logger
        self._throttle_s = throttle_s
        self._logged_at: Dict[str, float] = {}     # kind -> when last logged
        self.last = ''
        self.at = -1e9                             # time.monotonic() of the last one

    def report(self, text: str) -> None:
        """Keep ``text`` as the last problem; log it unless its kind was logged just now."""
        now = time.monotonic()
        self.last, self.at = text, now
        kind = _VARIABLE.sub('#', text[:200])
        # Throttled here, cheaply: under a flood of bad messages rclpy's own throttle (it
        # inspects the caller's frame on every call) would cost more than the message.
        if now - self._logged_at.get(kind, -1e9) >= self._throttle_s:
            if len(self._logged_at) > 256:          # kinds are few; stay bounded
                self._logged_at.clear()
            self._logged_at[kind] = now
            self._logger.error(text if len(text) <= 400 else text[:400] + '...')

    def recent(self, hold_s: float) -> bool:
        """Say whether a problem was seen within the last ``hold_s`` seconds."""
        return time.monotonic() - self.at < hold_s

    def current(self, hold_s: float) -> Optional[str]:
        """Return the last problem if it was seen within ``hold_s`` seconds, else None."""
        return self.last if self.recent(hold_s) else None


def people_qos(reliable: bool) -> QoSProfile:
    """Return the QoS of a ``people`` subscription: depth 10, reliable or best effort."""
    return QoSProfile(depth=10, reliability=(ReliabilityPolicy.RELIABLE if reliable
                                             else ReliabilityPolicy.BEST_EFFORT))


def read_and_decode(data: bytes, max_bytes: int,
                    problems: Problems) -> Optional[Tuple[People, FrameResult]]:
    """
    Return a raw People message and its well-formed people, reporting the rest to ``problems``.

    None when the whole message is refused (:func:`read_people`); people left out by
    :func:`pose_ros.ros_conversion.decode_people` are reported one line each.
    """
    msg, refusal = read_people(data, max_bytes, MAX_PEOPLE)
    if msg is None:
        problems.report(refusal)
        return None
    frame, dropped = decode_people(msg)
    for problem in dropped:
        problems.report(problem)
    return msg, frame
