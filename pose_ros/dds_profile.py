# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Which environment variable hands Fast DDS its XML profile (``config/fastdds.xml``).

Fast DDS 2 (Humble, Jazzy) reads only ``FASTRTPS_DEFAULT_PROFILES_FILE`` and ignores the
other silently; Fast DDS 3 (Kilted on) reads ``FASTDDS_DEFAULT_PROFILES_FILE`` and warns about
the old name. The launch file and the benchmark's helper processes ask here.
"""

import os
from typing import Optional

PROFILE_VARIABLES = ('FASTDDS_DEFAULT_PROFILES_FILE', 'FASTRTPS_DEFAULT_PROFILES_FILE')
FAST_DDS_2_DISTROS = ('humble', 'jazzy')


def profile_variable(distro: Optional[str] = None) -> str:
    """Return the profile variable of ``distro``'s Fast DDS (default: ``$ROS_DISTRO``)."""
    distro = os.environ.get('ROS_DISTRO', '') if distro is None else distro
    return PROFILE_VARIABLES[1] if distro.lower() in FAST_DDS_2_DISTROS else PROFILE_VARIABLES[0]
