# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Frame sources: camera frames from an image folder, a video file or a rosbag2, in order.

Pure Python (no rclpy): bags are read and deserialised with ``rosbags``, images decoded with
:mod:`pose_ros.image_codec` (the decoders body_node uses). Every source yields
:class:`SourceFrame` values: a pipeline :class:`~pose_ros.pipeline.Frame` (image, stamp,
aligned depth, intrinsics) with the exact header stamp, the frame_id and where the frame
comes from. ``offline`` and the dataset recorders read their input here.

A bag's frames come with what body_node would have had for them:

* **CameraInfo**: the one of the bag's CameraInfo topics nearest the image topic (or the one
  named), the message with the stamp nearest the image's; intrinsics of another image size
  are scaled to it, as body_node does. Unusable calibration gives no intrinsics (and a note).
* **Depth** (only when a depth topic is named): the depth image paired with the colour image
  by stamp, within ``tolerance`` seconds (:class:`~pose_ros.depth_pairing.DepthPairing`),
  converted to metres. A bag may hold the depth image before or after its colour image, so a
  colour image waits (at most ``lookahead_s`` of bag time) until a later depth image shows
  that no nearer one can follow; without CameraInfo there is no depth, as in body_node.

Folders and videos have no stamps: frame ``i`` is stamped ``i / fps`` seconds.
"""

from collections import deque
from dataclasses import dataclass
import logging
import math
from pathlib import Path
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Tuple

import cv2
import numpy as np
from pose_ros.depth_pairing import DepthPairing
from pose_ros.geometry.camera import CameraIntrinsics
from pose_ros.image_codec import (compressed_to_bgr, depth_to_metres, image_to_bgr,
                                  ImageConversionError)
from pose_ros.people import FrameResult
from pose_ros.pipeline import Frame

__all__ = ['IMAGE_SUFFIXES', 'VIDEO_SUFFIXES', 'SourceFrame', 'bag_topics', 'count_frames',
           'find_depth_topic', 'frames_from_bag', 'frames_from_files', 'frames_from_folder',
           'frames_from_video', 'image_files', 'is_bag', 'open_source', 'people_from_bag']

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')
VIDEO_SUFFIXES = ('.avi', '.mp4', '.mkv', '.mov', '.webm')
IMAGE_TYPE = 'sensor_msgs/msg/Image'
COMPRESSED_TYPE = 'sensor_msgs/msg/CompressedImage'
CAMERA_INFO_TYPE = 'sensor_msgs/msg/CameraInfo'
_COLOUR_TYPES = (IMAGE_TYPE, COMPRESSED_TYPE)
_NS = 1_000_000_000

OnSkip = Callable[[str], None]
_log = logging.getLogger('pose_ros.sources')


@dataclass(frozen=True)
class SourceFrame:
    """One frame of a source: the pipeline's input and where it comes from."""

    frame: Frame                   # image, stamp (s), depth (m), intrinsics
    stamp_ns: int                  # the exact header stamp, nanoseconds
    frame_id: str                  # the header's frame_id
    index: int                     # position in the source (image file, video frame, message)
    name: str                      # 'file.jpg' ('label/file.jpg'), 'clip.avi#3', 'bag#3'
    notes: Tuple[str, ...] = ()    # what the source could not give it (depth, CameraInfo)

    @property
    def stamp(self) -> float:
        """Return the stamp in seconds (``Frame.stamp``)."""
        return self.frame.stamp

    @property
    def sec(self) -> int:
        """Return the seconds part of the header stamp."""
        return self.stamp_ns // _NS

    @property
    def nanosec(self) -> int:
        """Return the nanoseconds part of the header stamp."""
        return self.stamp_ns % _NS


def _seconds(stamp_ns: int) -> float:
    # The formula of ros_conversion.stamp_seconds, so that both give the same float.
    return stamp_ns // _NS + (stamp_ns % _NS) * 1e-9


def _stamp_ns(stamp: Any) -> int:
    return int(stamp.sec) * _NS + int(stamp.nanosec)


def _skip(on_skip: Optional[OnSkip], text: str) -> None:
    if on_skip is None:
        _log.warning(text)
    else:
        on_skip(text)


def _too_big(bgr: np.ndarray, max_pixels: Optional[int]) -> Optional[str]:
    h, w = bgr.shape[:2]
    if max_pixels is not None and w * h > max_pixels:
        return f'{w}x{h} pixels, more than max_image_pixels {max_pixels}'
    return None


# --- folders and videos ------------------------------------------------------------------------

def image_files(folder: Path) -> List[Path]:
    """Return the image files of ``folder`` (by suffix, not recursive), sorted by name."""
    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def frames_from_files(paths: Iterable[Path], fps: float = 10.0, frame_id: str = 'camera',
                      root: Optional[Path] = None, max_pixels: Optional[int] = None,
                      on_skip: Optional[OnSkip] = None) -> Iterator[SourceFrame]:
    """
    Yield image files as frames; file ``i`` is stamped ``i / fps`` seconds.

    Unreadable files are skipped (``on_skip`` is told; default: a logged warning).

    :param root: frame names are paths relative to it (default: the file name).
    """
    if not fps > 0:
        raise ValueError(f'fps must be > 0, got {fps}')
    for i, path in enumerate(paths):
        path = Path(path)
        name = path.relative_to(root).as_posix() if root is not None else path.name
        bgr = cv2.imread(str(path))
        if bgr is None:
            _skip(on_skip, f'skipping {path}: not a readable image')
            continue
        problem = _too_big(bgr, max_pixels)
        if problem:
            _skip(on_skip, f'skipping {path}: {problem}')
            continue
        stamp_ns = int(round(i * 1e9 / fps))
        yield SourceFrame(Frame(bgr, _seconds(stamp_ns)), stamp_ns, frame_id, i, name)


def frames_from_folder(folder: Path, fps: float = 10.0, frame_id: str = 'camera',
                       max_pixels: Optional[int] = None,
                       on_skip: Optional[OnSkip] = None) -> Iterator[SourceFrame]:
    """Yield the images of ``folder`` (sorted by name) as frames, ``i / fps`` s apart."""
    return frames_from_files(image_files(folder), fps, frame_id, None, max_pixels, on_skip)


def frames_from_video(path: Path, frame_id: str = 'camera', max_pixels: Optional[int] = None,
                      on_skip: Optional[OnSkip] = None) -> Iterator[SourceFrame]:
    """
    Yield the frames of a video file, stamped by their position and the video's frame rate.

    :raises ValueError: the file cannot be opened (now, not at the first frame).
    """
    path = Path(path)
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise ValueError(f'cannot open video {path}')
    return _video_frames(cap, path, frame_id, max_pixels, on_skip)


def _video_frames(cap: Any, path: Path, frame_id: str, max_pixels: Optional[int],
                  on_skip: Optional[OnSkip]) -> Iterator[SourceFrame]:
    try:
        fps = cap.get(cv2.CAP_PROP_FPS)
        fps = fps if fps and math.isfinite(fps) and fps > 0 else 30.0
        i = 0
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            problem = _too_big(bgr, max_pixels)
            if problem:
                _skip(on_skip, f'skipping frame {i} of {path}: {problem}')
            else:
                stamp_ns = int(round(i * 1e9 / fps))
                yield SourceFrame(Frame(bgr, _seconds(stamp_ns)), stamp_ns, frame_id, i,
                                  f'{path.name}#{i}')
            i += 1
    finally:
        cap.release()


# --- bags --------------------------------------------------------------------------------------

def is_bag(path: Path) -> bool:
    """Return True if ``path`` is a rosbag2 folder (it holds a metadata.yaml)."""
    path = Path(path)
    return path.is_dir() and (path / 'metadata.yaml').is_file()


def _typestore() -> Any:
    """Return a rosbags typestore of the standard ROS 2 types and pose_ros_msgs' own."""
    from rosbags.typesys import get_typestore, get_types_from_msg, Stores
    for name in ('ROS2_KILTED', 'ROS2_JAZZY', 'ROS2_IRON', 'ROS2_HUMBLE'):
        store = getattr(Stores, name, None)
        if store is not None:
            break
    else:
        raise RuntimeError('rosbags knows no ROS 2 typestore')
    typestore = get_typestore(store)
    folder = _pose_ros_msgs_folder()
    if folder is not None:
        types: Dict[str, Any] = {}
        for msg in sorted(folder.glob('*.msg')):
            types.update(get_types_from_msg(msg.read_text(), f'pose_ros_msgs/msg/{msg.stem}'))
        typestore.register(types)
    return typestore


def _pose_ros_msgs_folder() -> Optional[Path]:
    """Return the folder of pose_ros_msgs' .msg definitions (installed, else in the repo)."""
    try:
        from ament_index_python.packages import get_package_share_directory
        return Path(get_package_share_directory('pose_ros_msgs')) / 'msg'
    except (ImportError, LookupError, ValueError):
        here = Path(__file__).resolve().parents[1] / 'pose_ros_msgs' / 'msg'
        return here if here.is_dir() else None


def people_from_bag(path: Path, topic: str) -> Iterator[Tuple[FrameResult, float]]:
    """
    Yield ``(frame, stamp seconds)`` of every ``pose_ros_msgs/People`` message of ``topic``.

    Read with rosbags (no rclpy): the records are converted as a subscriber converts them
    (:func:`pose_ros.ros_conversion.people_msg_to_frame`).
    """
    from pose_ros.ros_conversion import people_msg_to_frame, stamp_seconds
    from rosbags.rosbag2 import Reader
    store = _typestore()
    with Reader(Path(path)) as reader:
        conns = [c for c in reader.connections if c.topic == topic]
        if not conns:
            raise ValueError(f'{path} has no topic {topic}')
        for conn, _, raw in reader.messages(connections=conns):
            msg = store.deserialize_cdr(raw, conn.msgtype)
            yield people_msg_to_frame(msg), stamp_seconds(msg.header.stamp)


def bag_topics(path: Path) -> Dict[str, str]:
    """Return ``{topic: message type}`` of a rosbag2 folder."""
    from rosbags.rosbag2 import Reader
    with Reader(Path(path)) as reader:
        return {c.topic: c.msgtype for c in reader.connections}


def _is_depth_name(topic: str) -> bool:
    return 'depth' in topic.lower()


def find_depth_topic(path: Path, image_topic: Optional[str] = None) -> Optional[str]:
    """Return the bag's first ``sensor_msgs/Image`` topic named ``*depth*``, or None."""
    for topic, kind in bag_topics(path).items():
        if kind == IMAGE_TYPE and _is_depth_name(topic) and topic != image_topic:
            return topic
    return None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split('/'), b.split('/')):
        if x != y:
            break
        n += 1
    return n


def _pick_topics(topics: Dict[str, str], path: Path, topic: Optional[str],
                 depth_topic: Optional[str], camera_info_topic: Optional[str],
                 camera_info: bool) -> Tuple[str, Optional[str]]:
    """Return (colour image topic, CameraInfo topic or None); raise ValueError if absent."""
    listing = f'topics: {sorted(topics)}'
    if topic is not None:
        if topics.get(topic) not in _COLOUR_TYPES:
            raise ValueError(f'{path} has no image topic {topic} '
                             f'(sensor_msgs/Image or CompressedImage); {listing}')
        image = topic
    else:
        colour = [t for t, k in topics.items() if k in _COLOUR_TYPES and t != depth_topic]
        if not colour:
            raise ValueError(f'{path} has no image topic; {listing}')
        # Prefer a colour topic over a depth one that is an Image as well.
        image = next((t for t in colour if not _is_depth_name(t)), colour[0])
    if depth_topic is not None and topics.get(depth_topic) != IMAGE_TYPE:
        raise ValueError(f'{path} has no depth topic {depth_topic} (sensor_msgs/Image); '
                         f'{listing}')
    if camera_info_topic is not None:
        if topics.get(camera_info_topic) != CAMERA_INFO_TYPE:
            raise ValueError(f'{path} has no CameraInfo topic {camera_info_topic}; {listing}')
        return image, camera_info_topic
    infos = [t for t, k in topics.items() if k == CAMERA_INFO_TYPE]
    if not camera_info or not infos:
        return image, None
    # The CameraInfo of the image's own camera: the one sharing most of its namespace.
    return image, max(infos, key=lambda t: _common_prefix(t, image))


def frames_from_bag(path: Path, topic: Optional[str] = None, depth_topic: Optional[str] = None,
                    camera_info_topic: Optional[str] = None, camera_info: bool = True,
                    tolerance: float = 0.05, max_pixels: Optional[int] = None,
                    lookahead_s: float = 1.0, depth_keep: int = 64,
                    on_skip: Optional[OnSkip] = None) -> Iterator[SourceFrame]:
    """
    Yield the colour images of a rosbag2 with their CameraInfo and aligned depth, in order.

    :param topic: the colour image topic (``Image`` or ``CompressedImage``); default: the
        first one whose name does not say depth.
    :param depth_topic: aligned depth (``Image``, 16UC1 mm or 32FC1 m) to pair by stamp;
        None: no depth.
    :param camera_info_topic: default: the CameraInfo topic nearest ``topic`` in the namespace
        tree (``camera_info`` False: none).
    :param tolerance: largest stamp difference (s) of a colour and a depth image paired.
    :param max_pixels: larger images are skipped (``on_skip``), larger depth images unused.
    :param lookahead_s: the longest (bag time) a colour image waits for its depth/CameraInfo.
    :param depth_keep: how many depth images are kept for pairing.
    :raises ValueError: no such topic (now, not at the first frame).
    """
    path = Path(path)
    if not is_bag(path):
        raise ValueError(f'{path} is not a rosbag2 folder (no metadata.yaml)')
    if tolerance < 0 or lookahead_s < 0:
        raise ValueError('tolerance and lookahead_s must be >= 0')
    image, info = _pick_topics(bag_topics(path), path, topic, depth_topic, camera_info_topic,
                               camera_info)
    return _BagFrames(path, image, depth_topic, info, tolerance, max_pixels, lookahead_s,
                      depth_keep, on_skip).frames()


@dataclass
class _Pending:
    """A colour image read from the bag, waiting for its depth and CameraInfo."""

    index: int
    log_ns: int          # the bag's receive time
    stamp_ns: int        # the header stamp
    msg: Any
    compressed: bool     # a CompressedImage (else an Image)


class _BagFrames:
    """Reads a bag once, pairing colour images with depth and CameraInfo (see the module)."""

    def __init__(self, path: Path, image: str, depth: Optional[str], info: Optional[str],
                 tolerance: float, max_pixels: Optional[int], lookahead_s: float,
                 depth_keep: int, on_skip: Optional[OnSkip]) -> None:
        self.path, self.image, self.depth, self.info = path, image, depth, info
        self.tolerance = tolerance
        self.max_pixels = max_pixels
        self.lookahead_ns = int(round(lookahead_s * 1e9))
        self.on_skip = on_skip
        self.depths = DepthPairing(keep=depth_keep)
        self.infos = DepthPairing(keep=8)
        self.newest_depth = -math.inf
        self.newest_info = -math.inf

    def frames(self) -> Iterator[SourceFrame]:
        from rosbags.rosbag2 import Reader
        store = _typestore()
        pending: Deque[_Pending] = deque()
        index = 0
        with Reader(self.path) as reader:
            topics = {self.image, self.depth, self.info} - {None}
            conns = [c for c in reader.connections if c.topic in topics]
            for conn, log_ns, raw in reader.messages(connections=conns):
                msg = store.deserialize_cdr(raw, conn.msgtype)
                stamp_ns = _stamp_ns(msg.header.stamp)
                if conn.topic == self.image:
                    pending.append(_Pending(index, log_ns, stamp_ns, msg,
                                            conn.msgtype == COMPRESSED_TYPE))
                    index += 1
                elif conn.topic == self.depth:
                    self.depths.add(_seconds(stamp_ns), msg)
                    self.newest_depth = max(self.newest_depth, _seconds(stamp_ns))
                else:
                    self.infos.add(_seconds(stamp_ns), msg)
                    self.newest_info = max(self.newest_info, _seconds(stamp_ns))
                while pending and self._ready(pending[0], log_ns):
                    frame = self._finish(pending.popleft())
                    if frame is not None:
                        yield frame
            while pending:                       # the end of the bag: nothing more to wait for
                frame = self._finish(pending.popleft())
                if frame is not None:
                    yield frame

    def _ready(self, item: _Pending, now_ns: int) -> bool:
        """Return True if nothing read later can give ``item`` a nearer depth or CameraInfo."""
        if now_ns - item.log_ns > self.lookahead_ns:
            return True
        stamp = _seconds(item.stamp_ns)
        if self.depth is not None and not (self.newest_depth >= stamp + self.tolerance
                                           or self.depths.nearest(stamp, 0.0) is not None):
            return False
        return self.info is None or self.newest_info >= stamp

    def _finish(self, item: _Pending) -> Optional[SourceFrame]:
        name = f'{self.path.name}#{item.index}'
        try:
            bgr = (compressed_to_bgr(item.msg, max_pixels=self.max_pixels)
                   if item.compressed else
                   image_to_bgr(item.msg, max_pixels=self.max_pixels))
        except ImageConversionError as e:
            _skip(self.on_skip, f'skipping frame {item.index} of {self.image} in {self.path}: '
                                f'{e}')
            return None
        h, w = bgr.shape[:2]
        stamp = _seconds(item.stamp_ns)
        notes: List[str] = []
        intrinsics = None
        if self.info is not None:
            info = self.infos.nearest(stamp, math.inf)
            if info is None:
                notes.append(f'no CameraInfo on {self.info} yet')
            else:
                try:
                    intrinsics = CameraIntrinsics.for_image(info, w, h)
                except ValueError as e:
                    notes.append(f'unusable CameraInfo ({e})')
        depth = None
        if self.depth is not None:
            if intrinsics is None:
                notes.append('no usable CameraInfo: no depth')
            else:
                msg = self.depths.nearest(stamp, self.tolerance)
                if msg is None:
                    notes.append(f'no depth image within {self.tolerance} s of the colour '
                                 'image')
                else:
                    try:
                        depth = depth_to_metres(msg, max_pixels=self.max_pixels)
                    except ImageConversionError as e:
                        notes.append(f'invalid depth image ({e})')
        return SourceFrame(Frame(bgr, stamp, None, depth, intrinsics), item.stamp_ns,
                           str(item.msg.header.frame_id), item.index, name, tuple(notes))


# --- any source --------------------------------------------------------------------------------

def count_frames(path: Path, topic: Optional[str] = None) -> Optional[int]:
    """Return how many frames ``path`` holds (for a progress bar), or None if unknown."""
    path = Path(path)
    if is_bag(path):
        from rosbags.rosbag2 import Reader
        try:
            with Reader(path) as reader:
                counts = {c.topic: c.msgcount for c in reader.connections
                          if c.msgtype in _COLOUR_TYPES}
        except Exception:  # noqa: B902 - only a progress bar's total
            return None
        if topic is None:
            named = [t for t in counts if not _is_depth_name(t)]
            topic = (named or list(counts) or [None])[0]
        return counts.get(topic) or None
    if path.is_dir():
        return len(image_files(path))
    cap = cv2.VideoCapture(str(path))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if cap.isOpened() else 0
    cap.release()
    return n if n > 0 else None


def open_source(path: Path, topic: Optional[str] = None, fps: float = 10.0,
                frame_id: str = 'camera', max_pixels: Optional[int] = None,
                on_skip: Optional[OnSkip] = None, **bag_options: Any
                ) -> Iterator[SourceFrame]:
    """
    Return the frames of a rosbag2 folder, an image folder or a video file.

    :param topic: the bag's colour image topic; ``bag_options`` go to :func:`frames_from_bag`.
    :param fps: the frame rate that stamps an image folder.
    :param frame_id: the frame_id of folder and video frames (a bag's are its own).
    :raises ValueError: not a kind of input we read, or a bag without the topics asked for.
    """
    path = Path(path)
    if is_bag(path):
        return frames_from_bag(path, topic, max_pixels=max_pixels, on_skip=on_skip,
                               **bag_options)
    if path.is_dir():
        return frames_from_folder(path, fps, frame_id, max_pixels, on_skip)
    if path.suffix.lower() in VIDEO_SUFFIXES and path.is_file():
        return frames_from_video(path, frame_id, max_pixels, on_skip)
    raise ValueError(f'{path}: expected a rosbag2 folder, an image folder or a video file '
                     f'({", ".join(VIDEO_SUFFIXES)})')
