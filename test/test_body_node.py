# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
body_node end to end: real models on replayed real footage, over real DDS.

The node runs as its own process (the installed executable, the package's parameter file,
remappings as in the launch file); this process replays frames and listens to the outputs.
Both backends go through the same test.
"""

from contextlib import contextmanager
import threading
import time
from types import SimpleNamespace

from conftest import needs
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
import numpy as np
from pose_ros.image_codec import numpy_to_image
from pose_ros.media import MediaMissing
from pose_ros.tools.build_fixtures import ensure_fixtures
from pose_ros.tools.graph import NodeProcess, ros_args, share_file
from pose_ros.tools.replay import replay_bag
from pose_ros_msgs.msg import People, Skeleton as SkeletonMsg
import pytest
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rclpy.serialization import deserialize_message
from ros_helpers import publish_until, RosContext, spin_in_thread, wait_for, wait_for_node
from rosbags.rosbag2 import Reader
from sensor_msgs.msg import CameraInfo, Image
from tf2_msgs.msg import TFMessage

REMAPS = {'image': '/camera/color/image_raw', 'camera_info': '/camera/color/camera_info',
          'depth': '/camera/aligned_depth_to_color/image_raw'}


@pytest.fixture(scope='module')
def photo_bag():
    try:
        return ensure_fixtures(only=['photos'])['photos']
    except MediaMissing as e:
        pytest.skip(str(e))


def bag_messages(bag, msgtype, cls):
    with Reader(bag) as reader:
        conns = [c for c in reader.connections if c.msgtype == msgtype]
        return [deserialize_message(data, cls) for _, _, data in reader.messages(conns)]


class Listener:
    def __init__(self, node):
        self.people, self.tf, self.diag = [], [], []
        self.lock = threading.Lock()
        node.create_subscription(People, '/people', self._add(self.people),
                                 QoSProfile(depth=100))
        node.create_subscription(TFMessage, '/tf', self._add(self.tf), QoSProfile(depth=100))
        node.create_subscription(DiagnosticArray, '/diagnostics', self._add(self.diag), 10)

    def _add(self, store):
        def cb(msg):
            with self.lock:
                store.append(msg)
        return cb


@contextmanager
def image_graph(tmp_path, name, **params):
    """
    Yield body_node (yolo_onnx) with a listener and a matched image publisher, spinning.

    The yielded namespace has ``proc``, ``listener`` and ``pub``; after the block, ``code``
    is the node's exit code.
    """
    with RosContext() as ros:
        graph = SimpleNamespace(proc=start_node(tmp_path, 'yolo_onnx', **params), code=None)
        try:
            node = ros.node(name)
            graph.listener = Listener(node)
            graph.pub = node.create_publisher(Image, REMAPS['image'], 10)
            with spin_in_thread(node):
                wait_for_node(node, graph.proc, ['/camera/color/image_raw'])
                assert wait_for(lambda: graph.pub.get_subscription_count() > 0, 10.0)
                yield graph
        finally:
            graph.code = graph.proc.stop()


def start_node(tmp_path, backend, **params):
    return NodeProcess('body_node', ros_args([share_file('config/pose_ros.yaml')],
                                             remaps=REMAPS,
                                             params={'backend': backend, **params}),
                       log_path=tmp_path / f'body_node_{backend}.log')


@pytest.mark.parametrize('backend', ['yolo_onnx', 'mediapipe',
                                     pytest.param('yolo', marks=needs('ultralytics'))])
def test_people_from_replayed_bag(tmp_path, photo_bag, backend):
    images = bag_messages(photo_bag, 'sensor_msgs/msg/Image', Image)
    bag_stamps = {(m.header.stamp.sec, m.header.stamp.nanosec) for m in images}
    with RosContext() as ros:
        proc = start_node(tmp_path, backend)
        try:
            node = ros.node('test_listener')
            listener = Listener(node)
            with spin_in_thread(node):
                wait_for_node(node, proc, ['/camera/color/image_raw'])
                # Half speed: on 2 cores most frames are processed, none are queued.
                replay_bag(ros.node('test_replay'), photo_bag, rate=0.5)
                wait_for(lambda: len(listener.diag) >= 2, 5.0)
                time.sleep(1.0)
        finally:
            code = proc.stop()
    log = proc.log_text()
    assert code == 0, f'body_node exit code {code}:\n{log[-3000:]}'
    with listener.lock:
        people = list(listener.people)
        diag = list(listener.diag)
    assert len(people) >= len(images) // 3, f'only {len(people)} People messages:\n{log}'
    for msg in people:
        # Every output carries the header of an input image, unchanged.
        assert (msg.header.stamp.sec, msg.header.stamp.nanosec) in bag_stamps
        assert msg.header.frame_id == images[0].header.frame_id
        assert msg.backend == backend
    # In the order the images came, also when two frames ran the model at once (yolo_onnx's
    # two streams) and the later one was done first.
    stamps = [(m.header.stamp.sec, m.header.stamp.nanosec) for m in people]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps), stamps
    for msg in people:
        for person in msg.people:
            n = len(person.body.keypoints)
            assert n == (33 if backend == 'mediapipe' else 17)
            assert person.body.schema == ('blazepose33' if backend == 'mediapipe' else 'coco17')
    counts = [len(m.people) for m in people]
    assert max(counts) >= (1 if backend == 'mediapipe' else 3), counts
    assert max(counts) <= 10, counts
    # Head pose on by default: the portraits give valid heads and face_/gaze_ frames.
    heads = [p.head for m in people for p in m.people if p.head.valid]
    assert heads, 'no head pose on the portraits'
    assert all(abs(h.yaw) < 0.6 and abs(h.pitch) < 0.6 for h in heads)
    # The same mesh is the face: 68 landmarks (face.landmarks default) on the face, in 3D
    # from the head pose, and the expression of open-eyed portraits.
    faces = [p.face for m in people for p in m.people if p.head.valid]
    assert all(f.valid and f.landmarks.schema == 'face68' and len(f.landmarks.keypoints) == 68
               for f in faces)
    assert all(f.landmarks.position_source == SkeletonMsg.POSITION_MODEL_CAMERA for f in faces)
    for person in (p for m in people for p in m.people if p.head.valid):
        # Placed with the published head pose: the mesh's sellion at the head's distance.
        sellion = person.head.pose.position
        nose_bridge = person.face.landmarks.keypoints[27].position      # mesh 168: the sellion
        assert nose_bridge.z == pytest.approx(sellion.z, rel=1e-5)
    assert any(min(f.left_eye_openness, f.right_eye_openness) > 0.5 for f in faces)
    assert all(0.0 <= f.mouth_openness <= 1.0 for f in faces)
    with listener.lock:
        frames = {t.child_frame_id for m in listener.tf for t in m.transforms}
    assert any(f.startswith('face_') for f in frames), frames
    assert any(f.startswith('gaze_') for f in frames), frames
    if backend == 'mediapipe':
        # No depth, but CameraInfo: BlazePose's skeleton in the camera frame, body_<id> TF.
        sources = {p.body.position_source for m in people for p in m.people}
        assert SkeletonMsg.POSITION_MODEL_CAMERA in sources, sources
        assert any(f.startswith('body_') for f in frames), frames
    status = {kv.key: kv.value for kv in diag[-1].status[0].values}
    assert status['backend'] == backend
    assert float(status['latency_head_hands_ms_p50']) > 0
    assert float(status['latency_inference_ms_p50']) > 0


def test_two_streams_publish_in_frame_order_at_full_rate(tmp_path, photo_bag):
    """Frames faster than the model: both streams busy, People still in the images' order."""
    images = bag_messages(photo_bag, 'sensor_msgs/msg/Image', Image)
    with image_graph(tmp_path, 'test_streams',
                     **{'onnx.streams': 2, 'head.enabled': False}) as graph:
        listener = graph.listener
        for i in range(90):                       # 3 s at 30 FPS, new stamps
            image = images[i % len(images)]
            image.header.stamp.sec, image.header.stamp.nanosec = 1000 + i // 30, (
                i % 30) * 33_000_000
            graph.pub.publish(image)
            time.sleep(1 / 30)
        wait_for(lambda: len(listener.diag) >= 2, 5.0)
        time.sleep(1.0)
    proc, code = graph.proc, graph.code
    log = proc.log_text()
    assert code == 0, log[-3000:]
    assert 'x 2 streams' in log, log[-2000:]
    with listener.lock:
        stamps = [(m.header.stamp.sec, m.header.stamp.nanosec) for m in listener.people]
        diag = list(listener.diag)
    assert len(stamps) >= 10, f'only {len(stamps)} People messages:\n{log[-3000:]}'
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps), stamps
    status = {kv.key: kv.value for kv in diag[-1].status[0].values}
    assert int(status['frames_dropped']) > 0           # the model is slower than 30 FPS here
    assert float(status['latency_order_ms_p50']) >= 0
    assert status['frames_failed'] == '0'


def depth_image(header, shape, metres):
    depth = np.full(shape, int(metres * 1000), np.uint16)
    return numpy_to_image(depth, '16UC1', header)


def test_depth_gives_3d_and_tf(tmp_path, photo_bag):
    """Aligned depth (a wall at 2.5 m) lifts keypoints to 3D and body_<id> frames appear."""
    images = bag_messages(photo_bag, 'sensor_msgs/msg/Image', Image)[:9]
    infos = bag_messages(photo_bag, 'sensor_msgs/msg/CameraInfo', CameraInfo)[:9]
    with RosContext() as ros:
        proc = start_node(tmp_path, 'yolo_onnx', use_depth=True)
        try:
            node = ros.node('test_depth')
            listener = Listener(node)
            qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
            pub_img = node.create_publisher(Image, REMAPS['image'], qos)
            pub_depth = node.create_publisher(Image, REMAPS['depth'], qos)
            pub_info = node.create_publisher(CameraInfo, REMAPS['camera_info'], qos)
            with spin_in_thread(node):
                wait_for_node(node, proc, ['/camera/color/image_raw'])
                assert wait_for(lambda: min(p.get_subscription_count()
                                            for p in (pub_img, pub_depth, pub_info)) > 0, 10.0)
                for image, info in zip(images, infos):
                    pub_info.publish(info)
                    pub_depth.publish(depth_image(image.header, (image.height, image.width),
                                                  2.5))
                    time.sleep(0.02)   # depth arrives before its colour image
                    pub_img.publish(image)
                    time.sleep(0.4)
                wait_for(lambda: len(listener.tf) > 0, 3.0)
                # Depth of another size than the image: a warning and 2D output.
                odd = Image()
                odd.header.frame_id = images[-1].header.frame_id
                odd.header.stamp.sec = images[-1].header.stamp.sec + 100
                pub_depth.publish(depth_image(odd.header, (240, 320), 2.5))
                time.sleep(0.02)
                shifted = bag_messages(photo_bag, 'sensor_msgs/msg/Image', Image)[8]
                shifted.header = odd.header
                pub_img.publish(shifted)
                assert wait_for(lambda: any(m.header.stamp.sec == odd.header.stamp.sec
                                            for m in listener.people), 10.0)
        finally:
            code = proc.stop()
    assert code == 0, proc.log_text()[-3000:]
    with listener.lock:
        people = [p for m in listener.people for p in m.people]
        tfs = list(listener.tf)
    assert 'aligned depth is 320x240 but the image is 640x480' in proc.log_text()
    flat = [p for m in listener.people if m.header.stamp.sec == odd.header.stamp.sec
            for p in m.people]
    assert flat and all(p.body.position_source == 0 for p in flat)
    people = [p for m in listener.people if m.header.stamp.sec != odd.header.stamp.sec
              for p in m.people]
    lifted = [p for p in people if p.body.position_source == 1]
    assert lifted, f'no person with depth 3D:\n{proc.log_text()[-3000:]}'
    for person in lifted:
        z = [k.position.z for k in person.body.keypoints if np.isfinite(k.position.z)]
        assert z and np.allclose(z, 2.5, atol=0.01)
    # Face landmarks take the depth too, not the head pose's estimate.
    faces = [p.face for p in people if p.face.valid]
    assert faces and all(f.landmarks.position_source == SkeletonMsg.POSITION_DEPTH
                         for f in faces)
    assert all(np.isclose(k.position.z, 2.5, atol=0.01) for f in faces
               for k in f.landmarks.keypoints if np.isfinite(k.position.z))
    frames = {t.child_frame_id for m in tfs for t in m.transforms}
    assert any(f.startswith('body_') for f in frames), frames
    stamps = {(i.header.stamp.sec, i.header.stamp.nanosec) for i in images}
    stamps.add((odd.header.stamp.sec, odd.header.stamp.nanosec))
    for m in tfs:
        for t in m.transforms:
            assert (t.header.stamp.sec, t.header.stamp.nanosec) in stamps
            assert t.header.frame_id == images[0].header.frame_id


def test_bad_images_do_not_stop_the_node(tmp_path, photo_bag):
    """A malformed image is reported on /diagnostics as ERROR; the next good one still works."""
    good = bag_messages(photo_bag, 'sensor_msgs/msg/Image', Image)[0]
    bad = Image(header=good.header, height=480, width=640, encoding='yuv422', step=1280,
                data=bytes(100))
    with image_graph(tmp_path, 'test_bad') as graph:
        listener, pub = graph.listener, graph.pub
        # Best-effort input: a frame can be lost while discovery ends, so each is sent again
        # until its effect shows.
        assert publish_until(pub, bad, lambda: any(
            s.level == DiagnosticStatus.ERROR for d in listener.diag for s in d.status))
        assert publish_until(pub, good, lambda: len(listener.people) > 0)
        # Nobody in the image: an empty People message, never silence.
        black = numpy_to_image(np.zeros((480, 640, 3), np.uint8), 'bgr8', good.header)
        black.header.stamp.sec += 100
        assert publish_until(pub, black, lambda: any(
            m.header.stamp.sec == black.header.stamp.sec for m in listener.people))
    proc, code = graph.proc, graph.code
    assert code == 0
    assert 'unsupported encoding' in proc.log_text()
    empty = [m for m in listener.people if m.header.stamp.sec == black.header.stamp.sec]
    assert empty and empty[0].people == []


def test_compressed_input(tmp_path):
    """Jpeg CompressedImage input gives the same kind of output as raw images."""
    try:
        bag = ensure_fixtures(only=['photos_compressed'])['photos_compressed']
    except MediaMissing as e:
        pytest.skip(str(e))
    with RosContext() as ros:
        proc = NodeProcess('body_node', ros_args(
            [share_file('config/pose_ros.yaml')],
            remaps={'image/compressed': '/camera/color/image_raw/compressed',
                    'camera_info': '/camera/color/camera_info'},
            params={'compressed': True}), log_path=tmp_path / 'body_node.log')
        try:
            node = ros.node('test_compressed')
            listener = Listener(node)
            with spin_in_thread(node):
                wait_for_node(node, proc, ['/camera/color/image_raw/compressed'])
                replay_bag(ros.node('test_replay'), bag, rate=0.5)
                time.sleep(1.0)
        finally:
            code = proc.stop()
    assert code == 0, proc.log_text()[-3000:]
    with listener.lock:
        people = list(listener.people)
    assert len(people) >= 6
    assert max(len(m.people) for m in people) >= 3


def test_missing_model_file_is_a_clear_error_and_the_node_stays_up(tmp_path):
    with RosContext():
        proc = start_node(tmp_path, 'yolo', **{'yolo.weights': '/nonexistent/model.pt'})
        try:
            assert wait_for(lambda: 'never downloads' in proc.log_text(), 30.0), \
                proc.log_text()
            # Still running (unconfigured, waiting for a fix) a while after the error.
            time.sleep(2.0)
            assert proc.alive()
        finally:
            code = proc.stop()
    assert code == 0
    assert 'autostart failed: node is unconfigured' in proc.log_text()


@pytest.mark.parametrize('params, message', [
    ({'max_people': 0}, 'Fix: max_people is an int in [1, 100]'),
    ({'sync_tolerance': 'soon'}, "expecting type 'DOUBLE': sync_tolerance. Fix:"),
])
def test_bad_parameters_are_one_fatal_line(tmp_path, params, message):
    """Defect 8: a bad -p value ended in a traceback instead of the FATAL line."""
    proc = start_node(tmp_path, 'yolo_onnx', **params)
    try:
        proc.proc.wait(30)
    finally:
        code = proc.stop()
    assert code == 2, proc.log_text()
    assert message in proc.log_text(), proc.log_text()
    assert '[FATAL]' in proc.log_text() and 'Traceback' not in proc.log_text()
