# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Multi-person COCO-17 body pose with YOLO-pose exported to ONNX, run by ONNX Runtime.

The same model and the same output as the ``yolo`` (ultralytics torch) backend, with lean
numpy pre/post-processing around ``InferenceSession.run``:

- preprocessing: one ``cv2.resize`` (none when the image already has the network's size) and a
  letterbox straight into a preallocated float32 NCHW buffer: BGR->RGB, HWC->CHW and /255
  happen in one pass per channel, the grey (114) padding is written once per input shape;
- postprocessing: confidence filter on the raw (1, 56, N) output, greedy NMS (torchvision's
  rule: suppress IoU > ``iou``), boxes and keypoints mapped back to the original image and
  clipped to it, as ultralytics does;
- tracking (:mod:`pose_ros.tracking`): ByteTrack without torch (``bytetrack``, the default),
  or ultralytics' own ``BYTETracker`` / ``BOTSORT`` fed with these detections (ultralytics,
  and with it torch, is imported only then), or none.

A model exported with dynamic height and width (the default of :func:`export_onnx`) gets the
smallest stride-multiple rectangle that holds the image letterboxed to ``image_size``, exactly
like ultralytics' ``predict`` on a ``.pt``: a 640x480 camera image is run at 640x480, not
640x640 (a third less work). A model with a fixed input size gets every image letterboxed to
that size.

The YOLO11 weights are AGPL-3.0 (the ONNX file is derived from them); onnxruntime is MIT.
"""

import dataclasses
from dataclasses import dataclass
import os
from pathlib import Path
import queue
import shutil
import tempfile
import time
from typing import Any, Dict, List, Optional, Tuple, Union

import cv2
import numpy as np

from pose_ros.backends.base import (BackendError, physical_cores, PoseBackend,
                                    resolve_model_path)
from pose_ros.backends.yolo_ultralytics import YoloOptions
from pose_ros.config import BodyConfig, OnnxConfig, YoloConfig
from pose_ros.people import Keypoints, Person
from pose_ros.schemas import COCO17
from pose_ros.tracking import make_tracker, TrackerError

NUM_KEYPOINTS = 17
PAD_VALUE = 114                      # ultralytics' letterbox grey
MAX_NMS = 30000                      # candidates kept for NMS at most (as ultralytics)

EXPORT_REMEDY = ('export it once from the .pt weights: python3 scripts/export_onnx.py '
                 '(scripts/bootstrap.sh does this), or in Python: '
                 'pose_ros.backends.yolo_onnx.export_onnx(PT, ONNX)')


@dataclass(frozen=True)
class YoloOnnxOptions(YoloOptions):
    """
    Settings of the ONNX Runtime YOLO-pose backend.

    Those of the ultralytics backend (same model, same meaning; ``device`` 'cuda' needs
    onnxruntime-gpu), with the .onnx file (``onnx.weights``), ONNX Runtime's thread count
    (``onnx.threads``, 0: physical cores) and how many frames run at once (``onnx.streams``).
    """

    threads: int = OnnxConfig().threads
    streams: int = OnnxConfig().streams

    @classmethod
    def from_config(cls, config: BodyConfig, **extra: Any) -> 'YoloOnnxOptions':
        """Return the options of ``config``: yolo.* with onnx.weights, threads and streams."""
        options = super().from_config(config, threads=config.onnx.threads,
                                      streams=config.onnx.streams, **extra)
        return dataclasses.replace(options, weights=config.onnx.weights)


@dataclass
class Detections:
    """
    People found in one image, in original image pixels, best score first.

    :ivar xyxy: (N, 4) float32 boxes.
    :ivar conf: (N,) float32 person scores.
    :ivar keypoints: (N, 17, 3) float32 x, y and visibility (0..1) per COCO-17 keypoint.
    """

    xyxy: np.ndarray
    conf: np.ndarray
    keypoints: np.ndarray
    timings_ms: Dict[str, float] = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.conf)


class YoloOnnxBackend(PoseBackend):
    """YOLO-pose (default yolo11n-pose.onnx) through ONNX Runtime, with a tracker."""

    name = 'yolo_onnx'
    schema = COCO17

    def __init__(self, options: YoloOnnxOptions) -> None:
        self.options = options
        try:
            path = resolve_model_path(options.weights)
        except BackendError as e:
            raise BackendError(f'{e} For the ONNX model: {EXPORT_REMEDY}.') from e
        try:
            import onnxruntime as ort
        except ImportError as e:  # pragma: no cover - depends on the install
            raise BackendError(f'the yolo_onnx backend needs onnxruntime: pip install '
                               f'onnxruntime ({e})') from e
        self.streams = options.streams
        # The threads are shared out between the streams: each session computes one frame on
        # its own threads, and no thread waits for another at every operator.
        self.threads = max(1, (options.threads or physical_cores()) // self.streams)
        sessions = [_open_session(ort, path, options.device, self.threads)
                    for _ in range(self.streams)]
        self._free: 'queue.SimpleQueue[_Stream]' = queue.SimpleQueue()   # the idle sessions
        for one in sessions:
            self._free.put(_Stream(one))
        session = sessions[0]
        self._input = session.get_inputs()[0].name
        self._output = session.get_outputs()[0].name
        self._fixed, self._stride = _check_model(session, path, options.image_size)
        try:
            self._tracker = make_tracker(options.tracker)
        except TrackerError as e:
            raise BackendError(str(e)) from e
        self.last_timings_ms: Dict[str, float] = {}
        self._closed = False
        shape = ('x'.join(map(str, self._fixed)) if self._fixed
                 else f'dynamic<={options.image_size}')
        streams = f' x {self.streams} streams' if self.streams > 1 else ''
        self.model = (f'{path.name} onnxruntime {session.get_providers()[0]} '
                      f'threads={self.threads}{streams} input={shape} tracker={options.tracker}')

    # --- the raw model: preprocess -> session.run -> postprocess ----------------------------
    def detect(self, bgr: np.ndarray) -> Detections:
        """
        Run the model on one BGR image: NMS'd people, no tracking; stage times in ms.

        Up to ``streams`` threads may call it at once, each on a session of its own.
        """
        if self._closed:
            raise BackendError('the yolo_onnx backend is closed')
        stream = self._free.get()           # blocks while every session is busy
        try:
            t0 = time.perf_counter()
            blob, place = self._preprocess(bgr, stream)
            t1 = time.perf_counter()
            raw = stream.session.run([self._output], {self._input: blob})[0]
        finally:
            self._free.put(stream)
        t2 = time.perf_counter()
        found = self._postprocess(raw[0], place, bgr.shape[:2])
        found.timings_ms = {'preprocess': (t1 - t0) * 1e3, 'inference': (t2 - t1) * 1e3,
                            'postprocess': (time.perf_counter() - t2) * 1e3}
        self.last_timings_ms = found.timings_ms
        return found

    def model_input(self, bgr: np.ndarray) -> np.ndarray:
        """Return the network input :meth:`detect` would feed for ``bgr``."""
        return self._preprocess(bgr, _Stream(None))[0]

    def _geometry(self, h: int, w: int) -> Tuple[int, int, int, int, int, int]:
        """Network input (H, W), resized image (new_h, new_w) and its (top, left) offset."""
        if self._fixed:
            net_h, net_w = self._fixed
        else:
            net_h = net_w = self.options.image_size
        r = min(net_h / h, net_w / w)
        new_w, new_h = max(round(w * r), 1), max(round(h * r), 1)
        dw, dh = net_w - new_w, net_h - new_h
        if not self._fixed:   # the smallest rectangle: pad to the stride only (ultralytics auto)
            dw, dh = dw % self._stride, dh % self._stride
        top, left = round(dh / 2 - 0.1), round(dw / 2 - 0.1)
        return new_h + dh, new_w + dw, new_h, new_w, top, left

    def _preprocess(self, bgr: np.ndarray, stream: '_Stream'
                    ) -> Tuple[np.ndarray, Tuple[int, ...]]:
        if bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
            raise ValueError(f'expected an (H, W, 3) uint8 BGR image, got {bgr.shape} '
                             f'{bgr.dtype}')
        h, w = bgr.shape[:2]
        place = self._geometry(h, w)
        net_h, net_w, new_h, new_w, top, left = place
        blob = stream.buffers.get(place)
        if blob is None:
            # One buffer per geometry (a camera has one): the padding is written only once.
            blob = np.full((1, 3, net_h, net_w), np.float32(PAD_VALUE) / np.float32(255),
                           np.float32)
            stream.buffers = {place: blob}
        image = bgr
        if (new_w, new_h) != (w, h):
            image = cv2.resize(bgr, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        window = blob[0, :, top:top + new_h, left:left + new_w]
        for c in range(3):  # RGB planes from the BGR image, /255, straight into the buffer
            np.divide(image[:, :, 2 - c], np.float32(255), out=window[c], dtype=np.float32)
        return blob, place

    def _postprocess(self, out: np.ndarray, place: Tuple[int, ...],
                     shape: Tuple[int, int]) -> Detections:
        """Turn the (56, N) raw output into people in image pixels (as ultralytics does)."""
        _, _, new_h, new_w, top, left = place
        h, w = shape
        o = self.options
        if out.shape[0] != 4 + 1 + NUM_KEYPOINTS * 3:
            raise BackendError(f'the model gives {out.shape[0]} values per candidate, not the '
                               f'{4 + 1 + NUM_KEYPOINTS * 3} of single-class COCO-17 YOLO-pose')
        keep = np.flatnonzero(out[4] > o.confidence)
        if keep.size == 0:
            return Detections(np.zeros((0, 4), np.float32), np.zeros(0, np.float32),
                              np.zeros((0, NUM_KEYPOINTS, 3), np.float32))
        cand = out[:, keep].T                           # (k, 56): only the candidates, copied
        if len(cand) > MAX_NMS:
            cand = cand[np.argsort(-cand[:, 4], kind='stable')[:MAX_NMS]]
        boxes = np.empty((len(cand), 4), np.float32)
        boxes[:, :2] = cand[:, :2] - cand[:, 2:4] / 2
        boxes[:, 2:] = cand[:, :2] + cand[:, 2:4] / 2
        chosen = nms(boxes, cand[:, 4], o.iou, o.max_people)
        boxes, scores = boxes[chosen], cand[chosen, 4].copy()
        kpts = cand[chosen, 5:].reshape(-1, NUM_KEYPOINTS, 3)
        gain_x, gain_y = new_w / w, new_h / h
        for xy in (boxes[:, 0::2], kpts[..., 0]):
            xy -= left
            xy /= gain_x
            np.clip(xy, 0, w, out=xy)
        for xy in (boxes[:, 1::2], kpts[..., 1]):
            xy -= top
            xy /= gain_y
            np.clip(xy, 0, h, out=xy)
        return Detections(boxes, scores, kpts)

    # --- PoseBackend -----------------------------------------------------------------------
    def infer(self, bgr: np.ndarray) -> List[Person]:
        return self.associate(self.estimate(bgr))

    def estimate(self, bgr: np.ndarray) -> Detections:
        return self.detect(bgr)

    def associate(self, estimate: Detections) -> List[Person]:
        found = estimate
        if self._tracker is None:
            return _to_people(found.xyxy, found.conf, found.keypoints, None)
        index, ids, boxes = self._tracker.update(found.xyxy, found.conf)
        return _to_people(boxes, found.conf[index], found.keypoints[index], ids)

    def update(self, config: BodyConfig) -> None:
        """Take the run-time settings of a new configuration (``yolo.confidence``)."""
        self.options = dataclasses.replace(self.options, confidence=config.yolo.confidence)

    def reset(self) -> None:
        if self._tracker is not None:
            self._tracker.reset()

    def close(self) -> None:
        self._closed = True
        self._free = queue.SimpleQueue()     # the sessions go with their streams
        self._tracker = None


class _Stream:
    """One ONNX Runtime session and its input buffer: one frame at a time runs on it."""

    def __init__(self, session) -> None:
        self.session = session
        self.buffers: Dict[Tuple[int, ...], np.ndarray] = {}


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float, max_keep: int) -> np.ndarray:
    """
    Greedy non-maximum suppression (torchvision's rule): indices kept, best score first.

    :param boxes: (N, 4) x0, y0, x1, y1.
    :param scores: (N,) scores.
    :param iou: a box whose IoU with a kept, better box is above this is dropped.
    :param max_keep: keep at most this many.
    """
    order = np.argsort(-scores, kind='stable')
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    kept = []
    while order.size and len(kept) < max_keep:
        i, rest = order[0], order[1:]
        kept.append(i)
        x0 = np.maximum(boxes[i, 0], boxes[rest, 0])
        y0 = np.maximum(boxes[i, 1], boxes[rest, 1])
        x1 = np.minimum(boxes[i, 2], boxes[rest, 2])
        y1 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
        overlap = inter / (area[i] + area[rest] - inter + 1e-9)
        order = rest[overlap <= iou]
    return np.asarray(kept, np.int64)


def _to_people(xyxy: np.ndarray, scores: np.ndarray, kpts: np.ndarray,
               ids: Optional[np.ndarray]) -> List[Person]:
    kxy = np.ascontiguousarray(kpts[..., :2], np.float32)
    kconf = np.ascontiguousarray(kpts[..., 2], np.float32)
    # As the ultralytics backend: a keypoint at exactly (0, 0) is unknown, so NaN.
    unknown = (kxy == 0.0).all(axis=2)
    kxy[unknown] = np.nan
    kconf[unknown] = np.nan
    return [Person(body=Keypoints.from_arrays(COCO17, kxy[i], kconf[i]),
                   bbox=np.asarray(xyxy[i], np.float32), score=float(scores[i]),
                   track_id=int(ids[i]) if ids is not None else -1)
            for i in range(len(scores))]


def _open_session(ort, path: Path, device: str, threads: int):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Idle ONNX Runtime threads must not spin: on a small CPU they would take the cores that
    # DDS, image decoding and publishing need between two inferences.
    options.add_session_config_entry('session.intra_op.allow_spinning', '0')
    options.log_severity_level = 3
    providers: List[Union[str, Tuple[str, Dict[str, Any]]]] = ['CPUExecutionProvider']
    if device.startswith('cuda'):
        if 'CUDAExecutionProvider' not in ort.get_available_providers():
            raise BackendError(
                f'device {device!r} needs onnxruntime with CUDA (pip install onnxruntime-gpu '
                f'and a CUDA GPU); this onnxruntime has {ort.get_available_providers()}; '
                "use device 'cpu'")
        index = int(device.split(':')[1]) if ':' in device else 0
        providers.insert(0, ('CUDAExecutionProvider', {'device_id': index}))
    try:
        return ort.InferenceSession(str(path), options, providers=providers)
    except Exception as e:  # noqa: B902 - onnxruntime raises its own exception types
        raise BackendError(f'cannot load the ONNX model {path}: {e}. If the file is damaged, '
                           f'delete it and {EXPORT_REMEDY}') from e


def _check_model(session, path: Path, image_size: int) -> Tuple[Optional[Tuple[int, int]], int]:
    """Return the fixed (H, W) input of a static model (None if dynamic) and the stride."""
    inputs, outputs = session.get_inputs(), session.get_outputs()
    channels = 4 + 1 + NUM_KEYPOINTS * 3
    shape, out_shape = inputs[0].shape, outputs[0].shape
    if (len(inputs) != 1 or len(shape) != 4 or shape[1] != 3 or len(out_shape) != 3
            or isinstance(out_shape[1], int) and out_shape[1] != channels):
        raise BackendError(
            f'{path} is not a single-class COCO-17 YOLO-pose ONNX model (input {shape}, '
            f'output {out_shape}; expected (1, 3, H, W) -> (1, {channels}, N)); '
            f'{EXPORT_REMEDY}')
    meta = session.get_modelmeta().custom_metadata_map
    if meta.get('kpt_shape', '[17, 3]').replace(' ', '') != '[17,3]':
        raise BackendError(f'{path} has keypoints {meta["kpt_shape"]}, not COCO-17 [17, 3]')
    try:
        stride = int(meta.get('stride', 32))
    except ValueError:
        stride = 0
    if stride not in (8, 16, 32, 64, 128):
        raise BackendError(
            f"{path} declares stride {meta.get('stride')!r} in its metadata; a YOLO-pose model "
            f'has 32 (or 8..128, a power of two): the file is damaged or not an ultralytics '
            f'export; {EXPORT_REMEDY}')
    if isinstance(shape[2], int) and isinstance(shape[3], int):
        if max(shape[2], shape[3]) != image_size:
            raise BackendError(
                f'{path} was exported for a fixed {shape[3]}x{shape[2]} input, but image_size '
                f'is {image_size}: set image_size {max(shape[2], shape[3])} or export the '
                'model again (dynamic, or at that size)')
        return (shape[2], shape[3]), stride
    return None, stride


def onnxslim_available() -> bool:
    """Whether ultralytics can simplify the exported graph (it would pip-install onnxslim)."""
    try:
        import onnxslim  # noqa: F401
    except ImportError:
        return False
    return True


def export_onnx(pt_path: Union[str, Path], out_path: Union[str, Path],
                image_size: int = YoloConfig().image_size,
                dynamic: bool = True, opset: Optional[int] = None) -> Path:
    """
    Export YOLO-pose ``.pt`` weights to ONNX with ultralytics' exporter, offline.

    Nothing is downloaded: ultralytics runs with ``YOLO_OFFLINE=1``, graph simplification is
    asked for only when ``onnxslim`` is installed (else ultralytics would try to install it),
    and the export happens in a temporary folder next to ``out_path`` (ultralytics writes
    beside its input), then the file is moved into place.

    :param pt_path: the ``.pt`` weights (e.g. ``yolo11n-pose.pt``).
    :param out_path: the ``.onnx`` file to write (replaced if present).
    :param image_size: letterbox size, a multiple of 32.
    :param dynamic: True: input height and width are free (batch 1 still), so each image runs
        at the smallest stride-multiple rectangle, as ultralytics' ``predict`` does with the
        ``.pt``; False: a fixed ``image_size`` x ``image_size`` input (what TensorRT and some
        accelerators want; on a 4:3 camera it is a third more work on the CPU).
    :param opset: ONNX opset (None: ultralytics' choice for the installed onnx/torch).
    :returns: ``out_path``.
    :raises BackendError: the weights are missing or the export failed.
    """
    pt_path, out_path = Path(pt_path), Path(out_path)
    if not pt_path.is_file():
        raise BackendError(f'YOLO weights {pt_path} not found: run scripts/bootstrap.sh or '
                           'scripts/install_models.sh DIR')
    if image_size < 32 or image_size % 32:
        raise BackendError(f'image_size must be a positive multiple of 32, got {image_size}')
    os.environ.setdefault('YOLO_OFFLINE', '1')
    try:
        from ultralytics import YOLO
    except ImportError as e:  # pragma: no cover - depends on the install
        raise BackendError(f'exporting needs ultralytics and onnx==1.17.0 ({e})') from e
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='.onnx-export-', dir=out_path.parent) as tmp:
        local = Path(tmp) / pt_path.name
        shutil.copyfile(pt_path, local)
        try:
            written = YOLO(str(local), task='pose').export(
                format='onnx', imgsz=image_size, dynamic=dynamic, simplify=onnxslim_available(),
                opset=opset, half=False, nms=False, batch=1, device='cpu', verbose=False)
        except Exception as e:  # noqa: B902 - the exporter raises many types
            raise BackendError(f'ONNX export of {pt_path} failed: {e}') from e
        os.replace(written, out_path)
    return out_path
