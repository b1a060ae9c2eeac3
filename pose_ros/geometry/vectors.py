# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Small vector and quaternion helpers the geometry, the filters and the gesture rules share."""

import math
from typing import Optional

import numpy as np


def unit(v: np.ndarray, eps: float = 1e-12) -> Optional[np.ndarray]:
    """Return ``v`` scaled to length 1, or None when its length is not finite or below ``eps``."""
    n = float(np.linalg.norm(v))
    if not math.isfinite(n) or n < eps:
        return None
    return v / n


def angle_deg(a: np.ndarray, b: np.ndarray, degenerate: float = float('nan')) -> float:
    """Return the angle between two vectors in degrees; ``degenerate`` when one is ~zero."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na < 1e-9 or nb < 1e-9:
        return degenerate
    return math.degrees(math.acos(float(np.clip(np.dot(a, b) / (na * nb), -1.0, 1.0))))


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the cross product of two 3-vectors (np.cross spends ~30 us on axis juggling)."""
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                     a[0] * b[1] - a[1] * b[0]])


def slerp(q0: np.ndarray, q1: np.ndarray, fraction: float) -> np.ndarray:
    """Spherical interpolation of unit quaternions, along the shorter arc."""
    q0 = np.asarray(q0, np.float64)
    q1 = np.asarray(q1, np.float64)
    dot = float(np.dot(q0, q1))
    if dot < 0.0:
        q1, dot = -q1, -dot
    if dot > 0.9995:    # nearly equal: linear interpolation is exact enough and stable
        out = q0 + fraction * (q1 - q0)
        return out / np.linalg.norm(out)
    theta = math.acos(dot)
    s = math.sin(theta)
    return (math.sin((1.0 - fraction) * theta) * q0 + math.sin(fraction * theta) * q1) / s
