# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
What many test modules share: configurations, the fixture bags, and loaded models.

Models load once per test module (they take seconds); bags are built once per machine
(``ensure_fixtures`` reuses them). Missing footage skips with the file and package it needs.
Tests of what only the training requirements give (the ``yolo`` backend, ultralytics'
trackers, training, export) carry :func:`needs` marks: they skip in the lean runtime set-up
with the package they lack.
"""

import importlib.util
from typing import Any, Dict, Optional

from pose_ros.backends import create_backend
from pose_ros.config import BodyConfig, replace
from pose_ros.media import MediaMissing
from pose_ros.tools.build_fixtures import ensure_fixtures
import pytest


def needs(*modules: str):
    """Mark a test that needs ``modules`` (of requirements/training.txt or tools.txt)."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    return pytest.mark.skipif(
        bool(missing), reason=f'needs {", ".join(missing)}, which the lean runtime set-up does '
        'not install (requirements/training.txt or tools.txt)')


def body_config(changes: Optional[Dict[str, Any]] = None) -> BodyConfig:
    """Return the default BodyConfig with ``changes`` (dotted parameter names) applied."""
    return replace(BodyConfig(), changes or {})


def fixture_bag(name: str):
    """Return the path of fixture bag ``name``, or skip the test saying what is missing."""
    try:
        return ensure_fixtures(only=[name])[name]
    except MediaMissing as e:
        pytest.skip(str(e))


@pytest.fixture(scope='module')
def photo_bag():
    """Return the photo bag (6 real photos x 3 frames at 10 fps, with CameraInfo)."""
    return fixture_bag('photos')


@pytest.fixture(scope='module')
def yolo():
    """Return YOLO-pose (the default yolo_onnx backend), untracked; closed after the module."""
    backend = create_backend(body_config({'backend': 'yolo_onnx', 'yolo.tracker': 'none'}))
    yield backend
    backend.close()
