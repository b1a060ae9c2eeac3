# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Keypoint schemas: the names, order and skeleton edges of every keypoint set.

This is the one place that knows them. Messages carry the schema name and fixed-length
keypoint arrays in exactly this order; drawing, markers, features and the classifier all
look names and edges up here.
"""

from dataclasses import dataclass, field
from typing import Dict, Tuple


@dataclass(frozen=True)
class KeypointSchema:
    """A fixed, ordered set of named keypoints with the edges that draw its skeleton."""

    name: str
    keypoints: Tuple[str, ...]
    edges: Tuple[Tuple[str, str], ...] = ()
    # Points whose midpoint is the schema's root (hips for bodies, the wrist for hands).
    root: Tuple[str, ...] = ()
    _index: Dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(set(self.keypoints)) != len(self.keypoints):
            raise ValueError(f'schema {self.name!r} has duplicate keypoint names')
        self._index.update({n: i for i, n in enumerate(self.keypoints)})
        for a, b in self.edges:
            if a not in self._index or b not in self._index:
                raise ValueError(f'schema {self.name!r}: edge ({a}, {b}) names an unknown point')
        for r in self.root:
            if r not in self._index:
                raise ValueError(f'schema {self.name!r}: root point {r!r} is unknown')

    def __len__(self) -> int:
        return len(self.keypoints)

    def index(self, name: str) -> int:
        """Return the position of keypoint ``name`` (KeyError with the known names if absent)."""
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f'schema {self.name!r} has no keypoint {name!r}') from None

    def has(self, name: str) -> bool:
        return name in self._index

    @property
    def edge_indices(self) -> Tuple[Tuple[int, int], ...]:
        return tuple((self._index[a], self._index[b]) for a, b in self.edges)

    @property
    def root_indices(self) -> Tuple[int, ...]:
        return tuple(self._index[r] for r in self.root)

    def mirror_permutation(self) -> Tuple[int, ...]:
        """
        Index permutation that swaps every left_* point with its right_* twin.

        Used to mirror a pose (image flipped horizontally) without changing its meaning.
        """
        perm = []
        for n in self.keypoints:
            if n.startswith('left_'):
                twin = 'right_' + n[len('left_'):]
            elif n.startswith('right_'):
                twin = 'left_' + n[len('right_'):]
            else:
                twin = n
            perm.append(self._index.get(twin, self._index[n]))
        return tuple(perm)


COCO17 = KeypointSchema(
    name='coco17',
    keypoints=(
        'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
        'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
        'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
        'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
    ),
    edges=(
        ('nose', 'left_eye'), ('nose', 'right_eye'),
        ('left_eye', 'left_ear'), ('right_eye', 'right_ear'),
        ('left_shoulder', 'right_shoulder'),
        ('left_shoulder', 'left_elbow'), ('left_elbow', 'left_wrist'),
        ('right_shoulder', 'right_elbow'), ('right_elbow', 'right_wrist'),
        ('left_shoulder', 'left_hip'), ('right_shoulder', 'right_hip'),
        ('left_hip', 'right_hip'),
        ('left_hip', 'left_knee'), ('left_knee', 'left_ankle'),
        ('right_hip', 'right_knee'), ('right_knee', 'right_ankle'),
    ),
    root=('left_hip', 'right_hip'),
)

BLAZEPOSE33 = KeypointSchema(
    name='blazepose33',
    keypoints=(
        'nose', 'left_eye_inner', 'left_eye', 'left_eye_outer',
        'right_eye_inner', 'right_eye', 'right_eye_outer', 'left_ear', 'right_ear',
        'mouth_left', 'mouth_right', 'left_shoulder', 'right_shoulder',
        'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
        'left_pinky', 'right_pinky', 'left_index', 'right_index', 'left_thumb', 'right_thumb',
        'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
        'left_heel', 'right_heel', 'left_foot_index', 'right_foot_index',
    ),
    edges=(
        ('nose', 'left_eye_inner'), ('left_eye_inner', 'left_eye'),
        ('left_eye', 'left_eye_outer'), ('left_eye_outer', 'left_ear'),
        ('nose', 'right_eye_inner'), ('right_eye_inner', 'right_eye'),
        ('right_eye', 'right_eye_outer'), ('right_eye_outer', 'right_ear'),
        ('mouth_left', 'mouth_right'),
        ('left_shoulder', 'right_shoulder'),
        ('left_shoulder', 'left_elbow'), ('left_elbow', 'left_wrist'),
        ('left_wrist', 'left_pinky'), ('left_wrist', 'left_index'),
        ('left_pinky', 'left_index'), ('left_wrist', 'left_thumb'),
        ('right_shoulder', 'right_elbow'), ('right_elbow', 'right_wrist'),
        ('right_wrist', 'right_pinky'), ('right_wrist', 'right_index'),
        ('right_pinky', 'right_index'), ('right_wrist', 'right_thumb'),
        ('left_shoulder', 'left_hip'), ('right_shoulder', 'right_hip'),
        ('left_hip', 'right_hip'),
        ('left_hip', 'left_knee'), ('left_knee', 'left_ankle'),
        ('left_ankle', 'left_heel'), ('left_heel', 'left_foot_index'),
        ('left_ankle', 'left_foot_index'),
        ('right_hip', 'right_knee'), ('right_knee', 'right_ankle'),
        ('right_ankle', 'right_heel'), ('right_heel', 'right_foot_index'),
        ('right_ankle', 'right_foot_index'),
    ),
    root=('left_hip', 'right_hip'),
)

_FINGERS = ('thumb', 'index_finger', 'middle_finger', 'ring_finger', 'pinky')
_HAND_POINTS = ('wrist',
                'thumb_cmc', 'thumb_mcp', 'thumb_ip', 'thumb_tip',
                *(f'{f}_{j}' for f in _FINGERS[1:] for j in ('mcp', 'pip', 'dip', 'tip')))


def _hand_edges() -> Tuple[Tuple[str, str], ...]:
    edges = []
    for finger in _FINGERS:
        chain = [p for p in _HAND_POINTS if p.startswith(finger + '_')]
        edges.append(('wrist', chain[0]))
        edges.extend(zip(chain[:-1], chain[1:]))
    # The palm: knuckle to knuckle.
    knuckles = ['index_finger_mcp', 'middle_finger_mcp', 'ring_finger_mcp', 'pinky_mcp']
    edges.extend(zip(knuckles[:-1], knuckles[1:]))
    return tuple(edges)


HAND21 = KeypointSchema(name='hand21', keypoints=_HAND_POINTS, edges=_hand_edges(),
                        root=('wrist',))

# MediaPipe face mesh with iris refinement: 468 mesh points + 10 iris points. Points are named
# by index; the few that other code needs have names in FACE_LANDMARKS. Indices are MediaPipe's
# (the subject's right eye is the one on the image's left in a non-mirrored image).
FACE478 = KeypointSchema(name='face478', keypoints=tuple(f'face_{i:03d}' for i in range(478)))
FACE_LANDMARKS: Dict[str, int] = {
    'nose_tip': 1,
    'sellion': 168,
    'chin': 152,
    'right_eye_outer': 33,
    'right_eye_inner': 133,
    'left_eye_inner': 362,
    'left_eye_outer': 263,
    'mouth_right': 61,
    'mouth_left': 291,
    'right_iris_center': 468,
    'left_iris_center': 473,
}

# The classic 68-point face layout (iBUG 300-W, also COCO-WholeBody's face), 0-based: jaw
# 0-16 from the person's right ear to the left, brows 17-26, nose 27-35, eyes 36-47 (each from
# its outer corner, clockwise in the image), lips 48-67.
_FACE68_GROUPS: Tuple[Tuple[str, int, bool], ...] = (
    # (name, points, closed loop)
    ('jaw', 17, False), ('right_brow', 5, False), ('left_brow', 5, False),
    ('nose_bridge', 4, False), ('nose_base', 5, False), ('right_eye', 6, True),
    ('left_eye', 6, True), ('outer_lip', 12, True), ('inner_lip', 8, True))


def _face68() -> KeypointSchema:
    names = []
    edges = []
    for group, count, closed in _FACE68_GROUPS:
        points = [f'{group}_{i:02d}' for i in range(count)]
        names += points
        edges += list(zip(points[:-1], points[1:]))
        if closed:
            edges.append((points[-1], points[0]))
    return KeypointSchema(name='face68', keypoints=tuple(names), edges=tuple(edges))


FACE68 = _face68()
# The face-mesh vertex at each of the 68 points, chosen by where the 300-W annotation guide
# puts them (eye corners, lid points at a third and two thirds of the eye, lip corners and
# midpoints, nose and brow points). The jaw points are fixed vertices of the mesh: on a turned
# face the annotated jaw follows the silhouette and they do not (see EVALUATION.md, faces).
FACE68_FROM_MESH: Tuple[int, ...] = (
    162, 234, 93, 58, 172, 136, 149, 148, 152, 377, 378, 365, 397, 288, 323, 454, 389,
    71, 63, 105, 66, 107, 336, 296, 334, 293, 301,
    168, 197, 5, 4, 75, 97, 2, 326, 305,
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
    61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181,
    78, 82, 13, 312, 308, 317, 14, 87)

SCHEMAS: Dict[str, KeypointSchema] = {s.name: s for s in (COCO17, BLAZEPOSE33, HAND21, FACE478,
                                                          FACE68)}
FACE_SCHEMAS = ('face68', 'face478')
BODY_SCHEMAS = ('coco17', 'blazepose33')


def get_schema(name: str) -> KeypointSchema:
    """Return the schema called ``name``, or raise KeyError listing the known ones."""
    try:
        return SCHEMAS[name]
    except KeyError:
        raise KeyError(f'unknown keypoint schema {name!r}; known: {sorted(SCHEMAS)}') from None


def common_body_indices(schema: KeypointSchema) -> Tuple[int, ...]:
    """Return the indices, in ``schema``, of the 17 COCO points (every body schema has them)."""
    return tuple(schema.index(n) for n in COCO17.keypoints)
