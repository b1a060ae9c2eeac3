# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Real footage for tests: a photo, or a precise skip naming the missing file and package."""

import cv2
import numpy as np
from pose_ros.media import find_media, MediaMissing
import pytest


def photo(name: str) -> np.ndarray:
    """Return the BGR image of installed footage ``name``; skip the test when it is missing."""
    try:
        return cv2.imread(str(find_media(name)))
    except MediaMissing as e:
        pytest.skip(str(e))
