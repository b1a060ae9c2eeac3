# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Start pose_ros executables as separate processes, the way the launch file does.

Used by the demo and the end-to-end tests where `ros2 launch` is not available: same
executables (from the ament index), same parameter files, same remappings.
"""

import os
from pathlib import Path
import signal
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

PACKAGE = 'pose_ros'


def executable(name: str, package: str = PACKAGE) -> Path:
    """Return the installed entry point ``name`` of ``package`` (lib/<package>/<name>)."""
    from ament_index_python.packages import get_package_prefix
    path = Path(get_package_prefix(package)) / 'lib' / package / name
    if not path.is_file():
        raise FileNotFoundError(f'{path} not found: build the workspace (scripts/bootstrap.sh '
                                'or colcon build) and source its setup file')
    return path


def share_file(rel: str, package: str = PACKAGE) -> Path:
    """Return the path of a file installed in share/<package>/ (e.g. 'config/pose_ros.yaml')."""
    from ament_index_python.packages import get_package_share_directory
    return Path(get_package_share_directory(package)) / rel


def ros_args(params_files: Sequence[Path] = (), remaps: Optional[Dict[str, str]] = None,
             params: Optional[Dict[str, object]] = None, log_level: str = 'info',
             name: Optional[str] = None, namespace: Optional[str] = None) -> List[str]:
    """Command-line ``--ros-args`` equivalent to a launch_ros Node action."""
    args = ['--ros-args', '--log-level', log_level]
    if name:
        args += ['-r', f'__node:={name}']
    if namespace:
        args += ['-r', f'__ns:={namespace}']
    for f in params_files:
        args += ['--params-file', str(f)]
    for key, value in (params or {}).items():
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        elif value == '':
            value = "''"            # rcl reads the value as YAML: an empty one does not parse
        args += ['-p', f'{key}:={value}']
    for src, dst in (remaps or {}).items():
        args += ['-r', f'{src}:={dst}']
    return args


class NodeProcess:
    """One executable in its own process; stopped with SIGINT like Ctrl-C in a launch."""

    def __init__(self, name: str, args: Sequence[str], log_path: Optional[Path] = None,
                 env: Optional[Dict[str, str]] = None, inherit_env: bool = True,
                 cwd: Optional[Path] = None) -> None:
        """
        Start executable ``name`` of pose_ros with ``args``.

        :param env: variables added to this process' environment, or with ``inherit_env``
            false the child's whole environment.
        :param cwd: the child's working directory (default: this process').
        """
        self.name = name
        cmd = [str(executable(name)), *args]
        self._log = open(log_path, 'wb') if log_path else None
        self.log_path = log_path
        self.proc = subprocess.Popen(
            cmd, stdout=self._log or sys.stdout, stderr=subprocess.STDOUT, cwd=cwd,
            env={**os.environ, **(env or {})} if inherit_env else dict(env or {}))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 15.0) -> int:
        """SIGINT, wait, then SIGKILL if needed; return the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log:
            self._log.close()
        return self.proc.returncode

    def log_text(self) -> str:
        return self.log_path.read_text(errors='replace') if self.log_path else ''

    def log_tail(self, lines: int = 15) -> str:
        """Return the last ``lines`` lines of the log, joined on one line."""
        return ' / '.join(self.log_text().splitlines()[-lines:])
