# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Face mesh (468 points + 10 iris points) through MediaPipe Face Mesh 0.10.21.

Two modes of :meth:`FaceEstimator.infer`:

- no people: the whole image goes to one graph, up to ``max_faces`` faces. Its face detector
  is the short-range BlazeFace, made for faces that fill a good part of the image (selfie,
  webcam at arm's length): in the people photos (bus, zidane, messi5) it finds no face at all.
- people given: a square crop around each person's head (:func:`pose_ros.geometry.head_pose.
  head_region` from the body's nose, eyes, ears and shoulders, ``crop_scale`` face heights on
  a side, padded with black where it leaves the image), one face per crop, landmarks mapped
  back to image pixels, duplicates removed. This finds the faces of people a few metres away.

A tracked person (track id >= 0) keeps its own tracking graph (the mesh follows the face and
the detector is skipped); untracked people get graphs that detect every call.
:meth:`FaceEstimator.plan` and :meth:`FaceEstimator.collect` split a call so the crops of a
frame can run concurrently (:mod:`pose_ros.backends.mediapipe_graphs`).

Landmarks are pixels of the full image in MediaPipe's order (the person's right eye is 33 and
133, its iris 468 to 472); points of a face cut by the image border lie outside the image. A
third column keeps MediaPipe's relative depth, in the same pixels (its z times the crop
width: smaller is nearer the camera, origin near the head's centre), which the face's 3D
(:mod:`pose_ros.geometry.face_mesh`) and the expressions (:mod:`pose_ros.face_expressions`,
rotation-invariant distances) need.
"""

from typing import Hashable, List, Optional, Sequence

import numpy as np
from pose_ros.backends.base import BackendError, mediapipe_solutions
from pose_ros.backends.mediapipe_graphs import CropEstimator, CropJob, extent
from pose_ros.geometry.head_pose import (FACE_MESH_IRIS_POINTS, FACE_MESH_POINTS,
                                         head_region)
from pose_ros.people import Person

# Two meshes are the same face when their points are this close on average (fraction of the
# face's size).
DUPLICATE_FRACTION = 0.15
# MediaPipe's own defaults for the face detector and mesh tracker; not parameters.
MIN_DETECTION_CONFIDENCE = 0.5
MIN_TRACKING_CONFIDENCE = 0.5


def deduplicate(faces: Sequence[np.ndarray],
                fraction: float = DUPLICATE_FRACTION) -> List[np.ndarray]:
    """Keep the first of every group of meshes of the same face (mean distance < fraction)."""
    kept: List[np.ndarray] = []
    for face in faces:
        xy = face[:FACE_MESH_POINTS, :2]
        if not any(np.mean(np.linalg.norm(xy - k[:FACE_MESH_POINTS, :2], axis=1))
                   < fraction * max(extent(xy), extent(k[:, :2])) for k in kept):
            kept.append(face)
    return kept


class FaceEstimator(CropEstimator):
    """MediaPipe Face Mesh on the full image or on crops around body heads."""

    def __init__(self, max_faces: int = 5, refine_landmarks: bool = True,
                 min_detection_confidence: float = MIN_DETECTION_CONFIDENCE,
                 min_tracking_confidence: float = MIN_TRACKING_CONFIDENCE,
                 static_image_mode: bool = False, crop_scale: float = 2.0,
                 min_crop_px: int = 48) -> None:
        """
        Load MediaPipe Face Mesh (the graphs themselves are created on first use).

        :param max_faces: most faces in the full-image mode (crops: one per person).
        :param refine_landmarks: add the 10 iris points (478 in all; gaze needs them).
        :param min_detection_confidence: face detector threshold, 0..1.
        :param min_tracking_confidence: below this the tracked face is re-detected, 0..1.
        :param static_image_mode: detect in every image (unrelated photos) instead of tracking.
        :param crop_scale: crop side in face heights (crop mode).
        :param min_crop_px: smaller crops (a face under about half that) are not searched.
        """
        if max_faces < 1:
            raise BackendError(f'max_faces must be >= 1, got {max_faces}')
        super().__init__(min_detection_confidence, min_tracking_confidence, static_image_mode,
                         crop_scale, min_crop_px)
        self._mp_face = mediapipe_solutions('the face mesh').face_mesh
        self.max_faces = int(max_faces)
        self.refine_landmarks = bool(refine_landmarks)
        self.points = FACE_MESH_IRIS_POINTS if refine_landmarks else FACE_MESH_POINTS
        self.model = ('face_detection_short_range.tflite + '
                      + ('face_landmark_with_attention.tflite' if refine_landmarks
                         else 'face_landmark.tflite'))

    def _new_graph(self, kind: str):
        return self._mp_face.FaceMesh(max_num_faces=self.max_faces if kind == 'full' else 1,
                                      refine_landmarks=self.refine_landmarks,
                                      **self._graph_args(kind))

    def infer(self, bgr: np.ndarray,
              people: Optional[Sequence[Person]] = None) -> List[np.ndarray]:
        """
        Find face meshes in a BGR uint8 image: a list of (478, 3) float64 arrays.

        Columns x, y (pixels of the image) and z (MediaPipe's relative depth in pixels).

        :param people: bodies in this image; None (or empty) runs on the full image, else on a
            crop around each person's head (people without a visible head point are skipped).
        """
        return super().infer(bgr, people)

    def plan(self, bgr: np.ndarray, people: Optional[Sequence[Person]] = None) -> List[CropJob]:
        """Return the MediaPipe calls :meth:`infer` makes, to run with :func:`run_jobs`."""
        h, w = bgr.shape[:2]
        if not people:
            return [self._full_image_job(bgr)]
        jobs: List[CropJob] = []
        keys: List[Hashable] = ['full']
        for index, person in enumerate(people):
            tracked = person.track_id >= 0 and not self.static_image_mode
            key = person.track_id if tracked else ('static', index)
            keys.append(key)
            region = head_region(person.body)
            if region is None:
                continue
            centre, size = region
            side = int(round(self.crop_scale * size))
            if side < self.min_crop_px:
                continue
            x0 = int(round(centre[0] - side / 2))
            y0 = int(round(centre[1] - side / 2))
            if x0 + side <= 0 or y0 + side <= 0 or x0 >= w or y0 >= h:
                continue
            jobs.append(self._crop_job(bgr, key, tracked, (x0, y0, x0 + side, y0 + side)))
        self._pool.keep_only(keys)
        return jobs

    def _deduplicate(self, found: List[np.ndarray]) -> List[np.ndarray]:
        return deduplicate(found)

    def _from_result(self, result, ox: float, oy: float, sw: float,
                     sh: float) -> List[np.ndarray]:
        if not result.multi_face_landmarks:
            return []
        out = []
        for face in result.multi_face_landmarks:
            xyz = np.full((FACE_MESH_IRIS_POINTS, 3), np.nan)
            pts = np.array([(ox + p.x * sw, oy + p.y * sh, p.z * sw) for p in face.landmark])
            xyz[:len(pts)] = pts[:FACE_MESH_IRIS_POINTS]
            out.append(xyz)
        return out
