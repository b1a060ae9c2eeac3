# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Recording labelled keypoint datasets: from image folders, videos, bags, and live.

:func:`record_from_folders` (one subfolder of images per label: the classic "5 poses x 20
photos"), :func:`record_from_video` (one label, or labels by time segments),
:func:`record_from_bag` (the same; a bag of images runs the pipeline, a bag of
``pose_ros_msgs/People`` is read as is). In every image the subject is the largest person
(:func:`~pose_ros.classifier.dataset.pick_subject`). Frames are read by
:mod:`pose_ros.sources`.

The recorders compute what body_node computes: they take its configuration
(:class:`~pose_ros.config.BodyConfig`, e.g. from ``config/pose_ros.yaml``) and build the
pipeline with :func:`~pose_ros.pipeline.build_pipeline`, or take a pipeline already built.
From a configuration they leave out the head and hands stage (datasets hold body keypoints
only; the body keypoints are the same without it), and for folders of unrelated photos the
tracker and smoothing as well.

:class:`CountdownRecorder` is the pure state machine of live recording (countdown, then
capture for a while, label after label) that a ROS node (``pose_record_live``) drives with
its messages. The file format is :mod:`pose_ros.classifier.dataset`'s.
"""

from dataclasses import dataclass, field
import math
from pathlib import Path
from typing import (Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence,
                    Tuple, Union)

from pose_ros.classifier.dataset import check_label, Dataset, pick_subject, Size
from pose_ros.classifier.features import SchemaMismatch
from pose_ros.config import BodyConfig, replace
from pose_ros.people import FrameResult, Keypoints
from pose_ros.pipeline import BodyPipeline, build_pipeline
from pose_ros.schemas import KeypointSchema
from pose_ros.sources import (count_frames, frames_from_bag, frames_from_files,
                              frames_from_video, image_files, people_from_bag, SourceFrame)

__all__ = ['CountdownRecorder', 'LabelFor', 'RecorderStatus', 'RecordReport', 'Segment',
           'bag_people_topic', 'label_function', 'parse_segments', 'record_from_bag',
           'record_from_folders', 'record_from_video']

# (start_s, end_s, label): times relative to the first message of a bag or video.
Segment = Tuple[float, float, str]
LabelFor = Union[str, Sequence[Segment], Callable[[float], Optional[str]]]
# What the recorders run: body_node's configuration (built here), or a pipeline (left open).
PipelineOrConfig = Union[BodyConfig, BodyPipeline, None]
# Left out of a configuration when recording: a dataset holds no hands or heads.
RECORDING_CHANGES: Mapping[str, Any] = {'head.enabled': False, 'hands.enabled': False}
# ... and for folders of unrelated photos: nothing to track or smooth.
PHOTO_CHANGES: Mapping[str, Any] = {'yolo.tracker': 'none', 'smoothing.enabled': False}


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


# -- label segments ----------------------------------------------------------------------------

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


# -- recorders ---------------------------------------------------------------------------------

class _Estimator:
    """The pipeline a recorder runs: built from a configuration (and closed), or given."""

    def __init__(self, what: PipelineOrConfig, changes: Mapping[str, Any]) -> None:
        if isinstance(what, BodyPipeline):
            self.pipeline, self.owned = what, False
        else:
            config = replace(what or BodyConfig(), {**RECORDING_CHANGES, **changes})
            self.pipeline, self.owned = build_pipeline(config), True
        self.pipeline.reset()               # a new sequence: no tracks of an earlier one
        self.schema: KeypointSchema = self.pipeline.backend.schema
        self.name: str = self.pipeline.backend.name

    def process(self, source: SourceFrame) -> FrameResult:
        return self.pipeline.process(source.frame)

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


def record_from_folders(root: Union[str, Path], pipeline: PipelineOrConfig = None, *,
                        dataset: Optional[Dataset] = None, all_people: bool = False,
                        progress: bool = False, report: Optional[RecordReport] = None
                        ) -> Dataset:
    """
    Record ``root/<label>/*.jpg|png|...``: every subfolder is a label, every image a row.

    Images are independent photos: the pipeline is reset before each one, and one built
    from a configuration neither tracks nor smooths.

    :param pipeline: body_node's configuration (default: its defaults; built and closed
        here), or a :class:`~pose_ros.pipeline.BodyPipeline` (left open).
    :param dataset: add to this dataset (same schema) instead of a new one.
    :param all_people: one row per person in the image instead of the largest one only.
    :param report: filled with what was seen.
    """
    root = Path(root)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith('.'))
    if not folders:
        raise ValueError(f'{root}: no label subfolders (want {root}/<label>/<images>)')
    for folder in folders:
        check_label(folder.name)
    report = report if report is not None else RecordReport()
    files = [p for f in folders for p in image_files(f)]
    est = _Estimator(pipeline, PHOTO_CHANGES)
    read = set()
    try:
        ds = _new_dataset(dataset, est.schema, f'folders:{root}', est.name)
        frames = frames_from_files(files, root=root, on_skip=lambda text: None)
        for source in _progress(frames, len(files), root.name, progress):
            read.add(source.index)
            est.pipeline.reset()
            result = est.process(source)
            label = source.name.partition('/')[0]
            _add_frame(ds, report, result, label, source.name, None, all_people)
    finally:
        est.close()
    report.skipped_files.extend(str(p) for i, p in enumerate(files) if i not in read)
    return ds


def _record_stream(frames: Iterable[SourceFrame], label: LabelFor,
                   pipeline: PipelineOrConfig, dataset: Optional[Dataset], every: int,
                   all_people: bool, source: str, report: Optional[RecordReport],
                   progress: bool, total: Optional[int]) -> Dataset:
    if every < 1:
        raise ValueError(f'every must be >= 1, got {every}')
    label_at = label_function(label)
    report = report if report is not None else RecordReport()
    est = _Estimator(pipeline, {})
    try:
        ds = _new_dataset(dataset, est.schema, source, est.name)
        name = Path(source.partition(':')[2]).name
        t0 = None
        for i, frame in enumerate(_progress(frames, total, name, progress)):
            t0 = frame.stamp if t0 is None else t0
            # Every frame goes through the pipeline (smoothing and tracking need them all).
            result = est.process(frame)
            if i % every:
                continue
            _add_frame(ds, report, result, label_at(frame.stamp - t0), frame.name, frame.stamp,
                       all_people)
    finally:
        est.close()
    return ds


def record_from_video(path: Union[str, Path], label: LabelFor,
                      pipeline: PipelineOrConfig = None, *, dataset: Optional[Dataset] = None,
                      every: int = 1, all_people: bool = False, progress: bool = False,
                      report: Optional[RecordReport] = None) -> Dataset:
    """
    Record a video file: one label, or labels by time segments (seconds from its start).

    :param pipeline: body_node's configuration (default: its defaults; built and closed
        here), or a :class:`~pose_ros.pipeline.BodyPipeline` (left open).
    :param every: keep every n-th frame (all frames still run through the pipeline).
    """
    path = Path(path)
    return _record_stream(frames_from_video(path), label, pipeline, dataset, every,
                          all_people, f'video:{path}', report, progress, count_frames(path))


def bag_people_topic(bag: Union[str, Path]) -> Optional[str]:
    """Return the first ``pose_ros_msgs/msg/People`` topic of a bag, or None."""
    from rosbags.rosbag2 import Reader
    with Reader(Path(bag)) as reader:
        for c in reader.connections:
            if c.msgtype == 'pose_ros_msgs/msg/People':
                return c.topic
    return None


def record_from_bag(bag: Union[str, Path], label: LabelFor, pipeline: PipelineOrConfig = None,
                    *, topic: Optional[str] = None, dataset: Optional[Dataset] = None,
                    every: int = 1, all_people: bool = False, progress: bool = False,
                    report: Optional[RecordReport] = None) -> Dataset:
    """
    Record a rosbag2 folder: one label, or labels by time segments (seconds from its start).

    With ``topic`` None the bag's ``pose_ros_msgs/People`` topic is read when it has one (the
    keypoints as the node published them; no pipeline is built or run); otherwise its first
    image topic goes through the pipeline. A ``topic`` picks either kind explicitly.

    :param pipeline: body_node's configuration (default: its defaults; built and closed
        here), or a :class:`~pose_ros.pipeline.BodyPipeline` (left open).
    """
    bag = Path(bag)
    people_topic = bag_people_topic(bag)
    if people_topic is not None and topic in (None, people_topic):
        return _record_people(bag, people_topic, label, dataset, every, all_people, report)
    frames = frames_from_bag(bag, topic)
    return _record_stream(frames, label, pipeline, dataset, every, all_people, f'bag:{bag}',
                          report, progress, count_frames(bag, topic))


def _record_people(bag: Path, topic: str, label: LabelFor, dataset: Optional[Dataset],
                   every: int, all_people: bool, report: Optional[RecordReport]) -> Dataset:
    label_at = label_function(label)
    report = report if report is not None else RecordReport()
    ds = dataset
    t0 = None
    for i, (result, stamp) in enumerate(people_from_bag(bag, topic)):
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
