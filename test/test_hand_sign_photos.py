# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Hand signs on real photos labelled by eye (issue #16): the labels file and the matrix."""

from collections import Counter
import os
from pathlib import Path

from pose_ros.classifier.synthetic_hands import hand_keypoints, View
from pose_ros.config import ConfigError
from pose_ros.evaluation import hand_sign_photos as hs
from pose_ros.people import Keypoints, Person
from pose_ros.schemas import COCO17
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / 'config' / 'hand_sign_labels.yaml'
GT = Path(os.environ.get('POSE_ROS_GT_DIR', ROOT.parent / 'shared' / 'data' / 'gt'))
need_gt = pytest.mark.skipif(not GT.is_dir(), reason=f'no ground-truth folder at {GT} '
                             '(set POSE_ROS_GT_DIR)')


@need_gt
def test_the_shipped_labels_are_valid_and_name_photos_of_the_development_set():
    photos, missing = hs.load_labels(LABELS, GT)
    assert not [k for k in missing if k.startswith('gt:')], missing
    signs = Counter(p.sign for p in photos)
    assert signs['open_palm'] >= 1 and signs['ok'] >= 1 and signs['none'] >= 10, signs


def test_every_line_of_the_labels_file_is_commented():
    for line in LABELS.read_text().splitlines():
        assert not line.strip() or '#' in line, line
        assert len(line) <= 99


@pytest.mark.parametrize('content, match', [
    ({'version': 1, 'images': {'gt:a.jpg': 'wave'}}, "unknown sign 'wave'"),
    ({'version': 1, 'images': {'a.jpg': 'fist'}}, "'gt:<path>' or 'media:<name>'"),
    ({'version': 2, 'images': {}}, 'version: 1'),
    ({'version': 1, 'images': ['gt:a.jpg']}, 'mapping'),
])
def test_bad_labels_files_are_refused(tmp_path, content, match):
    path = tmp_path / 'labels.yaml'
    path.write_text(yaml.safe_dump(content))
    with pytest.raises(ConfigError, match=match):
        hs.load_labels(path, tmp_path)


def test_photos_not_on_this_machine_are_listed_not_fatal(tmp_path):
    (tmp_path / 'here.jpg').write_bytes(b'x')
    path = tmp_path / 'labels.yaml'
    path.write_text(yaml.safe_dump({'version': 1, 'images': {
        'gt:here.jpg': 'fist', 'gt:gone.jpg': 'none', 'media:no_such_photo.jpg': 'ok'}}))
    photos, missing = hs.load_labels(path, tmp_path)
    assert [p.key for p in photos] == ['gt:here.jpg']
    assert missing == ['gt:gone.jpg', 'media:no_such_photo.jpg']


def test_the_prediction_of_a_photo():
    body = Keypoints.empty(COCO17)
    assert hs.predicted_sign([]) == hs.NOT_FOUND
    assert hs.predicted_sign([Person(body=body)]) == hs.NOT_FOUND
    fist = Person(body=body, hands=[hand_keypoints('fist')])
    palm = Person(body=body, hands=[hand_keypoints('open_palm', View(side='left'))])
    half = Person(body=body, hands=[hand_keypoints('relaxed')])
    assert hs.predicted_sign([fist]) == 'fist'
    assert hs.predicted_sign([fist, palm]) == 'open_palm'
    assert hs.predicted_sign([half]) == hs.NONE


def test_confusion_summary_and_table():
    pairs = [('ok', 'ok'), ('ok', 'open_palm'), ('ok', hs.NOT_FOUND), ('open_palm', 'open_palm'),
             ('none', 'none'), ('none', 'fist'), ('none', hs.NOT_FOUND), ('none', 'none')]
    table = hs.confusion(pairs)
    assert table['ok'] == Counter({'ok': 1, 'open_palm': 1, hs.NOT_FOUND: 1})
    s = hs.summary(table)
    assert s['hands making a sign'] == 4 and s['recognised'] == 0.5
    assert s['taken for another sign'] == 0.25
    assert s['hands making none'] == 4 and s['given a sign'] == 0.25
    text = hs.markdown(table)
    assert text.splitlines()[0] == ('| label \\ found | open_palm | fist | ok | none | no hand '
                                    '| total |')
    assert '| ok | 1 | 0 | 1 | 0 | 1 | 3 |' in text


@need_gt
def test_the_real_photos_through_the_pipeline():
    """
    The labelled photos, turned 4 ways, through the pipeline and MediaPipe Hands (real models).

    No photo is ever taken for another sign; on hands that make no sign the only sign given
    is open_palm, a stop (FreiHAND's flat hand along a spoon handle: its annotated keypoints
    are a flat hand too).
    """
    pytest.importorskip('mediapipe', reason='needs mediapipe (runtime requirements)')
    from pose_ros.config import BodyConfig
    from pose_ros.tools.evaluate import evaluate_hand_signs
    result = evaluate_hand_signs(LABELS, GT, BodyConfig())
    summary = hs.summary(result.table)
    assert summary['taken for another sign'] == 0.0, result.text
    assert summary['recognised'] >= 0.75, result.text
    given = {sign for sign, n in result.table[hs.NONE].items() if sign in hs.HAND_SIGNS and n}
    assert given <= {'open_palm'}, result.text
