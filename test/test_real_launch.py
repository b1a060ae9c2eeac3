# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
bringup.launch.py under the real launch system: start, Ctrl-C, SIGTERM, a refused argument.

The launch libraries come with a ROS distro and have no PyPI build, so this runs where
``launch`` and ``launch_ros`` are importable (a distro, or their upstream sources on
PYTHONPATH) and is skipped, with that reason, elsewhere. The launch service runs in its own
process group, as ``ros2 launch`` in a terminal does; the signals go where a terminal, systemd
or docker sends them.
"""

import importlib.util
import os
from pathlib import Path
import re
import signal
import subprocess
import sys
import time

from pose_ros.tools.graph import share_file
import pytest
from ros_helpers import process_running, RosContext, wait_for

pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ('launch', 'launch_ros')),
    reason='launch / launch_ros are not installed (they come with a ROS distro and have no '
           'PyPI build); test_launch_file.py and test_launch_arguments.py check the file')

# What `ros2 launch pose_ros bringup.launch.py ARGS` does, without the ros2 CLI.
RUN = """
import sys
from launch import LaunchDescription, LaunchService
from launch.actions import IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
args = dict(a.split(':=', 1) for a in sys.argv[2:])
service = LaunchService(argv=sys.argv[2:])
service.include_launch_description(LaunchDescription([IncludeLaunchDescription(
    PythonLaunchDescriptionSource(sys.argv[1]), launch_arguments=args.items())]))
sys.exit(service.run())
"""
NOISE = ('inference_feedback_manager', 'TensorFlow Lite', 'absl::InitializeLog')


class Launch:
    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.log = tmp_path / 'launch.log'
        with open(self.log, 'wb') as out:
            self.proc = subprocess.Popen(
                [sys.executable, '-c', RUN, share_file('launch/bringup.launch.py'), *args],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(errors='replace')

    def children(self):
        return [int(p) for p in re.findall(r'process started with pid \[(\d+)\]', self.text())]

    def wait(self, timeout: float = 30.0) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            pytest.fail(f'launch still running {timeout} s after the signal: {self.text()}')


def _up(launch: Launch) -> None:
    ok = wait_for(lambda: 'active: listening' in launch.text()
                  and 'classifier rules' in launch.text() or launch.proc.poll() is not None,
                  120.0, interval=0.1)
    assert ok and launch.proc.poll() is None, launch.text()
    time.sleep(2.0)     # a few seconds of running, models warm


def test_ctrl_c_finishes_every_process_cleanly(tmp_path):
    with RosContext():
        launch = Launch(tmp_path)
        try:
            _up(launch)
            os.killpg(launch.proc.pid, signal.SIGINT)      # Ctrl-C in a terminal
            code = launch.wait()
        finally:
            if launch.proc.poll() is None:
                os.killpg(launch.proc.pid, signal.SIGKILL)
    text = launch.text()
    assert code == 0, text
    assert text.count('process has finished cleanly') == 2, text
    assert 'process has died' not in text and 'Traceback' not in text, text
    assert not any(n in text for n in NOISE), text


def test_sigterm_to_launch_leaves_no_node_running(tmp_path):
    """Launch ends at once on SIGTERM; its nodes follow it instead of staying as orphans."""
    with RosContext():
        launch = Launch(tmp_path)
        try:
            _up(launch)
            pids = launch.children()
            assert len(pids) == 2, launch.text()
            launch.proc.send_signal(signal.SIGTERM)        # systemd / kill, to launch only
            launch.wait()
            gone = wait_for(lambda: not any(process_running(p) for p in pids), 15.0, interval=0.1)
        finally:
            for pid in launch.children():
                if process_running(pid):
                    os.kill(pid, signal.SIGKILL)
    assert gone, launch.text()


def test_a_refused_argument_starts_nothing(tmp_path):
    launch = Launch(tmp_path, 'use_classifier:=maybe')
    code = launch.wait(60.0)
    text = launch.text()
    assert code != 0
    assert "use_classifier:='maybe' must be true or false" in text, text
    assert 'process started' not in text, text
