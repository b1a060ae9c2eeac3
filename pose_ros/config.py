# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
One configuration: every setting of the nodes and tools, validated once, immutable.

Pure Python (no rclpy). Each node's settings are a tree of frozen dataclasses
(:class:`BodyConfig`, :class:`ClassifierConfig`) whose dotted field paths are exactly the ROS
parameter names (``smoothing.min_cutoff``, ``yolo.confidence``, ...). Next to each field live
its default, description, range, choices and whether it is read-only at run time
(:func:`param`); from them come the ROS parameter declarations (``pose_ros.nodes.params``), the
README's parameter tables (``pose_ros.tools.interface_doc``) and the check of
``config/pose_ros.yaml``. A default exists here and nowhere else.

Making a section validates it: each field's type, range and choices, then the section's own
cross-field :meth:`Section.check`. :func:`from_flat` and :func:`replace` build a whole tree
from dotted names (the form ROS parameters, ``-p`` overrides and parameter files have) and
name the parameter in every error. :func:`load_params_file` reads a node's part of a ROS
parameter file, so that the tools take the node's own YAML (``--params-file``).
"""

from dataclasses import dataclass, field, fields, is_dataclass
import math
from pathlib import Path
import re
from typing import Any, Dict, Iterator, Mapping, Optional, Sequence, Tuple, Type, TypeVar

from pose_ros.tracking import TRACKERS

__all__ = ['ActivityConfig', 'BodyConfig', 'ClassifierConfig', 'ConfigError', 'ParamSpec',
           'flat_specs', 'from_flat', 'load_params_file', 'param', 'replace', 'Section',
           'to_flat']

BACKENDS = ('yolo', 'yolo_onnx', 'mediapipe')
PERSON_DETECTORS = ('none', 'yolo')
CONTROL_POLICIES = ('engage', 'nearest', 'largest')
_DEVICE = re.compile(r'^(cpu|cuda(:\d+)?)$')


class ConfigError(ValueError):
    """A setting is invalid; the message names the parameter and what it accepts."""


@dataclass(frozen=True)
class ParamSpec:
    """What one parameter is: its default and the rules its values follow."""

    default: Any
    description: str
    read_only: bool = False
    limits: Optional[Tuple[float, float]] = None     # inclusive numeric range
    choices: Optional[Sequence[str]] = None

    @property
    def kind(self) -> type:
        """Return the parameter's type: bool, int, float or str."""
        return type(self.default)

    def expectation(self) -> str:
        """Describe what this parameter accepts, for error messages."""
        what = {bool: 'a boolean', int: 'an int', float: 'a float', str: 'a string'}[self.kind]
        if self.limits is not None:
            what += f' in [{self.limits[0]}, {self.limits[1]}]'
        if self.choices:
            what += f' (one of: {", ".join(self.choices)})'
        return f'{what}, default {self.default!r}: {self.description}'

    def coerce(self, name: str, value: Any) -> Any:
        """Return ``value`` as this parameter's type, or raise ConfigError naming ``name``."""
        kind = self.kind
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)             # YAML and -p give 1 for 1.0
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f'{name} must be {self.expectation()}; got {value!r}')
        if kind is float and not math.isfinite(value):
            raise ConfigError(f'{name} must be finite; got {value!r}')
        if self.limits is not None and not self.limits[0] <= value <= self.limits[1]:
            raise ConfigError(f'{name} must be in [{self.limits[0]}, {self.limits[1]}]; '
                              f'got {value!r}')
        if self.choices and value not in self.choices:
            raise ConfigError(f'{name} must be one of {list(self.choices)}; got {value!r}')
        return value


def param(default: Any, description: str, *, read_only: bool = False,
          limits: Optional[Tuple[float, float]] = None,
          choices: Optional[Sequence[str]] = None) -> Any:
    """Declare a parameter field of a :class:`Section` (its one default lives here)."""
    spec = ParamSpec(default, description, read_only, limits, tuple(choices) if choices else None)
    return field(default=default, metadata={'param': spec})


def section(cls: Type['Section']) -> Any:
    """Declare a nested section field (``depth``, ``smoothing``, ...)."""
    return field(default_factory=cls)


@dataclass(frozen=True)
class Section:
    """A group of parameters; validated when made (fields, then :meth:`check`)."""

    def __post_init__(self) -> None:
        for f in fields(self):
            spec = f.metadata.get('param')
            if spec is not None:
                object.__setattr__(self, f.name, spec.coerce(f.name, getattr(self, f.name)))
        problem = self.check()
        if problem:
            raise ConfigError(problem)

    def check(self) -> Optional[str]:
        """Return why the values are invalid together (cross-field rules), or None."""
        return None


# --- body_node -------------------------------------------------------------------------------

@dataclass(frozen=True)
class YoloConfig(Section):
    """YOLO-pose: the person detector and tracker of both YOLO backends."""

    weights: str = param('yolo11n-pose.pt', 'YOLO-pose weights: a path, or a file name looked '
                         'up in POSE_ROS_MODEL_DIR. Never downloaded.', read_only=True)
    device: str = param('cpu', 'Device for YOLO: cpu, cuda, cuda:0, ... (torch; for yolo_onnx '
                        'the ONNX Runtime CUDA provider, which needs onnxruntime-gpu).',
                        read_only=True)
    image_size: int = param(640, 'YOLO network input size in pixels (multiple of 32).',
                            read_only=True, limits=(32, 2048))
    confidence: float = param(0.25, 'Minimum YOLO person score.', limits=(0.0, 1.0))
    tracker: str = param('bytetrack', 'Track ids: bytetrack (no torch), bytetrack.yaml or '
                         "botsort.yaml (ultralytics', torch), or none (track_id -1).",
                         read_only=True, choices=TRACKERS)

    def check(self) -> Optional[str]:
        if self.image_size % 32:
            return f'image_size must be a multiple of 32, got {self.image_size}'
        if not _DEVICE.match(self.device):
            return f"device must be 'cpu', 'cuda' or 'cuda:N', got {self.device!r}"
        return None


@dataclass(frozen=True)
class OnnxConfig(Section):
    """The yolo_onnx backend's model file and threads."""

    weights: str = param('yolo11n-pose.onnx', 'yolo_onnx model: a path, or a file name looked '
                         'up in POSE_ROS_MODEL_DIR; exported from the .pt by '
                         'scripts/export_onnx.py (bootstrap does it). The yolo.* settings apply '
                         'to it too.', read_only=True)
    threads: int = param(0, 'ONNX Runtime intra-op threads for yolo_onnx, shared out between '
                         'the streams; 0: one per physical core.', read_only=True,
                         limits=(0, 256))
    streams: int = param(2, 'Frames the yolo_onnx model runs at once, each on its own ONNX '
                         'Runtime session with threads / streams threads; tracking still takes '
                         'them in order. 2: more frames per second when images come faster '
                         'than the model (1.5-1.8x on 2 cores), a frame alone ~10 % slower (one '
                         'thread); 1: the lowest latency, one frame at a time.', read_only=True,
                         limits=(1, 16))


@dataclass(frozen=True)
class MediaPipeConfig(Section):
    """BlazePose."""

    model_complexity: int = param(1, 'BlazePose model: 0 lite, 1 full, 2 heavy.',
                                  read_only=True, limits=(0, 2))
    min_detection_confidence: float = param(0.5, 'BlazePose person detection threshold.',
                                            read_only=True, limits=(0.0, 1.0))
    min_tracking_confidence: float = param(0.5, 'BlazePose landmark tracking threshold.',
                                           read_only=True, limits=(0.0, 1.0))
    person_detector: str = param('none', 'none: one person per image; yolo: YOLO (onnx.weights, '
                                 'yolo.tracker) finds and tracks people and BlazePose runs on '
                                 'each crop (multi-person).', read_only=True,
                                 choices=PERSON_DETECTORS)
    joints_2d: str = param('yolo', 'With person_detector yolo, where the 2D of the 17 '
                           "COCO-named joints comes from: yolo (the detector's keypoints, more "
                           'accurate on real multi-person images: EVALUATION.md) or blazepose '
                           '(BlazePose on the crop). The other 16 landmarks and the 3D stay '
                           "BlazePose's.", read_only=True, choices=('yolo', 'blazepose'))


@dataclass(frozen=True)
class DepthConfig(Section):
    """Lifting keypoints to 3D from an aligned depth image."""

    window: int = param(5, 'Side (pixels, odd) of the window whose median valid depth is used '
                        'for a keypoint.', limits=(1, 31))
    min: float = param(  # noqa: A003 - the parameter depth.min
        0.1, 'Depth readings nearer than this (m) are invalid.', limits=(0.0, 100.0))
    max: float = param(  # noqa: A003 - the parameter depth.max
        10.0, 'Depth readings farther than this (m) are invalid.', limits=(0.0, 100.0))

    def check(self) -> Optional[str]:
        if self.window % 2 == 0:
            return f'window must be odd, got {self.window}'
        if not self.min < self.max:
            return f'min ({self.min}) must be below max ({self.max})'
        return None


@dataclass(frozen=True)
class SmoothingConfig(Section):
    """One-Euro smoothing of the body keypoints, and the end of a track's filter state."""

    enabled: bool = param(True, 'One-Euro filter every keypoint of every track.')
    min_cutoff: float = param(1.0, 'One-Euro minimum cutoff (Hz): lower is smoother when '
                              'still.', limits=(0.001, 100.0))
    beta: float = param(0.05, 'One-Euro speed coefficient: higher lags less when moving.',
                        limits=(0.0, 100.0))
    d_cutoff: float = param(1.0, 'One-Euro derivative cutoff (Hz).', limits=(0.001, 100.0))
    track_timeout: float = param(1.0, 'Seconds a track may be unseen before its filter state '
                                 'is dropped.', limits=(0.01, 60.0))


@dataclass(frozen=True)
class HeadConfig(Section):
    """6DoF head pose and gaze from the face mesh."""

    enabled: bool = param(True, 'Estimate 6DoF head pose and gaze (MediaPipe face mesh on a '
                          'crop around each body head, then PnP).', read_only=True)
    max_reprojection_px: float = param(25.0, 'Reject a head pose whose RMS reprojection error '
                                       'exceeds this (pixels).', limits=(0.1, 1000.0))
    max_reprojection_ratio: float = param(0.06, 'Reject a head pose whose RMS reprojection '
                                          'error exceeds this fraction of the face size.',
                                          limits=(0.001, 1.0))
    border_margin_px: float = param(2.0, 'No head pose for a face mesh this close (pixels) to '
                                    'the image border (a cut face gives wild poses).',
                                    limits=(0.0, 100.0))
    min_eye_px: float = param(12.0, 'Eyes narrower than this (pixels) give the gaze from the '
                              'head direction instead of the irises.', limits=(0.0, 1000.0))
    min_cutoff: float = param(1.0, 'One-Euro minimum cutoff (Hz) of the head position.',
                              limits=(0.001, 100.0))
    beta: float = param(2.0, 'One-Euro speed coefficient of the head position.',
                        limits=(0.0, 1000.0))
    rot_min_cutoff: float = param(1.0, 'One-Euro minimum cutoff (Hz) of the head rotation and '
                                  'gaze.', limits=(0.001, 100.0))
    rot_beta: float = param(0.3, 'One-Euro speed coefficient of the head rotation.',
                            limits=(0.0, 1000.0))


FACE_LANDMARKS = ('none', 'face68', 'face478')


@dataclass(frozen=True)
class FaceConfig(Section):
    """Face landmarks and expressions from the face mesh (needs head.enabled)."""

    landmarks: str = param('face68', 'Face landmarks in People (Person.face.landmarks): '
                           'face68 (the 300-W 68-point layout), face478 (the whole mesh with '
                           'irises; about 7 times the bytes) or none (expressions only).',
                           choices=FACE_LANDMARKS)
    expressions: bool = param(True, 'Eye openness, blinks, mouth openness, smile and brow '
                              'raise per face.')
    blink_closed: float = param(0.3, 'Eyes count as closed below this openness (0..1, both '
                                'eyes averaged).', limits=(0.0, 1.0))
    blink_open: float = param(0.5, 'Closed eyes count as open again above this openness.',
                              limits=(0.0, 1.0))
    blink_max_duration: float = param(0.5, 'A closure longer than this (s) is closed eyes, '
                                      'not a blink.', limits=(0.01, 10.0))
    min_cutoff: float = param(2.0, 'One-Euro minimum cutoff (Hz) of the expression scales.',
                              limits=(0.001, 100.0))
    beta: float = param(1.0, 'One-Euro speed coefficient of the expression scales.',
                        limits=(0.0, 1000.0))

    def check(self) -> Optional[str]:
        if not self.blink_closed < self.blink_open:
            return (f'face.blink_closed ({self.blink_closed}) must be below face.blink_open '
                    f'({self.blink_open})')
        return None


def rgb_of(text: str) -> Optional[Tuple[int, int, int]]:
    """Return 'R,G,B' (each 0..255) as a tuple, or None when it is not one."""
    parts = [p.strip() for p in text.split(',')]
    if len(parts) != 3 or not all(p.isdigit() and int(p) <= 255 for p in parts):
        return None
    r, g, b = (int(p) for p in parts)
    return r, g, b


SEGMENTATION_MODELS = ('general', 'landscape')
SEGMENTATION_EFFECTS = ('none', 'blur', 'replace')


@dataclass(frozen=True)
class SegmentationConfig(Section):
    """Per-person masks (MediaPipe Selfie Segmentation on each person's box) and the effect."""

    enabled: bool = param(False, 'Segment people: person_mask (mono16, 0 background, track id '
                          '+ 1, 65535 untracked), people tinted on the annotated image.',
                          read_only=True)
    model: str = param('general', 'Segmentation model: general (256x256) or landscape '
                       '(144x256, faster).', read_only=True, choices=SEGMENTATION_MODELS)
    threshold: float = param(0.5, "A pixel is a person's above this probability.",
                             limits=(0.01, 0.99))
    effect: str = param('none', 'effect_image: the image with its background blurred, '
                        'replaced by background_color, or none (not published).',
                        choices=SEGMENTATION_EFFECTS)
    background_color: str = param('0,177,64', 'R,G,B of the replaced background (0..255).')
    blur: float = param(0.03, 'Gaussian sigma of the blurred background, a fraction of the '
                        'image width.', limits=(0.001, 0.5))

    def check(self) -> Optional[str]:
        if rgb_of(self.background_color) is None:
            return ('segmentation.background_color must be R,G,B with each 0..255; got '
                    f'{self.background_color!r}')
        return None


@dataclass(frozen=True)
class HandsConfig(Section):
    """21-point hands."""

    enabled: bool = param(False, 'Estimate 21-point hands (MediaPipe Hands on crops around '
                          'each body wrist); 12-25 ms per visible wrist on a CPU.',
                          read_only=True)
    model_complexity: int = param(1, 'MediaPipe Hands model: 0 lite, 1 full.', read_only=True,
                                  limits=(0, 1))
    min_detection_confidence: float = param(0.5, 'MediaPipe Hands detection threshold.',
                                            read_only=True, limits=(0.0, 1.0))
    max_dist: float = param(0.25, 'Largest distance from a hand to a body wrist, in person '
                            'sizes, to assign it.', limits=(0.001, 10.0))
    search_full_image: bool = param(True, 'Also search the whole image for hands (the palm '
                                    'detector runs each frame until the hands in view are '
                                    'tracked): a hand near no body wrist (close to the camera, '
                                    'or of someone out of view) is published as a person '
                                    'without a body. False: crops around body wrists only.')


@dataclass(frozen=True)
class HeadHandsConfig(Section):
    """How the hand and face models share the CPU."""

    threads: int = param(0, 'Hand and face models run at once, one per thread (0: one per CPU '
                         'core; 1: one after another).', read_only=True, limits=(0, 64))


@dataclass(frozen=True)
class BodyConfig(Section):
    """Everything body_node, ``offline``, ``pose_record`` and ``benchmark`` are set with."""

    autostart: bool = param(True, 'Configure and activate on start; false waits for a '
                            'lifecycle manager.', read_only=True)
    backend: str = param('yolo_onnx', 'Body estimator: yolo_onnx (multi-person, COCO-17, '
                         'YOLO11n-pose through ONNX Runtime; no torch), yolo (the '
                         'same model and ids through ultralytics and torch; slower on a CPU) '
                         'or mediapipe (BlazePose-33 with metric 3D).', read_only=True,
                         choices=BACKENDS)
    compressed: bool = param(False, 'Subscribe to image/compressed (sensor_msgs/'
                             'CompressedImage, jpeg or png) instead of image '
                             '(sensor_msgs/Image).', read_only=True)
    reliable_input: bool = param(False, 'Subscribe to images with RELIABLE QoS (for drivers '
                                 'that publish reliable only); default BEST_EFFORT, depth 1 '
                                 '(sensor data).', read_only=True)
    use_depth: bool = param(False, 'Subscribe to depth (aligned to the colour image; 16UC1 mm '
                            'or 32FC1 m) and lift keypoints to 3D with camera_info.',
                            read_only=True)
    sync_tolerance: float = param(0.05, 'Largest stamp difference (s) between a colour image '
                                  'and the depth image paired with it.', limits=(0.0, 1.0))
    max_people: int = param(10, 'Most people reported per image.', read_only=True,
                            limits=(1, 100))
    max_image_pixels: int = param(7680 * 4320, 'Images (and depth images) of more pixels '
                                  '(width x height, from the header, before anything is '
                                  'decoded) are refused as failed frames; the default admits '
                                  '8K.', limits=(1, 178_000_000))
    yolo: YoloConfig = section(YoloConfig)
    onnx: OnnxConfig = section(OnnxConfig)
    mediapipe: MediaPipeConfig = section(MediaPipeConfig)
    depth: DepthConfig = section(DepthConfig)
    smoothing: SmoothingConfig = section(SmoothingConfig)
    head: HeadConfig = section(HeadConfig)
    face: FaceConfig = section(FaceConfig)
    hands: HandsConfig = section(HandsConfig)
    segmentation: SegmentationConfig = section(SegmentationConfig)
    head_hands: HeadHandsConfig = section(HeadHandsConfig)
    image_mirrored: bool = param(False, 'Images are mirrored (selfie view): MediaPipe '
                                 "handedness is then used as is, else swapped to the person's "
                                 'own side.', read_only=True)
    publish_tf: bool = param(True, 'Publish body_<id>, face_<id> and gaze_<id> frames '
                             '(REP-155) on /tf.')
    tf_joint_frames: bool = param(False, 'Also publish body_<id>_<keypoint> frames.')
    publish_markers: bool = param(True, 'Publish skeleton markers on markers.')
    publish_annotated: bool = param(True, 'Publish the annotated image on annotated_image.')
    marker_lifetime: float = param(0.3, 'Seconds a marker stays in RViz without an update.',
                                   limits=(0.0, 10.0))
    diagnostics_period: float = param(1.0, 'Seconds between /diagnostics messages.',
                                      read_only=True, limits=(0.1, 60.0))


# --- classifier_node -------------------------------------------------------------------------

@dataclass(frozen=True)
class HysteresisConfig(Section):
    """Stable labels from per-frame labels."""

    enter: float = param(0.7, 'A label becomes active once its smoothed confidence reaches '
                         'this...', limits=(0.0, 1.0))
    exit: float = param(  # noqa: A003 - the parameter hysteresis.exit
        0.5, '...and stays active until it drops below this.', limits=(0.0, 1.0))
    min_hold: float = param(0.5, 'Seconds a label must be held before it becomes active.',
                            limits=(0.0, 10.0))

    def check(self) -> Optional[str]:
        if self.exit > self.enter:
            return f'exit ({self.exit}) must not exceed enter ({self.enter})'
        return None


@dataclass(frozen=True)
class ControlConfig(Section):
    """Who is in control."""

    policy: str = param('engage', 'Who is in control: engage (first to make '
                        'control.engage_label), nearest (3D needed) or largest (box area).',
                        read_only=True, choices=CONTROL_POLICIES)
    engage_label: str = param('both_arms_up', 'Gesture that takes control (policy engage).',
                              read_only=True)
    disengage_label: str = param('arms_crossed', 'Gesture that releases control.',
                                 read_only=True)
    lost_timeout: float = param(1.0, 'Seconds the controlling person may be unseen before '
                                'control is released.', read_only=True, limits=(0.05, 60.0))

    def check(self) -> Optional[str]:
        if self.policy == 'engage' and not self.engage_label:
            return "policy 'engage' needs an engage_label"
        if self.engage_label and self.engage_label == self.disengage_label:
            return f'engage_label and disengage_label must differ, both are ' \
                   f'{self.engage_label!r}'
        return None


@dataclass(frozen=True)
class ClassifierConfig(Section):
    """Everything classifier_node is set with."""

    classifier: str = param('rules', 'rules: built-in gestures (no training); model: a trained '
                            'network (model_path).', read_only=True, choices=('rules', 'model'))
    model_path: str = param('', 'Trained classifier file (pose_train output): .onnx (run by '
                            'ONNX Runtime; recommended) or .pt (needs torch); a path, or a file '
                            'name looked up in POSE_ROS_MODEL_DIR.', read_only=True)
    commands_file: str = param('', 'Command map YAML (labels to strings, Twists, lights); a '
                               'path, or a file name in the package config/ folder; empty: '
                               'labels only.', read_only=True)
    hand_signs: bool = param(True, 'Read hand signs (open palm, fist, pointing, V, OK, thumbs '
                             'up/down) from the hands in People (body_node hands.enabled) and '
                             'merge them with the body gesture: a body gesture other than '
                             'stand first, then the hand sign (open palm first).',
                             read_only=True)
    hysteresis: HysteresisConfig = section(HysteresisConfig)
    control: ControlConfig = section(ControlConfig)
    input_timeout: float = param(0.5, 'Seconds the last valid frame showing the controller '
                                 '(newer stamp, well-formed) keeps driving the Twist; then it '
                                 'ramps down and is zero deadman_timeout_s later (the '
                                 'deadman).', limits=(0.05, 10.0))
    rate: float = param(20.0, 'Hz at which commands (Twist) are sent.', read_only=True,
                        limits=(1.0, 200.0))
    reliable_input: bool = param(True, 'Subscribe to people with RELIABLE QoS (what body_node '
                                 'publishes); false for best effort.', read_only=True)
    max_message_bytes: int = param(16 * 1024 * 1024, 'People messages larger than this '
                                   '(bytes, serialized) are ignored before they are '
                                   'deserialized.', read_only=True, limits=(1024, 1024 ** 3))
    diagnostics_period: float = param(1.0, 'Seconds between /diagnostics messages.',
                                      read_only=True, limits=(0.1, 60.0))

    def check(self) -> Optional[str]:
        if self.classifier == 'model' and not self.model_path:
            return 'classifier is model but model_path is empty'
        return None


# --- activity_node ---------------------------------------------------------------------------

EXERCISES = ('squat', 'arm_curl', 'jumping_jack', 'push_up')


@dataclass(frozen=True)
class FallConfig(Section):
    """A fall: a fast drop of the hips that ends lying down and stays down."""

    enabled: bool = param(True, 'Detect falls.')
    min_drop: float = param(0.9, 'Torso lengths the hips must drop (from their highest point '
                            'in window) for a fall; sitting on a chair drops them about 0.8, '
                            'a fall from standing about 1.5.', limits=(0.1, 5.0))
    min_speed: float = param(1.5, 'Torso lengths per second the hips must drop at, at the '
                             'fastest (over 0.4-0.6 s); lying down on purpose is slower.',
                             limits=(0.1, 20.0))
    window: float = param(2.0, 'Seconds before lying down in which the drop must happen.',
                          limits=(0.2, 10.0))
    lying_extent: float = param(1.3, 'A body is lying when its joints span fewer torso lengths '
                                'than this vertically (standing: about 3.3, sitting: 2.2)...',
                                limits=(0.1, 5.0))
    lying_tilt_deg: float = param(55.0, '...and its torso is tilted from vertical by at least '
                                  'this (or, in 2D, looks less than half as long as upright).',
                                  limits=(0.0, 90.0))
    confirm: float = param(1.0, 'Seconds the person must stay lying before the fall is '
                           'reported (a stumble that ends upright is no fall).',
                           limits=(0.0, 30.0))
    recover: float = param(1.0, 'Seconds upright after a fall before the person counts as up '
                           'again (event got_up).', limits=(0.0, 60.0))


@dataclass(frozen=True)
class RepetitionsConfig(Section):
    """Repetitions of one exercise, counted from a joint-angle cycle with two thresholds."""

    exercise: str = param('squat', 'Exercise counted: squat (hips over ankles), arm_curl '
                          '(elbow angle), jumping_jack (arms raised), push_up (elbow angle, '
                          'torso horizontal); empty: none. A change restarts the counts.',
                          choices=('',) + EXERCISES)
    squat_rest: float = param(0.9, 'Squat: standing once the hips are this high above the '
                              "ankles, as a fraction of the person's own standing height "
                              '(their last 20 s)...', limits=(0.0, 2.0))
    squat_peak: float = param(0.72, '...and down once at most this (a half squat: about 0.85, '
                              'thighs level: about 0.5).', limits=(0.0, 2.0))
    curl_rest: float = param(130.0, 'Arm curl: arm down once the elbow opens to this many '
                             'degrees...', limits=(0.0, 180.0))
    curl_peak: float = param(75.0, '...and curled once it closes to this.',
                             limits=(0.0, 180.0))
    jack_rest: float = param(50.0, 'Jumping jack: arms down once shoulder-to-wrist is within '
                             'this many degrees of the torso...', limits=(0.0, 180.0))
    jack_peak: float = param(120.0, '...and up once raised this far.', limits=(0.0, 180.0))
    push_up_rest: float = param(135.0, 'Push-up: up once the elbows open to this many '
                                'degrees...', limits=(0.0, 180.0))
    push_up_peak: float = param(95.0, '...and down once they close to this.',
                                limits=(0.0, 180.0))
    push_up_min_tilt_deg: float = param(50.0, 'Push-up: only counted while the torso is '
                                        'tilted at least this far from vertical.',
                                        limits=(0.0, 90.0))

    def check(self) -> Optional[str]:
        for name, rest, peak, falling in (('squat', self.squat_rest, self.squat_peak, True),
                                          ('curl', self.curl_rest, self.curl_peak, True),
                                          ('jack', self.jack_rest, self.jack_peak, False),
                                          ('push_up', self.push_up_rest, self.push_up_peak,
                                           True)):
            if (rest <= peak) if falling else (rest >= peak):
                side = 'above' if falling else 'below'
                return f'{name}_rest ({rest}) must be {side} {name}_peak ({peak})'
        return None


@dataclass(frozen=True)
class StepsConfig(Section):
    """Steps: each time the feet swap which one is ahead."""

    enabled: bool = param(True, 'Count steps.')
    min_stride: float = param(0.15, 'Torso lengths one foot must be ahead of the other (either '
                              'way) for the swap to count; a step when walking is 0.4-0.8.',
                              limits=(0.01, 5.0))
    min_swing: float = param(0.15, 'Feet that moved less than this (torso lengths, standard '
                             'deviation over window) are standing, not walking.',
                             limits=(0.0, 5.0))
    min_swing_speed: float = param(2.0, 'Torso lengths per second the stepping foot must '
                                   'reach (walking: 4 or more; a slow jumping jack: under 1).',
                                   limits=(0.0, 50.0))
    window: float = param(3.0, 'Seconds of ankle positions that give the walking direction.',
                          limits=(0.5, 30.0))
    max_interval: float = param(1.5, 'Seconds between steps beyond which walking has stopped '
                                '(the next step starts a new walk).', limits=(0.2, 30.0))
    cadence_window: float = param(10.0, 'Seconds over which cadence (steps per minute) is '
                                  'averaged.', limits=(1.0, 120.0))


@dataclass(frozen=True)
class ActivityConfig(Section):
    """Everything activity_node (and offline --activity) is set with."""

    falls: FallConfig = section(FallConfig)
    repetitions: RepetitionsConfig = section(RepetitionsConfig)
    steps: StepsConfig = section(StepsConfig)
    use_3d: bool = param(True, 'Measure in 3D when People carry camera-frame positions (depth, '
                         'or the model placed in the camera frame); false: always in 2D.')
    min_confidence: float = param(0.3, 'Joints less confident than this are not used.',
                                  limits=(0.0, 1.0))
    forget_after: float = param(5.0, 'Seconds a track may be unseen before its counts are '
                                'dropped (the totals keep them).', limits=(0.1, 3600.0))
    handover: float = param(1.0, 'Seconds after a track was lost in which a new track '
                            'appearing over its last box (IoU >= 0.3) carries on its counts and '
                            'state: a tracker that loses a person in a fall or a fast move; 0: '
                            'never.', limits=(0.0, 10.0))
    reliable_input: bool = param(True, 'Subscribe to people with RELIABLE QoS (what body_node '
                                 'publishes); false for best effort.', read_only=True)
    max_message_bytes: int = param(16 * 1024 * 1024, 'People messages larger than this '
                                   '(bytes, serialized) are ignored before they are '
                                   'deserialized.', read_only=True, limits=(1024, 1024 ** 3))
    overlay: bool = param(True, 'Draw counts and falls on annotated_image (from body_node) and '
                          'publish it on activity_image.', read_only=True)
    diagnostics_period: float = param(1.0, 'Seconds between /diagnostics messages.',
                                      read_only=True, limits=(0.1, 60.0))


# --- avatar_node -----------------------------------------------------------------------------

FOLLOW = ('controller', 'largest', 'track')


@dataclass(frozen=True)
class VmcConfig(Section):
    """The VMC protocol (OSC over UDP) to an avatar application."""

    enabled: bool = param(True, 'Send the head bone, eye bones and blend shapes over the VMC '
                          'protocol.', read_only=True)
    host: str = param('127.0.0.1', 'Address of the VMC receiver (the avatar application).',
                      read_only=True)
    port: int = param(39539, 'UDP port of the VMC receiver (39539: the usual Marionette port; '
                      "39540: a Performer's assistant port).", read_only=True,
                      limits=(1, 65535))
    mirror: bool = param(True, "The avatar is the person's mirror image (turns to its own "
                         'right when the person turns left, as a VTuber view).')


@dataclass(frozen=True)
class HeadJointsConfig(Section):
    """A pan/tilt(/roll) robot head that imitates the person's head."""

    enabled: bool = param(True, 'Publish sensor_msgs/JointState on head_joints.',
                          read_only=True)
    names: str = param('head_pan,head_tilt,head_roll', 'Joint names, comma separated: pan, '
                       'tilt and optionally roll (two names: no roll joint).', read_only=True)
    pan_limit: float = param(1.2, 'Largest pan angle either way (rad).', limits=(0.0, 3.2))
    tilt_limit: float = param(0.5, 'Largest tilt angle either way (rad).', limits=(0.0, 1.6))
    roll_limit: float = param(0.3, 'Largest roll angle either way (rad).', limits=(0.0, 1.6))
    max_velocity: float = param(1.5, 'Largest joint speed (rad/s): every step moves at most '
                                'this much toward the target.', limits=(0.01, 20.0))
    mirror: bool = param(False, 'Pan and roll the other way (the robot faces the person and '
                         "mirrors them) instead of copying the person's own turn.")

    def check(self) -> Optional[str]:
        names = [n.strip() for n in self.names.split(',')]
        if len(names) not in (2, 3) or not all(names) or len(set(names)) != len(names):
            return (f'head_joints.names must be 2 or 3 distinct names separated by commas; got '
                    f'{self.names!r}')
        return None


@dataclass(frozen=True)
class AvatarConfig(Section):
    """Everything avatar_node is set with."""

    follow: str = param('controller', 'Whose face drives the avatar: controller (the person in '
                        'control in classifier_node, from pose_command), largest (the largest '
                        'face in view) or track (track_id).', choices=FOLLOW)
    track_id: int = param(0, 'The track followed with follow: track.', limits=(0, 2 ** 31 - 1))
    rate: float = param(30.0, 'Messages per second to the avatar and the head joints.',
                        read_only=True, limits=(1.0, 200.0))
    input_timeout: float = param(0.5, 'Seconds without a People message with the followed '
                                 'person (or, with follow: controller, without a pose_command) '
                                 'before nobody is followed.', limits=(0.05, 60.0))
    centre_after: float = param(1.0, 'Seconds nobody is followed before the head joints return '
                                'to the centre (at max_velocity).', limits=(0.0, 60.0))
    reliable_input: bool = param(True, 'Subscribe to people with RELIABLE QoS (what body_node '
                                 'publishes); false for best effort.', read_only=True)
    max_message_bytes: int = param(16 * 1024 * 1024, 'People messages larger than this '
                                   '(bytes, serialized) are ignored before they are '
                                   'deserialized.', read_only=True, limits=(1024, 1024 ** 3))
    vmc: VmcConfig = section(VmcConfig)
    head_joints: HeadJointsConfig = section(HeadJointsConfig)
    diagnostics_period: float = param(1.0, 'Seconds between /diagnostics messages.',
                                      read_only=True, limits=(0.1, 60.0))


# --- flat views: ROS parameters, YAML files, overrides ---------------------------------------

C = TypeVar('C', bound=Section)


def flat_specs(cls: Type[Section], prefix: str = '') -> Iterator[Tuple[str, ParamSpec]]:
    """Yield ``(dotted name, spec)`` of every parameter of ``cls``, in declaration order."""
    for f in fields(cls):
        if 'param' in f.metadata:
            yield prefix + f.name, f.metadata['param']
        else:
            yield from flat_specs(f.default_factory, f'{prefix}{f.name}.')


def to_flat(config: Section, prefix: str = '') -> Dict[str, Any]:
    """Return ``{dotted name: value}`` of every parameter of ``config``."""
    out: Dict[str, Any] = {}
    for f in fields(config):
        value = getattr(config, f.name)
        if is_dataclass(value):
            out.update(to_flat(value, f'{prefix}{f.name}.'))
        else:
            out[prefix + f.name] = value
    return out


def from_flat(cls: Type[C], values: Mapping[str, Any]) -> C:
    """
    Build and validate a ``cls`` from dotted names; missing ones take their defaults.

    :raises ConfigError: an unknown name, or a value (or combination) that is invalid; the
        message names the parameter.
    """
    known = dict(flat_specs(cls))
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f'unknown parameter(s) {unknown} for {cls.__name__}; known: '
                          f'{sorted(known)}')
    return _build(cls, values, '')


def replace(config: C, changes: Mapping[str, Any]) -> C:
    """Return a new, validated ``config`` with ``changes`` (dotted names) applied."""
    return from_flat(type(config), {**to_flat(config), **changes})


def _build(cls: Type[C], values: Mapping[str, Any], prefix: str) -> C:
    kwargs: Dict[str, Any] = {}
    for f in fields(cls):
        name = prefix + f.name
        if 'param' in f.metadata:
            if name in values:
                kwargs[f.name] = f.metadata['param'].coerce(name, values[name])
        else:
            kwargs[f.name] = _build(f.default_factory, values, name + '.')
    try:
        return cls(**kwargs)
    except ConfigError as e:
        where = prefix.rstrip('.')
        raise ConfigError(f'{where}: {e}' if where else str(e)) from None


def nested(flat: Mapping[str, Any]) -> Dict[str, Any]:
    """Turn dotted names into nested mappings (the shape of a ROS parameter file)."""
    out: Dict[str, Any] = {}
    for name, value in flat.items():
        *parents, leaf = name.split('.')
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def flatten(tree: Mapping[str, Any], prefix: str = '') -> Dict[str, Any]:
    """Turn nested mappings into dotted names (inverse of :func:`nested`)."""
    out: Dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, Mapping):
            out.update(flatten(value, f'{prefix}{key}.'))
        else:
            out[f'{prefix}{key}'] = value
    return out


def _node_matches(key: str, node_name: str) -> bool:
    """Return True if a parameter file's top-level key applies to ``node_name``."""
    key = key.strip()
    return key in (node_name, f'/{node_name}', f'/**/{node_name}', '/**', '**')


def load_params_file(path: Path, cls: Type[C], node_name: str,
                     overrides: Optional[Mapping[str, Any]] = None) -> C:
    """
    Read the part of a ROS 2 parameter file that applies to ``node_name``, as a ``cls``.

    The file has the usual shape (``/**/body_node: {ros__parameters: {...}}``); sections of
    other nodes are left alone; later matching sections win, as with ``--params-file``. Keys
    given twice and unknown parameters are errors, like invalid values.

    :param overrides: dotted names applied last (a tool's own command-line options).
    """
    import yaml
    from pose_ros.yaml_loading import load_unique_yaml
    try:
        data = load_unique_yaml(Path(path))
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f'cannot read parameter file {path}: {e}') from None
    if not isinstance(data, Mapping):
        raise ConfigError(f'{path}: a parameter file is a mapping of node names')
    values: Dict[str, Any] = {}
    for key, body in data.items():
        if _node_matches(str(key), node_name):
            params = body.get('ros__parameters') if isinstance(body, Mapping) else None
            if not isinstance(params, Mapping):
                raise ConfigError(f'{path}: {key}: expected a ros__parameters mapping')
            values.update(flatten(params))
    values.update(overrides or {})
    try:
        return from_flat(cls, values)
    except ConfigError as e:
        raise ConfigError(f'{path} ({node_name}): {e}') from None
