# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
21-point hands through MediaPipe Hands 0.10.21 (palm detector + hand landmark model).

Two modes of :meth:`HandEstimator.infer`:

- no people: the whole image goes to one graph, up to ``max_hands`` hands.
- people given (their bodies are known): one square crop around each visible body wrist
  (:func:`pose_ros.hands.crop_around_wrist`, padded with black where it leaves the image),
  one hand per crop, results mapped back to image pixels and duplicates (the same hand found
  from both wrists' crops) removed. Hands far from the camera, too small for the palm
  detector in the full image, are found this way, and the work grows with the number of
  visible wrists rather than with the image size.

A tracked person (track id >= 0) keeps one tracking graph per wrist: after the first detection
the landmark model follows the hand and the palm detector is skipped (about 12 ms instead of
25 ms per hand on 2 CPU cores). Crops of untracked people get graphs that detect from scratch
every call. :meth:`HandEstimator.plan` and :meth:`HandEstimator.collect` split a call so the
crops of a frame can run concurrently (:mod:`pose_ros.backends.mediapipe_graphs`). In the
full-image mode MediaPipe runs the palm detector on every frame until ``max_hands`` hands are
tracked, so ``max_hands=1`` is the cheap setting for one user.

Side: MediaPipe's handedness label assumes a mirrored image; :func:`pose_ros.hands.
handedness_to_person_side` turns it into the person's own side (``mirrored`` says whether the
input is mirrored). 3D: MediaPipe's world landmarks (metres, axes of the camera) minus the
wrist's, so the wrist is the origin: ``PositionSource.MODEL_ROOT``. MediaPipe gives no
per-point confidence: every point of a reported hand has confidence 1.
"""

from typing import Hashable, List, Optional, Sequence

import numpy as np
from pose_ros.backends.base import BackendError, mediapipe_solutions
from pose_ros.backends.mediapipe_graphs import CropEstimator, CropJob, extent
from pose_ros.config import HandsConfig
from pose_ros.hands import crop_around_wrist, handedness_to_person_side, SIDES
from pose_ros.people import Hand, Keypoints, Person, PositionSource
from pose_ros.schemas import HAND21

# Two hands are the same hand when their points are this close on average (fraction of the
# hand's size): real neighbouring hands are never that close, the same hand seen from two
# crops always is.
DUPLICATE_FRACTION = 0.2
_HANDS = HandsConfig()                 # the hands.* parameters' defaults
MIN_TRACKING_CONFIDENCE = 0.5          # MediaPipe's own default; not a parameter


def deduplicate(hands: Sequence[Hand], fraction: float = DUPLICATE_FRACTION) -> List[Hand]:
    """Drop hands that repeat an earlier, higher-scored hand (mean point distance < fraction)."""
    order = sorted(range(len(hands)), key=lambda i: -np.nan_to_num(hands[i].handedness_score))
    kept: List[Hand] = []
    for i in order:
        xy = hands[i].keypoints.xy.astype(np.float64)
        size = extent(xy)
        if not any(np.mean(np.linalg.norm(xy - k.keypoints.xy, axis=1))
                   < fraction * max(size, extent(k.keypoints.xy)) for k in kept):
            kept.append(hands[i])
    return kept


class HandEstimator(CropEstimator):
    """MediaPipe Hands on the full image or on crops around body wrists."""

    def __init__(self, max_hands: int = 2,
                 min_detection_confidence: float = _HANDS.min_detection_confidence,
                 model_complexity: int = _HANDS.model_complexity,
                 min_tracking_confidence: float = MIN_TRACKING_CONFIDENCE,
                 static_image_mode: bool = False, mirrored: bool = False,
                 crop_scale: float = 2.0, min_crop_px: int = 48) -> None:
        """
        Load MediaPipe Hands (the graphs themselves are created on first use).

        :param max_hands: most hands in the full-image mode (crops: one per wrist).
        :param min_detection_confidence: palm detector threshold, 0..1.
        :param model_complexity: hand landmark model, 0 lite or 1 full.
        :param min_tracking_confidence: below this the tracked hand is re-detected, 0..1.
        :param static_image_mode: detect in every image (unrelated photos) instead of tracking.
        :param mirrored: the images are mirrored (selfie view): labels are then the person's.
        :param crop_scale: crop side in forearm lengths (crop mode).
        :param min_crop_px: smaller crops (a hand under about half that) are not searched: the
            landmark model cannot resolve such a hand, and each crop costs a palm detection.
        """
        if max_hands < 1:
            raise BackendError(f'max_hands must be >= 1, got {max_hands}')
        if model_complexity not in (0, 1):
            raise BackendError(f'hand model_complexity must be 0 or 1, got {model_complexity}')
        super().__init__(min_detection_confidence, min_tracking_confidence, static_image_mode,
                         crop_scale, min_crop_px)
        self._mp_hands = mediapipe_solutions('MediaPipe Hands').hands
        self.max_hands = int(max_hands)
        self.model_complexity = int(model_complexity)
        self.mirrored = bool(mirrored)
        self.model = (f'hand_landmark_{"full" if model_complexity else "lite"}.tflite'
                      f' + palm_detection_{"full" if model_complexity else "lite"}.tflite')

    def _new_graph(self, kind: str):
        return self._mp_hands.Hands(max_num_hands=self.max_hands if kind == 'full' else 1,
                                    model_complexity=self.model_complexity,
                                    **self._graph_args(kind))

    def infer(self, bgr: np.ndarray, people: Optional[Sequence[Person]] = None) -> List[Hand]:
        """
        Find hands in a BGR uint8 image; pixels of the full image, side = the person's own.

        :param people: bodies in this image; None (or empty) runs on the full image, else on
            crops around each visible wrist.
        """
        return super().infer(bgr, people)

    def plan(self, bgr: np.ndarray, people: Optional[Sequence[Person]] = None) -> List[CropJob]:
        """
        Return the MediaPipe calls :meth:`infer` makes, to run with :func:`run_jobs`.

        Each crop has a graph of its own, so the jobs may run concurrently; graphs of people
        no longer in the image are released (reset for reuse), so memory does not grow.
        """
        if not people:
            return [self._full_image_job(bgr)]
        jobs: List[CropJob] = []
        keys: List[Hashable] = ['full']
        for index, person in enumerate(people):
            tracked = person.track_id >= 0 and not self.static_image_mode
            for side in SIDES:
                key = (person.track_id, side) if tracked else ('static', index, side)
                box = crop_around_wrist(person.body, side, bgr.shape, self.crop_scale)
                if box is None or box[2] - box[0] < self.min_crop_px:
                    if tracked:     # keep the graph: the wrist is hidden or far for now
                        keys.append(key)
                    continue
                keys.append(key)
                jobs.append(self._crop_job(bgr, key, tracked, box))
        self._pool.keep_only(keys)
        return jobs

    def _deduplicate(self, found: List[Hand]) -> List[Hand]:
        return deduplicate(found)

    def _from_result(self, result, ox: float, oy: float, sw: float,
                     sh: float) -> List[Hand]:
        if not result.multi_hand_landmarks:
            return []
        worlds = result.multi_hand_world_landmarks or [None] * len(result.multi_hand_landmarks)
        labels = result.multi_handedness or [None] * len(result.multi_hand_landmarks)
        hands = []
        for lm, world, label in zip(result.multi_hand_landmarks, worlds, labels):
            xy = np.array([(ox + p.x * sw, oy + p.y * sh) for p in lm.landmark], np.float32)
            conf = np.ones(len(HAND21), np.float32)
            xyz, source = None, PositionSource.NONE
            if world is not None:
                xyz = np.array([(p.x, p.y, p.z) for p in world.landmark], np.float32)
                xyz -= xyz[HAND21.index('wrist')]
                source = PositionSource.MODEL_ROOT
            side, score = 'unknown', float('nan')
            if label is not None and label.classification:
                best = label.classification[0]
                side = handedness_to_person_side(best.label, self.mirrored)
                score = float(best.score)
            hands.append(Hand(Keypoints.from_arrays(HAND21, xy, conf, xyz, source), side,
                              score))
        return hands
