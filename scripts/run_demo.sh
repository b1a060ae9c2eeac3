#!/usr/bin/env bash
# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0
#
# README command 1: set up (idempotent), then run the main job on the embedded default:
# a rosbag of real footage replayed through body_node; outputs land in out/demo/.
# Extra arguments go to the demo (e.g. --backend mediapipe, --out DIR).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
set +u
. "$ROOT/.ws/env.sh"
set -u
cd "$ROOT"
# The nodes' rcl log files stay in the workspace, not in ~/.ros/log.
export ROS_LOG_DIR="${ROS_LOG_DIR:-$ROOT/.ws/log/ros}"
exec "$ROOT/.ws/install/pose_ros/lib/pose_ros/demo" "$@"
