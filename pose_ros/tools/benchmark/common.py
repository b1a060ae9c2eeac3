# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
What every section of the benchmark shares: its settings, the frames and the statistics.

The benchmark's own settings (:class:`Config`: what to measure, for how long) are not how
body_node is set: that is the node's configuration (:class:`~pose_ros.config.BodyConfig`),
read from the node's parameter file (``--params-file``) by :meth:`Config.body_config`, so
that the measurements in this process and the body_node processes use the same settings.
"""

from dataclasses import dataclass, field
import os
from pathlib import Path
import time
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from pose_ros.config import BACKENDS, BodyConfig, load_params_file, replace

# The environment as it was before any import could change it (ultralytics and MediaPipe set
# OMP_NUM_THREADS=1 in os.environ on import, and they are imported only inside functions):
# helper processes start from this one.
BASE_ENV = dict(os.environ)

SECTIONS = ('raw', 'pipeline', 'stages', 'e2e', 'transport')
SETUPS = ('body only', 'body only, 1 stream', 'body only, INT8', 'body only, 512 px',
          'config as shipped', 'body + hands + head')
RATES = (10.0, 30.0)
IMAGE_TOPIC = '/bench/image'
PEOPLE_TOPIC = '/bench/people'
TRANSPORT_TOPIC = '/bench/transport'
NODE_NAME = 'body_node'           # whose part of a parameter file applies
# Parameters that turn the per-person head and hand stages off / on.
BODY_ONLY = (('head.enabled', False), ('hands.enabled', False))
WITH_HANDS_HEAD = (('head.enabled', True), ('hands.enabled', True))


@dataclass
class Config:
    """What to measure and for how long (body_node's own settings: :meth:`body_config`)."""

    quick: bool = False
    sections: Sequence[str] = SECTIONS
    backends: Sequence[str] = BACKENDS
    frames: int = 0                 # frames of the photos bag to use (0: all 18)
    iterations: int = 60            # timed calls per raw / in-process measurement
    warmup: int = 5                 # untimed calls before them
    seconds: float = 10.0           # measured seconds per input rate (end to end)
    settle: float = 2.0             # seconds of input before measuring starts
    transport_frames: int = 150     # images per transport measurement
    soak: float = 0.0               # seconds of 30 FPS input for the soak (0: none)
    soak_backend: str = 'yolo_onnx'
    setups: Sequence[str] = SETUPS  # body_node configurations for e2e (see e2e_cases)
    # body_node's ROS parameter file, for the node processes and the models in this process
    # alike; None: the installed config/pose_ros.yaml, whose values are BodyConfig's defaults.
    params_file: Optional[Path] = None
    # 200..229: clear of people's graphs (0..99) and of the tests' graphs (100..199), and
    # under Fast DDS's port limit (232); end-to-end cases take the next 20 domains.
    domain_id: int = field(default_factory=lambda: 200 + os.getpid() % 10)

    @classmethod
    def quick_config(cls, **changes) -> 'Config':
        """Return a short run (2 frames, a few iterations, seconds per rate) for smoke tests."""
        values = {'quick': True, 'frames': 2, 'iterations': 3, 'warmup': 1, 'seconds': 2.0,
                  'settle': 1.0, 'transport_frames': 20, 'setups': ('config as shipped',)}
        values.update(changes)
        return cls(**values)

    def body_config(self, changes: Optional[Mapping[str, Any]] = None) -> BodyConfig:
        """
        Return body_node's configuration from :attr:`params_file`, with ``changes`` applied.

        ``changes`` are dotted parameter names, as ``-p`` gives them to the node processes.

        :raises ConfigError: an invalid or unknown parameter (the message names it).
        """
        base = (load_params_file(self.params_file, BodyConfig, NODE_NAME)
                if self.params_file is not None else BodyConfig())
        return replace(base, changes) if changes else base

    def params_source(self) -> str:
        """Say where body_node's configuration comes from, for the report."""
        return ('config/pose_ros.yaml' if self.params_file is None
                else f'--params-file {self.params_file}')

    def node_params_file(self) -> Path:
        """Return the parameter file the body_node processes get (absolute)."""
        if self.params_file is not None:
            return Path(self.params_file).resolve()
        from pose_ros.tools.graph import share_file
        return share_file('config/pose_ros.yaml')


# --- small helpers ---------------------------------------------------------------------------
def pct(values: Sequence[float]) -> Tuple[float, float]:
    """Return (p50, p95) of ``values`` (NaN, NaN when empty)."""
    if len(values) == 0:
        return float('nan'), float('nan')
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def fmt(value: float, digits: int = 1) -> str:
    """Format a number for a table cell; an unknown one (None, NaN) as a dash."""
    return '–' if value is None or not np.isfinite(value) else f'{value:.{digits}f}'


def timed(fn: Callable[[int], Any], iterations: int, warmup: int) -> List[float]:
    """Call ``fn(i)`` ``warmup`` times, then ``iterations`` times; return the latter in ms."""
    for i in range(warmup):
        fn(i)
    out = []
    for i in range(iterations):
        t0 = time.perf_counter()
        fn(warmup + i)
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def timed_interleaved(fns: Sequence[Callable[[int], Any]], iterations: int, warmup: int
                      ) -> List[List[float]]:
    """
    Time several callables call by call in turn (a, b, a, b, ...); return each one's ms.

    Their ratio then holds on a host whose speed drifts: timed one after the other, two
    ONNX models 0.72 x apart once measured the other way round.
    """
    out: List[List[float]] = [[] for _ in fns]
    for i in range(warmup + iterations):
        for fn, times in zip(fns, out):
            t0 = time.perf_counter()
            fn(i)
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1e3)
    return out


def load_frames(count: int = 0) -> List[np.ndarray]:
    """
    Return the BGR 640x480 frames of the ``photos`` fixture bag (built if needed).

    :param count: 0 for all 18 (6 photos x 3); else that many, one per photo first.
    """
    from pose_ros.tools.build_fixtures import ensure_fixtures, IMAGE_TOPIC as BAG_TOPIC, typestore
    from rosbags.rosbag2 import Reader
    bag = ensure_fixtures(only=['photos'])['photos']
    store = typestore()
    frames = []
    with Reader(bag) as reader:
        connections = [c for c in reader.connections if c.topic == BAG_TOPIC]
        for conn, _, data in reader.messages(connections=connections):
            msg = store.deserialize_cdr(data, conn.msgtype)
            rows = np.asarray(msg.data, np.uint8).reshape(msg.height, msg.step)
            frames.append(np.ascontiguousarray(
                rows[:, :msg.width * 3].reshape(msg.height, msg.width, 3)))
    if count:
        distinct = frames[::3] + [f for i, f in enumerate(frames) if i % 3]
        frames = distinct[:count]
    return frames


def letterboxed_media(name: str, size=(640, 480)) -> Optional[np.ndarray]:
    """Return a media file letterboxed to ``size`` (BGR), or None if it is not installed."""
    import cv2
    from pose_ros.media import find_media, MediaMissing
    from pose_ros.tools.build_fixtures import letterbox
    try:
        image = cv2.imread(str(find_media(name)))
    except MediaMissing:
        return None
    return None if image is None else letterbox(image, size)[0]
