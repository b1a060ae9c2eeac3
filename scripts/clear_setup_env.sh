# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0
#
# Sourced by run_tests.sh and run_demo.sh before a set-up's env.sh: nothing of another set-up
# (or of a sourced distro) may leak in, such as the other venv's packages on PYTHONPATH or the
# other Fast DDS's profile variable.
unset PYTHONPATH AMENT_PREFIX_PATH CMAKE_PREFIX_PATH COLCON_PREFIX_PATH LD_LIBRARY_PATH \
  ROS_DISTRO FASTDDS_DEFAULT_PROFILES_FILE FASTRTPS_DEFAULT_PROFILES_FILE VIRTUAL_ENV \
  POSE_ROS_PROFILE
