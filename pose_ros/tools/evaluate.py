# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
``evaluate``: accuracy of the pipeline against human annotations, next to the raw model.

Each image of each development set goes through two paths in one run: the **raw model**
called directly as its authors ship it (ultralytics ``YOLO.predict`` on the same weights file
for both YOLO backends; MediaPipe ``Pose`` / ``Hands`` with ``static_image_mode``) and the
**pipeline** exactly as body_node builds it (``build_pipeline`` from ``--params-file`` /
``--param``), reset before every image so that no track or filter carries over. Body sets are
scored with COCO OKS AP through pycocotools and with PCK / PCKh on the limb joints the
layouts share; hand sets with the detection rate and PCK@0.2 of the hand box; the 3D sets
(camera-frame truth and intrinsics) with the root error and MPJPE of the pipeline's
camera-frame 3D, given those intrinsics and no depth. ``--faces``: the face landmarks' NME
(:mod:`pose_ros.evaluation.faces`); ``--segmentation``: person mask IoU
(:mod:`pose_ros.evaluation.segmentation`).

    evaluate --gt ../shared/data/gt --params-file config/pose_ros.yaml --out table.md
"""

import argparse
from collections import Counter
from dataclasses import dataclass, field
import math
import os
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from pose_ros.backends import BackendError
from pose_ros.config import BodyConfig, ConfigError, replace
from pose_ros.config_args import add_config_arguments, config_from_arguments
from pose_ros.evaluation.faces import evaluate_faces, FACE_SETS
from pose_ros.evaluation.ground_truth import (GtImage, GtSet, LAYOUTS, load_set, SETS, to_layout,
                                              to_layout_3d)
from pose_ros.evaluation.metrics import (COCO_SIGMAS, CROWDPOSE_SIGMAS, match_by_distance,
                                         normalised_errors, oks_ap, pck, Prediction)
from pose_ros.hands import handedness_to_person_side
from pose_ros.native_log import NativeLogFilter
from pose_ros.people import CAMERA_FRAME_SOURCES
from pose_ros.schemas import BLAZEPOSE33, COCO17, HAND21

DEFAULT_GT = Path(os.environ.get('POSE_ROS_GT_DIR', '../shared/data/gt'))
BODY_SETS = ('coco', 'crowdpose', 'mpii')
HAND_SETS = ('onehand10k', 'freihand', 'coco_wholebody_hands')
SETS_3D = ('mpi_inf_3dhp', 'rhd')
MATCH_LIMIT = 0.5       # mean error / instance size above which a prediction is no match
# Layout joints scored per set: the limbs every layout shares (COCO has no head top or neck).
LIMB_ONLY = {'crowdpose14', 'mpii16'}


@dataclass
class Output:
    """What one path (raw model or pipeline) found in one image, in the set's layout."""

    bodies: List[Tuple[np.ndarray, float]] = field(default_factory=list)   # (K, 3), score
    hands: List[Tuple[np.ndarray, str]] = field(default_factory=list)      # (21, 3), side
    # Camera-frame 3D (metres) of each body and hand above, NaN where there is none.
    bodies_xyz: List[np.ndarray] = field(default_factory=list)
    hands_xyz: List[np.ndarray] = field(default_factory=list)


def _camera_xyz(keypoints, layout: str) -> np.ndarray:
    xyz = to_layout_3d(keypoints, layout)[1]
    if keypoints.position_source not in CAMERA_FRAME_SOURCES:
        xyz[:] = np.nan
    return xyz


HAND_SIGN_LABELS = Path('config/hand_sign_labels.yaml')     # in the package's share folder
# The hand model's error measured here (median keypoint error / 1.177: a Gaussian per
# coordinate with that median distance): OneHand10K 0.041, FreiHAND 0.140 palm sizes.
SYNTHETIC_HAND_NOISE = ((0.035, "MediaPipe Hands' on OneHand10K"),
                        (0.12, "MediaPipe Hands' on FreiHAND, hands holding things"))


# --- the two paths ----------------------------------------------------------------------------

class PipelinePath:
    """The pipeline as body_node builds it, one independent image at a time."""

    def __init__(self, config: BodyConfig) -> None:
        from pose_ros.pipeline import build_pipeline
        self.pipeline = build_pipeline(config)
        self.name = f'pipeline ({config.backend})'

    def people(self, bgr: np.ndarray, intrinsics=None) -> list:
        """Return the people of one independent image (the pipeline reset first)."""
        from pose_ros.geometry.camera import CameraIntrinsics
        from pose_ros.pipeline import Frame
        self.pipeline.reset()
        camera = None if intrinsics is None else CameraIntrinsics(
            *intrinsics, width=bgr.shape[1], height=bgr.shape[0])
        return self.pipeline.process(Frame(bgr, stamp=1.0, intrinsics=camera)).people

    def run(self, bgr: np.ndarray, layout: str, intrinsics=None) -> Output:
        out = Output()
        for person in self.people(bgr, intrinsics):
            if layout != 'hand21':
                out.bodies.append((to_layout(person.body, layout), float(person.score)))
                out.bodies_xyz.append(_camera_xyz(person.body, layout))
            for hand in person.hands:
                out.hands.append((to_layout(hand.keypoints, 'hand21'), hand.side))
                out.hands_xyz.append(_camera_xyz(hand.keypoints, 'hand21'))
        return out

    def close(self) -> None:
        self.pipeline.close()


class RawYoloPath:
    """
    ultralytics' own predict on the backend's weights file.

    The .onnx for yolo_onnx and for mediapipe's person detector (which runs it), the .pt for
    the yolo backend.
    """

    def __init__(self, config: BodyConfig) -> None:
        from pose_ros.backends.base import resolve_model_path
        from ultralytics import YOLO
        weights = config.yolo.weights if config.backend == 'yolo' else config.onnx.weights
        self.path = resolve_model_path(weights)
        self.model = YOLO(str(self.path), task='pose')
        self.config = config
        self.name = f'raw {self.path.name} (ultralytics predict)'

    def run(self, bgr: np.ndarray, layout: str, intrinsics=None) -> Output:
        from pose_ros.people import Keypoints
        y = self.config.yolo
        r = self.model.predict(bgr, imgsz=y.image_size, conf=y.confidence, device='cpu',
                               verbose=False)[0]
        out = Output()
        if r.keypoints is None or r.boxes is None:
            return out
        data = r.keypoints.data.cpu().numpy()
        for kp, score in zip(data, r.boxes.conf.cpu().numpy()):
            body = Keypoints.from_arrays(COCO17, kp[:, :2], kp[:, 2])
            out.bodies.append((to_layout(body, layout), float(score)))
        return out

    def close(self) -> None:
        pass


class RawMediaPipePath:
    """MediaPipe Pose and Hands on the whole image, single images (static_image_mode)."""

    def __init__(self, config: BodyConfig, hands: bool) -> None:
        import mediapipe as mp
        m = config.mediapipe
        self.pose = None if hands else mp.solutions.pose.Pose(
            static_image_mode=True, model_complexity=m.model_complexity,
            min_detection_confidence=m.min_detection_confidence)
        self.hands = mp.solutions.hands.Hands(
            static_image_mode=True, max_num_hands=4,
            model_complexity=config.hands.model_complexity,
            min_detection_confidence=config.hands.min_detection_confidence) if hands else None
        self.mirrored = config.image_mirrored
        self.name = ('raw MediaPipe Hands (whole image)' if hands
                     else f'raw MediaPipe Pose (complexity {m.model_complexity})')

    def run(self, bgr: np.ndarray, layout: str, intrinsics=None) -> Output:
        from pose_ros.people import Keypoints
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        h, w = rgb.shape[:2]
        out = Output()
        if self.pose is not None:
            found = self.pose.process(rgb).pose_landmarks
            if found is not None:
                lm = np.array([[p.x * w, p.y * h, p.visibility] for p in found.landmark])
                body = Keypoints.from_arrays(BLAZEPOSE33, lm[:, :2], lm[:, 2])
                out.bodies.append((to_layout(body, layout), float(lm[:, 2].mean())))
        if self.hands is not None:
            found = self.hands.process(rgb)
            for lms, handed in zip(found.multi_hand_landmarks or [],
                                   found.multi_handedness or []):
                lm = np.array([[p.x * w, p.y * h, 1.0] for p in lms.landmark])
                hand = Keypoints.from_arrays(HAND21, lm[:, :2], lm[:, 2])
                side = handedness_to_person_side(handed.classification[0].label,
                                                 self.mirrored)
                out.hands.append((to_layout(hand, 'hand21'), side))
        return out

    def close(self) -> None:
        for graph in (self.pose, self.hands):
            if graph is not None:
                graph.close()


def raw_path(config: BodyConfig, hands: bool):
    """
    Return the raw model that the pipeline's backend (or hand stage) wraps.

    BlazePose on YOLO crops is compared with the YOLO model that finds its people: the
    pipeline must find at least the people YOLO finds.
    """
    if hands or (config.backend == 'mediapipe'
                 and config.mediapipe.person_detector == 'none'):
        return RawMediaPipePath(config, hands)
    return RawYoloPath(config)


# --- scoring ----------------------------------------------------------------------------------

def _scored_gt(gt: GtSet) -> Tuple[Optional[dict], np.ndarray]:
    """Return the set's COCO dict, only limb joints annotated where COCO lacks some."""
    if gt.coco is None:
        return None, COCO_SIGMAS
    if gt.layout not in LIMB_ONLY:
        return gt.coco, COCO_SIGMAS
    names = LAYOUTS[gt.layout]
    keep = np.array([n in LAYOUTS['coco17'] for n in names])
    coco = dict(gt.coco)
    coco['annotations'] = []
    for a in gt.coco['annotations']:
        kp = np.asarray(a['keypoints'], np.float64).reshape(-1, 3)
        kp[~keep, 2] = 0
        coco['annotations'].append({**a, 'keypoints': kp.ravel().tolist(),
                                    'num_keypoints': int((kp[:, 2] > 0).sum())})
    return coco, CROWDPOSE_SIGMAS


def _size(instance, gt: GtSet, image: GtImage, index: int) -> float:
    if gt.layout == 'mpii16':
        return image.head_size[index]
    return float(max(instance.bbox[2], instance.bbox[3]))


def score_bodies(gt: GtSet, outputs: Dict[int, Output]) -> Dict[str, float]:
    """OKS AP (COCO-format sets) and PCK@0.2 of the box / PCKh@0.5 (MPII) on the limbs."""
    limbs = np.array([n in LAYOUTS['coco17'] for n in LAYOUTS[gt.layout]])
    metrics: Dict[str, float] = {}
    coco, sigmas = _scored_gt(gt)
    if coco is not None:
        preds = [Prediction(im.image_id, kp, s) for im in gt.images
                 for kp, s in outputs[im.image_id].bodies]
        metrics.update(oks_ap(coco, preds, sigmas))
    truths, found, sizes = [], [], []
    for im in gt.images:
        # People with no annotated limb joint (COCO lists some) are not scored.
        kept = [(i, inst) for i, inst in enumerate(im.instances)
                if (inst.keypoints[limbs, 2] > 0).any()]
        annotated = [inst.keypoints.copy() for _, inst in kept]
        for kp in annotated:
            kp[~limbs, 2] = 0
        scale = [_size(inst, gt, im, i) for i, inst in kept]
        bodies = [b for b, _ in outputs[im.image_id].bodies]
        pairs = match_by_distance(annotated, bodies, scale, MATCH_LIMIT)
        truths += annotated
        sizes += scale
        found += [None if j is None else bodies[j] for j in pairs]
    key, threshold = ('PCKh@0.5', 0.5) if gt.layout == 'mpii16' else ('PCK@0.2', 0.2)
    metrics[key] = pck(truths, found, sizes, threshold)
    metrics['people found'] = sum(f is not None for f in found) / max(len(found), 1)
    metrics.update(joint_errors(gt.layout, truths, found))
    return metrics


JOINT_GROUPS = ('shoulder', 'elbow', 'wrist', 'hip', 'knee', 'ankle')


def joint_errors(layout: str, truths: Sequence[np.ndarray],
                 found: Sequence[Optional[np.ndarray]]) -> Dict[str, float]:
    """
    Per-joint error of the found people in torso lengths (the gesture rules' unit).

    Torso length: ground-truth hip midpoint to shoulder midpoint; people without both hips
    and shoulders annotated are left out. Median per joint group, and the wrists' 90th
    percentile (the tail that moves a gesture).
    """
    names = LAYOUTS[layout]
    idx = {g: [names.index(f'{s}_{g}') for s in ('left', 'right')] for g in JOINT_GROUPS}
    errors: Dict[str, List[float]] = {g: [] for g in JOINT_GROUPS}
    for truth, pred in zip(truths, found):
        if pred is None or not (truth[idx['shoulder'] + idx['hip'], 2] > 0).all():
            continue
        torso = float(np.linalg.norm(truth[idx['shoulder'], :2].mean(0)
                                     - truth[idx['hip'], :2].mean(0)))
        for group, joints in idx.items():
            for j in joints:
                if truth[j, 2] > 0 and np.isfinite(pred[j, :2]).all():
                    errors[group].append(float(np.linalg.norm(pred[j, :2] - truth[j, :2]))
                                         / torso)
    out = {f'{g} error, torso lengths (median)': float(np.median(e)) if e else np.nan
           for g, e in errors.items()}
    out['wrist error, torso lengths (p90)'] = (float(np.percentile(errors['wrist'], 90))
                                               if errors['wrist'] else np.nan)
    return out


def score_hands(gt: GtSet, outputs: Dict[int, Output]) -> Dict[str, float]:
    """Score hands: found, PCK@0.2 of the hand box on the found ones, side where annotated."""
    truths, found, sizes, sides = [], [], [], []
    for im in gt.images:
        annotated = [inst.keypoints for inst in im.instances]
        scale = [float(max(inst.bbox[2], inst.bbox[3])) for inst in im.instances]
        hands = outputs[im.image_id].hands
        pairs = match_by_distance(annotated, [h for h, _ in hands], scale, MATCH_LIMIT)
        for inst, kp, s, j in zip(im.instances, annotated, scale, pairs):
            if j is not None:
                truths.append(kp)
                found.append(hands[j][0])
                sizes.append(s)
                if inst.side != 'unknown':
                    sides.append(hands[j][1] == inst.side)
    total = sum(len(im.instances) for im in gt.images)
    metrics = {'hands found': len(found) / total if total else float('nan'),
               'PCK@0.2 (found)': pck(truths, found, sizes, 0.2) if found else float('nan'),
               'error, palm sizes (median)': _palm_error(truths, found)}
    if sides:
        metrics['side right'] = float(np.mean(sides))
    return metrics


def _palm_error(truths: Sequence[np.ndarray], found: Sequence[np.ndarray]) -> float:
    """
    Median keypoint error of the found hands in palm sizes of the annotation.

    The unit of the hand signs' thresholds and of the synthetic hands' noise
    (:func:`pose_ros.classifier.hand_signs.palm_size`); NaN where no palm is annotated.
    """
    from pose_ros.classifier.hand_signs import palm_size
    errors = []
    for truth, hand in zip(truths, found):
        palm_points = truth[[HAND21.index(n) for n in (
            'wrist', 'middle_finger_mcp', 'index_finger_mcp', 'pinky_mcp')], 2]
        size = palm_size(truth[:, :2]) if (palm_points > 0).all() else float('nan')
        if math.isfinite(size):
            err = normalised_errors(truth, hand, size)
            errors.extend(err[np.isfinite(err)].tolist())
    return float(np.median(errors)) if errors else float('nan')


def score_3d(gt: GtSet, outputs: Dict[int, Output]) -> Dict[str, float]:
    """
    Camera-frame 3D against the truth: root (hip midpoint; hands: wrist) and MPJPE, metres.

    Predictions are matched to the truth in 2D first; MPJPE is over the joints both know, with
    no alignment (the position in the camera frame is what is measured).
    """
    hands = gt.kind == 'hand3d'
    names = LAYOUTS[gt.layout]
    roots = [names.index('wrist')] if hands else [names.index('left_hip'),
                                                  names.index('right_hip')]
    matched = placed = 0
    root_err, root_rel, mpjpe, sides = [], [], [], []
    for im in gt.images:
        out = outputs[im.image_id]
        found, xyzs = (out.hands, out.hands_xyz) if hands else (out.bodies, out.bodies_xyz)
        scale = [float(max(inst.bbox[2], inst.bbox[3])) for inst in im.instances]
        pairs = match_by_distance([inst.keypoints for inst in im.instances],
                                  [f[0] for f in found], scale, MATCH_LIMIT)
        for inst, j in zip(im.instances, pairs):
            if j is None:
                continue
            matched += 1
            if hands and inst.side != 'unknown':
                sides.append(found[j][1] == inst.side)
            pred = xyzs[j]
            if not np.isfinite(pred[roots]).all():
                continue
            placed += 1
            truth_root, pred_root = inst.xyz[roots].mean(0), pred[roots].mean(0)
            root_err.append(float(np.linalg.norm(pred_root - truth_root)))
            root_rel.append(root_err[-1] / float(np.linalg.norm(truth_root)))
            both = np.isfinite(pred).all(1) & np.isfinite(inst.xyz).all(1)
            mpjpe.append(float(np.linalg.norm(pred[both] - inst.xyz[both], axis=1).mean()))
    total = sum(len(im.instances) for im in gt.images)
    metrics = {'found': matched / total, 'placed in camera frame': placed / total,
               'root error (m, median)': float(np.median(root_err)) if root_err else np.nan,
               'root error / distance (median)': (float(np.median(root_rel)) if root_rel
                                                  else np.nan),
               'MPJPE camera frame (m, mean)': float(np.mean(mpjpe)) if mpjpe else np.nan}
    if sides:
        metrics['side right'] = float(np.mean(sides))
    return metrics


def max_difference(a: Dict[int, Output], b: Dict[int, Output]) -> float:
    """Largest keypoint difference (px) between two paths' bodies, paired in score order."""
    worst = 0.0
    for image_id in a:
        first = sorted(a[image_id].bodies, key=lambda o: -o[1])
        second = sorted(b[image_id].bodies, key=lambda o: -o[1])
        if len(first) != len(second):
            return float('inf')
        for (p, _), (q, _) in zip(first, second):
            both = np.isfinite(p[:, 0]) & np.isfinite(q[:, 0])
            if both.any():
                worst = max(worst, float(np.abs(p[both, :2] - q[both, :2]).max()))
    return worst


# --- running ----------------------------------------------------------------------------------

@dataclass
class SetResult:
    gt: GtSet
    raw_name: str
    pipeline_name: str
    raw: Dict[str, float]
    pipeline: Dict[str, float]
    max_difference_px: float


def evaluate_set(gt: GtSet, config: BodyConfig) -> SetResult:
    """Run both paths over one set and score them."""
    hands = gt.kind in ('hand', 'hand3d')
    if hands and not config.hands.enabled:
        config = replace(config, {'hands.enabled': True})
    three_d = gt.kind in ('body3d', 'hand3d')
    # The raw models give no camera-frame 3D: for the 3D sets only the pipeline is scored.
    paths = ([] if three_d else [raw_path(config, hands)]) + [PipelinePath(config)]
    outputs: List[Dict[int, Output]] = [{} for _ in paths]
    try:
        for image in gt.images:
            bgr = cv2.imread(str(image.path))
            if bgr is None:
                raise FileNotFoundError(f'cannot read {image.path}')
            for path, out in zip(paths, outputs):
                out[image.image_id] = path.run(bgr, gt.layout, image.intrinsics)
    finally:
        for path in paths:
            path.close()
    if three_d:
        return SetResult(gt, '(no camera-frame 3D)', paths[0].name, {},
                         score_3d(gt, outputs[0]), float('nan'))
    score = score_hands if hands else score_bodies
    # Parity only where both paths run the same model (not BlazePose on YOLO's boxes).
    same_model = not hands and not (config.backend == 'mediapipe'
                                    and config.mediapipe.person_detector == 'yolo')
    return SetResult(gt, paths[0].name, paths[1].name, score(gt, outputs[0]),
                     score(gt, outputs[1]), max_difference(outputs[0], outputs[1])
                     if same_model else float('nan'))


@dataclass
class HandSignResult:
    """What :func:`evaluate_hand_signs` found."""

    text: str                      # Markdown: per photo, confusion matrix, summary
    table: Dict[str, Counter]    # label -> Counter of what was found
    missing: List[str]             # photos of the labels file not on this machine


def evaluate_hand_signs(labels_file: Path, gt_root: Path, config: BodyConfig
                        ) -> HandSignResult:
    """Run the labelled photos through the pipeline: their hand signs, confusion, summary."""
    from pose_ros.evaluation import hand_sign_photos as hs
    photos, missing = hs.load_labels(labels_file, gt_root)
    config = replace(config, {'hands.enabled': True})
    path = PipelinePath(config)
    pairs, rows = [], []
    turns = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180,
             270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    try:
        for photo in photos:
            bgr = cv2.imread(str(photo.path))
            if bgr is None:
                raise FileNotFoundError(f'cannot read {photo.path}')
            found = []
            for angle in hs.ROTATIONS:
                image = bgr if angle == 0 else cv2.rotate(bgr, turns[angle])
                found.append(hs.predicted_sign(path.people(image)))
                pairs.append((photo.sign, found[-1]))
            rows.append(f'| {photo.key} | {photo.sign} | ' + ' | '.join(found) + ' |')
    finally:
        path.close()
    table = hs.confusion(pairs)
    text = ['Per photo (turned by ' + ', '.join(f'{a}' for a in hs.ROTATIONS) + ' degrees):',
            '', '| photo | label | ' + ' | '.join(f'{a} deg' for a in hs.ROTATIONS) + ' |',
            '|---|---|' + '---|' * len(hs.ROTATIONS), *rows, '', hs.markdown(table), '']
    text += _summary_rows(hs.summary(table))
    for noise, where in SYNTHETIC_HAND_NOISE:
        synthetic = hs.confusion(hs.synthetic_pairs(noise))
        text += ['', f'Synthetic hands, 400 random views per shape (any roll, thumbs within '
                 f'25 degrees of up/down, tilted up to 35 degrees, either side and face), '
                 f'detector error {noise} palm sizes per coordinate ({where}); `none`: a '
                 'relaxed hand and a claw:', '', hs.markdown(synthetic), '',
                 *_summary_rows(hs.summary(synthetic))]
    return HandSignResult('\n'.join(text), table, missing)


def _summary_rows(summary: Dict[str, float]) -> List[str]:
    rows = ['| measure | value |', '|---|---|']
    for name, value in summary.items():
        counted = name in ('hands making a sign', 'hands making none')
        rows.append(f'| {name} | {value:.0f} |' if counted else f'| {name} | {value:.3f} |')
    return rows


def markdown(results: Sequence[SetResult]) -> str:
    """One table: a row per set and metric, the raw model and the pipeline side by side."""
    lines = ['| set | images | annotated | metric | raw model | value | pipeline | value |',
             '|---|---|---|---|---|---|---|---|']
    for r in results:
        n = sum(len(im.instances) for im in r.gt.images)
        for metric in r.pipeline:
            raw = f'{r.raw[metric]:.3f}' if metric in r.raw else '-'
            lines.append(f'| {r.gt.name} | {len(r.gt.images)} | {n} | {metric} | {r.raw_name} | '
                         f'{raw} | {r.pipeline_name} | {r.pipeline[metric]:.3f} |')
        if np.isfinite(r.max_difference_px) or r.max_difference_px == float('inf'):
            lines.append(f'| {r.gt.name} | | | max keypoint difference, pipeline vs raw (px) '
                         f'| | | | {r.max_difference_px:.4f} |')
    return '\n'.join(lines)


def environment() -> str:
    """Machine and versions, for EVALUATION.md (the benchmark's description, plus pycocotools)."""
    from importlib.metadata import version
    from pose_ros.tools.benchmark.report import machine_description
    info = machine_description()
    info['packages'] += f', pycocotools {version("pycocotools")}'
    keys = ('CPU', 'memory', 'OS', 'Python', 'packages')
    return '; '.join(f'{key}: {info[key]}' for key in keys)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog='evaluate', description='Accuracy of the pose_ros pipeline against annotated '
        'images, next to the raw model (COCO OKS AP via pycocotools, PCK, PCKh, hands).')
    parser.add_argument('--gt', type=Path, default=DEFAULT_GT,
                        help='ground-truth folder (default: $POSE_ROS_GT_DIR or '
                        '../shared/data/gt)')
    parser.add_argument('--sets', nargs='+', choices=list(SETS), default=list(SETS))
    parser.add_argument('--out', type=Path, default=None, help='also write the table here')
    parser.add_argument('--hand-signs', type=Path, nargs='?', const=HAND_SIGN_LABELS,
                        default=None, metavar='LABELS',
                        help='instead: the hand signs of photos labelled by eye (default '
                        'labels: the installed config/hand_sign_labels.yaml), each turned '
                        'by 0/90/180/270 degrees, as a confusion matrix')
    parser.add_argument('--activity', type=int, nargs='?', const=10, default=None,
                        metavar='SEEDS',
                        help='instead: the activity analytics (falls, repetitions, steps) on '
                        'the synthetic scenarios, SEEDS seeds each (default 10): recall, false '
                        'alarms per hour, exact counts')
    parser.add_argument('--faces', nargs='*', default=None, metavar='SET',
                        choices=list(FACE_SETS),
                        help='instead: face landmark NME on face sets (default all: '
                        f'{", ".join(FACE_SETS)}), the pipeline next to the raw face mesh')
    parser.add_argument('--segmentation', action='store_true',
                        help='instead: person mask IoU against the COCO person polygons, the '
                        'pipeline (per person) next to the raw segmentation model (union)')
    add_config_arguments(parser)
    parser.add_argument('--native-logs', action='store_true',
                        help="show MediaPipe's and TFLite's own log lines")
    args = parser.parse_args(argv)
    if not args.native_logs:
        NativeLogFilter().start()
    if args.hand_signs is not None:
        return _main_hand_signs(args)
    if args.faces is not None:
        return _main_faces(args)
    if args.segmentation:
        return _main_segmentation(args)
    if args.activity is not None:
        from pose_ros.evaluation.activity_scenarios import activity_report
        return _report(activity_report(range(args.activity)), args.out)
    try:
        config = config_from_arguments(args)
        results = []
        for name in args.sets:
            if config.backend == 'mediapipe' and name in BODY_SETS and name != 'mpii':
                print(f'evaluate: {name}: mediapipe (one person per image) on a multi-person '
                      'set; scored as it is')
            results.append(evaluate_set(load_set(args.gt, name), config))
    except (BackendError, ConfigError, FileNotFoundError, ImportError) as e:
        print(f'evaluate: {e}')
        return 2
    return _report(markdown(results), args.out)


def _report(text: str, out: Optional[Path]) -> int:
    """Print the tables and the machine; also write the tables to ``out`` when given."""
    print(text)
    print(f'\n{environment()}')
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + '\n')
    return 0


def _main_faces(args: argparse.Namespace) -> int:
    def faces(config: BodyConfig) -> str:
        if not config.head.enabled:
            raise ConfigError('face landmarks need head.enabled')
        return evaluate_faces(args.gt, args.faces or list(FACE_SETS), PipelinePath(config))
    return _guarded(args, faces)


def _main_segmentation(args: argparse.Namespace) -> int:
    from pose_ros.evaluation.segmentation import evaluate_segmentation
    folder, file = SETS['coco'][:2]
    return _guarded(args, lambda config: evaluate_segmentation(args.gt / folder / file, config))


def _guarded(args: argparse.Namespace, tables: Callable[[BodyConfig], str]) -> int:
    """Report ``tables`` of the configuration of ``args``; 2 with one line on a known failure."""
    try:
        text = tables(config_from_arguments(args))
    except (BackendError, ConfigError, FileNotFoundError, ImportError) as e:
        print(f'evaluate: {e}')
        return 2
    return _report(text, args.out)


def _main_hand_signs(args: argparse.Namespace) -> int:
    def hand_signs(config: BodyConfig) -> str:
        labels = args.hand_signs if args.hand_signs != HAND_SIGN_LABELS else _installed_labels()
        result = evaluate_hand_signs(labels, args.gt, config)
        for key in result.missing:
            print(f'evaluate: {key} is not on this machine: left out')
        return result.text
    return _guarded(args, hand_signs)


def _installed_labels() -> Path:
    from pose_ros.tools.graph import share_file
    return Path(share_file(str(HAND_SIGN_LABELS)))


if __name__ == '__main__':
    raise SystemExit(main())
