# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""pose_ros: human pose from camera images for ROS 2, and poses turned into commands."""
