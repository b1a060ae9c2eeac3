# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The ``main()`` of every pose_ros node: start, spin, and stop cleanly on Ctrl-C or SIGTERM.

rclpy's own signal handler shuts the context down as soon as the signal arrives, before the
node can say anything: a node that commands hardware could then not send its last, safe
command. So the handlers here only ask the spin loop to end (a flag it checks at least every
0.2 s); the node's ``shut_down()`` runs while the context is still valid, and a second signal
during clean-up is ignored rather than ending it with a traceback.

Under ``ros2 launch`` (``POSE_ROS_EXIT_WITH_PARENT=1``, set by the launch file) a node also
stops when launch itself ends: a SIGTERM to launch, or a launch that fails after starting
nodes, used to leave them running with PPID 1. And the native libraries' informational lines
stay out of the log unless the node logs at debug level (:mod:`pose_ros.native_log`).
"""

import ctypes
import os
import signal
import threading
from typing import Callable, Mapping, Optional, Sequence, Type

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from pose_ros.config import Section
from pose_ros.native_log import NativeLogFilter
from pose_ros.nodes.params import start_failure
import rclpy
from rclpy.executors import Executor, ExternalShutdownException
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions


_WAKE_S = 0.2       # seconds between checks for a signal while idle
_PR_SET_PDEATHSIG = 1
_PARENT_PID = os.getppid()


# Set by SIGINT/SIGTERM; the spin loop checks it. Raising KeyboardInterrupt from the handler
# instead could land inside rclpy's conversion of a taken message, which turns it into a
# RuntimeError ("Unable to convert call argument '0' to Python object"): seen on Jazzy under
# load as a traceback and exit code 1 after Ctrl-C.
_STOP = threading.Event()


def _interrupt(signum, frame) -> None:
    _STOP.set()


def init(args: Optional[Sequence[str]] = None) -> None:
    """Initialise rclpy with SIGINT and SIGTERM interrupting the spin (not shutting down)."""
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    if os.environ.get('POSE_ROS_EXIT_WITH_PARENT') == '1':
        _exit_with_parent()


def _exit_with_parent() -> None:
    """Have the kernel send SIGTERM when the parent (ros2 launch) ends (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        ok = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0
    except (OSError, AttributeError):
        ok = False
    if not ok:
        rclpy.logging.get_logger('pose_ros').warning(
            'cannot ask to be stopped with the parent process (prctl unavailable)')
    elif os.getppid() != _PARENT_PID:
        os.kill(os.getpid(), signal.SIGTERM)     # it ended before we asked


def parent_gone() -> bool:
    """Return True if the process that started this one has ended."""
    return os.getppid() != _PARENT_PID


def quiet_native_logs(name: str) -> Optional[NativeLogFilter]:
    """Filter native-library noise from stderr unless ``name`` logs at debug level."""
    level = rclpy.logging.get_logger(name).get_effective_level()
    if level <= rclpy.logging.LoggingSeverity.DEBUG:
        return None
    return NativeLogFilter().start()


def fail_start(name: str, reason: str) -> None:
    """Log why ``name`` cannot start (one FATAL line, no traceback) and exit with code 2."""
    rclpy.logging.get_logger(name).fatal(f'cannot start: {reason}')
    rclpy.try_shutdown()
    raise SystemExit(2)


def run(make_node: Callable[[], Node], name: str, config_class: Type[Section],
        executor: Executor) -> None:
    """
    Start a node, spin it, stop it cleanly: the whole ``main()`` after :func:`init`.

    A bad configuration is one FATAL line and exit code 2, before the node does anything. The
    node's ``shut_down()`` runs before it is destroyed, while it may still publish.
    """
    native = quiet_native_logs(name)
    try:
        try:
            node = make_node()
        except Exception as e:  # noqa: B902 - any start failure is one FATAL line and exit 2
            fail_start(name, start_failure(e, config_class))
        spin(node, executor, node.shut_down)
    finally:
        if native is not None:
            native.stop()


# How long a problem keeps a node's /diagnostics at WARN (ERROR for a fault) after it was seen.
DIAG_HOLD_S = 5.0


def diagnostics(node: Node, status: DiagnosticStatus) -> DiagnosticArray:
    """Return ``status`` as a /diagnostics message stamped with the node's clock."""
    array = DiagnosticArray(status=[status])
    array.header.stamp = node.get_clock().now().to_msg()
    return array


def values_status(node: Node, what: str, values: Mapping[str, str],
                  problem: Optional[str]) -> DiagnosticArray:
    """
    Return a /diagnostics message of one status: ``values``, WARN with ``problem`` or OK.

    :param what: the status name after the node's (e.g. 'activity').
    :param problem: a recent problem to warn about, or None.
    """
    status = DiagnosticStatus(name=f'{node.get_name()}: {what}',
                              hardware_id=node.get_fully_qualified_name())
    status.values = [KeyValue(key=k, value=v) for k, v in values.items()]
    if problem:
        status.level, status.message = DiagnosticStatus.WARN, problem
    else:
        status.level, status.message = DiagnosticStatus.OK, 'ok'
    return diagnostics(node, status)


def spin(node: Node, executor: Executor,
         shut_down: Optional[Callable[[], None]] = None) -> None:
    """Spin ``node`` until a signal or an external shutdown, then clean up exactly once."""
    executor.add_node(node)
    try:
        # Wake up a few times a second: a signal's Python handler runs only between
        # bytecodes, never while the executor waits in rcl for work that may not come.
        while executor.context.ok() and not _STOP.is_set():
            executor.spin_once(timeout_sec=_WAKE_S)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if parent_gone():
            node.get_logger().warning('parent process exited (ros2 launch ended): stopping')
        # Clean-up runs to its end: a second Ctrl-C (launch sends one per terminal) waits.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if shut_down is not None:
            shut_down()
        executor.shutdown(timeout_sec=2.0)
        node.destroy_node()
        rclpy.try_shutdown()
