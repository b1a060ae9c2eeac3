# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Labelled keypoint datasets: the file format, read and written.

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

Recording (from image folders, videos, bags, and live) is
:mod:`pose_ros.classifier.recording`'s; :func:`pick_subject` says whom a labelled image is
about.
"""

from dataclasses import dataclass
import datetime
import json
import math
from pathlib import Path
import re
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
from pose_ros.classifier.features import (
    DEFAULT_MIN_CONF, mirror, mirror_label, normalise_many, SchemaMismatch)
from pose_ros.people import Keypoints, Person
from pose_ros.schemas import BODY_SCHEMAS, get_schema, KeypointSchema

DATASET_FORMAT = 'pose_ros.pose_dataset'
DATASET_VERSION = 1
_LABEL = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]*$')
Size = Tuple[int, int]


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
