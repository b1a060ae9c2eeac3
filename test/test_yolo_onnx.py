# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""The yolo_onnx backend gives the ultralytics backend's people and track ids, from ONNX."""

from concurrent.futures import ThreadPoolExecutor
import subprocess
import sys

from conftest import body_config, needs
from media_helpers import photo
import numpy as np
from pose_ros.backends import BackendError, create_backend, resolve_model_path
from pose_ros.backends.yolo_onnx import nms, YoloOnnxOptions
from pose_ros.config import ConfigError
import pytest

ONNX = 'yolo11n-pose.onnx'


@pytest.fixture(scope='module')
def onnx_path():
    try:
        return resolve_model_path(ONNX)
    except BackendError as e:
        pytest.skip(f'{ONNX} was not exported (python3 scripts/export_onnx.py, which '
                    f'scripts/bootstrap.sh runs, makes it from yolo11n-pose.pt): {e}')


def onnx_backend(path, changes=None):
    """Return the yolo_onnx backend on the model at ``path`` (with ``changes``)."""
    return create_backend(body_config({'backend': 'yolo_onnx', 'onnx.weights': str(path),
                                       **(changes or {})}))


@pytest.fixture(scope='module')
def untracked(onnx_path):
    onnx = onnx_backend(onnx_path, {'yolo.tracker': 'none'})
    yield onnx
    onnx.close()


@pytest.fixture(scope='module')
def backends(untracked):
    torch = create_backend(body_config({'backend': 'yolo', 'yolo.tracker': 'none'}))
    yield untracked, torch
    torch.close()


def iou(a, b):
    x0, y0 = np.maximum(a[:2], b[:2])
    x1, y1 = np.minimum(a[2:], b[2:])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
    return inter / (area - inter)


@needs('ultralytics')
@pytest.mark.parametrize('name', ['bus.jpg', 'zidane.jpg'])
def test_same_people_as_the_ultralytics_backend(backends, name):
    onnx, torch = backends
    image = photo(name)
    ours, theirs = onnx.infer(image), torch.infer(image)
    assert len(ours) == len(theirs) > 0
    compared = 0
    for person in theirs:
        match = max(ours, key=lambda p: iou(p.bbox, person.bbox))
        assert iou(match.bbox, person.bbox) > 0.9, (match.bbox, person.bbox)
        assert match.score == pytest.approx(person.score, abs=0.02)
        assert match.track_id == person.track_id == -1
        assert len(match.body) == len(person.body) == 17
        seen = person.body.visible(0.5) & match.body.visible(0.5)
        compared += seen.sum()
        err = np.linalg.norm(match.body.xy[seen] - person.body.xy[seen], axis=1)
        assert (err < 3.0).all(), f'{name}: keypoints differ by up to {err.max():.1f} px'
        # Unknown keypoints are NaN in both, never (0, 0).
        assert not ((match.body.xy == 0).all(axis=1)).any()
    assert compared >= 20


def test_keypoints_are_in_original_image_pixels(untracked):
    onnx = untracked
    image = photo('bus.jpg')                      # 810x1080, portrait: letterboxed sideways
    h, w = image.shape[:2]
    for person in onnx.infer(image):
        x0, y0, x1, y1 = person.bbox
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        xy = person.body.xy[np.isfinite(person.body.xy).all(axis=1)]
        assert ((xy >= 0) & (xy <= [w, h])).all()


@needs('ultralytics')
@pytest.mark.parametrize('tracker', ['bytetrack', 'bytetrack.yaml'])
def test_track_ids_are_stable_and_the_same_in_both_yolo_backends(onnx_path, tracker):
    image = photo('bus.jpg')
    onnx = onnx_backend(onnx_path, {'yolo.tracker': tracker})
    torch = create_backend(body_config({'backend': 'yolo', 'yolo.tracker': tracker}))
    try:
        for backend in (onnx, torch):
            backend.reset()
        seq_onnx = [sorted(p.track_id for p in onnx.infer(image)) for _ in range(6)]
        seq_torch = [sorted(p.track_id for p in torch.infer(image)) for _ in range(6)]
    finally:
        onnx.close()
        torch.close()
    assert seq_onnx == seq_torch
    if tracker == 'bytetrack':
        # Every detection is published; a new track has id -1 until its second frame.
        assert len(seq_onnx[0]) >= 4 and set(seq_onnx[0]) == {-1}
        seq_onnx = seq_onnx[1:]
    assert all(ids == seq_onnx[0] for ids in seq_onnx)
    assert len(seq_onnx[0]) >= 4 and min(seq_onnx[0]) >= 1
    assert len(set(seq_onnx[0])) == len(seq_onnx[0])


def test_two_streams_run_two_frames_at_once_with_the_same_results(onnx_path):
    """Each stream is a session of its own: two threads at once get what one thread gets."""
    one = onnx_backend(onnx_path, {'yolo.tracker': 'none', 'onnx.streams': 1,
                                   'onnx.threads': 2})
    two = onnx_backend(onnx_path, {'yolo.tracker': 'none', 'onnx.streams': 2,
                                   'onnx.threads': 2})
    images = [photo('bus.jpg'), photo('zidane.jpg')] * 3
    try:
        assert one.streams == 1 and one.threads == 2
        assert two.streams == 2 and two.threads == 1      # the threads are shared out
        assert 'threads=1 x 2 streams' in two.model
        expected = [one.estimate(image) for image in images]
        with ThreadPoolExecutor(2) as pool:
            got = list(pool.map(two.estimate, images))
    finally:
        one.close()
        two.close()
    for a, b in zip(expected, got):
        np.testing.assert_allclose(b.xyxy, a.xyxy, atol=0.05)
        np.testing.assert_allclose(b.keypoints, a.keypoints, atol=0.05)
        assert {'preprocess', 'inference', 'postprocess'} <= set(b.timings_ms)


def test_a_closed_backend_says_so_instead_of_waiting(onnx_path):
    onnx = onnx_backend(onnx_path, {'yolo.tracker': 'none'})
    onnx.close()
    with pytest.raises(BackendError, match='closed'):
        onnx.infer(np.zeros((480, 640, 3), np.uint8))


def test_reset_starts_ids_again(onnx_path):
    image = photo('zidane.jpg')
    onnx = onnx_backend(onnx_path)
    first = sorted(p.track_id for p in onnx.infer(image))
    onnx.infer(image)
    onnx.reset()
    again = sorted(p.track_id for p in onnx.infer(image))
    onnx.close()
    assert first == again


def test_an_empty_image_gives_no_people(untracked):
    onnx = untracked
    assert onnx.infer(np.zeros((480, 640, 3), np.uint8)) == []
    assert onnx.infer(np.full((100, 900, 3), 255, np.uint8)) == []


def test_missing_onnx_file_says_how_to_export_it(tmp_path):
    with pytest.raises(BackendError) as error:
        onnx_backend(tmp_path / 'nothing.onnx')
    message = str(error.value)
    assert 'nothing.onnx' in message and 'export_onnx' in message


def test_a_damaged_onnx_file_is_a_backend_error(tmp_path):
    bad = tmp_path / 'bad.onnx'
    bad.write_bytes(b'not an onnx model')
    with pytest.raises(BackendError, match='cannot load the ONNX model'):
        onnx_backend(bad)


@pytest.mark.parametrize('changes, match', [
    ({'yolo.tracker': 'deepsort'}, 'tracker'), ({'yolo.image_size': 100}, 'image_size'),
    ({'onnx.threads': -1}, 'threads'), ({'yolo.device': 'gpu'}, 'device'),
    ({'yolo.confidence': 2.0}, 'confidence')])
def test_bad_options_are_rejected_with_a_reason(changes, match):
    with pytest.raises(ConfigError, match=match):
        body_config(changes)


def test_bad_nms_threshold_is_rejected_with_a_reason():
    with pytest.raises(BackendError, match='iou'):
        YoloOnnxOptions.from_config(body_config(), iou=0.0)


def test_cuda_without_a_cuda_onnxruntime_is_a_clear_error(onnx_path):
    import onnxruntime
    if 'CUDAExecutionProvider' in onnxruntime.get_available_providers():
        pytest.skip('this onnxruntime has CUDA')
    with pytest.raises(BackendError, match='onnxruntime-gpu'):
        onnx_backend(onnx_path, {'yolo.device': 'cuda'})


def test_without_a_tracker_torch_is_never_imported(onnx_path, tmp_path):
    code = ('import sys, numpy as np\n'
            'from pose_ros.backends import create_backend\n'
            'from pose_ros.config import BodyConfig, replace\n'
            f'b = create_backend(replace(BodyConfig(), {{"onnx.weights": {str(onnx_path)!r}, '
            '"yolo.tracker": "none"}))\n'
            'b.infer(np.zeros((480, 640, 3), np.uint8))\n'
            'assert "torch" not in sys.modules and "ultralytics" not in sys.modules\n')
    subprocess.run([sys.executable, '-c', code], check=True, timeout=120, cwd=tmp_path)


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 9.5]],
                     np.float32)
    scores = np.array([0.8, 0.9, 0.5, 0.7], np.float32)
    assert nms(boxes, scores, 0.5, 10).tolist() == [1, 2]
    assert nms(boxes, scores, 0.96, 10).tolist() == [1, 0, 3, 2]
    assert nms(boxes, scores, 0.96, 2).tolist() == [1, 0]
    assert nms(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), 0.7, 5).tolist() == []


@needs('onnx')
@pytest.mark.parametrize('stride', ['0', '-32', '7', 'abc'])
def test_an_invalid_stride_in_the_metadata_is_a_clear_error(onnx_path, tmp_path, stride):
    """Defect 8: stride 0 used to surface only as 'autostart failed: node is unconfigured'."""
    import onnx
    model = onnx.load(str(onnx_path))
    for prop in model.metadata_props:
        if prop.key == 'stride':
            prop.value = stride
    bad = tmp_path / 'stride.onnx'
    onnx.save(model, str(bad))
    with pytest.raises(BackendError, match=f"declares stride '{stride}'"):
        onnx_backend(bad)


def test_empty_and_unreadable_model_files_say_so(tmp_path, monkeypatch):
    empty = tmp_path / 'empty.onnx'
    empty.write_bytes(b'')
    with pytest.raises(BackendError, match=r'is empty \(0 bytes\)'):
        onnx_backend(empty)
    real_open = open

    def denied(path, *args, **kwargs):
        if str(path).endswith('denied.onnx'):
            raise PermissionError(13, 'Permission denied')
        return real_open(path, *args, **kwargs)

    denied_path = tmp_path / 'denied.onnx'
    denied_path.write_bytes(b'x')
    monkeypatch.setattr('builtins.open', denied)
    with pytest.raises(BackendError, match='may not read it .permission denied.: make it '
                                           'readable'):
        onnx_backend(denied_path)
