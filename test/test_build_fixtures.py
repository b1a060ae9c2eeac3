# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Fixture bags of real footage: written with rosbags, read back with rosbags and rclpy."""

import json
from pathlib import Path
from typing import Dict, List, Tuple

import cv2
import numpy as np
from pose_ros.media import find_media, MediaMissing, PEOPLE_PHOTOS, VIDEO
from pose_ros.tools import build_fixtures as bf
import pytest
from rclpy.serialization import deserialize_message
from rosbags.rosbag2 import Reader
from sensor_msgs.msg import CameraInfo, CompressedImage, Image

FPS = 10.0
PERIOD_NS = 100_000_000
VIDEO_FRAMES = 12


def _read(bag: Path) -> Tuple[Dict[str, str], List[Tuple[str, int, bytes]]]:
    with Reader(bag) as reader:
        types = {c.topic: c.msgtype for c in reader.connections}
        messages = [(c.topic, t, bytes(d)) for c, t, d in reader.messages()]
    return types, messages


def _stamp_ns(msg) -> int:
    return msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec


@pytest.fixture(scope='module')
def bags(tmp_path_factory) -> Dict[str, Path]:
    root = tmp_path_factory.mktemp('fixtures')
    try:
        return {
            'photos': bf.build_photo_bag(root / 'photos'),
            'compressed': bf.build_photo_bag(root / 'compressed', compressed=True),
            'video': bf.build_video_bag(root / 'video', max_frames=VIDEO_FRAMES),
        }
    except MediaMissing as error:
        pytest.skip(str(error))


def test_photo_bag_topics_counts_and_stamps(bags):
    types, messages = _read(bags['photos'])
    assert types == {'/camera/color/image_raw': 'sensor_msgs/msg/Image',
                     '/camera/color/camera_info': 'sensor_msgs/msg/CameraInfo'}
    frames = len(PEOPLE_PHOTOS) * 3
    images = [(t, d) for topic, t, d in messages if topic == '/camera/color/image_raw']
    infos = [(t, d) for topic, t, d in messages if topic == '/camera/color/camera_info']
    assert len(images) == len(infos) == frames == 18
    record = [t for t, _ in images]
    assert all(b - a == PERIOD_NS for a, b in zip(record, record[1:]))
    assert record[0] == bf.DEFAULT_START_NS
    for (t_img, d_img), (t_info, d_info) in zip(images, infos):
        image = deserialize_message(d_img, Image)
        info = deserialize_message(d_info, CameraInfo)
        assert _stamp_ns(image) == t_img == _stamp_ns(info) == t_info
        assert image.header.frame_id == info.header.frame_id == 'camera_color_optical_frame'


def test_photo_bag_images_are_real_letterboxed_footage(bags):
    _, messages = _read(bags['photos'])
    images = [deserialize_message(d, Image) for topic, _, d in messages
              if topic == '/camera/color/image_raw']
    fixture = json.loads((bags['photos'] / 'fixture.json').read_text())
    for index, msg in enumerate(images):
        assert (msg.width, msg.height, msg.encoding, msg.step) == (640, 480, 'bgr8', 640 * 3)
        pixels = np.frombuffer(msg.data, np.uint8).reshape(480, 640, 3)
        assert pixels.std() > 10, f'frame {index} is blank'
        photo = fixture['photos'][index // 3]
        # Frames of one photo are identical (a still sequence); black bars are black.
        first = np.frombuffer(images[photo['first_frame']].data, np.uint8)
        assert np.array_equal(first, np.frombuffer(msg.data, np.uint8))
        if photo['offset_y'] > 0:
            assert not pixels[:photo['offset_y']].any()
        if photo['offset_x'] > 0:
            assert not pixels[:, :photo['offset_x']].any()
    # Each frame is its photo, letterboxed: compare with our own resize of the source.
    for photo in fixture['photos']:
        source = cv2.imread(str(find_media(photo['name'])))
        expected, placement = bf.letterbox(source, (640, 480))
        assert placement['scale'] == pytest.approx(photo['scale'])
        got = np.frombuffer(images[photo['first_frame']].data, np.uint8).reshape(480, 640, 3)
        assert np.array_equal(got, expected)


def test_photo_bag_camera_info(bags):
    _, messages = _read(bags['photos'])
    info = deserialize_message(
        next(d for topic, _, d in messages if topic == '/camera/color/camera_info'), CameraInfo)
    assert (info.width, info.height, info.distortion_model) == (640, 480, 'plumb_bob')
    np.testing.assert_allclose(info.k, [525, 0, 319.5, 0, 525, 239.5, 0, 0, 1])
    np.testing.assert_allclose(info.r, np.eye(3).ravel())
    np.testing.assert_allclose(info.p, [525, 0, 319.5, 0, 0, 525, 239.5, 0, 0, 0, 1, 0])
    np.testing.assert_allclose(info.d, np.zeros(5))


def test_fixture_json_describes_the_bag(bags):
    fixture = json.loads((bags['photos'] / 'fixture.json').read_text())
    assert fixture['frames'] == 18 and fixture['fps'] == FPS and fixture['repeat'] == 3
    assert fixture['size'] == [640, 480] and fixture['resize'] == 'letterbox'
    assert fixture['frame_id'] == 'camera_color_optical_frame'
    assert [s['name'] for s in fixture['sources']] == list(PEOPLE_PHOTOS)
    assert fixture['sources'][0]['sha256'] == bf.sha256_file(find_media('bus.jpg'))
    assert set(fixture['topics']) == {'/camera/color/image_raw', '/camera/color/camera_info'}
    assert (bags['photos'] / fixture['bag_file']).suffix == '.mcap'
    assert (bags['photos'] / 'metadata.yaml').is_file()


def test_build_is_idempotent_and_rebuilds_on_change(bags):
    bag = bags['photos']
    files = sorted(bag.iterdir())
    mtimes = {p.name: p.stat().st_mtime_ns for p in files}
    assert bf.build_photo_bag(bag) == bag
    assert {p.name: p.stat().st_mtime_ns for p in sorted(bag.iterdir())} == mtimes
    # Other parameters: the bag is rewritten, in place.
    changed = bag.parent / 'changed'
    bf.build_photo_bag(changed, repeat=1)
    mtime = (changed / 'fixture.json').stat().st_mtime_ns
    bf.build_photo_bag(changed, repeat=2)
    assert json.loads((changed / 'fixture.json').read_text())['frames'] == 12
    assert (changed / 'fixture.json').stat().st_mtime_ns != mtime
    # No temporary folders left behind (only the build lock file).
    assert [p.name for p in changed.parent.iterdir() if p.name.startswith('.changed')] == \
        ['.changed.lock']


def test_refuses_to_overwrite_a_folder_that_is_not_a_bag(tmp_path):
    (tmp_path / 'mine').mkdir()
    (tmp_path / 'mine' / 'notes.txt').write_text('keep me')
    try:
        with pytest.raises(FileExistsError, match='not a rosbag2 folder'):
            bf.build_photo_bag(tmp_path / 'mine', photos=PEOPLE_PHOTOS[:1], repeat=1)
    except MediaMissing as error:
        pytest.skip(str(error))
    assert (tmp_path / 'mine' / 'notes.txt').read_text() == 'keep me'


def test_compressed_photo_bag_decodes(bags):
    types, messages = _read(bags['compressed'])
    assert types == {'/camera/color/image_raw/compressed': 'sensor_msgs/msg/CompressedImage',
                     '/camera/color/camera_info': 'sensor_msgs/msg/CameraInfo'}
    images = [(t, deserialize_message(d, CompressedImage)) for topic, t, d in messages
              if topic == '/camera/color/image_raw/compressed']
    assert len(images) == 18
    for t, msg in images:
        assert _stamp_ns(msg) == t
        assert 'jpeg' in msg.format
        pixels = cv2.imdecode(np.frombuffer(msg.data, np.uint8), cv2.IMREAD_COLOR)
        assert pixels.shape == (480, 640, 3) and pixels.std() > 10


def test_video_bag(bags):
    types, messages = _read(bags['video'])
    assert types['/camera/color/image_raw'] == 'sensor_msgs/msg/Image'
    images = [(t, deserialize_message(d, Image)) for topic, t, d in messages
              if topic == '/camera/color/image_raw']
    assert len(images) == VIDEO_FRAMES
    stamps = [t for t, _ in images]
    assert all(b - a == PERIOD_NS for a, b in zip(stamps, stamps[1:]))  # vtest.avi is 10 fps
    capture = cv2.VideoCapture(str(find_media(VIDEO)))
    ok, first = capture.read()
    capture.release()
    assert ok
    t, msg = images[0]
    assert _stamp_ns(msg) == t and (msg.width, msg.height, msg.encoding) == (768, 576, 'bgr8')
    assert np.array_equal(np.frombuffer(msg.data, np.uint8).reshape(576, 768, 3), first)
    fixture = json.loads((bags['video'] / 'fixture.json').read_text())
    assert fixture['frames'] == VIDEO_FRAMES and fixture['size'] == [768, 576]
    info = deserialize_message(
        next(d for topic, _, d in messages if topic == '/camera/color/camera_info'), CameraInfo)
    np.testing.assert_allclose(info.k, [630, 0, 383.5, 0, 630, 287.5, 0, 0, 1])


def test_cli_builds_only_what_is_asked(tmp_path, capsys):
    try:
        find_media(PEOPLE_PHOTOS[0])
    except MediaMissing as error:
        pytest.skip(str(error))
    assert bf.main(['--out', str(tmp_path), '--only', 'photos_compressed']) == 0
    assert 'photos_compressed: wrote' in capsys.readouterr().out
    assert bf.main(['--out', str(tmp_path), '--only', 'photos_compressed']) == 0
    assert 'photos_compressed: up to date' in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ['photos_compressed']


def test_missing_footage_says_what_and_where(tmp_path, monkeypatch):
    monkeypatch.setenv('POSE_ROS_MEDIA_DIR', str(tmp_path))
    with pytest.raises(MediaMissing) as info:
        find_media('vtest.avi')
    message = str(info.value)
    assert 'vtest.avi' in message and str(tmp_path) in message
    assert 'opencv-doc' in message and 'scripts/bootstrap.sh' in message
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(MediaMissing, match='ultralytics'):
        find_media('zidane.jpg')
    with pytest.raises(MediaMissing, match='bus.jpg'):
        bf.build_photo_bag(tmp_path / 'bag')
    assert bf.main(['--out', str(tmp_path / 'out'), '--only', 'video']) == 2
