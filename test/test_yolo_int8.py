# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The INT8 body model: which nodes stay in float, that it is made and verified, and that it runs.

The model is an ordinary ONNX file for the yolo_onnx backend (``onnx.weights``); making it
needs onnx and ml_dtypes (training requirements), running it only onnxruntime. Its accuracy
against ground truth is in EVALUATION.md (``evaluate``), its speed in BENCHMARKS.md.
"""

import json
import subprocess

from blocked_imports import blocked_python
from conftest import body_config, needs
from media_helpers import photo
import numpy as np
from pose_ros.backends import BackendError, create_backend, resolve_model_path
from pose_ros.backends import yolo_int8
from pose_ros.media import MediaMissing
from pose_ros.pipeline import build_pipeline, Frame
import pytest

FP32 = 'yolo11n-pose.onnx'
INT8 = 'yolo11n-pose-int8.onnx'


def model(name: str):
    try:
        return resolve_model_path(name)
    except BackendError as e:
        made_by = ('scripts/export_onnx.py' if name == FP32
                   else 'quantize_model (scripts/bootstrap.sh, full set-up)')
        pytest.skip(f'{name} was not made ({made_by} makes it): {e}')


def frames():
    from pose_ros.tools.quantize_model import media_frames
    try:
        return media_frames()
    except MediaMissing as e:
        pytest.skip(str(e))


def untracked(path):
    return create_backend(body_config({'backend': 'yolo_onnx', 'onnx.weights': str(path),
                                       'yolo.tracker': 'none'}))


@needs('onnx')
def test_float_nodes_are_the_decoding_predictions_first_layer_and_attention():
    import onnx
    graph = onnx.load(str(model(FP32)))
    kept = set(yolo_int8.float_node_names(graph))
    by_name = {n.name: n for n in graph.graph.node}
    convs = {n for n, node in by_name.items() if node.op_type == 'Conv'}
    float_convs = sorted(kept & convs)
    # 3 scales x (box distribution, person logit, keypoints) = 9 prediction convolutions,
    # the DFL's expectation and the first layer; every other convolution is quantized.
    assert len(float_convs) == 11, float_convs
    assert {'/model.0/conv/Conv', '/model.23/dfl/conv/Conv'} <= set(float_convs)
    assert sum('/model.23/cv' in n for n in float_convs) == 9
    assert len(convs - kept) > 80
    assert {n for n in by_name if '/dfl/' in n and by_name[n].op_type == 'Softmax'} <= kept
    attention = {n for n in by_name if '/attn/' in n
                 and by_name[n].op_type in ('MatMul', 'Softmax')}
    assert len(attention) == 3 and attention <= kept
    # Nothing of the backbone's activations stays float.
    assert not any(by_name[n].op_type == 'Sigmoid' and '/model.5/' in n for n in kept)


def test_a_graph_without_a_detection_head_is_refused():
    class Graph:
        class graph:
            node = []
    with pytest.raises(BackendError, match='no DFL node'):
        yolo_int8.float_node_names(Graph)


def test_check_refuses_missed_people_and_moved_keypoints():
    good = yolo_int8.Agreement(10, 1, 0, 0, np.full(50, 1.0))
    assert yolo_int8.check(good) is None        # a missed borderline person is tolerated
    missed = yolo_int8.Agreement(10, 1, 1, 0, np.full(50, 1.0))
    assert 'misses 1 confident' in yolo_int8.check(missed)
    moved = yolo_int8.Agreement(10, 0, 0, 0, np.full(50, yolo_int8.MAX_MEDIAN_PX + 1))
    assert 'px' in yolo_int8.check(moved)
    assert 'found nobody' in yolo_int8.check(yolo_int8.Agreement(0, 0, 0, 0, np.zeros(0)))


@needs('onnx', 'ml_dtypes')
def test_quantize_model_makes_a_verified_int8_model_once(tmp_path, capsys):
    from pose_ros.tools.quantize_model import main
    frames()                                    # skip with the reason when footage is missing
    out = tmp_path / 'int8.onnx'
    assert main([str(model(FP32)), '--out', str(out)]) == 0
    said = capsys.readouterr().out
    assert 'made' in said and '0 with score >= 0.5' in said
    assert out.stat().st_size < model(FP32).stat().st_size / 2
    stamp = out.with_name(out.name + '.stamp.json').read_text()
    assert '"recipe"' in stamp
    assert main([str(model(FP32)), '--out', str(out)]) == 0    # up to date: nothing made
    assert capsys.readouterr().out == ''


def test_quantize_model_says_what_is_missing(tmp_path, capsys):
    from pose_ros.tools.quantize_model import main
    assert main([str(tmp_path / 'none.onnx')]) == 1
    assert 'export_onnx.py' in capsys.readouterr().err


@pytest.fixture(scope='module')
def pair():
    fp32, int8 = untracked(model(FP32)), untracked(model(INT8))
    yield fp32, int8
    fp32.close()
    int8.close()


def test_the_installed_int8_model_agrees_with_fp32_on_held_out_frames(pair):
    fp32, int8 = pair
    assert 'yolo11n-pose-int8.onnx' in int8.model
    agreement = yolo_int8.compare(fp32, int8, frames()[1])
    assert yolo_int8.check(agreement) is None, agreement.summary()
    assert agreement.people >= 15


def test_the_int8_model_is_a_backend_option_of_the_pipeline():
    image = photo('bus.jpg')
    people = {}
    for name in (FP32, INT8):
        pipeline = build_pipeline(body_config({'onnx.weights': str(model(name))}))
        try:
            result = pipeline.process(Frame(image, 0.0, 0.0))
        finally:
            pipeline.close()
        people[name] = sorted(p.bbox[0] for p in result.people)
    assert len(people[INT8]) == len(people[FP32]) >= 4
    assert np.allclose(people[INT8], people[FP32], atol=8.0)


def test_a_folder_of_images_is_split_into_calibration_and_verification(tmp_path):
    import cv2
    from pose_ros.tools.quantize_model import folder_frames
    for i in range(5):
        cv2.imwrite(str(tmp_path / f'{i}.png'), np.full((48, 64, 3), i * 40, np.uint8))
    (tmp_path / 'notes.txt').write_text('not an image')
    calibrate, verify = folder_frames(tmp_path)
    assert [int(f[0, 0, 0]) for f in calibrate] == [0, 80, 160]
    assert [int(f[0, 0, 0]) for f in verify] == [40, 120]
    (tmp_path / '0.png').unlink()
    (tmp_path / '1.png').unlink()
    with pytest.raises(ValueError, match='at least 4'):
        folder_frames(tmp_path)


RUN_INT8 = """
import json
import numpy as np
from pose_ros.config import BodyConfig, replace
from pose_ros.pipeline import build_pipeline, Frame
config = replace(BodyConfig(), {'onnx.weights': sys.argv[1], 'head.enabled': False})
pipeline = build_pipeline(config)
image = np.load(sys.argv[2])
people = pipeline.process(Frame(image, 0.0, 0.0)).people
pipeline.close()
print(json.dumps({'people': len(people), 'attempts': BLOCKED_ATTEMPTS,
                  'imported': sorted(m for m in BLOCKED if m in sys.modules)}))
"""


def test_running_the_int8_model_needs_only_onnxruntime(tmp_path):
    image = tmp_path / 'bus.npy'
    np.save(image, photo('bus.jpg'))
    run = subprocess.run(blocked_python(RUN_INT8) + [str(model(INT8)), str(image)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out['attempts'] == [] and out['imported'] == [], out
    assert out['people'] >= 4


def test_the_calibration_reader_gives_every_blob_and_can_start_again():
    blobs = [np.full((1, 3, 2, 2), v, np.float32) for v in (0.1, 0.2)]
    reader = yolo_int8._Frames('images', blobs)
    seen = [reader.get_next() for _ in range(3)]
    assert [float(f['images'][0, 0, 0, 0]) for f in seen[:2]] == [
        pytest.approx(0.1), pytest.approx(0.2)] and seen[2] is None
    reader.rewind()
    assert reader.get_next()['images'] is blobs[0]
