# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Pair each colour image with the aligned depth image taken at the same time.

Drivers publish colour and depth separately, in either order, with the same (or nearly the
same) stamps. :class:`DepthPairing` keeps the last few depth images by stamp and finds the
one nearest a colour image's stamp within a tolerance; :meth:`DepthPairing.wait_nearest` also
gives a depth image still in flight up to that tolerance of wall time to arrive. Pure Python
and thread-safe: body_node adds depth from its executor thread and pairs in its worker, the
offline runner does both in one loop.
"""

from collections import deque
import threading
import time
from typing import Any, Deque, Optional, Tuple


class DepthPairing:
    """The last ``keep`` depth images by stamp; :meth:`nearest` pairs one with a colour image."""

    def __init__(self, keep: int = 10) -> None:
        if keep < 1:
            raise ValueError(f'keep must be >= 1, got {keep}')
        self._items: Deque[Tuple[float, Any]] = deque(maxlen=keep)
        self._changed = threading.Condition()

    def add(self, stamp: float, depth: Any) -> None:
        """Keep ``depth`` (a message or an array) taken at ``stamp`` seconds."""
        with self._changed:
            self._items.append((float(stamp), depth))
            self._changed.notify_all()

    def nearest(self, stamp: float, tolerance: float) -> Optional[Any]:
        """Return the depth nearest ``stamp`` if it is within ``tolerance`` seconds, else None."""
        with self._changed:
            return self._nearest(stamp, tolerance)

    def wait_nearest(self, stamp: float, tolerance: float,
                     timeout: Optional[float] = None) -> Optional[Any]:
        """
        Like :meth:`nearest`, waiting up to ``timeout`` s (default ``tolerance``) for it.

        A depth image published after its colour image is still in flight when the colour
        image arrives; waiting as long as the stamp tolerance covers it.
        """
        deadline = time.monotonic() + (tolerance if timeout is None else timeout)
        with self._changed:
            while True:
                found = self._nearest(stamp, tolerance)
                left = deadline - time.monotonic()
                if found is not None or left <= 0:
                    return found
                self._changed.wait(left)

    def newest_stamp(self) -> Optional[float]:
        """Return the stamp of the newest depth image kept, or None."""
        with self._changed:
            return max((s for s, _ in self._items), default=None)

    def clear(self) -> None:
        """Forget every depth image."""
        with self._changed:
            self._items.clear()

    def _nearest(self, stamp: float, tolerance: float) -> Optional[Any]:
        best = min(self._items, key=lambda item: abs(item[0] - stamp), default=None)
        if best is None or abs(best[0] - stamp) > tolerance:
            return None
        return best[1]
