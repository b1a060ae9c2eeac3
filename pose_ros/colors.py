# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Stable per-track colours shared by RViz markers and the annotated image.

A track keeps its colour for its whole life and neighbouring ids get very different hues:
the hue steps by the golden ratio, so it never repeats and consecutive ids land far apart.
Untracked people (id < 0) are grey.
"""

import colorsys
from functools import lru_cache
from typing import Tuple

_GOLDEN = 0.618033988749895
_UNTRACKED = (0.6, 0.6, 0.6)


@lru_cache(maxsize=1024)
def track_color(track_id: int) -> Tuple[float, float, float]:
    """RGB colour, floats 0..1, of track ``track_id`` (grey for untracked ids < 0)."""
    track_id = int(track_id)
    if track_id < 0:
        return _UNTRACKED
    # Offset so that id 0 is not pure red (red is the head x axis in the drawings).
    hue = (0.12 + track_id * _GOLDEN) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.75, 0.95)
    return (r, g, b)


def track_color_bgr(track_id: int) -> Tuple[int, int, int]:
    """BGR colour (OpenCV order), ints 0..255, of track ``track_id``."""
    return rgb_to_bgr255(track_color(track_id))


def rgb_to_bgr255(rgb: Tuple[float, float, float]) -> Tuple[int, int, int]:
    """Convert an RGB colour with floats 0..1 to an OpenCV BGR tuple of ints 0..255."""
    r, g, b = rgb
    return (int(round(b * 255)), int(round(g * 255)), int(round(r * 255)))
