# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
body_node in a process of its own, fed with images and watched: the end-to-end and soak runs.

The node gets the parameter file of the run (``--params-file``, default the installed
config/pose_ros.yaml) and, with ``-p``, the parameters of its :class:`Case`; the benchmark
builds the same configuration in this process (:meth:`Case.config`), so that an invalid one
is refused before a process starts and the in-process sections compare like with like.
"""

from dataclasses import dataclass, field
import json
from pathlib import Path
import time
from typing import Any, Dict, List, Tuple

from pose_ros.config import BodyConfig
from pose_ros.tools.benchmark.common import Config, IMAGE_TOPIC, PEOPLE_TOPIC
from pose_ros.tools.benchmark.processes import (child_env, Helper, peak_rss_mb, publish_at,
                                                read_samples, RosSide, wait_file)
import psutil

MATCH_TIMEOUT_S = 90.0     # for the People subscriber to discover body_node's publisher


@dataclass(frozen=True)
class Case:
    """One body_node configuration: a backend and parameters over the parameter file."""

    backend: str
    setup: str
    params: Tuple[Tuple[str, Any], ...] = ()

    @property
    def tag(self) -> str:
        """Return a file-name-safe name of the case."""
        return f'{self.backend}_{self.setup}'.replace(' ', '_').replace('+', 'and')

    @property
    def changes(self) -> Dict[str, Any]:
        """Return the parameters set over the parameter file (``-p``), backend included."""
        return {'backend': self.backend, **dict(self.params)}

    def config(self, cfg: Config) -> BodyConfig:
        """Return the configuration body_node runs this case with (validated)."""
        return cfg.body_config(self.changes)


@dataclass
class RunStats:
    """One input rate through body_node."""

    rate: float
    published: int = 0
    received: int = 0
    seconds: float = 0.0
    latencies_ms: List[float] = field(default_factory=list)
    cpu_percent: float = float('nan')
    # The rest of the machine meanwhile: the image publisher (this process), the People
    # subscriber and anything else; 100 = one core.
    others_cpu_percent: float = float('nan')
    peak_rss_mb: float = float('nan')
    rss_mb: List[Tuple[float, float]] = field(default_factory=list)   # (t s, rss MiB)
    # (t s, node CPU s, whole machine's busy CPU s): who used the cores, second by second
    cpu_s: List[Tuple[float, float, float]] = field(default_factory=list)
    # (image stamp ns, People received ns) of every frame that came out in the window
    samples: List[Tuple[int, int]] = field(default_factory=list)
    start_ns: int = 0                     # the first measured image's stamp
    diagnostics: Dict[str, str] = field(default_factory=dict)


class NodeUnderTest:
    """body_node in its own process, a People subscriber process, and our image publisher."""

    def __init__(self, cfg: Config, case: Case, ros: RosSide, workdir: Path) -> None:
        from pose_ros.tools.graph import ros_args
        from rclpy.qos import QoSProfile, ReliabilityPolicy
        from sensor_msgs.msg import Image
        case.config(cfg)                  # an invalid configuration starts no process
        self.workdir = workdir
        tag = case.tag
        self.samples = workdir / f'people_{tag}.txt'
        self.diag = workdir / f'diagnostics_{tag}.json'
        ready = workdir / f'people_{tag}.ready'
        for stale in (self.samples, self.diag, ready):   # from an earlier run in --workdir
            stale.unlink(missing_ok=True)
        env = child_env(ros.domain_id)
        self.subscriber = Helper('benchmark', ['--role', 'people_sub', '--topic', PEOPLE_TOPIC,
                                               '--out', str(self.samples), '--ready',
                                               str(ready), '--diagnostics', str(self.diag)],
                                 env, workdir / f'people_sub_{tag}.log')
        args = ros_args(params_files=[cfg.node_params_file()], params=case.changes,
                        remaps={'image': IMAGE_TOPIC, 'people': PEOPLE_TOPIC})
        self.node = Helper('body_node', args, env, workdir / f'body_node_{tag}.log')
        qos = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)
        self.ros = ros
        self.publisher = ros.node.create_publisher(Image, IMAGE_TOPIC, qos)
        try:
            deadline = time.monotonic() + 180.0
            while self.publisher.get_subscription_count() < 1:
                if not self.node.alive():
                    raise RuntimeError(f'body_node exited: {self.node.log_tail()}')
                if time.monotonic() > deadline:
                    raise RuntimeError(f'body_node did not subscribe in 180 s: '
                                       f'{self.node.log_tail()}')
                time.sleep(0.05)
            # Discovery on a loaded 2-core machine can take tens of seconds: wait for it.
            started = time.monotonic()
            if not wait_file(ready, MATCH_TIMEOUT_S, self.subscriber.alive):
                raise RuntimeError(f'People subscriber not matched in {MATCH_TIMEOUT_S:g} s: '
                                   f'{self.subscriber.log_tail()}')
        except BaseException:
            # A setup that failed must not leave its processes running on the machine.
            self.close()
            raise
        self.discovery_s = time.monotonic() - started   # People subscriber to body_node
        self.process = psutil.Process(self.node.proc.pid)

    def run(self, msgs, rate: float, seconds: float, settle: float) -> RunStats:
        """Publish at ``rate``: ``settle`` s unmeasured, then ``seconds`` s measured."""
        stats = RunStats(rate)
        publish_at(self.ros.node, self.publisher, msgs, rate, settle)
        cpu0 = sum(self.process.cpu_times()[:2])
        machine0 = _busy_s()
        wall0 = time.monotonic()
        last_sample = [0.0]

        def sample_rss():
            now = time.monotonic()
            if now - last_sample[0] >= 1.0:
                last_sample[0] = now
                stats.rss_mb.append((now - wall0, self.process.memory_info().rss / 2**20))
                stats.cpu_s.append((now - wall0, sum(self.process.cpu_times()[:2]), _busy_s()))
        first, last, count = publish_at(self.ros.node, self.publisher, msgs, rate, seconds,
                                        sample_rss)
        node_s = sum(self.process.cpu_times()[:2]) - cpu0
        wall = time.monotonic() - wall0
        stats.cpu_percent = node_s / wall * 100.0
        stats.others_cpu_percent = (_busy_s() - machine0 - node_s) / wall * 100.0
        stats.peak_rss_mb = peak_rss_mb(self.process.pid)
        time.sleep(1.0)   # let the last frames come out
        rows = read_samples(self.samples)
        window = rows[(rows[:, 0] >= first) & (rows[:, 0] <= last)]
        stats.published = count
        stats.received = len(window)
        stats.seconds = seconds
        stats.latencies_ms = ((window[:, 1] - window[:, 0]) / 1e6).tolist()
        stats.samples = [(int(a), int(b)) for a, b in window[:, :2]]
        stats.start_ns = int(first)
        try:
            stats.diagnostics = json.loads(self.diag.read_text())
        except (OSError, ValueError):
            pass
        return stats

    def close(self) -> None:
        """Stop the node and the subscriber process; drop the publisher."""
        self.ros.node.destroy_publisher(self.publisher)
        self.node.stop()
        self.subscriber.stop()


def _busy_s() -> float:
    """Return the CPU seconds the whole machine has been busy (all cores, since boot)."""
    machine = psutil.cpu_times()
    return (machine.user + machine.system + machine.nice + getattr(machine, 'irq', 0.0)
            + getattr(machine, 'softirq', 0.0))
