#!/usr/bin/env bash
# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0
#
# README command 2: set up (idempotent), build, and run every test of pose_ros with colcon,
# on two set-ups one after the other:
#   kilted       ROS 2 Kilted + everything (torch, ultralytics, MediaPipe, ...): every test;
#   jazzy-lean   ROS 2 Jazzy (ros-jazzy-* wheels) + the lean runtime only (no torch,
#                torchvision, ultralytics, onnx): the interface build and every test that
#                needs only ROS and the runtime; tests of training, export, the yolo backend and
#                ultralytics' trackers skip there, each saying what it needs.
# Exits non-zero when any test fails on either (colcon test alone exits 0 on failures).
#
# Usage: scripts/run_tests.sh [--only kilted|jazzy-lean|kilted-lean] [PYTEST ARGS...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SETUPS=(kilted jazzy-lean)
if [ "${1:-}" = --only ]; then
  SETUPS=("${2:?--only needs kilted, jazzy-lean or kilted-lean}")
  shift 2
fi

run_setup() {   # run_setup NAME [PYTEST ARGS...]: 0 when every test passed
  local name="$1"; shift
  local args=()
  case "$name" in
    kilted) ;;
    jazzy-lean) args=(--distro jazzy --lean) ;;
    kilted-lean) args=(--lean) ;;
    *) echo "unknown set-up $name (kilted, jazzy-lean or kilted-lean)" >&2; return 2 ;;
  esac
  local env_sh
  env_sh="$("$ROOT/scripts/bootstrap.sh" "${args[@]}" --print-env)" || return 1
  (
    . "$ROOT/scripts/clear_setup_env.sh"
    set +u
    . "$env_sh"
    set -u
    local ws
    ws="$(dirname "$env_sh")"
    cd "$ws"
    # The nodes' rcl log files stay in the workspace, not in ~/.ros/log.
    export ROS_LOG_DIR="${ROS_LOG_DIR:-$ws/log/ros}"
    echo "=== pose_ros tests on $name ($ws) ==="
    set +e
    colcon --log-base "$ws/log" test --packages-select pose_ros \
      --event-handlers console_direct+ --return-code-on-test-failure \
      --pytest-args -ra "$@"
    local tests_rc=$?
    # The summary of every result file, failures listed; non-zero when any test failed.
    colcon --log-base "$ws/log" test-result --all --verbose
    local result_rc=$?
    set -e
    if [ "$tests_rc" -ne 0 ] || [ "$result_rc" -ne 0 ]; then
      echo "pose_ros tests FAILED on $name (colcon test rc=$tests_rc, test-result rc=$result_rc)" >&2
      exit 1
    fi
  )
}

failed=()
for setup in "${SETUPS[@]}"; do
  run_setup "$setup" "$@" || failed+=("$setup")
done
if [ "${#failed[@]}" -ne 0 ]; then
  echo "pose_ros tests FAILED on: ${failed[*]}" >&2
  exit 1
fi
echo "pose_ros tests passed on: ${SETUPS[*]}"
