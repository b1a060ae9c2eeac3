# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Pose estimator backends behind one interface (heavy imports stay inside each).

``create_backend('yolo', ...)``, ``create_backend('yolo_onnx', ...)`` or
``create_backend('mediapipe', ...)``: the backend module, and with it torch / ultralytics /
onnxruntime / mediapipe, is imported only here, on demand.
"""

from typing import Any, Dict

from pose_ros.backends.base import (BackendError, PoseBackend, release_memory,
                                    resolve_model_path, tune_allocator)

BACKENDS = ('yolo', 'yolo_onnx', 'mediapipe')

__all__ = ['BACKENDS', 'BackendError', 'PoseBackend', 'create_backend', 'release_memory',
           'resolve_model_path', 'tune_allocator']


def create_backend(name: str, options: Dict[str, Any] = None) -> PoseBackend:
    """Build backend ``name`` from a dict of its options (unknown keys are an error)."""
    options = dict(options or {})
    tune_allocator()    # before the model is loaded: its memory must go back when it is freed
    if name == 'yolo':
        from pose_ros.backends.yolo_ultralytics import YoloOptions, YoloPoseBackend
        return YoloPoseBackend(_build(YoloOptions, options, name))
    if name == 'yolo_onnx':
        from pose_ros.backends.yolo_onnx import YoloOnnxBackend, YoloOnnxOptions
        return YoloOnnxBackend(_build(YoloOnnxOptions, options, name))
    if name == 'mediapipe':
        from pose_ros.backends.mediapipe_pose import MediaPipeOptions, MediaPipePoseBackend
        return MediaPipePoseBackend(_build(MediaPipeOptions, options, name))
    raise BackendError(f'unknown backend {name!r}; choose one of {BACKENDS}')


def _build(cls, options: Dict[str, Any], name: str):
    known = set(cls.__dataclass_fields__)
    unknown = sorted(set(options) - known)
    if unknown:
        raise BackendError(f'backend {name!r} has no option(s) {unknown}; known: {sorted(known)}')
    return cls(**options)
