# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""A trained classifier as .onnx: torch's answers from ONNX Runtime, bad files, no torch."""

import json
import subprocess

from blocked_imports import blocked_python
import needs_training  # noqa: F401, I100 - first: skips this module without torch
import numpy as np
import onnx
from onnx import helper, TensorProto
from pose_ros.classifier import features as F
from pose_ros.classifier import model as M
from pose_ros.classifier import synthetic as syn
from pose_ros.classifier.export import export_onnx, ExportError, MAX_DIFFERENCE
from pose_ros.classifier.onnx_model import METADATA_KEY, OnnxPoseClassifier
from pose_ros.classifier.predictor import load, ModelFileError
import pytest

N_TRAIN = 200     # per class


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """Return a model trained on stick figures, written as .pt and as .onnx (checked)."""
    kps, labels = syn.generate_set(syn.CLASSIC_LABELS, N_TRAIN, np.random.default_rng(0))
    x = F.normalise_many(kps)
    model, _ = M.train(x, labels, seed=0, progress=False)
    folder = tmp_path_factory.mktemp('model')
    pt = model.save(folder / 'poses.pt')
    difference = export_onnx(model, folder / 'poses.onnx', x)
    return model, pt, folder / 'poses.onnx', difference


@pytest.fixture(scope='module')
def skeletons():
    """Return held-out skeletons, some with joints missing (unknowns), some of other poses."""
    rng = np.random.default_rng(12345)
    kps, _ = syn.generate_set(syn.CLASSIC_LABELS, 150, rng, dropout=0.2)
    others, _ = syn.generate_set(syn.GESTURE_LABELS, 20, rng)
    return kps + others


def test_onnx_runtime_gives_torch_probabilities(files, skeletons):
    model, _, onnx_path, difference = files
    print(f'export check: largest difference {difference:.3g}')
    assert 0.0 <= difference <= MAX_DIFFERENCE
    exported = load(onnx_path)
    assert isinstance(exported, OnnxPoseClassifier)
    feats = np.stack([model.features(k) for k in skeletons])
    rng = np.random.default_rng(1)
    noise = model.mean + model.std * rng.standard_normal((500, F.FEATURE_DIM)) * 3.0
    for x in (feats, noise.astype(np.float32), feats[:1]):     # any batch size, one too
        ort, torch_p = exported.predict_proba(x), model.predict_proba(x)
        assert ort.shape == torch_p.shape == (len(x), len(model.labels))
        np.testing.assert_allclose(ort, torch_p, rtol=0.0, atol=MAX_DIFFERENCE)


def test_pt_and_onnx_give_the_same_labels(files, skeletons):
    _, pt, onnx_path, _ = files
    from_pt, from_onnx = load(pt), load(onnx_path)
    assert isinstance(from_pt, M.PoseClassifier)
    for field in ('labels', 'schema', 'spec', 'unknown_threshold', 'min_visible', 'metrics',
                  'created'):
        assert getattr(from_onnx, field) == getattr(from_pt, field), field
    np.testing.assert_array_equal(from_onnx.mean, from_pt.mean)
    np.testing.assert_array_equal(from_onnx.std, from_pt.std)
    assert from_onnx.name == 'poses.onnx' and from_pt.name == 'poses.pt'
    many_pt, many_onnx = from_pt.predict_many(skeletons), from_onnx.predict_many(skeletons)
    assert [lb for lb, _ in many_onnx] == [lb for lb, _ in many_pt]
    np.testing.assert_allclose([p for _, p in many_onnx], [p for _, p in many_pt],
                               rtol=0.0, atol=MAX_DIFFERENCE)
    assert {lb for lb, _ in many_pt} > {'unknown'}          # both kinds of answer are compared
    for k in skeletons[::25]:
        (a, pa), (b, pb) = from_onnx.predict(k), from_pt.predict(k)
        assert a == b and pa == pytest.approx(pb, abs=MAX_DIFFERENCE)


def _with_metadata(files, tmp_path, change=None, graph=None, name='changed.onnx'):
    """Write the exported model with its metadata changed (None: removed) or another graph."""
    proto = onnx.load(str(files[2]))
    meta = json.loads(next(p.value for p in proto.metadata_props if p.key == METADATA_KEY))
    if graph is not None:
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
    del proto.metadata_props[:]
    if change is not None:
        entry = proto.metadata_props.add()
        entry.key = METADATA_KEY
        entry.value = change if isinstance(change, str) else json.dumps({**meta, **change})
    path = tmp_path / name
    onnx.save(proto, str(path))
    return path


def _softmax_graph(n_in, n_out):
    """Return a softmax graph like the exported one, of input n_in and output n_out."""
    weight = helper.make_tensor('w', TensorProto.FLOAT, [n_in, n_out], [0.0] * (n_in * n_out))
    return helper.make_graph(
        [helper.make_node('MatMul', ['features', 'w'], ['logits']),
         helper.make_node('Softmax', ['logits'], ['probabilities'], axis=1)],
        'wrong_widths',
        [helper.make_tensor_value_info('features', TensorProto.FLOAT, ['batch', n_in])],
        [helper.make_tensor_value_info('probabilities', TensorProto.FLOAT, ['batch', n_out])],
        [weight])


def test_bad_onnx_files_say_what_is_wrong(files, tmp_path):
    model = files[0]
    n = len(model.labels)
    with pytest.raises(FileNotFoundError, match='no model file'):
        load(tmp_path / 'missing.onnx')
    empty = tmp_path / 'empty.onnx'
    empty.write_bytes(b'')
    text = tmp_path / 'text.onnx'
    text.write_text('not a model at all\n')
    renamed = tmp_path / 'renamed.onnx'
    renamed.write_bytes(files[1].read_bytes())
    cases = [
        (empty, r'not a readable ONNX model \(it is empty\)'),
        (text, r'not a readable ONNX model \('),
        (renamed, r'a zip archive, not an ONNX model: a torch \.pt model'),
        (_with_metadata(files, tmp_path, None, name='bare.onnx'),
         "without pose_ros classifier metadata \\('pose_ros.pose_classifier'\\)"),
        (_with_metadata(files, tmp_path, '{"format": ', name='json.onnx'),
         "'pose_ros.pose_classifier' metadata is not JSON"),
        (_with_metadata(files, tmp_path, {'version': 99}, name='v99.onnx'),
         'model format version 99; this pose_ros reads version 1'),
        (_with_metadata(files, tmp_path, {'format': 'other'}, name='format.onnx'),
         "not a pose_ros classifier \\(format 'other'\\)"),
        (_with_metadata(files, tmp_path, {'feature_spec': {'version': 7}}, name='feat.onnx'),
         'feature version 7'),
        (_with_metadata(files, tmp_path, {'labels': ['stand']}, name='one.onnx'),
         '1 labels; a model has 2 to'),
        (_with_metadata(files, tmp_path, {'labels': ['unknown', *model.labels[1:]]},
                        name='unknown.onnx'), "labels must be unique and not 'unknown'"),
        (_with_metadata(files, tmp_path, {'mean': [0.0] * 3}, name='mean.onnx'),
         f'mean and std must hold {F.FEATURE_DIM} values each, not 3'),
        (_with_metadata(files, tmp_path, {'schema': None, 'min_visible': 'x'}, name='f.onnx'),
         'malformed model file'),
        (_with_metadata(files, tmp_path, {'output': 'logits'}, name='logits.onnx'),
         "gives 'logits'; this pose_ros runs networks that give 'probabilities'"),
        (_with_metadata(files, tmp_path, {}, _softmax_graph(F.FEATURE_DIM - 1, n),
                        name='narrow.onnx'),
         f'not one float tensor \\(batch, {F.FEATURE_DIM}\\).*input width must be'),
        (_with_metadata(files, tmp_path, {'labels': model.labels[:-1]}, name='four.onnx'),
         f'not \\(batch, {n - 1}\\): its output width must be the number of labels'),
    ]
    for path, message in cases:
        with pytest.raises(ModelFileError, match=message):
            load(path)
    # The same graph with its metadata intact loads: the cases above fail for their reason.
    assert load(_with_metadata(files, tmp_path, {}, name='same.onnx')).labels == model.labels


def test_an_export_that_disagrees_with_torch_is_refused(files, tmp_path, monkeypatch):
    model = files[0]
    with pytest.raises(ValueError, match='needs a .onnx name'):
        export_onnx(model, tmp_path / 'poses.pt')
    network_proba = OnnxPoseClassifier.network_proba
    monkeypatch.setattr(OnnxPoseClassifier, 'network_proba',
                        lambda self, x: network_proba(self, x) + 10 * MAX_DIFFERENCE)
    with pytest.raises(ExportError, match=r'differ by up to 0.0001 \(at most 1e-05 allowed\)'):
        export_onnx(model, tmp_path / 'bad.onnx')
    assert list(tmp_path.iterdir()) == []          # neither the file nor a partial one


RUNTIME = """
import json
from pose_ros.nodes import classifier_node                 # the node and all it imports
from pose_ros.classifier.control_loop import build_control_loop
from pose_ros.classifier.predictor import load, ModelFileError
from pose_ros.classifier import synthetic
from pose_ros.config import ClassifierConfig, replace
from pose_ros.people import Person
import numpy as np

model = load(sys.argv[1])
config = replace(ClassifierConfig(), {'classifier': 'model', 'model_path': sys.argv[1],
                                      'control.policy': 'largest'})
loop = build_control_loop(config, None, model)
rng = np.random.default_rng(5)
labels = []
for t, kp in synthetic.hold_sequence('raise_left_arm', rng, duration_s=1.0):
    labels += [label for _, label, _ in loop.on_frame(t, [Person(kp, track_id=1)], t).labels]
kps, _ = synthetic.generate_set(model.labels, 10, np.random.default_rng(6))
predicted = model.predict_many(kps)
attempts = list(BLOCKED_ATTEMPTS)
try:
    load(sys.argv[2])
    pt_error = None
except ModelFileError as e:
    pt_error = str(e)
print(json.dumps({'type': type(model).__name__, 'loop_labels': labels, 'predicted': predicted,
                  'attempts': attempts, 'pt_error': pt_error,
                  'imported': [m for m in sys.modules if m.partition('.')[0] in BLOCKED]}))
"""


def test_the_runtime_path_runs_onnx_without_torch_or_onnx(files):
    """classifier_node's imports and an .onnx model with torch and friends unimportable."""
    model, pt, onnx_path, _ = files
    run = subprocess.run(blocked_python(RUNTIME) + [str(onnx_path), str(pt)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out['type'] == 'OnnxPoseClassifier'
    assert out['attempts'] == [] and out['imported'] == [], out
    kps, _ = syn.generate_set(model.labels, 10, np.random.default_rng(6))
    expected = model.predict_many(kps)
    assert [lb for lb, _ in out['predicted']] == [lb for lb, _ in expected]
    assert 'raise_left_arm' in out['loop_labels']
    # A .pt model there: a clear error that names what is missing and what to run instead.
    assert 'torch cannot be imported here' in out['pt_error']
    assert 'training requirements (requirements/training.txt)' in out['pt_error']
    assert 'poses.onnx' in out['pt_error']
    assert 'BLOCKED_IMPORT torch' in run.stderr      # the blocker works: the .pt load hit it
