# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
An ordinary colcon workspace laid out as the README says finds both packages.

colcon stops at a package's folder, so pose_ros_msgs (nested in the repository, whose root is
the pose_ros package) needs the one documented link to become a sibling.
"""

import os
from pathlib import Path
import shutil
import subprocess

import pytest

ROOT = Path(__file__).resolve().parent.parent


def colcon_list(ws: Path):
    colcon = shutil.which('colcon')
    if colcon is None:
        pytest.skip('colcon is not on PATH (source .ws/env.sh or a ROS 2 setup file)')
    out = subprocess.run([colcon, 'list', '--names-only'], cwd=ws, capture_output=True,
                         text=True, check=True, env=os.environ.copy())
    return set(out.stdout.split())


def test_readme_layout_finds_both_packages(tmp_path):
    src = tmp_path / 'src'
    src.mkdir()
    (src / 'pose_ros').symlink_to(ROOT)                      # git clone ... pose_ros
    (src / 'pose_ros_msgs').symlink_to('pose_ros/pose_ros_msgs')   # the README's link
    assert colcon_list(tmp_path) == {'pose_ros', 'pose_ros_msgs'}


def test_without_the_link_colcon_misses_the_interface_package(tmp_path):
    src = tmp_path / 'src'
    src.mkdir()
    (src / 'pose_ros').symlink_to(ROOT)
    assert colcon_list(tmp_path) == {'pose_ros'}
