# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Parameters declared in one place: a table per node, each with a descriptor and checks.

Read-only parameters need a restart (model, topics, QoS); the others change at run time and
are validated together, so an invalid value is rejected with a reason and nothing changes.
"""

from dataclasses import dataclass
import re
from typing import Any, Callable, Dict, Iterable, Optional, Sequence, Tuple

from pose_ros.backends import BACKENDS
from pose_ros.head_hands_stage import HeadHandsOptions
from pose_ros.pipeline import PipelineOptions
from rcl_interfaces.msg import (FloatingPointRange, IntegerRange, ParameterDescriptor,
                                SetParametersResult)
from rclpy.exceptions import ParameterException


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    description: str
    read_only: bool = False
    limits: Optional[Tuple[float, float]] = None    # inclusive numeric range
    choices: Optional[Sequence[str]] = None

    def expectation(self) -> str:
        """Describe what this parameter accepts, for error messages."""
        kind = type(self.default).__name__.replace('str', 'string').replace('bool', 'boolean')
        what = f'a {kind}'
        if self.limits is not None:
            what += f' in [{self.limits[0]}, {self.limits[1]}]'
        if self.choices:
            what += f' (one of: {", ".join(self.choices)})'
        return f'{what}, default {self.default!r}: {self.description}'

    def descriptor(self) -> ParameterDescriptor:
        d = ParameterDescriptor(name=self.name, description=self.description,
                                read_only=self.read_only)
        is_int = isinstance(self.default, int) and not isinstance(self.default, bool)
        if self.limits is not None and is_int:
            d.integer_range = [IntegerRange(from_value=int(self.limits[0]),
                                            to_value=int(self.limits[1]), step=1)]
        elif self.limits is not None:
            d.floating_point_range = [FloatingPointRange(from_value=float(self.limits[0]),
                                                         to_value=float(self.limits[1]))]
        if self.choices:
            d.additional_constraints = 'one of: ' + ', '.join(self.choices)
        return d


BODY_PARAMS: Tuple[Param, ...] = (
    Param('autostart', True, 'Configure and activate on start; false waits for a lifecycle '
          'manager (the launch file drives the transitions itself).', read_only=True),
    Param('backend', 'yolo_onnx', 'Body estimator: yolo_onnx (multi-person, COCO-17, '
          'YOLO11n-pose through ONNX Runtime, ultralytics trackers), yolo (the same model and '
          'ids through ultralytics and torch; slower on a CPU) or '
          'mediapipe (BlazePose-33 with metric 3D).', read_only=True, choices=BACKENDS),
    Param('compressed', False, 'Subscribe to image/compressed (sensor_msgs/CompressedImage, '
          'jpeg or png) instead of image (sensor_msgs/Image).', read_only=True),
    Param('reliable_input', False, 'Subscribe to images with RELIABLE QoS (for drivers that '
          'publish reliable only); default BEST_EFFORT, depth 1 (sensor data).', read_only=True),
    Param('use_depth', False, 'Subscribe to depth (aligned to the colour image; 16UC1 mm or '
          '32FC1 m) and lift keypoints to 3D with camera_info.', read_only=True),
    Param('sync_tolerance', 0.05, 'Largest stamp difference (s) between a colour image and '
          'the depth image paired with it.', limits=(0.0, 1.0)),
    Param('max_people', 10, 'Most people reported per image.', read_only=True,
          limits=(1, 100)),
    Param('max_image_pixels', 7680 * 4320, 'Images (and depth images) of more pixels '
          '(width x height, from the header, before anything is decoded) are refused as failed '
          'frames; the default admits 8K.', limits=(1, 178_000_000)),
    Param('yolo.weights', 'yolo11n-pose.pt', 'YOLO-pose weights: a path, or a file name '
          'looked up in POSE_ROS_MODEL_DIR. Never downloaded.', read_only=True),
    Param('yolo.device', 'cpu', 'Device for YOLO: cpu, cuda, cuda:0, ... (torch; for '
          'yolo_onnx the ONNX Runtime CUDA provider, which needs onnxruntime-gpu).',
          read_only=True),
    Param('yolo.image_size', 640, 'YOLO network input size in pixels (multiple of 32).',
          read_only=True, limits=(32, 2048)),
    Param('yolo.confidence', 0.25, 'Minimum YOLO person score.', limits=(0.0, 1.0)),
    Param('yolo.tracker', 'bytetrack.yaml', 'Track ids: bytetrack.yaml, botsort.yaml, or '
          'none (track_id -1).', read_only=True,
          choices=('bytetrack.yaml', 'botsort.yaml', 'none')),
    Param('onnx.weights', 'yolo11n-pose.onnx', 'yolo_onnx model: a path, or a file name '
          'looked up in POSE_ROS_MODEL_DIR; exported from the .pt by scripts/export_onnx.py '
          '(bootstrap does it). The yolo.* settings apply to it too.', read_only=True),
    Param('onnx.threads', 0, 'ONNX Runtime intra-op threads for yolo_onnx; 0: one per '
          'physical core.', read_only=True, limits=(0, 256)),
    Param('mediapipe.model_complexity', 1, 'BlazePose model: 0 lite, 1 full, 2 heavy.',
          read_only=True, limits=(0, 2)),
    Param('mediapipe.min_detection_confidence', 0.5, 'BlazePose person detection threshold.',
          read_only=True, limits=(0.0, 1.0)),
    Param('mediapipe.min_tracking_confidence', 0.5, 'BlazePose landmark tracking threshold.',
          read_only=True, limits=(0.0, 1.0)),
    Param('mediapipe.person_detector', 'none', 'none: one person per image; yolo: YOLO finds '
          'and tracks people and BlazePose runs on each crop (multi-person).', read_only=True,
          choices=('none', 'yolo')),
    Param('depth.window', 5, 'Side (pixels, odd) of the window whose median valid depth '
          'is used for a keypoint.', limits=(1, 31)),
    Param('depth.min', 0.1, 'Depth readings nearer than this (m) are invalid.',
          limits=(0.0, 100.0)),
    Param('depth.max', 10.0, 'Depth readings farther than this (m) are invalid.',
          limits=(0.0, 100.0)),
    Param('smoothing.enabled', True, 'One-Euro filter every keypoint of every track.'),
    Param('smoothing.min_cutoff', 1.0, 'One-Euro minimum cutoff (Hz): lower is smoother '
          'when still.', limits=(0.001, 100.0)),
    Param('smoothing.beta', 0.05, 'One-Euro speed coefficient: higher lags less when moving.',
          limits=(0.0, 100.0)),
    Param('smoothing.d_cutoff', 1.0, 'One-Euro derivative cutoff (Hz).',
          limits=(0.001, 100.0)),
    Param('smoothing.track_timeout', 1.0, 'Seconds a track may be unseen before its filter '
          'state is dropped.', limits=(0.01, 60.0)),
    Param('head.enabled', True, 'Estimate 6DoF head pose and gaze (MediaPipe face mesh on a '
          'crop around each body head, then PnP).', read_only=True),
    Param('head.max_reprojection_px', 25.0, 'Reject a head pose whose RMS reprojection error '
          'exceeds this (pixels).', limits=(0.1, 1000.0)),
    Param('head.max_reprojection_ratio', 0.06, 'Reject a head pose whose RMS reprojection '
          'error exceeds this fraction of the face size.', limits=(0.001, 1.0)),
    Param('head.border_margin_px', 2.0, 'No head pose for a face mesh this close (pixels) to '
          'the image border (a cut face gives wild poses).', limits=(0.0, 100.0)),
    Param('head.min_eye_px', 12.0, 'Eyes narrower than this (pixels) give the gaze from the '
          'head direction instead of the irises.', limits=(0.0, 1000.0)),
    Param('head.min_cutoff', 1.0, 'One-Euro minimum cutoff (Hz) of the head position.',
          limits=(0.001, 100.0)),
    Param('head.beta', 2.0, 'One-Euro speed coefficient of the head position.',
          limits=(0.0, 1000.0)),
    Param('head.rot_min_cutoff', 1.0, 'One-Euro minimum cutoff (Hz) of the head rotation and '
          'gaze.', limits=(0.001, 100.0)),
    Param('head.rot_beta', 0.3, 'One-Euro speed coefficient of the head rotation.',
          limits=(0.0, 1000.0)),
    Param('hands.enabled', False, 'Estimate 21-point hands (MediaPipe Hands on crops around '
          'each body wrist); 12-25 ms per visible wrist on a CPU.', read_only=True),
    Param('head_hands.threads', 0, 'Hand and face models run at once, one per thread (0: one '
          'per CPU core; 1: one after another).', read_only=True, limits=(0, 64)),
    Param('hands.model_complexity', 1, 'MediaPipe Hands model: 0 lite, 1 full.',
          read_only=True, limits=(0, 1)),
    Param('hands.min_detection_confidence', 0.5, 'MediaPipe Hands detection threshold.',
          read_only=True, limits=(0.0, 1.0)),
    Param('hands.max_dist', 0.25, 'Largest distance from a hand to a body wrist, in person '
          'sizes, to assign it.', limits=(0.001, 10.0)),
    Param('image_mirrored', False, 'Images are mirrored (selfie view): MediaPipe handedness '
          "is then used as is, else swapped to the person's own side.", read_only=True),
    Param('publish_tf', True, 'Publish body_<id>, face_<id> and gaze_<id> frames (REP-155) '
          'on /tf.'),
    Param('tf_joint_frames', False, 'Also publish body_<id>_<keypoint> frames.'),
    Param('publish_markers', True, 'Publish skeleton markers on markers.'),
    Param('publish_annotated', True, 'Publish the annotated image on annotated_image.'),
    Param('marker_lifetime', 0.3, 'Seconds a marker stays in RViz without an update.',
          limits=(0.0, 10.0)),
    Param('diagnostics_period', 1.0, 'Seconds between /diagnostics messages.',
          read_only=True, limits=(0.1, 60.0)),
)


CLASSIFIER_PARAMS: Tuple[Param, ...] = (
    Param('classifier', 'rules', 'rules: built-in gestures (no training); model: a trained '
          'network (model_path).', read_only=True, choices=('rules', 'model')),
    Param('model_path', '', 'Trained classifier file (pose_train output); a path, or a file '
          'name looked up in POSE_ROS_MODEL_DIR.', read_only=True),
    Param('commands_file', '', 'Command map YAML (labels to strings, Twists, lights); a path, '
          'or a file name in the package config/ folder; empty: labels only.', read_only=True),
    Param('hysteresis.enter', 0.7, 'A label becomes active once its smoothed confidence '
          'reaches this...', limits=(0.0, 1.0)),
    Param('hysteresis.exit', 0.5, '...and stays active until it drops below this.',
          limits=(0.0, 1.0)),
    Param('hysteresis.min_hold', 0.5, 'Seconds a label must be held before it becomes '
          'active.', limits=(0.0, 10.0)),
    Param('control.policy', 'engage', 'Who is in control: engage (first to make '
          'control.engage_label), nearest (3D needed) or largest (box area).',
          read_only=True, choices=('engage', 'nearest', 'largest')),
    Param('control.engage_label', 'both_arms_up', 'Gesture that takes control (policy '
          'engage).', read_only=True),
    Param('control.disengage_label', 'arms_crossed', 'Gesture that releases control.',
          read_only=True),
    Param('control.lost_timeout', 1.0, 'Seconds the controlling person may be unseen before '
          'control is released.', read_only=True, limits=(0.05, 60.0)),
    Param('input_timeout', 0.5, 'Seconds the last valid frame showing the controller (newer '
          'stamp, well-formed) keeps driving the Twist; then it ramps down and is zero '
          'deadman_timeout_s later (the deadman).', limits=(0.05, 10.0)),
    Param('rate', 20.0, 'Hz at which commands (Twist) are sent.', read_only=True,
          limits=(1.0, 200.0)),
    Param('reliable_input', True, 'Subscribe to people with RELIABLE QoS (what body_node '
          'publishes); false for best effort.', read_only=True),
    Param('max_message_bytes', 16 * 1024 * 1024, 'People messages larger than this (bytes, '
          'serialized) are ignored before they are deserialized.', read_only=True,
          limits=(1024, 1024 ** 3)),
    Param('diagnostics_period', 1.0, 'Seconds between /diagnostics messages.',
          read_only=True, limits=(0.1, 60.0)),
)


def body_check(values: Dict[str, Any]) -> Optional[str]:
    """Cross-field checks of body_node parameters: the options they build must validate."""
    try:
        PipelineOptions(**pipeline_options(values)).validate()
        HeadHandsOptions(**head_hands_options(values)).validate()
    except ValueError as e:
        return str(e)
    return None


def classifier_check(values: Dict[str, Any]) -> Optional[str]:
    """Cross-field checks of classifier_node parameters."""
    if values['hysteresis.exit'] > values['hysteresis.enter']:
        return (f"hysteresis.exit ({values['hysteresis.exit']}) must not exceed "
                f"hysteresis.enter ({values['hysteresis.enter']})")
    if values['classifier'] == 'model' and not values['model_path']:
        return 'classifier is model but model_path is empty'
    return None


def start_failure(error: BaseException, table: Iterable[Param]) -> str:
    """
    Say in one line why a node cannot start, and for a bad parameter what it accepts.

    rclpy's own parameter errors name the value but not what would be right; the table does.
    """
    text = str(error) or type(error).__name__
    if isinstance(error, KeyError) and error.args:
        text = str(error.args[0])
    if not isinstance(error, (ValueError, KeyError, FileNotFoundError, RuntimeError,
                              ParameterException)):
        text = f'{type(error).__name__}: {text}'
    if isinstance(error, ParameterException):
        for param in table:
            if re.search(rf"'{re.escape(param.name)}'|: {re.escape(param.name)}$", text):
                return f'{text}. Fix: {param.name} is {param.expectation()}'
    return text


def declare_params(node, table: Iterable[Param]) -> Dict[str, Param]:
    """Declare every parameter of ``table`` on ``node`` with its descriptor."""
    table = {p.name: p for p in table}
    node.declare_parameters('', [(p.name, p.default, p.descriptor()) for p in table.values()])
    return table


class ParamTable:
    """Current parameter values, kept valid: a change that fails a check is rejected whole."""

    def __init__(self, node, table: Dict[str, Param],
                 on_change: Optional[Callable[[Dict[str, Any]], None]] = None,
                 validator: Optional[Callable[[Dict[str, Any]], Optional[str]]] = None
                 ) -> None:
        self._table = table
        self._validator = validator
        self._values = {name: node.get_parameter(name).value for name in table}
        self.on_change = on_change
        problem = self.check(self._values)
        if problem:
            raise ValueError(f'invalid parameters: {problem}')
        node.add_on_set_parameters_callback(self._on_set)

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def check(self, values: Dict[str, Any]) -> Optional[str]:
        """Reason why ``values`` are invalid together, or None."""
        for name, param in self._table.items():
            if param.choices and values[name] not in param.choices:
                return f'{name} must be one of {list(param.choices)}, got {values[name]!r}'
        if self._validator is not None:
            return self._validator(values)
        return None

    def _on_set(self, params) -> SetParametersResult:
        candidate = dict(self._values)
        changed = {}
        for p in params:
            if p.name not in self._table:
                continue
            candidate[p.name] = changed[p.name] = p.value
        problem = self.check(candidate)
        if problem:
            return SetParametersResult(successful=False, reason=problem)
        self._values = candidate
        if changed and self.on_change is not None:
            self.on_change(changed)
        return SetParametersResult(successful=True)

    def values(self) -> Dict[str, Any]:
        return dict(self._values)


def pipeline_options(values: Dict[str, Any]) -> Dict[str, Any]:
    """Return the PipelineOptions keyword arguments for body_node parameter values."""
    return {'depth_window': values['depth.window'], 'min_depth': values['depth.min'],
            'max_depth': values['depth.max'], 'smoothing': values['smoothing.enabled'],
            'min_cutoff': values['smoothing.min_cutoff'], 'beta': values['smoothing.beta'],
            'd_cutoff': values['smoothing.d_cutoff'],
            'track_timeout': values['smoothing.track_timeout']}


def head_hands_options(values: Dict[str, Any]) -> Dict[str, Any]:
    """Return the HeadHandsOptions keyword arguments for body_node parameter values."""
    return {'threads': values['head_hands.threads'],
            'hand_model_complexity': values['hands.model_complexity'],
            'hand_min_detection_confidence': values['hands.min_detection_confidence'],
            'hand_max_dist': values['hands.max_dist'], 'mirrored': values['image_mirrored'],
            'max_reproj_px': values['head.max_reprojection_px'],
            'max_reproj_ratio': values['head.max_reprojection_ratio'],
            'border_margin_px': values['head.border_margin_px'],
            'min_eye_px': values['head.min_eye_px'], 'smoothing': values['smoothing.enabled'],
            'min_cutoff': values['head.min_cutoff'], 'beta': values['head.beta'],
            'rot_min_cutoff': values['head.rot_min_cutoff'],
            'rot_beta': values['head.rot_beta'],
            'track_timeout': values['smoothing.track_timeout'],
            'depth_window': values['depth.window'], 'min_depth': values['depth.min'],
            'max_depth': values['depth.max']}


def backend_options(values: Dict[str, Any]) -> Dict[str, Any]:
    """Return the create_backend options for body_node parameter values."""
    if values['backend'] == 'yolo':
        return {'weights': values['yolo.weights'], 'device': values['yolo.device'],
                'image_size': values['yolo.image_size'],
                'confidence': values['yolo.confidence'], 'tracker': values['yolo.tracker'],
                'max_people': values['max_people']}
    if values['backend'] == 'yolo_onnx':
        return {'weights': values['onnx.weights'], 'device': values['yolo.device'],
                'image_size': values['yolo.image_size'],
                'confidence': values['yolo.confidence'], 'tracker': values['yolo.tracker'],
                'threads': values['onnx.threads'], 'max_people': values['max_people']}
    return {'model_complexity': values['mediapipe.model_complexity'],
            'min_detection_confidence': values['mediapipe.min_detection_confidence'],
            'min_tracking_confidence': values['mediapipe.min_tracking_confidence'],
            'person_detector': values['mediapipe.person_detector'],
            'max_people': values['max_people'], 'yolo_weights': values['yolo.weights'],
            'yolo_image_size': values['yolo.image_size'],
            'yolo_confidence': max(values['yolo.confidence'], 0.25),
            'device': values['yolo.device']}
