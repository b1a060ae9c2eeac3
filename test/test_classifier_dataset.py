# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Datasets: the file format round trip, recorders (folders, video, bags), live capture, CLIs.

The file format is pose_ros.classifier.dataset, recording pose_ros.classifier.recording.
"""

import json
from pathlib import Path
import re
import subprocess

from blocked_imports import blocked_python
from conftest import body_config, needs
import cv2
import numpy as np
from pose_ros.backends.base import PoseBackend
from pose_ros.classifier import cli
from pose_ros.classifier import dataset as D
from pose_ros.classifier import predictor
from pose_ros.classifier import recording as R
from pose_ros.classifier import synthetic as syn
from pose_ros.classifier.features import SchemaMismatch
from pose_ros.config import BodyConfig
from pose_ros.media import find_media, MediaMissing
from pose_ros.people import FrameResult, Keypoints, Person
from pose_ros.pipeline import BodyPipeline
from pose_ros.schemas import BLAZEPOSE33, COCO17
import pytest

ROOT = Path(__file__).resolve().parent.parent


def small_dataset(n=4, schema=COCO17):
    rng = np.random.default_rng(0)
    ds = D.Dataset(schema, source='test', backend='synthetic')
    for i, label in enumerate(['stand', 't_pose', 'dab']):
        for kp in syn.generate(label, n, rng, schema=schema, dropout=0.2):
            ds.append(label, kp, (640, 480), f'{label}.jpg', 0.1 * i, i)
    return ds


def test_save_load_round_trip(tmp_path):
    ds = small_dataset()
    ds.samples[0].keypoints.xy[0] = np.nan        # a point unknown in pixels only
    path = ds.save(tmp_path / 'd' / 'set.jsonl')
    back = D.Dataset.load(path)
    assert back.schema is COCO17 and back.source == 'test' and back.backend == 'synthetic'
    assert len(back) == len(ds) and back.counts() == ds.counts() == {'dab': 4, 'stand': 4,
                                                                     't_pose': 4}
    for a, b in zip(ds, back):
        assert (a.label, a.image_size, a.source, a.stamp, a.track_id) == (
            b.label, b.image_size, b.source, b.stamp, b.track_id)
        np.testing.assert_allclose(b.keypoints.xy, a.keypoints.xy, atol=0.006)
        np.testing.assert_allclose(b.keypoints.conf, a.keypoints.conf, atol=6e-5)
        assert (np.isnan(b.keypoints.xy) == np.isnan(a.keypoints.xy)).all()
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    assert header['format'] == D.DATASET_FORMAT and header['version'] == 1
    assert header['schema'] == 'coco17' and header['keypoints'] == list(COCO17.keypoints)
    assert header['image_size'] == [640, 480]
    row = json.loads(lines[1])
    assert set(row) == {'label', 'xy', 'conf', 'image_size', 'source', 'stamp', 'track_id'}
    assert row['xy'][0] is None and 'NaN' not in path.read_text()


def test_features_and_mirroring():
    ds = D.Dataset(COCO17)
    rng = np.random.default_rng(1)
    for label in ('raise_left_arm', 'raise_right_arm', 'both_arms_left'):
        for kp in syn.generate(label, 3, rng):
            ds.append(label, kp)
    x, y = ds.to_features()
    assert x.shape == (9, 51) and len(y) == 9
    xm, ym = ds.to_features(mirrored=True)
    assert len(xm) == 15 and ym[9:12] == ['raise_right_arm'] * 3


def test_rows_are_checked():
    ds = D.Dataset('coco17')
    kp = syn.generate('stand', 1, np.random.default_rng(0))[0]
    for bad in ('unknown', '', 'two words', 'a/b'):
        with pytest.raises(ValueError):
            ds.append(bad, kp)
    blaze = syn.generate('stand', 1, np.random.default_rng(0), schema=BLAZEPOSE33)[0]
    with pytest.raises(SchemaMismatch, match='blazepose33'):
        ds.append('stand', blaze)
    with pytest.raises(ValueError, match='body skeletons'):
        D.Dataset('hand21')


def test_bad_files(tmp_path):
    p = tmp_path / 'x.jsonl'
    p.write_text('{"format": "something else"}\n')
    with pytest.raises(ValueError, match='not a pose_ros dataset'):
        D.Dataset.load(p)
    good = small_dataset().save(tmp_path / 'good.jsonl')
    lines = good.read_text().splitlines()
    head = json.loads(lines[0])
    p.write_text(json.dumps({**head, 'version': 9}) + '\n')
    with pytest.raises(ValueError, match='version 9'):
        D.Dataset.load(p)
    row = json.loads(lines[1])
    row['xy'] = row['xy'][:5]
    p.write_text(lines[0] + '\n' + lines[2] + '\n' + json.dumps(row) + '\n')
    with pytest.raises(ValueError, match=r'x\.jsonl:3: bad row'):
        D.Dataset.load(p)


def test_joining_datasets_needs_one_schema(tmp_path):
    a = small_dataset(2).save(tmp_path / 'a.jsonl')
    b = small_dataset(2).save(tmp_path / 'b.jsonl')
    c = small_dataset(2, BLAZEPOSE33).save(tmp_path / 'c.jsonl')
    assert len(D.Dataset.load_many([a, b])) == 12
    with pytest.raises(SchemaMismatch):
        D.Dataset.load_many([a, c])


def test_segments():
    label_at = R.label_function(R.parse_segments('0:1.5:stand, 2:4:t_pose'))
    assert [label_at(t) for t in (0.0, 1.49, 1.7, 2.0, 3.99, 4.0)] == [
        'stand', 'stand', None, 't_pose', 't_pose', None]
    assert R.label_function('dab')(123.0) == 'dab'
    for bad in ('0:1', '0:x:stand', '', '2:1:stand', '0:1:unknown'):
        with pytest.raises(ValueError):
            R.label_function(R.parse_segments(bad))


def test_countdown_recorder():
    ds = D.Dataset(COCO17)
    rec = R.CountdownRecorder(ds, ['stand', 't_pose'], countdown_s=2.0, capture_s=1.0,
                              min_interval_s=0.1)
    kp = syn.generate('stand', 1, np.random.default_rng(0))[0]
    phases = []
    t = 100.0
    while not rec.done:
        status = rec.offer(t, kp, (640, 480))
        if status.changed:
            phases.append((status.phase, status.label, status.prompt()))
        t += 0.05
    assert [(p, lb) for p, lb, _ in phases] == [
        ('countdown', 'stand'), ('capture', 'stand'), ('countdown', 't_pose'),
        ('capture', 't_pose'), ('done', None)]
    assert phases[0][2] == 'get ready: stand in 2 s' and 'recording stand' in phases[1][2]
    counts = ds.counts()
    assert set(counts) == {'stand', 't_pose'} and all(9 <= n <= 11 for n in counts.values())
    assert ds.samples[0].stamp >= 102.0 and ds.samples[0].source == 'live'
    capped = R.CountdownRecorder(D.Dataset(COCO17), ['dab'], 0.0, 1.0, max_per_label=3)
    for i in range(20):
        capped.offer(i * 0.05, kp)
        capped.offer(i * 0.05, None)                 # nobody seen: nothing recorded
    assert capped.captured == {'dab': 3}
    with pytest.raises(ValueError):
        R.CountdownRecorder(ds, [])


class FakeBackend(PoseBackend):
    """Two stick figures per image: a large one doing the pose, a small one standing."""

    name = 'fake'
    schema = COCO17

    def __init__(self, label='t_pose'):
        self.label = label
        self.rng = np.random.default_rng(0)
        self.calls = 0

    def infer(self, bgr):
        self.calls += 1
        big = syn.generate(self.label, 1, self.rng, dropout=0.0)[0]
        small = syn.generate('stand', 1, self.rng, dropout=0.0)[0]
        return [Person(small, np.array([0, 0, 10, 10], np.float32), 0.9, 2),
                Person(big, np.array([0, 0, 300, 400], np.float32), 0.9, 1)]


def test_record_from_folders(tmp_path):
    for label in ('stand', 't_pose'):
        (tmp_path / label).mkdir()
        for i in range(3):
            cv2.imwrite(str(tmp_path / label / f'{i}.png'), np.zeros((48, 64, 3), np.uint8))
    (tmp_path / 'stand' / 'notes.txt').write_text('not an image')
    (tmp_path / 't_pose' / 'broken.jpg').write_bytes(b'not a jpeg')
    report = R.RecordReport()
    ds = R.record_from_folders(tmp_path, BodyPipeline(FakeBackend()), report=report)
    assert ds.counts() == {'stand': 3, 't_pose': 3} and ds.backend == 'fake'
    assert report.skipped_files and report.frames == 6
    assert all(s.track_id == 1 and s.image_size == (64, 48) for s in ds)      # the largest
    assert ds.samples[0].source == 'stand/0.png'
    both = R.record_from_folders(tmp_path, BodyPipeline(FakeBackend()), all_people=True)
    assert len(both) == 12
    (tmp_path / 'bad label').mkdir()
    with pytest.raises(ValueError, match='bad label'):
        R.record_from_folders(tmp_path, BodyPipeline(FakeBackend()))


def test_record_from_video(tmp_path):
    path = tmp_path / 'clip.avi'
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 10.0, (64, 48))
    for _ in range(20):
        writer.write(np.zeros((48, 64, 3), np.uint8))
    writer.release()
    backend = FakeBackend()
    report = R.RecordReport()
    ds = R.record_from_video(path, [(0.0, 0.95, 'stand'), (1.0, 9.0, 't_pose')],
                             BodyPipeline(backend), every=2, report=report)
    assert backend.calls == 20                      # every frame runs, every 2nd is kept
    assert ds.counts() == {'stand': 5, 't_pose': 5} and ds.source == f'video:{path}'
    assert ds.samples[1].source == 'clip.avi#2'


def _people_bag(path: Path, frames):
    """Write a rosbag2 of pose_ros_msgs/People (as body_node publishes them)."""
    from pose_ros.ros_conversion import frame_to_people_msg
    from pose_ros.tools.build_fixtures import typestore
    from rclpy.serialization import serialize_message
    from rosbags.rosbag2 import StoragePlugin, Writer
    from rosbags.typesys import get_types_from_msg
    from std_msgs.msg import Header
    store = typestore()
    share = Path(__file__).resolve().parent.parent / 'pose_ros_msgs' / 'msg'
    types = {}
    for name in ('Keypoint', 'Skeleton', 'Hand', 'Head', 'Face', 'Person', 'People'):
        types.update(get_types_from_msg((share / f'{name}.msg').read_text(),
                                        f'pose_ros_msgs/msg/{name}'))
    store.register(types)
    with Writer(path, version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        conn = writer.add_connection('/people', 'pose_ros_msgs/msg/People', typestore=store)
        for stamp, result in frames:
            header = Header(frame_id='camera')
            header.stamp.sec, header.stamp.nanosec = int(stamp), int(round(stamp % 1 * 1e9))
            data = serialize_message(frame_to_people_msg(result, header))
            writer.write(conn, int(round(stamp * 1e9)), data)


def test_record_from_a_bag_of_people_messages(tmp_path):
    rng = np.random.default_rng(5)
    frames, expected = [], []
    for i in range(12):
        kp = syn.generate('dab' if i < 6 else 'stand', 1, rng)[0]
        person = Person(kp, np.array([0, 0, 100, 200], np.float32), 0.8, 4)
        frames.append((1000.0 + i * 0.1, FrameResult([person], 'yolo', 640, 480)))
        expected.append(kp)
    frames.insert(3, (1000.25, FrameResult([], 'yolo', 640, 480)))      # nobody
    bag = tmp_path / 'people_bag'
    _people_bag(bag, frames)
    assert R.bag_people_topic(bag) == '/people'
    report = R.RecordReport()
    ds = R.record_from_bag(bag, [(0.0, 0.55, 'dab'), (0.55, 5.0, 'stand')], report=report)
    assert ds.counts() == {'dab': 6, 'stand': 6} and ds.schema is COCO17
    assert report.frames == 13 and report.empty == 1 and ds.backend == 'yolo'
    for sample, kp in zip(ds, expected):
        np.testing.assert_allclose(sample.keypoints.xy, kp.xy, atol=1e-3)
        assert sample.track_id == 4 and sample.image_size is None
    assert ds.samples[0].stamp == pytest.approx(1000.0)


def test_record_from_the_photo_fixture_bag_with_yolo(tmp_path, photo_bag):
    report = R.RecordReport()
    ds = R.record_from_bag(photo_bag, [(0.0, 0.85, 'stand'), (0.85, 10.0, 'wave_hello')],
                           body_config({'backend': 'yolo_onnx', 'yolo.tracker': 'none'}),
                           report=report)
    assert report.frames == 18 and ds.schema is COCO17 and ds.backend == 'yolo_onnx'
    assert ds.counts() == {'stand': 9, 'wave_hello': 9}
    assert all(s.image_size == (640, 480) for s in ds)
    path = ds.save(tmp_path / 'photos.jsonl')
    assert json.loads(path.read_text().splitlines()[0])['schema'] == 'coco17'
    back = D.Dataset.load(path)
    assert len(back) == 18
    x, _ = back.to_features()
    assert (x[:, 34:].sum(axis=1) >= 5).all()       # real people: joints were found


@needs('torch', 'onnx')
def test_record_and_train_command_lines(tmp_path, capsys):
    data = tmp_path / 'syn.jsonl'
    assert cli.record_main([str(data), '--synthetic', '60', '--labels',
                            'stand,t_pose,dab', '--no-progress']) == 0
    assert 'pose_record: 180 rows' in capsys.readouterr().out
    assert cli.record_main([str(data), '--synthetic', '10', '--labels', 'stand',
                            '--append', '--seed', '1']) == 0
    assert D.Dataset.load(data).counts() == {'dab': 60, 'stand': 70, 't_pose': 60}
    model = tmp_path / 'out' / 'pose.pt'
    assert cli.train_main([str(data), '--out', str(model), '--epochs', '40', '--no-progress',
                           '--plain', '--hidden', '32']) == 0
    out = capsys.readouterr().out
    assert 'precision' in out and 'pose_train: model' in out
    for name in ('pose.pt', 'pose.onnx', 'pose.metrics.txt', 'pose.metrics.json',
                 'pose.confusion.png'):
        assert (tmp_path / 'out' / name).is_file(), name
    assert json.loads((tmp_path / 'out' / 'pose.metrics.json').read_text())['accuracy'] > 0.9
    # The .onnx beside the .pt: checked against torch when written, the same labels here.
    difference = float(re.search(r'largest probability difference to torch (\S+)\n', out)[1])
    assert 0.0 <= difference <= 1e-5
    pt, exported = predictor.load(model), predictor.load(tmp_path / 'out' / 'pose.onnx')
    assert type(exported).__name__ == 'OnnxPoseClassifier' and exported.labels == pt.labels
    kps = syn.generate_set(['stand', 't_pose', 'dab'], 20, np.random.default_rng(9))[0]
    assert [lb for lb, _ in exported.predict_many(kps)] == [lb for lb, _ in pt.predict_many(kps)]


@pytest.mark.parametrize('argv, message', [
    (['--video', 'x.avi'], 'exactly one of --label and --segments'),
    (['--synthetic', '5'], '--synthetic needs --labels'),
    (['--synthetic', '5', '--labels', 'moonwalk'], 'moonwalk'),
    (['--folders', '.', '--label', 'x'], 'subfolder names'),
    (['--folders', '.', '--param', 'yolo.confidance=0.3'],
     "unknown parameter(s) ['yolo.confidance']"),
    (['--video', 'x.avi', '--label', 'a', '--param', 'yolo.confidence=7'],
     'yolo.confidence must be in [0.0, 1.0]; got 7'),
    (['--bag', 'b', '--label', 'a', '--param', 'hands.enabled'], '--param wants NAME=VALUE'),
    (['--folders', '.', '--params-file', 'missing.yaml'], 'missing.yaml not found'),
])
def test_record_command_line_errors(tmp_path, capsys, argv, message):
    assert cli.record_main([str(tmp_path / 'o.jsonl')] + argv) == 2
    assert message in capsys.readouterr().err


def test_record_option_is_gone(tmp_path, capsys):
    """--option KEY=VALUE became --param NAME=VALUE (body_node's parameter names)."""
    with pytest.raises(SystemExit) as exit_:
        cli.record_main([str(tmp_path / 'o.jsonl'), '--folders', '.', '--option', 'device=cpu'])
    assert exit_.value.code == 2 and '--option' in capsys.readouterr().err


class _Built:
    """build_pipeline as the recorders call it: the configurations asked for, fake models."""

    def __init__(self, monkeypatch):
        self.configs, self.pipelines = [], []
        monkeypatch.setattr(R, 'build_pipeline', self)

    def __call__(self, config):
        self.configs.append(config)
        pipeline = BodyPipeline(FakeBackend(), config)
        pipeline.closed = False
        pipeline.close = lambda: setattr(pipeline, 'closed', True)
        self.pipelines.append(pipeline)
        return pipeline


def test_recorders_build_the_pipeline_from_the_node_configuration(tmp_path, monkeypatch):
    """
    A BodyConfig is built with build_pipeline (and closed); a pipeline is used as given.

    Recording leaves out heads and hands (a dataset holds neither); photos are not tracked
    nor smoothed; everything else is the configuration given.
    """
    built = _Built(monkeypatch)
    (tmp_path / 'stand').mkdir()
    cv2.imwrite(str(tmp_path / 'stand' / 'a.png'), np.zeros((48, 64, 3), np.uint8))
    config = body_config({'yolo.confidence': 0.4, 'hands.enabled': True})
    assert len(R.record_from_folders(tmp_path, config)) == 1
    photos = built.configs[-1]
    assert (photos.yolo.tracker, photos.smoothing.enabled) == ('none', False)
    assert not photos.head.enabled and not photos.hands.enabled
    assert photos.yolo.confidence == 0.4 and built.pipelines[-1].closed
    path = tmp_path / 'clip.avi'
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 10.0, (64, 48))
    for _ in range(4):
        writer.write(np.zeros((48, 64, 3), np.uint8))
    writer.release()
    assert len(R.record_from_video(path, 'stand', config)) == 4
    video = built.configs[-1]
    assert video.yolo.tracker == 'bytetrack' and video.smoothing.enabled
    assert not video.head.enabled and not video.hands.enabled and built.pipelines[-1].closed
    R.record_from_video(path, 'stand')                      # no configuration: the defaults
    assert built.configs[-1] == body_config({'head.enabled': False})
    mine = BodyPipeline(FakeBackend())
    mine.close = lambda: pytest.fail('a pipeline given is left open')
    R.record_from_video(path, 'stand', mine)
    assert len(built.configs) == 3


def test_record_command_line_uses_the_node_configuration(tmp_path):
    """pose_record --params-file config/pose_ros.yaml: yolo_onnx; --backend mediapipe: 33."""
    try:
        photos = [find_media('bus.jpg'), find_media('zidane.jpg')]
    except MediaMissing as e:
        pytest.skip(str(e))
    for label, photo in zip(('stand', 't_pose'), photos):
        (tmp_path / 'in' / label).mkdir(parents=True)
        cv2.imwrite(str(tmp_path / 'in' / label / photo.name), cv2.imread(str(photo)))
    out = tmp_path / 'a.jsonl'
    assert cli.record_main([str(out), '--folders', str(tmp_path / 'in'), '--no-progress',
                            '--params-file', str(ROOT / 'config' / 'pose_ros.yaml'),
                            '--param', 'yolo.confidence=0.5']) == 0
    ds = D.Dataset.load(out)
    assert ds.backend == 'yolo_onnx' == BodyConfig().backend and ds.schema is COCO17
    assert ds.counts() == {'stand': 1, 't_pose': 1}
    assert cli.record_main([str(out), '--folders', str(tmp_path / 'in'), '--no-progress',
                            '--backend', 'mediapipe']) == 0
    ds = D.Dataset.load(out)
    assert ds.backend == 'mediapipe' and ds.schema is BLAZEPOSE33


@needs('torch', 'onnx')
def test_train_command_line_errors(tmp_path, capsys):
    assert cli.train_main([str(tmp_path / 'missing.jsonl'), '--out', 'm.pt']) == 2
    assert 'missing.jsonl' in capsys.readouterr().err
    assert cli.train_main([str(tmp_path / 'missing.jsonl'), '--out', 'm.onnx']) == 2
    assert '--out names the torch model file (e.g. m.pt); m.onnx is written beside it' in \
        capsys.readouterr().err
    one = D.Dataset(COCO17)
    for kp in syn.generate('stand', 5, np.random.default_rng(0)):
        one.append('stand', kp)
    path = one.save(tmp_path / 'one.jsonl')
    assert cli.train_main([str(path), '--out', str(tmp_path / 'm.pt')]) == 2
    assert 'at least 2 labels' in capsys.readouterr().err


def test_keypoints_helpers():
    kp = Keypoints.empty(COCO17)
    assert D.person_area(Person(kp)) == 0.0
    assert D.pick_subject([]) is None


def test_train_without_torch_names_the_training_requirements(tmp_path):
    """pose_train on a robot with the runtime requirements only: one clear line, exit 2."""
    code = ('from pose_ros.classifier import cli\n'
            f'raise SystemExit(cli.train_main([{str(tmp_path / "d.jsonl")!r}, "--out", '
            '"m.pt"]))\n')
    proc = subprocess.run(blocked_python(code), capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert 'pip install -r requirements/training.txt' in proc.stderr
    assert 'Traceback' not in proc.stderr
