# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
body_node gives its memory back on lifecycle cleanup: 60 cycles, RSS within 5 % (issue #11).

A real body_node process (the installed executable, the package's parameter file with head
pose on, started unconfigured) is driven by lifecycle service calls through 60 cycles of
configure, activate, two real frames, deactivate and cleanup, so every cycle loads the models,
runs the body model, the tracker and the face mesh graphs in the node's threads, and frees
them again. The trend of the resident memory over the cycles after a warm-up, as a robust
straight-line fit (Theil-Sen: the median of the slopes between all pairs of cycles), may add
at most 5 % over the run; before the fix it grew by about 40 % (freed models stayed in glibc's
heaps). One cycle's RSS jumps by up to 7 % either way with what the allocator happens to keep
(CI: 302, 320, 308, 330, 330, 309, 329 MB at cycles 1, 2, 5, 10, 20, 40, 60), so comparing
a few cycles at each end, even their medians, took that noise for growth; a leak is a slope.
"""

import threading
import time
from typing import Sequence

import cv2
from lifecycle_msgs.msg import State, Transition
from media_helpers import photo
import numpy as np
from pose_ros.image_codec import numpy_to_image
from pose_ros.tools.graph import NodeProcess, ros_args, share_file
from pose_ros_msgs.msg import People
import psutil
import pytest
from rclpy.qos import QoSProfile, ReliabilityPolicy
from ros_helpers import Lifecycle, RosContext, spin_in_thread, wait_for
from sensor_msgs.msg import Image

CYCLES = 60
FRAMES = 2                 # per cycle: the face graphs and the inference buffers get made
WARM_UP = 5                # cycles left out of the fit: the first ones fill the allocator's pools
MAX_GROWTH = 0.05          # fitted RSS growth over the cycles after the warm-up, of their median
RELIABLE = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)


class PeopleCounter:
    """People messages received (only their count and the last one's people)."""

    def __init__(self, node) -> None:
        self.count = 0
        self.last_people = 0
        self._lock = threading.Lock()
        node.create_subscription(People, '/people', self._on_people, RELIABLE)

    def _on_people(self, msg: People) -> None:
        with self._lock:
            self.count += 1
            self.last_people = len(msg.people)

    def seen(self):
        with self._lock:
            return self.count, self.last_people


def rss_mb(process: psutil.Process) -> float:
    return process.memory_info().rss / 2 ** 20


def fitted_growth(rss: Sequence[float]) -> float:
    """Theil-Sen slope of ``rss`` over its indices, times its span, over its median."""
    values = np.asarray(rss, float)
    i, j = np.triu_indices(len(values), k=1)
    slope = float(np.median((values[j] - values[i]) / (j - i)))
    return slope * (len(values) - 1) / float(np.median(values))


def test_fitted_growth_sees_a_leak_and_not_the_noise():
    """The measure itself: a steady leak counts in full; a bouncing plateau does not."""
    rng = np.random.default_rng(0)
    leak = 300.0 + 2.0 * np.arange(55)                       # +108 MB on 300: 36 %
    assert fitted_growth(leak) == pytest.approx(108.0 / np.median(leak))
    bounce = 300.0 + rng.choice([0.0, 10.0, 22.0, 28.0], size=55)
    assert abs(fitted_growth(bounce)) < 0.02
    assert fitted_growth(bounce + 0.6 * np.arange(55)) > MAX_GROWTH   # 0.6 MB a cycle


def test_configure_cleanup_cycles_do_not_grow_memory(tmp_path):
    bgr = cv2.resize(photo('bus.jpg'), (640, 480))
    with RosContext() as ros:
        # Reliable input: every frame published here is processed, none is dropped.
        proc = NodeProcess('body_node', ros_args(
            [share_file('config/pose_ros.yaml')],
            params={'autostart': False, 'reliable_input': True}),
            log_path=tmp_path / 'body_node.log')
        try:
            node = ros.node('test_lifecycle_memory')
            lifecycle = Lifecycle(node)
            people = PeopleCounter(node)
            images = node.create_publisher(Image, '/image', RELIABLE)
            with spin_in_thread(node):
                assert lifecycle.wait_ready(60.0), \
                    f'no lifecycle services:\n{proc.log_text()[-3000:]}'
                process = psutil.Process(proc.proc.pid)
                rss = []
                started = time.monotonic()
                for cycle in range(CYCLES):
                    where = f'cycle {cycle + 1}'
                    for name, transition in (('configure', Transition.TRANSITION_CONFIGURE),
                                             ('activate', Transition.TRANSITION_ACTIVATE)):
                        assert lifecycle.change(transition), \
                            f'{where}: {name} failed:\n{proc.log_text()[-3000:]}'
                    assert wait_for(lambda: images.get_subscription_count() > 0, 10.0), \
                        f'{where}: body_node does not subscribe to /image'
                    for frame in range(FRAMES):
                        before = people.seen()[0]
                        msg = numpy_to_image(bgr, 'bgr8')
                        msg.header.frame_id = 'camera'
                        msg.header.stamp.sec = cycle * 10 + frame
                        images.publish(msg)
                        assert wait_for(lambda: people.seen()[0] > before, 30.0), \
                            f'{where}: no People for frame {frame}:\n{proc.log_text()[-3000:]}'
                        assert people.seen()[1] >= 1, f'{where}: nobody found in bus.jpg'
                    for name, transition in (('deactivate', Transition.TRANSITION_DEACTIVATE),
                                             ('cleanup', Transition.TRANSITION_CLEANUP)):
                        assert lifecycle.change(transition), \
                            f'{where}: {name} failed:\n{proc.log_text()[-3000:]}'
                    assert lifecycle.state() == State.PRIMARY_STATE_UNCONFIGURED, where
                    rss.append(rss_mb(process))
                elapsed = time.monotonic() - started
                assert proc.alive(), f'body_node died:\n{proc.log_text()[-3000:]}'
        finally:
            code = proc.stop()
    assert code == 0, f'body_node exit code {code}:\n{proc.log_text()[-3000:]}'
    growth = fitted_growth(rss[WARM_UP:])
    report = ', '.join(f'{i}: {rss[i - 1]:.0f}' for i in sorted({1, 2, 5, 10, 20, 40, CYCLES})
                       if i <= CYCLES)
    assert growth < MAX_GROWTH, (
        f'RSS grew {growth:.1%} (fitted trend) over cycles {WARM_UP + 1}-{CYCLES} of '
        f'configure/cleanup (MB after cycle {report}; all: {[round(r) for r in rss]}; '
        f'{elapsed:.0f} s)')
