# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Both backends with their real weights on real photos of people (no ROS graph)."""

from conftest import body_config
from media_helpers import photo
import numpy as np
from pose_ros.backends import BackendError, create_backend
from pose_ros.config import ConfigError
from pose_ros.pipeline import build_pipeline, Frame
from pose_ros.schemas import BLAZEPOSE33, COCO17
import pytest


@pytest.fixture(scope='module')
def blazepose():
    backend = create_backend(body_config({'backend': 'mediapipe'}))
    yield backend
    backend.close()


@pytest.mark.parametrize('name, low, high', [('bus.jpg', 4, 6), ('zidane.jpg', 2, 3),
                                             ('messi5.jpg', 1, 5)])
def test_yolo_people_count_is_plausible(yolo, name, low, high):
    people = yolo.infer(photo(name))
    assert low <= len(people) <= high, f'{name}: {len(people)} people'


def keypoints_near_box(person, margin=0.15):
    x0, y0, x1, y1 = person.bbox
    mx, my = (x1 - x0) * margin, (y1 - y0) * margin
    visible = person.body.visible(0.5)
    xy = person.body.xy[visible]
    inside = ((xy[:, 0] >= x0 - mx) & (xy[:, 0] <= x1 + mx)
              & (xy[:, 1] >= y0 - my) & (xy[:, 1] <= y1 + my))
    return inside.all(), xy[~inside]


@pytest.mark.parametrize('backend_name', ['yolo', 'blazepose'])
def test_keypoints_lie_in_their_person_box(request, backend_name):
    backend = request.getfixturevalue(backend_name)
    for name in ('bus.jpg', 'messi5.jpg'):
        backend.reset()    # unrelated photos: no tracking from one to the next
        people = backend.infer(photo(name))
        assert people
        for person in people:
            assert len(person.body) == len(backend.schema)
            ok, outside = keypoints_near_box(person)
            assert ok, f'{name}: keypoints {outside} outside box {person.bbox}'


@pytest.mark.parametrize('backend_name', ['yolo', 'blazepose'])
def test_left_and_right_are_the_persons_own(request, backend_name):
    """People facing the camera have their left shoulder and hip on the image's right."""
    backend = request.getfixturevalue(backend_name)
    backend.reset()
    people = backend.infer(photo('bus.jpg'))
    # The clearest frontal people: big boxes with confident shoulders and hips.
    checked = 0
    for person in people:
        kp = person.body
        names = ('left_shoulder', 'right_shoulder', 'left_hip', 'right_hip')
        conf = [kp.conf[kp.schema.index(n)] for n in names]
        if min(conf) < 0.8 or person.bbox[3] - person.bbox[1] < 300:
            continue
        assert kp.point('left_shoulder')[0] > kp.point('right_shoulder')[0]
        assert kp.point('left_hip')[0] > kp.point('right_hip')[0]
        checked += 1
    assert checked >= 1


def test_blazepose_world_landmarks_are_metric_and_hip_centred(blazepose):
    blazepose.reset()
    person = blazepose.infer(photo('messi5.jpg'))[0]
    assert person.body.schema is BLAZEPOSE33
    assert person.body.position_source == 3      # MODEL_ROOT
    assert np.linalg.norm(person.body.root_xyz()) < 0.05
    shoulders = person.body.xyz[[BLAZEPOSE33.index('left_shoulder'),
                                 BLAZEPOSE33.index('right_shoulder')]]
    width = np.linalg.norm(shoulders[0] - shoulders[1])
    assert 0.2 < width < 0.6, f'shoulder width {width} m is not human'


def test_track_ids_are_stable_on_a_still_sequence():
    pipeline = build_pipeline(body_config({'backend': 'yolo_onnx', 'head.enabled': False}))
    image = photo('bus.jpg')
    ids = [sorted(p.track_id for p in pipeline.process(Frame(image, t * 0.1)).people)
           for t in range(6)]
    # ByteTrack confirms a new person on their second frame: id -1 until then.
    assert set(ids[0]) == {-1} and len(ids[0]) == len(ids[1]), ids
    assert all(i == ids[1] for i in ids[1:]), ids
    assert all(i >= 1 for i in ids[1])
    pipeline.close()


def test_multi_person_blazepose_on_yolo_boxes():
    backend = create_backend(body_config({'backend': 'mediapipe',
                                          'mediapipe.person_detector': 'yolo'}))
    backend.infer(photo('bus.jpg'))
    people = backend.infer(photo('bus.jpg'))      # the second frame: tracks confirmed
    backend.close()
    assert 3 <= len(people) <= 6
    assert len({p.track_id for p in people}) == len(people)
    assert all(p.track_id >= 1 for p in people)
    for person in people:
        ok, outside = keypoints_near_box(person, margin=0.3)
        assert ok, outside


def test_blazepose_on_crops_never_drops_a_person_yolo_found():
    """A crop BlazePose finds nothing in keeps YOLO's box, id, score and 17 keypoints."""
    backend = create_backend(body_config({'backend': 'mediapipe',
                                          'mediapipe.person_detector': 'yolo'}))
    try:
        image = photo('bus.jpg')
        found = backend._detector.infer(image)

        class Blind:                         # a BlazePose graph that finds no pose
            def process(self, crop):
                return type('R', (), {'pose_landmarks': None})()

            def close(self):
                pass
        backend._graph = lambda key: Blind()
        backend._detector.reset()
        people = backend.infer(image)
    finally:
        backend.close()
    assert len(people) == len(found) > 0
    for person, det in zip(sorted(people, key=lambda p: -p.score),
                           sorted(found, key=lambda p: -p.score)):
        assert person.body.schema is BLAZEPOSE33 and person.score == pytest.approx(det.score)
        assert np.allclose(person.bbox, det.bbox, atol=0.01)
        for name in COCO17.keypoints:
            assert np.allclose(person.body.point(name)[:2], det.body.point(name)[:2], atol=0.01,
                               equal_nan=True)
        assert np.isnan(person.body.point('left_heel')).all()


def test_missing_weights_are_a_clear_error(tmp_path):
    with pytest.raises(BackendError, match='never downloads'):
        create_backend(body_config({'backend': 'yolo',
                                    'yolo.weights': str(tmp_path / 'nothing.pt')}))
    with pytest.raises(ConfigError, match="backend must be one of .* got 'openpose'"):
        body_config({'backend': 'openpose'})
    with pytest.raises(ConfigError, match=r"unknown parameter\(s\) \['yolo.imgsz'\]"):
        body_config({'yolo.imgsz': 640})


def test_empty_image_gives_no_people(yolo):
    assert yolo.infer(np.zeros((480, 640, 3), np.uint8)) == []
    assert COCO17.name == yolo.schema.name


@pytest.mark.parametrize('joints_2d', ['yolo', 'blazepose'])
def test_blazepose_on_crops_takes_the_2d_of_the_17_joints_from_joints_2d(joints_2d):
    """joints_2d yolo: YOLO's 2D at the COCO-named joints, after BlazePose's 3D is placed."""
    from pose_ros.geometry.camera import CameraIntrinsics
    from pose_ros.people import PositionSource
    from pose_ros.pipeline import build_pipeline, Frame
    config = body_config({'backend': 'mediapipe', 'mediapipe.person_detector': 'yolo',
                          'mediapipe.joints_2d': joints_2d, 'smoothing.enabled': False})
    image = photo('bus.jpg')
    h, w = image.shape[:2]
    camera = CameraIntrinsics(fx=800.0, fy=800.0, cx=w / 2, cy=h / 2, width=w, height=h)
    pipeline = build_pipeline(config)
    try:
        found = pipeline.backend._detector.infer(image)
        pipeline.reset()
        people = pipeline.process(Frame(image, stamp=1.0, intrinsics=camera)).people
    finally:
        pipeline.close()
    with_pose = [p for p in people if np.isfinite(p.body.point('left_heel')).all()]
    assert with_pose, 'BlazePose found nobody in the crops of bus.jpg'
    assert all(p.detector_body is None for p in people)
    for person in with_pose:
        det = min(found, key=lambda d: float(np.abs(d.bbox - person.bbox).sum()))
        same = [np.allclose(person.body.point(n), det.body.point(n), atol=0.01)
                for n in COCO17.keypoints]
        assert all(same) if joints_2d == 'yolo' else not all(same)
    # The placement used BlazePose's own 2D, so it succeeds as often either way.
    placed = sum(p.body.position_source == PositionSource.MODEL_CAMERA for p in with_pose)
    assert placed >= len(with_pose) - 1, [p.body.position_source for p in with_pose]


def test_with_2d_of_copies_known_joints_only():
    from pose_ros.people import Keypoints
    blaze = Keypoints.from_arrays(BLAZEPOSE33, np.ones((33, 2)), np.full(33, 0.9),
                                  np.zeros((33, 3)))
    yolo = Keypoints.from_arrays(COCO17, np.full((17, 2), 5.0), np.full(17, 0.4))
    yolo.xy[COCO17.index('left_wrist')] = np.nan
    out = blaze.with_2d_of(yolo)
    assert np.allclose(out.point('nose'), 5.0)
    assert out.conf[BLAZEPOSE33.index('nose')] == pytest.approx(0.4)
    assert np.allclose(out.point('left_wrist'), 1.0)           # YOLO does not know it
    assert np.allclose(out.point('left_heel'), 1.0)            # not a COCO joint
    assert np.allclose(out.xyz, 0.0) and np.allclose(blaze.xy, 1.0)   # 3D kept, input intact
