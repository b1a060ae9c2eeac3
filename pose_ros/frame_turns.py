# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Frames in the order they were taken, though several workers run their models at once.

body_node runs the body model of up to ``streams`` frames side by side (each worker takes the
newest frame when it is free), but tracking, filters and publishing must see the frames in the
order they arrived: a worker takes a ticket with its frame, runs the model, then waits for its
turn. The turn passes on even when a frame fails, so one bad image never stalls the others.
"""

from contextlib import contextmanager
import threading
from typing import Iterator


class FrameTurns:
    """Tickets in the order frames are taken, and turns in ticket order."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._issued = 0            # the next ticket
        self._serving = 0           # the ticket whose turn it is
        self._open = True

    def ticket(self) -> int:
        """Return the next ticket: call it where the frame is taken, under the same lock."""
        with self._cond:
            ticket = self._issued
            self._issued += 1
            return ticket

    @contextmanager
    def turn(self, ticket: int, poll_s: float = 0.5) -> Iterator[bool]:
        """
        Wait until every earlier ticket has had its turn; the turn passes on at the end.

        Yields False (at once) when the turns were closed: the worker should stop.
        """
        with self._cond:
            while self._open and self._serving != ticket:
                self._cond.wait(poll_s)
            is_open = self._open
        try:
            yield is_open
        finally:
            with self._cond:
                if self._serving == ticket:
                    self._serving += 1
                    self._cond.notify_all()

    def close(self) -> None:
        """Wake every waiting worker with False (the node stops)."""
        with self._cond:
            self._open = False
            self._cond.notify_all()

    def reopen(self) -> None:
        """Start again from ticket 0 (the node is activated again, its workers all gone)."""
        with self._cond:
            self._issued = self._serving = 0
            self._open = True
