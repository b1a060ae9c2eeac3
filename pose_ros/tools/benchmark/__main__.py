# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""``python -m pose_ros.tools.benchmark``: the same as the ``benchmark`` command."""

import sys

from pose_ros.tools.benchmark import main

sys.exit(main())
