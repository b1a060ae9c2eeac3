#!/usr/bin/env bash
# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0
#
# README command 2: set up (idempotent), build, and run every test of pose_ros with colcon.
# Exits non-zero when any test fails (colcon test alone exits 0 on failures).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
set +u
. "$ROOT/.ws/env.sh"
set -u
cd "$ROOT/.ws"
# The nodes' rcl log files stay in the workspace, not in ~/.ros/log.
export ROS_LOG_DIR="${ROS_LOG_DIR:-$ROOT/.ws/log/ros}"
set +e
colcon --log-base "$ROOT/.ws/log" test --packages-select pose_ros \
  --event-handlers console_direct+ --return-code-on-test-failure \
  --pytest-args -ra "$@"
tests_rc=$?
# The summary of every result file, failures listed; non-zero when any test failed.
colcon --log-base "$ROOT/.ws/log" test-result --all --verbose
result_rc=$?
set -e
if [ "$tests_rc" -ne 0 ] || [ "$result_rc" -ne 0 ]; then
  echo "pose_ros tests FAILED (colcon test rc=$tests_rc, test-result rc=$result_rc)" >&2
  exit 1
fi
