# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Frame sources: image folders, videos, and bags with CameraInfo and depth paired by stamp."""

from pathlib import Path
import subprocess
import sys

import cv2
import numpy as np
from pose_ros import sources as S
from pose_ros.tools.build_fixtures import camera_matrix, typestore
import pytest
from rosbags.rosbag2 import StoragePlugin, Writer

SIZE = (64, 48)                    # width, height
T0 = 1_767_225_600 * 1_000_000_000


def colour(i):
    """Return a frame whose every pixel tells its index."""
    return np.full((SIZE[1], SIZE[0], 3), (i * 10) % 256, np.uint8)


class BagWriter:
    """Writes colour, depth (16UC1, depth = 100 mm x (index + 1)) and CameraInfo messages."""

    def __init__(self, path: Path, depth=True, info=True, compressed=False):
        self.store = typestore()
        self.types = self.store.types
        self.writer = Writer(path, version=9, storage_plugin=StoragePlugin.MCAP)
        self.writer.open()
        kind = 'sensor_msgs/msg/CompressedImage' if compressed else 'sensor_msgs/msg/Image'
        self.compressed = compressed
        self.image = self.writer.add_connection('/cam/color/image_raw' + (
            '/compressed' if compressed else ''), kind, typestore=self.store)
        self.depth = self.writer.add_connection(
            '/cam/aligned_depth_to_color/image_raw', 'sensor_msgs/msg/Image',
            typestore=self.store) if depth else None
        self.info = self.writer.add_connection(
            '/cam/color/camera_info', 'sensor_msgs/msg/CameraInfo',
            typestore=self.store) if info else None
        # A second camera's CameraInfo that must not be picked for /cam/color.
        self.other_info = self.writer.add_connection(
            '/other/camera_info', 'sensor_msgs/msg/CameraInfo',
            typestore=self.store) if info else None

    def header(self, stamp_ns):
        t = self.types['builtin_interfaces/msg/Time'](sec=stamp_ns // 10 ** 9,
                                                      nanosec=stamp_ns % 10 ** 9)
        return self.types['std_msgs/msg/Header'](stamp=t, frame_id='cam_optical')

    def _image(self, stamp_ns, array, encoding):
        h, w = array.shape[:2]
        data = np.ascontiguousarray(array).view(np.uint8).reshape(-1)
        return self.types['sensor_msgs/msg/Image'](
            header=self.header(stamp_ns), height=h, width=w, encoding=encoding,
            is_bigendian=0, step=data.size // h, data=data)

    def colour(self, log_ns, stamp_ns, i):
        if self.compressed:
            ok, jpeg = cv2.imencode('.png', colour(i))
            msg = self.types['sensor_msgs/msg/CompressedImage'](
                header=self.header(stamp_ns), format='png', data=jpeg.reshape(-1))
            kind = 'sensor_msgs/msg/CompressedImage'
        else:
            msg, kind = self._image(stamp_ns, colour(i), 'bgr8'), 'sensor_msgs/msg/Image'
        self.writer.write(self.image, log_ns, self.store.serialize_cdr(msg, kind))

    def depth_image(self, log_ns, stamp_ns, i, size=SIZE):
        mm = np.full((size[1], size[0]), 100 * (i + 1), np.uint16)
        self.writer.write(self.depth, log_ns, self.store.serialize_cdr(
            self._image(stamp_ns, mm, '16UC1'), 'sensor_msgs/msg/Image'))

    def camera_info(self, log_ns, stamp_ns, size=SIZE, conn=None, k=None):
        cam = {key: np.array(v, np.float64) for key, v in camera_matrix(size).items()}
        if k is not None:
            cam['k'] = np.array(k, np.float64)
        roi = self.types['sensor_msgs/msg/RegionOfInterest'](
            x_offset=0, y_offset=0, height=0, width=0, do_rectify=False)
        msg = self.types['sensor_msgs/msg/CameraInfo'](
            header=self.header(stamp_ns), height=size[1], width=size[0],
            distortion_model='plumb_bob', d=cam['d'], k=cam['k'], r=cam['r'], p=cam['p'],
            binning_x=0, binning_y=0, roi=roi)
        self.writer.write(conn or self.info, log_ns,
                          self.store.serialize_cdr(msg, 'sensor_msgs/msg/CameraInfo'))

    def close(self):
        self.writer.close()


def stamp(i, fps=10.0):
    return T0 + int(round(i * 1e9 / fps))


def depth_mm(frame):
    assert frame.frame.depth is not None, frame.notes
    values = np.unique(frame.frame.depth)
    assert len(values) == 1
    return int(round(float(values[0]) * 1000))


@pytest.mark.parametrize('order', ['depth before colour', 'depth after colour',
                                   'depth frames late'])
def test_bag_pairs_depth_by_stamp_whichever_comes_first(tmp_path, order):
    """
    Depth is paired with the colour image of (nearly) the same stamp, in any bag order.

    Depth stamps are 8 ms off the colour ones (a driver's two sensors); with 'depth frames
    late' each depth image is written three colour frames after its own colour image.
    """
    bag = tmp_path / 'bag'
    w = BagWriter(bag)
    n = 8
    w.camera_info(stamp(0) - 1, stamp(0))
    w.camera_info(stamp(0) - 1, stamp(0), size=(640, 480), conn=w.other_info,
                  k=[900.0, 0, 320, 0, 900.0, 240, 0, 0, 1])
    for i in range(n):
        if order == 'depth before colour':
            w.depth_image(stamp(i) - 8_000_000, stamp(i) - 8_000_000, i)
            w.colour(stamp(i), stamp(i), i)
        elif order == 'depth after colour':
            w.colour(stamp(i), stamp(i), i)
            w.depth_image(stamp(i) + 8_000_000, stamp(i) + 8_000_000, i)
        else:
            w.colour(stamp(i), stamp(i), i)
            if i >= 3:
                w.depth_image(stamp(i) + 1, stamp(i - 3) + 8_000_000, i - 3)
    if order == 'depth frames late':
        for i in range(n - 3, n):
            w.depth_image(stamp(n) + i, stamp(i) + 8_000_000, i)
    w.close()
    assert S.find_depth_topic(bag) == '/cam/aligned_depth_to_color/image_raw'
    frames = list(S.frames_from_bag(bag, depth_topic=S.find_depth_topic(bag), tolerance=0.02))
    assert [f.index for f in frames] == list(range(n))
    assert [f.stamp_ns for f in frames] == [stamp(i) for i in range(n)]
    assert [int(f.frame.bgr[0, 0, 0]) for f in frames] == [i * 10 for i in range(n)]
    assert [depth_mm(f) for f in frames] == [100 * (i + 1) for i in range(n)]
    first = frames[0]
    assert first.frame_id == 'cam_optical' and first.name == 'bag#0' and not first.notes
    assert first.frame.stamp == first.sec + first.nanosec * 1e-9
    k = camera_matrix(SIZE)['k']
    intr = first.frame.intrinsics
    assert (intr.fx, intr.cx, intr.width) == (k[0], k[2], SIZE[0])    # /cam's, not /other's


def test_bag_depth_out_of_tolerance_missing_or_wrong(tmp_path):
    """No depth within the tolerance, or no CameraInfo: the frame comes without depth, noted."""
    bag = tmp_path / 'bag'
    w = BagWriter(bag)
    w.camera_info(stamp(0), stamp(0))
    w.colour(stamp(0), stamp(0), 0)
    w.depth_image(stamp(0), stamp(0) + 30_000_000, 0)          # 30 ms off
    w.colour(stamp(1), stamp(1), 1)                            # no depth at all
    w.colour(stamp(2), stamp(2), 2)
    w.depth_image(stamp(2), stamp(2), 2, size=(32, 24))        # another size: the pipeline's
    w.close()
    topic = S.find_depth_topic(bag)
    loose = list(S.frames_from_bag(bag, depth_topic=topic, tolerance=0.05))
    assert depth_mm(loose[0]) == 100
    strict = list(S.frames_from_bag(bag, depth_topic=topic, tolerance=0.01))
    assert strict[0].frame.depth is None and 'no depth image within 0.01 s' in strict[0].notes[0]
    assert strict[1].frame.depth is None and strict[1].notes
    assert strict[2].frame.depth.shape == (24, 32)     # FrameResult.depth_problem says so
    no_info = list(S.frames_from_bag(bag, depth_topic=topic, camera_info=False))
    assert all(f.frame.depth is None and f.frame.intrinsics is None for f in no_info)
    assert 'no usable CameraInfo: no depth' in no_info[0].notes
    assert len(list(S.frames_from_bag(bag))) == 3        # no depth asked: none paired
    assert all(f.frame.depth is None and not f.notes for f in S.frames_from_bag(bag))


def test_bag_camera_info_after_its_image_scaled_and_bad(tmp_path):
    """Use a CameraInfo written after its image (as in the fixture bags), of half size; bad K."""
    bag = tmp_path / 'bag'
    w = BagWriter(bag, depth=False, compressed=True)
    w.colour(stamp(0), stamp(0), 0)
    w.camera_info(stamp(0), stamp(0), size=(32, 24))
    w.colour(stamp(1), stamp(1), 1)
    w.camera_info(stamp(1), stamp(1), k=[0.0] * 9)             # an uncalibrated camera
    w.close()
    frames = list(S.frames_from_bag(bag))
    assert len(frames) == 2 and S.count_frames(bag) == 2
    intr = frames[0].frame.intrinsics
    k = camera_matrix((32, 24))['k']
    assert intr is not None and (intr.width, intr.height) == SIZE
    assert intr.fx == pytest.approx(2 * k[0])
    assert frames[1].frame.intrinsics is None
    assert 'unusable CameraInfo' in frames[1].notes[0]
    assert frames[1].frame.bgr.shape == (SIZE[1], SIZE[0], 3)


def test_bag_errors_and_oversized_frames(tmp_path):
    bag = tmp_path / 'bag'
    w = BagWriter(bag, depth=False)
    w.colour(stamp(0), stamp(0), 0)
    w.close()
    with pytest.raises(ValueError, match='no image topic /nope'):
        S.frames_from_bag(bag, '/nope')
    with pytest.raises(ValueError, match='no depth topic /d'):
        S.frames_from_bag(bag, depth_topic='/d')
    skipped = []
    assert list(S.frames_from_bag(bag, max_pixels=100, on_skip=skipped.append)) == []
    assert len(skipped) == 1 and 'skipping frame 0 of /cam/color/image_raw' in skipped[0]


def test_folder_source(tmp_path):
    for i, name in enumerate(['b.png', 'a.jpg', 'c.bmp']):
        cv2.imwrite(str(tmp_path / name), colour(i))
    (tmp_path / 'notes.txt').write_text('not an image')
    (tmp_path / 'd.jpg').write_bytes(b'not a jpeg')
    skipped = []
    frames = list(S.open_source(tmp_path, fps=5.0, frame_id='cam', on_skip=skipped.append))
    assert [f.name for f in frames] == ['a.jpg', 'b.png', 'c.bmp']
    assert [f.stamp_ns for f in frames] == [0, 200_000_000, 400_000_000]
    assert [f.stamp for f in frames] == [0.0, 0.2, 0.4]
    assert all(f.frame_id == 'cam' and f.frame.intrinsics is None for f in frames)
    assert len(skipped) == 1 and 'd.jpg' in skipped[0]
    assert S.count_frames(tmp_path) == 4


def test_video_source(tmp_path):
    path = tmp_path / 'clip.avi'
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 20.0, SIZE)
    for i in range(6):
        writer.write(colour(i * 3))
    writer.release()
    frames = list(S.open_source(path))
    assert [f.index for f in frames] == list(range(6)) and S.count_frames(path) == 6
    assert [f.name for f in frames][:2] == ['clip.avi#0', 'clip.avi#1']
    assert frames[3].stamp == pytest.approx(0.15) and frames[0].frame_id == 'camera'
    assert frames[2].frame.bgr.shape == (SIZE[1], SIZE[0], 3)
    with pytest.raises(ValueError, match='cannot open video'):
        S.frames_from_video(tmp_path / 'missing.avi')
    with pytest.raises(ValueError, match='expected a rosbag2 folder'):
        S.open_source(tmp_path / 'x.xyz')


def test_sources_is_pure():
    """No rclpy (and no tool) behind the library module."""
    code = ('import sys, pose_ros.sources, pose_ros.classifier.dataset, '
            'pose_ros.classifier.recording; '
            'bad = [m for m in sys.modules if m.startswith(("rclpy", "pose_ros.tools"))]; '
            'assert not bad, bad')
    subprocess.run([sys.executable, '-c', code], check=True)
