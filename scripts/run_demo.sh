#!/usr/bin/env bash
# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0
#
# README command 1: set up (idempotent), then run the main job on the embedded default:
# a rosbag of real footage replayed through body_node; outputs land in out/demo/.
# Extra arguments go to the demo (e.g. --backend mediapipe, --out DIR); leading --distro jazzy
# and --lean pick another set-up (see scripts/bootstrap.sh), e.g. the lean runtime on Jazzy:
#   scripts/run_demo.sh --distro jazzy --lean
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
setup=()
while [ $# -gt 0 ]; do
  case "$1" in
    --distro) setup+=("$1" "${2:?--distro needs kilted or jazzy}"); shift 2 ;;
    --lean) setup+=("$1"); shift ;;
    *) break ;;
  esac
done
env_sh="$("$ROOT/scripts/bootstrap.sh" "${setup[@]}" --print-env)"
. "$ROOT/scripts/clear_setup_env.sh"
set +u
. "$env_sh"
set -u
cd "$ROOT"
ws="$(dirname "$env_sh")"
# The nodes' rcl log files stay in the workspace, not in ~/.ros/log.
export ROS_LOG_DIR="${ROS_LOG_DIR:-$ws/log/ros}"
exec "$ws/install/pose_ros/lib/pose_ros/demo" "$@"
