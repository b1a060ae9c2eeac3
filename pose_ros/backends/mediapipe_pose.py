# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
BlazePose (33 landmarks + metric world landmarks) through MediaPipe 0.10.21.

BlazePose finds one person per call. Two modes, chosen by ``person_detector``:

- ``'none'``: single person. The whole image goes to one BlazePose graph in tracking mode;
  the person gets track id 0, and a new id after being lost for ``lost_frames`` frames.
- ``'yolo'``: multi-person. YOLO-pose through ONNX Runtime (the ``yolo_onnx`` backend with
  its ``yolo.*`` and ``onnx.*`` settings and tracker; no torch) finds and tracks people;
  each tracked person's box is cropped and given to its own BlazePose graph (tracking mode
  per person, so the landmark model follows that person), up to ``max_people``. A person
  whose crop gives no BlazePose pose (far, small, turned away) is not dropped: it is
  published with YOLO's box, id and score, and YOLO's 17 keypoints at the same-named joints
  of the blazepose33 skeleton (the other 16 unknown, no 3D). With ``joints_2d: yolo`` (the
  default) a person BlazePose does find carries YOLO's keypoints as ``detector_body``, and
  the pipeline puts their 2D (and confidence) at those 17 joints once BlazePose's 3D is
  placed in the camera frame (the placement needs BlazePose's own 2D): on real multi-person
  images YOLO's are the more accurate (COCO AP75 0.904 against BlazePose-on-crops' 0.728,
  EVALUATION.md); BlazePose adds its other 16 landmarks (feet, hands, face) and the metric
  3D of all 33. ``joints_2d: blazepose`` keeps BlazePose's own 2D.

3D: BlazePose world landmarks are metres with the origin at the hip midpoint and axes
parallel to the camera optical frame (x right, y down, z away from the camera); they are
reported with PositionSource.MODEL_ROOT.
"""

import dataclasses
from dataclasses import dataclass
from typing import Dict, List, Optional

import cv2
import numpy as np

from pose_ros.backends.base import BackendError, mediapipe_solutions, PoseBackend
from pose_ros.backends.yolo_onnx import YoloOnnxOptions
from pose_ros.config import BodyConfig, MediaPipeConfig
from pose_ros.people import Keypoints, Person, PositionSource
from pose_ros.schemas import BLAZEPOSE33

# The YOLO person detector in front of BlazePose never goes below this score: lower ones give
# crops without a person in them.
MIN_DETECTOR_CONFIDENCE = 0.25


@dataclass(frozen=True)
class MediaPipeOptions:
    """Settings of the BlazePose backend: the mediapipe.* parameters and the detector's."""

    mediapipe: MediaPipeConfig           # mediapipe.* parameters
    max_people: int
    detector: Optional[YoloOnnxOptions]  # the YOLO person detector (person_detector: yolo)
    crop_margin: float = 0.1             # box growth on each side for the per-person crop
    lost_frames: int = 5                 # single-person mode: frames before a new track id

    @classmethod
    def from_config(cls, config: BodyConfig) -> 'MediaPipeOptions':
        """
        Return the options of ``config``.

        The person detector is the ONNX YOLO of ``yolo.*`` and ``onnx.*``, at a confidence of
        at least 0.25: lower scores give crops without a person in them.
        """
        detector = None
        if config.mediapipe.person_detector == 'yolo':
            detector = dataclasses.replace(YoloOnnxOptions.from_config(config), confidence=max(
                config.yolo.confidence, MIN_DETECTOR_CONFIDENCE))
        return cls(config.mediapipe, config.max_people, detector)


class MediaPipePoseBackend(PoseBackend):
    """BlazePose-33 with world landmarks; single-person, or multi-person on YOLO crops."""

    name = 'mediapipe'
    schema = BLAZEPOSE33

    def __init__(self, options: MediaPipeOptions) -> None:
        self.options = options
        self._mp_pose = mediapipe_solutions('the mediapipe backend').pose
        self._check_model_file()
        self._graphs: Dict[int, object] = {}
        self._detector = None
        if options.detector is not None:
            from pose_ros.backends.yolo_onnx import YoloOnnxBackend
            self._detector = YoloOnnxBackend(options.detector)
        names = {0: 'lite', 1: 'full', 2: 'heavy'}
        self.model = (f'pose_landmark_{names[options.mediapipe.model_complexity]}.tflite'
                      + (f' + {self._detector.model}' if self._detector else ' single-person'))
        # Single-person mode: current track id and frames since the person was last seen.
        self._next_id = 0
        self._current_id: Optional[int] = None
        self._missed = 0

    def _check_model_file(self) -> None:
        from pathlib import Path
        import mediapipe as mp
        names = {0: 'lite', 1: 'full', 2: 'heavy'}
        path = (Path(mp.__file__).parent / 'modules' / 'pose_landmark'
                / f'pose_landmark_{names[self.options.mediapipe.model_complexity]}.tflite')
        if not path.is_file():
            # MediaPipe would try to download it: refuse instead, with the remedy.
            raise BackendError(
                f'BlazePose model {path} is missing (mediapipe.model_complexity='
                f'{self.options.mediapipe.model_complexity}); scripts/bootstrap.sh copies the '
                'lite and heavy models from the npm package @mediapipe/pose, or use '
                'mediapipe.model_complexity 1')

    def _graph(self, key: int):
        graph = self._graphs.get(key)
        if graph is None:
            o = self.options.mediapipe
            graph = self._mp_pose.Pose(
                static_image_mode=False, model_complexity=o.model_complexity,
                smooth_landmarks=True, enable_segmentation=False,
                min_detection_confidence=o.min_detection_confidence,
                min_tracking_confidence=o.min_tracking_confidence)
            self._graphs[key] = graph
        return graph

    def infer(self, bgr: np.ndarray) -> List[Person]:
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)   # 0.2 ms; a reversed-stride copy is 3 ms
        if self._detector is None:
            return self._infer_single(rgb)
        return self._infer_multi(bgr, rgb)

    def _infer_single(self, rgb: np.ndarray) -> List[Person]:
        h, w = rgb.shape[:2]
        result = self._graph(0).process(rgb)
        if result.pose_landmarks is None:
            self._missed += 1
            if self._missed >= self.options.lost_frames:
                self._current_id = None
            return []
        self._missed = 0
        if self._current_id is None:
            self._current_id = self._next_id
            self._next_id += 1
        person = _to_person(result, 0.0, 0.0, float(w), float(h))
        person.track_id = self._current_id
        return [person]

    def _infer_multi(self, bgr: np.ndarray, rgb: np.ndarray) -> List[Person]:
        h, w = rgb.shape[:2]
        detections = self._detector.infer(bgr)
        detections.sort(key=lambda p: -p.score)
        people = []
        seen = set()
        for det in detections[:self.options.max_people]:
            x0, y0, x1, y1 = _crop_box(det.bbox, self.options.crop_margin, w, h)
            result = None
            if x1 - x0 >= 16 and y1 - y0 >= 16:
                key = det.track_id if det.track_id >= 0 else -1 - len(seen)
                seen.add(key)
                crop, (ox, oy, side) = _square_crop(rgb, x0, y0, x1, y1)
                result = self._graph(key).process(crop)
            if result is None or result.pose_landmarks is None:
                # Never drop a person YOLO found: keep what it knows (see the module doc).
                det.body = det.body.in_schema(BLAZEPOSE33)
                det.bbox = det.bbox.astype(np.float32)
                people.append(det)
                continue
            person = _to_person(result, ox, oy, side, side)
            if self.options.mediapipe.joints_2d == 'yolo':
                person.detector_body = det.body       # put on after the 3D placement
            person.track_id = det.track_id
            person.score = det.score
            person.bbox = det.bbox.astype(np.float32)
            people.append(person)
        # Graphs of people no longer seen are closed, so memory does not grow with ids.
        for key in [k for k in self._graphs if k not in seen]:
            self._graphs.pop(key).close()
        return people

    def update(self, config: BodyConfig) -> None:
        """Take the run-time settings of a new configuration (the detector's confidence)."""
        if self._detector is not None:
            self._detector.update(dataclasses.replace(config, yolo=dataclasses.replace(
                config.yolo, confidence=max(config.yolo.confidence, MIN_DETECTOR_CONFIDENCE))))

    def reset(self) -> None:
        for graph in self._graphs.values():
            graph.close()
        self._graphs.clear()
        if self._detector is not None:
            self._detector.reset()
        self._current_id = None

    def close(self) -> None:
        self.reset()
        if self._detector is not None:
            self._detector.close()


def _crop_box(bbox: np.ndarray, margin: float, w: int, h: int):
    """Person box grown by ``margin`` of its size on each side, clipped to the image."""
    x0, y0, x1, y1 = (float(v) for v in bbox)
    mx, my = (x1 - x0) * margin, (y1 - y0) * margin
    return (int(max(0, x0 - mx)), int(max(0, y0 - my)),
            int(min(w, x1 + mx)), int(min(h, y1 + my)))


def _square_crop(rgb: np.ndarray, x0: int, y0: int, x1: int, y1: int):
    """
    Crop the box and pad it to a square with black.

    Padding (instead of a larger square crop) keeps neighbouring people out of the crop, so
    BlazePose's own detector cannot pick the wrong person. Returns the crop and the image
    position and side of the square, to map landmarks back.
    """
    crop = rgb[y0:y1, x0:x1]
    ch, cw = crop.shape[:2]
    side = max(ch, cw)
    top, left = (side - ch) // 2, (side - cw) // 2
    square = cv2.copyMakeBorder(crop, top, side - ch - top, left, side - cw - left,
                                cv2.BORDER_CONSTANT, value=(0, 0, 0))
    return square, (float(x0 - left), float(y0 - top), float(side))


def _to_person(result, ox: float, oy: float, sw: float, sh: float) -> Person:
    """Landmarks of one BlazePose result, mapped from a crop at (ox, oy) of size (sw, sh)."""
    lm = result.pose_landmarks.landmark
    xy = np.array([(ox + p.x * sw, oy + p.y * sh) for p in lm], np.float32)
    conf = np.clip(np.array([p.visibility for p in lm], np.float32), 0.0, 1.0)
    xyz = None
    source = PositionSource.NONE
    if result.pose_world_landmarks is not None:
        xyz = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark],
                       np.float32)
        source = PositionSource.MODEL_ROOT
    body = Keypoints.from_arrays(BLAZEPOSE33, xy, conf, xyz, source)
    visible = body.visible(0.5)
    pts = xy[visible] if visible.any() else xy
    bbox = np.array([pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()],
                    np.float32)
    return Person(body=body, bbox=bbox, score=float(np.nanmean(conf)))
