# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""BodyPipeline: detect + finish is process, also when the next frame's detect comes first."""

from typing import List

from conftest import body_config
import numpy as np
from pose_ros.backends.base import PoseBackend
from pose_ros.people import Keypoints, Person
from pose_ros.pipeline import BodyPipeline, build_pipeline, Frame
from pose_ros.schemas import COCO17
import pytest


SMOOTH = body_config({'smoothing.min_cutoff': 0.5, 'smoothing.beta': 0.0})


class NoisyBackend(PoseBackend):
    """Two tracked people whose keypoints jitter around fixed points (seeded per frame)."""

    name = 'noisy'
    schema = COCO17

    def __init__(self) -> None:
        self.frame = 0

    def infer(self, bgr: np.ndarray) -> List[Person]:
        rng = np.random.default_rng(self.frame)
        self.frame += 1
        people = []
        for track in (3, 8):
            xy = 100.0 * track + rng.normal(0.0, 4.0, (len(COCO17), 2))
            body = Keypoints.from_arrays(COCO17, xy, np.ones(len(COCO17)))
            people.append(Person(body=body, bbox=np.array([0, 0, 10, 10], np.float32),
                                 track_id=track))
        return people


def run(order: str) -> List[np.ndarray]:
    pipeline = BodyPipeline(NoisyBackend(), SMOOTH)
    image = np.zeros((48, 64, 3), np.uint8)
    frames = [Frame(image, i / 30.0) for i in range(12)]
    if order == 'process':
        results = [pipeline.process(frame) for frame in frames]
    else:   # the body node's two workers: detect of frame i+1 before finish of frame i
        results = []
        pending = pipeline.detect(frames[0])
        for i, frame in enumerate(frames):
            following = pipeline.detect(frames[i + 1]) if i + 1 < len(frames) else None
            results.append(pipeline.finish(frame, pending))
            pending = following
    return [np.stack([p.body.xy for p in r.people]) for r in results]


def test_two_halves_interleaved_give_what_process_gives():
    sequential, interleaved = run('process'), run('interleaved')
    for a, b in zip(sequential, interleaved):
        np.testing.assert_array_equal(a, b)


class TrackingBackend(PoseBackend):
    """estimate() is a pure function of the image; associate() numbers the frames it sees."""

    name = 'tracking'
    schema = COCO17
    streams = 2

    def __init__(self) -> None:
        self.seen: List[int] = []

    def infer(self, bgr: np.ndarray) -> List[Person]:
        return self.associate(self.estimate(bgr))

    def estimate(self, bgr: np.ndarray) -> int:
        return int(bgr[0, 0, 0])

    def associate(self, estimate: int) -> List[Person]:
        self.seen.append(estimate)
        body = Keypoints.from_arrays(COCO17, np.full((len(COCO17), 2), float(estimate)),
                                     np.ones(len(COCO17)))
        return [Person(body=body, bbox=np.array([0, 0, 10, 10], np.float32),
                       track_id=len(self.seen))]


def test_estimates_run_out_of_order_are_tracked_in_frame_order():
    """The node's streams: estimate() of frames 1 and 0 in any order, detect() in order."""
    backend = TrackingBackend()
    pipeline = BodyPipeline(backend, body_config({'smoothing.enabled': False}))
    assert pipeline.streams == 2
    frames = [Frame(np.full((8, 8, 3), i, np.uint8), i / 30.0) for i in range(6)]
    estimates = {}
    for i in (1, 0, 3, 2, 5, 4):
        estimates[i] = pipeline.estimate(frames[i])
    results = [pipeline.finish(f, pipeline.detect(f, estimates[i])) for i, f in enumerate(frames)]
    assert backend.seen == [0, 1, 2, 3, 4, 5]
    assert [r.people[0].track_id for r in results] == [1, 2, 3, 4, 5, 6]
    assert [float(r.people[0].body.xy[0, 0]) for r in results] == [0, 1, 2, 3, 4, 5]
    assert all(r.timings_ms['inference'] >= 0 for r in results)


def test_smoothing_happens_in_finish():
    """finish() smooths (the jitter shrinks), detect() alone does not."""
    pipeline = BodyPipeline(NoisyBackend(), SMOOTH)
    image = np.zeros((48, 64, 3), np.uint8)
    raw, smooth = [], []
    for i in range(30):
        frame = Frame(image, i / 30.0)
        detected = pipeline.detect(frame)
        raw.append(detected.result.people[0].body.xy.copy())
        result = pipeline.finish(frame, detected)
        smooth.append(result.people[0].body.xy.copy())
        assert {'inference', 'lifting', 'smoothing'} <= set(result.timings_ms)
    assert np.std(np.stack(smooth[10:]), axis=0).mean() < 0.5 * np.std(
        np.stack(raw[10:]), axis=0).mean()


def test_the_pipeline_factory_leaves_blas_one_thread():
    # Idle OpenBLAS workers busy-wait and took half a core from the model (blas_threads).
    threadpoolctl = pytest.importorskip('threadpoolctl', reason='threadpoolctl is a runtime '
                                        'requirement (requirements/runtime.txt)')
    threadpoolctl.threadpool_limits(2, user_api='blas')   # as a fresh process has it
    pipeline = build_pipeline(body_config({'yolo.tracker': 'bytetrack'}), warmup=False)
    try:
        blas = [i for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas']
        assert blas and all(i['num_threads'] == 1 for i in blas), blas
    finally:
        pipeline.close()
