# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Both nodes stop cleanly on every signal a terminal, launch, systemd or docker sends.

Real node processes get SIGINT (Ctrl-C, ``ros2 launch``), SIGTERM (systemd, ``docker stop``),
a burst of SIGINTs (a second Ctrl-C while the node cleans up: launch forwards one per
terminal) and SIGINT to a launch's parent exiting under them: exit code 0, no traceback, and
the clean-up line, each time.
"""

import os
import signal
import subprocess
import sys
import time

from pose_ros.tools.graph import NodeProcess, ros_args, share_file
import pytest
from ros_helpers import process_running, RosContext, wait_for

READY = {'body_node': 'active: listening', 'classifier_node': 'classifier rules'}
EXIT_S = 15.0


def start(name, tmp_path, tag, env=None):
    params = {'head.enabled': False} if name == 'body_node' else {}
    proc = NodeProcess(name, ros_args([share_file('config/pose_ros.yaml')], params=params),
                       log_path=tmp_path / f'{name}_{tag}.log', env=env)
    assert wait_for(lambda: READY[name] in proc.log_text() or not proc.alive(), 90.0,
                    interval=0.05), proc.log_text()
    assert proc.alive(), proc.log_text()
    return proc


def finish(proc):
    try:
        return proc.proc.wait(EXIT_S)
    except subprocess.TimeoutExpired:
        proc.proc.kill()
        proc.proc.wait()
        pytest.fail(f'{proc.name} still running {EXIT_S} s after the signal: {proc.log_tail()}')


@pytest.mark.parametrize('name', ['body_node', 'classifier_node'])
@pytest.mark.parametrize('signals', [
    [signal.SIGINT], [signal.SIGTERM], [signal.SIGINT] * 10, [signal.SIGTERM, signal.SIGINT]],
    ids=['sigint', 'sigterm', 'sigint-burst', 'sigterm-then-sigint'])
def test_signals_stop_the_node_cleanly(name, signals, tmp_path):
    with RosContext():
        proc = start(name, tmp_path, 'signals')
        try:
            for sig in signals:
                if proc.proc.poll() is None:
                    proc.proc.send_signal(sig)
                time.sleep(0.03)     # within the clean-up of the first one
            code = finish(proc)
        finally:
            proc.stop(timeout=1.0)
    log = proc.log_text()
    assert code == 0, log[-3000:]
    assert 'Traceback' not in log and 'KeyboardInterrupt' not in log, log[-3000:]


# A stand-in for ros2 launch: starts a node, says its pid, and exits without stopping it.
PARENT = """
import subprocess, sys
child = subprocess.Popen(sys.argv[1:])
print(child.pid, flush=True)
sys.stdin.readline()            # exits when the test says so, leaving the child behind
"""


@pytest.mark.parametrize('name', ['body_node', 'classifier_node'])
def test_a_node_started_by_launch_stops_when_launch_dies(name, tmp_path):
    """SIGTERM or a crash of ros2 launch used to leave its nodes running, with PPID 1."""
    from pose_ros.tools.graph import executable
    params = {'head.enabled': False} if name == 'body_node' else {}
    args = ros_args([share_file('config/pose_ros.yaml')], params=params)
    env = {**os.environ, 'POSE_ROS_EXIT_WITH_PARENT': '1'}    # what the launch file sets
    with RosContext():
        log = open(tmp_path / f'{name}.log', 'wb')
        parent = subprocess.Popen([sys.executable, '-c', PARENT, str(executable(name)), *args],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                  env=env)
        pid = int(parent.stdout.readline())
        try:
            text = (tmp_path / f'{name}.log').read_text
            assert wait_for(lambda: READY[name] in text(errors='replace'), 90.0), text()
            parent.stdin.close()             # the parent exits; the node must follow
            parent.wait(EXIT_S)
            gone = wait_for(lambda: not process_running(pid), EXIT_S, interval=0.05)
        finally:
            if process_running(pid):
                os.kill(pid, signal.SIGKILL)
            log.close()
    assert gone, f'{name} (pid {pid}) kept running after its parent exited: {text()[-2000:]}'
    assert 'parent process exited' in text(), text()[-2000:]
    assert 'Traceback' not in text(), text()[-3000:]


class _Executor:
    """An executor whose spin_once takes a message while a signal arrives."""

    class context:
        @staticmethod
        def ok():
            return True

    def __init__(self, on_spin):
        self.on_spin, self.spins, self.shut = on_spin, 0, False

    def add_node(self, node):
        pass

    def spin_once(self, timeout_sec=None):
        self.spins += 1
        self.on_spin()

    def shutdown(self, timeout_sec=None):
        self.shut = True


class _Node:
    destroyed = False

    def destroy_node(self):
        self.destroyed = True


def test_a_signal_during_a_take_only_asks_the_spin_to_end(monkeypatch):
    # The handler must not raise: a KeyboardInterrupt raised inside rclpy's conversion of a
    # taken message came out as a RuntimeError and a traceback (Jazzy, under load).
    from pose_ros.nodes import node_main
    handlers = {}
    monkeypatch.setattr(node_main.signal, 'signal', lambda sig, h: handlers.setdefault(sig, h))
    monkeypatch.setattr(node_main.rclpy, 'try_shutdown', lambda: None)
    stopped, raised = [], []

    def signal_arrives():
        try:
            node_main._interrupt(signal.SIGINT, None)
        except BaseException:
            raised.append(True)
            raise
        raised.append(False)
    executor = _Executor(signal_arrives)
    node = _Node()
    try:
        node_main.spin(node, executor, lambda: stopped.append(True))
    finally:
        node_main._STOP.clear()
    assert raised == [False]
    assert executor.spins == 1 and stopped == [True] and executor.shut and node.destroyed
    assert handlers == {signal.SIGINT: signal.SIG_IGN, signal.SIGTERM: signal.SIG_IGN}
