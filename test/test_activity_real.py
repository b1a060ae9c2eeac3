# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Activity analytics on real footage, through the real pipeline (YOLO11n-pose, ONNX).

Pedestrians of the video fixture walk: they make steps, no fall, no squat, in ``offline`` and
in the launched graph (body_node and activity_node over DDS, the bag replayed). No real photo
makes a fall: not a person held still, and not people swapped under one track id (what a
tracker's identity switch looks like), whatever their posture.
"""

import json
from pathlib import Path

from conftest import fixture_bag
import cv2
import numpy as np
from pose_ros.activity.analyzer import ActivityAnalyzer
from pose_ros.config import ActivityConfig, BodyConfig, replace
from pose_ros.media import find_media, MediaMissing, PEOPLE_PHOTOS
from pose_ros.people import Person
from pose_ros.tools import offline
from pose_ros.tools.evaluate import PipelinePath
import pytest

GT = Path(__file__).resolve().parent.parent.parent / 'shared' / 'data' / 'gt'
GT_PHOTOS = sorted(p for d in ('coco', 'crowdpose', 'mpii') for p in (GT / d).glob('*.jpg'))
FPS = 10.0


def test_pedestrians_walk_without_falling_or_squatting(tmp_path):
    bag = fixture_bag('video')
    summary = offline.run(bag, tmp_path, BodyConfig(), progress=False, activity=ActivityConfig())
    assert summary['activity']['exercise'] == 'squat'
    assert summary['activity']['steps'] >= 2, summary
    assert summary['activity']['falls'] == 0 and summary['activity']['repetitions'] == 0
    people = [json.loads(line) for line in open(tmp_path / 'people.jsonl')]
    activity = [json.loads(line) for line in open(tmp_path / 'activity.jsonl')]
    assert [a['header'] for a in activity] == [p['header'] for p in people]
    walkers = {p['track_id']: p['steps'] for a in activity for p in a['people']}
    assert max(walkers.values()) >= 2, walkers
    assert all(p['posture'] != 'lying' for a in activity for p in a['people'])
    assert (tmp_path / 'activity_events.jsonl').read_text() == ''


def _photo_people():
    """Return the people found in every real photo here (development set and fixtures)."""
    paths = list(GT_PHOTOS)
    for name in PEOPLE_PHOTOS:
        try:
            paths.append(find_media(name))
        except MediaMissing:
            pass
    if not paths:
        pytest.skip(f'no real photos: neither {GT} nor the fixture photos are on this machine')
    path = PipelinePath(replace(BodyConfig(), {'yolo.tracker': 'none'}))
    try:
        found = []
        for p in paths:
            bgr = cv2.imread(str(p))
            found += [(p.name, person) for person in path.people(bgr)
                      if person.body.visible(0.3).sum() >= 8]
    finally:
        path.close()
    return found


@pytest.fixture(scope='module')
def photo_people():
    return _photo_people()


def _as_track(person: Person) -> Person:
    return Person(body=person.body, bbox=person.bbox, score=person.score, track_id=7)


def test_no_real_photo_makes_a_fall(photo_people):
    assert len(photo_people) >= 20
    config = replace(ActivityConfig(), {'repetitions.exercise': ''})
    # Each person held still for 3 s.
    for name, person in photo_people:
        analyzer = ActivityAnalyzer(config)
        for i in range(int(3 * FPS)):
            analyzer.update(i / FPS, [_as_track(person)])
        assert analyzer.totals.falls == 0, name
    # Everyone in a row under one track id, 1.5 s each: identity switches between people of
    # any size, place and posture (in both orders).
    for order in (photo_people, photo_people[::-1]):
        analyzer = ActivityAnalyzer(config)
        t = 0.0
        for _, person in order:
            for _ in range(int(1.5 * FPS)):
                analyzer.update(t, [_as_track(person)])
                t += 1 / FPS
        assert analyzer.totals.falls == 0
    postures = set()
    for _, person in photo_people:
        analyzer = ActivityAnalyzer(config)
        postures.add(analyzer.update(0.0, [_as_track(person)]).people[0].posture)
    assert 'upright' in postures and len(postures) >= 2, postures


def test_a_real_person_falling_is_seen_lying():
    """A real photo turned on its side: a standing person, lying; the posture says so."""
    try:
        path_photo = find_media(PEOPLE_PHOTOS[0])
    except MediaMissing as e:
        pytest.skip(str(e))
    path = PipelinePath(replace(BodyConfig(), {'yolo.tracker': 'none'}))
    try:
        bgr = cv2.imread(str(path_photo))
        upright = [p for p in path.people(bgr) if p.body.visible(0.3).sum() >= 12]
        turned = [p for p in path.people(cv2.rotate(bgr, cv2.ROTATE_90_CLOCKWISE))
                  if p.body.visible(0.3).sum() >= 12]
    finally:
        path.close()
    analyzer = ActivityAnalyzer(ActivityConfig())
    assert upright and turned
    stood = analyzer.update(0.0, [_as_track(upright[0])]).people[0].posture
    # The same person (largest box) seen turned by 90 degrees.
    biggest = max(turned, key=lambda p: np.prod(p.bbox[2:] - p.bbox[:2]))
    lay = ActivityAnalyzer(ActivityConfig())
    lay.update(0.0, [_as_track(max(upright, key=lambda p: np.prod(p.bbox[2:] - p.bbox[:2])))])
    assert stood == 'upright'
    assert lay.update(0.1, [_as_track(biggest)]).people[0].posture == 'lying'


def test_a_staged_real_fall_is_found_and_lying_down_slowly_is_not(tmp_path):
    """
    A real person's pixels turned over about his feet (pose_ros.tools.staged_motion).

    The pipeline sees a real detector's keypoints on a turning body (its hips lag, then
    jump as the body turns horizontal) and ByteTrack may lose him in the fall: one fall, after
    he started going down; going down over 6 s is no fall.
    """
    found = {}
    for name in ('fall', 'lie_down'):
        bag = fixture_bag(name)
        out = tmp_path / name
        summary = offline.run(bag, out, BodyConfig(), progress=False,
                              activity=replace(ActivityConfig(), {'repetitions.exercise': ''}))
        events = [json.loads(line) for line in open(out / 'activity_events.jsonl')]
        activity = [json.loads(line) for line in open(out / 'activity.jsonl')]
        start = json.loads((bag / 'fixture.json').read_text())['first_stamp_ns'] / 1e9
        found[name] = [(e['kind'], round(stamp(e['header']) - start, 1)) for e in events]
        assert summary['activity']['falls'] == len(found[name])
        # Lying at the end either way.
        assert {p['posture'] for p in activity[-1]['people']} == {'lying'}, activity[-1]
    assert len(found['fall']) == 1 and found['fall'][0][0] == 'fall', found
    # He starts going down at 2.0 s, lies from 2.6 s; falls.confirm is 1 s.
    assert 2.6 <= found['fall'][0][1] <= 4.5, found
    assert found['lie_down'] == [], found


def test_staged_real_squats_are_counted(tmp_path):
    """The same man's legs squashed to 45 % and back, three times: three squats, in phase."""
    bag = fixture_bag('squats')
    summary = offline.run(bag, tmp_path, BodyConfig(), progress=False, activity=ActivityConfig())
    assert summary['activity']['repetitions'] == 3, summary
    events = [json.loads(line) for line in open(tmp_path / 'activity_events.jsonl')]
    start = json.loads((bag / 'fixture.json').read_text())['first_stamp_ns'] / 1e9
    # He starts at 1.5 s, each squat takes 2.5 s: each is counted as he stands up again.
    assert [(e['kind'], e['count']) for e in events] == [('repetition', n) for n in (1, 2, 3)]
    ends = [1.5 + 2.5 * n for n in (1, 2, 3)]
    for e, end in zip(events, ends):
        assert end - 1.0 <= stamp(e['header']) - start <= end + 0.5, (events, ends)


def stamp(header) -> float:
    return header['stamp']['sec'] + header['stamp']['nanosec'] * 1e-9


def run_graph(tmp_path, bag, rate, body_params=None):
    """
    Replay ``bag`` through body_node and activity_node as bringup starts them.

    Returns the Activity messages, fall alerts, activity images and activity diagnostics.
    """
    import time

    from diagnostic_msgs.msg import DiagnosticArray
    from pose_ros.tools.graph import NodeProcess, ros_args, share_file
    from pose_ros.tools.replay import replay_bag
    from pose_ros_msgs.msg import Activity, ActivityEvent
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
    from ros_helpers import Collector, Lifecycle, RosContext, spin_in_thread, wait_for
    from sensor_msgs.msg import Image

    params = [share_file('config/pose_ros.yaml')]
    got = Collector('activity', 'falls', 'images', 'diag')
    compressed = bool((body_params or {}).get('compressed'))
    image_topic = '/camera/color/image_raw' + ('/compressed' if compressed else '')

    latched = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE,
                         durability=DurabilityPolicy.TRANSIENT_LOCAL)
    with RosContext() as ros:
        body = NodeProcess('body_node', ros_args(params, remaps={
            'image': '/camera/color/image_raw',
            'image/compressed': '/camera/color/image_raw/compressed',
            'camera_info': '/camera/color/camera_info'},
            params={'autostart': False, **(body_params or {})}),
            log_path=tmp_path / 'body_node.log')
        activity = NodeProcess('activity_node', ros_args(params),
                               log_path=tmp_path / 'activity_node.log')
        try:
            node = ros.node('test_activity_graph')
            node.create_subscription(Activity, '/activity', got.keep('activity'), 200)
            node.create_subscription(ActivityEvent, '/fall_alert', got.keep('falls'), latched)
            node.create_subscription(Image, '/activity_image', got.keep('images'), 10)
            node.create_subscription(DiagnosticArray, '/diagnostics', got.keep('diag'), 100)
            lifecycle = Lifecycle(node)
            with spin_in_thread(node):
                lifecycle.activate(body)
                assert wait_for(lambda: node.count_subscribers('/people') > 0
                                and node.count_subscribers(image_topic) > 0,
                                90.0), body.log_text() + activity.log_text()
                replay_bag(ros.node('test_activity_replay'), bag, rate=rate)
                time.sleep(2.0)
            assert body.alive() and activity.alive()
        finally:
            codes = (body.stop(), activity.stop())
    assert codes == (0, 0), body.log_text()[-2000:] + activity.log_text()[-2000:]
    diag = [kv for d in got.take('diag') for s in d.status if 'activity' in s.name
            for kv in s.values]
    return got.take('activity'), got.take('falls'), got.take('images'), diag


def test_the_launched_graph_counts_steps_on_replayed_footage(tmp_path):
    """body_node and activity_node as bringup starts them (use_activity:=true), bag replayed."""
    # A third of real time: body_node keeps up on two cores, so the steps are counted on
    # (nearly) every frame, as offline counts them.
    messages, falls, images, diag = run_graph(tmp_path, fixture_bag('video'), rate=0.3)
    assert len(messages) >= 80, len(messages)
    assert all(m.header.frame_id for m in messages)
    steps = max((p.steps for m in messages for p in m.people), default=0)
    assert steps >= 1, [(p.track_id, p.steps) for m in messages[-5:] for p in m.people]
    assert falls == [] and images
    assert any(kv.key == 'steps' and int(kv.value) >= 1 for kv in diag), diag


def test_the_launched_graph_counts_staged_real_squats(tmp_path):
    """The staged squats through the graph: three repetitions, drawn on activity_image."""
    messages, falls, images, diag = run_graph(tmp_path, fixture_bag('squats'), rate=0.5,
                                              body_params={'compressed': True})
    assert len(messages) >= 90, len(messages)
    best = max((p for m in messages for p in m.people), key=lambda p: p.repetitions)
    assert (best.exercise, best.repetitions) == ('squat', 3), best
    assert falls == [] and images
    assert any(kv.key == 'repetitions' and kv.value == '3' for kv in diag), diag


def test_the_launched_graph_alerts_a_staged_real_fall(tmp_path):
    """The staged fall (JPEG, as compressed_image_transport sends it) raises fall_alert once."""
    messages, falls, _, diag = run_graph(tmp_path, fixture_bag('fall'), rate=0.3,
                                         body_params={'compressed': True})
    assert len(messages) >= 50, len(messages)
    assert [(f.kind, f.count) for f in falls] == [('fall', 1)], falls
    assert falls[0].detail.startswith('posture lying')
    assert any(p.fallen for p in messages[-1].people), messages[-1]
    assert any(kv.key == 'falls' and kv.value == '1' for kv in diag), diag
