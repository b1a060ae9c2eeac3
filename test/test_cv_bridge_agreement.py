# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
On a ROS distro, pose_ros' image codec decodes exactly as cv_bridge does.

pose_ros never uses cv_bridge at run time (one tested path on every distro); this test
cross-checks that path against cv_bridge wherever cv_bridge is installed.
"""

import numpy as np
from pose_ros.image_codec import image_to_numpy, numpy_to_image
import pytest

try:
    from cv_bridge import CvBridge
except ImportError as e:  # pragma: no cover - depends on the machine
    CvBridge = None
    REASON = (f'cv_bridge is not importable ({e}); it comes with a ROS distro '
              '(ros-<distro>-cv-bridge), and PyPI has no working build for ROS 2')

ENCODINGS = {'rgb8': (np.uint8, 3), 'bgr8': (np.uint8, 3), 'rgba8': (np.uint8, 4),
             'bgra8': (np.uint8, 4), 'mono8': (np.uint8, 1), 'mono16': (np.uint16, 1),
             '16UC1': (np.uint16, 1), '32FC1': (np.float32, 1)}


@pytest.mark.skipif(CvBridge is None, reason=REASON if CvBridge is None else '')
@pytest.mark.parametrize('encoding', sorted(ENCODINGS))
def test_same_pixels_as_cv_bridge(encoding):
    dtype, channels = ENCODINGS[encoding]
    rng = np.random.default_rng(7)
    shape = (5, 7) if channels == 1 else (5, 7, channels)
    array = (rng.random(shape) * 1000).astype(dtype)
    msg = numpy_to_image(array, encoding)
    ours = image_to_numpy(msg)
    theirs = CvBridge().imgmsg_to_cv2(msg, desired_encoding='passthrough')
    np.testing.assert_array_equal(ours, theirs)
