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
from pose_ros.schemas import COCO17, HAND21

if TYPE_CHECKING:  # pragma: no cover - for the annotation only
    from pose_ros.people import Keypoints

LIMBS = COCO17.keypoints[5:]     # shoulders to ankles: what every body layout here shares
# Keypoint names of each layout, in file order (the hand sets use MediaPipe's order and names).
LAYOUTS: Dict[str, Tuple[str, ...]] = {
    'coco17': COCO17.keypoints,
    'crowdpose14': LIMBS + ('head', 'neck'),
    'mpii16': ('right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee', 'left_ankle',
               'pelvis', 'thorax', 'upper_neck', 'head_top', 'right_wrist', 'right_elbow',
               'right_shoulder', 'left_shoulder', 'left_elbow', 'left_wrist'),
    'hand21': HAND21.keypoints,
    'mpi3dhp17': ('head_top', 'neck', 'right_shoulder', 'right_elbow', 'right_wrist',
                  'left_shoulder', 'left_elbow', 'left_wrist', 'right_hip', 'right_knee',
                  'right_ankle', 'left_hip', 'left_knee', 'left_ankle', 'root', 'spine',
                  'head'),
}


def to_layout(keypoints: 'Keypoints', layout: str) -> np.ndarray:
    """Return a skeleton's points in ``layout`` order as (K, 3) x, y, conf; NaN where unknown."""
    return to_layout_3d(keypoints, layout)[0]


def to_layout_3d(keypoints: 'Keypoints', layout: str) -> Tuple[np.ndarray, np.ndarray]:
    """Return (K, 3) x, y, conf and (K, 3) positions (metres) in ``layout`` order, NaN unknown."""
    size = len(LAYOUTS[layout])
    out, xyz = np.full((size, 3), np.nan), np.full((size, 3), np.nan)
    for i, name in enumerate(LAYOUTS[layout]):
        if keypoints.schema.has(name):
            j = keypoints.schema.index(name)
            out[i, :2], out[i, 2], xyz[i] = keypoints.xy[j], keypoints.conf[j], keypoints.xyz[j]
    return out, xyz


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
    xyz: Optional[np.ndarray] = None  # 3D sets: (K, 3) metres in the camera frame


@dataclass
class GtImage:
    path: Path
    image_id: int
    instances: List[GtInstance]
    head_size: Optional[List[float]] = None   # MPII: per instance, for PCKh
    intrinsics: Optional[Tuple[float, float, float, float]] = None   # 3D sets: fx, fy, cx, cy


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
    'mpi_inf_3dhp': ('mpi_inf_3dhp', 'test_3dhp_test.npz', 'body3d', 'mpi3dhp17'),
    'rhd': ('rhd', 'test_rhd.json', 'hand3d', 'hand21'),
}


def load_set(root: Path, name: str) -> GtSet:
    """Read development set ``name`` from ``root`` (the ``gt`` folder)."""
    folder, file, kind, layout = SETS[name]
    path = Path(root) / folder / file
    if name == 'mpi_inf_3dhp':
        return GtSet(name, kind, layout, _mpi_inf_3dhp(path.parent))
    data = json.loads(path.read_text())
    if name == 'rhd':
        return GtSet(name, kind, layout, _rhd(path.parent, data))
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


def _mpi_inf_3dhp(folder: Path) -> List[GtImage]:
    """MPI-INF-3DHP: 2D, 3D in the camera frame (metres) and each sequence's intrinsics."""
    import pickle
    images = []
    for split in ('test', 'train'):
        data = np.load(folder / f'test_3dhp_{split}.npz')
        with open(folder / f'cameras_{split}.pkl', 'rb') as f:
            cameras = pickle.load(f)    # noqa: S301 - the development set's own file
        for name, part, s in zip(data['imgname'], data['part'], data['S']):
            key = name.split('_0')[0] if split == 'test' else '_'.join(name.split('_')[:3])
            cam = cameras[key]
            fx, fy = np.ravel(cam['f'])
            cx, cy = np.ravel(cam['c'])
            kp = np.asarray(part, np.float64)
            x0, y0 = kp[:, :2].min(0)
            x1, y1 = kp[:, :2].max(0)
            images.append(GtImage(folder / str(name), len(images), [GtInstance(
                kp, np.array([x0, y0, x1 - x0, y1 - y0]), xyz=np.asarray(s)[:, :3])],
                intrinsics=(float(fx), float(fy), float(cx), float(cy))))
    return images


def _rhd(folder: Path, data: dict) -> List[GtImage]:
    """RHD: one rendered hand per image, 2D and 3D (millimetres in the file, metres here)."""
    cams = {im['id']: im for im in data['images']}
    images = []
    for a in data['annotations']:
        im = cams[int(a['image_id'])]
        p = im['cam_param']
        images.append(GtImage(folder / im['file_name'], int(a['image_id']), [GtInstance(
            np.asarray(a['keypoints'], np.float64).reshape(-1, 3),
            np.asarray(a['bbox'], np.float64), a, side=a.get('hand_type', 'unknown'),
            xyz=np.asarray(a['joint_cam'], np.float64) / 1000.0)],
            intrinsics=(*map(float, p['focal']), *map(float, p['princpt']))))
    return images
