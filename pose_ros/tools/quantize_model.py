# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
``quantize_model``: make yolo11n-pose-int8.onnx from yolo11n-pose.onnx, calibrated and verified.

Calibration frames: the six photos of people the fixtures are built from and every 60th frame
of the pedestrian video, letterboxed to 640x480 as a camera delivers them, prepared by the
``yolo_onnx`` backend itself (so the calibration sees exactly the model's input). Verification
frames: the same photos and the video frames halfway between the calibration ones (not used
for calibration). The INT8 model is kept only when, on those, it finds every person the fp32
model finds with a score >= 0.5 and its keypoints stay within
:data:`~pose_ros.backends.yolo_int8.MAX_MEDIAN_PX` (median) and
:data:`~pose_ros.backends.yolo_int8.MAX_P95_PX` (p95) of fp32's.

Idempotent: a stamp next to the output records the sha256 of the fp32 model and the recipe
version; when it matches, nothing is done. ``scripts/bootstrap.sh`` runs it after the ONNX
export; on a ROS distro: ``ros2 run pose_ros quantize_model`` (needs the training requirements:
onnx and ml_dtypes; running the INT8 model needs only onnxruntime); where the footage is not
installed, or to calibrate on the robot's own camera, ``--images DIR`` takes a folder of
images instead (even files calibrate, odd ones verify). Ground-truth images are never used
here: they measure the result (``evaluate``).
"""

import argparse
import os
from pathlib import Path
import sys
from typing import List, Optional, Sequence, Tuple

import numpy as np

RECIPE_VERSION = 1           # bump when the calibration frames or the float nodes change
VIDEO_STEP = 60              # every 60th video frame calibrates; those +30 verify


def default_paths() -> Tuple[Path, Path]:
    """Return (fp32 model, INT8 model) in the first folder of POSE_ROS_MODEL_DIR or .cache."""
    from pose_ros.backends.yolo_int8 import INT8_WEIGHTS
    from pose_ros.config import OnnxConfig
    from pose_ros.media import repo_root
    env = os.environ.get('POSE_ROS_MODEL_DIR', '').split(os.pathsep)[0]
    folder = Path(env) if env else repo_root() / '.cache' / 'models'
    return folder / OnnxConfig().weights, folder / INT8_WEIGHTS


def media_frames() -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """Return (calibration, verification) BGR 640x480 frames of the real footage."""
    import cv2
    from pose_ros.media import find_media, PEOPLE_PHOTOS, VIDEO
    from pose_ros.tools.build_fixtures import letterbox
    photos = []
    for name in PEOPLE_PHOTOS:
        image = cv2.imread(str(find_media(name)))
        if image is None:
            raise ValueError(f'cannot read {find_media(name)}')
        photos.append(letterbox(image, (640, 480))[0])
    calibrate, verify = list(photos), list(photos)
    capture = cv2.VideoCapture(str(find_media(VIDEO)))
    index = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        if index % VIDEO_STEP == 0:
            calibrate.append(letterbox(frame, (640, 480))[0])
        elif index % VIDEO_STEP == VIDEO_STEP // 2:
            verify.append(letterbox(frame, (640, 480))[0])
        index += 1
    capture.release()
    return calibrate, verify


def folder_frames(folder: Path) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """Return (calibration, verification) frames from a folder of images: alternate files."""
    import cv2
    paths = sorted(p for p in Path(folder).iterdir()
                   if p.suffix.lower() in ('.jpg', '.jpeg', '.png', '.bmp'))
    images = [image for image in (cv2.imread(str(p)) for p in paths) if image is not None]
    if len(images) < 4:
        raise ValueError(f'{folder} has {len(images)} readable images; give at least 4 (frames '
                         "of the robot's own camera, with people in them, are best)")
    return images[0::2], images[1::2]


def _backend(weights: Path):
    from pose_ros.backends import create_backend
    from pose_ros.config import BodyConfig, replace
    return create_backend(replace(BodyConfig(), {'backend': 'yolo_onnx', 'yolo.tracker': 'none',
                                                 'onnx.weights': str(weights)}))


def make_int8(fp32: Path, out: Path, images: Optional[Path] = None):
    """
    Quantize ``fp32`` into ``out`` and verify it; return the :class:`Agreement`.

    :param images: a folder of images to calibrate and verify on instead of the footage.

    :raises BackendError: quantization failed or the result disagrees with fp32 (``out`` is
        then removed).
    """
    from pose_ros.backends.base import BackendError
    from pose_ros.backends import yolo_int8
    calibrate, verify = folder_frames(images) if images else media_frames()
    reference = _backend(fp32)
    yolo_int8.quantize(fp32, out, yolo_int8.calibration_blobs(reference, calibrate))
    agreement = yolo_int8.compare(reference, _backend(out), verify)
    problem = yolo_int8.check(agreement)
    if problem:
        out.unlink(missing_ok=True)
        raise BackendError(f'the INT8 model of {fp32.name} was not kept: {problem}')
    return agreement


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog='quantize_model',
        description='Make the INT8 yolo_onnx model from the fp32 ONNX export, calibrated on '
                    'the real footage and verified against fp32.')
    fp32_default, out_default = default_paths()
    parser.add_argument('fp32', nargs='?', type=Path, default=fp32_default,
                        help=f'the fp32 .onnx (default {fp32_default})')
    parser.add_argument('--out', type=Path, default=None,
                        help='the INT8 .onnx (default: next to it, named *-int8.onnx)')
    parser.add_argument('--images', type=Path, default=None,
                        help="calibrate and verify on this folder's images (alternately) "
                             "instead of the project's footage, e.g. the robot's own camera")
    parser.add_argument('--force', action='store_true', help='make it even if up to date')
    args = parser.parse_args(argv)
    from pose_ros.backends.base import BackendError
    from pose_ros.file_stamps import is_current, write_stamp
    from pose_ros.media import MediaMissing, sha256_file
    fp32 = args.fp32
    out = args.out or fp32.with_name(fp32.stem + '-int8.onnx')
    if not fp32.is_file():
        print(f'quantize_model: {fp32} not found (scripts/export_onnx.py makes it)',
              file=sys.stderr)
        return 1
    stamp = {'recipe': RECIPE_VERSION, 'source': fp32.name, 'source_sha256': sha256_file(fp32),
             'images': str(args.images.resolve()) if args.images else 'footage'}
    if is_current(out, stamp) and not args.force:
        return 0
    try:
        agreement = make_int8(fp32, out, args.images)
    except (BackendError, MediaMissing, ValueError) as e:
        print(f'quantize_model: {e}', file=sys.stderr)
        return 1
    write_stamp(out, stamp)
    print(f'made {out} ({out.stat().st_size / 1e6:.1f} MB); against fp32 on the verification '
          f'frames: {agreement.summary()}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
