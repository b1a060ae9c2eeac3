# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Pose estimator backends behind one interface (heavy imports stay inside each).

``create_backend(config)`` builds ``config.backend`` ('yolo', 'yolo_onnx' or 'mediapipe') from
the one configuration (:class:`pose_ros.config.BodyConfig`): the backend module, and with it
torch / ultralytics / onnxruntime / mediapipe, is imported only here, on demand.
"""

from pose_ros.backends.base import (BackendError, PoseBackend, release_memory,
                                    resolve_model_path, tune_allocator)
from pose_ros.config import BACKENDS, BodyConfig

__all__ = ['BACKENDS', 'BackendError', 'PoseBackend', 'create_backend', 'release_memory',
           'resolve_model_path', 'tune_allocator']


def create_backend(config: BodyConfig) -> PoseBackend:
    """Build the backend ``config.backend`` with the settings of ``config`` (yolo.*, ...)."""
    tune_allocator()    # before the model is loaded: its memory must go back when it is freed
    if config.backend == 'yolo':
        from pose_ros.backends.yolo_ultralytics import YoloOptions, YoloPoseBackend
        return YoloPoseBackend(YoloOptions.from_config(config))
    if config.backend == 'yolo_onnx':
        from pose_ros.backends.yolo_onnx import YoloOnnxBackend, YoloOnnxOptions
        return YoloOnnxBackend(YoloOnnxOptions.from_config(config))
    if config.backend == 'mediapipe':
        from pose_ros.backends.mediapipe_pose import MediaPipeOptions, MediaPipePoseBackend
        return MediaPipePoseBackend(MediaPipeOptions.from_config(config))
    raise BackendError(f'unknown backend {config.backend!r}; choose one of {BACKENDS}')
