# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Accuracy against human annotations: ground-truth readers and metrics (no ROS, no models)."""
