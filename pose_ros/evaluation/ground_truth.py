# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Annotated images: the development sets of ``shared/data/gt`` read into one shape.

Each set is a list of :class:`GtImage`; its people or hands carry keypoints in the set's own
layout (:data:`LAYOUTS`), ``v = 0`` meaning not annotated, as in the COCO files. What the
project's skeletons map to in each layout is :data:`FROM_COCO17` (the limbs every layout
shares; COCO has no head top, neck, thorax or pelvis).
"""

from dataclasses import dataclass, field
import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple, TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - for the annotation only
    from pose_ros.people import Keypoints

LIMBS = ('left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist',
         'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle',
         'right_ankle')
# Keypoint names of each layout, in file order.
LAYOUTS: Dict[str, Tuple[str, ...]] = {
    'coco17': ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear') + LIMBS,
    'crowdpose14': LIMBS + ('head', 'neck'),
    'mpii16': ('right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee', 'left_ankle',
               'pelvis', 'thorax', 'upper_neck', 'head_top', 'right_wrist', 'right_elbow',
               'right_shoulder', 'left_shoulder', 'left_elbow', 'left_wrist'),
    'hand21': tuple(f'{f}{i}' for f in ('thumb', 'index', 'middle', 'ring', 'pinky')
                    for i in range(1, 5)),
}
LAYOUTS['hand21'] = ('wrist',) + LAYOUTS['hand21']


def to_layout(keypoints: 'Keypoints', layout: str) -> np.ndarray:
    """Return a skeleton's points in ``layout`` order as (K, 3) x, y, conf; NaN where unknown."""
    out = np.full((len(LAYOUTS[layout]), 3), np.nan)
    if layout == 'hand21':             # same order as the hand21 schema, other names
        if keypoints.schema.name != 'hand21':
            raise ValueError(f'a {keypoints.schema.name} skeleton has no hand21 layout')
        out[:, :2], out[:, 2] = keypoints.xy, keypoints.conf
        return out
    for i, name in enumerate(LAYOUTS[layout]):
        if keypoints.schema.has(name):
            j = keypoints.schema.index(name)
            out[i, :2], out[i, 2] = keypoints.xy[j], keypoints.conf[j]
    return out


def mapping(source: str, target: str) -> List[Tuple[int, int]]:
    """Return (index in ``source``, index in ``target``) for the names both layouts share."""
    src, dst = LAYOUTS[source], LAYOUTS[target]
    return [(src.index(n), dst.index(n)) for n in dst if n in src]


@dataclass
class GtInstance:
    """One annotated person or hand."""

    keypoints: np.ndarray            # (K, 3): x, y, v (v = 0: not annotated)
    bbox: np.ndarray                 # (4,) x, y, w, h (COCO order)
    annotation: dict = field(default_factory=dict)   # the raw COCO annotation, if any
    side: str = 'unknown'            # hands: 'left' | 'right' when annotated


@dataclass
class GtImage:
    path: Path
    image_id: int
    instances: List[GtInstance]
    head_size: Optional[List[float]] = None   # MPII: per instance, for PCKh


@dataclass
class GtSet:
    """One development set: its images, layout and (COCO sets) the ground-truth JSON."""

    name: str
    kind: str                        # 'body' or 'hand'
    layout: str
    images: List[GtImage]
    coco: Optional[dict] = None      # for pycocotools (body sets in COCO format)


# name -> (folder, annotation file, kind, layout, reader)
SETS = {
    'coco': ('coco', 'test_coco.json', 'body', 'coco17'),
    'crowdpose': ('crowdpose', 'test_crowdpose.json', 'body', 'crowdpose14'),
    'mpii': ('mpii', 'test_mpii.json', 'body', 'mpii16'),
    'onehand10k': ('onehand10k', 'test_onehand10k.json', 'hand', 'hand21'),
    'freihand': ('freihand', 'test_freihand.json', 'hand', 'hand21'),
    'coco_wholebody_hands': ('coco', 'test_coco_wholebody.json', 'hand', 'hand21'),
}


def load_set(root: Path, name: str) -> GtSet:
    """Read development set ``name`` from ``root`` (the ``gt`` folder)."""
    folder, file, kind, layout = SETS[name]
    path = Path(root) / folder / file
    data = json.loads(path.read_text())
    if name == 'mpii':
        return GtSet(name, kind, layout, _mpii(path.parent, data))
    if name == 'coco_wholebody_hands':
        return GtSet(name, kind, layout, _wholebody_hands(path.parent, data))
    by_image: Dict[int, GtImage] = {}
    for image in data['images']:
        by_image[image['id']] = GtImage(path.parent / image['file_name'], image['id'], [])
    for a in data['annotations']:
        kp = np.asarray(a['keypoints'], np.float64).reshape(-1, 3)
        by_image[a['image_id']].instances.append(
            GtInstance(kp, np.asarray(a['bbox'], np.float64), a))
    return GtSet(name, kind, layout, list(by_image.values()),
                 coco=data if kind == 'body' else None)


def _mpii(folder: Path, data: list) -> List[GtImage]:
    """MPII: one person per entry; PCKh's head size is the head-top to upper-neck segment."""
    images: Dict[str, GtImage] = {}
    for i, entry in enumerate(data):
        joints = np.asarray(entry['joints'], np.float64)
        vis = np.asarray(entry['joints_vis'], np.float64)[:, None]
        kp = np.hstack([joints, vis])
        top, neck = LAYOUTS['mpii16'].index('head_top'), LAYOUTS['mpii16'].index('upper_neck')
        seen = kp[vis[:, 0] > 0]
        x0, y0 = seen[:, :2].min(0)
        x1, y1 = seen[:, :2].max(0)
        image = images.setdefault(entry['image'], GtImage(folder / entry['image'], i, [], []))
        image.instances.append(GtInstance(kp, np.array([x0, y0, x1 - x0, y1 - y0])))
        image.head_size.append(float(np.linalg.norm(joints[top] - joints[neck])))
    return list(images.values())


def _wholebody_hands(folder: Path, data: dict) -> List[GtImage]:
    """COCO-WholeBody: the valid hands of each person, with their side."""
    images = {im['id']: GtImage(folder / im['file_name'], im['id'], []) for im in data['images']}
    for a in data['annotations']:
        for side in ('left', 'right'):
            if a.get(f'{side}hand_valid'):
                kp = np.asarray(a[f'{side}hand_kpts'], np.float64).reshape(-1, 3)
                kp[:, 2] = (kp[:, 2] > 0).astype(np.float64)
                images[a['image_id']].instances.append(GtInstance(
                    kp, np.asarray(a[f'{side}hand_box'], np.float64), a, side=side))
    return [im for im in images.values() if im.instances]
