# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Replay a rosbag2 bag through rclpy publishers with its original timing (no rosbag2 needed).

The bag is read with the pure-Python ``rosbags`` library and each message's serialized CDR
bytes are published as they are (``Publisher.publish(bytes)``), so nothing is deserialized
and header stamps are the bag's own (like ``ros2 bag play`` without ``--clock``).

Messages go out at ``t0 + (record_time - first_record_time) / rate`` on the wall clock; the
replay sleeps between them and never spins the node, so it may be called with a node that
another thread's executor spins.

Every topic is published RELIABLE, KEEP_LAST 10, VOLATILE (a RELIABLE publisher reaches both
reliable and best-effort subscribers); a topic the bag recorded as TRANSIENT_LOCAL (e.g.
``/tf_static``) keeps that durability. Before the first message the replay waits until each
image topic (every topic, when none is an image) has ``wait_for_subscribers`` matched
subscriptions.

Command line: ``replay_bag BAG [--rate R] [--loop] [--remap /a:=/b ...] [--topics T ...]``.
"""

import argparse
from dataclasses import dataclass, field
import importlib
from pathlib import Path
import signal
import sys
import time
from typing import (
    Any, Callable, Dict, Iterable, List, Optional, Protocol, Sequence, Tuple, Type)

from rclpy.node import Node
from rclpy.qos import QoSDurabilityPolicy, QoSHistoryPolicy, QoSProfile, QoSReliabilityPolicy
from rosbags.interfaces import QosDurability
from rosbags.rosbag2 import Reader

IMAGE_TYPES = frozenset({'sensor_msgs/msg/Image', 'sensor_msgs/msg/CompressedImage'})
POLL_S = 0.01

OnMessage = Callable[[str, int, bytes], None]


class StopFlag(Protocol):
    """Anything with ``is_set()``, e.g. a ``threading.Event``."""

    def is_set(self) -> bool: ...


@dataclass
class ReplayStats:
    """
    What a replay published.

    :ivar counts: Messages published per (output, i.e. remapped) topic.
    :ivar wall_duration: Seconds from the first to the end of the last publish.
    :ivar max_lateness: Largest delay (s) of a publish behind its target wall time. Messages
        recorded at the same time go out one after another, so the second is late by
        the time the first took to publish (up to ~10 ms for a 640x480 image).
    :ivar mean_lateness: Mean of those delays (s).
    :ivar loops: Passes over the bag that were started.
    """

    counts: Dict[str, int] = field(default_factory=dict)
    wall_duration: float = 0.0
    max_lateness: float = 0.0
    mean_lateness: float = 0.0
    loops: int = 0

    @property
    def total(self) -> int:
        """Messages published on all topics."""
        return sum(self.counts.values())


def message_class(type_name: str) -> Type[Any]:
    """
    Return the rclpy message class of a type name like ``'sensor_msgs/msg/Image'``.

    Uses ``rosidl_runtime_py`` when it is installed, else imports ``sensor_msgs.msg.Image``.

    :raises ValueError: the name is malformed or its Python package is not installed.
    """
    try:
        from rosidl_runtime_py.utilities import get_message
    except ImportError:
        get_message = None
    if get_message is not None:
        try:
            return get_message(type_name)
        except (AttributeError, ModuleNotFoundError, ValueError) as error:
            raise ValueError(f'cannot load the message type {type_name!r}: {error}') from error
    parts = type_name.split('/')
    if len(parts) == 2:  # ROS 1 style 'pkg/Name'
        parts = [parts[0], 'msg', parts[1]]
    if len(parts) != 3 or not all(parts):
        raise ValueError(f'not a message type name: {type_name!r} (expected pkg/msg/Name)')
    package, kind, name = parts
    try:
        module = importlib.import_module(f'{package}.{kind}')
        return getattr(module, name)
    except (ImportError, AttributeError) as error:
        raise ValueError(f'cannot load the message type {type_name!r}: {error}') from error


def replay_qos(durability: QoSDurabilityPolicy = QoSDurabilityPolicy.VOLATILE) -> QoSProfile:
    """Return the replay's publisher QoS: RELIABLE, KEEP_LAST 10 (VOLATILE by default)."""
    return QoSProfile(history=QoSHistoryPolicy.KEEP_LAST, depth=10,
                      reliability=QoSReliabilityPolicy.RELIABLE, durability=durability)


def _recorded_transient_local(connection: Any) -> bool:
    profiles = getattr(connection.ext, 'offered_qos_profiles', None) or []
    return any(getattr(p, 'durability', None) == QosDurability.TRANSIENT_LOCAL for p in profiles)


def _wait_for_subscribers(publishers: Dict[str, Any], needed: int, timeout: float,
                          stop: Optional[StopFlag]) -> None:
    deadline = time.monotonic() + timeout
    for topic, publisher in publishers.items():
        while publisher.get_subscription_count() < needed:
            if stop is not None and stop.is_set():
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f'replay: {topic} has {publisher.get_subscription_count()} matched '
                    f'subscription(s) after {timeout:.1f} s, waited for {needed}; is the '
                    'subscriber running, on the same ROS_DOMAIN_ID, with a compatible QoS?')
            time.sleep(POLL_S)


def _sleep_until(target: float, stop: Optional[StopFlag]) -> None:
    while True:
        remaining = target - time.monotonic()
        if remaining <= 0 or (stop is not None and stop.is_set()):
            return
        # Wake up now and then to notice a stop request during long gaps.
        time.sleep(min(remaining, 0.1))


def replay_bag(node: Node, bag_path: Path, topics: Optional[Iterable[str]] = None,
               rate: float = 1.0, remap: Optional[Dict[str, str]] = None,
               wait_for_subscribers: int = 1, discovery_timeout: float = 10.0,
               loop: bool = False, start_offset: float = 0.0,
               on_message: Optional[OnMessage] = None,
               stop: Optional[StopFlag] = None) -> ReplayStats:
    """
    Publish a bag's messages (raw CDR bytes) with the bag's timing scaled by ``rate``.

    :param node: Node to create the publishers on (they are destroyed at the end); it need not
        be spun, and may be spun by another thread.
    :param bag_path: rosbag2 folder (mcap or sqlite3).
    :param topics: Bag topics to replay (default: all).
    :param rate: Playback speed factor (2.0: twice as fast).
    :param remap: Bag topic -> published topic.
    :param wait_for_subscribers: Matched subscriptions each image topic (Image or
        CompressedImage; every topic when none is an image) needs before the first message;
        0 to start at once.
    :param discovery_timeout: Seconds to wait for them, over all topics.
    :param loop: Start over after the last message (until ``stop`` is set or the node's
        context shuts down); the next pass starts one mean message period later.
    :param start_offset: Skip the bag's first ``start_offset`` seconds.
    :param on_message: Called after each publish with (published topic, record time ns, data).
    :param stop: A ``threading.Event`` (or anything with ``is_set()``): set it to stop early.
    :returns: A :class:`ReplayStats`.
    :raises TimeoutError: an image topic did not get its subscribers in time (names the topic).
    :raises ValueError: bad arguments, unknown topics or a message type that cannot be loaded.
    """
    if not rate > 0:
        raise ValueError(f'rate must be > 0, got {rate}')
    if start_offset < 0:
        raise ValueError(f'start_offset must be >= 0, got {start_offset}')
    remap = dict(remap or {})
    stats = ReplayStats()
    with Reader(Path(bag_path)) as reader:
        connections = list(reader.connections)
        if topics is not None:
            wanted = set(topics)
            unknown = wanted - {c.topic for c in connections}
            if unknown:
                raise ValueError(f'topics not in {bag_path}: {", ".join(sorted(unknown))}; '
                                 f'it has: {", ".join(sorted({c.topic for c in connections}))}')
            connections = [c for c in connections if c.topic in wanted]
        if not connections:
            return stats
        publishers: Dict[str, Any] = {}
        out_topic: Dict[int, str] = {}
        image_publishers: Dict[str, Any] = {}
        try:
            for conn in connections:
                name = remap.get(conn.topic, conn.topic)
                out_topic[conn.id] = name
                if name in publishers:
                    continue
                durability = (QoSDurabilityPolicy.TRANSIENT_LOCAL
                              if _recorded_transient_local(conn)
                              else QoSDurabilityPolicy.VOLATILE)
                publishers[name] = node.create_publisher(
                    message_class(conn.msgtype), name, replay_qos(durability))
                stats.counts[name] = 0
                if conn.msgtype in IMAGE_TYPES:
                    image_publishers[name] = publishers[name]
            if wait_for_subscribers > 0:
                _wait_for_subscribers(image_publishers or publishers, wait_for_subscribers,
                                      discovery_timeout, stop)
            _publish_loop(node, reader, connections, publishers, out_topic, rate, loop,
                          start_offset, on_message, stop, stats)
        finally:
            for publisher in publishers.values():
                node.destroy_publisher(publisher)
    return stats


def _publish_loop(node: Node, reader: Reader, connections: List[Any],
                  publishers: Dict[str, Any], out_topic: Dict[int, str], rate: float,
                  loop: bool, start_offset: float, on_message: Optional[OnMessage],
                  stop: Optional[StopFlag], stats: ReplayStats) -> None:
    bag_start = reader.start_time + int(round(start_offset * 1e9))
    # Loop gap: the mean period of the busiest topic (rosbags' end_time is last stamp + 1).
    per_topic = max(c.msgcount for c in connections)
    gap_ns = max(0, reader.end_time - 1 - reader.start_time) / max(1, per_topic - 1)
    wall_start: Optional[float] = None
    origin_ns = 0
    shift_ns = 0.0  # bag time added by earlier passes
    while True:
        stats.loops += 1
        first_ns: Optional[int] = None
        last_ns = bag_start
        for conn, timestamp, data in reader.messages(connections=connections, start=bag_start):
            if stop is not None and stop.is_set() or not node.context.ok():
                return
            if first_ns is None:
                first_ns = timestamp
            if wall_start is None:
                wall_start = time.monotonic()
                origin_ns = timestamp
            target = wall_start + (timestamp + shift_ns - origin_ns) / 1e9 / rate
            _sleep_until(target, stop)
            if stop is not None and stop.is_set():
                return
            lateness = time.monotonic() - target
            topic = out_topic[conn.id]
            payload = data if isinstance(data, bytes) else bytes(data)
            publishers[topic].publish(payload)
            published = stats.total
            stats.max_lateness = max(stats.max_lateness, lateness)
            stats.mean_lateness += (lateness - stats.mean_lateness) / (published + 1)
            stats.counts[topic] += 1
            stats.wall_duration = time.monotonic() - wall_start
            last_ns = timestamp
            if on_message is not None:
                on_message(topic, timestamp, payload)
        if not loop or first_ns is None:
            return
        shift_ns += (last_ns - first_ns) + gap_ns


def _parse_remap(items: Sequence[str]) -> Dict[str, str]:
    remap = {}
    for item in items:
        source, sep, target = item.partition(':=')
        if not sep or not source or not target:
            raise argparse.ArgumentTypeError(f'bad remap {item!r}: expected /from:=/to')
        remap[source] = target
    return remap


def _split_ros_args(argv: List[str]) -> Tuple[List[str], List[str]]:
    """Split ``... --ros-args ROS... [-- ...]`` into (our arguments, ROS arguments)."""
    own: List[str] = []
    ros: List[str] = []
    inside = False
    for item in argv:
        if item == '--ros-args':
            inside = True
        elif inside and item == '--':
            inside = False
            continue
        (ros if inside else own).append(item)
    return own, ros


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Replay a bag from the command line (Ctrl-C stops it)."""
    import rclpy
    from rclpy.signals import SignalHandlerOptions

    parser = argparse.ArgumentParser(
        prog='replay_bag', description='Replay a rosbag2 bag with its original timing.')
    parser.add_argument('bag', type=Path, help='rosbag2 folder (mcap or sqlite3)')
    parser.add_argument('--rate', type=float, default=1.0, help='speed factor (default 1)')
    parser.add_argument('--loop', action='store_true', help='start over at the end')
    parser.add_argument('--remap', nargs='+', action='extend', default=[], metavar='/A:=/B',
                        help='publish bag topic /A on /B')
    parser.add_argument('--topics', nargs='+', default=None, help='replay only these topics')
    parser.add_argument('--start-offset', type=float, default=0.0,
                        help='skip the first seconds of the bag')
    parser.add_argument('--wait-for-subscribers', type=int, default=0, metavar='N',
                        help='wait for N subscribers on each image topic first (default 0)')
    parser.add_argument('--discovery-timeout', type=float, default=10.0,
                        help='seconds to wait for them (default 10)')
    own_argv, ros_argv = _split_ros_args(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(own_argv)
    try:
        remap = _parse_remap(args.remap)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    if not (args.bag / 'metadata.yaml').is_file():
        parser.error(f'{args.bag} is not a rosbag2 folder (no metadata.yaml)')

    # No rclpy signal handlers: Ctrl-C (and SIGTERM) raise KeyboardInterrupt, which ends the
    # replay; the node and context are then shut down in order.
    previous_sigterm = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    rclpy.init(args=['replay_bag', *ros_argv], signal_handler_options=SignalHandlerOptions.NO)
    node = rclpy.create_node('pose_ros_replay')
    code = 0
    try:
        stats = replay_bag(node, args.bag, topics=args.topics, rate=args.rate, remap=remap,
                           wait_for_subscribers=args.wait_for_subscribers,
                           discovery_timeout=args.discovery_timeout, loop=args.loop,
                           start_offset=args.start_offset)
        counts = ', '.join(f'{t}: {n}' for t, n in stats.counts.items())
        node.get_logger().info(
            f'replayed {stats.total} messages in {stats.wall_duration:.2f} s '
            f'(max lateness {stats.max_lateness * 1e3:.1f} ms): {counts}')
    except KeyboardInterrupt:
        pass
    except (TimeoutError, ValueError) as error:
        print(f'replay_bag: {error}', file=sys.stderr)
        code = 1
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
        signal.signal(signal.SIGTERM, previous_sigterm)
    return code


if __name__ == '__main__':
    sys.exit(main())
