# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Accuracy metrics against ground truth: COCO OKS AP (pycocotools), PCK / PCKh, hand matching.

COCOeval is pycocotools' own (imported here, on demand); nothing of it is re-implemented.
"""

import contextlib
import copy
from dataclasses import dataclass
import io
from typing import Dict, List, Optional, Sequence

import numpy as np

# COCO's per-keypoint OKS sigmas (pycocotools' defaults) and CrowdPose's (its own COCOeval
# fork: the 12 limb sigmas of COCO, then head 0.079 and neck 0.079).
COCO_SIGMAS = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07,
                        .87, .87, .89, .89]) / 10.0
CROWDPOSE_SIGMAS = np.array([.79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89,
                             .79, .79]) / 10.0


@dataclass
class Prediction:
    """One predicted person or hand, keypoints already in the ground truth's layout."""

    image_id: int
    keypoints: np.ndarray       # (K, 3): x, y, confidence; NaN x/y for unknown
    score: float


def oks_ap(gt_coco: dict, predictions: Sequence[Prediction],
           sigmas: np.ndarray) -> Dict[str, float]:
    """
    Return COCO keypoint AP, AP50, AP75 and AR of ``predictions`` on ``gt_coco`` (a COCO dict).

    Keypoints unknown to the prediction (NaN, or a layout joint the model lacks) are placed
    at the person's keypoint centroid with confidence 0: OKS scores them like any missed point.
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    if not predictions:
        return {'AP': 0.0, 'AP50': 0.0, 'AP75': 0.0, 'AR': 0.0}
    gt = COCO()
    gt.dataset = copy.deepcopy(gt_coco)
    for a in gt.dataset['annotations']:
        a.setdefault('area', float(a['bbox'][2] * a['bbox'][3]))
        a['iscrowd'] = int(a.get('iscrowd', 0))
        a['num_keypoints'] = int(a.get('num_keypoints', 0))
        a['image_id'], a['id'] = int(a['image_id']), int(a['id'])
    for im in gt.dataset['images']:
        im['id'] = int(im['id'])
    results = []
    for p in predictions:
        kp = np.array(p.keypoints, np.float64)
        known = np.isfinite(kp[:, :2]).all(1)
        centre = kp[known, :2].mean(0) if known.any() else np.zeros(2)
        kp[~known, :2] = centre
        kp[~known, 2] = 0.0
        results.append({'image_id': int(p.image_id), 'category_id': 1,
                        'keypoints': kp.ravel().tolist(), 'score': float(p.score)})
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes(results)
        ev = COCOeval(gt, dt, 'keypoints')
        ev.params.kpt_oks_sigmas = sigmas
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    s = ev.stats
    return {'AP': float(s[0]), 'AP50': float(s[1]), 'AP75': float(s[2]), 'AR': float(s[5])}


def match_by_distance(gt: Sequence[np.ndarray], pred: Sequence[np.ndarray],
                      scale: Sequence[float], limit: float) -> List[Optional[int]]:
    """
    Pair each ground-truth instance with at most one prediction, greedily by normalised error.

    :param gt: (K, 3) arrays, v = 0 not annotated; ``pred``: (K, 3) with NaN for unknown.
    :param scale: per ground-truth instance, the length errors are divided by.
    :param limit: pairs with a mean normalised error above this stay unmatched.
    :return: for each ground-truth instance, the index of its prediction or None.
    """
    costs = []
    for i, g in enumerate(gt):
        for j, p in enumerate(pred):
            err = normalised_errors(g, p, scale[i])
            seen = np.isfinite(err)
            if seen.any():
                costs.append((float(np.mean(err[seen])), i, j))
    pairs: List[Optional[int]] = [None] * len(gt)
    used = set()
    for cost, i, j in sorted(costs):
        if cost <= limit and pairs[i] is None and j not in used:
            pairs[i] = j
            used.add(j)
    return pairs


def normalised_errors(gt: np.ndarray, pred: np.ndarray, scale: float) -> np.ndarray:
    """Per annotated keypoint: distance / ``scale`` (inf where the prediction has none)."""
    annotated = gt[:, 2] > 0
    err = np.full(len(gt), np.nan)
    d = np.linalg.norm(pred[:, :2] - gt[:, :2], axis=1)
    err[annotated] = np.where(np.isfinite(d[annotated]), d[annotated] / scale, np.inf)
    return err


def pck(gt: Sequence[np.ndarray], pred: Sequence[Optional[np.ndarray]],
        scale: Sequence[float], threshold: float) -> float:
    """
    Fraction of annotated keypoints within ``threshold * scale`` of the truth.

    A ground-truth instance without a prediction (None) counts all its keypoints as missed.
    """
    hits = total = 0
    for g, p, s in zip(gt, pred, scale):
        annotated = int((g[:, 2] > 0).sum())
        total += annotated
        if p is not None:
            err = normalised_errors(g, p, s)
            hits += int(np.sum(err[np.isfinite(err)] <= threshold))
    return hits / total if total else float('nan')
