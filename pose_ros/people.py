# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Plain result objects shared by estimators, filters, conversions and the classifier.

No ROS here. Arrays are fixed-length in the order of their schema; unknown values are NaN.
The ROS message design (pose_ros_msgs) mirrors these one to one (see ros_conversion.py).
"""

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Dict, List, Optional, TYPE_CHECKING

import numpy as np

from pose_ros.schemas import KeypointSchema

if TYPE_CHECKING:  # pragma: no cover - for the annotation only (no import cycle at run time)
    from pose_ros.geometry.camera import CameraIntrinsics


class PositionSource(IntEnum):
    """Where 3D keypoint positions come from (values match pose_ros_msgs/Skeleton)."""

    NONE = 0
    DEPTH = 1           # back-projected aligned depth, camera optical frame
    MODEL_CAMERA = 2    # the model's metric skeleton placed in the camera frame
    MODEL_ROOT = 3      # the model's metric skeleton relative to the schema root


# 3D that is a position in the camera's optical frame (what TF, markers and distances need).
CAMERA_FRAME_SOURCES = (PositionSource.DEPTH, PositionSource.MODEL_CAMERA)


class GazeSource(IntEnum):
    """How a gaze direction was obtained (values match pose_ros_msgs/Head)."""

    NONE = 0
    IRIS = 1
    HEAD = 2


@dataclass
class Keypoints:
    """A fixed-length skeleton: pixels, confidences and 3D positions, NaN when unknown."""

    schema: KeypointSchema
    xy: np.ndarray            # (N, 2) float32 pixels
    conf: np.ndarray          # (N,) float32 0..1
    xyz: np.ndarray           # (N, 3) float32 metres
    position_source: PositionSource = PositionSource.NONE

    @classmethod
    def empty(cls, schema: KeypointSchema) -> 'Keypoints':
        n = len(schema)
        return cls(schema, np.full((n, 2), np.nan, np.float32), np.full(n, np.nan, np.float32),
                   np.full((n, 3), np.nan, np.float32))

    @classmethod
    def from_arrays(cls, schema: KeypointSchema, xy, conf, xyz=None,
                    position_source: PositionSource = PositionSource.NONE) -> 'Keypoints':
        n = len(schema)
        xy = np.asarray(xy, np.float32).reshape(n, 2)
        conf = np.asarray(conf, np.float32).reshape(n)
        if xyz is None:
            xyz = np.full((n, 3), np.nan, np.float32)
            position_source = PositionSource.NONE
        xyz = np.asarray(xyz, np.float32).reshape(n, 3)
        return cls(schema, xy, conf, xyz, position_source)

    def in_schema(self, schema: KeypointSchema) -> 'Keypoints':
        """Return these points in ``schema``: same-named joints copied, the others unknown."""
        out = Keypoints.empty(schema)
        for i, name in enumerate(self.schema.keypoints):
            if schema.has(name):
                j = schema.index(name)
                out.xy[j], out.conf[j], out.xyz[j] = self.xy[i], self.conf[i], self.xyz[i]
        out.position_source = self.position_source
        return out

    def with_2d_of(self, source: 'Keypoints') -> 'Keypoints':
        """
        Return a copy with the 2D and confidence of ``source`` at their same-named joints.

        Only where ``source`` knows the joint (finite pixels); the 3D stays this one's.
        """
        mapped = source.in_schema(self.schema)
        known = np.isfinite(mapped.xy).all(axis=1) & np.isfinite(mapped.conf)
        xy, conf = self.xy.copy(), self.conf.copy()
        xy[known], conf[known] = mapped.xy[known], mapped.conf[known]
        return Keypoints(self.schema, xy, conf, self.xyz.copy(), self.position_source)

    def __len__(self) -> int:
        return len(self.schema)

    def point(self, name: str) -> np.ndarray:
        """Pixel position of keypoint ``name`` (NaN when unknown)."""
        return self.xy[self.schema.index(name)]

    def visible(self, min_conf: float = 0.0) -> np.ndarray:
        """Boolean mask of keypoints with finite pixels and confidence above ``min_conf``."""
        ok = np.isfinite(self.xy).all(axis=1)
        with np.errstate(invalid='ignore'):
            return ok & (np.nan_to_num(self.conf, nan=-1.0) > min_conf)

    def root_xy(self) -> np.ndarray:
        """Pixel midpoint of the schema's root points (NaN when any is unknown)."""
        return self.xy[list(self.schema.root_indices)].mean(axis=0)

    def root_xyz(self) -> np.ndarray:
        """3D midpoint of the schema's root points (NaN when any is unknown)."""
        return self.xyz[list(self.schema.root_indices)].mean(axis=0)


@dataclass
class Hand:
    """One hand, assigned to a person; ``side`` is the person's own left or right."""

    keypoints: Keypoints      # schema hand21
    side: str = 'unknown'     # 'left' | 'right' | 'unknown'
    handedness_score: float = float('nan')


@dataclass
class Head:
    """Head pose in the image frame, REP-155 axes, origin at the sellion."""

    position: np.ndarray                 # (3,) metres
    quaternion: np.ndarray               # (4,) w, x, y, z (transforms3d order)
    yaw: float
    pitch: float
    roll: float
    reprojection_error: float
    gaze: np.ndarray = field(default_factory=lambda: np.full(3, np.nan, np.float32))
    gaze_source: GazeSource = GazeSource.NONE


@dataclass
class Expression:
    """
    A face's expression on 0..1 scales (NaN when unknown), from its landmarks.

    Definitions (which landmarks, how normalised) are in :mod:`pose_ros.face_expressions`.
    """

    left_eye_openness: float = float('nan')     # the person's own left eye; 0 shut, 1 open
    right_eye_openness: float = float('nan')
    mouth_openness: float = float('nan')        # 0 lips together, 1 wide open
    smile: float = float('nan')                 # 0 neutral or down-turned, 1 broad smile
    brow_raise: float = float('nan')            # 0 neutral or lowered, 1 raised
    blink: bool = False                         # a blink ended in this frame
    blinks: int = 0                             # blinks of this track so far


# The 0..1 fields of Expression (and of pose_ros_msgs/Face), in one place.
EXPRESSION_SCALES = ('left_eye_openness', 'right_eye_openness', 'mouth_openness', 'smile',
                     'brow_raise')


@dataclass
class Face:
    """
    The face mesh of one person: landmarks and the expression.

    The estimator gives all ``face478`` landmarks; read back from a message they are what was
    sent (``face68``, ``face478``, or None when the sender's ``face.landmarks`` was none).
    """

    keypoints: Optional[Keypoints]    # image pixels; 3D from depth or the head pose
    expression: Expression = field(default_factory=Expression)


@dataclass
class Person:
    """Everything known about one person in one image."""

    body: Keypoints
    bbox: np.ndarray = field(default_factory=lambda: np.full(4, np.nan, np.float32))
    score: float = float('nan')
    track_id: int = -1
    hands: List[Hand] = field(default_factory=list)
    head: Optional[Head] = None
    face: Optional[Face] = None
    # The person detector's own keypoints, when one runs in front of the body model (BlazePose
    # on YOLO crops, mediapipe.joints_2d: yolo): the pipeline puts their 2D onto ``body``
    # once the model's 3D is placed (which needs the model's own 2D), then drops them.
    detector_body: Optional[Keypoints] = None


@dataclass
class FrameResult:
    """
    All people in one image, and what else the frame told.

    The per-stage timings (milliseconds) that produced them, the intrinsics used, and the
    problems met: everything a caller reports, as values, not side channels.
    """

    people: List[Person]
    backend: str
    width: int
    height: int
    timings_ms: Dict[str, float] = field(default_factory=dict)
    intrinsics: Optional['CameraIntrinsics'] = None  # what the 3D and head poses used
    depth_problem: Optional[str] = None     # why the depth image gave no 3D, if it did not
    stamp_problem: Optional[str] = None     # what was wrong with the image stamp, if anything
    unassigned_hands: int = 0               # hands found near no body wrist
    # With segmentation on: (H, W) uint16, 0 background, i + 1 the pixels of people[i].
    person_labels: Optional[np.ndarray] = None
