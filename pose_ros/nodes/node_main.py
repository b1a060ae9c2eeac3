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
from typing import Callable, Optional, Sequence

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
