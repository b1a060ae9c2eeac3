# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The per-frame body pipeline: inference -> 3D lifting -> temporal smoothing, each timed.

Pure Python (no ROS): the body node, the offline runner and the tests all call
``BodyPipeline.process`` the same way.
"""

from dataclasses import dataclass
import time
from typing import Optional

import numpy as np

from pose_ros.backends.base import PoseBackend, release_memory
from pose_ros.depth_lifting import (CameraIntrinsics, check_depth_matches, lift_keypoints,
                                    validate_depth_settings)
from pose_ros.head_hands_stage import HeadHandsStage
from pose_ros.one_euro import TrackSmoother
from pose_ros.people import FrameResult


@dataclass
class PipelineOptions:
    """Post-processing settings; all may change while running."""

    depth_window: int = 5            # odd window (pixels) for the depth median
    min_depth: float = 0.1           # metres; nearer depth readings are invalid
    max_depth: float = 10.0          # metres; farther depth readings are invalid
    smoothing: bool = True
    min_cutoff: float = 1.0          # One-Euro minimum cutoff (Hz): lower = smoother when still
    beta: float = 0.05               # One-Euro speed coefficient: higher = less lag when moving
    d_cutoff: float = 1.0            # One-Euro derivative cutoff (Hz)
    track_timeout: float = 1.0       # seconds unseen after which a track's filter is dropped

    def validate(self) -> None:
        validate_depth_settings(self.depth_window, self.min_depth, self.max_depth)
        if self.track_timeout <= 0:
            raise ValueError(f'track_timeout must be > 0, got {self.track_timeout}')
        if self.min_cutoff <= 0 or self.beta < 0 or self.d_cutoff <= 0:
            raise ValueError('One-Euro needs min_cutoff > 0, beta >= 0 and d_cutoff > 0')


class BodyPipeline:
    """Runs one backend and the post-processing that follows it, frame after frame."""

    def __init__(self, backend: PoseBackend, options: Optional[PipelineOptions] = None,
                 head_hands: Optional[HeadHandsStage] = None):
        self.backend = backend
        self.head_hands = head_hands
        self.options = options or PipelineOptions()
        self.options.validate()
        self._smoother = TrackSmoother(min_cutoff=self.options.min_cutoff,
                                       beta=self.options.beta, d_cutoff=self.options.d_cutoff)
        self.last_depth_problem: Optional[str] = None

    def update_options(self, **changes) -> None:
        """Change post-processing settings at run time (validated before they apply)."""
        candidate = PipelineOptions(**{**self.options.__dict__, **changes})
        candidate.validate()
        self.options = candidate
        self._smoother.set_params(min_cutoff=candidate.min_cutoff, beta=candidate.beta,
                                  d_cutoff=candidate.d_cutoff)

    def process(self, bgr: np.ndarray, stamp_s: float, depth_m: Optional[np.ndarray] = None,
                intrinsics: Optional[CameraIntrinsics] = None) -> FrameResult:
        """
        Estimate all people in ``bgr`` taken at ``stamp_s`` (seconds, the image stamp).

        ``depth_m``: aligned depth in metres (same size as the image) or None; ``intrinsics``
        of the image or None. Without both, 3D is whatever the backend's model estimates.
        Equal to :meth:`finish` of :meth:`detect`.
        """
        return self.finish(bgr, self.detect(bgr, stamp_s, depth_m, intrinsics), stamp_s,
                           depth_m, intrinsics)

    def detect(self, bgr: np.ndarray, stamp_s: float, depth_m: Optional[np.ndarray] = None,
               intrinsics: Optional[CameraIntrinsics] = None) -> FrameResult:
        """
        First half of :meth:`process`: the body model and 3D lifting.

        A caller may run :meth:`detect` of the next frame while :meth:`finish` of this one
        runs in another thread (the body node does), as long as each half is called for the
        frames in order.
        """
        h, w = bgr.shape[:2]
        timings = {}
        t0 = time.perf_counter()
        people = self.backend.infer(bgr)
        t1 = time.perf_counter()
        timings['inference'] = (t1 - t0) * 1e3

        self.last_depth_problem = None
        if depth_m is not None and intrinsics is not None:
            self.last_depth_problem = check_depth_matches(depth_m.shape, w, h)
            if self.last_depth_problem is None:
                o = self.options
                for person in people:
                    person.body = lift_keypoints(person.body, depth_m, intrinsics,
                                                 window=o.depth_window, min_depth=o.min_depth,
                                                 max_depth=o.max_depth)
        timings['lifting'] = (time.perf_counter() - t1) * 1e3
        return FrameResult(people=people, backend=self.backend.name, width=w, height=h,
                           timings_ms=timings)

    def finish(self, bgr: np.ndarray, result: FrameResult, stamp_s: float,
               depth_m: Optional[np.ndarray] = None,
               intrinsics: Optional[CameraIntrinsics] = None) -> FrameResult:
        """Second half of :meth:`process`: hands and head, then smoothing (``result`` in place)."""
        people = result.people
        if self.head_hands is not None:
            # Before smoothing: crops and assignment use this frame's wrists and heads. The
            # stage checks the depth image's size itself (and lifts nothing from a wrong one).
            self.head_hands.process(bgr, result, intrinsics, depth_m, stamp_s)
        t2 = time.perf_counter()

        if self.options.smoothing:
            for person in people:
                person.body = self._smoother.smooth(person.track_id, person.body, stamp_s)
        self._smoother.expire((p.track_id for p in people), stamp_s, self.options.track_timeout)
        result.timings_ms['smoothing'] = (time.perf_counter() - t2) * 1e3
        return result

    def reset_filters(self) -> None:
        """Restart smoothing (keypoints and heads) but keep the tracks: time jumped."""
        self._smoother.reset()
        if self.head_hands is not None:
            self.head_hands.reset_filters()

    def reset(self) -> None:
        """Start a new sequence: forget tracks and filter state."""
        self.backend.reset()
        if self.head_hands is not None:
            self.head_hands.reset()
        self._smoother.reset()

    def close(self) -> None:
        """
        Release the models, graphs and threads, and give their memory back to the system.

        A lifecycle node closes its pipeline on cleanup and builds a new one on configure:
        without :func:`~pose_ros.backends.base.release_memory` every cycle would leave the
        freed models' memory in the process.
        """
        self.backend.close()
        if self.head_hands is not None:
            self.head_hands.close()
        release_memory()
