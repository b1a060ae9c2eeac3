# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
A trained pose classifier run by ONNX Runtime: the form a robot runs, without torch.

**Model file** (``.onnx``, written by :func:`pose_ros.classifier.export.export_onnx`, which
``pose_train`` runs):

* the network: one float32 input ``(batch, FEATURE_DIM)`` of *standardised* features, one
  float32 output ``(batch, len(labels))`` of class **probabilities** (the softmax is in the
  graph, so the file alone says what a label's probability is); any batch size;
* one ``metadata_props`` entry, key :data:`METADATA_KEY`, a JSON object with the ``.pt`` file's
  plain fields (:mod:`pose_ros.classifier.model`: format, version, labels, schema,
  feature_spec, mean, std, hidden, dropout, unknown_threshold, min_visible, metrics, created,
  torch_version) plus ``output: 'probabilities'``.

Standardisation (``(x - mean) / std``, NaN to 0) and the decisions on top of the probabilities
are :class:`~pose_ros.classifier.predictor.PosePredictor`'s, the code the torch model runs
too. This module needs onnxruntime and numpy only: never torch, nor the ``onnx`` package.
"""

import json
from pathlib import Path
from typing import Any, Union

import numpy as np
from pose_ros.classifier.features import FEATURE_DIM
from pose_ros.classifier.predictor import (ModelFileError, parse_header, PosePredictor,
                                           read_head)

METADATA_KEY = 'pose_ros.pose_classifier'
OUTPUT_KIND = 'probabilities'
__all__ = ['METADATA_KEY', 'OnnxPoseClassifier', 'OUTPUT_KIND']


class OnnxPoseClassifier(PosePredictor):
    """A classifier whose network is an ONNX Runtime session (see the module doc)."""

    def __init__(self, session: Any, **fields: Any) -> None:
        super().__init__(**fields)
        self.session = session
        self._input = session.get_inputs()[0].name
        self._output = session.get_outputs()[0].name

    def network_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities of standardised features: the graph's output as it is."""
        return self.session.run([self._output], {self._input: x})[0]

    @classmethod
    def load(cls, path: Union[str, Path]) -> 'OnnxPoseClassifier':
        """
        Read a ``.onnx`` model written by ``pose_train``, checking every field and the graph.

        :raises ModelFileError: unreadable, not ONNX, no pose_ros metadata, another format
            version, a malformed field, or a graph whose input or output width disagrees.
        :raises FileNotFoundError: no such file.
        """
        path = Path(path)
        head = read_head(path)
        if not head:
            raise ModelFileError(f'{path}: not a readable ONNX model (it is empty)')
        if head == b'PK\x03\x04':
            raise ModelFileError(
                f'{path}: a zip archive, not an ONNX model: a torch .pt model named .onnx? '
                'Give it its .pt name (it needs torch), or use the .onnx file pose_train '
                'writes beside the .pt')
        session = _session(path)
        text = session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
        if text is None:
            raise ModelFileError(
                f'{path}: an ONNX model without pose_ros classifier metadata '
                f'({METADATA_KEY!r}): not written by pose_train (a pose estimator such as '
                'yolo11n-pose.onnx belongs in onnx.weights of body_node)')
        where = path.name
        try:
            data = json.loads(text)
        except ValueError as e:
            raise ModelFileError(f'{where}: malformed model file: its {METADATA_KEY!r} '
                                 f'metadata is not JSON ({e})') from None
        fields = parse_header(data, where)
        if data.get('output') != OUTPUT_KIND:
            raise ModelFileError(f'{where}: the network gives {data.get("output")!r}; this '
                                 f'pose_ros runs networks that give {OUTPUT_KIND!r}')
        _check_graph(session, len(fields['labels']), where)
        try:
            model = cls(session, name=where, **fields)
        except ValueError as e:
            raise ModelFileError(f'{where}: malformed model file: {e}') from None
        # One pass now: a graph that disagrees with its declared shapes fails here, at start,
        # and the first real frame is not slowed by ONNX Runtime's lazy set-up.
        try:
            probs = model.network_proba(np.zeros((1, FEATURE_DIM), np.float32))
        except Exception as e:  # noqa: B902 - ONNX Runtime raises its own error types
            raise ModelFileError(f'{where}: the network does not run: {e}') from None
        if np.shape(probs) != (1, len(model.labels)):
            raise ModelFileError(f'{where}: the network gives shape {np.shape(probs)} for one '
                                 f'feature vector, not (1, {len(model.labels)})')
        return model


def _session(path: Path) -> Any:
    """Return an ONNX Runtime CPU session of ``path``, or ModelFileError saying why not."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    # The network is tiny: one thread is fastest and leaves the cores to the pose estimator.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3      # errors only: they come back as exceptions anyway
    try:
        return ort.InferenceSession(str(path), options, providers=['CPUExecutionProvider'])
    except Exception as e:  # noqa: B902 - ONNX Runtime raises its own error types
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelFileError(f'{path}: not a readable ONNX model ({reason[:300]})') from None


def _check_graph(session: Any, n_labels: int, where: str) -> None:
    """Raise ModelFileError unless the graph maps (batch, FEATURE_DIM) to (batch, n_labels)."""
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1 or inputs[0].type != 'tensor(float)' or len(inputs[0].shape) != 2 \
            or inputs[0].shape[1] != FEATURE_DIM:
        found = [(i.name, i.type, i.shape) for i in inputs]
        raise ModelFileError(f'{where}: the network takes {found}, not one float tensor '
                             f'(batch, {FEATURE_DIM}) of feature vectors (input width must be '
                             f'FEATURE_DIM = {FEATURE_DIM})')
    if not outputs or len(outputs[0].shape) != 2 or outputs[0].shape[1] != n_labels:
        found = [(o.name, o.type, o.shape) for o in outputs]
        raise ModelFileError(f'{where}: the network gives {found}, not (batch, {n_labels}): '
                             f'its output width must be the number of labels ({n_labels})')
