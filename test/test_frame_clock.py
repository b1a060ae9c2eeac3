# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Filter time from misbehaving stamps (FrameClock), and smoothing that never freezes on them.

Defect 4 of the fault-injection report: One-Euro returns its previous output for a stamp not
later than the last one, so one frame stamped +1000 s froze a shoulder for the next frames,
and all-zero stamps froze it for good. The body node feeds the pipeline the FrameClock's time
and restarts the filters when it says so; :func:`run` runs the pipeline as body_node does.
"""

from typing import List, Sequence

import numpy as np
from pose_ros.backends.base import PoseBackend
from pose_ros.config import BodyConfig
from pose_ros.filters.frame_clock import FrameClock, FrameTime
from pose_ros.people import Keypoints, Person
from pose_ros.pipeline import BodyPipeline, Frame
from pose_ros.schemas import COCO17
import pytest

FPS = 30.0
SPEED = 3.0          # pixels per frame: 90 px/s to the right


class WalkingBackend(PoseBackend):
    """One tracked person moving SPEED px to the right per frame."""

    name = 'walking'
    schema = COCO17

    def __init__(self) -> None:
        self.frame = 0

    def infer(self, bgr: np.ndarray) -> List[Person]:
        xy = np.tile([100.0 + SPEED * self.frame, 200.0], (len(COCO17), 1))
        self.frame += 1
        return [Person(body=Keypoints.from_arrays(COCO17, xy, np.ones(len(COCO17))),
                       bbox=np.array([0, 0, 10, 10], np.float32), track_id=1)]


def run(stamps: Sequence[float]):
    """Smooth the walk as body_node does; return (measured x, smoothed x, problems)."""
    pipeline = BodyPipeline(WalkingBackend(), BodyConfig())
    image = np.zeros((48, 64, 3), np.uint8)
    raw, smooth, problems = [], [], []
    for i, stamp in enumerate(stamps):
        frame = Frame(image, stamp, received=500.0 + i / FPS)   # arrival: a monotonic clock
        detected = pipeline.detect(frame)
        raw.append(float(detected.result.people[0].body.xy[5, 0]))
        result = pipeline.finish(frame, detected)
        problems.append(result.stamp_problem)
        smooth.append(float(result.people[0].body.xy[5, 0]))
    return np.array(raw), np.array(smooth), problems


def good(n: int) -> List[float]:
    return [1000.0 + i / FPS for i in range(n)]


def lag(raw, smooth):
    return raw - smooth


def test_good_stamps_lag_a_little():
    raw, smooth, problems = run(good(60))
    assert problems == [None] * 60
    assert 0 < lag(raw, smooth)[-1] < 15


@pytest.mark.parametrize('name, stamps', [
    ('one frame +1000 s', good(20) + [2000.0] + good(60)[21:]),
    ('repeated stamps', [s for s in good(30) for _ in range(2)]),
    ('frozen stamps', good(10) + [good(10)[-1]] * 50),
    ('all zero stamps', [0.0] * 60),
    ('looping replay', good(30) + good(30)),
    ('stamped then unstamped', good(30) + [0.0] * 30),
])
def test_smoothing_never_freezes(name, stamps):
    raw, smooth, problems = run(stamps)
    # Frozen filters fall behind by SPEED px per frame (90 px after 30 frames); never here.
    assert np.all(lag(raw, smooth)[1:] < 15), (name, lag(raw, smooth))
    assert np.all(np.diff(smooth) > 0), name
    assert any(problems), name


def test_zero_stamps_are_still_smoothed_on_the_receive_time():
    _, smooth_zero, problems = run([0.0] * 60)
    _, smooth_good, _ = run(good(60))
    assert 'not stamped' in problems[0]
    np.testing.assert_allclose(smooth_zero[5:], smooth_good[5:], atol=1e-3)


def test_clock_events():
    clock = FrameClock()
    assert clock.tick(10.0, 1.0).restart is False
    repeat = clock.tick(10.0, 1.1)
    assert repeat.restart and 'repeats the previous one' in repeat.problem
    back = clock.tick(9.5, 1.2)
    assert back.restart and 'went back 0.500 s' in back.problem
    assert clock.tick(9.6, 1.3) == FrameTime(9.6, False, None)
    switch = clock.tick(0.0, 1.5)
    assert switch.restart and switch.t == 1.5 and 'filters restarted' in switch.problem
    assert clock.tick(0.0, 1.6) == FrameTime(1.6, False, switch.problem.split(';')[0])
    back_to_stamps = clock.tick(9.8, 1.7)
    assert back_to_stamps.restart and 'switched between stamped and unstamped' in (
        back_to_stamps.problem)
    clock.reset()
    first = clock.tick(0.0, 2.0)
    assert not first.restart and 'not stamped' in first.problem
