# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Staged fall footage from a real photo: a real person's pixels moved as a fall.

There is no footage of real falls here. This stages one: the man on the left of ultralytics'
``bus.jpg``, cut out with a margin, stands still, tips over about his feet (the angle grows
with the square of time, as a toppling body's does) and lies still; or, the look-alike, he
goes down to the floor slowly. The pixels are a real person's, so the detector, the tracker
and the pipeline work as they do on camera footage; the motion is a rigid turn, not a real
fall (no bending, no arms thrown out), and the figures of EVALUATION.md come from synthetic
motion, not from this.
"""

from typing import Iterator, Sequence, Tuple

import cv2
import numpy as np

PHOTO = 'bus.jpg'
# The man on the left of bus.jpg (x0, y0, x1, y1 pixels), 20 px wider than his body each way.
PERSON_BOX = (28, 380, 264, 926)
FEET_MARGIN = 20         # px from the box's bottom edge up to his soles
SCALE = 0.6              # his 546 px crop becomes 328 px: he fits 640x480 lying down
FEET_AT = (180, 450)     # where his feet stand in the frame (px); he falls to the right
BACKGROUND = 110         # grey level of the frame around him


def angle_at(t: float, fall_s: float) -> float:
    """Return his tilt (degrees) ``t`` s after he starts going down, for ``fall_s`` s."""
    if t <= 0.0:
        return 0.0
    if t >= fall_s:
        return 90.0
    return 90.0 * (t / fall_s) ** 2


def staged_frames(photo: np.ndarray, fps: float, hold_s: float, fall_s: float, lie_s: float,
                  size: Tuple[int, int] = (640, 480),
                  box: Sequence[int] = PERSON_BOX) -> Iterator[np.ndarray]:
    """
    Yield the frames: standing ``hold_s``, going down over ``fall_s``, lying ``lie_s`` seconds.

    :param photo: ``bus.jpg`` as BGR (or another photo with ``box`` around one standing person).
    """
    x0, y0, x1, y1 = (int(v) for v in box)
    crop = cv2.resize(photo[y0:y1, x0:x1], None, fx=SCALE, fy=SCALE,
                      interpolation=cv2.INTER_AREA)
    h, w = crop.shape[:2]
    feet = (w / 2.0, h - FEET_MARGIN * SCALE)
    solid = np.full((h, w), 255, np.uint8)
    width, height = size
    count = int(round((hold_s + fall_s + lie_s) * fps))
    for i in range(count):
        # Turned clockwise on screen about his feet, which stay at FEET_AT.
        turn = cv2.getRotationMatrix2D(feet, -angle_at(i / fps - hold_s, fall_s), 1.0)
        turn[:, 2] += np.asarray(FEET_AT, float) - np.asarray(feet, float)
        frame = np.full((height, width, 3), BACKGROUND, np.uint8)
        pixels = cv2.warpAffine(crop, turn, (width, height), flags=cv2.INTER_LINEAR)
        inside = cv2.warpAffine(solid, turn, (width, height), flags=cv2.INTER_NEAREST) > 0
        frame[inside] = pixels[inside]
        yield frame
