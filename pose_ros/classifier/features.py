# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Fixed-length pose features for the trained classifier, independent of image size.

Layout (``FEATURE_VERSION`` 1, ``FEATURE_DIM`` = 51 values, float32):

* ``[0:34]``: the 17 COCO-named joints (``COCO17.keypoints`` order, taken from any body
  schema by name), ``x0, y0, x1, y1, ...``, in torso lengths relative to the hip midpoint,
  image axes (x right, y down), clipped to +-``CLIP``; a missing joint is ``0, 0``;
* ``[34:51]``: visibility of each of those joints, 1 or 0.

The torso length is the distance from the hip midpoint to the shoulder midpoint. When one to
two of the four torso points (shoulders, hips) are missing, as when a person stands close to
the camera, the hip midpoint and torso length are estimated by fitting a template torso
(shoulders 0.48, hips 0.34 torso lengths wide; a similarity transform, mirrored too for a
person seen from the back) to the torso points that are visible. With fewer than two torso
points there is no frame of reference: every value is 0 (nothing visible), which the
classifier turns into ``'unknown'``. A joint counts as visible when its pixels are finite and
its confidence is finite and above ``min_conf``. Estimated points stay
missing in the features.

The features only use the 17 points every body schema shares, but a model still records the
schema it was trained on and refuses another one (keypoint positions of COCO-17 and
BlazePose-33 models differ systematically, e.g. hips), see :mod:`pose_ros.classifier.predictor`.
"""

from typing import Any, Dict, Iterable, Optional, Tuple

import numpy as np
from pose_ros.people import Keypoints
from pose_ros.schemas import COCO17, common_body_indices

FEATURE_VERSION = 1
JOINTS: Tuple[str, ...] = COCO17.keypoints
N_JOINTS = len(JOINTS)
FEATURE_DIM = 3 * N_JOINTS
CLIP = 4.0                      # torso lengths: a far-off glitch must not dominate the input
DEFAULT_MIN_CONF = 0.3          # YOLO/BlazePose points below this are usually guesses
_MIRROR = np.array(COCO17.mirror_permutation())
_L_SH, _R_SH = COCO17.index('left_shoulder'), COCO17.index('right_shoulder')
_L_HIP, _R_HIP = COCO17.index('left_hip'), COCO17.index('right_hip')
# Torso of a person facing the camera, image axes (x right, y down), torso length 1, origin at
# the hip midpoint, as complex x + iy: left shoulder, right shoulder, left hip, right hip.
_TEMPLATE = np.array([0.24 - 1.0j, -0.24 - 1.0j, 0.17 + 0.0j, -0.17 + 0.0j])


class SchemaMismatch(ValueError):
    """Keypoints of another schema than a model or dataset was made with."""


def feature_spec(min_conf: float = DEFAULT_MIN_CONF) -> Dict[str, Any]:
    """Describe the feature layout in plain types (stored in model files)."""
    return {'version': FEATURE_VERSION, 'joints': list(JOINTS), 'centre': 'hip_mid',
            'scale': 'hip_mid_to_shoulder_mid', 'clip': CLIP, 'min_conf': float(min_conf),
            'dim': FEATURE_DIM}


def body_points(keypoints: Keypoints, min_conf: float = DEFAULT_MIN_CONF
                ) -> Tuple[np.ndarray, np.ndarray]:
    """
    Return the 17 COCO-named joints of any body schema and their visibility.

    :returns: ``(xy (17, 2) float64 with NaN where not visible, visible (17,) bool)``.
    :raises KeyError: the schema is not a body schema.
    """
    idx = list(common_body_indices(keypoints.schema))
    xy = np.asarray(keypoints.xy, np.float64)[idx].copy()
    conf = np.asarray(keypoints.conf, np.float64)[idx]
    with np.errstate(invalid='ignore'):
        visible = np.isfinite(xy).all(axis=1) & np.isfinite(conf) & (conf > min_conf)
    xy[~visible] = np.nan
    return xy, visible


def torso_reference(xy: np.ndarray, visible: np.ndarray) -> Optional[Tuple[np.ndarray, float]]:
    """
    Return the hip midpoint (pixels) and torso length (pixels) of 17 COCO-ordered joints.

    Direct from both hips and both shoulders; else fitted from two or three of them (see the
    module doc); None with fewer, or when degenerate.
    """
    torso_idx = [_L_SH, _R_SH, _L_HIP, _R_HIP]
    vis = visible[torso_idx]
    if vis.all():
        hip = (xy[_L_HIP] + xy[_R_HIP]) / 2.0
        torso = float(np.hypot(*((xy[_L_SH] + xy[_R_SH]) / 2.0 - hip)))
    elif vis.sum() >= 2:
        z = (xy[torso_idx][vis] @ np.array([1.0, 1.0j]))
        w = _TEMPLATE[vis]
        best = None
        for ww in ((w, np.conj(w)) if vis.sum() > 2 else (w,)):
            # Least-squares similarity z = a * w + b in complex numbers.
            wc, zc = ww - ww.mean(), z - z.mean()
            a = np.sum(zc * np.conj(wc)) / np.sum(np.abs(wc) ** 2)
            b = z.mean() - a * ww.mean()
            residual = float(np.sum(np.abs(a * ww + b - z) ** 2))
            if best is None or residual < best[0]:
                best = (residual, a, b)
        _, a, b = best
        # The template's hip midpoint is its origin and its torso is 1 long.
        hip = np.array([b.real, b.imag])
        torso = float(abs(a))
    else:
        return None
    if not (np.isfinite(hip).all() and np.isfinite(torso) and torso > 1e-6):
        return None
    return hip, torso


def normalise(keypoints: Keypoints, min_conf: float = DEFAULT_MIN_CONF) -> np.ndarray:
    """
    Turn one skeleton into the ``FEATURE_DIM`` feature vector described in the module doc.

    Never raises on bad values: NaN, infinite or low-confidence points become missing joints,
    and a skeleton without a torso to refer to gives all zeros.
    """
    xy, visible = body_points(keypoints, min_conf)
    out = np.zeros(FEATURE_DIM, np.float32)
    ref = torso_reference(xy, visible)
    if ref is None:
        return out
    hip, torso = ref
    rel = np.clip((xy - hip) / torso, -CLIP, CLIP)
    rel[~visible] = 0.0
    out[:2 * N_JOINTS] = rel.reshape(-1)
    out[2 * N_JOINTS:] = visible
    return out


def normalise_many(keypoints: Iterable[Keypoints],
                   min_conf: float = DEFAULT_MIN_CONF) -> np.ndarray:
    """Stack :func:`normalise` over an iterable of skeletons: ``(N, FEATURE_DIM)``."""
    rows = [normalise(k, min_conf) for k in keypoints]
    return np.stack(rows) if rows else np.zeros((0, FEATURE_DIM), np.float32)


def visible_fraction(features: np.ndarray) -> np.ndarray:
    """Fraction of the 17 joints visible in each feature vector (scalar for one vector)."""
    f = np.asarray(features)
    return f[..., 2 * N_JOINTS:].mean(axis=-1)


def mirror(features: np.ndarray) -> np.ndarray:
    """
    Mirror features as if the image were flipped left-right (one vector or a batch).

    Swaps every left joint with its right twin and negates x. A mirrored 'raise_left_arm'
    is a 'raise_right_arm': relabel with :func:`mirror_label` when augmenting.
    """
    f = np.asarray(features, np.float32)
    xy = f[..., :2 * N_JOINTS].reshape(*f.shape[:-1], N_JOINTS, 2)[..., _MIRROR, :].copy()
    xy[..., 0] *= -1.0
    vis = f[..., 2 * N_JOINTS:][..., _MIRROR]
    out = np.concatenate([xy.reshape(*f.shape[:-1], 2 * N_JOINTS), vis], axis=-1)
    # -0.0 for missing joints would still compare equal; keep them exactly 0 anyway.
    return out + 0.0


def mirror_label(label: str, labels: Iterable[str]) -> Optional[str]:
    """
    Return the label of a mirrored sample, or None when it cannot be known.

    ``left`` and ``right`` swap inside the name ('raise_left_arm' <-> 'raise_right_arm');
    a name without them is symmetric (a mirrored 'dab' is a 'dab'); a sided name whose twin
    is not in ``labels`` (e.g. 'both_arms_left' alone) gives None: do not mirror it.
    """
    if 'left' not in label and 'right' not in label:
        return label
    twin = label.replace('left', '\0').replace('right', 'left').replace('\0', 'right')
    return twin if twin in set(labels) else None
