# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Build rosbag2 (mcap) fixture bags of real footage of people, without ROS's rosbag2.

A fixture bag looks like what a RealSense-style colour camera records:

* ``/camera/color/image_raw``: ``sensor_msgs/msg/Image``, ``bgr8`` (or, when compressed,
  ``/camera/color/image_raw/compressed``: ``sensor_msgs/msg/CompressedImage``, JPEG, with the
  format string ``'bgr8; jpeg compressed bgr8'`` that ``compressed_image_transport`` writes);
* ``/camera/color/camera_info``: ``sensor_msgs/msg/CameraInfo`` with the same header as the
  image of that frame: a plausible pinhole, ``fx = fy = 525 * width / 640``,
  ``cx = (width - 1) / 2``, ``cy = (height - 1) / 2``, ``plumb_bob`` with zero distortion.

Frame ``i`` is stamped ``start_ns + round(i * 1e9 / fps)``, and the bag's record timestamp of
both messages of a frame equals that header stamp.

Photos are **letterboxed** to the target size: scaled to fit with their aspect ratio kept,
centred, the rest padded black (``fixture.json`` records each photo's scale and offsets, so
pixel coordinates can be mapped back to the photo). Each photo is repeated ``repeat``
consecutive frames, so trackers see a still sequence. Video frames keep their size unless a
size is asked for (then they are letterboxed the same way).

Next to ``metadata.yaml`` each bag folder has a ``fixture.json`` describing it (sources and
their sha256, frame count, fps, topics, size, frame_id, ...). Building is idempotent: a bag
whose ``fixture.json`` holds the same parameters (sources' sha256 included) is returned
untouched; otherwise it is rebuilt (into a temporary folder, then renamed into place, under
a lock file ``.<name>.lock`` beside the bag so that parallel test processes build it once).

Staged motion (``fall``, ``lie_down``, ``squats``) is a real person's pixels turned over
about his feet, or his legs squashed and stretched (:mod:`pose_ros.tools.staged_motion`): real
footage of falls and exercises is not available here.

Command line: ``build_fixtures [--out DIR] [--only NAME ...]`` with the names of
``STANDARD_FIXTURES``.
"""

import argparse
from contextlib import contextmanager
import json
import os
from pathlib import Path
import shutil
import sys
import tempfile
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from pose_ros.media import find_media, PEOPLE_PHOTOS, repo_root, sha256_file, VIDEO
from rosbags.rosbag2 import StoragePlugin, Writer
from rosbags.typesys import get_typestore, Stores

IMAGE_TOPIC = '/camera/color/image_raw'
COMPRESSED_TOPIC = '/camera/color/image_raw/compressed'
CAMERA_INFO_TOPIC = '/camera/color/camera_info'
IMAGE_TYPE = 'sensor_msgs/msg/Image'
COMPRESSED_TYPE = 'sensor_msgs/msg/CompressedImage'
CAMERA_INFO_TYPE = 'sensor_msgs/msg/CameraInfo'
FRAME_ID = 'camera_color_optical_frame'
# 2026-01-01T00:00:00Z: a fixed default, so the same parameters give byte-identical bags.
DEFAULT_START_NS = 1_767_225_600 * 1_000_000_000
JPEG_QUALITY = 90
COMPRESSED_FORMAT = 'bgr8; jpeg compressed bgr8'
FIXTURE_FILE = 'fixture.json'
FIXTURE_VERSION = 1
STANDARD_FIXTURES = ('photos', 'photos_compressed', 'video', 'fall', 'lie_down', 'squats')
STANDARD_VIDEO_FRAMES = 100
# Staged motion of a real person (pose_ros.tools.staged_motion): motion and timing (s).
STAGED = {'fall': ('fall', {'hold_s': 2.0, 'fall_s': 0.6, 'lie_s': 3.0}),
          'lie_down': ('fall', {'hold_s': 2.0, 'fall_s': 6.0, 'lie_s': 3.0}),
          'squats': ('squats', {'hold_s': 1.5, 'squats': 3, 'period_s': 2.5})}

Size = Tuple[int, int]


def default_root() -> Path:
    """Return the default fixtures folder, ``<repo>/.cache/fixtures``."""
    return repo_root() / '.cache' / 'fixtures'


def typestore() -> Any:
    """Return the rosbags typestore of ROS 2 Kilted (or the newest ROS 2 one it knows)."""
    for name in ('ROS2_KILTED', 'ROS2_JAZZY', 'ROS2_IRON', 'ROS2_HUMBLE'):
        store = getattr(Stores, name, None)
        if store is not None:
            return get_typestore(store)
    raise RuntimeError('rosbags knows no ROS 2 typestore')


def letterbox(image: np.ndarray, size: Size) -> Tuple[np.ndarray, Dict[str, float]]:
    """
    Scale ``image`` to fit ``size`` = (width, height) keeping its aspect ratio; pad black.

    Returns the new image and ``{'scale', 'offset_x', 'offset_y'}``: a photo pixel (u, v)
    lands on (u * scale + offset_x, v * scale + offset_y) (pixel centres at integers, to
    within half a pixel of the resampling).
    """
    width, height = size
    src_h, src_w = image.shape[:2]
    scale = min(width / src_w, height / src_h)
    new_w = max(1, min(width, int(round(src_w * scale))))
    new_h = max(1, min(height, int(round(src_h * scale))))
    if (new_w, new_h) == (src_w, src_h):
        resized = image
    else:
        interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
        resized = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    off_x = (width - new_w) // 2
    off_y = (height - new_h) // 2
    out = np.zeros((height, width, 3), dtype=np.uint8)
    out[off_y:off_y + new_h, off_x:off_x + new_w] = resized
    return out, {'scale': scale, 'offset_x': off_x, 'offset_y': off_y}


def camera_matrix(size: Size) -> Dict[str, List[float]]:
    """Return the fixtures' pinhole ``k``, ``r``, ``p`` and ``d`` for an image of ``size``."""
    width, height = size
    f = 525.0 * width / 640.0
    cx = (width - 1) / 2.0
    cy = (height - 1) / 2.0
    return {
        'k': [f, 0.0, cx, 0.0, f, cy, 0.0, 0.0, 1.0],
        'r': [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        'p': [f, 0.0, cx, 0.0, 0.0, f, cy, 0.0, 0.0, 0.0, 1.0, 0.0],
        'd': [0.0, 0.0, 0.0, 0.0, 0.0],
    }


def stamp_ns(index: int, fps: float, start_ns: int) -> int:
    """Return the header stamp (ns) of frame ``index``."""
    return start_ns + int(round(index * 1e9 / fps))


class _BagWriter:
    """Serialises camera frames (image + camera info) into an open rosbags Writer."""

    def __init__(self, writer: Writer, size: Size, compressed: bool, frame_id: str) -> None:
        self.store = typestore()
        self.types = self.store.types
        self.size = size
        self.compressed = compressed
        self.frame_id = frame_id
        if compressed:
            self.image_conn = writer.add_connection(
                COMPRESSED_TOPIC, COMPRESSED_TYPE, typestore=self.store)
        else:
            self.image_conn = writer.add_connection(IMAGE_TOPIC, IMAGE_TYPE, typestore=self.store)
        self.info_conn = writer.add_connection(
            CAMERA_INFO_TOPIC, CAMERA_INFO_TYPE, typestore=self.store)
        self.writer = writer
        cam = camera_matrix(size)
        self._cam = {key: np.array(value, dtype=np.float64) for key, value in cam.items()}

    def _header(self, stamp: int) -> Any:
        time = self.types['builtin_interfaces/msg/Time'](
            sec=stamp // 1_000_000_000, nanosec=stamp % 1_000_000_000)
        return self.types['std_msgs/msg/Header'](stamp=time, frame_id=self.frame_id)

    def write(self, image: np.ndarray, stamp: int) -> None:
        header = self._header(stamp)
        height, width = image.shape[:2]
        if (width, height) != self.size or image.dtype != np.uint8 or image.ndim != 3:
            raise ValueError(f'frame is {image.shape} {image.dtype}, expected {self.size} bgr8')
        if self.compressed:
            ok, jpeg = cv2.imencode('.jpg', image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if not ok:
                raise RuntimeError('cv2.imencode failed to encode a JPEG')
            msg = self.types[COMPRESSED_TYPE](
                header=header, format=COMPRESSED_FORMAT, data=jpeg.reshape(-1))
            data = self.store.serialize_cdr(msg, COMPRESSED_TYPE)
        else:
            msg = self.types[IMAGE_TYPE](
                header=header, height=height, width=width, encoding='bgr8', is_bigendian=0,
                step=width * 3, data=np.ascontiguousarray(image).reshape(-1))
            data = self.store.serialize_cdr(msg, IMAGE_TYPE)
        self.writer.write(self.image_conn, stamp, data)
        roi = self.types['sensor_msgs/msg/RegionOfInterest'](
            x_offset=0, y_offset=0, height=0, width=0, do_rectify=False)
        info = self.types[CAMERA_INFO_TYPE](
            header=header, height=height, width=width, distortion_model='plumb_bob',
            d=self._cam['d'], k=self._cam['k'], r=self._cam['r'], p=self._cam['p'],
            binning_x=0, binning_y=0, roi=roi)
        self.writer.write(self.info_conn, stamp, self.store.serialize_cdr(info, CAMERA_INFO_TYPE))


def _topics(compressed: bool) -> Dict[str, str]:
    if compressed:
        return {COMPRESSED_TOPIC: COMPRESSED_TYPE, CAMERA_INFO_TOPIC: CAMERA_INFO_TYPE}
    return {IMAGE_TOPIC: IMAGE_TYPE, CAMERA_INFO_TOPIC: CAMERA_INFO_TYPE}


def read_fixture(bag_dir: Path) -> Optional[Dict[str, Any]]:
    """Return the ``fixture.json`` of a bag folder, or None if it has none (or a bad one)."""
    try:
        return json.loads((Path(bag_dir) / FIXTURE_FILE).read_text())
    except (OSError, ValueError):
        return None


def _up_to_date(out_dir: Path, params: Dict[str, Any]) -> bool:
    fixture = read_fixture(out_dir)
    if fixture is None or {key: fixture.get(key) for key in params} != params:
        return False
    bag_file = fixture.get('bag_file')
    return (out_dir / 'metadata.yaml').is_file() and bool(bag_file) and \
        (out_dir / bag_file).is_file()


def _replace_dir(out_dir: Path) -> None:
    """Remove an old fixture folder, refusing to delete anything that is not one."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise FileExistsError(f'{out_dir} exists and is not a folder: not overwriting it')
    entries = {entry.name for entry in out_dir.iterdir()}
    if entries and not entries & {FIXTURE_FILE, 'metadata.yaml'}:
        raise FileExistsError(f'{out_dir} exists and is not a rosbag2 folder: not overwriting it')
    shutil.rmtree(out_dir)


@contextmanager
def _build_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``.<name>.lock`` beside ``out_dir`` (parallel test runs)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with open(out_dir.parent / f'.{out_dir.name}.lock', 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_bag(out_dir: Path, params: Dict[str, Any], frames: Iterable[np.ndarray],
               size: Size, compressed: bool, frame_id: str, fps: float, start_ns: int,
               extra: Dict[str, Any]) -> bool:
    """Write frames into a new bag at ``out_dir``; False if another process just did."""
    with _build_lock(out_dir):
        if _up_to_date(out_dir, params):
            return False
        _write_bag_locked(out_dir, params, frames, size, compressed, frame_id, fps, start_ns,
                          extra)
    return True


def _write_bag_locked(out_dir: Path, params: Dict[str, Any], frames: Iterable[np.ndarray],
                      size: Size, compressed: bool, frame_id: str, fps: float, start_ns: int,
                      extra: Dict[str, Any]) -> None:
    """Write frames into a new bag at ``out_dir`` (via a temporary folder beside it)."""
    tmp_parent = Path(tempfile.mkdtemp(prefix=f'.{out_dir.name}.', dir=out_dir.parent))
    try:
        tmp_bag = tmp_parent / out_dir.name
        count = 0
        with Writer(tmp_bag, version=9, storage_plugin=StoragePlugin.MCAP) as writer:
            bag = _BagWriter(writer, size, compressed, frame_id)
            for count, frame in enumerate(frames, start=1):
                bag.write(frame, stamp_ns(count - 1, fps, start_ns))
        if count == 0:
            raise ValueError(f'no frames to write into {out_dir}')
        bag_files = sorted(p.name for p in tmp_bag.glob('*.mcap'))
        fixture = dict(params)
        fixture.update({
            'frames': count,
            'messages': 2 * count,
            'duration_s': (count - 1) / fps,
            'first_stamp_ns': start_ns,
            'last_stamp_ns': stamp_ns(count - 1, fps, start_ns),
            'bag_file': bag_files[0] if bag_files else None,
            'camera_info': camera_matrix(size),
        })
        fixture.update(extra)
        (tmp_bag / FIXTURE_FILE).write_text(json.dumps(fixture, indent=2, sort_keys=True) + '\n')
        _replace_dir(out_dir)
        os.replace(tmp_bag, out_dir)
    finally:
        shutil.rmtree(tmp_parent, ignore_errors=True)


def _check_common(fps: float, size: Optional[Sequence[int]]) -> Optional[Size]:
    if not (fps > 0 and np.isfinite(fps)):
        raise ValueError(f'fps must be finite and > 0, got {fps}')
    if size is None:
        return None
    width, height = (int(v) for v in size)
    if width <= 0 or height <= 0:
        raise ValueError(f'size must be positive (width, height), got {size}')
    return width, height


def _build_photo_bag(out_dir: Path, photos: Sequence[Union[str, Path]], fps: float, repeat: int,
                     size: Sequence[int], compressed: bool, frame_id: str,
                     start_ns: int) -> Tuple[Path, bool]:
    out_dir = Path(out_dir)
    target = _check_common(fps, size)
    assert target is not None
    if repeat < 1:
        raise ValueError(f'repeat must be >= 1, got {repeat}')
    if not photos:
        raise ValueError('no photos given')
    paths = [Path(p) if isinstance(p, Path) else find_media(p) for p in photos]
    sources = [{'name': p.name, 'sha256': sha256_file(p)} for p in paths]
    params = {
        'fixture_version': FIXTURE_VERSION, 'kind': 'photos', 'sources': sources,
        'fps': float(fps), 'repeat': int(repeat), 'size': list(target), 'resize': 'letterbox',
        'compressed': bool(compressed), 'frame_id': frame_id, 'start_ns': int(start_ns),
        'topics': _topics(compressed), 'encoding': 'jpeg' if compressed else 'bgr8',
        'jpeg_quality': JPEG_QUALITY if compressed else None, 'storage': 'mcap',
    }
    if _up_to_date(out_dir, params):
        return out_dir, False
    boxed = []
    placements = []
    for index, path in enumerate(paths):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f'OpenCV cannot read the photo {path}')
        frame, placement = letterbox(image, target)
        boxed.append(frame)
        placements.append({
            'name': path.name, 'source_size': [image.shape[1], image.shape[0]],
            'first_frame': index * repeat, 'frames': repeat, **placement})
    frames = (frame for frame in boxed for _ in range(repeat))
    extra = {'photos': placements}
    written = _write_bag(out_dir, params, frames, target, compressed, frame_id, fps,
                         int(start_ns), extra)
    return out_dir, written


def build_photo_bag(out_dir: Path, photos: Sequence[Union[str, Path]] = PEOPLE_PHOTOS,
                    fps: float = 10.0,
                    repeat: int = 3, size: Sequence[int] = (640, 480), compressed: bool = False,
                    frame_id: str = FRAME_ID, start_ns: int = DEFAULT_START_NS) -> Path:
    """
    Write (or reuse) a bag of photos of people, each letterboxed and shown ``repeat`` frames.

    :param out_dir: The bag folder to write (it holds ``metadata.yaml``, the ``.mcap`` file and
        ``fixture.json``).
    :param photos: Names of files in the media folder (see :mod:`pose_ros.media`), or paths
        of other photos (a ``Path``).
    :param fps: Frame rate of the stamps.
    :param repeat: Consecutive frames per photo.
    :param size: (width, height) of the images.
    :param compressed: Write JPEG ``CompressedImage`` instead of ``bgr8`` ``Image``.
    :param frame_id: ``header.frame_id`` of every message.
    :param start_ns: Stamp of the first frame (ns since the epoch).
    :returns: ``out_dir``.
    :raises MediaMissing: a photo is not in the media folder.
    """
    return _build_photo_bag(out_dir, photos, fps, repeat, size, compressed, frame_id,
                            start_ns)[0]


def _video_frames(path: Path, max_frames: Optional[int], size: Optional[Size],
                  progress: bool) -> Iterator[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ValueError(f'OpenCV cannot open the video {path}')
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    if max_frames is not None:
        total = min(total, max_frames) if total else max_frames
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=total, unit='frame', desc=path.name, file=sys.stderr)
    try:
        count = 0
        while max_frames is None or count < max_frames:
            ok, frame = capture.read()
            if not ok:
                break
            if size is not None and (frame.shape[1], frame.shape[0]) != size:
                frame = letterbox(frame, size)[0]
            count += 1
            if bar is not None:
                bar.update(1)
            yield frame
    finally:
        capture.release()
        if bar is not None:
            bar.close()


def _build_video_bag(out_dir: Path, video: str, max_frames: Optional[int], fps: Optional[float],
                     size: Optional[Sequence[int]], compressed: bool, frame_id: str,
                     start_ns: int, progress: bool) -> Tuple[Path, bool]:
    out_dir = Path(out_dir)
    path = find_media(video)
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ValueError(f'OpenCV cannot open the video {path}')
    native_fps = float(capture.get(cv2.CAP_PROP_FPS))
    native = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
              int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    capture.release()
    if fps is None:
        fps = native_fps if native_fps > 0 else 10.0
    target = _check_common(fps, size)
    if max_frames is not None and max_frames < 1:
        raise ValueError(f'max_frames must be >= 1 or None, got {max_frames}')
    out_size = target or native
    params = {
        'fixture_version': FIXTURE_VERSION, 'kind': 'video',
        'sources': [{'name': path.name, 'sha256': sha256_file(path)}],
        'max_frames': max_frames, 'fps': float(fps), 'size': list(out_size),
        'resize': 'none' if out_size == native else 'letterbox',
        'compressed': bool(compressed), 'frame_id': frame_id, 'start_ns': int(start_ns),
        'topics': _topics(compressed), 'encoding': 'jpeg' if compressed else 'bgr8',
        'jpeg_quality': JPEG_QUALITY if compressed else None, 'storage': 'mcap',
    }
    if _up_to_date(out_dir, params):
        return out_dir, False
    frames = _video_frames(path, max_frames, out_size, progress)
    extra = {'video': {'name': path.name, 'source_size': list(native),
                       'source_fps': native_fps}}
    written = _write_bag(out_dir, params, frames, out_size, compressed, frame_id, fps,
                         int(start_ns), extra)
    return out_dir, written


def build_video_bag(out_dir: Path, video: str = VIDEO, max_frames: Optional[int] = None,
                    fps: Optional[float] = None, size: Optional[Sequence[int]] = None,
                    compressed: bool = False, frame_id: str = FRAME_ID,
                    start_ns: int = DEFAULT_START_NS, progress: bool = False) -> Path:
    """
    Write (or reuse) a bag of the frames of a video (default ``vtest.avi``, 768x576, 10 fps).

    :param out_dir: The bag folder to write.
    :param video: Name of a file in the media folder.
    :param max_frames: Keep only the first ``max_frames`` frames (None: all of them).
    :param fps: Frame rate of the stamps (None: the video's own). Frames are never dropped or
        repeated: another fps only retimes them.
    :param size: (width, height) to letterbox the frames to (None: keep the video's size).
    :param compressed: Write JPEG ``CompressedImage`` instead of ``bgr8`` ``Image``.
    :param frame_id: ``header.frame_id`` of every message.
    :param start_ns: Stamp of the first frame (ns since the epoch).
    :param progress: Show a tqdm progress bar on stderr.
    :returns: ``out_dir``.
    :raises MediaMissing: the video is not in the media folder.
    """
    return _build_video_bag(out_dir, video, max_frames, fps, size, compressed, frame_id,
                            start_ns, progress)[0]


def _build_staged_bag(out_dir: Path, motion: str, timing: Dict[str, float], fps: float,
                      start_ns: int) -> Tuple[Path, bool]:
    from pose_ros.tools import staged_motion

    makers = {'fall': staged_motion.fall_frames, 'squats': staged_motion.squat_frames}
    if motion not in makers:
        raise ValueError(f'unknown staged motion {motion!r}; known: {", ".join(makers)}')
    out_dir = Path(out_dir)
    path = find_media(staged_motion.PHOTO)
    size = (640, 480)
    params = {
        'fixture_version': FIXTURE_VERSION, 'kind': f'staged_{motion}',
        'sources': [{'name': path.name, 'sha256': sha256_file(path)}],
        'person_box': list(staged_motion.PERSON_BOX), 'timing': dict(timing),
        'staging': staged_motion.staging(),
        'fps': float(fps), 'size': list(size), 'compressed': True,
        'frame_id': FRAME_ID, 'start_ns': int(start_ns), 'topics': _topics(True),
        'encoding': 'jpeg', 'jpeg_quality': JPEG_QUALITY, 'storage': 'mcap',
    }
    if _up_to_date(out_dir, params):
        return out_dir, False
    photo = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if photo is None:
        raise ValueError(f'OpenCV cannot read the photo {path}')
    frames = makers[motion](photo, fps, size=size, **timing)
    written = _write_bag(out_dir, params, frames, size, True, FRAME_ID, fps, int(start_ns), {})
    return out_dir, written


def build_staged_bag(out_dir: Path, motion: str = 'fall', fps: float = 10.0,
                     start_ns: int = DEFAULT_START_NS, **timing: float) -> Path:
    """
    Write (or reuse) a JPEG bag of a real person staged falling or squatting.

    :param motion: ``'fall'`` (timing ``hold_s``, ``fall_s``, ``lie_s``: 0.6 s is a fall,
        several seconds lying down on purpose) or ``'squats'`` (``hold_s``, ``squats``,
        ``period_s``); see :mod:`pose_ros.tools.staged_motion`.
    :raises MediaMissing: ``bus.jpg`` is not in the media folder.
    """
    _check_common(fps, None)
    return _build_staged_bag(out_dir, motion, timing, fps, start_ns)[0]


def _build_standard(root: Path, name: str, progress: bool = False) -> Tuple[Path, bool]:
    if name == 'photos':
        return _build_photo_bag(root / name, PEOPLE_PHOTOS, 10.0, 3, (640, 480), False,
                                FRAME_ID, DEFAULT_START_NS)
    if name == 'photos_compressed':
        return _build_photo_bag(root / name, PEOPLE_PHOTOS, 10.0, 3, (640, 480), True,
                                FRAME_ID, DEFAULT_START_NS)
    if name == 'video':
        return _build_video_bag(root / name, VIDEO, STANDARD_VIDEO_FRAMES, 10.0, None, False,
                                FRAME_ID, DEFAULT_START_NS, progress)
    if name in STAGED:
        motion, timing = STAGED[name]
        return _build_staged_bag(root / name, motion, timing, 10.0, DEFAULT_START_NS)
    raise ValueError(f'unknown fixture {name!r}; known: {", ".join(STANDARD_FIXTURES)}')


def ensure_fixtures(root: Optional[Path] = None,
                    only: Optional[Iterable[str]] = None) -> Dict[str, Path]:
    """
    Build (or reuse) the standard fixture bags under ``root`` and return their folders.

    The set: ``'photos'`` (the six :data:`~pose_ros.media.PEOPLE_PHOTOS`, raw ``bgr8``
    640x480, 10 fps, 3 frames each: 18 frames), ``'photos_compressed'`` (the same as JPEG)
    ``'video'`` (the first 100 frames of ``vtest.avi``, 768x576, 10 fps), and ``'fall'``,
    ``'lie_down'`` and ``'squats'`` (a real person staged falling in 0.6 s, lying down over
    6 s, or making 3 squats of 2.5 s; JPEG 640x480, 10 fps: see
    :mod:`pose_ros.tools.staged_motion`).

    :param root: Folder of the bags (default ``<repo>/.cache/fixtures``).
    :param only: Build only these of the set.
    :raises MediaMissing: footage is missing.
    """
    root = Path(root) if root is not None else default_root()
    names = list(only) if only is not None else list(STANDARD_FIXTURES)
    return {name: _build_standard(root, name)[0] for name in names}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Build the standard fixture bags and print what was written."""
    from pose_ros.media import MediaMissing

    parser = argparse.ArgumentParser(
        prog='build_fixtures', description='Write rosbag2 (mcap) fixture bags of real footage.')
    parser.add_argument('--out', type=Path, default=None,
                        help=f'folder of the bags (default: {default_root()})')
    parser.add_argument('--only', action='append', choices=STANDARD_FIXTURES,
                        help='build only this fixture (repeatable)')
    args = parser.parse_args(argv)
    root = args.out if args.out is not None else default_root()
    names = args.only or list(STANDARD_FIXTURES)
    try:
        for name in dict.fromkeys(names):
            path, written = _build_standard(root, name, progress=True)
            fixture = read_fixture(path) or {}
            what = 'wrote' if written else 'up to date'
            size = 'x'.join(str(v) for v in fixture.get('size', []))
            print(f'{name}: {what} {path} ({fixture.get("frames")} frames, '
                  f'{fixture.get("fps")} fps, {size}, '
                  f'topics {", ".join(fixture.get("topics", {}))})')
    except MediaMissing as error:
        print(f'build_fixtures: {error}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
