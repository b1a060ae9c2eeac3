# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Geometry, pure numpy: nothing here knows ROS, models or time.

- :mod:`~pose_ros.geometry.camera`: pinhole intrinsics, projection and back-projection;
- :mod:`~pose_ros.geometry.depth`: keypoints lifted to 3D from aligned depth;
- :mod:`~pose_ros.geometry.head_pose`: 6DoF head pose (PnP on a face model) and gaze;
- :mod:`~pose_ros.geometry.frames`: body and gaze axes (REP-155 frames);
- :mod:`~pose_ros.geometry.vectors`: unit vectors, cross products, slerp.
"""
