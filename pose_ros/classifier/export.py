# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
A trained torch classifier to the ``.onnx`` file a robot runs (see :mod:`.onnx_model`).

Needs torch and the ``onnx`` package (the training requirements); the result needs neither.
Every export is checked: ONNX Runtime must give torch's probabilities to within
:data:`MAX_DIFFERENCE`, or no file is written.
"""

import io
import json
import os
from pathlib import Path
from typing import Optional, Union
import warnings

import numpy as np
import onnx
from pose_ros.classifier.features import FEATURE_DIM
from pose_ros.classifier.model import PoseClassifier
from pose_ros.classifier.onnx_model import METADATA_KEY, OnnxPoseClassifier, OUTPUT_KIND
import torch
from torch import nn

MAX_DIFFERENCE = 1e-5     # largest probability difference ONNX Runtime vs torch an export passes
OPSET = 17
N_RANDOM = 256            # random feature vectors checked besides the ones given
__all__ = ['ExportError', 'export_onnx', 'MAX_DIFFERENCE']


class ExportError(RuntimeError):
    """The exported network does not compute what the torch one does."""


class _Probabilities(nn.Module):
    """The classifier's network with its softmax: the ``.onnx`` file gives probabilities."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=1)


def _graph(model: PoseClassifier) -> onnx.ModelProto:
    """Return the network (and softmax) as ONNX, with a dynamic batch dimension."""
    buffer = io.BytesIO()
    # torch >= 2.9 defaults to the torch.export-based exporter, which needs onnxscript (not in
    # the requirements); the TorchScript exporter (dynamo=False) still ships, deprecated, and
    # turns this MLP into Gemm/Relu/Softmax. Should a torch drop it, the graph is three op
    # types to build with onnx.helper; the check in export_onnx guards either way.
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        torch.onnx.export(_Probabilities(model.net).eval(), (torch.zeros(1, FEATURE_DIM),),
                          buffer, dynamo=False, opset_version=OPSET, input_names=['features'],
                          output_names=[OUTPUT_KIND],
                          dynamic_axes={'features': {0: 'batch'}, OUTPUT_KIND: {0: 'batch'}})
    model.net.eval()              # the exporter restores the mode it found; stay sure
    return onnx.load_from_string(buffer.getvalue())


def export_onnx(model: PoseClassifier, path: Union[str, Path],
                check_features: Optional[np.ndarray] = None, seed: int = 0) -> float:
    """
    Write ``model`` as ``path`` (``.onnx``) and return the export check's difference.

    The check runs the written file through ONNX Runtime (the robot's loader,
    :meth:`OnnxPoseClassifier.load`) on ``check_features`` (raw feature vectors, e.g. the
    training data) and :data:`N_RANDOM` random ones around the training distribution, and
    compares with torch's probabilities.

    :returns: the largest absolute probability difference found.
    :raises ExportError: a difference above :data:`MAX_DIFFERENCE`; nothing is written.
    :raises ValueError: ``path`` does not end in ``.onnx``.
    """
    path = Path(path)
    if path.suffix.lower() != '.onnx':
        raise ValueError(f'an ONNX model file needs a .onnx name, not {path.name!r}')
    proto = _graph(model)
    header = {**model.header(), 'hidden': list(model.hidden), 'dropout': model.dropout,
              'torch_version': str(torch.__version__), 'output': OUTPUT_KIND}
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(header)
    onnx.checker.check_model(proto)
    rng = np.random.default_rng(seed)
    x = (model.mean + model.std * rng.standard_normal((N_RANDOM, FEATURE_DIM))).astype(
        np.float32)
    if check_features is not None:
        x = np.concatenate([np.asarray(check_features, np.float32).reshape(-1, FEATURE_DIM), x])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f'.{path.name}.partial')   # never a half-checked model.onnx
    try:
        partial.write_bytes(proto.SerializeToString())
        exported = OnnxPoseClassifier.load(partial)
        difference = float(np.max(np.abs(exported.predict_proba(x) - model.predict_proba(x))))
        if not difference <= MAX_DIFFERENCE:          # NaN fails too
            raise ExportError(f'{path.name}: ONNX Runtime and torch probabilities differ by '
                              f'up to {difference:.3g} (at most {MAX_DIFFERENCE:g} allowed): '
                              'not written')
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return difference
