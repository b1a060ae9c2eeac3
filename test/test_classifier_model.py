# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""The trainable classifier: accuracy on held-out stick figures, files, safety, unknowns."""

from pathlib import Path
import pickle
import time

import needs_training  # noqa: F401, I100 - first: skips this module without torch
import numpy as np
from pose_ros.classifier import features as F
from pose_ros.classifier import model as M
from pose_ros.classifier import synthetic as syn
from pose_ros.people import Keypoints
from pose_ros.schemas import BLAZEPOSE33, COCO17
import pytest
import torch

N_TRAIN = 300     # per class
N_TEST = 300


@pytest.fixture(scope='module')
def trained():
    torch.set_num_threads(2)
    kps, labels = syn.generate_set(syn.CLASSIC_LABELS, N_TRAIN, np.random.default_rng(0))
    start = time.perf_counter()
    model, metrics = M.train(F.normalise_many(kps), labels, seed=0, progress=False)
    seconds = time.perf_counter() - start
    return model, metrics, seconds


@pytest.fixture(scope='module')
def held_out():
    return syn.generate_set(syn.CLASSIC_LABELS, N_TEST, np.random.default_rng(12345))


def test_held_out_accuracy_of_the_classic_five(trained, held_out):
    model, metrics, seconds = trained
    kps, labels = held_out
    predicted = [lb for lb, _ in model.predict_many(kps)]
    accuracy = np.mean([p == t for p, t in zip(predicted, labels)])   # 'unknown' is wrong
    print(f'held-out accuracy {accuracy:.4f} on {len(labels)}; validation '
          f'{metrics.accuracy:.4f}; trained in {seconds:.1f} s, {metrics.epochs} epochs')
    assert accuracy >= 0.98
    assert metrics.accuracy >= 0.98
    assert seconds < 30.0
    assert sorted(model.labels) == sorted(syn.CLASSIC_LABELS) and model.schema == 'coco17'


def test_metrics_table_and_confusion_png(trained, tmp_path):
    model, metrics, _ = trained
    n = len(syn.CLASSIC_LABELS)
    assert metrics.confusion.shape == (n, n)
    assert metrics.confusion.sum() == metrics.val_size
    assert abs(metrics.val_size - 0.2 * n * N_TRAIN) <= n
    table = metrics.table()
    for label in syn.CLASSIC_LABELS:
        assert label in table
    assert 'precision' in table and 'recall' in table and 'accuracy' in table
    for lb, d in metrics.per_class.items():
        assert 0.0 <= d['precision'] <= 1.0 and 0.0 <= d['recall'] <= 1.0
    png = M.save_confusion_png(metrics, tmp_path / 'cm.png')
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and png.stat().st_size > 5000


def test_compute_metrics_by_hand():
    acc, per, cm = M.compute_metrics(['a', 'b'], np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]))
    assert acc == 0.75 and cm.tolist() == [[1, 1], [0, 2]]
    assert per['a'] == {'precision': 1.0, 'recall': 0.5, 'f1': 2 / 3, 'support': 2.0}
    assert per['b']['precision'] == 2 / 3 and per['b']['recall'] == 1.0


def test_save_load_round_trip(trained, held_out, tmp_path):
    model, _, _ = trained
    path = model.save(tmp_path / 'sub' / 'model.pt')
    loaded = M.load(path)
    assert loaded.labels == model.labels and loaded.schema == 'coco17'
    assert loaded.spec == model.spec and loaded.hidden == model.hidden
    assert loaded.unknown_threshold == model.unknown_threshold
    assert loaded.metrics['accuracy'] == model.metrics['accuracy']
    kps = held_out[0][::7]
    feats = np.stack([model.features(k) for k in kps])
    np.testing.assert_array_equal(loaded.predict_proba(feats), model.predict_proba(feats))
    assert loaded.predict_many(kps) == model.predict_many(kps)
    assert [loaded.predict(k) for k in kps[:5]] == model.predict_many(kps[:5])
    # Plain content: what torch's weights_only loader accepts, nothing else.
    raw = torch.load(path, weights_only=True)
    assert raw['format'] == M.MODEL_FORMAT and raw['schema'] == 'coco17'
    assert isinstance(raw['labels'], list) and isinstance(raw['feature_spec'], dict)


def test_wrong_schema_is_refused_with_a_clear_message(trained):
    model, _, _ = trained
    blaze = syn.generate('stand', 1, np.random.default_rng(0), schema=BLAZEPOSE33)[0]
    with pytest.raises(M.SchemaMismatch) as info:
        model.predict(blaze)
    message = str(info.value)
    assert "'coco17'" in message and "'blazepose33'" in message and 'train' in message
    assert isinstance(info.value, ValueError)
    with pytest.raises(M.SchemaMismatch):
        model.predict_many([blaze])


def _side_effect(path):
    Path(path).write_text('pickled code ran')


class Malicious:
    """Unpickling this would run code: a model file must never do that."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return _side_effect, (str(self.marker),)


@pytest.mark.filterwarnings('ignore::UserWarning')   # torch: 'pickle protocol 4'
def test_loading_never_unpickles_code(trained, tmp_path):
    model, _, _ = trained
    marker = tmp_path / 'ran.txt'
    data = model.to_dict()
    data['extra'] = Malicious(marker)
    evil = tmp_path / 'evil.pt'
    torch.save(data, evil)
    with pytest.raises(M.ModelFileError, match='never unpickles code'):
        M.load(evil)
    assert not marker.exists()
    legacy = tmp_path / 'legacy.pt'                 # a bare pickle, not a torch zip
    legacy.write_bytes(pickle.dumps(Malicious(marker)))
    with pytest.raises(M.ModelFileError):
        M.load(legacy)
    assert not marker.exists()


def test_bad_model_files(trained, tmp_path):
    model, _, _ = trained
    junk = tmp_path / 'junk.pt'
    junk.write_bytes(b'not a model at all')
    with pytest.raises(M.ModelFileError, match='not a readable model file'):
        M.load(junk)
    with pytest.raises(FileNotFoundError):
        M.load(tmp_path / 'missing.pt')
    for change, match in [({'format': 'other'}, 'not a pose_ros classifier'),
                          ({'version': 99}, 'version 99'),
                          ({'hidden': [8]}, 'malformed')]:
        path = tmp_path / 'changed.pt'
        torch.save({**model.to_dict(), **change}, path)
        with pytest.raises(M.ModelFileError, match=match):
            M.load(path)


def test_unknown_when_joints_missing_or_unsure(trained):
    model, _, _ = trained
    assert model.predict(Keypoints.empty(COCO17)) == ('unknown', 0.0)
    kp = syn.generate('stand', 1, np.random.default_rng(1), dropout=0.0)[0]
    torso_only = syn.with_missing(kp, [n for n in COCO17.keypoints
                                       if not n.endswith(('shoulder', 'hip'))])
    assert model.predict(torso_only) == ('unknown', 0.0)      # 4 of 17 visible
    kp.xy[3] = np.nan
    kp.conf[5] = np.inf
    label, p = model.predict(kp)
    assert label == 'stand' and 0.6 <= p <= 1.0
    model_threshold = model.unknown_threshold
    try:
        model.unknown_threshold = 1.01              # nothing is ever that sure
        label, p = model.predict(kp)
        assert label == 'unknown' and 0.0 < p <= 1.0
    finally:
        model.unknown_threshold = model_threshold


def test_mirror_augmentation_doubles_mirrorable_rows():
    rng = np.random.default_rng(3)
    labels = ['raise_left_arm', 'raise_right_arm', 'both_arms_left']
    kps, names = syn.generate_set(labels, 40, rng, dropout=0.0)
    x = F.normalise_many(kps)
    _, plain = M.train(x, names, epochs=2, progress=False)
    _, mirrored = M.train(x, names, epochs=2, progress=False, mirror_augment=True)
    # both_arms_left has no 'both_arms_right' twin: only the other two are mirrored.
    assert mirrored.train_size == plain.train_size + round(plain.train_size * 2 / 3)


def test_training_input_is_checked():
    x = F.normalise_many(syn.generate('stand', 10, np.random.default_rng(0)))
    with pytest.raises(ValueError, match='at least 2 labels'):
        M.train(x, ['stand'] * 10, progress=False)
    with pytest.raises(ValueError, match='unknown'):
        M.train(x, ['stand'] * 5 + ['unknown'] * 5, progress=False)
    with pytest.raises(ValueError, match='labels'):
        M.train(x, ['stand'] * 9, progress=False)
    with pytest.raises(ValueError, match='val_fraction'):
        M.train(x, ['stand'] * 5 + ['dab'] * 5, val_fraction=1.0, progress=False)


def test_declared_sizes_are_checked_before_anything_is_allocated(trained, tmp_path):
    """Defect 9: a 3 KB file declaring two layers of 20000 took 2 GB and 9 s before."""
    model, _, _ = trained
    huge = tmp_path / 'huge.pt'
    torch.save({**model.to_dict(), 'hidden': [20000, 20000]}, huge)
    assert huge.stat().st_size < 64 * 1024
    with pytest.raises(M.ModelFileError, match=r'hidden layer sizes \[20000, 20000\] are '
                                               'outside the limits'):
        M.load(huge)
    for hidden in ([64] * 9, [0], [-3], ['64'], 64):
        torch.save({**model.to_dict(), 'hidden': hidden}, huge)
        with pytest.raises(M.ModelFileError, match='hidden'):
            M.load(huge)
    # Sizes within the limits that do not match the stored weights: named, tensor by tensor.
    torch.save({**model.to_dict(), 'hidden': [4000, 4000]}, huge)
    with pytest.raises(M.ModelFileError, match=r'0.weight is \(64, \d+\), expected '
                                               r'\(4000, \d+\)'):
        M.load(huge)


def test_empty_text_and_unreadable_model_files_say_what_they_are(tmp_path, monkeypatch):
    empty = tmp_path / 'empty.pt'
    empty.write_bytes(b'')
    with pytest.raises(M.ModelFileError, match=r'not a readable model file \(it is empty\)'):
        M.load(empty)
    text = tmp_path / 'text.pt'
    text.write_text('101\n')
    with pytest.raises(M.ModelFileError, match="starts with b'101"):
        M.load(text)

    def denied(*args, **kwargs):
        raise PermissionError(13, 'Permission denied')

    monkeypatch.setattr('builtins.open', denied)
    with pytest.raises(M.ModelFileError, match='cannot be read: Permission denied'):
        M.load(text)
