# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Hands and head pose for the people of one frame, after the body stage, in place.

Pure Python (no ROS), so the body node, the offline runner and the tests share it:
``HeadHandsStage.process`` takes the image and the body stage's :class:`FrameResult` and fills
``Person.hands`` and ``Person.head`` of the same people, so one message carries body, hands and
head of each person together.

- Hands: :class:`~pose_ros.backends.mediapipe_hands.HandEstimator` on crops around the body
  wrists and, with ``hands.search_full_image``, on the whole image as well (or on the whole
  image only, option ``hand_crops=False``), each hand given to the person and wrist it belongs
  to (:func:`pose_ros.hands.attach_hands`). A hand near no body wrist is published as a person
  of its own without a body (:func:`person_of_hand`: every body keypoint unknown, track id
  -1); their count is ``FrameResult.unassigned_hands``. 3D: with an aligned
  depth image and intrinsics, the depth at each keypoint (``PositionSource.DEPTH``, camera
  frame); else MediaPipe's metric world landmarks with the wrist at the origin
  (``MODEL_ROOT``).
- Head: :class:`~pose_ros.backends.mediapipe_face.FaceEstimator` on crops around the body
  heads (or the full image), each mesh given to the person whose head (body nose, eyes, ears)
  is nearest, then :func:`pose_ros.geometry.head_pose.estimate_head_pose`, the gaze
  (:func:`pose_ros.geometry.head_pose.gaze_from_iris`) and per-track smoothing
  (:class:`pose_ros.filters.one_euro.HeadSmoother`). The same mesh becomes ``Person.face``:
  its 478 landmarks (3D from aligned depth, else from the head pose:
  :mod:`pose_ros.geometry.face_mesh`) and, with ``face.expressions``, the expression
  (:mod:`pose_ros.face_expressions`: per-track smoothing and blinks), also when the head pose
  is refused. Without CameraInfo the intrinsics are
  :func:`pose_ros.geometry.camera.default_intrinsics`
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
from pose_ros.backends.mediapipe_face import (
    MIN_DETECTION_CONFIDENCE as FACE_MIN_DETECTION_CONFIDENCE,
    MIN_TRACKING_CONFIDENCE as FACE_MIN_TRACKING_CONFIDENCE)
from pose_ros.backends.mediapipe_graphs import CropJob, run_jobs
from pose_ros.backends.mediapipe_hands import (
    MIN_TRACKING_CONFIDENCE as HAND_MIN_TRACKING_CONFIDENCE)
from pose_ros.config import BodyConfig
from pose_ros.face_expressions import (expression_of, expression_params, ExpressionTracker,
                                       measure_face)
from pose_ros.filters.one_euro import HeadSmoother
from pose_ros.geometry.camera import CameraIntrinsics, default_intrinsics
from pose_ros.geometry.depth import check_depth_matches, lift_keypoints
from pose_ros.geometry.face_mesh import mesh_keypoints
from pose_ros.geometry.head_pose import estimate_head_pose, gaze_from_iris, head_region
from pose_ros.geometry.model_camera import place_in_camera
from pose_ros.hands import attach_hands
from pose_ros.people import (Expression, Face, FrameResult, Hand, Head, Keypoints, Person,
                             PositionSource)
from pose_ros.schemas import COCO17, KeypointSchema

NOSE_TIP = 1


@dataclass(frozen=True)
class HeadHandsTuning:
    """
    Settings of the hands and head stage that are not parameters (validated when made).

    The stage's parameters (``hands.*``, ``head.*``, ``head_hands.threads``, ``depth.*``,
    ``smoothing.enabled``, ``smoothing.track_timeout``, ``image_mirrored``) come from the
    configuration; these are the estimators' finer settings, for tests and experiments.
    """

    # Hands
    hand_max: int = 2                       # full-image mode only; crops find one each
    hand_min_tracking_confidence: float = HAND_MIN_TRACKING_CONFIDENCE
    hand_crops: bool = True                 # crops around body wrists when there are bodies
    hand_crop_scale: float = 2.0            # crop side in forearm lengths
    hand_min_crop_px: int = 48              # smaller wrist crops are skipped
    hand_mismatch_cost: float = 0.15        # extra cost of a wrist of the other side
    # Face and head
    face_max: int = 5                       # full-image mode only
    face_min_detection_confidence: float = FACE_MIN_DETECTION_CONFIDENCE
    face_min_tracking_confidence: float = FACE_MIN_TRACKING_CONFIDENCE
    face_crops: bool = True                 # crops around body heads when there are bodies
    face_crop_scale: float = 2.0            # crop side in face heights
    face_min_crop_px: int = 48              # smaller head crops are skipped
    face_max_dist: float = 0.5              # mesh nose to body head centre, in head sizes
    # Both
    static_image_mode: bool = False         # unrelated images: detect every time, no tracking

    def __post_init__(self) -> None:
        if self.hand_max < 1 or self.face_max < 1:
            raise ValueError('hand_max and face_max must be >= 1')
        for name in ('hand_min_tracking_confidence', 'face_min_detection_confidence',
                     'face_min_tracking_confidence'):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f'{name} must be in [0, 1], got {getattr(self, name)}')
        for name in ('hand_crop_scale', 'face_crop_scale', 'face_max_dist'):
            if not getattr(self, name) > 0:
                raise ValueError(f'{name} must be > 0, got {getattr(self, name)}')
        for name in ('hand_mismatch_cost', 'hand_min_crop_px', 'face_min_crop_px'):
            if not getattr(self, name) >= 0:
                raise ValueError(f'{name} must be >= 0, got {getattr(self, name)}')


def assign_faces(faces: Sequence[np.ndarray], people: Sequence[Person],
                 max_dist: float = 0.5) -> List[int]:
    """
    Return, per face mesh, the index of the person it belongs to (-1: nobody).

    The cost is the distance from the mesh's nose tip to the person's head centre
    (:func:`pose_ros.geometry.head_pose.head_region`) in head sizes; pairs above ``max_dist``
    are never made, the cheapest first, one face per person.
    """
    regions = [head_region(p.body) for p in people]
    candidates = []
    for f, face in enumerate(faces):
        nose = np.asarray(face[NOSE_TIP, :2], np.float64)
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


def person_of_hand(hand: Hand, body_schema: KeypointSchema) -> Person:
    """
    Return a person known only by one hand (no body wrist near it).

    Its body keypoints are all unknown (NaN), its box is the hand's, its score unknown and its
    track id -1 (untracked: classifier_node never gives it control); the hand keeps its side.
    """
    xy = hand.keypoints.xy[np.isfinite(hand.keypoints.xy).all(axis=1)]
    bbox = (np.array([*xy.min(axis=0), *xy.max(axis=0)], np.float32) if len(xy)
            else np.full(4, np.nan, np.float32))
    return Person(body=Keypoints.empty(body_schema), bbox=bbox, score=float('nan'),
                  track_id=-1, hands=[hand])


class HeadHandsStage:
    """Runs the hand and face models on one frame and fills the people's hands and heads."""

    def __init__(self, config: BodyConfig, tuning: Optional[HeadHandsTuning] = None,
                 body_schema: KeypointSchema = COCO17) -> None:
        """
        Create the estimators ``config`` enables (this loads MediaPipe).

        Hands with ``hands.enabled``; face mesh, head pose and gaze with ``head.enabled``. A
        BackendError says why a model cannot be loaded.

        :param config: the configuration; :meth:`update` takes a new one at run time (its
            read-only settings must not change).
        :param tuning: the settings that are no parameters.
        :param body_schema: the backend's skeleton, for the people made of a hand alone.
        """
        self.config = config
        self.tuning = t = tuning or HeadHandsTuning()
        self.hands_enabled = config.hands.enabled
        self.head_enabled = config.head.enabled
        self.hand_estimator = None
        self.face_estimator = None
        tune_allocator()    # before the graphs are loaded: their memory goes back when freed
        if self.hands_enabled:
            from pose_ros.backends.mediapipe_hands import HandEstimator
            hands = config.hands
            self.hand_estimator = HandEstimator(
                max_hands=t.hand_max, min_detection_confidence=hands.min_detection_confidence,
                model_complexity=hands.model_complexity,
                min_tracking_confidence=t.hand_min_tracking_confidence,
                static_image_mode=t.static_image_mode, mirrored=config.image_mirrored,
                crop_scale=t.hand_crop_scale, min_crop_px=t.hand_min_crop_px)
        if self.head_enabled:
            from pose_ros.backends.mediapipe_face import FaceEstimator
            self.face_estimator = FaceEstimator(
                max_faces=t.face_max, refine_landmarks=True,
                min_detection_confidence=t.face_min_detection_confidence,
                min_tracking_confidence=t.face_min_tracking_confidence,
                static_image_mode=t.static_image_mode, crop_scale=t.face_crop_scale,
                min_crop_px=t.face_min_crop_px)
        # The graphs of one frame run side by side: a MediaPipe graph computes on one core.
        threads = config.head_hands.threads or physical_cores()
        self.threads = threads
        self._executor = (ThreadPoolExecutor(threads - 1, thread_name_prefix='head_hands')
                          if threads > 1 else None)
        self._smoother = HeadSmoother.from_config(config)
        self._expressions = ExpressionTracker.from_config(config)
        self.body_schema = body_schema
        self.last_faces: List[np.ndarray] = []     # meshes of the last frame, for debugging

    @property
    def model(self) -> str:
        """Return what is loaded, for diagnostics."""
        parts = [e.model for e in (self.hand_estimator, self.face_estimator) if e is not None]
        return ' + '.join(parts) if parts else 'none'

    def update(self, config: BodyConfig) -> None:
        """Take the run-time settings of a new configuration (thresholds, smoothing)."""
        self.config = config
        head = config.head
        self._smoother.set_params(head.min_cutoff, head.beta, head.rot_min_cutoff,
                                  head.rot_beta, config.smoothing.d_cutoff)
        self._expressions.set_params(*expression_params(config))

    def process(self, bgr: np.ndarray, result: FrameResult,
                intrinsics: Optional[CameraIntrinsics] = None,
                depth_m: Optional[np.ndarray] = None, stamp_s: float = 0.0) -> None:
        """
        Fill ``hands`` and ``head`` of ``result.people`` (in place) and add the timing.

        The hand and face graphs of all people run together, ``threads`` at a time. What
        else the frame tells goes into ``result`` too: the intrinsics the heads were computed
        with (``result.intrinsics``: :func:`default_intrinsics` without CameraInfo), why the
        hands got no depth (``result.depth_problem``), and how many hands belonged to nobody
        (``result.unassigned_hands``).

        :param bgr: the image the people were found in (H, W, 3) uint8.
        :param result: the body stage's result for this image.
        :param intrinsics: of this image, or None (then :func:`default_intrinsics` for the
            head, and no depth lifting).
        :param depth_m: aligned depth in metres (the image's size), or None.
        :param stamp_s: the filters' time of this image (seconds).
        """
        t0 = time.perf_counter()
        people = result.people
        h, w = bgr.shape[:2]
        t = self.tuning
        # Heads belong to people: with nobody in the image there is nothing to look for. A
        # hand may be all there is of someone (close to the camera): the whole image is
        # searched too, unless hands.search_full_image is off.
        hand_jobs: List[CropJob] = []
        face_jobs: List[CropJob] = []
        if self.hands_enabled:
            search_all = self.config.hands.search_full_image
            if people:
                hand_jobs = self.hand_estimator.plan(bgr, people if t.hand_crops else None)
                if search_all and t.hand_crops:
                    hand_jobs += self.hand_estimator.plan(bgr, None)
            elif search_all:
                hand_jobs = self.hand_estimator.plan(bgr, None)
        if people and self.head_enabled:
            face_jobs = self.face_estimator.plan(bgr, people if t.face_crops else None)
        run_jobs(hand_jobs + face_jobs, self._executor)
        if self.hands_enabled and (people or hand_jobs):
            self._hands(self.hand_estimator.collect(hand_jobs), bgr, result, intrinsics,
                        depth_m)
        if self.head_enabled:
            result.intrinsics = intrinsics or default_intrinsics(w, h)
            self.last_faces = self.face_estimator.collect(face_jobs) if people else []
            self._heads(self.last_faces, people, result, (w, h), stamp_s,
                        depth_m if intrinsics is not None else None)
            self._prune(people, stamp_s)
        result.timings_ms['head_hands'] = (time.perf_counter() - t0) * 1e3

    def _hands(self, hands: List[Hand], bgr: np.ndarray, result: FrameResult,
               intrinsics: Optional[CameraIntrinsics], depth_m: Optional[np.ndarray]) -> None:
        depth = self.config.depth
        if depth_m is not None and intrinsics is not None and hands:
            problem = check_depth_matches(depth_m.shape, bgr.shape[1], bgr.shape[0])
            result.depth_problem = result.depth_problem or problem
            if problem is None:
                hands = [Hand(lift_keypoints(hand.keypoints, depth_m, intrinsics,
                                             window=depth.window, min_depth=depth.min,
                                             max_depth=depth.max),
                              hand.side, hand.handedness_score) for hand in hands]
        if intrinsics is not None:      # no depth: the hand's metric model, placed
            hands = [Hand(place_in_camera(hand.keypoints, intrinsics), hand.side,
                          hand.handedness_score) for hand in hands]
        for person in result.people:
            person.hands = []
        unassigned = attach_hands(hands, result.people,
                                  max_dist_factor=self.config.hands.max_dist,
                                  mismatch_cost=self.tuning.hand_mismatch_cost)
        result.people.extend(person_of_hand(hand, self.body_schema) for hand in unassigned)
        result.unassigned_hands = len(unassigned)

    def _heads(self, faces: List[np.ndarray], people: List[Person], result: FrameResult,
               size: Tuple[int, int], stamp_s: float, depth_m: Optional[np.ndarray]) -> None:
        head_config = self.config.head
        intrinsics = result.intrinsics
        for person in people:
            person.head = None
            person.face = None
        for face, p in zip(faces, assign_faces(faces, people, self.tuning.face_max_dist)):
            if p < 0:
                continue
            person = people[p]
            head = estimate_head_pose(face, intrinsics, size,
                                      max_reproj_px=head_config.max_reprojection_px,
                                      max_reproj_ratio=head_config.max_reprojection_ratio,
                                      border_margin_px=head_config.border_margin_px)
            if head is not None:
                head.gaze, head.gaze_source = gaze_from_iris(face, head, intrinsics,
                                                             min_eye_px=head_config.min_eye_px)
                if self.config.smoothing.enabled:
                    head = self._smoother.smooth(person.track_id, head, stamp_s)
            person.head = head
            # Placed with the head pose as published (smoothed), so the two agree.
            person.face = self._face(face, head, person.track_id, result, depth_m, stamp_s)

    def _face(self, mesh: np.ndarray, head: Optional[Head], track_id: int, result: FrameResult,
              depth_m: Optional[np.ndarray], stamp_s: float) -> Face:
        """Return a person's face: landmarks with 3D (depth, else the head pose), expression."""
        keypoints = mesh_keypoints(mesh, head, result.intrinsics)
        # Placed in metres the face's shape has no perspective (at arm's length the near half
        # of a turned face looks larger); without a head pose, the mesh as MediaPipe gives it.
        shape = keypoints.xyz if keypoints.position_source == PositionSource.MODEL_CAMERA \
            else mesh
        if depth_m is not None:
            problem = check_depth_matches(depth_m.shape, result.width, result.height)
            result.depth_problem = result.depth_problem or problem
            if problem is None:
                depth = self.config.depth
                keypoints = lift_keypoints(keypoints, depth_m, result.intrinsics,
                                           window=depth.window, min_depth=depth.min,
                                           max_depth=depth.max)
        expression = Expression()
        if self.config.face.expressions:
            expression = self._expressions.update(
                track_id, expression_of(measure_face(shape)), stamp_s,
                smooth=self.config.smoothing.enabled)
        return Face(keypoints, expression)

    def _prune(self, people: List[Person], stamp_s: float) -> None:
        timeout = self.config.smoothing.track_timeout
        self._smoother.expire((p.track_id for p in people
                               if p.head is not None and p.track_id >= 0), stamp_s, timeout)
        self._expressions.expire((p.track_id for p in people
                                  if p.face is not None and p.track_id >= 0), stamp_s, timeout)

    def reset_filters(self) -> None:
        """Restart the head and expression smoothing (time jumped); models and counts stay."""
        self._smoother.reset()
        self._expressions.reset_filters()

    def reset(self) -> None:
        """Start a new sequence: forget tracking and filter state."""
        for est in (self.hand_estimator, self.face_estimator):
            if est is not None:
                est.reset()
        self._smoother.reset()
        self._expressions.reset()

    def close(self) -> None:
        """Release the models and the threads."""
        for est in (self.hand_estimator, self.face_estimator):
            if est is not None:
                est.close()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
