# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Face landmark accuracy: NME against the annotated faces, the pipeline next to the raw model.

Sets (``shared/data/gt``): 300-W (68 points), COFW (29 points, occluded faces) and the faces
of COCO-WholeBody (68 points, small faces in context). Each face mesh is read in the set's
layout through a fixed vertex per point (:data:`pose_ros.schemas.FACE68_FROM_MESH`,
:data:`COFW29_FROM_MESH`, the irises for COFW's pupils).

- **NME**: per face, the mean distance of its annotated points from the truth divided by the
  distance of the outer eye corners (inter-ocular normalisation; 300-W points 36 and 45,
  COFW 8 and 9), averaged over the faces found. 68-point sets also report it without the 17
  jaw points: the annotated jaw follows the face's silhouette, a fixed mesh vertex does not.
- **faces found**: annotated faces with a face matched to them (mean error under half the
  inter-ocular distance); NME counts only those.
- **raw model**: MediaPipe Face Mesh (``static_image_mode``, refine_landmarks, the
  short-range face detector) on a square crop twice the annotated face box, as its authors
  ship it; **pipeline**: the whole image through the pipeline as body_node builds it (body,
  then the face mesh on a crop around each body's head).
"""

from dataclasses import dataclass
import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from pose_ros.evaluation.metrics import match_by_distance, normalised_errors
from pose_ros.schemas import FACE68_FROM_MESH, FACE_LANDMARKS

# COFW's 29 points (Burgos-Artizzu et al. 2013), by where they lie on the development images:
# brows (outer ends 0/1, inner ends 2/3, upper middle 4/6, lower middle 5/7), eyes (outer
# corners 8/9, inner 10/11, upper lids 12/14, lower lids 13/15, pupils 16/17), nose (wings
# 18/19, tip 20, below 21), mouth (corners 22/23, upper lip top 24 and bottom 25, lower lip
# top 26 and bottom 27) and chin 28; even indices the person's right.
COFW29_FROM_MESH: Tuple[int, ...] = (
    70, 300, 107, 336, 105, 52, 334, 282,
    33, 263, 133, 362, 159, 145, 386, 374,
    FACE_LANDMARKS['right_iris_center'], FACE_LANDMARKS['left_iris_center'],
    98, 327, 1, 2,
    61, 291, 0, 13, 14, 17, 152)

FROM_MESH = {'face68': FACE68_FROM_MESH, 'cofw29': COFW29_FROM_MESH}
OUTER_EYE_CORNERS = {'face68': (36, 45), 'cofw29': (8, 9)}
JAW = tuple(range(17))                  # the 68-point layout's jaw line
# name -> (folder, annotation file, layout)
FACE_SETS = {
    '300w': ('300w', 'test_300w.json', 'face68'),
    'cofw': ('cofw', 'test_cofw.json', 'cofw29'),
    'coco_wholebody_faces': ('coco', 'test_coco_wholebody.json', 'face68'),
}
MATCH_LIMIT = 0.5
RAW_CROP_SCALE = 2.0


@dataclass
class AnnotatedFace:
    """One annotated face: (K, 3) x, y, v in its set's layout and its box (x, y, w, h)."""

    keypoints: np.ndarray
    box: np.ndarray


@dataclass
class FaceImage:
    path: Path
    faces: List[AnnotatedFace]


def load_faces(root: Path, name: str) -> Tuple[str, List[FaceImage]]:
    """Return the layout and the images of face set ``name`` under ``root`` (the gt folder)."""
    folder, file, layout = FACE_SETS[name]
    path = Path(root) / folder / file
    data = json.loads(path.read_text())
    images = {im['id']: FaceImage(path.parent / im['file_name'], []) for im in data['images']}
    for a in data['annotations']:
        if name == 'coco_wholebody_faces':
            if not a.get('face_valid'):
                continue
            kp, box = a['face_kpts'], a['face_box']
        else:
            kp, box = a['keypoints'], a['bbox']
        keypoints = np.asarray(kp, np.float64).reshape(-1, 3)
        if len(keypoints) != len(FROM_MESH[layout]):
            raise ValueError(f'{path}: a face of {len(keypoints)} points, expected '
                             f'{len(FROM_MESH[layout])}')
        images[a['image_id']].faces.append(AnnotatedFace(keypoints, np.asarray(box, np.float64)))
    return layout, [im for im in images.values() if im.faces]


def in_layout(mesh: np.ndarray, layout: str) -> np.ndarray:
    """Return (K, 3) x, y, 1 of a face mesh's points in ``layout`` (NaN where unknown)."""
    xy = np.asarray(mesh, np.float64)[list(FROM_MESH[layout]), :2]
    return np.column_stack([xy, np.where(np.isfinite(xy).all(axis=1), 1.0, np.nan)])


def inter_ocular(truth: np.ndarray, layout: str) -> float:
    """Return the distance (pixels) of the annotated outer eye corners."""
    a, b = OUTER_EYE_CORNERS[layout]
    return float(np.linalg.norm(truth[a, :2] - truth[b, :2]))


def score_faces(layout: str, truths: Sequence[np.ndarray],
                found: Sequence[Sequence[np.ndarray]]) -> Dict[str, float]:
    """
    Score the faces found per image against that image's annotated faces.

    :param truths: per image, the (F, K, 3) annotated faces (v = 0: not annotated).
    :param found: per image, the faces found, each (K, 3) in ``layout``.
    """
    nme, nme_no_jaw = [], []
    total = matched = 0
    for gt_faces, pred in zip(truths, found):
        scales = [inter_ocular(g, layout) for g in gt_faces]
        pairs = match_by_distance(list(gt_faces), list(pred), scales, MATCH_LIMIT)
        total += len(gt_faces)
        for g, s, j in zip(gt_faces, scales, pairs):
            if j is None:
                continue
            matched += 1
            err = normalised_errors(g, pred[j], s)
            nme.append(float(np.nanmean(err)))
            if layout == 'face68':
                nme_no_jaw.append(float(np.nanmean(err[len(JAW):])))
    out = {'faces found': matched / total if total else float('nan'),
           'NME (inter-ocular)': float(np.mean(nme)) if nme else float('nan')}
    if layout == 'face68':
        out['NME without the jaw'] = float(np.mean(nme_no_jaw)) if nme_no_jaw else float('nan')
    return out


class RawFaceMesh:
    """MediaPipe Face Mesh as shipped, on a square crop around each annotated face box."""

    name = 'raw MediaPipe Face Mesh on the face box x2'

    def __init__(self) -> None:
        from pose_ros.backends.mediapipe_face import FaceEstimator
        self.estimator = FaceEstimator(max_faces=1, static_image_mode=True)

    def run(self, bgr: np.ndarray, boxes: Sequence[np.ndarray]) -> List[np.ndarray]:
        """Return the meshes found, one search per box, in image pixels."""
        from pose_ros.backends.mediapipe_graphs import padded_crop
        meshes = []
        for x, y, w, h in boxes:
            side = int(round(RAW_CROP_SCALE * max(w, h)))
            x0 = int(round(x + w / 2 - side / 2))
            y0 = int(round(y + h / 2 - side / 2))
            crop = np.ascontiguousarray(padded_crop(bgr, (x0, y0, x0 + side, y0 + side)))
            for mesh in self.estimator.infer(crop):
                mesh = mesh.copy()
                mesh[:, 0] += x0
                mesh[:, 1] += y0
                meshes.append(mesh)
        return meshes

    def close(self) -> None:
        self.estimator.close()


def evaluate_faces(gt_root: Path, names: Sequence[str], pipeline) -> str:
    """
    Score the raw face mesh and the pipeline on face sets ``names``; a Markdown table.

    :param pipeline: the pipeline as body_node builds it: ``people(bgr)`` gives the people of
        one independent image, ``name`` names it, ``close()`` ends it (closed here).
    """
    raw = RawFaceMesh()
    lines = ['| set | images | annotated faces | metric | raw model | value | pipeline | '
             'value |', '|---|---|---|---|---|---|---|---|']
    try:
        for name in names:
            layout, images = load_faces(gt_root, name)
            truths, raw_found, pipe_found = [], [], []
            for image in images:
                bgr = cv2.imread(str(image.path))
                if bgr is None:
                    raise FileNotFoundError(f'cannot read {image.path}')
                truths.append([f.keypoints for f in image.faces])
                raw_found.append([in_layout(m, layout)
                                  for m in raw.run(bgr, [f.box for f in image.faces])])
                pipe_found.append([_pipeline_face(p, layout)
                                   for p in pipeline.people(bgr) if p.face is not None])
            raw_score = score_faces(layout, truths, raw_found)
            pipe_score = score_faces(layout, truths, pipe_found)
            count = sum(len(t) for t in truths)
            for metric, value in pipe_score.items():
                lines.append(f'| {name} | {len(images)} | {count} | {metric} | {raw.name} | '
                             f'{_cell(raw_score[metric])} | {pipeline.name} | '
                             f'{_cell(value)} |')
    finally:
        raw.close()
        pipeline.close()
    return '\n'.join(lines)


def _pipeline_face(person, layout: str) -> np.ndarray:
    return in_layout(person.face.keypoints.xy, layout)     # face478: the whole mesh


def _cell(value: Optional[float]) -> str:
    return '-' if value is None or not np.isfinite(value) else f'{value:.3f}'
