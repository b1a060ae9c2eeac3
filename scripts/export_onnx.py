#!/usr/bin/env python3
# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Export yolo11n-pose.pt to yolo11n-pose.onnx once, for the yolo_onnx backend (offline).

Idempotent: next to the .onnx a stamp file (``<onnx>.stamp.json``) records the sha256 of the
.pt and the export settings; when they match, nothing is done (no ultralytics import, well
under a second). scripts/bootstrap.sh runs it after installing the weights; on a ROS distro:

    python3 scripts/export_onnx.py ~/.local/share/pose_ros/models/yolo11n-pose.pt

Usage: export_onnx.py [PT] [--out ONNX] [--image-size 640] [--static] [--force]
(default PT: $POSE_ROS_MODEL_DIR/yolo11n-pose.pt, else .cache/models/yolo11n-pose.pt;
default ONNX: PT with the suffix .onnx).
"""

import argparse
import os
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent
STAMP_VERSION = 1


def default_pt() -> Path:
    env = os.environ.get('POSE_ROS_MODEL_DIR', '').split(os.pathsep)[0]
    folder = Path(env) if env else ROOT / '.cache' / 'models'
    return folder / 'yolo11n-pose.pt'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='Export YOLO-pose .pt weights to ONNX once.')
    parser.add_argument('pt', nargs='?', type=Path, default=None, help='the .pt weights')
    parser.add_argument('--out', type=Path, default=None, help='the .onnx file')
    parser.add_argument('--image-size', type=int, default=640, help='letterbox size (px)')
    parser.add_argument('--static', action='store_true',
                        help='fixed SIZExSIZE input instead of dynamic height/width')
    parser.add_argument('--force', action='store_true', help='export even if up to date')
    args = parser.parse_args(argv)
    pt = args.pt or default_pt()
    out = args.out or pt.with_suffix('.onnx')
    if not pt.is_file():
        print(f'export_onnx: {pt} not found (scripts/install_models.sh DIR installs it)',
              file=sys.stderr)
        return 1
    sys.path.insert(0, str(ROOT))   # pose_ros from this tree (it may not be built yet)
    from pose_ros.file_stamps import is_current, write_stamp
    from pose_ros.media import sha256_file
    stamp = {'version': STAMP_VERSION, 'source': pt.name, 'source_sha256': sha256_file(pt),
             'image_size': args.image_size, 'dynamic': not args.static}
    if is_current(out, stamp) and not args.force:
        return 0
    os.environ.setdefault('YOLO_VERBOSE', 'False')
    from pose_ros.backends.base import BackendError
    from pose_ros.backends.yolo_onnx import export_onnx
    try:
        export_onnx(pt, out, image_size=args.image_size, dynamic=not args.static)
    except BackendError as e:
        print(f'export_onnx: {e}', file=sys.stderr)
        return 1
    write_stamp(out, stamp)
    print(f'exported {out} ({out.stat().st_size / 1e6:.1f} MB) from {pt.name}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
