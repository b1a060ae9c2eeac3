# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
An INT8 YOLO-pose model for the ``yolo_onnx`` backend, made from the fp32 ONNX export.

ONNX Runtime's static post-training quantization (QDQ, per-channel int8 weights, uint8
activations, min/max calibration on real frames). The result is an ordinary ONNX model: the
backend runs it as it runs the fp32 one (``onnx.weights: yolo11n-pose-int8.onnx``), with the
same pre- and post-processing.

Quantizing everything wrecks the output (the decoded boxes land more than 100 px off), so
these stay in floating point (:func:`float_node_names`), each for a measured reason:

- the decoding in the head (grid offsets, strides, the DFL softmax, sigmoids, concatenations):
  it turns feature values into pixel coordinates, where an int8 step is many pixels;
- the head's prediction convolutions (those without an activation): their outputs are box
  distributions, person logits and keypoint offsets, not features;
- the first convolution, which sees raw pixels, and the attention block (``/attn/``: its
  matrix products and softmax): leaving either quantized cost 2-4 OKS AP points on the
  development ground truth.

Everything else (every other convolution and activation) is int8. On the 2-core reference CPU
(AVX2, no VNNI) the model takes about 0.7 x the fp32 time (BENCHMARKS.md).

Making it needs ``onnx`` and ``ml_dtypes`` (the training requirements); running it needs only
onnxruntime.
"""

from dataclasses import dataclass
from pathlib import Path
import tempfile
from typing import Iterable, Iterator, List, Optional, Sequence, Union

import numpy as np

from pose_ros.backends.base import BackendError
from pose_ros.geometry.boxes import box_iou

# The file quantize_model makes next to the fp32 export (onnx.weights selects it).
INT8_WEIGHTS = 'yolo11n-pose-int8.onnx'


@dataclass(frozen=True)
class Agreement:
    """
    How an INT8 model's detections agree with the fp32 model's on the same frames.

    :ivar people: people the fp32 model found (score >= its confidence threshold).
    :ivar missed: of those, people the INT8 model did not find (no box with IoU >= 0.5).
    :ivar missed_confident: missed people whose fp32 score was at least ``confident``.
    :ivar extra: people only the INT8 model found.
    :ivar keypoint_px: distances (px) between matched visible keypoints (fp32 vis > 0.5).
    """

    people: int
    missed: int
    missed_confident: int
    extra: int
    keypoint_px: np.ndarray

    @property
    def median_px(self) -> float:
        return float(np.median(self.keypoint_px)) if self.keypoint_px.size else float('nan')

    @property
    def p95_px(self) -> float:
        return (float(np.percentile(self.keypoint_px, 95)) if self.keypoint_px.size
                else float('nan'))

    def summary(self) -> str:
        return (f'{self.people} people (fp32), {self.missed} missed ({self.missed_confident} '
                f'with score >= 0.5), {self.extra} extra; keypoints {self.median_px:.2f} px '
                f'median, {self.p95_px:.2f} px p95 from fp32')


# Tolerances the INT8 model must meet on the verification frames (640x480): measured 0 missed,
# about 1 px median and 6 px p95 on the fixture photos and held-out video frames.
MAX_MEDIAN_PX = 2.5
MAX_P95_PX = 12.0


def float_node_names(model) -> List[str]:
    """
    Names of the nodes of a YOLO-pose ONNX graph that stay in floating point.

    :param model: an ``onnx.ModelProto`` of an ultralytics YOLO-pose export.
    :raises BackendError: the graph has no recognisable detection head.
    """
    nodes = list(model.graph.node)
    dfl = [n.name for n in nodes if '/dfl/' in n.name]
    if not dfl:
        raise BackendError('not an ultralytics YOLO-pose graph: no DFL node in its head')
    head = dfl[0][:dfl[0].index('/dfl/') + 1]             # e.g. '/model.23/'
    convs = [n.name for n in nodes if n.op_type == 'Conv' and n.name.startswith('/')]
    first = convs[0].split('/')[1] if convs else None     # e.g. 'model.0'
    consumers = {}
    for n in nodes:
        for name in n.input:
            consumers.setdefault(name, []).append(n.op_type)
    keep = []
    for n in nodes:
        in_head = n.name.startswith(head)
        if in_head and n.op_type == 'Conv':
            # A head convolution without an activation after it makes a raw prediction.
            if 'Sigmoid' not in consumers.get(n.output[0], []):
                keep.append(n.name)
        elif in_head and '/cv' not in n.name:
            keep.append(n.name)                           # the decoding
        elif '/attn/' in n.name and n.op_type != 'Conv':
            keep.append(n.name)                           # attention products, softmax
        elif first is not None and n.name.startswith(f'/{first}/'):
            keep.append(n.name)                           # the first layer: raw pixels
    return keep


class _Frames:
    """ONNX Runtime's CalibrationDataReader protocol over prepared input blobs."""

    def __init__(self, name: str, blobs: Iterable[np.ndarray]) -> None:
        self._all = [{name: b} for b in blobs]
        self._feeds: Iterator = iter(self._all)

    def get_next(self) -> Optional[dict]:
        """Return the next input feed, or None after the last."""
        return next(self._feeds, None)

    def rewind(self) -> None:
        """Start from the first feed again (some calibrators read the data twice)."""
        self._feeds = iter(self._all)


def quantize(fp32_path: Union[str, Path], out_path: Union[str, Path],
             calibration: Sequence[np.ndarray]) -> Path:
    """
    Write the INT8 model of ``fp32_path`` to ``out_path``, calibrated on ``calibration``.

    :param calibration: input blobs exactly as the backend feeds the model, (1, 3, H, W)
        float32 (see :func:`calibration_blobs`).
    :raises BackendError: onnx or ml_dtypes is missing, or quantization failed.
    """
    try:
        import onnx
        from onnxruntime.quantization import (CalibrationMethod, QuantFormat, QuantType,
                                              quantize_static)
        from onnxruntime.quantization.shape_inference import quant_pre_process
    except ImportError as e:
        raise BackendError(f'making the INT8 model needs onnx and ml_dtypes (the training '
                           f'requirements: pip install -r requirements/training.txt): {e}') from e
    fp32_path, out_path = Path(fp32_path), Path(out_path)
    if not calibration:
        raise BackendError('no calibration frames')
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='.int8-', dir=out_path.parent) as tmp:
        prepared = Path(tmp) / 'prepared.onnx'
        written = Path(tmp) / 'int8.onnx'
        # Folds constants and infers shapes so that every Conv gets its quantization; the
        # symbolic pass cannot follow the dynamic head (the ONNX one does).
        quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
        model = onnx.load(str(prepared))
        input_name = model.graph.input[0].name
        try:
            quantize_static(
                str(prepared), str(written), _Frames(input_name, calibration),
                quant_format=QuantFormat.QDQ, per_channel=True,
                activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                calibrate_method=CalibrationMethod.MinMax,
                nodes_to_exclude=float_node_names(model))
        except BackendError:
            raise
        except Exception as e:  # noqa: B902 - the quantizer raises many types
            raise BackendError(f'quantizing {fp32_path} failed: {e}') from e
        quantized = onnx.load(str(written))
        # The backend reads stride and keypoint shape from the export's metadata.
        source = onnx.load(str(fp32_path), load_external_data=False)
        present = {p.key for p in quantized.metadata_props}
        for prop in source.metadata_props:
            if prop.key not in present:
                quantized.metadata_props.add(key=prop.key, value=prop.value)
        quantized.metadata_props.add(key='pose_ros_quantization',
                                     value='int8 QDQ per-channel, minmax; float: '
                                           'decode, prediction convs, first layer, attention')
        onnx.save(quantized, str(Path(tmp) / 'final.onnx'))
        (Path(tmp) / 'final.onnx').replace(out_path)
    return out_path


def calibration_blobs(backend, frames: Iterable[np.ndarray]) -> List[np.ndarray]:
    """Return the model inputs the ``yolo_onnx`` backend makes of ``frames`` (BGR), copied."""
    return [backend.model_input(frame) for frame in frames]


def compare(reference, candidate, frames: Iterable[np.ndarray]) -> Agreement:
    """
    Run two ``yolo_onnx`` backends on ``frames`` and measure how the second agrees.

    People are matched greedily by box IoU (>= 0.5); keypoints are compared where the
    reference sees them (visibility > 0.5).
    """
    people = missed = confident = extra = 0
    distances = []
    for frame in frames:
        a, b = reference.detect(frame), candidate.detect(frame)
        free = list(range(len(b)))
        for i in range(len(a)):
            people += 1
            ious = [(box_iou(a.xyxy[i], b.xyxy[j]), j) for j in free]
            best = max(ious, default=(0.0, -1))
            if best[0] < 0.5:
                missed += 1
                confident += int(a.conf[i] >= 0.5)
                continue
            j = best[1]
            free.remove(j)
            seen = a.keypoints[i, :, 2] > 0.5
            distances.extend(np.linalg.norm(a.keypoints[i, seen, :2] - b.keypoints[j, seen, :2],
                                            axis=1))
        extra += len(free)
    return Agreement(people, missed, confident, extra, np.asarray(distances, np.float64))


def check(agreement: Agreement) -> Optional[str]:
    """Return why ``agreement`` is not good enough for the INT8 model, or None."""
    if agreement.people == 0:
        return 'the fp32 model found nobody on the verification frames'
    if agreement.missed_confident:
        return f'it misses {agreement.missed_confident} confident people: {agreement.summary()}'
    if not agreement.median_px <= MAX_MEDIAN_PX or not agreement.p95_px <= MAX_P95_PX:
        return (f'its keypoints are more than {MAX_MEDIAN_PX} px (median) or {MAX_P95_PX} px '
                f'(p95) from fp32: {agreement.summary()}')
    return None
