# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Benchmark: raw model latency, pipeline latency and throughput, DDS transport, memory soak.

One run, on the same 640x480 letterboxed real photos (the ``photos`` fixture bag), measures:

1. **raw** model latency per model, in this process (:mod:`.raw_models`): YOLO11n-pose
   through ultralytics (``predict``, torch), through ONNX Runtime (``session.run`` with its
   minimal numpy pre/post, :meth:`YoloOnnxBackend.detect`), MediaPipe pose, hands (on
   ``handSrc.jpg``) and face mesh (on a portrait), and pose + hands + face mesh one after
   another on the same frame;
2. **pipeline** latency in this process (``BodyPipeline.process``) per body backend
   (:mod:`.in_process`);
3. **end to end** through DDS (:mod:`.end_to_end`): ``body_node`` in its own process (the
   parameter file, only ``backend`` and the setup's parameters changed), images republished
   from this process with fresh header stamps at 10 and 30 FPS, and a separate subscriber
   process that takes ``receive time - header.stamp`` of every ``People`` message (both on
   the system clock, which is the ROS clock here and the same in every process): p50/p95,
   output FPS, frames dropped (published - received), CPU % (100 = one core) and peak RSS of
   the node process, and the ratio to the raw model;
4. **transport** (:mod:`.transport`): 640x480 rgb8 image publish -> receive latency between
   two processes with Fast DDS' default transports and with
   ``FASTDDS_BUILTIN_TRANSPORTS=LARGE_DATA``, and within one process (publisher and
   subscriber in one executor: rclpy has no component containers, so this stands in for
   composition);
5. with ``--soak SECONDS`` (:mod:`.soak`): 30 FPS input for that long, RSS of the node at
   start and end.

Every model, backend and pipeline is set by one configuration: body_node's parameter file
(``--params-file``, the node's YAML; default the installed config/pose_ros.yaml, i.e.
:class:`~pose_ros.config.BodyConfig`'s defaults). The body_node processes get that file, and
the measurements in this process build the same :class:`~pose_ros.config.BodyConfig` from it
(backends with :func:`~pose_ros.backends.create_backend`, pipelines with
:func:`~pose_ros.pipeline.build_pipeline`, as body_node does).

Speed is measured here, never asserted in tests. Command line::

    benchmark [--quick] [--out BENCHMARKS.md] [--params-file FILE]
              [--sections raw pipeline stages e2e transport] [--backends yolo yolo_onnx mediapipe]
              [--seconds S] [--soak SECONDS]

``--out`` rewrites the results block of that Markdown file (between ``<!-- BEGIN benchmark
results -->`` and ``<!-- END benchmark results -->``), keeping the rest (:mod:`.report`). The
helper processes (subscribers, publishers) are this same executable with a hidden ``--role``
(:mod:`.roles`).
"""

import argparse
import gc
import os
from pathlib import Path
import sys
import tempfile
import time
from typing import Callable, Optional, Sequence

from pose_ros.tools.benchmark.common import (BASE_ENV, Config, load_frames, SECTIONS,
                                             SETUPS)
from pose_ros.tools.benchmark.end_to_end import e2e_cases, E2E_HEADERS, e2e_section
from pose_ros.tools.benchmark.in_process import pipeline_section, stage_section
from pose_ros.tools.benchmark.pace import pace_table
from pose_ros.tools.benchmark.processes import RosSide
from pose_ros.tools.benchmark.raw_models import raw_section
from pose_ros.tools.benchmark.report import (BEGIN, END, machine_description, Report, Table,
                                             write_results)
from pose_ros.tools.benchmark.roles import role_main, ROLES
from pose_ros.tools.benchmark.soak import soak_section
from pose_ros.tools.benchmark.transport import transport_section, TRANSPORT_SETUPS

__all__ = ['BASE_ENV', 'BEGIN', 'Config', 'E2E_HEADERS', 'END', 'Report', 'SECTIONS', 'SETUPS',
           'Table', 'TRANSPORT_SETUPS', 'e2e_cases', 'load_frames', 'main', 'run',
           'write_results']


def run(cfg: Config, log: Callable[[str], None] = lambda s: None,
        workdir: Optional[Path] = None) -> Report:
    """
    Measure everything ``cfg`` asks for and return the report.

    :param workdir: folder for the helper processes' logs and samples (default: a temporary
        folder, removed at the end).
    :raises ConfigError: body_node's configuration (``cfg.params_file``) is invalid.
    """
    cfg.body_config()                 # an invalid parameter file stops the run before it starts
    report = Report(machine=machine_description())
    frames = load_frames(cfg.frames)
    log(f'{len(frames)} frames of 640x480; sections {list(cfg.sections)}; body_node '
        f'configuration: {cfg.params_source()}')
    if 'raw' in cfg.sections or 'pipeline' in cfg.sections:
        log('raw model latency ...')
        report.tables['raw'] = raw_section(cfg, frames, report)
        log(report.tables['raw'].markdown())
    if 'pipeline' in cfg.sections:
        log('pipeline in one process ...')
        report.tables['pipeline'] = pipeline_section(cfg, frames, report)
        log(report.tables['pipeline'].markdown())
    if 'stages' in cfg.sections:
        log('optional stages in one process ...')
        report.tables['stages'] = stage_section(cfg, frames)
        log(report.tables['stages'].markdown())
    with tempfile.TemporaryDirectory(prefix='pose_ros_benchmark_') as tmp:
        workdir = Path(workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        if 'transport' in cfg.sections:
            log('transport ...')
            report.tables['transport'] = transport_section(cfg, workdir)
            log(report.tables['transport'].markdown())
        if 'e2e' in cfg.sections:
            log('end to end through DDS ...')
            report.tables['e2e'] = e2e_section(cfg, frames, report, workdir, log)
            log(report.tables['e2e'].markdown())
            pace = pace_table(report)
            if pace is not None:
                report.tables['pace'] = pace
                log(pace.markdown())
        if cfg.soak > 0 and 'soak' not in report.tables:
            log(f'soak for {cfg.soak:g} s ...')
            ros = RosSide(cfg.domain_id)
            try:
                report.tables['soak'], report.tables['soak_intervals'] = soak_section(
                    cfg, frames, workdir, ros)
            finally:
                ros.close()
        for key in ('soak', 'soak_intervals'):                  # the last tables
            if key in report.tables:
                report.tables[key] = report.tables.pop(key)
                log(report.tables[key].markdown())
    gc.collect()   # models and ROS handles of this run go now, not in some later process fork
    report.machine['load average at end'] = ' '.join(f'{v:.2f}' for v in os.getloadavg())
    report.machine['run'] = (f'{"--quick, " if cfg.quick else ""}{len(frames)} frames, '
                             f'{cfg.iterations} iterations, {cfg.seconds:g} s per rate, '
                             f'{cfg.params_source()}, '
                             f'{time.strftime("%Y-%m-%d %H:%M %Z")}')
    return report


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the benchmark (or, with the hidden ``--role``, one of its helper processes)."""
    from pose_ros.config import BACKENDS
    parser = argparse.ArgumentParser(
        prog='benchmark', description='Latency, throughput and overhead of pose_ros against '
        'the raw models (see BENCHMARKS.md).')
    parser.add_argument('--quick', action='store_true',
                        help='2 frames, a few iterations, 2 s per rate: checks that it runs')
    parser.add_argument('--out', type=Path, default=None,
                        help='Markdown file whose results block to rewrite (BENCHMARKS.md)')
    parser.add_argument('--params-file', type=Path, default=None,
                        help="body_node's ROS parameter file (its /**/body_node section), for "
                        'the node processes and the models in this process alike (default: '
                        'the installed config/pose_ros.yaml, which holds the defaults)')
    parser.add_argument('--sections', nargs='+', choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument('--backends', nargs='+', choices=BACKENDS, default=None,
                        help='body backends for pipeline/e2e (default: '
                        f'{" ".join(BACKENDS)})')
    parser.add_argument('--seconds', type=float, default=None,
                        help='measured seconds per input rate (default 10, quick 2)')
    parser.add_argument('--iterations', type=int, default=None,
                        help='timed calls per raw/pipeline measurement (default 60, quick 3)')
    parser.add_argument('--soak', type=float, default=0.0, metavar='SECONDS',
                        help='also run 30 FPS input for SECONDS and report RSS growth')
    parser.add_argument('--soak-backend', choices=BACKENDS, default='yolo_onnx')
    parser.add_argument('--setups', nargs='+', choices=SETUPS, default=None,
                        help='body_node configurations end to end (default: all; quick: '
                        'config as shipped)')
    parser.add_argument('--workdir', type=Path, default=None,
                        help="keep the helper processes' logs and samples in this folder")
    parser.add_argument('--domain-id', type=int, default=None,
                        help='first ROS_DOMAIN_ID of the benchmark graphs (default 200 + pid '
                        '%% 10; each end-to-end case takes the next ones)')
    # Hidden: the helper processes.
    parser.add_argument('--role', choices=ROLES, help=argparse.SUPPRESS)
    parser.add_argument('--topic', help=argparse.SUPPRESS)
    parser.add_argument('--ready', help=argparse.SUPPRESS)
    parser.add_argument('--diagnostics', help=argparse.SUPPRESS)
    parser.add_argument('--count', type=int, default=100, help=argparse.SUPPRESS)
    parser.add_argument('--rate', type=float, default=30.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role:
        args.out = str(args.out) if args.out else None
        return role_main(args)

    changes = {'sections': args.sections, 'soak': args.soak, 'soak_backend': args.soak_backend}
    for name in ('backends', 'seconds', 'iterations', 'setups'):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    if args.domain_id is not None:
        changes['domain_id'] = args.domain_id
    if args.params_file is not None:
        changes['params_file'] = args.params_file.resolve()
    cfg = Config.quick_config(**changes) if args.quick else Config(**changes)
    import yaml
    try:
        cfg.body_config()
    except (ValueError, OSError, yaml.YAMLError) as e:   # ConfigError is a ValueError
        print(f'benchmark: {e}', file=sys.stderr)
        return 2

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
