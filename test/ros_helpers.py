# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Small helpers for tests that talk ROS 2 in-process (rclpy, no launch_testing).

Typical use::

    with RosContext() as ros:                    # private rclpy.Context, isolated domain
        node = ros.node('listener')
        node.create_subscription(Image, '/camera/color/image_raw', got.append, 10)
        with spin_in_thread(node):               # an executor spins it in a thread
            ...                                  # publish / replay from this thread
            assert wait_for(lambda: len(got) == 18, timeout=5.0)

``RosContext`` sets ``ROS_DOMAIN_ID`` (restored on exit) so that parallel test processes
(pytest-xdist, several CI jobs on one machine, the Kilted and Jazzy runs side by side) do not
hear each other, and subprocesses started inside the ``with`` block join the same domain.
"""

from contextlib import contextmanager
import fcntl
import itertools
import os
from pathlib import Path
import tempfile
import threading
import time
from typing import Any, Callable, Dict, IO, Iterator, List, Optional, Sequence, Union

from lifecycle_msgs.msg import State, Transition
from lifecycle_msgs.srv import ChangeState, GetState
import rclpy
from rclpy.context import Context
from rclpy.executors import Executor, SingleThreadedExecutor
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions


_contexts = itertools.count()
_LOCK_DIR = Path(tempfile.gettempdir()) / 'pose_ros_test_domains'
_held: Dict[int, IO] = {}           # domain -> its lock file, open while this process uses it


def ros_domain() -> int:
    """
    Return a fresh ROS_DOMAIN_ID in 100..199 for each call (each test's graph).

    Domains 0..99 are left to people's own ROS graphs; 100..199 stay clear of Fast DDS's port
    range limit (232). Successive calls move on by one, starting from the pid, so a test never
    shares a domain with the participants (and discovery state) of the test before it, and
    parallel test processes start far apart. Each domain is reserved with a lock file
    (released by :func:`release_domain`, which ``RosContext`` calls, or when the process ends)
    so that test runs side by side on one machine never share one, even when their counters
    meet. With all 100 reserved, an unreserved one is shared rather than the test stopped.
    """
    _LOCK_DIR.mkdir(exist_ok=True)
    start = os.getpid() * 37 + next(_contexts)
    for k in range(100):
        domain = 100 + (start + k) % 100
        if domain in _held:
            continue
        lock = open(_LOCK_DIR / f'{domain}.lock', 'a')
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:                 # another test process has it
            lock.close()
            continue
        _held[domain] = lock
        return domain
    return 100 + start % 100


def release_domain(domain: int) -> None:
    """Give back a domain :func:`ros_domain` reserved (a no-op for any other)."""
    lock = _held.pop(domain, None)
    if lock is not None:
        lock.close()


class RosContext:
    """
    A private, initialised ``rclpy.Context`` on an isolated domain; shut down on exit.

    :ivar context: The ``rclpy.Context`` (pass it to nodes and executors you create).
    :ivar domain_id: Its ROS_DOMAIN_ID.
    """

    def __init__(self, domain_id: Optional[int] = None) -> None:
        self.domain_id = ros_domain() if domain_id is None else domain_id
        self.context = Context()
        self._nodes: List[Node] = []
        self._old_env: Optional[str] = None

    def __enter__(self) -> 'RosContext':
        self._old_env = os.environ.get('ROS_DOMAIN_ID')
        os.environ['ROS_DOMAIN_ID'] = str(self.domain_id)
        # No signal handlers: leave Ctrl-C to pytest.
        rclpy.init(context=self.context, domain_id=self.domain_id,
                   signal_handler_options=SignalHandlerOptions.NO)
        return self

    def node(self, name: str, **kwargs: Any) -> Node:
        """Create a node in this context; it is destroyed on exit."""
        node = Node(name, context=self.context, **kwargs)
        self._nodes.append(node)
        return node

    def __exit__(self, *exc: Any) -> None:
        for node in reversed(self._nodes):
            try:
                node.destroy_node()
            except Exception:  # best effort: already destroyed, or context gone
                pass
        self._nodes.clear()
        self.context.try_shutdown()
        if self._old_env is None:
            os.environ.pop('ROS_DOMAIN_ID', None)
        else:
            os.environ['ROS_DOMAIN_ID'] = self._old_env
        release_domain(self.domain_id)


@contextmanager
def spin_in_thread(target: Union[Node, Executor]) -> Iterator[Executor]:
    """
    Spin a node (in a new single-threaded executor) or an executor in a daemon thread.

    Yields the executor. On exit the executor is shut down and the thread joined; a node's
    executor is discarded, the node itself is left alive.
    """
    if isinstance(target, Node):
        executor: Executor = SingleThreadedExecutor(context=target.context)
        executor.add_node(target)
    else:
        executor = target
    thread = threading.Thread(target=executor.spin, name='ros-spin', daemon=True)
    thread.start()
    try:
        yield executor
    finally:
        executor.shutdown(timeout_sec=2.0)
        thread.join(timeout=2.0)


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0,
             interval: float = 0.01) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` s pass; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return bool(predicate())
        time.sleep(interval)


def publish_until(publisher: Any, msg: Any, predicate: Callable[[], bool],
                  timeout: float = 20.0, period: float = 0.5) -> bool:
    """
    Publish ``msg`` every ``period`` s until ``predicate`` holds or ``timeout`` s pass.

    For best-effort subscribers: seeing the other side's subscription does not mean it has
    matched this publisher yet, and a single message sent in between is lost on a loaded
    machine. Use it where the test is about what one such message does, not how many arrive.
    """
    deadline = time.monotonic() + timeout
    while True:
        publisher.publish(msg)
        if wait_for(predicate, min(period, max(0.0, deadline - time.monotonic()))):
            return True
        if time.monotonic() >= deadline:
            return False


class Lifecycle:
    """Blocking calls of body_node's lifecycle services."""

    def __init__(self, node, name: str = 'body_node') -> None:
        self._change = node.create_client(ChangeState, f'/{name}/change_state')
        self._get = node.create_client(GetState, f'/{name}/get_state')

    def wait_ready(self, timeout: float) -> bool:
        return (self._change.wait_for_service(timeout_sec=timeout)
                and self._get.wait_for_service(timeout_sec=timeout))

    def change(self, transition: int, timeout: float = 60.0) -> bool:
        """Trigger ``transition``; return whether the node says it succeeded."""
        request = ChangeState.Request()
        request.transition.id = transition
        return bool(self._call(self._change, request, timeout).success)

    def activate(self, proc: Any, timeout: float = 90.0) -> None:
        """Configure and activate the node of process ``proc``; fail with its log if not."""
        assert self.wait_ready(timeout), proc.log_text()
        assert self.change(Transition.TRANSITION_CONFIGURE), proc.log_text()
        assert self.change(Transition.TRANSITION_ACTIVATE), proc.log_text()
        assert self.state() == State.PRIMARY_STATE_ACTIVE, proc.log_text()

    def state(self, timeout: float = 10.0) -> int:
        """Return the id of the node's current state, a lifecycle_msgs/msg/State constant."""
        return self._call(self._get, GetState.Request(), timeout).current_state.id

    @staticmethod
    def _call(client, request, timeout: float):
        future = client.call_async(request)
        assert wait_for(future.done, timeout), f'{client.srv_name}: no answer in {timeout} s'
        return future.result()


class Collector:
    """Messages kept per name by subscription callbacks; read them with :meth:`take`."""

    def __init__(self, *names: str) -> None:
        self._lock = threading.Lock()
        self._kept: Dict[str, List[Any]] = {name: [] for name in names}

    def keep(self, name: str) -> Callable[[Any], None]:
        """Return a callback that keeps each message under ``name``."""
        def callback(msg: Any) -> None:
            with self._lock:
                self._kept[name].append(msg)
        return callback

    def take(self, name: str) -> List[Any]:
        """Return a copy of what was kept under ``name`` so far."""
        with self._lock:
            return list(self._kept[name])


def wait_for_node(node: Node, proc: Any, subscribes: Sequence[str] = (),
                  publishes: Sequence[str] = ('/people',), timeout: float = 90.0) -> None:
    """
    Wait until the node process ``proc`` is seen subscribing and publishing these topics.

    ``node`` is this process' node; seeing the other's endpoints, and this node's own publishers
    and subscriptions on those topics matched to them, means discovery is done both ways, so
    nothing published next is lost to a slow (loaded machine) discovery. Fails with
    the process' log when it died or the topics never showed.
    """
    def ready() -> bool:
        # The graph (ros_discovery_info) can show an endpoint before DDS has matched it to
        # this node's own publishers and subscriptions; a message sent in that gap is lost.
        # So this node's endpoints on those topics must be matched as well.
        return (all(node.count_subscribers(t) > 0 for t in subscribes)
                and all(node.count_publishers(t) > 0 for t in publishes)
                and all(p.get_subscription_count() > 0 for p in node.publishers
                        if p.topic_name in subscribes)
                and all(s.get_publisher_count() > 0 for s in node.subscriptions
                        if s.topic_name in publishes))
    ok = wait_for(lambda: ready() or not proc.alive(), timeout)
    assert proc.alive(), f'{proc.name} died:\n{proc.log_tail(40)}'
    assert ok, (f'{proc.name} never showed subscriptions {list(subscribes)} and publishers '
                f'{list(publishes)}:\n{proc.log_tail(40)}')


def process_running(pid: int) -> bool:
    """Return True while process ``pid`` runs; a zombie (exited, not yet reaped) has stopped."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().split(') ')[1][0] != 'Z'
    except OSError:
        return False
