# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Labelled keypoint datasets: the file format, and recorders from folders, videos and bags.

**File format** (``.jsonl``, UTF-8 JSON Lines, one JSON object per line). The first line is
the header, every other line one sample::

    {"format": "pose_ros.pose_dataset", "version": 1, "schema": "coco17",
     "keypoints": ["nose", "left_eye", ...], "created": "2026-01-01T00:00:00+00:00",
     "source": "folders:/data/poses", "backend": "yolo", "image_size": [640, 480]}
    {"label": "t_pose", "xy": [[312.5, 80.25], null, ...], "conf": [0.98, null, ...],
     "image_size": [640, 480], "source": "t_pose/img_003.jpg", "stamp": 12.5, "track_id": 3}

* ``schema`` names the keypoint schema (:mod:`pose_ros.schemas`), and ``keypoints`` repeats its
  point names in order, so a file explains itself; every row has exactly that many points;
* ``xy`` are pixels in the source image, ``conf`` the model's 0..1 confidences; an unknown point
  is ``null`` (JSON has no NaN); pixels are rounded to 0.01, confidences to 0.0001;
* ``image_size`` ([width, height], or null when unknown, e.g. rows taken from ``People``
  messages) is per row, as a dataset may join sources; the header's is that of the first
  source, or null when they differ;
* ``stamp`` (seconds, the image stamp, or null), ``track_id`` (-1 untracked) and ``source``
  (``label/file.jpg``, ``video.mp4#frame``, ``bag#frame`` for images, ``bag@stamp`` for
  People messages) say where a row comes from; the header's ``source`` is ``folders:PATH``,
  ``video:PATH``, ``bag:PATH`` or ``live``;
* labels are names of letters, digits, ``_``, ``.`` and ``-``, and never ``'unknown'``.

Readers ignore header keys they do not know; a higher ``version`` is refused.

**Recording**: :func:`record_from_folders` (one subfolder of images per label: the classic
"5 poses x 20 photos"), :func:`record_from_video` (one label), :func:`record_from_bag` (one
label, or labels by time segments; a bag of images runs the pose backend, a bag of
``pose_ros_msgs/People`` is read as is). In every image the subject is the largest person.
:class:`CountdownRecorder` is the pure state machine of live recording (countdown, then
capture for a while, label after label) that a ROS node drives with its messages.
"""

from dataclasses import dataclass, field
import datetime
import json
import math
from pathlib import Path
import re
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple,
                    Union)

import numpy as np
from pose_ros.classifier.features import (
    DEFAULT_MIN_CONF, mirror, mirror_label, normalise_many, SchemaMismatch)
from pose_ros.people import FrameResult, Keypoints, Person
from pose_ros.schemas import BODY_SCHEMAS, get_schema, KeypointSchema

DATASET_FORMAT = 'pose_ros.pose_dataset'
DATASET_VERSION = 1
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')
_LABEL = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]*$')
Size = Tuple[int, int]
# (start_s, end_s, label): times relative to the first message of a bag or video.
Segment = Tuple[float, float, str]


def check_label(label: str) -> str:
    """Return ``label`` if it is a valid dataset label, else raise ValueError saying why."""
    if not isinstance(label, str) or not _LABEL.match(label):
        raise ValueError(f'bad label {label!r}: use letters, digits, _ . - (e.g. t_pose)')
    if label == 'unknown':
        raise ValueError("'unknown' is not a label: it is the classifier's answer when unsure")
    return label


@dataclass
class Sample:
    """One labelled skeleton and where it comes from."""

    label: str
    keypoints: Keypoints
    image_size: Optional[Size] = None
    source: str = ''
    stamp: Optional[float] = None
    track_id: int = -1


@dataclass
class RecordReport:
    """What a recorder saw: frames read, frames without anybody, rows added per label."""

    frames: int = 0
    empty: int = 0
    unlabelled: int = 0
    added: Dict[str, int] = field(default_factory=dict)
    skipped_files: List[str] = field(default_factory=list)

    def summary(self) -> str:
        added = ', '.join(f'{k}: {v}' for k, v in sorted(self.added.items())) or 'none'
        text = (f'{self.frames} frames, {self.empty} without a person, '
                f'{self.unlabelled} outside every label segment; rows added: {added}')
        if self.skipped_files:
            text += f'; unreadable files skipped: {len(self.skipped_files)}'
        return text


def _round_or_none(v: float, digits: int) -> Optional[float]:
    return round(float(v), digits) if math.isfinite(float(v)) else None


class Dataset:
    """An in-memory labelled keypoint dataset of one schema (see the module doc)."""

    def __init__(self, schema: Union[str, KeypointSchema], source: str = '',
                 backend: str = '', created: Optional[str] = None) -> None:
        self.schema = get_schema(schema) if isinstance(schema, str) else schema
        if self.schema.name not in BODY_SCHEMAS:
            raise ValueError(f'datasets hold body skeletons ({", ".join(BODY_SCHEMAS)}), '
                             f'not {self.schema.name!r}')
        self.source = source
        self.backend = backend
        self.created = created or datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec='seconds')
        self.samples: List[Sample] = []

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    @property
    def labels(self) -> List[str]:
        """Return the distinct labels, sorted."""
        return sorted({s.label for s in self.samples})

    def counts(self) -> Dict[str, int]:
        """Rows per label."""
        out: Dict[str, int] = {}
        for s in self.samples:
            out[s.label] = out.get(s.label, 0) + 1
        return dict(sorted(out.items()))

    def append(self, label: str, keypoints: Keypoints, image_size: Optional[Size] = None,
               source: str = '', stamp: Optional[float] = None, track_id: int = -1) -> Sample:
        """
        Add one row.

        :raises SchemaMismatch: ``keypoints`` are of another schema than the dataset.
        :raises ValueError: a bad label.
        """
        check_label(label)
        if keypoints.schema.name != self.schema.name:
            raise SchemaMismatch(f'this dataset holds {self.schema.name!r} keypoints, got '
                                 f'{keypoints.schema.name!r} ones (one dataset, one schema: '
                                 'record with the same backend)')
        size = None if image_size is None else (int(image_size[0]), int(image_size[1]))
        if size is not None and (size[0] <= 0 or size[1] <= 0):
            size = None
        sample = Sample(label, keypoints, size, source, stamp, int(track_id))
        self.samples.append(sample)
        return sample

    def extend(self, other: 'Dataset') -> None:
        """Append every row of ``other`` (same schema)."""
        if other.schema.name != self.schema.name:
            raise SchemaMismatch(f'cannot join a {other.schema.name!r} dataset '
                                 f'({other.source or "?"}) to a {self.schema.name!r} one')
        self.samples.extend(other.samples)

    def to_features(self, min_conf: float = DEFAULT_MIN_CONF, mirrored: bool = False
                    ) -> Tuple[np.ndarray, List[str]]:
        """
        Return ``(features (N, FEATURE_DIM), labels)`` for training.

        :param mirrored: also add left-right mirrored rows, relabelled (rows whose mirrored
            label is not in the dataset are not mirrored; see ``features.mirror_label``).
        """
        x = normalise_many((s.keypoints for s in self.samples), min_conf)
        y = [s.label for s in self.samples]
        if mirrored and len(x):
            names = self.labels
            twins = [mirror_label(lb, names) for lb in y]
            keep = [i for i, t in enumerate(twins) if t is not None]
            x = np.concatenate([x, mirror(x[keep])])
            y = y + [twins[i] for i in keep]
        return x, y

    # -- files ---------------------------------------------------------------------------

    def header(self) -> Dict[str, Any]:
        sizes = {s.image_size for s in self.samples}
        first = self.samples[0].image_size if self.samples else None
        return {'format': DATASET_FORMAT, 'version': DATASET_VERSION,
                'schema': self.schema.name, 'keypoints': list(self.schema.keypoints),
                'created': self.created, 'source': self.source, 'backend': self.backend,
                'image_size': list(first) if first is not None and len(sizes) == 1 else None}

    def save(self, path: Union[str, Path]) -> Path:
        """Write the dataset as JSON Lines (parent folders are created)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + '.tmp')
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(json.dumps(self.header()) + '\n')
            for s in self.samples:
                xy = [None if not np.isfinite(p).all() else [round(float(p[0]), 2),
                                                             round(float(p[1]), 2)]
                      for p in np.asarray(s.keypoints.xy, np.float64)]
                conf = [_round_or_none(c, 4) for c in s.keypoints.conf]
                row = {'label': s.label, 'xy': xy, 'conf': conf,
                       'image_size': list(s.image_size) if s.image_size else None,
                       'source': s.source,
                       'stamp': None if s.stamp is None or not math.isfinite(s.stamp)
                       else float(s.stamp),
                       'track_id': s.track_id}
                f.write(json.dumps(row) + '\n')
        tmp.replace(path)     # a reader never sees half a file
        return path

    @classmethod
    def load(cls, path: Union[str, Path]) -> 'Dataset':
        """
        Read a dataset file.

        :raises ValueError: not a dataset, a newer version, or a malformed row (with its line).
        """
        path = Path(path)
        with open(path, encoding='utf-8') as f:
            lines = f.read().splitlines()
        if not lines:
            raise ValueError(f'{path}: empty file, not a pose_ros dataset')
        try:
            head = json.loads(lines[0])
        except ValueError as e:
            raise ValueError(f'{path}:1: not a pose_ros dataset header: {e}') from None
        if not isinstance(head, dict) or head.get('format') != DATASET_FORMAT:
            raise ValueError(f'{path}: not a pose_ros dataset (first line has no '
                             f'"format": "{DATASET_FORMAT}")')
        if not isinstance(head.get('version'), int) or head['version'] > DATASET_VERSION:
            raise ValueError(f'{path}: dataset version {head.get("version")!r}; this pose_ros '
                             f'reads up to version {DATASET_VERSION}')
        try:
            schema = get_schema(head['schema'])
        except KeyError as e:
            raise ValueError(f'{path}: {e.args[0]}') from None
        if head.get('keypoints') not in (None, list(schema.keypoints)):
            raise ValueError(f'{path}: the header lists other keypoints than schema '
                             f'{schema.name!r} has')
        ds = cls(schema, head.get('source', ''), head.get('backend', ''), head.get('created'))
        n = len(schema)
        for lineno, line in enumerate(lines[1:], start=2):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                xy = np.array([[np.nan, np.nan] if p is None else p for p in row['xy']],
                              np.float32)
                conf = np.array([np.nan if c is None else c for c in row['conf']], np.float32)
                if xy.shape != (n, 2) or conf.shape != (n,):
                    raise ValueError(f'{len(row["xy"])} points, schema {schema.name!r} has {n}')
                size = row.get('image_size')
                ds.append(row['label'], Keypoints.from_arrays(schema, xy, conf),
                          tuple(size) if size else None, row.get('source', ''),
                          row.get('stamp'), row.get('track_id', -1))
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f'{path}:{lineno}: bad row: {e}') from None
        return ds

    @classmethod
    def load_many(cls, paths: Sequence[Union[str, Path]]) -> 'Dataset':
        """Read and join several dataset files (all of one schema)."""
        if not paths:
            raise ValueError('no dataset files given')
        out = cls.load(paths[0])
        for p in paths[1:]:
            out.extend(cls.load(p))
        if len(paths) > 1:
            out.source = ' + '.join(str(p) for p in paths)
        return out


# -- choosing the subject ----------------------------------------------------------------------

def person_area(person: Person) -> float:
    """Area of a person's box (pixels^2), else of their visible keypoints' extent; 0 if none."""
    x0, y0, x1, y1 = (float(v) for v in np.asarray(person.bbox, float).reshape(4))
    area = (x1 - x0) * (y1 - y0)
    if math.isfinite(area) and area > 0:
        return area
    xy = person.body.xy[person.body.visible()]
    return float(np.ptp(xy[:, 0]) * np.ptp(xy[:, 1])) if len(xy) >= 2 else 0.0


def pick_subject(people: Sequence[Person]) -> Optional[Person]:
    """Return the person a labelled recording is about: the largest one in the image."""
    return max(people, key=person_area) if people else None


# -- recorders ---------------------------------------------------------------------------------

LabelFor = Union[str, Sequence[Segment], Callable[[float], Optional[str]]]


def label_function(label: LabelFor) -> Callable[[float], Optional[str]]:
    """
    Turn a label, a list of ``(start_s, end_s, label)`` segments or a function into a function.

    Segment times are seconds from the first frame; ``start <= t < end``; a time in no
    segment gives None (the frame is not recorded).
    """
    if callable(label):
        return label
    if isinstance(label, str):
        check_label(label)
        return lambda t: label
    segments = [(float(a), float(b), check_label(lb)) for a, b, lb in label]
    for a, b, lb in segments:
        if not b > a:
            raise ValueError(f'segment {lb!r}: end {b} must be after start {a}')

    def by_time(t: float) -> Optional[str]:
        for a, b, lb in segments:
            if a <= t < b:
                return lb
        return None
    return by_time


def parse_segments(text: str) -> List[Segment]:
    """Parse ``'0:5:stand,5:10:t_pose'`` (start:end:label, seconds) into segments."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(','))):
        try:
            a, b, lb = part.split(':')
            out.append((float(a), float(b), check_label(lb.strip())))
        except ValueError as e:
            raise ValueError(f'bad segment {part!r} (want start:end:label, e.g. 0:5:stand): '
                             f'{e}') from None
    if not out:
        raise ValueError(f'no segments in {text!r}')
    return out


class _Estimator:
    """A backend (by name or instance) and its pipeline, closed afterwards if we made it."""

    def __init__(self, backend: Any, options: Optional[Dict[str, Any]], smoothing: bool):
        from pose_ros.backends import create_backend
        from pose_ros.pipeline import BodyPipeline, PipelineOptions
        self.owned = isinstance(backend, str)
        self.backend = create_backend(backend, options) if self.owned else backend
        self.pipeline = BodyPipeline(self.backend, PipelineOptions(smoothing=smoothing))

    def process(self, bgr: np.ndarray, stamp: float) -> FrameResult:
        return self.pipeline.process(bgr, stamp)

    def close(self) -> None:
        if self.owned:
            self.pipeline.close()


def _add_frame(dataset: Dataset, report: RecordReport, result: FrameResult,
               label: Optional[str], source: str, stamp: Optional[float],
               all_people: bool) -> None:
    report.frames += 1
    if label is None:
        report.unlabelled += 1
        return
    subject = pick_subject(result.people)
    people = list(result.people) if all_people else [subject] if subject is not None else []
    if not people:
        report.empty += 1
        return
    size = (result.width, result.height) if result.width and result.height else None
    for person in people:
        dataset.append(label, person.body, size, source, stamp, person.track_id)
        report.added[label] = report.added.get(label, 0) + 1


def _new_dataset(dataset: Optional[Dataset], schema: KeypointSchema, source: str,
                 backend: str) -> Dataset:
    if dataset is None:
        return Dataset(schema, source, backend)
    if dataset.schema.name != schema.name:
        raise SchemaMismatch(f'cannot add {schema.name!r} keypoints (backend {backend!r}) to a '
                             f'{dataset.schema.name!r} dataset')
    return dataset


def _progress(items: Iterable, total: Optional[int], desc: str, on: bool) -> Iterable:
    if not on:
        return items
    from tqdm import tqdm
    return tqdm(items, total=total, desc=desc, unit='frame')


def record_from_folders(root: Union[str, Path], backend: Any = 'yolo',
                        dataset: Optional[Dataset] = None,
                        backend_options: Optional[Dict[str, Any]] = None,
                        all_people: bool = False, progress: bool = False,
                        report: Optional[RecordReport] = None) -> Dataset:
    """
    Record ``root/<label>/*.jpg|png|...``: every subfolder is a label, every image a row.

    Images are independent photos: no tracking, no smoothing.

    :param backend: a backend name (``'yolo'``, ``'mediapipe'``; made and closed here) or a
        :class:`~pose_ros.backends.PoseBackend` instance (left open).
    :param dataset: add to this dataset (same schema) instead of a new one.
    :param all_people: one row per person in the image instead of the largest one only.
    :param report: filled with what was seen.
    """
    import cv2
    root = Path(root)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith('.'))
    if not folders:
        raise ValueError(f'{root}: no label subfolders (want {root}/<label>/<images>)')
    for folder in folders:
        check_label(folder.name)
    options = dict(backend_options or {})
    if isinstance(backend, str) and backend == 'yolo':
        options.setdefault('tracker', 'none')       # unrelated photos: nothing to track
    est = _Estimator(backend, options, smoothing=False)
    report = report if report is not None else RecordReport()
    try:
        ds = _new_dataset(dataset, est.backend.schema, f'folders:{root}', est.backend.name)
        files = [(f.name, p) for f in folders for p in sorted(f.iterdir())
                 if p.suffix.lower() in IMAGE_SUFFIXES]
        for i, (label, path) in enumerate(_progress(files, len(files), root.name, progress)):
            bgr = cv2.imread(str(path))
            if bgr is None:
                report.skipped_files.append(str(path))
                continue
            est.backend.reset()
            result = est.process(bgr, float(i))
            _add_frame(ds, report, result, label, f'{label}/{path.name}', None, all_people)
    finally:
        est.close()
    return ds


def _record_stream(frames: Iterable[Tuple[np.ndarray, float]], label: LabelFor, backend: Any,
                   dataset: Optional[Dataset], backend_options: Optional[Dict[str, Any]],
                   smoothing: bool, every: int, all_people: bool, source: str,
                   report: Optional[RecordReport], progress: bool, total: Optional[int]
                   ) -> Dataset:
    if every < 1:
        raise ValueError(f'every must be >= 1, got {every}')
    label_at = label_function(label)
    est = _Estimator(backend, backend_options, smoothing)
    report = report if report is not None else RecordReport()
    try:
        ds = _new_dataset(dataset, est.backend.schema, source, est.backend.name)
        name = Path(source.partition(':')[2]).name
        t0 = None
        for i, (bgr, stamp) in enumerate(_progress(frames, total, name, progress)):
            t0 = stamp if t0 is None else t0
            # Every frame goes through the pipeline (smoothing and tracking need them all).
            result = est.process(bgr, stamp)
            if i % every:
                continue
            _add_frame(ds, report, result, label_at(stamp - t0), f'{name}#{i}', stamp,
                       all_people)
    finally:
        est.close()
    return ds


def record_from_video(path: Union[str, Path], label: LabelFor, backend: Any = 'yolo',
                      dataset: Optional[Dataset] = None,
                      backend_options: Optional[Dict[str, Any]] = None,
                      smoothing: bool = True, every: int = 1, all_people: bool = False,
                      progress: bool = False, report: Optional[RecordReport] = None
                      ) -> Dataset:
    """
    Record a video file: one label, or labels by time segments (seconds from its start).

    :param every: keep every n-th frame (all frames still run through the pipeline).
    """
    from pose_ros.ros_conversion import stamp_seconds
    from pose_ros.tools.offline import count_frames, frames_from_video
    path = Path(path)
    frames = ((bgr, stamp_seconds(h.stamp))
              for bgr, h, _ in frames_from_video(path, 'camera'))
    return _record_stream(frames, label, backend, dataset, backend_options, smoothing, every,
                          all_people, f'video:{path}', report, progress, count_frames(path))


def bag_people_topic(bag: Union[str, Path]) -> Optional[str]:
    """Return the first ``pose_ros_msgs/msg/People`` topic of a bag, or None."""
    from rosbags.rosbag2 import Reader
    with Reader(Path(bag)) as reader:
        for c in reader.connections:
            if c.msgtype == 'pose_ros_msgs/msg/People':
                return c.topic
    return None


def _people_from_bag(bag: Path, topic: str) -> Iterator[Tuple[FrameResult, float]]:
    from pose_ros.ros_conversion import people_msg_to_frame, stamp_seconds
    from pose_ros_msgs.msg import People
    from rclpy.serialization import deserialize_message
    from rosbags.rosbag2 import Reader
    with Reader(bag) as reader:
        conns = [c for c in reader.connections if c.topic == topic]
        for _, _, data in reader.messages(connections=conns):
            msg = deserialize_message(data, People)
            yield people_msg_to_frame(msg), stamp_seconds(msg.header.stamp)


def record_from_bag(bag: Union[str, Path], label: LabelFor, backend: Any = 'yolo',
                    topic: Optional[str] = None, dataset: Optional[Dataset] = None,
                    backend_options: Optional[Dict[str, Any]] = None,
                    smoothing: bool = True, every: int = 1, all_people: bool = False,
                    progress: bool = False, report: Optional[RecordReport] = None) -> Dataset:
    """
    Record a rosbag2 folder: one label, or labels by time segments (seconds from its start).

    With ``topic`` None the bag's ``pose_ros_msgs/People`` topic is read when it has one (the
    keypoints as the node published them, no backend runs); otherwise its first image topic
    goes through ``backend``. A ``topic`` picks either kind explicitly.
    """
    bag = Path(bag)
    people_topic = bag_people_topic(bag)
    if people_topic is not None and topic in (None, people_topic):
        return _record_people(bag, people_topic, label, dataset, every, all_people, report)
    from pose_ros.ros_conversion import stamp_seconds
    from pose_ros.tools.offline import frames_from_bag
    frames = ((bgr, stamp_seconds(h.stamp))
              for bgr, h, _ in frames_from_bag(bag, topic))
    return _record_stream(frames, label, backend, dataset, backend_options, smoothing, every,
                          all_people, f'bag:{bag}', report, progress, None)


def _record_people(bag: Path, topic: str, label: LabelFor, dataset: Optional[Dataset],
                   every: int, all_people: bool, report: Optional[RecordReport]) -> Dataset:
    label_at = label_function(label)
    report = report if report is not None else RecordReport()
    ds = dataset
    t0 = None
    for i, (result, stamp) in enumerate(_people_from_bag(bag, topic)):
        t0 = stamp if t0 is None else t0
        if i % every:
            continue
        if ds is None and result.people:
            ds = Dataset(result.people[0].body.schema, f'bag:{bag}', result.backend)
        if ds is None:          # nobody seen yet: the schema is unknown, count the frame only
            report.frames += 1
            report.empty += 1
            continue
        for person in result.people:
            if person.body.schema.name != ds.schema.name:
                raise SchemaMismatch(f'{bag}: {person.body.schema.name!r} skeletons in a '
                                     f'{ds.schema.name!r} dataset')
        _add_frame(ds, report, result, label_at(stamp - t0), f'{bag.name}@{stamp:.3f}',
                   stamp, all_people)
    if ds is None:
        raise ValueError(f'{bag}: nobody in any People message of {topic}')
    return ds


# -- live recording ----------------------------------------------------------------------------

@dataclass
class RecorderStatus:
    """Where a :class:`CountdownRecorder` is: phase, label, time left, rows of this label."""

    phase: str                 # 'waiting' (not started), 'countdown', 'capture' or 'done'
    label: Optional[str]
    index: int                 # position of ``label`` in the label list
    remaining_s: float         # time left in this phase
    captured: int              # rows captured for this label so far
    changed: bool = False      # the phase or label changed with this update

    def prompt(self) -> str:
        """Return a line to show the person being recorded."""
        if self.phase == 'countdown':
            return f'get ready: {self.label} in {math.ceil(self.remaining_s)} s'
        if self.phase == 'capture':
            return (f'recording {self.label}: hold it, {self.remaining_s:.1f} s left '
                    f'({self.captured} samples)')
        if self.phase == 'done':
            return 'done'
        return 'waiting to start'


class CountdownRecorder:
    """
    Timed live capture, label after label: countdown, capture for ``capture_s``, next label.

    Pure: the caller feeds the clock and skeletons (:meth:`offer` for every message, or
    :meth:`update` when there is no skeleton) and shows :meth:`RecorderStatus.prompt`.
    The clock starts at the first call.

    :param min_interval_s: keep at most one row per this many seconds (0: every offer).
    :param max_per_label: stop taking rows of a label after this many (None: no limit).
    """

    def __init__(self, dataset: Dataset, labels: Sequence[str], countdown_s: float = 3.0,
                 capture_s: float = 5.0, min_interval_s: float = 0.0,
                 max_per_label: Optional[int] = None) -> None:
        if not labels:
            raise ValueError('no labels to record')
        for lb in labels:
            check_label(lb)
        if countdown_s < 0 or capture_s <= 0 or min_interval_s < 0:
            raise ValueError('need countdown_s >= 0, capture_s > 0, min_interval_s >= 0')
        self.dataset = dataset
        self.labels = list(labels)
        self.countdown_s = float(countdown_s)
        self.capture_s = float(capture_s)
        self.min_interval_s = float(min_interval_s)
        self.max_per_label = max_per_label
        self._t0: Optional[float] = None
        self._last_key: Tuple[str, Optional[str]] = ('waiting', None)
        self._last_row_t = -math.inf
        self.captured: Dict[str, int] = dict.fromkeys(self.labels, 0)

    @property
    def period_s(self) -> float:
        return self.countdown_s + self.capture_s

    def update(self, t: float) -> RecorderStatus:
        """Advance the clock to ``t`` seconds; return the status."""
        if self._t0 is None:
            self._t0 = t
        elapsed = max(0.0, t - self._t0)
        index = int(elapsed // self.period_s)
        if index >= len(self.labels):
            status = RecorderStatus('done', None, len(self.labels), 0.0, 0)
        else:
            label = self.labels[index]
            within = elapsed - index * self.period_s
            if within < self.countdown_s:
                status = RecorderStatus('countdown', label, index, self.countdown_s - within,
                                        self.captured[label])
            else:
                status = RecorderStatus('capture', label, index, self.period_s - within,
                                        self.captured[label])
        key = (status.phase, status.label)
        status.changed = key != self._last_key
        self._last_key = key
        return status

    def offer(self, t: float, keypoints: Optional[Keypoints],
              image_size: Optional[Size] = None, source: str = 'live',
              track_id: int = -1) -> RecorderStatus:
        """Advance to ``t`` and record ``keypoints`` if capturing (None: nobody seen)."""
        status = self.update(t)
        if status.phase != 'capture' or keypoints is None or status.label is None:
            return status
        if self.max_per_label is not None and self.captured[status.label] >= self.max_per_label:
            return status
        if t - self._last_row_t < self.min_interval_s - 1e-6:   # float clocks: 0.1 vs 0.0999...
            return status
        self.dataset.append(status.label, keypoints, image_size, source, t, track_id)
        self._last_row_t = t
        self.captured[status.label] += 1
        status.captured = self.captured[status.label]
        return status

    @property
    def done(self) -> bool:
        return self._last_key[0] == 'done'
