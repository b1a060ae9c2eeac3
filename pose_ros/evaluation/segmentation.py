# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Person masks against the COCO person polygons: IoU per person and over all people.

- **pipeline**: body_node's person segmentation (the model on each person's box, pixels
  shared out by skeleton distance: :mod:`pose_ros.segmentation`); each annotated person is
  paired with the predicted mask it overlaps most (greedy by IoU, one to one) and scored by
  that IoU, 0 when no mask overlaps it; "people found": pairs with IoU over 0.5.
- **raw model**: MediaPipe Selfie Segmentation on the whole image, as its authors ship it. It
  makes one mask for everybody, so it is scored on the union of all people only.
- **union IoU**: all predicted person pixels against all annotated person pixels (crowd
  annotations included in neither count: there are none in the development set).
"""

from dataclasses import dataclass
import json
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

FOUND_IOU = 0.5


@dataclass
class AnnotatedImage:
    path: Path
    masks: List[np.ndarray]          # (H, W) bool per annotated person


def polygons_to_mask(polygons: Sequence[Sequence[float]], shape: Tuple[int, int]) -> np.ndarray:
    """Return the (H, W) bool mask of COCO polygons [x0, y0, x1, y1, ...]."""
    mask = np.zeros(shape, np.uint8)
    for poly in polygons:
        pts = np.asarray(poly, np.float64).reshape(-1, 2)
        if len(pts) >= 3:
            cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
    return mask.astype(bool)


def load_people(annotations: Path) -> List[AnnotatedImage]:
    """Return the images of a COCO keypoints file with a mask per polygon-annotated person."""
    data = json.loads(Path(annotations).read_text())
    images = {im['id']: (Path(annotations).parent / im['file_name'],
                         (im['height'], im['width'])) for im in data['images']}
    out: Dict[int, AnnotatedImage] = {}
    for a in data['annotations']:
        if a.get('iscrowd') or not isinstance(a.get('segmentation'), list):
            continue
        path, shape = images[a['image_id']]
        entry = out.setdefault(a['image_id'], AnnotatedImage(path, []))
        entry.masks.append(polygons_to_mask(a['segmentation'], shape))
    return list(out.values())


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Return the intersection over union of two bool masks (0 when both are empty)."""
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def pair_masks(truths: Sequence[np.ndarray], found: Sequence[np.ndarray]) -> List[float]:
    """Return, per annotated person, the IoU of the mask paired with it (greedy, one to one)."""
    candidates = sorted(((iou(t, f), i, j) for i, t in enumerate(truths)
                         for j, f in enumerate(found)), reverse=True)
    scores = [0.0] * len(truths)
    used_t, used_f = set(), set()
    for value, i, j in candidates:
        if value > 0 and i not in used_t and j not in used_f:
            scores[i] = value
            used_t.add(i)
            used_f.add(j)
    return scores


def person_masks(labels: np.ndarray, count: int) -> List[np.ndarray]:
    """Return the bool mask of each of ``count`` people in a label image (i + 1 = person i)."""
    return [labels == i + 1 for i in range(count)]


def evaluate_segmentation(annotations: Path, pipeline_config) -> str:
    """Score the pipeline's person masks and the raw model's on a COCO file; Markdown."""
    from pose_ros.backends.mediapipe_segmentation import PersonSegmenter
    from pose_ros.config import replace
    from pose_ros.pipeline import build_pipeline, Frame
    config = replace(pipeline_config, {'segmentation.enabled': True})
    pipeline = build_pipeline(config)
    try:
        raw = PersonSegmenter(config.segmentation.model)
    except BaseException:
        pipeline.close()
        raise
    rows, per_person, raw_union, pipe_union = [], [], [], []
    try:
        for image in load_people(annotations):
            bgr = cv2.imread(str(image.path))
            if bgr is None:
                raise FileNotFoundError(f'cannot read {image.path}')
            pipeline.reset()
            result = pipeline.process(Frame(bgr, stamp=1.0))
            found = person_masks(result.person_labels, len(result.people))
            scores = pair_masks(image.masks, found)
            per_person += scores
            truth = np.logical_or.reduce(image.masks)
            pipe_union.append(iou(truth, result.person_labels > 0))
            (prob,) = raw.infer(bgr)
            raw_mask = (np.zeros(truth.shape, bool) if prob is None
                        else prob.probability >= config.segmentation.threshold)
            raw_union.append(iou(truth, raw_mask))
            for k, (mask, score) in enumerate(zip(image.masks, scores)):
                rows.append(f'| {image.path.name} | {k} | {int(mask.sum())} | {score:.3f} |')
    finally:
        pipeline.close()
        raw.close()
    found_share = float(np.mean([s > FOUND_IOU for s in per_person]))
    lines = [
        '| metric | raw model | value | pipeline | value |', '|---|---|---|---|---|',
        f'| people found (IoU > {FOUND_IOU}) | raw Selfie Segmentation, whole image | - | '
        f'pipeline ({config.backend}), per person | {found_share:.3f} |',
        f'| mean IoU per annotated person ({len(per_person)}) | | - | | '
        f'{np.mean(per_person):.3f} |',
        f'| union IoU, mean over {len(pipe_union)} images | | {np.mean(raw_union):.3f} | | '
        f'{np.mean(pipe_union):.3f} |',
        '', 'Per annotated person (pipeline):', '',
        '| image | person | area (px) | IoU |', '|---|---|---|---|', *rows]
    return '\n'.join(lines)
