# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Command-line tools: fixtures, bag replay, the demo and the offline runner."""
