# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""The trackers behind track ids: the torch-free ByteTrack, and its stability on real video."""

import subprocess
import sys

from conftest import needs
import numpy as np
from pose_ros.tools import track_stability as TS
from pose_ros.tracking import make_tracker, TrackerError, TRACKERS
import pytest


def person(x: float, y: float = 100.0) -> np.ndarray:
    """Return a person-sized box with its left edge at ``x``."""
    return np.array([x, y, x + 60.0, y + 160.0], np.float32)


def step(tracker, boxes, scores=None):
    boxes = np.array(boxes, np.float32).reshape(-1, 4)
    scores = np.full(len(boxes), 0.9, np.float32) if scores is None else np.asarray(scores)
    return tracker.update(boxes, scores)


def test_a_new_person_gets_an_id_on_the_second_frame_and_keeps_it_while_moving():
    tracker = make_tracker('bytetrack')
    index, ids, _ = step(tracker, [person(0), person(300)])
    assert list(index) == [0, 1] and list(ids) == [-1, -1]      # reported, not yet confirmed
    seen = []
    for t in range(1, 20):
        index, ids, boxes = step(tracker, [person(300 + 2 * t), person(5 * t)])
        assert list(index) == [0, 1]                             # the detector's order
        seen.append(tuple(ids))
        np.testing.assert_array_equal(boxes[1], person(5 * t))
    assert len(set(seen)) == 1 and min(seen[0]) >= 1 and seen[0][0] != seen[0][1]


def test_a_lost_person_keeps_their_id_over_a_short_gap_and_reset_starts_again():
    tracker = make_tracker('bytetrack')
    for _ in range(3):
        _, ids, _ = step(tracker, [person(100)])
    first = int(ids[0])
    for _ in range(10):                      # out of sight for 10 frames (kept for 30)
        assert len(step(tracker, [])[0]) == 0
    _, ids, _ = step(tracker, [person(100)])
    assert int(ids[0]) == first
    tracker.reset()
    step(tracker, [person(400)])
    _, ids, _ = step(tracker, [person(400)])
    assert int(ids[0]) == 1


def test_a_low_score_detection_continues_a_track_but_never_starts_one():
    tracker = make_tracker('bytetrack')
    for _ in range(2):
        _, ids, _ = step(tracker, [person(0)], [0.8])
    _, ids, _ = step(tracker, [person(2), person(400)], [0.15, 0.15])
    assert int(ids[0]) >= 1 and int(ids[1]) == -1
    for _ in range(3):
        _, ids, _ = step(tracker, [person(400)], [0.15])
        assert list(ids) == [-1]


def test_unknown_tracker_names_are_refused():
    assert make_tracker('none') is None
    with pytest.raises(ValueError, match='bytetrack'):
        make_tracker('deepsort')
    assert 'bytetrack' in TRACKERS and 'bytetrack.yaml' in TRACKERS


def test_bytetrack_never_imports_torch_or_ultralytics(tmp_path):
    code = (
        'import sys\n'
        'class Block:\n'
        '    def find_spec(self, name, path=None, target=None):\n'
        '        if name.split(".")[0] in ("torch", "torchvision", "ultralytics"):\n'
        '            raise ImportError(f"{name} is blocked")\n'
        'sys.meta_path.insert(0, Block())\n'
        'import numpy as np\n'
        'from pose_ros.tracking import make_tracker\n'
        't = make_tracker("bytetrack")\n'
        'for _ in range(3):\n'
        '    i, ids, b = t.update(np.array([[0, 0, 50, 100]], np.float32), np.array([0.9]))\n'
        'assert ids.tolist() == [1], ids\n')
    subprocess.run([sys.executable, '-c', code], check=True, timeout=120, cwd=tmp_path)


def test_a_missing_tracker_package_names_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'trackers', None)      # import trackers -> ImportError
    with pytest.raises(TrackerError, match='requirements/runtime-nodeps.txt'):
        make_tracker('bytetrack')


def test_fragments_count_a_new_id_where_a_track_just_ended():
    box = person(0)
    tracks = [{1: box}, {1: box}, {}, {2: box + 1}, {2: box + 1, 3: person(500)}]
    result = TS.count('x', tracks, detections=6, untracked=0, gap=30, seconds=0.0)
    assert (result.ids, result.fragments) == (3, 1)
    far = TS.count('x', tracks, detections=6, untracked=0, gap=0, seconds=0.0)
    assert far.fragments == 0                # a new id long after the end is not a fragment


@needs('ultralytics')                # its ByteTrack is the yardstick
def test_bytetrack_is_no_less_stable_than_ultralytics_on_real_video(tmp_path):
    """On vtest.avi (pedestrians, 795 frames): fewer or as many ids and fragments."""
    from pose_ros.config import BodyConfig
    from pose_ros.media import find_media, MediaMissing
    try:
        video = find_media('vtest.avi')
    except MediaMissing as e:
        pytest.skip(str(e))
    detections = TS.detect_video(video, BodyConfig(), None)
    ours = TS.run_tracker('bytetrack', detections, 30)
    theirs = TS.run_tracker('bytetrack.yaml', detections, 30)
    assert ours.ids <= theirs.ids and ours.fragments <= theirs.fragments, (ours, theirs)
    assert ours.untracked <= theirs.untracked
    out = tmp_path / 'BENCHMARKS.md'
    out.write_text('# Benchmarks\n\nhand-written text\n')
    assert TS.main(['--frames', '30', '--trackers', 'bytetrack', '--out', str(out)]) == 0
    text = out.read_text()
    assert 'hand-written text' in text and TS.BEGIN in text and '| bytetrack |' in text
