# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Multi-person COCO-17 body pose with ultralytics YOLO-pose, tracked as the other backends are.

Track ids: ``bytetrack`` (the default) is :mod:`pose_ros.tracking`'s torch-free ByteTrack fed
with ``predict``'s people, exactly as the ``yolo_onnx`` backend does, so both give the same ids;
``bytetrack.yaml`` / ``botsort.yaml`` are ultralytics' own ``track()``.

ultralytics and its weights are AGPL-3.0: this module is imported only when the 'yolo'
backend is chosen, so the rest of pose_ros stays importable (and Apache-2.0) without it.
"""

import dataclasses
from dataclasses import dataclass
import os
from typing import Any, List

import numpy as np

from pose_ros.backends.base import BackendError, PoseBackend, resolve_model_path
from pose_ros.config import BodyConfig
from pose_ros.people import Keypoints, Person
from pose_ros.schemas import COCO17
from pose_ros.tracking import make_tracker, TrackerError, ULTRALYTICS_TRACKERS


@dataclass(frozen=True)
class YoloOptions:
    """
    Settings of the YOLO-pose backend.

    The parameters ``yolo.*`` and ``max_people`` (their defaults and checks are in
    :mod:`pose_ros.config`), and the NMS threshold.
    """

    weights: str
    device: str                       # 'cpu', 'cuda', 'cuda:0', ...
    image_size: int                   # network input size (pixels, multiple of 32)
    confidence: float                 # minimum person score
    tracker: str                      # one of tracking.TRACKERS; 'none' gives track_id -1
    max_people: int
    iou: float = 0.7                  # NMS IoU threshold (not a parameter)

    def __post_init__(self) -> None:
        if not 0.0 < self.iou <= 1.0:
            raise BackendError(f'iou must be in (0, 1], got {self.iou}')

    @classmethod
    def from_config(cls, config: BodyConfig, **extra: Any) -> 'YoloOptions':
        """Return the options of ``config`` (``extra``: the settings that are no parameter)."""
        y = config.yolo
        return cls(weights=y.weights, device=y.device, image_size=y.image_size,
                   confidence=y.confidence, tracker=y.tracker, max_people=config.max_people,
                   **extra)


class YoloPoseBackend(PoseBackend):
    """YOLO-pose (default yolo11n-pose.pt) through ultralytics, with tracking."""

    name = 'yolo'
    schema = COCO17

    def __init__(self, options: YoloOptions) -> None:
        self.options = options
        path = resolve_model_path(options.weights)
        try:
            from ultralytics import YOLO
        except ImportError as e:  # pragma: no cover - depends on the install
            raise BackendError(
                'the yolo backend needs the ultralytics package (AGPL-3.0): '
                f'pip install ultralytics-opencv-headless ({e})') from e
        try:
            self._model = YOLO(str(path), task='pose')
        except Exception as e:  # noqa: B902 - ultralytics raises many types on a bad file
            raise BackendError(f'cannot load YOLO weights {path}: {e}') from e
        # ultralytics sets torch to cores - 1 threads when its predictor starts (1 thread on a
        # 2-core robot computer): inference then takes twice as long (benchmark: 123 vs 62 ms).
        # infer() puts every core back after that set-up.
        import torch
        self._torch = torch
        self._threads = os.cpu_count() or 1
        self.model = (f'{path.name} imgsz={options.image_size} device={options.device} '
                      f'tracker={options.tracker}')
        self._persist = False
        self._tracker = None
        if options.tracker not in ULTRALYTICS_TRACKERS:
            try:
                self._tracker = make_tracker(options.tracker)
            except TrackerError as e:
                raise BackendError(str(e)) from e

    def infer(self, bgr: np.ndarray) -> List[Person]:
        o = self.options
        kwargs = {'imgsz': o.image_size, 'conf': o.confidence, 'iou': o.iou,
                  'device': o.device, 'max_det': o.max_people, 'verbose': False}
        if o.tracker not in ULTRALYTICS_TRACKERS:
            result = self._model.predict(bgr, **kwargs)[0]
        else:
            # persist=True keeps the tracker between calls; reset() starts a new one.
            result = self._model.track(bgr, persist=self._persist, tracker=o.tracker,
                                       **kwargs)[0]
            self._persist = True
        if self._torch.get_num_threads() != self._threads:
            self._torch.set_num_threads(self._threads)
        people = _to_people(result)
        if self._tracker is None or not people:
            if self._tracker is not None:
                self._tracker.update(np.zeros((0, 4), np.float32), np.zeros(0, np.float32))
            return people
        index, ids, boxes = self._tracker.update(np.stack([p.bbox for p in people]),
                                                 np.array([p.score for p in people], np.float32))
        tracked = []
        for i, track_id, box in zip(index, ids, boxes):
            person = people[int(i)]
            person.track_id, person.bbox = int(track_id), box
            tracked.append(person)
        return tracked

    def update(self, config: BodyConfig) -> None:
        """Take the run-time settings of a new configuration (``yolo.confidence``)."""
        self.options = dataclasses.replace(self.options, confidence=config.yolo.confidence)

    def reset(self) -> None:
        self._persist = False
        if self._tracker is not None:
            self._tracker.reset()

    def close(self) -> None:
        self._model = None


def _to_people(result) -> List[Person]:
    boxes = result.boxes
    if boxes is None or len(boxes) == 0 or result.keypoints is None:
        return []
    xyxy = boxes.xyxy.cpu().numpy().astype(np.float32)
    scores = boxes.conf.cpu().numpy().astype(np.float32)
    ids = boxes.id.cpu().numpy().astype(np.int64) if boxes.id is not None else None
    kxy = result.keypoints.xy.cpu().numpy().astype(np.float32)
    kconf = (result.keypoints.conf.cpu().numpy().astype(np.float32)
             if result.keypoints.conf is not None
             else np.ones(kxy.shape[:2], np.float32))
    # ultralytics reports keypoints it could not place as (0, 0): unknown, so NaN.
    unknown = (kxy == 0.0).all(axis=2)
    kxy[unknown] = np.nan
    kconf[unknown] = np.nan
    people = []
    for i in range(len(xyxy)):
        body = Keypoints.from_arrays(COCO17, kxy[i], kconf[i])
        people.append(Person(body=body, bbox=xyxy[i], score=float(scores[i]),
                             track_id=int(ids[i]) if ids is not None else -1))
    return people
