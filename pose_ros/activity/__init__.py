# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Activity analytics from tracked poses: falls, exercise repetitions and steps (no ROS)."""
