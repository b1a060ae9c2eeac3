# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The per-frame body pipeline, and the one place it is assembled: :func:`build_pipeline`.

Pure Python (no ROS). A :class:`Frame` goes in (image, stamp, arrival time, aligned depth,
intrinsics); a :class:`~pose_ros.people.FrameResult` comes out with everything the frame
told: people (body, hands, head), stage timings, the intrinsics used, why depth gave no 3D,
what was wrong with the stamp, hands that belonged to nobody. body_node, ``offline``,
``pose_record``, ``benchmark`` and the tests all build it with :func:`build_pipeline` from
one :class:`~pose_ros.config.BodyConfig`, so they compute the same thing.

Per frame: the body model (:meth:`BodyPipeline.estimate`) -> tracking and 3D lifting
(:meth:`BodyPipeline.detect`), then hands and head -> person segmentation (when on) ->
smoothing (:meth:`BodyPipeline.finish`), each stage timed. A caller may run ``detect`` of the
next frame while ``finish`` of this one runs in another thread (body_node does), as long as
each half sees the frames in order; and ``estimate`` of up to ``streams`` frames at once, in
any order, before their ``detect``. A new configuration (:meth:`BodyPipeline.update`) is
taken by each half between two frames, in its own thread: no filter is changed under a
running frame.
"""

from dataclasses import dataclass
import threading
import time
from typing import Any, Optional

import numpy as np

from pose_ros.backends import create_backend
from pose_ros.backends.base import PoseBackend, release_memory
from pose_ros.blas_threads import limit_blas_threads
from pose_ros.config import BodyConfig
from pose_ros.filters.frame_clock import FrameClock, FrameTime
from pose_ros.filters.one_euro import TrackSmoother
from pose_ros.geometry.camera import CameraIntrinsics
from pose_ros.geometry.depth import check_depth_matches, lift_keypoints
from pose_ros.geometry.model_camera import place_in_camera
from pose_ros.head_hands_stage import HeadHandsStage, HeadHandsTuning
from pose_ros.people import FrameResult
from pose_ros.segmentation import SegmentationStage


@dataclass(frozen=True)
class Frame:
    """One camera frame and what belongs to it."""

    bgr: np.ndarray                                 # (H, W, 3) uint8
    stamp: float                                    # the image's header stamp, seconds
    received: Optional[float] = None                # monotonic arrival time (None: stamp)
    depth: Optional[np.ndarray] = None              # aligned depth, metres, NaN unknown
    intrinsics: Optional[CameraIntrinsics] = None   # of this image's size


@dataclass(frozen=True)
class Estimate:
    """The body model's raw output for one frame, waiting for :meth:`BodyPipeline.detect`."""

    output: Any                         # what the backend's estimate() returned
    ms: float                           # how long the model took


@dataclass(frozen=True)
class Detected:
    """A frame after :meth:`BodyPipeline.detect`, waiting for :meth:`BodyPipeline.finish`."""

    result: FrameResult                 # the people so far (body, 3D), filled in place later
    time: FrameTime                     # the filters' time of this frame
    config: BodyConfig                  # the configuration this frame is processed with


class BodyPipeline:
    """Runs one backend and the stages that follow it, frame after frame."""

    def __init__(self, backend: PoseBackend, config: Optional[BodyConfig] = None,
                 head_hands: Optional[HeadHandsStage] = None,
                 segmentation: Optional[SegmentationStage] = None) -> None:
        self.backend = backend
        self.head_hands = head_hands
        self.segmentation = segmentation
        self.config = config or BodyConfig()
        s = self.config.smoothing
        self._smoother = TrackSmoother(min_cutoff=s.min_cutoff, beta=s.beta,
                                       d_cutoff=s.d_cutoff)
        self._clock = FrameClock()
        self._lock = threading.Lock()
        self._next: Optional[BodyConfig] = None      # handed over by update()
        self._finish_config = self.config            # what finish() last applied

    def update(self, config: BodyConfig) -> None:
        """
        Take a new (validated) configuration from any thread; it applies between frames.

        Only the run-time settings change (smoothing, thresholds, depth); a change of a
        read-only one needs a new pipeline.
        """
        with self._lock:
            self._next = config

    @property
    def streams(self) -> int:
        """Return how many frames :meth:`estimate` may run at once (the backend's streams)."""
        return self.backend.streams

    def process(self, frame: Frame) -> FrameResult:
        """Estimate all people of ``frame``: :meth:`finish` of :meth:`detect`."""
        return self.finish(frame, self.detect(frame))

    def estimate(self, frame: Frame) -> Estimate:
        """Run the body model alone: from up to :attr:`streams` threads at once."""
        t0 = time.perf_counter()
        output = self.backend.estimate(frame.bgr)
        return Estimate(output, (time.perf_counter() - t0) * 1e3)

    def detect(self, frame: Frame, estimate: Optional[Estimate] = None) -> Detected:
        """
        First half of :meth:`process`: the body model, tracking and 3D lifting.

        :param estimate: the model's output for ``frame`` if :meth:`estimate` already ran.
        """
        with self._lock:
            config, self._next = self._next, None
        if config is not None:
            self.config = config
            self.backend.update(config)
        h, w = frame.bgr.shape[:2]
        timings = {}
        if estimate is None:
            estimate = self.estimate(frame)
        t0 = time.perf_counter()
        people = self.backend.associate(estimate.output)
        t1 = time.perf_counter()
        timings['inference'] = estimate.ms + (t1 - t0) * 1e3
        frame_time = self._clock.tick(
            frame.stamp, frame.stamp if frame.received is None else frame.received)
        result = FrameResult(people=people, backend=self.backend.name, width=w, height=h,
                             timings_ms=timings, intrinsics=frame.intrinsics,
                             stamp_problem=frame_time.problem)
        if frame.depth is not None and frame.intrinsics is not None:
            result.depth_problem = check_depth_matches(frame.depth.shape, w, h)
            if result.depth_problem is None:
                d = self.config.depth
                for person in people:
                    person.body = lift_keypoints(person.body, frame.depth, frame.intrinsics,
                                                 window=d.window, min_depth=d.min,
                                                 max_depth=d.max)
        if frame.intrinsics is not None:
            # Without (usable) depth, a model's metric skeleton goes into the camera frame;
            # depth-lifted skeletons (POSITION_DEPTH) are left as they are: depth wins.
            for person in people:
                person.body = place_in_camera(person.body, frame.intrinsics)
        for person in people:
            if person.detector_body is not None:   # after the placement: see Person
                person.body = person.body.with_2d_of(person.detector_body)
                person.detector_body = None
        timings['lifting'] = (time.perf_counter() - t1) * 1e3
        return Detected(result, frame_time, self.config)

    def finish(self, frame: Frame, detected: Detected) -> FrameResult:
        """Second half of :meth:`process`: hands and head, then smoothing."""
        result, config, filter_time = detected.result, detected.config, detected.time
        if config is not self._finish_config:          # taken by detect() for this frame
            self._finish_config = config
            s = config.smoothing
            self._smoother.set_params(min_cutoff=s.min_cutoff, beta=s.beta, d_cutoff=s.d_cutoff)
            if self.head_hands is not None:
                self.head_hands.update(config)
            if self.segmentation is not None:
                self.segmentation.update(config)
        if filter_time.restart:
            self.reset_filters()
        people = result.people
        if self.head_hands is not None:
            # Before smoothing: crops and assignment use this frame's wrists and heads. The
            # stage checks the depth image's size itself (and lifts nothing from a wrong one).
            self.head_hands.process(frame.bgr, result, frame.intrinsics, frame.depth,
                                    filter_time.t)
        if self.segmentation is not None:
            # This frame's keypoints (not the smoothed ones) say whose pixels are whose.
            self.segmentation.process(frame.bgr, result)
        t2 = time.perf_counter()
        if config.smoothing.enabled:
            for person in people:
                person.body = self._smoother.smooth(person.track_id, person.body, filter_time.t)
        self._smoother.expire((p.track_id for p in people), filter_time.t,
                              config.smoothing.track_timeout)
        result.timings_ms['smoothing'] = (time.perf_counter() - t2) * 1e3
        return result

    def reset_filters(self) -> None:
        """Restart smoothing (keypoints and heads) but keep the tracks: time jumped."""
        self._smoother.reset()
        if self.head_hands is not None:
            self.head_hands.reset_filters()

    def reset(self) -> None:
        """Start a new sequence: forget tracks, filter state and the last stamp."""
        self.backend.reset()
        if self.head_hands is not None:
            self.head_hands.reset()
        self._smoother.reset()
        self._clock.reset()

    def close(self) -> None:
        """
        Release the models, graphs and threads, and give their memory back to the system.

        A lifecycle node closes its pipeline on cleanup and builds a new one on configure:
        without :func:`~pose_ros.backends.base.release_memory` every cycle would leave the
        freed models' memory in the process.
        """
        self.backend.close()
        for stage in (self.head_hands, self.segmentation):
            if stage is not None:
                stage.close()
        release_memory()


def build_pipeline(config: BodyConfig, tuning: Optional[HeadHandsTuning] = None,
                   warmup: bool = True) -> BodyPipeline:
    """
    Assemble the pipeline ``config`` describes.

    Its backend, the hands/head stage when ``hands.enabled`` or ``head.enabled``, the person
    segmentation with ``segmentation.enabled``, and the post-processing.

    The only place a pipeline is put together: body_node, the tools and the tests use it, so
    they all compute the same thing from the same configuration.

    :param tuning: the hands/head stage's settings that are no parameters (tests).
    :param warmup: run the body model once on a blank image first.
    :raises BackendError: a model or package is missing (nothing stays loaded then).
    """
    stage = backend = segmentation = None
    try:
        backend = create_backend(config)
        if config.head.enabled or config.hands.enabled:
            stage = HeadHandsStage(config, tuning, body_schema=backend.schema)
        if config.segmentation.enabled:
            segmentation = SegmentationStage(config)
        pipeline = BodyPipeline(backend, config, stage, segmentation)
        limit_blas_threads()              # after the models: their BLAS libraries are loaded
        if warmup:
            backend.warmup()
        return pipeline
    except BaseException:
        for part in (backend, stage, segmentation):      # built before the failure
            if part is not None:
                part.close()
        raise
