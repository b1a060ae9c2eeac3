# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The offline runner: the node's pipeline and configuration over a bag, a video or a folder.

Also its configuration options (``--params-file``, ``--param``, ``--backend``, shared with
``pose_record``) and aligned depth from a bag. Parity with a running body_node is
test_offline_parity.py.
"""

import json
from pathlib import Path

from conftest import body_config
import cv2
from media_helpers import photo
import numpy as np
from pose_ros.config import BodyConfig, ConfigError
from pose_ros.config_args import body_config as config_of, parse_param
from pose_ros.media import find_media, MediaMissing
from pose_ros.tools.build_fixtures import letterbox
from pose_ros.tools.offline import main, run
import pytest
from test_sources import BagWriter, stamp
import yaml

PARAMS = Path(__file__).resolve().parent.parent / 'config' / 'pose_ros.yaml'


def test_bag_gives_one_record_per_frame_with_message_fields(tmp_path, photo_bag):
    """The defaults (those of config/pose_ros.yaml): yolo_onnx, tracked, with head poses."""
    summary = run(photo_bag, tmp_path, BodyConfig(), progress=False)
    records = [json.loads(line) for line in open(summary['jsonl'])]
    assert summary['frames'] == len(records) == 18
    assert len(list(tmp_path.glob('frame_*.jpg'))) == 18
    first = records[0]
    assert set(first) == {'header', 'backend', 'people'}
    assert first['header']['frame_id'] == 'camera_color_optical_frame'
    assert first['backend'] == 'yolo_onnx'
    stamps = [r['header']['stamp']['sec'] + r['header']['stamp']['nanosec'] * 1e-9
              for r in records]
    assert all(b - a == pytest.approx(0.1, abs=1e-6) for a, b in zip(stamps, stamps[1:]))
    person = next(p for r in records for p in r['people'])
    assert len(person['body']['keypoints']) == 17
    assert {'name', 'x', 'y', 'confidence', 'position'} == set(person['body']['keypoints'][0])
    # What the node publishes: every person's head (and hands) fields, and track ids.
    people = [p for r in records for p in r['people']]
    assert all({'track_id', 'bbox', 'score', 'body', 'hands', 'head', 'face'} <= set(p)
               for p in people)
    assert sum(p['head']['valid'] for p in people) >= 10
    faces = [p['face'] for p in people if p['face']['valid']]
    assert len(faces) >= 10 and all(len(f['landmarks']['keypoints']) == 68 for f in faces)
    assert all(p['hands'] == [] for p in people)                 # hands.enabled is false
    ids = [p['track_id'] for p in people]
    # ByteTrack publishes a new person with id -1 and confirms them on their second frame.
    assert len({i for i in ids if i >= 1}) > 3 and set(ids) <= {-1} | set(range(1, 1000))
    assert ids.count(-1) < len(ids) / 2
    assert not summary['skipped']


def test_segmentation_writes_the_track_mask_and_the_effect(tmp_path, photo_bag):
    """What body_node publishes on person_mask and effect_image, one file per frame."""
    config = body_config({'segmentation.enabled': True, 'segmentation.effect': 'replace',
                          'head.enabled': False})
    summary = run(photo_bag, tmp_path, config, progress=False)
    records = [json.loads(line) for line in open(summary['jsonl'])]
    masks = sorted(tmp_path.glob('mask_*.png'))
    assert len(masks) == len(list(tmp_path.glob('effect_*.jpg'))) == len(records) == 18
    tracked = 0
    for path, record in zip(masks, records):
        mask = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert mask.dtype == np.uint16 and mask.shape == (480, 640)
        ids = {p['track_id'] + 1 if p['track_id'] >= 0 else 65535 for p in record['people']}
        values = set(np.unique(mask).tolist()) - {0}
        assert values <= ids
        tracked += len(values - {65535})
    assert tracked > 10


def test_image_folder_and_video(tmp_path):
    try:
        bus = find_media('bus.jpg')
        video = find_media('vtest.avi')
    except MediaMissing as e:
        pytest.skip(str(e))
    folder = tmp_path / 'in'
    folder.mkdir()
    cv2.imwrite(str(folder / 'a.jpg'), cv2.imread(str(bus)))
    (folder / 'notes.txt').write_text('not an image')
    summary = run(folder, tmp_path / 'out', body_config({'backend': 'mediapipe'}),
                  progress=False)
    assert summary['frames'] == 1 and summary['people'] == 1
    # A short clip of the video, written as a video.
    clip = tmp_path / 'clip.avi'
    cap = cv2.VideoCapture(str(video))
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*'MJPG'), 10, (768, 576))
    for _ in range(5):
        ok, frame = cap.read()
        assert ok
        writer.write(frame)
    writer.release()
    summary = run(clip, tmp_path / 'vout', body_config({'backend': 'yolo_onnx'}), video=True,
                  progress=False)
    assert summary['frames'] == 5
    assert (tmp_path / 'vout' / 'annotated.mp4').stat().st_size > 0


def test_bad_input_is_a_clear_error(tmp_path, capsys):
    assert main([str(tmp_path / 'missing.xyz'), '--out', str(tmp_path / 'o')]) == 2
    assert 'expected a rosbag2 folder' in capsys.readouterr().out


def test_params_file_and_overrides():
    """--params-file reads body_node's part; --backend, then --param, override it."""
    assert config_of(PARAMS) == BodyConfig() == config_of()
    config = config_of(PARAMS, ['yolo.confidence=0.4', 'hands.enabled=true',
                                'smoothing.beta=1', "yolo.device='cpu'", 'backend=yolo'],
                       backend='mediapipe')
    assert (config.yolo.confidence, config.hands.enabled, config.smoothing.beta) == (
        0.4, True, 1.0)
    assert config.backend == 'yolo'                    # --param comes after --backend
    assert config_of(backend='mediapipe').backend == 'mediapipe'
    assert config_of(None, ['yolo.confidence=0.3', 'yolo.confidence=0.5']).yolo.confidence == 0.5
    assert parse_param('yolo.weights= my model.onnx ') == ('yolo.weights', 'my model.onnx')
    assert parse_param("yolo.weights=''") == ('yolo.weights', '')


def test_params_file_of_our_own(tmp_path):
    path = tmp_path / 'mine.yaml'
    path.write_text(yaml.safe_dump({
        '/**/body_node': {'ros__parameters': {'use_depth': True, 'head': {'enabled': False}}},
        '/**/classifier_node': {'ros__parameters': {'rate': 5.0}},   # not body_node's
    }))
    config = config_of(path, ['head.enabled=true'])
    assert config.use_depth and config.head.enabled
    assert not config_of(path).head.enabled


@pytest.mark.parametrize('argv, message', [
    (['--param', 'yolo.confidance=0.3'], "unknown parameter(s) ['yolo.confidance']"),
    (['--param', 'yolo.confidence=2.0'], 'yolo.confidence must be in [0.0, 1.0]; got 2.0'),
    (['--param', 'yolo.confidence=high'], 'confidence must be a float'),
    (['--param', 'depth.window=4'], 'window must be odd'),
    (['--param', 'use_depth'], '--param wants NAME=VALUE'),
    (['--param', '=1'], '--param wants NAME=VALUE'),
    (['--param', 'max_people=[1, 2]'], 'must be a YAML scalar'),
    (['--param', 'max_people='], 'must be a YAML scalar'),
    (['--param', 'max_people={a'], 'cannot parse'),
    (['--params-file', 'no/such.yaml'], 'no/such.yaml not found'),
    (['--params-file', '{tmp}/list.yaml'], 'a parameter file is a mapping of node names'),
    (['--params-file', '{tmp}/twice.yaml'], 'is given twice'),
    (['--params-file', '{tmp}/bad.yaml', '--param', 'max_people=3'],
     "bad.yaml (body_node): unknown parameter(s) ['head.enbled']"),
])
def test_configuration_errors_are_one_clear_line(tmp_path, capsys, argv, message):
    """Every bad option exits 2 before a model is loaded, naming the parameter or file."""
    (tmp_path / 'list.yaml').write_text('- body_node\n')
    (tmp_path / 'twice.yaml').write_text('/**/body_node:\n  ros__parameters:\n'
                                         '    max_people: 2\n    max_people: 3\n')
    (tmp_path / 'bad.yaml').write_text('body_node:\n  ros__parameters:\n'
                                       '    head: {enbled: false}\n')
    argv = [a.replace('{tmp}', str(tmp_path)) for a in argv]
    assert main([str(tmp_path), '--out', str(tmp_path / 'o'), '--no-progress', *argv]) == 2
    out = capsys.readouterr().out
    assert out.startswith('offline: ') and message in out, out
    assert not (tmp_path / 'o').exists()


def test_bad_values_name_the_parameter():
    with pytest.raises(ConfigError, match=r'head\.min_cutoff'):
        config_of(PARAMS, ['head.min_cutoff=0'])
    with pytest.raises(ConfigError, match='backend must be one of'):
        config_of(None, ['backend=openpose'])


def test_depth_options_follow_use_depth(tmp_path, capsys):
    bag = tmp_path / 'bag'
    w = BagWriter(bag, depth=False)
    w.colour(stamp(0), stamp(0), 0)
    w.close()
    assert main([str(bag), '--out', str(tmp_path / 'o'), '--depth-topic', '/d']) == 2
    assert '--depth-topic needs use_depth true' in capsys.readouterr().out
    assert main([str(bag), '--out', str(tmp_path / 'o'), '--param', 'use_depth=true']) == 2
    assert 'has no depth topic' in capsys.readouterr().out
    assert main([str(bag), '--out', str(tmp_path / 'o'), '--param', 'use_depth=true',
                 '--depth-topic', '/nope']) == 2
    assert 'has no depth topic /nope' in capsys.readouterr().out
    assert not (tmp_path / 'o').exists()


def test_bag_with_aligned_depth_gives_3d_keypoints(tmp_path):
    """use_depth: each colour image is lifted with the depth image of its stamp."""
    person, _ = letterbox(photo('messi5.jpg'), (640, 480))
    bag = tmp_path / 'rgbd'
    w = BagWriter(bag)
    for i in range(3):
        w.camera_info(stamp(i), stamp(i), size=(640, 480))
        msg = w._image(stamp(i), person, 'bgr8')
        w.writer.write(w.image, stamp(i), w.store.serialize_cdr(msg, 'sensor_msgs/msg/Image'))
        mm = np.full((480, 640), 2000 + 500 * i, np.uint16)
        w.writer.write(w.depth, stamp(i) + 1, w.store.serialize_cdr(
            w._image(stamp(i) + 5_000_000, mm, '16UC1'), 'sensor_msgs/msg/Image'))
    w.close()
    assert main([str(bag), '--out', str(tmp_path / 'o'), '--no-progress', '--params-file',
                 str(PARAMS), '--param', 'use_depth=true', '--param', 'head.enabled=false',
                 '--param', 'smoothing.enabled=false']) == 0
    records = [json.loads(line) for line in open(tmp_path / 'o' / 'people.jsonl')]
    assert len(records) == 3
    for i, record in enumerate(records):
        body = max(record['people'], key=lambda p: p['score'])['body']
        assert body['position_source'] == 1                       # DEPTH
        z = [k['position']['z'] for k in body['keypoints'] if k['position']['z'] is not None]
        assert len(z) >= 5 and np.allclose(z, 2.0 + 0.5 * i, atol=1e-3), (i, z)
