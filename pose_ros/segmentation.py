# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Person segmentation: which pixel belongs to which person, the track-id mask, the effect.

Pure image arithmetic on NumPy/OpenCV; the model runs in
:class:`~pose_ros.backends.mediapipe_segmentation.PersonSegmenter` (imported by
:class:`SegmentationStage` only when segmentation is on).

- :func:`label_people`: each person's crop gives a probability map; a pixel is a person's
  when its probability passes ``threshold``; where the crops of several people claim it (one
  stands in front of another, both in each other's crop), it goes to the person whose
  skeleton is nearest (distance to the bones drawn from the visible keypoints, divided by the
  person's box diagonal). People without a visible body keypoint (a hand alone) get no mask.
- :func:`track_mask`: the published encoding (``sensor_msgs/Image`` ``mono16``): 0 is
  background, ``track_id + 1`` a tracked person (ids wrap modulo 65534), 65535 an untracked
  one.
- :func:`apply_effect`: the webcam effect: the background blurred, or replaced by a colour,
  with the mask's edge feathered.
"""

from dataclasses import dataclass
import time
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
from pose_ros.config import BodyConfig, rgb_of
from pose_ros.people import FrameResult, Person

UNTRACKED = 65535
MAX_TRACK_VALUE = 65534
MIN_CONF = 0.3
EFFECTS = ('none', 'blur', 'replace')


@dataclass
class Crop:
    """A person probability map (float32 0..1) of image region ``box`` (x0, y0, x1, y1)."""

    box: Tuple[int, int, int, int]
    probability: np.ndarray


def _skeleton_mask(person: Person, region: Tuple[int, int, int, int]) -> Optional[np.ndarray]:
    """Return the person's visible bones and joints drawn in image region (x0, y0, x1, y1)."""
    kp = person.body
    visible = kp.visible(MIN_CONF)
    if not visible.any():
        return None
    x0, y0, x1, y1 = region
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)      # the region only: no full-image copy
    box = np.asarray(person.bbox, np.float64)
    size = float(np.hypot(box[2] - box[0], box[3] - box[1])) if np.isfinite(box).all() else 0.0
    thickness = max(2, int(round(0.02 * size)))
    # Only visible points are drawn; the others (NaN) must not reach the integer cast.
    limit = 4 * max(mask.shape)
    pts = np.round(np.clip(np.nan_to_num(kp.xy) - (x0, y0), -limit, limit)).astype(np.int64)
    for a, b in kp.schema.edge_indices:
        if visible[a] and visible[b]:
            cv2.line(mask, tuple(map(int, pts[a])), tuple(map(int, pts[b])), 255, thickness)
    for i in np.flatnonzero(visible):
        cv2.circle(mask, tuple(map(int, pts[i])), thickness, 255, -1)
    return mask


def _diagonal(person: Person, box: Tuple[int, int, int, int]) -> float:
    """Return the person's box diagonal (pixels; the crop's when the box is unknown)."""
    x0, y0, x1, y1 = np.asarray(person.bbox, np.float64)
    if not np.isfinite([x0, y0, x1, y1]).all():
        x0, y0, x1, y1 = box
    return max(1.0, float(np.hypot(x1 - x0, y1 - y0)))


def label_people(crops: Sequence[Crop], owners: Sequence[int], people: Sequence[Person],
                 shape: Tuple[int, int], threshold: float) -> np.ndarray:
    """
    Return (H, W) uint16 labels: 0 background, ``i + 1`` the person ``people[i]``.

    :param crops: probability maps of image regions (their size may differ from the region's:
        they are resized to it).
    :param owners: per crop, the index in ``people`` of the person it was made for.
    :param shape: (height, width) of the image.
    """
    h, w = shape
    labels = np.zeros((h, w), np.uint16)
    best = np.full((h, w), np.inf, np.float32)
    for crop, owner in zip(crops, owners):
        x0, y0, x1, y1 = crop.box
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if x1 <= x0 or y1 <= y0:
            continue
        skeleton = _skeleton_mask(people[owner], (x0, y0, x1, y1))
        if skeleton is None:
            continue
        prob = cv2.resize(crop.probability, (crop.box[2] - crop.box[0],
                                             crop.box[3] - crop.box[1]),
                          interpolation=cv2.INTER_LINEAR)
        prob = prob[y0 - crop.box[1]:y1 - crop.box[1], x0 - crop.box[0]:x1 - crop.box[0]]
        distance = cv2.distanceTransform(255 - skeleton, cv2.DIST_L2, 3)
        distance /= _diagonal(people[owner], crop.box)
        distance[prob < threshold] = np.inf
        window = best[y0:y1, x0:x1]
        nearer = distance < window
        window[nearer] = distance[nearer]
        labels[y0:y1, x0:x1][nearer] = owner + 1
    return labels


def track_mask(labels: np.ndarray, people: Sequence[Person]) -> np.ndarray:
    """Return the published mono16 mask: 0 background, track id + 1, or 65535 untracked."""
    values = np.zeros(len(people) + 1, np.uint16)
    for i, person in enumerate(people):
        tid = int(person.track_id)
        values[i + 1] = UNTRACKED if tid < 0 else tid % MAX_TRACK_VALUE + 1
    return values[np.minimum(labels, len(people))]


def apply_effect(bgr: np.ndarray, labels: np.ndarray, effect: str,
                 color: Tuple[int, int, int], blur: float) -> np.ndarray:
    """
    Return a new image with the background (label 0) blurred or replaced.

    :param effect: 'blur' or 'replace' ('none' returns a copy).
    :param color: BGR of the replaced background.
    :param blur: Gaussian sigma of the blurred background, as a fraction of the image width.
    """
    if effect not in EFFECTS:
        raise ValueError(f'effect must be one of {list(EFFECTS)}, got {effect!r}')
    if effect == 'none':
        return bgr.copy()
    h, w = bgr.shape[:2]
    if effect == 'blur':
        background = cv2.GaussianBlur(bgr, (0, 0), max(1.0, blur * w))
    else:
        background = np.empty_like(bgr)
        background[:] = color
    # A feathered edge: the mask's own edge is a few pixels uncertain. OpenCV blends the two
    # images with per-pixel weights in one pass, without float copies of the frame.
    alpha = cv2.GaussianBlur((labels > 0).astype(np.float32), (0, 0), max(1.0, 0.003 * w))
    return cv2.blendLinear(bgr, background, alpha, 1.0 - alpha)


def background_bgr(config: BodyConfig) -> Tuple[int, int, int]:
    """Return ``segmentation.background_color`` (R,G,B, validated by the config) as BGR."""
    r, g, b = rgb_of(config.segmentation.background_color)
    return b, g, r


class SegmentationStage:
    """Runs the segmentation model on a frame's people and labels their pixels."""

    def __init__(self, config: BodyConfig) -> None:
        from pose_ros.backends.mediapipe_segmentation import PersonSegmenter
        self.config = config
        self.segmenter = PersonSegmenter(config.segmentation.model)

    @property
    def model(self) -> str:
        """Return what is loaded, for diagnostics."""
        return self.segmenter.model

    def update(self, config: BodyConfig) -> None:
        """Take the run-time settings (threshold, effect) of a new configuration."""
        self.config = config

    def process(self, bgr: np.ndarray, result: FrameResult) -> None:
        """Set ``result.person_labels`` for the people of ``result``; add the timing."""
        t0 = time.perf_counter()
        people = result.people
        owners = [i for i, p in enumerate(people) if p.body.visible(MIN_CONF).any()]
        crops = self.segmenter.infer(bgr, [people[i].bbox for i in owners]) if owners else []
        made = [(c, o) for c, o in zip(crops, owners) if c is not None]
        result.person_labels = label_people([c for c, _ in made], [o for _, o in made], people,
                                            bgr.shape[:2], self.config.segmentation.threshold)
        result.timings_ms['segmentation'] = (time.perf_counter() - t0) * 1e3

    def close(self) -> None:
        """Release the model."""
        self.segmenter.close()
