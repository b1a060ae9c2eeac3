# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Person track ids from boxes: one interface over the trackers pose_ros can use.

- ``bytetrack`` (the default): ByteTrack from Roboflow's ``trackers`` package (Apache-2.0,
  numpy and scipy only), so a robot runs tracking without torch or ultralytics. Its settings
  are those of ultralytics' ``bytetrack.yaml``, so both mean the same thing: a person is
  confirmed when seen twice, a lost track is kept for 30 updates, a box matches a track at
  IoU >= 0.2, a detection scoring 0.25 or more may start one (less: it only continues a
  track, ByteTrack's second association).
- ``bytetrack.yaml`` / ``botsort.yaml``: ultralytics' own trackers (AGPL-3.0, imports torch).

A tracker sees the detections of one image and says, for each, which track it is: every
detection is reported (``-1`` until its track is confirmed) by ``bytetrack``; ultralytics'
trackers hide a new track's first detection, as its ``track()`` does.

Both packages are imported only when their tracker is made. ``trackers`` and ``supervision``
are installed with ``--no-deps`` (see requirements/runtime-nodeps.txt): their metadata asks for
numpy 2 and the GUI OpenCV, which MediaPipe 0.10.21 and this project's headless OpenCV exclude;
the ByteTrack code runs on numpy 1.26 (the tests prove it).
"""

from typing import Optional, Protocol, Tuple

import numpy as np

TORCH_FREE_TRACKERS = ('bytetrack',)
ULTRALYTICS_TRACKERS = ('bytetrack.yaml', 'botsort.yaml')
TRACKERS = TORCH_FREE_TRACKERS + ULTRALYTICS_TRACKERS + ('none',)

# ultralytics' bytetrack.yaml, in the trackers package's terms (see the module doc).
LOST_TRACK_BUFFER = 30          # updates a lost track is kept (track_buffer at 30 fps)
MIN_IOU = 0.2                   # 1 - match_thresh (0.8)
CONFIRM_AFTER = 2               # updates a new track must be matched before it gets an id
HIGH_SCORE = 0.25               # track_high_thresh and new_track_thresh


class TrackerError(RuntimeError):
    """A tracker cannot be made (its package is missing); the message says what to install."""


class BoxTracker(Protocol):
    """Track ids for the detections of consecutive images."""

    name: str

    def update(self, xyxy: np.ndarray, scores: np.ndarray
               ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """
        Associate one image's detections with the tracks.

        :param xyxy: (N, 4) float32 boxes in pixels.
        :param scores: (N,) float32 detection scores.
        :returns: ``(index, ids, boxes)``: which detections are reported (indices into the
            input), their track ids (-1: not confirmed yet) and their boxes (the tracker's
            estimate where it has one).
        """

    def reset(self) -> None:
        """Forget every track; ids start again."""


class ByteTrackBoxTracker:
    """ByteTrack of the ``trackers`` package (no torch)."""

    name = 'bytetrack'

    def __init__(self) -> None:
        try:
            import supervision
            from trackers import ByteTrackTracker
        except ImportError as e:
            raise TrackerError(
                "tracker 'bytetrack' needs the trackers and supervision packages: pip install "
                '--no-deps -r requirements/runtime-nodeps.txt, and -r requirements/runtime.txt '
                f"for their needs; or set yolo.tracker to 'none' ({e})") from e
        self._sv = supervision
        self._tracker = ByteTrackTracker(
            lost_track_buffer=LOST_TRACK_BUFFER, frame_rate=30.0,
            track_activation_threshold=HIGH_SCORE, minimum_consecutive_frames=CONFIRM_AFTER,
            minimum_iou_threshold=MIN_IOU, high_conf_det_threshold=HIGH_SCORE)

    def update(self, xyxy: np.ndarray, scores: np.ndarray
               ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(scores)
        detections = self._sv.Detections(
            xyxy=np.asarray(xyxy, np.float64).reshape(n, 4),
            confidence=np.asarray(scores, np.float64), class_id=np.zeros(n, int),
            data={'index': np.arange(n)})
        out = self._tracker.update(detections)
        if len(out) == 0:
            return (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 4), np.float32))
        index = np.asarray(out.data['index'], np.int64)
        order = np.argsort(index, kind='stable')    # the detector's order (best score first)
        ids = np.asarray(out.tracker_id, np.int64)[order]
        ids[ids >= 0] += 1              # ids from 1, as ultralytics' (and earlier releases')
        return index[order], ids, np.asarray(xyxy, np.float32)[index[order]]

    def reset(self) -> None:
        self._tracker.reset()


class _UltralyticsInput:
    """The Results-like view ultralytics' trackers read: xyxy, xywh, conf, cls, indexing."""

    def __init__(self, xyxy: np.ndarray, conf: np.ndarray) -> None:
        self.xyxy = xyxy
        self.conf = conf
        self.cls = np.zeros_like(conf)

    @property
    def xywh(self) -> np.ndarray:
        xywh = np.empty_like(self.xyxy)
        xywh[:, :2] = (self.xyxy[:, :2] + self.xyxy[:, 2:]) / 2
        xywh[:, 2:] = self.xyxy[:, 2:] - self.xyxy[:, :2]
        return xywh

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, index) -> '_UltralyticsInput':
        return _UltralyticsInput(self.xyxy[index], self.conf[index])


class UltralyticsBoxTracker:
    """ultralytics' BYTETracker / BOTSORT (AGPL-3.0; imports torch), fed with any detector."""

    def __init__(self, name: str) -> None:
        try:
            from ultralytics.trackers.track import TRACKER_MAP
            from ultralytics.utils import IterableSimpleNamespace, YAML
            from ultralytics.utils.checks import check_yaml
        except ImportError as e:
            raise TrackerError(
                f"tracker {name!r} is ultralytics' (AGPL-3.0): pip install "
                "ultralytics-opencv-headless, or use the tracker 'bytetrack' (no torch) or "
                f"'none' ({e})") from e
        cfg = IterableSimpleNamespace(**YAML.load(check_yaml(name)))
        cfg.device = 'cpu'      # only a ReID encoder would use it; none is configured
        self.name = name
        self._tracker = TRACKER_MAP[cfg.tracker_type](args=cfg)

    def update(self, xyxy: np.ndarray, scores: np.ndarray
               ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        xyxy = np.asarray(xyxy, np.float32).reshape(-1, 4)
        scores = np.asarray(scores, np.float32)
        tracks = self._tracker.update(_UltralyticsInput(xyxy, scores))
        if len(tracks) == 0:
            # As ultralytics' track(): new tracks stay hidden until confirmed; with no track
            # at all the detections are reported untracked.
            if any(not t.is_activated for t in self._tracker.tracked_stracks):
                return (np.zeros(0, np.int64), np.zeros(0, np.int64),
                        np.zeros((0, 4), np.float32))
            return (np.arange(len(scores), dtype=np.int64),
                    np.full(len(scores), -1, np.int64), xyxy)
        return (tracks[:, -1].astype(np.int64), tracks[:, 4].astype(np.int64),
                tracks[:, :4].astype(np.float32))

    def reset(self) -> None:
        self._tracker.reset()


def make_tracker(name: str) -> Optional[BoxTracker]:
    """
    Return the tracker called ``name`` (one of :data:`TRACKERS`), or None for ``'none'``.

    :raises TrackerError: its package is not installed.
    :raises ValueError: an unknown name.
    """
    if name == 'none':
        return None
    if name in TORCH_FREE_TRACKERS:
        return ByteTrackBoxTracker()
    if name in ULTRALYTICS_TRACKERS:
        return UltralyticsBoxTracker(name)
    raise ValueError(f'unknown tracker {name!r}; choose one of {", ".join(TRACKERS)}')
