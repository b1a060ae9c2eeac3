# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Poses to commands: features, built-in gesture rules, a trainable classifier and safety logic.

Everything here is pure Python (numpy, torch for the trained model) and free of rclpy, so the
classifier node, the ``pose_record`` / ``pose_train`` tools and the tests share one code path.
"""
