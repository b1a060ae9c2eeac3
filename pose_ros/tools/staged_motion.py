# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Staged footage from a real photo: a real person's pixels moved as a fall, or as squats.

There is no footage of real falls or exercises here. This stages them with the man on the
left of ultralytics' ``bus.jpg``, cut out with a margin and put on a grey frame:

- a fall: he stands still, tips over about his feet (the angle grows with the square of
  time, as a toppling body's does) and lies still; the look-alike goes down slowly;
- squats: his legs are squashed towards his planted feet and back, so his hips come down
  towards the ankles and go up again (the knees do not bend: the pixels only shrink).

The pixels are a real person's, so the detector, the tracker and the pipeline work as they do
on camera footage (its error, its lag on a turning body, a track lost in a fall); the motion
is rigid or squashed, not a real body's, and the accuracy figures of EVALUATION.md come from
synthetic motion, not from this.
"""

from typing import Any, Callable, Dict, Iterator, Sequence, Tuple

import cv2
import numpy as np

PHOTO = 'bus.jpg'
# The man on the left of bus.jpg (x0, y0, x1, y1 pixels): 20 px beyond his body above, below
# and on his right; on his left the box ends at his coat, before the next man's arm.
PERSON_BOX = (28, 380, 226, 926)
FEET_MARGIN = 20         # px from the box's bottom edge up to his soles
HIP_ROW = 267            # px from the box's top edge down to his hips (YOLO: y 645-649)
SCALE = 0.6              # his 546 px crop becomes 328 px: he fits 640x480 lying down
FEET_AT = (180, 450)     # where his feet stand in the frame (px); he falls to the right
BACKGROUND = 110         # grey level of the frame around him
SQUAT_LEGS = 0.55        # his legs lose this share of their height at the bottom (thighs level)

Size = Tuple[int, int]


def staging() -> Dict[str, Any]:
    """Return the constants the frames depend on (a fixture is rebuilt when they change)."""
    return {'hip_row': HIP_ROW, 'feet_margin': FEET_MARGIN, 'scale': SCALE,
            'feet_at': list(FEET_AT), 'background': BACKGROUND, 'squat_legs': SQUAT_LEGS}


def angle_at(t: float, fall_s: float) -> float:
    """Return his tilt (degrees) ``t`` s after he starts going down, for ``fall_s`` s."""
    if t <= 0.0:
        return 0.0
    if t >= fall_s:
        return 90.0
    return 90.0 * (t / fall_s) ** 2


def squat_depth(t: float, period_s: float) -> float:
    """Return how far down a squat he is (0 standing .. 1 bottom) ``t`` s into one."""
    return 0.5 * (1.0 - np.cos(2.0 * np.pi * t / period_s))


def _person(photo: np.ndarray, box: Sequence[int]) -> np.ndarray:
    x0, y0, x1, y1 = (int(v) for v in box)
    return photo[y0:y1, x0:x1]


def _frames(count: int, fps: float, size: Size,
            draw: Callable[[float, np.ndarray], None]) -> Iterator[np.ndarray]:
    width, height = size
    for i in range(count):
        frame = np.full((height, width, 3), BACKGROUND, np.uint8)
        draw(i / fps, frame)
        yield frame


def fall_frames(photo: np.ndarray, fps: float, hold_s: float, fall_s: float, lie_s: float,
                size: Size = (640, 480),
                box: Sequence[int] = PERSON_BOX) -> Iterator[np.ndarray]:
    """
    Yield the frames: standing ``hold_s``, going down over ``fall_s``, lying ``lie_s`` seconds.

    :param photo: ``bus.jpg`` as BGR (or another photo with ``box`` around one standing person).
    """
    crop = cv2.resize(_person(photo, box), None, fx=SCALE, fy=SCALE,
                      interpolation=cv2.INTER_AREA)
    h, w = crop.shape[:2]
    feet = (w / 2.0, h - FEET_MARGIN * SCALE)
    solid = np.full((h, w), 255, np.uint8)

    def draw(t: float, frame: np.ndarray) -> None:
        # Turned clockwise on screen about his feet, which stay at FEET_AT.
        turn = cv2.getRotationMatrix2D(feet, -angle_at(t - hold_s, fall_s), 1.0)
        turn[:, 2] += np.asarray(FEET_AT, float) - np.asarray(feet, float)
        shape = (frame.shape[1], frame.shape[0])
        pixels = cv2.warpAffine(crop, turn, shape, flags=cv2.INTER_LINEAR)
        inside = cv2.warpAffine(solid, turn, shape, flags=cv2.INTER_NEAREST) > 0
        frame[inside] = pixels[inside]

    return _frames(int(round((hold_s + fall_s + lie_s) * fps)), fps, size, draw)


def squat_frames(photo: np.ndarray, fps: float, hold_s: float, squats: int, period_s: float,
                 size: Size = (640, 480),
                 box: Sequence[int] = PERSON_BOX) -> Iterator[np.ndarray]:
    """Yield the frames: standing ``hold_s``, ``squats`` squats of ``period_s``, standing."""
    crop = _person(photo, box)
    upper, legs = crop[:HIP_ROW], crop[HIP_ROW:]
    width = int(round(crop.shape[1] * SCALE))
    upper = cv2.resize(upper, (width, int(round(upper.shape[0] * SCALE))),
                       interpolation=cv2.INTER_AREA)
    x0 = FEET_AT[0] - width // 2
    bottom = FEET_AT[1] + int(round(FEET_MARGIN * SCALE))

    def draw(t: float, frame: np.ndarray) -> None:
        moving = 0.0 <= t - hold_s < squats * period_s
        depth = squat_depth(t - hold_s, period_s) if moving else 0.0
        tall = int(round(legs.shape[0] * SCALE * (1.0 - SQUAT_LEGS * depth)))
        squashed = cv2.resize(legs, (width, tall), interpolation=cv2.INTER_AREA)
        frame[bottom - tall:bottom, x0:x0 + width] = squashed
        top = bottom - tall - upper.shape[0]
        frame[top:bottom - tall, x0:x0 + width] = upper

    return _frames(int(round((2 * hold_s + squats * period_s) * fps)), fps, size, draw)
