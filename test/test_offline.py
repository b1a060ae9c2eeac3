# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""The offline runner: same pipeline over a bag, a video or an image folder, no ROS graph."""

import json

import cv2
from pose_ros.media import find_media, MediaMissing
from pose_ros.tools.build_fixtures import ensure_fixtures
from pose_ros.tools.offline import main, run
import pytest


@pytest.fixture(scope='module')
def photo_bag():
    try:
        return ensure_fixtures(only=['photos'])['photos']
    except MediaMissing as e:
        pytest.skip(str(e))


def test_bag_gives_one_record_per_frame_with_message_fields(tmp_path, photo_bag):
    summary = run(photo_bag, tmp_path, backend='yolo', progress=False)
    records = [json.loads(line) for line in open(summary['jsonl'])]
    assert summary['frames'] == len(records) == 18
    assert len(list(tmp_path.glob('frame_*.jpg'))) == 18
    first = records[0]
    assert set(first) == {'header', 'backend', 'people'}
    assert first['header']['frame_id'] == 'camera_color_optical_frame'
    stamps = [r['header']['stamp']['sec'] + r['header']['stamp']['nanosec'] * 1e-9
              for r in records]
    assert all(b - a == pytest.approx(0.1, abs=1e-6) for a, b in zip(stamps, stamps[1:]))
    person = next(p for r in records for p in r['people'])
    assert len(person['body']['keypoints']) == 17
    assert {'name', 'x', 'y', 'confidence', 'position'} == set(person['body']['keypoints'][0])


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
    summary = run(folder, tmp_path / 'out', backend='mediapipe', progress=False)
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
    summary = run(clip, tmp_path / 'vout', backend='yolo', video=True, progress=False)
    assert summary['frames'] == 5
    assert (tmp_path / 'vout' / 'annotated.mp4').stat().st_size > 0


def test_bad_input_is_a_clear_error(tmp_path, capsys):
    assert main([str(tmp_path / 'missing.xyz'), '--out', str(tmp_path / 'o')]) == 2
    assert 'expected a rosbag2 folder' in capsys.readouterr().out
