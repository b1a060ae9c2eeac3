# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Face landmarks as keypoints: the mesh in pixels, its 3D, and the 68-point layout.

The face estimator gives per face a (478, 3) array: x, y in image pixels and MediaPipe's
relative depth z in the same pixels (smaller is nearer the camera; its origin, near the head's
centre, is arbitrary). :func:`mesh_keypoints` makes the ``face478`` keypoints of it:

- 2D: the pixels as they are; confidence 1 (the mesh model gives none per point).
- 3D from the head pose (``PositionSource.MODEL_CAMERA``): the sellion (landmark 168) is at the
  depth of the head pose's position (the pose as published, so smoothed when smoothing is on),
  and every other point at that depth plus its relative depth converted to metres at that
  distance (``dz = (z - z_sellion) * Z_sellion / fx``: MediaPipe's z is in the units of x, so a
  weak-perspective scale); each point is back-projected through its own pixel, so the 3D
  projects exactly onto the 2D.
  The face's own shape is MediaPipe's; its scale and distance come from the head pose, so from
  the average face model (:mod:`pose_ros.geometry.head_pose`) and the intrinsics.
- 3D from aligned depth is the caller's (:func:`pose_ros.geometry.depth.lift_keypoints`, as
  for bodies and hands), and preferred when there is depth.

:func:`face68` takes the classic 300-W 68-point subset (:data:`pose_ros.schemas.FACE68`).
"""

from typing import Optional

import numpy as np
from pose_ros.geometry.camera import back_project, CameraIntrinsics
from pose_ros.people import Head, Keypoints, PositionSource
from pose_ros.schemas import FACE478, FACE68, FACE68_FROM_MESH, FACE_LANDMARKS

SELLION = FACE_LANDMARKS['sellion']


def mesh_keypoints(mesh: np.ndarray, head: Optional[Head] = None,
                   intrinsics: Optional[CameraIntrinsics] = None) -> Keypoints:
    """
    Return the ``face478`` keypoints of one face mesh, with 3D from ``head`` when given.

    :param mesh: (478, 2) or (478, 3) face-mesh points (x, y pixels[, relative depth pixels]);
        NaN where unknown.
    :param head: the head pose fitted to this mesh (None: no 3D).
    :param intrinsics: the intrinsics the head pose was computed with (None: no 3D).
    """
    pts = np.asarray(mesh, np.float64)
    if pts.ndim != 2 or pts.shape[0] != len(FACE478) or pts.shape[1] not in (2, 3):
        raise ValueError(f'a face mesh is ({len(FACE478)}, 2 or 3), got {pts.shape}')
    xy = pts[:, :2]
    conf = np.where(np.isfinite(xy).all(axis=1), 1.0, np.nan)
    xyz = None
    source = PositionSource.NONE
    if head is not None and intrinsics is not None and pts.shape[1] == 3:
        xyz = _from_head_pose(pts, head, intrinsics)
        source = PositionSource.MODEL_CAMERA if xyz is not None else PositionSource.NONE
    return Keypoints.from_arrays(FACE478, xy, conf, xyz, source)


def _from_head_pose(pts: np.ndarray, head: Head,
                    intrinsics: CameraIntrinsics) -> Optional[np.ndarray]:
    distance = float(np.asarray(head.position, np.float64).reshape(3)[2])
    z_sellion = pts[SELLION, 2]
    if not (np.isfinite(distance) and distance > 0 and np.isfinite(z_sellion)):
        return None
    depth = distance + (pts[:, 2] - z_sellion) * distance / intrinsics.fx
    depth = np.where(depth > 1e-3, depth, np.nan)
    return back_project(pts[:, 0], pts[:, 1], depth, intrinsics)


def face68(keypoints: Keypoints) -> Keypoints:
    """Return the 300-W 68-point layout of ``face478`` keypoints (same pixels, same 3D)."""
    if keypoints.schema != FACE478:
        raise ValueError(f'face68 needs face478 keypoints, got {keypoints.schema.name}')
    index = list(FACE68_FROM_MESH)
    return Keypoints(FACE68, keypoints.xy[index].copy(), keypoints.conf[index].copy(),
                     keypoints.xyz[index].copy(), keypoints.position_source)
