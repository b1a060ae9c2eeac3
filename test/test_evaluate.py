# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The ``evaluate`` tool: its metrics on known answers, and pipeline = raw model on real images.

Accuracy figures themselves live in EVALUATION.md; the tests check that the metrics compute
what they claim and that the pipeline reproduces the raw model on annotated real images (no
threshold tuned to an image).
"""

import os
from pathlib import Path

from conftest import needs
import numpy as np
from pose_ros.evaluation.ground_truth import (GtImage, GtInstance, GtSet, LAYOUTS, load_set,
                                              mapping, SETS, to_layout)
from pose_ros.evaluation.metrics import (COCO_SIGMAS, match_by_distance, oks_ap, pck,
                                         Prediction)
from pose_ros.people import Keypoints
from pose_ros.schemas import BLAZEPOSE33, COCO17
import pytest

ROOT = Path(__file__).resolve().parent.parent
GT = Path(os.environ.get('POSE_ROS_GT_DIR', ROOT.parent / 'shared' / 'data' / 'gt'))
need_gt = pytest.mark.skipif(not GT.is_dir(), reason=f'no ground-truth folder at {GT} '
                             '(set POSE_ROS_GT_DIR)')


def coco_dict(people):
    """Return a two-image COCO keypoints dict of (image_id, (17, 3) array) pairs."""
    annotations = []
    for i, (image_id, kp) in enumerate(people):
        x0, y0 = kp[:, :2].min(0)
        x1, y1 = kp[:, :2].max(0)
        annotations.append({'id': i + 1, 'image_id': image_id, 'category_id': 1,
                            'keypoints': kp.ravel().tolist(), 'num_keypoints': 17,
                            'bbox': [x0, y0, x1 - x0, y1 - y0],
                            'area': float((x1 - x0) * (y1 - y0)), 'iscrowd': 0})
    return {'images': [{'id': 1}, {'id': 2}], 'annotations': annotations,
            'categories': [{'id': 1, 'name': 'person'}]}


def person(rng, dx=0.0):
    kp = np.zeros((17, 3))
    kp[:, 0] = rng.uniform(100, 300, 17) + dx
    kp[:, 1] = rng.uniform(50, 450, 17)
    kp[:, 2] = 2
    return kp


@needs('pycocotools')
def test_oks_ap_is_one_for_the_truth_and_falls_with_error():
    rng = np.random.default_rng(0)
    truth = [(1, person(rng)), (2, person(rng)), (2, person(rng, dx=300))]
    gt = coco_dict(truth)
    exact = [Prediction(i, np.c_[kp[:, :2], np.ones(17)], 0.9) for i, kp in truth]
    assert oks_ap(gt, exact, COCO_SIGMAS)['AP'] == pytest.approx(1.0)
    shifted = [Prediction(i, np.c_[kp[:, :2] + 8.0, np.ones(17)], 0.9) for i, kp in truth]
    assert oks_ap(gt, shifted, COCO_SIGMAS)['AP'] < 0.9
    missing_one = exact[:2]
    assert oks_ap(gt, missing_one, COCO_SIGMAS)['AR'] == pytest.approx(2 / 3, abs=0.01)
    assert oks_ap(gt, [], COCO_SIGMAS)['AP'] == 0.0


def test_pck_counts_annotated_points_and_missed_people():
    gt = np.array([[0, 0, 1], [10, 0, 1], [0, 10, 0]], float)
    near = np.array([[1, 0, 1], [13, 0, 1], [np.nan, np.nan, 0]], float)
    assert pck([gt], [near], [10.0], 0.2) == 0.5          # 1 of 2 annotated
    assert pck([gt, gt], [near, None], [10.0, 10.0], 0.2) == 0.25
    far = near + [100, 0, 0]
    assert match_by_distance([gt], [far, near], [10.0], 0.5) == [1]
    assert match_by_distance([gt], [far], [10.0], 0.5) == [None]


def test_layouts_map_by_joint_name():
    assert len(mapping('coco17', 'crowdpose14')) == 12
    assert len(mapping('coco17', 'mpii16')) == 12
    kp = Keypoints.from_arrays(COCO17, np.arange(34, dtype=np.float32).reshape(17, 2),
                               np.ones(17, np.float32))
    mpii = to_layout(kp, 'mpii16')
    wrist = LAYOUTS['mpii16'].index('left_wrist')
    assert mpii[wrist, :2].tolist() == kp.point('left_wrist')[:2].tolist()
    assert np.isnan(mpii[LAYOUTS['mpii16'].index('head_top')]).all()
    blaze = Keypoints.empty(BLAZEPOSE33)
    assert to_layout(blaze, 'coco17').shape == (17, 3)


@need_gt
@pytest.mark.parametrize('name', list(SETS))
def test_every_development_set_loads(name):
    gt = load_set(GT, name)
    assert gt.images and all(im.path.is_file() for im in gt.images)
    k = len(LAYOUTS[gt.layout])
    assert all(inst.keypoints.shape == (k, 3) for im in gt.images for inst in im.instances)


@need_gt
@pytest.mark.parametrize('backend, sets', [
    # The raw side of yolo_onnx is ultralytics' predict on the .onnx; COCO AP is pycocotools'.
    pytest.param('yolo_onnx', ['coco', 'mpii'], marks=needs('ultralytics', 'pycocotools')),
    ('mediapipe', ['mpii'])])
def test_the_pipeline_reproduces_the_raw_model(backend, sets):
    """The node's pipeline adds nothing to the model's keypoints on single images."""
    from pose_ros.config import BodyConfig, replace
    from pose_ros.tools.evaluate import evaluate_set, markdown
    config = replace(BodyConfig(), {'backend': backend})
    results = [evaluate_set(load_set(GT, name), config) for name in sets]
    for r in results:
        assert r.raw == r.pipeline, markdown([r])
        assert r.max_difference_px <= 0.01, markdown([r])
        assert r.raw.get('people found', 0) > 0, markdown([r])
    assert '| coco | 4 | 14 | AP |' in markdown(results) or backend != 'yolo_onnx'


def test_a_hand_set_is_scored_with_hands_on(monkeypatch):
    """evaluate_set turns the hand stage on for hand sets (the shipped config has it off)."""
    import pose_ros.tools.evaluate as evaluate
    seen = {}

    class Path_:
        name = 'p'

        def __init__(self, config, *rest):
            seen.setdefault('hands', []).append(config.hands.enabled)

        def run(self, bgr, layout):
            return evaluate.Output()

        def close(self):
            pass
    monkeypatch.setattr(evaluate, 'PipelinePath', Path_)
    monkeypatch.setattr(evaluate, 'raw_path', lambda config, hands: Path_(config))
    image = GtImage(ROOT / 'resource' / 'missing.jpg', 1, [GtInstance(np.zeros((21, 3)),
                                                                      np.ones(4))])
    with pytest.raises(FileNotFoundError):
        evaluate.evaluate_set(GtSet('h', 'hand', 'hand21', [image]), evaluate.BodyConfig())
    assert seen['hands'] == [True, True]


@need_gt
def test_camera_frame_3d_without_depth_is_scored_against_the_truth():
    """MPI-INF-3DHP: BlazePose placed in the camera frame from CameraInfo alone."""
    from pose_ros.config import BodyConfig, replace
    from pose_ros.tools.evaluate import evaluate_set, markdown
    result = evaluate_set(load_set(GT, 'mpi_inf_3dhp'),
                          replace(BodyConfig(), {'backend': 'mediapipe'}))
    m = result.pipeline
    assert m['placed in camera frame'] > 0, markdown([result])
    # A sanity bound (a sign or unit error gives 100 % and more), not an accuracy target:
    # the figures themselves are in EVALUATION.md.
    assert m['root error / distance (median)'] < 0.5, markdown([result])
    assert result.raw == {}


# --- faces ----------------------------------------------------------------------------------

def test_face_nme_is_zero_for_the_truth_and_scales_with_the_error():
    from pose_ros.evaluation.faces import score_faces
    rng = np.random.default_rng(2)
    truth = np.column_stack([rng.uniform(100, 300, (68, 2)), np.full(68, 2.0)])
    truth[36, :2], truth[45, :2] = (150.0, 200.0), (250.0, 200.0)       # 100 px apart
    exact = score_faces('face68', [[truth]], [[truth.copy()]])
    assert exact == {'faces found': 1.0, 'NME (inter-ocular)': 0.0, 'NME without the jaw': 0.0}
    moved = truth.copy()
    moved[:, 0] += 5.0                                                   # 5 px = 0.05 iod
    jaw = truth.copy()
    jaw[:17, 1] += 20.0
    score = score_faces('face68', [[truth], [truth]], [[moved], [jaw]])
    assert score['NME (inter-ocular)'] == pytest.approx((0.05 + 0.2 * 17 / 68) / 2)
    assert score['NME without the jaw'] == pytest.approx(0.025)
    unannotated = truth.copy()
    unannotated[:34, 2] = 0                                 # only half the points annotated
    far = truth.copy()
    far[:, :2] += 200.0                                     # another face: no match
    score = score_faces('face68', [[unannotated, truth]], [[moved, far]])
    assert score['faces found'] == 0.5 and score['NME (inter-ocular)'] == pytest.approx(0.05)


@need_gt
@pytest.mark.parametrize('name', ['300w', 'cofw', 'coco_wholebody_faces'])
def test_every_face_set_loads_in_its_layout(name):
    from pose_ros.evaluation.faces import FROM_MESH, inter_ocular, load_faces
    layout, images = load_faces(GT, name)
    assert images and all(im.path.is_file() for im in images)
    for face in (f for im in images for f in im.faces):
        assert face.keypoints.shape == (len(FROM_MESH[layout]), 3)
        assert inter_ocular(face.keypoints, layout) > 5.0
        assert face.box[2] > 0 and face.box[3] > 0


@need_gt
def test_face_landmarks_of_the_pipeline_on_the_annotated_faces():
    """The published face mesh lands on the 300-W and COFW faces (EVALUATION.md has the NME)."""
    from pose_ros.config import BodyConfig
    from pose_ros.evaluation.faces import evaluate_faces
    from pose_ros.tools.evaluate import main, PipelinePath
    table = evaluate_faces(GT, ['300w', 'cofw'], PipelinePath(BodyConfig()))
    rows = {tuple(c.strip() for c in line.split('|')[1:5:3]): line.split('|')
            for line in table.splitlines()[2:]}
    for name in ('300w', 'cofw'):
        found = rows[(name, 'faces found')]
        assert float(found[6]) == 1.0 and float(found[8]) == 1.0
        raw, pipeline = (float(v) for v in rows[(name, 'NME (inter-ocular)')][6:9:2])
        assert raw < 0.1 and pipeline < 0.1       # a face is about 2.5 inter-ocular tall
    assert main(['--faces', 'cofw', '--gt', str(GT), '--param', 'head.enabled=false']) == 2
