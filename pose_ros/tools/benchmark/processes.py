# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The other processes of a measurement, and this process' own ROS side.

Helper processes (subscribers, publishers) are the ``benchmark`` executable itself with a
hidden ``--role`` (:mod:`pose_ros.tools.benchmark.roles`); body_node is its own executable.
Each starts from the environment this process had before any model library changed it.
"""

import gc
from pathlib import Path
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from pose_ros.dds_profile import profile_variable, PROFILE_VARIABLES
from pose_ros.tools.benchmark.common import BASE_ENV
from pose_ros.tools.graph import NodeProcess, share_file


class Helper(NodeProcess):
    """
    A process of this package, stopped with SIGINT, with exactly the environment given.

    The environment is not merged with this process' own: MediaPipe sets OMP_NUM_THREADS=1 in
    os.environ on import, and helpers must start from BASE_ENV.
    """

    def __init__(self, name: str, args: Sequence[str], env: Dict[str, str],
                 log_path: Path) -> None:
        super().__init__(name, args, log_path=log_path, env=env, inherit_env=False,
                         cwd=Path(tempfile.gettempdir()))


def child_env(domain_id: int, transports: Optional[str] = 'inherit') -> Dict[str, str]:
    """
    Environment of a helper: BASE_ENV, our domain, and the Fast DDS transports as asked.

    :param transports: 'inherit' (as this process), None (Fast DDS' defaults), 'profile' (the
        package's config/fastdds.xml), or a FASTDDS_BUILTIN_TRANSPORTS value (no profile).
    """
    env = dict(BASE_ENV)
    env['ROS_DOMAIN_ID'] = str(domain_id)
    if transports == 'inherit':
        return env
    env.pop('FASTDDS_BUILTIN_TRANSPORTS', None)
    for variable in PROFILE_VARIABLES:
        env.pop(variable, None)
    if transports == 'profile':
        env[profile_variable(env.get('ROS_DISTRO', ''))] = str(share_file('config/fastdds.xml'))
    elif transports is not None:
        env['FASTDDS_BUILTIN_TRANSPORTS'] = transports
    return env


def wait_file(path: Path, timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    """Wait until ``path`` exists; False after ``timeout`` s or once ``alive()`` is False."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return True
        if not alive():
            return False
        time.sleep(0.05)
    return path.exists()


def read_samples(path: Path) -> np.ndarray:
    """Return the (N, 3) int64 rows 'stamp_ns receive_ns count' a subscriber wrote."""
    try:
        text = path.read_text()
    except OSError:
        return np.zeros((0, 3), np.int64)
    rows = [ln.split() for ln in text.splitlines() if ln.count(' ') == 2]
    return np.asarray(rows, np.int64).reshape(-1, 3)


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process in MiB; NaN if unknown."""
    try:
        for line in Path(f'/proc/{pid}/status').read_text().splitlines():
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float('nan')


class RosSide:
    """This process' own ROS context: a node that publishes images with fresh stamps."""

    def __init__(self, domain_id: int) -> None:
        import rclpy
        from rclpy.context import Context
        from rclpy.signals import SignalHandlerOptions
        self.domain_id = domain_id
        self.context = Context()
        rclpy.init(context=self.context, domain_id=domain_id,
                   signal_handler_options=SignalHandlerOptions.NO)
        self.node = rclpy.create_node('pose_ros_benchmark', context=self.context)

    def close(self) -> None:
        self.node.destroy_node()
        self.context.try_shutdown()
        # rclpy's node and context refer to each other: collect them here, in this process.
        # Left to a later collection, a fork (multiprocessing) could finalise them in a child,
        # where the DDS threads they belong to do not exist.
        self.node = self.context = None
        gc.collect()


def image_messages(frames: List[np.ndarray], encoding: str = 'bgr8') -> List[Any]:
    """Return sensor_msgs/Image messages of BGR ``frames``, as bgr8 or rgb8."""
    from pose_ros.image_codec import numpy_to_image
    msgs = []
    for f in frames:
        msg = numpy_to_image(f if encoding == 'bgr8' else np.ascontiguousarray(f[:, :, ::-1]),
                             encoding)
        msg.header.frame_id = 'camera_color_optical_frame'
        msgs.append(msg)
    return msgs


def publish_at(node, publisher, msgs, rate: float, seconds: float,
               on_tick: Optional[Callable[[], None]] = None) -> Tuple[int, int, int]:
    """
    Publish ``msgs`` in turn at ``rate`` for ``seconds``, each stamped with the publish time.

    :returns: (first stamp ns, last stamp ns, number published).
    """
    clock = node.get_clock()
    start = time.monotonic()
    count = 0
    first = last = 0
    while True:
        target = start + count / rate
        if target - start >= seconds:
            break
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        msg = msgs[count % len(msgs)]
        now = clock.now()
        msg.header.stamp = now.to_msg()
        publisher.publish(msg)
        last = now.nanoseconds
        first = first or last
        count += 1
        if on_tick is not None:
            on_tick()
    return first, last, count
