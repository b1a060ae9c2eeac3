# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Pose estimator backends behind one interface (heavy imports stay inside each)."""
