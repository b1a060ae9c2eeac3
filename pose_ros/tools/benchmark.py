# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Benchmark: raw model latency, pipeline latency and throughput, DDS transport, memory soak.

One run, on the same 640x480 letterboxed real photos (the ``photos`` fixture bag), measures:

1. **raw** model latency per model, in this process: YOLO11n-pose through ultralytics
   (``predict``, torch), through ONNX Runtime (``session.run`` with its minimal numpy pre/post,
   :meth:`YoloOnnxBackend.detect`), MediaPipe pose, hands (on ``handSrc.jpg``) and face mesh
   (on a portrait), and pose + hands + face mesh one after another on the same frame;
2. **pipeline** latency in this process (``BodyPipeline.process``) per body backend;
3. **end to end** through DDS: ``body_node`` in its own process (the installed
   ``config/pose_ros.yaml``, only ``backend`` changed), images republished from this process
   with fresh header stamps at 10 and 30 FPS, and a separate subscriber process that takes
   ``receive time - header.stamp`` of every ``People`` message (both on the system clock, which
   is the ROS clock here and the same in every process): p50/p95, output FPS, frames dropped
   (published - received), CPU % (100 = one core) and peak RSS of the node process, and the
   ratio to the raw model;
4. **transport**: 640x480 rgb8 image publish -> receive latency between two processes with
   Fast DDS' default transports and with ``FASTDDS_BUILTIN_TRANSPORTS=LARGE_DATA``, and within
   one process (publisher and subscriber in one executor: rclpy has no component containers,
   so this stands in for composition);
5. with ``--soak SECONDS``: 30 FPS input for that long, RSS of the node at start and end.

Speed is measured here, never asserted in tests. Command line::

    benchmark [--quick] [--out BENCHMARKS.md] [--sections raw pipeline e2e transport]
              [--backends yolo yolo_onnx mediapipe] [--seconds S] [--soak SECONDS]

``--out`` rewrites the results block of that Markdown file (between ``<!-- BEGIN benchmark
results -->`` and ``<!-- END benchmark results -->``), keeping the rest. The helper processes
(subscribers, publishers) are this same executable with a hidden ``--role``.
"""

import argparse
from dataclasses import dataclass, field
import gc
import itertools
import json
import os
from pathlib import Path
import platform
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from pose_ros.backends.base import physical_cores
from pose_ros.tools.graph import NodeProcess

# The environment as it was before any import below could change it (ultralytics sets
# OMP_NUM_THREADS=1 in os.environ on import): helper processes start from this one.
BASE_ENV = dict(os.environ)

SECTIONS = ('raw', 'pipeline', 'e2e', 'transport')
SETUPS = ('body only', 'body only, 512 px', 'config as shipped', 'body + hands + head')
RATES = (10.0, 30.0)
IMAGE_TOPIC = '/bench/image'
PEOPLE_TOPIC = '/bench/people'
TRANSPORT_TOPIC = '/bench/transport'
BEGIN = '<!-- BEGIN benchmark results (written by `benchmark --out`) -->'
END = '<!-- END benchmark results -->'
# Which raw model row each body backend's pipeline is compared with.
RAW_OF_BACKEND = {'yolo': 'YOLO11n-pose, ultralytics torch',
                  'yolo_onnx': 'YOLO11n-pose, ONNX Runtime',
                  'mediapipe': 'MediaPipe pose (full)'}


@dataclass
class Config:
    """What to measure and for how long."""

    quick: bool = False
    sections: Sequence[str] = SECTIONS
    backends: Sequence[str] = ('yolo', 'yolo_onnx', 'mediapipe')
    frames: int = 0                 # frames of the photos bag to use (0: all 18)
    iterations: int = 60            # timed calls per raw / in-process measurement
    warmup: int = 5                 # untimed calls before them
    seconds: float = 10.0           # measured seconds per input rate (end to end)
    settle: float = 2.0             # seconds of input before measuring starts
    transport_frames: int = 150     # images per transport measurement
    soak: float = 0.0               # seconds of 30 FPS input for the soak (0: none)
    soak_backend: str = 'yolo_onnx'
    setups: Sequence[str] = SETUPS  # body_node configurations for e2e (see e2e_cases)
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


@dataclass
class Table:
    """One Markdown table of the report."""

    title: str
    headers: List[str]
    rows: List[List[str]] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    def row_names(self) -> List[str]:
        return [r[0] for r in self.rows]

    def markdown(self) -> str:
        lines = [f'### {self.title}', '', '| ' + ' | '.join(self.headers) + ' |',
                 '|' + '---|' * len(self.headers)]
        lines += ['| ' + ' | '.join(r) + ' |' for r in self.rows]
        if self.notes:
            lines += [''] + [f'- {n}' for n in self.notes]
        return '\n'.join(lines) + '\n'


@dataclass
class Report:
    """Every table of one benchmark run, with the machine it ran on."""

    machine: Dict[str, str] = field(default_factory=dict)
    tables: Dict[str, Table] = field(default_factory=dict)
    raw_p50: Dict[str, float] = field(default_factory=dict)

    def markdown(self) -> str:
        parts = ['### Machine', '', '| | |', '|---|---|']
        parts += [f'| {k} | {v} |' for k, v in self.machine.items()]
        parts.append('')
        parts += [t.markdown() for t in self.tables.values()]
        return '\n'.join(parts)


# --- small helpers ---------------------------------------------------------------------------
def pct(values: Sequence[float]) -> Tuple[float, float]:
    """Return (p50, p95) of ``values`` (NaN, NaN when empty)."""
    if len(values) == 0:
        return float('nan'), float('nan')
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def fmt(value: float, digits: int = 1) -> str:
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


def machine_description() -> Dict[str, str]:
    """CPU, memory, OS and the versions that matter, for the report."""
    from importlib import metadata
    info = {}
    model = platform.processor() or ''
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil
        physical = psutil.cpu_count(logical=False)
        memory = f'{psutil.virtual_memory().total / 2**30:.1f} GiB'
    except ImportError:  # pragma: no cover
        physical, memory = '?', '?'
    info['CPU'] = f'{model}, {os.cpu_count()} logical / {physical} physical cores'
    info['GPU'] = 'none used (CPU only)'
    info['memory'] = memory
    os_name = platform.platform()
    try:
        for line in Path('/etc/os-release').read_text().splitlines():
            if line.startswith('PRETTY_NAME='):
                os_name = line.split('=', 1)[1].strip('"') + f' ({platform.release()})'
    except OSError:
        pass
    info['OS'] = os_name
    info['Python'] = platform.python_version()
    versions = []
    for dist in ('torch', 'ultralytics-opencv-headless', 'onnxruntime', 'mediapipe',
                 'opencv-python-headless', 'numpy', 'ros-rclpy'):
        try:
            versions.append(f'{dist} {metadata.version(dist)}')
        except metadata.PackageNotFoundError:
            pass
    info['packages'] = ', '.join(versions)
    info['ROS'] = (f'{BASE_ENV.get("ROS_DISTRO", "Kilted (PyPI wheels)")}, '
                   f'{BASE_ENV.get("RMW_IMPLEMENTATION", "default RMW")}, '
                   'FASTDDS_BUILTIN_TRANSPORTS='
                   f'{BASE_ENV.get("FASTDDS_BUILTIN_TRANSPORTS", "(unset: default)")}')
    info['load average at start'] = ' '.join(f'{v:.2f}' for v in os.getloadavg())
    return info


# --- 1. raw models ---------------------------------------------------------------------------
def raw_section(cfg: Config, frames: List[np.ndarray], report: Report) -> Table:
    """Raw latency of each model in this process."""
    table = Table('Raw model latency (one process, 640x480 frames)',
                  ['model', 'p50 ms', 'p95 ms', 'FPS at p50', 'notes'])

    def add(name: str, fn: Callable[[], Tuple[List[float], str]]) -> None:
        try:
            times, note = fn()
        except Exception as e:  # noqa: B902 - a missing model is a row, not a crash
            table.rows.append([name, '–', '–', '–', f'not measured: {type(e).__name__}: {e}'])
            return
        p50, p95 = pct(times)
        report.raw_p50[name] = p50
        table.rows.append([name, fmt(p50), fmt(p95), fmt(1000.0 / p50), note])

    n = len(frames)
    add(RAW_OF_BACKEND['yolo'], lambda: _raw_ultralytics(cfg, frames))
    add('YOLO11n-pose, ultralytics torch, torch threads = cores',
        lambda: _raw_ultralytics(cfg, frames, physical_cores()))
    add(RAW_OF_BACKEND['yolo_onnx'], lambda: _raw_onnx(cfg, frames))
    rgb = [np.ascontiguousarray(f[:, :, ::-1]) for f in frames]
    add(RAW_OF_BACKEND['mediapipe'], lambda: _raw_mediapipe('pose', rgb, cfg))
    hand = letterboxed_media('handSrc.jpg')
    add('MediaPipe hands', lambda: _raw_mediapipe('hands', _need(hand, 'handSrc.jpg'), cfg))
    face = letterboxed_media('face_swapped.jpg')
    add('MediaPipe face mesh (refined, 478)',
        lambda: _raw_mediapipe('face', _need(face, 'face_swapped.jpg'), cfg))
    add('MediaPipe pose + hands + face mesh, in turn', lambda: _raw_mediapipe('all', rgb, cfg))
    table.notes.append(f'{n} frame(s) of the photos fixture, cycled; {cfg.iterations} timed '
                       f'calls after {cfg.warmup} untimed ones. MediaPipe runs in tracking mode '
                       '(static_image_mode=False), on RGB prepared beforehand; hands run on '
                       "OpenCV's handSrc.jpg, face mesh on face_swapped.jpg (each letterboxed "
                       'to 640x480); the last row runs all three on the photos frames.')
    return table


def _need(image, name):
    if image is None:
        raise FileNotFoundError(f'{name} is not installed (scripts/bootstrap.sh)')
    return [np.ascontiguousarray(image[:, :, ::-1])]


def _raw_ultralytics(cfg: Config, frames, threads: Optional[int] = None
                     ) -> Tuple[List[float], str]:
    from pose_ros.backends import resolve_model_path
    import torch
    from ultralytics import YOLO
    model = YOLO(str(resolve_model_path('yolo11n-pose.pt')), task='pose')
    kwargs = {'imgsz': 640, 'conf': 0.25, 'iou': 0.7, 'max_det': 10, 'device': 'cpu',
              'verbose': False}
    model.predict(frames[0], **kwargs)   # sets up the predictor (and torch's thread count)
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        times = timed(lambda i: model.predict(frames[i % len(frames)], **kwargs),
                      cfg.iterations, cfg.warmup)
        used = torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
    why = ('what the yolo backend gets: ultralytics sets torch to cores - 1 threads'
           if not threads else "set after ultralytics' set-up")
    return times, f'model.predict (letterbox, torch, NMS); torch threads {used}, {why}'


def _raw_onnx(cfg: Config, frames) -> Tuple[List[float], str]:
    from pose_ros.backends import create_backend
    backend = create_backend('yolo_onnx', {'tracker': 'none', 'max_people': 10})
    stages: Dict[str, List[float]] = {}

    def call(i):
        backend.detect(frames[i % len(frames)])
        for k, v in backend.last_timings_ms.items():
            stages.setdefault(k, []).append(v)
    times = timed(call, cfg.iterations, cfg.warmup)
    med = {k: np.median(v[cfg.warmup:] or v) for k, v in stages.items()}
    backend.close()
    return times, (f'session.run {fmt(med["inference"])} ms + preprocess '
                   f'{fmt(med["preprocess"], 2)} + postprocess {fmt(med["postprocess"], 2)} '
                   f'(p50); {backend.model}')


def _raw_mediapipe(which: str, rgb: List[np.ndarray], cfg: Config) -> Tuple[List[float], str]:
    import mediapipe as mp
    graphs = []
    if which in ('pose', 'all'):
        graphs.append(mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1,
                                             enable_segmentation=False))
    if which in ('hands', 'all'):
        graphs.append(mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=2,
                                               model_complexity=1))
    if which in ('face', 'all'):
        graphs.append(mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1,
                                                      refine_landmarks=True))
    found = [0]

    def call(i):
        image = rgb[i % len(rgb)]
        for graph in graphs:
            result = graph.process(image)
            found[0] += any(getattr(result, a, None) for a in (
                'pose_landmarks', 'multi_hand_landmarks', 'multi_face_landmarks'))
    times = timed(call, cfg.iterations, cfg.warmup)
    for graph in graphs:
        graph.close()
    total = (cfg.iterations + cfg.warmup) * len(graphs)
    return times, f'graph.process; found something in {found[0]}/{total} calls'


# --- 2. pipeline in one process -------------------------------------------------------------
def node_backend_options(backend: str) -> Dict[str, Any]:
    """Return the backend options body_node uses with its default parameters."""
    from pose_ros.nodes.params import backend_options, BODY_PARAMS
    values = {p.name: p.default for p in BODY_PARAMS}
    values['backend'] = backend
    return backend_options(values)


def pipeline_section(cfg: Config, frames: List[np.ndarray], report: Report) -> Table:
    """BodyPipeline.process per backend, in this process."""
    from pose_ros.backends import create_backend
    from pose_ros.pipeline import BodyPipeline
    table = Table('Pipeline in one process (BodyPipeline.process: inference, smoothing)',
                  ['backend', 'p50 ms', 'p95 ms', 'ratio to raw p50', 'notes'])
    for name in cfg.backends:
        try:
            pipeline = BodyPipeline(create_backend(name, node_backend_options(name)))
            pipeline.backend.warmup()
        except Exception as e:  # noqa: B902
            table.rows.append([name, '–', '–', '–', f'not measured: {e}'])
            continue
        t0 = time.time()
        times = timed(lambda i: pipeline.process(frames[i % len(frames)], t0 + i / 30.0),
                      cfg.iterations, cfg.warmup)
        p50, p95 = pct(times)
        raw = report.raw_p50.get(RAW_OF_BACKEND.get(name, ''), float('nan'))
        table.rows.append([name, fmt(p50), fmt(p95), fmt(p50 / raw, 2),
                           f'{pipeline.backend.model}'])
        pipeline.close()
    table.notes.append('Same backend options as body_node with config/pose_ros.yaml (tracker '
                       'on, max_people 10); ratio = pipeline p50 / raw model p50.')
    return table


# --- helper processes ------------------------------------------------------------------------
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
    """Environment of a helper: BASE_ENV, our domain, and FASTDDS_BUILTIN_TRANSPORTS as asked."""
    env = dict(BASE_ENV)
    env['ROS_DOMAIN_ID'] = str(domain_id)
    if transports is None:
        env.pop('FASTDDS_BUILTIN_TRANSPORTS', None)
    elif transports != 'inherit':
        env['FASTDDS_BUILTIN_TRANSPORTS'] = transports
    return env


def wait_file(path: Path, timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
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


# --- 3. end to end through DDS --------------------------------------------------------------
@dataclass
class RunStats:
    """One input rate through body_node."""

    rate: float
    published: int = 0
    received: int = 0
    seconds: float = 0.0
    latencies_ms: List[float] = field(default_factory=list)
    cpu_percent: float = float('nan')
    peak_rss_mb: float = float('nan')
    rss_mb: List[Tuple[float, float]] = field(default_factory=list)   # (t s, rss MiB)
    diagnostics: Dict[str, str] = field(default_factory=dict)


class NodeUnderTest:
    """body_node in its own process, a People subscriber process, and our image publisher."""

    def __init__(self, cfg: Config, case: 'Case', ros: RosSide, workdir: Path) -> None:
        from pose_ros.tools.graph import ros_args, share_file
        from rclpy.qos import QoSProfile, ReliabilityPolicy
        from sensor_msgs.msg import Image
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
        args = ros_args(params_files=[share_file('config/pose_ros.yaml')],
                        params={'backend': case.backend, **dict(case.params)},
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
            if not wait_file(ready, 30.0, self.subscriber.alive):
                raise RuntimeError(f'People subscriber not matched: '
                                   f'{self.subscriber.log_tail()}')
        except BaseException:
            # A setup that failed must not leave its processes running on the machine.
            self.close()
            raise
        import psutil
        self.process = psutil.Process(self.node.proc.pid)

    def run(self, msgs, rate: float, seconds: float, settle: float) -> RunStats:
        """Publish at ``rate``: ``settle`` s unmeasured, then ``seconds`` s measured."""
        stats = RunStats(rate)
        publish_at(self.ros.node, self.publisher, msgs, rate, settle)
        cpu0 = sum(self.process.cpu_times()[:2])
        wall0 = time.monotonic()
        last_sample = [0.0]

        def sample_rss():
            now = time.monotonic()
            if now - last_sample[0] >= 1.0:
                last_sample[0] = now
                stats.rss_mb.append((now - wall0, self.process.memory_info().rss / 2**20))
        first, last, count = publish_at(self.ros.node, self.publisher, msgs, rate, seconds,
                                        sample_rss)
        stats.cpu_percent = (sum(self.process.cpu_times()[:2]) - cpu0) / (
            time.monotonic() - wall0) * 100.0
        stats.peak_rss_mb = peak_rss_mb(self.process.pid)
        time.sleep(1.0)   # let the last frames come out
        rows = read_samples(self.samples)
        window = rows[(rows[:, 0] >= first) & (rows[:, 0] <= last)]
        stats.published = count
        stats.received = len(window)
        stats.seconds = seconds
        stats.latencies_ms = ((window[:, 1] - window[:, 0]) / 1e6).tolist()
        try:
            stats.diagnostics = json.loads(self.diag.read_text())
        except (OSError, ValueError):
            pass
        return stats

    def close(self) -> None:
        self.ros.node.destroy_publisher(self.publisher)
        self.node.stop()
        self.subscriber.stop()


@dataclass(frozen=True)
class Case:
    """One body_node configuration: a backend and parameters over config/pose_ros.yaml."""

    backend: str
    setup: str
    params: Tuple[Tuple[str, Any], ...] = ()

    @property
    def tag(self) -> str:
        return f'{self.backend}_{self.setup}'.replace(' ', '_').replace('+', 'and')


# Parameters that turn the per-person head and hand stages off / on (where declared).
BODY_ONLY = (('head.enabled', False), ('hands.enabled', False))
WITH_HANDS_HEAD = (('head.enabled', True), ('hands.enabled', True))


def e2e_cases(backends: Sequence[str], setups: Sequence[str] = SETUPS) -> List[Case]:
    """
    Return the body_node configurations to measure.

    'body only' (head and hands off: the pipeline compared with the raw body model) and
    'config as shipped' per backend; 'body only, 512 px' (yolo.image_size 512) for yolo_onnx;
    'body + hands + head' for mediapipe.
    """
    from pose_ros.nodes.params import BODY_PARAMS
    declared = {p.name for p in BODY_PARAMS}
    body_only = tuple((k, v) for k, v in BODY_ONLY if k in declared)
    cases = []
    for backend in backends:
        if 'body only' in setups and body_only:
            cases.append(Case(backend, 'body only', body_only))
        if 'body only, 512 px' in setups and body_only and backend == 'yolo_onnx':
            cases.append(Case(backend, 'body only, 512 px',
                              body_only + (('yolo.image_size', 512),)))
        if 'config as shipped' in setups:
            cases.append(Case(backend, 'config as shipped'))
    if ('body + hands + head' in setups and 'mediapipe' in backends
            and all(k in declared for k, _ in WITH_HANDS_HEAD)):
        cases.append(Case('mediapipe', 'body + hands + head', WITH_HANDS_HEAD))
    return cases


def _number(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return float('nan')


def e2e_row(case: Case, s: RunStats, raw_p50: float) -> List[str]:
    p50, p95 = pct(s.latencies_ms)
    d = s.diagnostics
    stages = ', '.join(f'{k[8:-7]} {v}' for k, v in d.items()
                       if k.startswith('latency_') and k.endswith('_ms_p50')
                       and _number(v) >= 0.5)
    return [case.backend, case.setup, fmt(s.rate, 0), fmt(s.published / s.seconds),
            fmt(s.received / s.seconds), fmt(p50), fmt(p95), str(s.published - s.received),
            fmt(s.cpu_percent, 0), fmt(s.peak_rss_mb, 0), fmt(p50 / raw_p50, 2),
            f'node p50 ms: {stages}' if stages else '']


E2E_HEADERS = ['backend', 'setup', 'input FPS', 'sent FPS', 'output FPS', 'p50 ms', 'p95 ms',
               'dropped', 'node CPU %', 'node peak RSS MiB', 'p50 / raw p50', 'notes']


def e2e_section(cfg: Config, frames: List[np.ndarray], report: Report,
                workdir: Path) -> Table:
    """
    Each backend's body_node process at each input rate.

    Every case (and a retry of a failed set-up) gets a ROS domain of its own and a fresh
    publishing context, so no DDS state of an earlier case's processes can get in its way.
    """
    table = Table('End to end through DDS: image stamp -> People received by another process',
                  E2E_HEADERS)
    msgs = image_messages(frames)
    domains = itertools.cycle(range(cfg.domain_id + 1, cfg.domain_id + 21))
    for case in e2e_cases(cfg.backends, cfg.setups):
        raw = report.raw_p50.get(RAW_OF_BACKEND.get(case.backend, ''), float('nan'))
        if dict(case.params).get('yolo.image_size', 640) != 640:
            raw = float('nan')      # the raw model row is at 640: no ratio to it
        failures = []
        for _attempt in range(2):
            ros = RosSide(next(domains))
            try:
                nut = NodeUnderTest(cfg, case, ros, workdir)
            except Exception as e:  # noqa: B902 - report and go on with the next backend
                failures.append(str(e))
                ros.close()
                continue
            try:
                for rate in RATES:
                    row = e2e_row(case, nut.run(msgs, rate, cfg.seconds, cfg.settle), raw)
                    if failures:
                        row[-1] += f' (second set-up; the first failed: {failures[0][:120]})'
                    table.rows.append(row)
                    time.sleep(1.0)
                if (cfg.soak > 0 and case.backend == cfg.soak_backend
                        and case.setup == 'config as shipped'):
                    report.tables['soak'] = soak_table(cfg, run_soak(cfg, nut, msgs))
            finally:
                nut.close()
                ros.close()
            break
        else:
            table.rows.append([case.backend, case.setup] + ['–'] * (len(E2E_HEADERS) - 3)
                              + [f'not measured: {failures[-1]}'])
    table.notes += [
        f'{cfg.seconds:g} s measured per rate after {cfg.settle:g} s of warm-up input; images '
        '640x480 bgr8, best effort, stamped with the publish time (system clock); the latency '
        'is the People receive time minus that stamp, so it includes both DDS hops, decoding, '
        'inference, smoothing and message conversion.',
        'body_node runs with config/pose_ros.yaml; it makes TF, markers and the annotated '
        'image only while someone subscribes, and nothing does here (a robot without RViz); '
        'setup "body only" sets head.enabled and hands.enabled false (the pipeline to compare '
        'with the raw body model), "body only, 512 px" also yolo.image_size 512, "body + '
        'hands + head" sets both true. '
        'dropped = images sent - People received (newest frame wins in the node); CPU % is '
        'the node process over the measured seconds (100 = one core); peak RSS is its VmHWM.',
        "notes: the node's own per-stage p50 from /diagnostics at the end of the run (last "
        '100 frames; queue = waiting for the worker).']
    return table


# --- 4. transport ---------------------------------------------------------------------------
TRANSPORT_SETUPS = (
    ('2 processes, Fast DDS default transports', 2, None),
    ('2 processes, FASTDDS_BUILTIN_TRANSPORTS=LARGE_DATA', 2, 'LARGE_DATA'),
    ('1 process (composition stand-in), default transports', 1, None),
    ('1 process (composition stand-in), LARGE_DATA', 1, 'LARGE_DATA'),
)


def transport_section(cfg: Config, workdir: Path) -> Table:
    """Image publish -> receive latency per transport setup."""
    table = Table('Image transport, 640x480 rgb8 at 30 FPS (reliable, depth 10)',
                  ['setup', 'p50 ms', 'p95 ms', 'received / sent', 'notes'])
    for index, (name, processes, transports) in enumerate(TRANSPORT_SETUPS):
        env = child_env(cfg.domain_id, transports)
        out = workdir / f'transport_{index}.txt'
        ready = workdir / f'transport_{index}.ready'
        for stale in (out, ready):
            stale.unlink(missing_ok=True)
        common = ['--topic', TRANSPORT_TOPIC, '--count', str(cfg.transport_frames),
                  '--rate', '30']
        helpers = []
        try:
            if processes == 2:
                sub = Helper('benchmark', ['--role', 'image_sub', '--out', str(out),
                                           '--ready', str(ready)] + common, env,
                             workdir / f'transport_sub_{index}.log')
                helpers.append(sub)
                if not wait_file(ready, 30.0, sub.alive):
                    raise RuntimeError(f'subscriber did not start: {sub.log_tail()}')
                pub = Helper('benchmark', ['--role', 'image_pub'] + common, env,
                             workdir / f'transport_pub_{index}.log')
                helpers.append(pub)
                pub.proc.wait(60 + cfg.transport_frames / 30.0)
                time.sleep(0.5)
            else:
                loop = Helper('benchmark', ['--role', 'image_loop', '--out', str(out)] + common,
                              env, workdir / f'transport_loop_{index}.log')
                helpers.append(loop)
                loop.proc.wait(60 + cfg.transport_frames / 30.0)
            rows = read_samples(out)
            lat = (rows[:, 1] - rows[:, 0]) / 1e6
            p50, p95 = pct(lat)
            table.rows.append([name, fmt(p50, 2), fmt(p95, 2),
                               f'{len(rows)} / {cfg.transport_frames}', ''])
        except Exception as e:  # noqa: B902
            table.rows.append([name, '–', '–', '–', f'not measured: {e}'])
        finally:
            for h in helpers:
                h.stop()
    table.notes.append('rclpy has no component containers (and no intra-process '
                       'communication): one process with the publisher and the subscriber in '
                       'one executor is the closest stand-in; messages still go through the '
                       'RMW.')
    return table


# --- 5. soak --------------------------------------------------------------------------------
def run_soak(cfg: Config, nut: 'NodeUnderTest', msgs) -> RunStats:
    """30 FPS input for cfg.soak seconds (after a warm-up of up to 30 s)."""
    return nut.run(msgs, 30.0, cfg.soak, min(30.0, max(cfg.settle, cfg.soak / 20)))


def soak_section(cfg: Config, frames: List[np.ndarray], workdir: Path, ros: RosSide) -> Table:
    """Soak in a body_node process of its own (when the e2e section did not run it)."""
    nut = NodeUnderTest(cfg, Case(cfg.soak_backend, 'config as shipped'), ros, workdir)
    try:
        return soak_table(cfg, run_soak(cfg, nut, image_messages(frames)))
    finally:
        nut.close()


def soak_table(cfg: Config, s: RunStats) -> Table:
    """RSS of the node at the start and the end of the soak, and what came out."""
    table = Table(f'Soak: {cfg.soak_backend} at 30 FPS input for {cfg.soak:g} s',
                  ['backend', 'output FPS', 'p50 ms', 'p95 ms', 'dropped', 'RSS start MiB',
                   'RSS end MiB', 'growth %', 'node CPU %'])
    p50, p95 = pct(s.latencies_ms)
    start = s.rss_mb[0][1] if s.rss_mb else float('nan')
    end = s.rss_mb[-1][1] if s.rss_mb else float('nan')
    table.rows.append([cfg.soak_backend, fmt(s.received / s.seconds), fmt(p50), fmt(p95),
                       str(s.published - s.received), fmt(start, 0), fmt(end, 0),
                       fmt((end - start) / start * 100.0, 1), fmt(s.cpu_percent, 0)])
    table.notes.append('RSS start: the first sample after the warm-up input (at most 30 s); '
                       'RSS end: the last sample; sampled once a second.')
    return table


# --- the run ---------------------------------------------------------------------------------
def run(cfg: Config, log: Callable[[str], None] = lambda s: None,
        workdir: Optional[Path] = None) -> Report:
    """
    Measure everything ``cfg`` asks for and return the report.

    :param workdir: folder for the helper processes' logs and samples (default: a temporary
        folder, removed at the end).
    """
    report = Report(machine=machine_description())
    frames = load_frames(cfg.frames)
    log(f'{len(frames)} frames of 640x480; sections {list(cfg.sections)}')
    if 'raw' in cfg.sections or 'pipeline' in cfg.sections:
        log('raw model latency ...')
        report.tables['raw'] = raw_section(cfg, frames, report)
        log(report.tables['raw'].markdown())
    if 'pipeline' in cfg.sections:
        log('pipeline in one process ...')
        report.tables['pipeline'] = pipeline_section(cfg, frames, report)
        log(report.tables['pipeline'].markdown())
    with tempfile.TemporaryDirectory(prefix='pose_ros_benchmark_') as tmp:
        workdir = Path(workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        if 'transport' in cfg.sections:
            log('transport ...')
            report.tables['transport'] = transport_section(cfg, workdir)
            log(report.tables['transport'].markdown())
        if 'e2e' in cfg.sections:
            log('end to end through DDS ...')
            report.tables['e2e'] = e2e_section(cfg, frames, report, workdir)
            log(report.tables['e2e'].markdown())
        if cfg.soak > 0 and 'soak' not in report.tables:
            log(f'soak for {cfg.soak:g} s ...')
            ros = RosSide(cfg.domain_id)
            try:
                report.tables['soak'] = soak_section(cfg, frames, workdir, ros)
            finally:
                ros.close()
        if 'soak' in report.tables:
            report.tables['soak'] = report.tables.pop('soak')   # the last table
            log(report.tables['soak'].markdown())
    gc.collect()   # models and ROS handles of this run go now, not in some later process fork
    report.machine['load average at end'] = ' '.join(f'{v:.2f}' for v in os.getloadavg())
    report.machine['run'] = (f'{"--quick, " if cfg.quick else ""}{len(frames)} frames, '
                             f'{cfg.iterations} iterations, {cfg.seconds:g} s per rate, '
                             f'{time.strftime("%Y-%m-%d %H:%M %Z")}')
    return report


def write_results(path: Path, report: Report) -> None:
    """Replace the results block of ``path`` (appended when the file has none)."""
    block = f'{BEGIN}\n\n{report.markdown()}\n{END}'
    text = path.read_text() if path.exists() else '# Benchmarks\n\n'
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip('\n') + '\n\n' + block + '\n'
    path.write_text(text)


# --- helper roles (run as separate processes by the benchmark itself) ------------------------
def _spin_forever(executor) -> None:
    """Spin until Ctrl-C / SIGINT (a finite wait, so that the signal is noticed)."""
    while True:
        executor.spin_once(timeout_sec=0.1)


def _role_main(args) -> int:
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from rclpy.signals import SignalHandlerOptions
    rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
    node = rclpy.create_node(f'pose_ros_benchmark_{args.role}')
    clock = node.get_clock()
    reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
    out = open(args.out, 'w', buffering=1) if args.out else None
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    done = [False]

    def record(msg) -> None:
        now = clock.now().nanoseconds
        stamp = msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec
        count = len(msg.people) if hasattr(msg, 'people') else 1
        out.write(f'{stamp} {now} {count}\n')

    def mark_ready(sub) -> Callable[[], None]:
        def check() -> None:
            if args.ready and sub.get_publisher_count() > 0 and not Path(args.ready).exists():
                Path(args.ready).write_text('ready\n')
        return check

    try:
        if args.role == 'people_sub':
            from diagnostic_msgs.msg import DiagnosticArray
            from pose_ros_msgs.msg import People
            sub = node.create_subscription(People, args.topic, record, reliable)

            def on_diag(msg) -> None:
                for status in msg.status:
                    if 'pose pipeline' in status.name and args.diagnostics:
                        tmp = Path(args.diagnostics + '.tmp')
                        tmp.write_text(json.dumps({kv.key: kv.value for kv in status.values}))
                        os.replace(tmp, args.diagnostics)
            node.create_subscription(DiagnosticArray, '/diagnostics', on_diag, 10)
            node.create_timer(0.05, mark_ready(sub))
            _spin_forever(executor)
        elif args.role == 'image_sub':
            from sensor_msgs.msg import Image
            node.create_subscription(Image, args.topic, record, reliable)
            Path(args.ready).write_text('ready\n')   # the publisher starts after this
            _spin_forever(executor)
        elif args.role in ('image_pub', 'image_loop'):
            from sensor_msgs.msg import Image
            frames = [np.ascontiguousarray(f[:, :, ::-1]) for f in load_frames(2)]
            msgs = image_messages(frames, 'rgb8')
            pub = node.create_publisher(Image, args.topic, reliable)
            if args.role == 'image_loop':
                node.create_subscription(Image, args.topic, record, reliable)
            deadline = time.monotonic() + 30.0
            while pub.get_subscription_count() < 1 and time.monotonic() < deadline:
                executor.spin_once(timeout_sec=0.05)
            sent = [0]

            def tick() -> None:
                if sent[0] >= args.count:
                    done[0] = True
                    return
                msg = msgs[sent[0] % len(msgs)]
                msg.header.stamp = clock.now().to_msg()
                pub.publish(msg)
                sent[0] += 1
            node.create_timer(1.0 / args.rate, tick)
            while not done[0]:
                executor.spin_once(timeout_sec=0.1)
            end = time.monotonic() + 1.0    # deliver what is still in flight
            while time.monotonic() < end:
                executor.spin_once(timeout_sec=0.05)
    except KeyboardInterrupt:
        pass
    finally:
        if out is not None:
            out.close()
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown()
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog='benchmark', description='Latency, throughput and overhead of pose_ros against '
        'the raw models (see BENCHMARKS.md).')
    parser.add_argument('--quick', action='store_true',
                        help='2 frames, a few iterations, 2 s per rate: checks that it runs')
    parser.add_argument('--out', type=Path, default=None,
                        help='Markdown file whose results block to rewrite (BENCHMARKS.md)')
    parser.add_argument('--sections', nargs='+', choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument('--backends', nargs='+', default=None,
                        help='body backends for pipeline/e2e (default: yolo yolo_onnx '
                        'mediapipe)')
    parser.add_argument('--seconds', type=float, default=None,
                        help='measured seconds per input rate (default 10, quick 2)')
    parser.add_argument('--iterations', type=int, default=None,
                        help='timed calls per raw/pipeline measurement (default 60, quick 3)')
    parser.add_argument('--soak', type=float, default=0.0, metavar='SECONDS',
                        help='also run 30 FPS input for SECONDS and report RSS growth')
    parser.add_argument('--soak-backend', default='yolo_onnx')
    parser.add_argument('--setups', nargs='+', choices=SETUPS, default=None,
                        help='body_node configurations end to end (default: all; quick: '
                        'config as shipped)')
    parser.add_argument('--workdir', type=Path, default=None,
                        help="keep the helper processes' logs and samples in this folder")
    parser.add_argument('--domain-id', type=int, default=None,
                        help='first ROS_DOMAIN_ID of the benchmark graphs (default 200 + pid '
                        '%% 10; each end-to-end case takes the next ones)')
    # Hidden: the helper processes.
    parser.add_argument('--role', choices=('people_sub', 'image_sub', 'image_pub',
                                           'image_loop'), help=argparse.SUPPRESS)
    parser.add_argument('--topic', help=argparse.SUPPRESS)
    parser.add_argument('--ready', help=argparse.SUPPRESS)
    parser.add_argument('--diagnostics', help=argparse.SUPPRESS)
    parser.add_argument('--count', type=int, default=100, help=argparse.SUPPRESS)
    parser.add_argument('--rate', type=float, default=30.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role:
        args.out = str(args.out) if args.out else None
        return _role_main(args)

    changes = {'sections': args.sections, 'soak': args.soak, 'soak_backend': args.soak_backend}
    for name in ('backends', 'seconds', 'iterations', 'setups'):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    if args.domain_id is not None:
        changes['domain_id'] = args.domain_id
    cfg = Config.quick_config(**changes) if args.quick else Config(**changes)

    start = time.monotonic()

    def log(text: str) -> None:
        print(f'[benchmark {time.monotonic() - start:6.1f} s] {text}', file=sys.stderr,
              flush=True)
    report = run(cfg, log, args.workdir)
    print(report.markdown())
    if args.out is not None:
        write_results(args.out, report)
        log(f'results written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
