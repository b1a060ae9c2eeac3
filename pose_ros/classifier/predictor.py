# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
What a trained pose classifier does at run time, without torch: skeletons in, labels out.

:class:`PosePredictor` holds what a model file declares besides its network (labels, keypoint
schema, feature standardisation, thresholds, training metrics) and turns skeletons into labels.
A subclass supplies the network's probabilities:
:class:`~pose_ros.classifier.onnx_model.OnnxPoseClassifier` (ONNX Runtime, ``.onnx``: what a
robot runs) or :class:`~pose_ros.classifier.model.PoseClassifier` (torch: training and ``.pt``
files). :func:`load` picks one by the file's suffix; only a ``.pt`` file imports torch.
"""

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from pose_ros.classifier.features import (
    DEFAULT_MIN_CONF, FEATURE_DIM, feature_spec, FEATURE_VERSION, normalise, SchemaMismatch,
    visible_fraction)
from pose_ros.people import Keypoints

MODEL_FORMAT = 'pose_ros.pose_classifier'
MODEL_VERSION = 1
UNKNOWN = 'unknown'
MAX_LABELS = 1000
__all__ = ['load', 'MODEL_FORMAT', 'MODEL_VERSION', 'ModelFileError', 'parse_header',
           'PosePredictor', 'SchemaMismatch', 'UNKNOWN']


class ModelFileError(ValueError):
    """A model file cannot be read: not a model, a newer version, or unsafe content."""


class PosePredictor(ABC):
    """Labels, schema, feature standardisation and thresholds; the network is a subclass'."""

    def __init__(self, labels: Sequence[str], schema: str, mean: np.ndarray, std: np.ndarray,
                 spec: Optional[Dict[str, Any]] = None, unknown_threshold: float = 0.6,
                 min_visible: float = 0.5, metrics: Optional[Dict[str, Any]] = None,
                 created: str = '', name: str = '') -> None:
        if len(set(labels)) != len(labels) or UNKNOWN in labels:
            raise ValueError(f'labels must be unique and not {UNKNOWN!r}: {list(labels)}')
        self.labels = list(labels)
        self.schema = schema
        self.mean = np.asarray(mean, np.float32).reshape(FEATURE_DIM)
        self.std = np.asarray(std, np.float32).reshape(FEATURE_DIM)
        self.spec = dict(spec or feature_spec())
        self.unknown_threshold = float(unknown_threshold)
        self.min_visible = float(min_visible)
        self.metrics = dict(metrics or {})
        self.created = created
        self.name = name            # file name once saved or loaded (for messages)

    @abstractmethod
    def network_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities ``(N, len(labels))`` of standardised ``(N, FEATURE_DIM)`` rows."""

    def check_schema(self, schema_name: str) -> None:
        """Raise :class:`SchemaMismatch` unless ``schema_name`` is the training schema."""
        if schema_name != self.schema:
            what = f'model {self.name!r}' if self.name else 'this model'
            raise SchemaMismatch(
                f'{what} was trained on {self.schema!r} keypoints and refuses '
                f'{schema_name!r} ones: run the backend that gives {self.schema!r} keypoints '
                f'(coco17: yolo, blazepose33: mediapipe), or record a {schema_name!r} '
                f'dataset and train a model for it')

    def features(self, keypoints: Keypoints) -> np.ndarray:
        """Feature vector of one skeleton with this model's settings (schema checked)."""
        self.check_schema(keypoints.schema.name)
        return normalise(keypoints, float(self.spec.get('min_conf', DEFAULT_MIN_CONF)))

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities ``(N, len(labels))`` of feature vectors ``(N, FEATURE_DIM)``."""
        x = np.asarray(features, np.float32).reshape(-1, FEATURE_DIM)
        x = np.nan_to_num((x - self.mean) / self.std, nan=0.0, posinf=0.0, neginf=0.0)
        return self.network_proba(x)

    def predict(self, keypoints: Keypoints) -> Tuple[str, float]:
        """
        Return ``(label, probability)`` of one skeleton.

        ``('unknown', 0.0)`` when fewer than ``min_visible`` of the joints are visible (or the
        hips/shoulders are missing); ``('unknown', p)`` when the top probability ``p`` is
        below ``unknown_threshold``.

        :raises SchemaMismatch: a skeleton of another schema than the training one.
        """
        f = self.features(keypoints)
        if visible_fraction(f) < self.min_visible:
            return UNKNOWN, 0.0            # the network is not run for too few joints
        return self._decide(f, self.predict_proba(f)[0])

    def predict_many(self, keypoints: Sequence[Keypoints]) -> List[Tuple[str, float]]:
        """:meth:`predict` over many skeletons in one network pass."""
        if not keypoints:
            return []
        feats = np.stack([self.features(k) for k in keypoints])
        return [self._decide(f, p) for f, p in zip(feats, self.predict_proba(feats))]

    def _decide(self, features: np.ndarray, proba: np.ndarray) -> Tuple[str, float]:
        """Return the label of one skeleton from its features and class probabilities."""
        if visible_fraction(features) < self.min_visible:
            return UNKNOWN, 0.0
        i = int(np.argmax(proba))
        if proba[i] < self.unknown_threshold:
            return UNKNOWN, float(proba[i])
        return self.labels[i], float(proba[i])

    def header(self) -> Dict[str, Any]:
        """Return the model file's fields other than the network, as plain values."""
        return {
            'format': MODEL_FORMAT, 'version': MODEL_VERSION, 'labels': list(self.labels),
            'schema': self.schema, 'feature_spec': dict(self.spec),
            'mean': [float(v) for v in self.mean], 'std': [float(v) for v in self.std],
            'unknown_threshold': self.unknown_threshold, 'min_visible': self.min_visible,
            'metrics': self.metrics, 'created': self.created,
        }


def read_head(path: Path) -> bytes:
    """
    Return the first 4 bytes of a model file (fewer if it is shorter): its format's magic.

    :raises FileNotFoundError: no such file.
    :raises ModelFileError: it cannot be read.
    """
    if not path.is_file():
        raise FileNotFoundError(f'no model file {path}')
    try:
        with open(path, 'rb') as f:
            return f.read(4)
    except OSError as e:
        raise ModelFileError(f'{path}: cannot be read: {e.strerror or e}') from None


def parse_header(data: Any, where: str) -> Dict[str, Any]:
    """
    Check a model file's fields other than the network; return :class:`PosePredictor`'s kwargs.

    ``mean`` and ``std`` may be lists or arrays (a ``.pt`` file holds tensors).

    :raises ModelFileError: not a pose_ros classifier, another format or feature version, a
        bad label count, or a missing or malformed field.
    """
    if not isinstance(data, dict) or data.get('format') != MODEL_FORMAT:
        raise ModelFileError(f'{where}: not a pose_ros classifier (format '
                             f'{data.get("format") if isinstance(data, dict) else None!r})')
    if data.get('version') != MODEL_VERSION:
        raise ModelFileError(f'{where}: model format version {data.get("version")!r}; this '
                             f'pose_ros reads version {MODEL_VERSION}')
    try:
        labels = [str(lb) for lb in data['labels']]
        spec = dict(data['feature_spec'])
        if spec.get('version') != FEATURE_VERSION:
            raise ModelFileError(f'{where}: feature version {spec.get("version")!r}, this '
                                 f'pose_ros computes version {FEATURE_VERSION}')
        if not 2 <= len(labels) <= MAX_LABELS:
            raise ModelFileError(f'{where}: {len(labels)} labels; a model has 2 to '
                                 f'{MAX_LABELS}')
        mean, std = (np.asarray(data[k], np.float32) for k in ('mean', 'std'))
        if mean.shape != (FEATURE_DIM,) or std.shape != (FEATURE_DIM,):
            raise ModelFileError(f'{where}: malformed model file: mean and std must hold '
                                 f'{FEATURE_DIM} values each, not {mean.size} and {std.size}')
        return {'labels': labels, 'schema': str(data['schema']), 'mean': mean, 'std': std,
                'spec': spec, 'unknown_threshold': float(data['unknown_threshold']),
                'min_visible': float(data['min_visible']),
                'metrics': dict(data.get('metrics') or {}),
                'created': str(data.get('created', ''))}
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as e:
        raise ModelFileError(f'{where}: malformed model file: {e}') from None


def load(path: Union[str, Path]) -> PosePredictor:
    """
    Read a trained classifier: ``.onnx`` runs on ONNX Runtime, any other file is a torch model.

    :raises ModelFileError: an unreadable or foreign file, or a ``.pt`` file without torch.
    :raises FileNotFoundError: no such file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'no model file {path}')
    if path.suffix.lower() == '.onnx':
        from pose_ros.classifier.onnx_model import OnnxPoseClassifier
        return OnnxPoseClassifier.load(path)
    try:
        from pose_ros.classifier.model import PoseClassifier
    except ImportError as e:      # a robot with the run-time requirements only
        raise ModelFileError(
            f'{path}: a torch model file, and torch cannot be imported here ({e}); torch '
            'comes with the training requirements (requirements/training.txt). Run the .onnx '
            f'model pose_train writes beside it ({path.with_suffix(".onnx").name}), which needs '
            'only ONNX Runtime') from None
    return PoseClassifier.load(path)
