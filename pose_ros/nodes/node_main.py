# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The ``main()`` of every pose_ros node: start, spin, and stop cleanly on Ctrl-C or SIGTERM.

rclpy's own signal handler shuts the context down as soon as the signal arrives, before the
node can say anything: a node that commands hardware could then not send its last, safe
command. So the handlers here only interrupt the spin; the node's ``shut_down()`` runs while
the context is still valid, and a second signal during clean-up is ignored rather than
ending it with a traceback.
"""

import signal
from typing import Callable, Optional, Sequence, Type

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from pose_ros.config import Section
from pose_ros.nodes.params import start_failure
import rclpy
from rclpy.executors import Executor, ExternalShutdownException
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions


_WAKE_S = 0.2       # seconds between checks for a signal while idle


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def init(args: Optional[Sequence[str]] = None) -> None:
    """Initialise rclpy with SIGINT and SIGTERM interrupting the spin (not shutting down)."""
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)


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
    try:
        node = make_node()
    except Exception as e:  # noqa: B902 - any start failure is one FATAL line and exit 2
        fail_start(name, start_failure(e, config_class))
    spin(node, executor, node.shut_down)


def diagnostics(node: Node, status: DiagnosticStatus) -> DiagnosticArray:
    """Return ``status`` as a /diagnostics message stamped with the node's clock."""
    array = DiagnosticArray(status=[status])
    array.header.stamp = node.get_clock().now().to_msg()
    return array


def spin(node: Node, executor: Executor,
         shut_down: Optional[Callable[[], None]] = None) -> None:
    """Spin ``node`` until a signal or an external shutdown, then clean up exactly once."""
    executor.add_node(node)
    try:
        # Wake up a few times a second: a signal's Python handler runs only between
        # bytecodes, never while the executor waits in rcl for work that may not come.
        while executor.context.ok():
            executor.spin_once(timeout_sec=_WAKE_S)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        # Clean-up runs to its end: a second Ctrl-C (launch sends one per terminal) waits.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if shut_down is not None:
            shut_down()
        executor.shutdown(timeout_sec=2.0)
        node.destroy_node()
        rclpy.try_shutdown()
