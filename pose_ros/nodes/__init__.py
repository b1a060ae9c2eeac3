# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""ROS 2 nodes: thin rclpy adapters around the pure modules of pose_ros."""
