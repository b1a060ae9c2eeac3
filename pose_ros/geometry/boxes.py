# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Axis-aligned boxes (x0, y0, x1, y1): what the tracker check and the INT8 check compare."""

import numpy as np


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Return the intersection over union of two x0, y0, x1, y1 boxes (0 for empty ones)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(w, 0.0) * max(h, 0.0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0
