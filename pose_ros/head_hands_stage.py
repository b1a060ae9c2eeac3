# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Hands and head pose for the people of one frame, after the body stage, in place.

Pure Python (no ROS), so the body node, the offline runner and the tests share it:
``HeadHandsStage.process`` takes the image and the body stage's :class:`FrameResult` and fills
``Person.hands`` and ``Person.head`` of the same people, so one message carries body, hands and
head of each person together.

- Hands: :class:`~pose_ros.backends.mediapipe_hands.HandEstimator` on crops around the body
  wrists (or on the full image, option ``hand_crops=False`` or no people), each hand given to
  the person and wrist it belongs to (:func:`pose_ros.hands.attach_hands`; hands near no body
  wrist are dropped, their count is ``last_unassigned_hands``). 3D: with an aligned depth image
  and intrinsics, the depth at each keypoint (``PositionSource.DEPTH``, camera frame); else
  MediaPipe's metric world landmarks with the wrist at the origin (``MODEL_ROOT``).
- Head: :class:`~pose_ros.backends.mediapipe_face.FaceEstimator` on crops around the body
  heads (or the full image), each mesh given to the person whose head (body nose, eyes, ears)
  is nearest, then :func:`pose_ros.head_pose.estimate_head_pose`, the gaze
  (:func:`pose_ros.head_pose.gaze_from_iris`) and per-track smoothing (:class:`HeadSmoother`).
  Without CameraInfo the intrinsics are :func:`pose_ros.head_pose.default_intrinsics`
  (fx = fy = image width, 53 deg horizontal field of view, principal point at the centre): the
  angles stay good but the head's position (distance above all) is then only approximate.

Speed: the hand and face graphs of all people of a frame run together, ``threads`` at a time
(a MediaPipe graph computes on one core and releases the GIL), and each tracked hand or face
keeps its graph, so the detectors run only when a hand or face is new. The stage's time
(milliseconds) goes to ``result.timings_ms['head_hands']``.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
import time
from typing import List, Optional, Sequence, Tuple

import numpy as np
from pose_ros.backends.base import physical_cores, tune_allocator
from pose_ros.backends.mediapipe_graphs import CropJob, run_jobs
from pose_ros.depth_lifting import (CameraIntrinsics, check_depth_matches, lift_keypoints,
                                    validate_depth_settings)
from pose_ros.hands import attach_hands
from pose_ros.head_pose import (BORDER_MARGIN_PX, default_intrinsics, estimate_head_pose,
                                gaze_from_iris, head_region, HeadSmoother, MAX_REPROJ_PX,
                                MAX_REPROJ_RATIO)
from pose_ros.people import FrameResult, Hand, Person

NOSE_TIP = 1


@dataclass
class HeadHandsOptions:
    """Settings of the hands and head stage (validated on construction of the stage)."""

    # Hands
    hand_max: int = 2                       # full-image mode only; crops find one each
    hand_model_complexity: int = 1          # 0 lite, 1 full
    hand_min_detection_confidence: float = 0.5
    hand_min_tracking_confidence: float = 0.5
    hand_crops: bool = True                 # crops around body wrists when there are bodies
    hand_crop_scale: float = 2.0            # crop side in forearm lengths
    hand_min_crop_px: int = 48              # smaller wrist crops are skipped
    hand_max_dist: float = 0.25             # hand wrist to body wrist, in person sizes
    hand_mismatch_cost: float = 0.15        # extra cost of a wrist of the other side
    mirrored: bool = False                  # images are mirrored (selfie view)
    # Face and head
    face_max: int = 5                       # full-image mode only
    face_min_detection_confidence: float = 0.5
    face_min_tracking_confidence: float = 0.5
    face_crops: bool = True                 # crops around body heads when there are bodies
    face_crop_scale: float = 2.0            # crop side in face heights
    face_min_crop_px: int = 48              # smaller head crops are skipped
    face_max_dist: float = 0.5              # mesh nose to body head centre, in head sizes
    max_reproj_px: float = MAX_REPROJ_PX
    max_reproj_ratio: float = MAX_REPROJ_RATIO
    border_margin_px: float = BORDER_MARGIN_PX
    min_eye_px: float = 12.0                # narrower eyes: gaze from the head axis
    # Both
    threads: int = 0                        # graphs run at once (0: one per CPU core)
    static_image_mode: bool = False         # unrelated images: detect every time, no tracking
    smoothing: bool = True
    min_cutoff: float = 1.0                 # head position One-Euro (Hz)
    beta: float = 2.0                       # head position speed coefficient (1 / (m/s))
    rot_min_cutoff: float = 1.0             # head rotation and gaze One-Euro (Hz)
    rot_beta: float = 0.3                   # rotation speed coefficient (1 / (rad/s))
    d_cutoff: float = 1.0
    track_timeout: float = 1.0              # seconds unseen before a head filter is dropped
    depth_window: int = 5
    min_depth: float = 0.1
    max_depth: float = 10.0

    def validate(self) -> None:
        if self.threads < 0:
            raise ValueError(f'threads must be >= 0 (0: one per CPU core), got {self.threads}')
        if self.hand_max < 1 or self.face_max < 1:
            raise ValueError('hand_max and face_max must be >= 1')
        if self.hand_model_complexity not in (0, 1):
            raise ValueError(f'hand_model_complexity must be 0 or 1, got '
                             f'{self.hand_model_complexity}')
        for name in ('hand_min_detection_confidence', 'hand_min_tracking_confidence',
                     'face_min_detection_confidence', 'face_min_tracking_confidence'):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f'{name} must be in [0, 1], got {getattr(self, name)}')
        for name in ('hand_crop_scale', 'hand_max_dist', 'face_crop_scale', 'face_max_dist',
                     'max_reproj_px', 'max_reproj_ratio', 'track_timeout', 'min_cutoff',
                     'rot_min_cutoff', 'd_cutoff'):
            if not getattr(self, name) > 0:
                raise ValueError(f'{name} must be > 0, got {getattr(self, name)}')
        for name in ('hand_mismatch_cost', 'border_margin_px', 'min_eye_px', 'beta',
                     'rot_beta', 'hand_min_crop_px', 'face_min_crop_px'):
            if not getattr(self, name) >= 0:
                raise ValueError(f'{name} must be >= 0, got {getattr(self, name)}')
        validate_depth_settings(self.depth_window, self.min_depth, self.max_depth)


def assign_faces(faces: Sequence[np.ndarray], people: Sequence[Person],
                 max_dist: float = 0.5) -> List[int]:
    """
    Return, per face mesh, the index of the person it belongs to (-1: nobody).

    The cost is the distance from the mesh's nose tip to the person's head centre
    (:func:`pose_ros.head_pose.head_region`) in head sizes; pairs above ``max_dist`` are never
    made, the cheapest first, one face per person.
    """
    regions = [head_region(p.body) for p in people]
    candidates = []
    for f, face in enumerate(faces):
        nose = np.asarray(face[NOSE_TIP], np.float64)
        if not np.isfinite(nose).all():
            continue
        for p, region in enumerate(regions):
            if region is None:
                continue
            dist = float(np.linalg.norm(nose - region[0])) / region[1]
            if dist <= max_dist:
                candidates.append((dist, f, p))
    out = [-1] * len(faces)
    taken = set()
    for _, f, p in sorted(candidates):
        if out[f] < 0 and p not in taken:
            out[f] = p
            taken.add(p)
    return out


class HeadHandsStage:
    """Runs the hand and face models on one frame and fills the people's hands and heads."""

    def __init__(self, hands: bool = True, head: bool = True,
                 options: Optional[HeadHandsOptions] = None) -> None:
        """
        Create the enabled estimators (this loads MediaPipe; a BackendError says why not).

        :param hands: run the hand estimator.
        :param head: run the face mesh, head pose and gaze.
        :param options: settings; read-only after construction except smoothing and
            thresholds, which :meth:`update_options` changes.
        """
        self.options = options or HeadHandsOptions()
        self.options.validate()
        o = self.options
        self.hands_enabled = bool(hands)
        self.head_enabled = bool(head)
        self.hand_estimator = None
        self.face_estimator = None
        tune_allocator()    # before the graphs are loaded: their memory goes back when freed
        if self.hands_enabled:
            from pose_ros.backends.mediapipe_hands import HandEstimator
            self.hand_estimator = HandEstimator(
                max_hands=o.hand_max, min_detection_confidence=o.hand_min_detection_confidence,
                model_complexity=o.hand_model_complexity,
                min_tracking_confidence=o.hand_min_tracking_confidence,
                static_image_mode=o.static_image_mode, mirrored=o.mirrored,
                crop_scale=o.hand_crop_scale, min_crop_px=o.hand_min_crop_px)
        if self.head_enabled:
            from pose_ros.backends.mediapipe_face import FaceEstimator
            self.face_estimator = FaceEstimator(
                max_faces=o.face_max, refine_landmarks=True,
                min_detection_confidence=o.face_min_detection_confidence,
                min_tracking_confidence=o.face_min_tracking_confidence,
                static_image_mode=o.static_image_mode, crop_scale=o.face_crop_scale,
                min_crop_px=o.face_min_crop_px)
        # The graphs of one frame run side by side: a MediaPipe graph computes on one core.
        threads = o.threads or physical_cores()
        self.threads = threads
        self._executor = (ThreadPoolExecutor(threads - 1, thread_name_prefix='head_hands')
                          if threads > 1 else None)
        self._smoother = HeadSmoother(o.min_cutoff, o.beta, o.rot_min_cutoff, o.rot_beta,
                                      o.d_cutoff)
        self.last_unassigned_hands = 0
        self.last_faces: List[np.ndarray] = []     # meshes of the last frame, for debugging
        self.last_depth_problem: Optional[str] = None
        # The intrinsics the last head poses were computed with (the defaults without
        # CameraInfo): draw the head axes with these so the overlay matches the pose.
        self.last_intrinsics: Optional[CameraIntrinsics] = None

    @property
    def model(self) -> str:
        """Return what is loaded, for diagnostics."""
        parts = [e.model for e in (self.hand_estimator, self.face_estimator) if e is not None]
        return ' + '.join(parts) if parts else 'none'

    def update_options(self, **changes) -> None:
        """Change settings at run time (validated first; model settings need a new stage)."""
        candidate = HeadHandsOptions(**{**self.options.__dict__, **changes})
        candidate.validate()
        self.options = candidate
        o = candidate
        self._smoother.set_params(o.min_cutoff, o.beta, o.rot_min_cutoff, o.rot_beta,
                                  o.d_cutoff)

    def process(self, bgr: np.ndarray, result: FrameResult,
                intrinsics: Optional[CameraIntrinsics] = None,
                depth_m: Optional[np.ndarray] = None, stamp_s: float = 0.0) -> None:
        """
        Fill ``hands`` and ``head`` of ``result.people`` (in place) and add the timing.

        The hand and face graphs of all people run together, ``threads`` at a time.

        :param bgr: the image the people were found in (H, W, 3) uint8.
        :param result: the body stage's result for this image.
        :param intrinsics: of this image, or None (then :func:`default_intrinsics` for the
            head, and no depth lifting).
        :param depth_m: aligned depth in metres (the image's size), or None.
        :param stamp_s: image stamp (seconds), for smoothing.
        """
        t0 = time.perf_counter()
        people = result.people
        h, w = bgr.shape[:2]
        o = self.options
        # Hands and heads belong to people: with nobody in the image there is nothing to look
        # for (the models would cost 16 and 4 ms for results that could not be attached).
        hand_jobs: List[CropJob] = []
        face_jobs: List[CropJob] = []
        if people and self.hands_enabled:
            hand_jobs = self.hand_estimator.plan(bgr, people if o.hand_crops else None)
        if people and self.head_enabled:
            face_jobs = self.face_estimator.plan(bgr, people if o.face_crops else None)
        run_jobs(hand_jobs + face_jobs, self._executor)
        if self.hands_enabled and people:
            self._hands(self.hand_estimator.collect(hand_jobs), bgr, people, intrinsics,
                        depth_m)
        if self.head_enabled:
            self.last_intrinsics = intrinsics or default_intrinsics(w, h)
            self.last_faces = self.face_estimator.collect(face_jobs) if people else []
            self._heads(self.last_faces, people, self.last_intrinsics, (w, h), stamp_s)
            self._prune(people, stamp_s)
        result.timings_ms['head_hands'] = (time.perf_counter() - t0) * 1e3

    def _hands(self, hands: List[Hand], bgr: np.ndarray, people: List[Person],
               intrinsics: Optional[CameraIntrinsics], depth_m: Optional[np.ndarray]) -> None:
        o = self.options
        self.last_depth_problem = None
        if depth_m is not None and intrinsics is not None and hands:
            self.last_depth_problem = check_depth_matches(depth_m.shape, bgr.shape[1],
                                                          bgr.shape[0])
            if self.last_depth_problem is None:
                hands = [Hand(lift_keypoints(hand.keypoints, depth_m, intrinsics,
                                             window=o.depth_window, min_depth=o.min_depth,
                                             max_depth=o.max_depth),
                              hand.side, hand.handedness_score) for hand in hands]
        for person in people:
            person.hands = []
        unassigned = attach_hands(hands, people, max_dist_factor=o.hand_max_dist,
                                  mismatch_cost=o.hand_mismatch_cost)
        self.last_unassigned_hands = len(unassigned)

    def _heads(self, faces: List[np.ndarray], people: List[Person],
               intrinsics: CameraIntrinsics, size: Tuple[int, int], stamp_s: float) -> None:
        o = self.options
        for person in people:
            person.head = None
        for face, p in zip(faces, assign_faces(faces, people, o.face_max_dist)):
            if p < 0:
                continue
            head = estimate_head_pose(face, intrinsics, size, max_reproj_px=o.max_reproj_px,
                                      max_reproj_ratio=o.max_reproj_ratio,
                                      border_margin_px=o.border_margin_px)
            if head is None:
                continue
            head.gaze, head.gaze_source = gaze_from_iris(face, head, intrinsics,
                                                         min_eye_px=o.min_eye_px)
            person = people[p]
            if o.smoothing:
                head = self._smoother.smooth(person.track_id, head, stamp_s)
            person.head = head

    def _prune(self, people: List[Person], stamp_s: float) -> None:
        self._smoother.expire((p.track_id for p in people
                               if p.head is not None and p.track_id >= 0),
                              stamp_s, self.options.track_timeout)

    def reset_filters(self) -> None:
        """Restart the head smoothing (time jumped); the models keep their state."""
        self._smoother.reset()

    def reset(self) -> None:
        """Start a new sequence: forget tracking and filter state."""
        for est in (self.hand_estimator, self.face_estimator):
            if est is not None:
                est.reset()
        self._smoother.reset()

    def close(self) -> None:
        """Release the models and the threads."""
        for est in (self.hand_estimator, self.face_estimator):
            if est is not None:
                est.close()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
