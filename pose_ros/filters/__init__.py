# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Filters over time, pure numpy: what smooths, what remembers tracks, what keeps time.

- :mod:`~pose_ros.filters.one_euro`: One Euro filters for keypoints, rotations, heads, gaze;
- :mod:`~pose_ros.filters.track_state`: state per track id and how it ends;
- :mod:`~pose_ros.filters.frame_clock`: the filters' time from image stamps that misbehave.
"""
