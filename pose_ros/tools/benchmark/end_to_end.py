# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Section 3, end to end through DDS: image stamp -> People received by another process.

body_node runs in its own process with the run's parameter file (default the installed
config/pose_ros.yaml) and the parameters of each :class:`~.node_under_test.Case`; this process
republishes the frames with fresh header stamps at 10 and 30 FPS, and a separate subscriber
process takes ``receive time - header.stamp`` of every ``People`` message (both on the
system clock, which is the ROS clock here and the same in every process).
"""

import itertools
from pathlib import Path
import time
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
from pose_ros.backends.yolo_int8 import INT8_WEIGHTS
from pose_ros.tools.benchmark.common import (BODY_ONLY, Config, fmt, pct, RATES, SETUPS,
                                             WITH_HANDS_HEAD)
from pose_ros.tools.benchmark.node_under_test import Case, NodeUnderTest, RunStats
from pose_ros.tools.benchmark.processes import image_messages, RosSide
from pose_ros.tools.benchmark.raw_models import (RAW_ALL_MEDIAPIPE, raw_reference, raw_row_name,
                                                 raw_streams_name)
from pose_ros.tools.benchmark.report import E2EResult, RawReference, Report, Table
from pose_ros.tools.benchmark.soak import run_soak, soak_intervals, SOAK_SETUP, soak_table

SETUP_ATTEMPTS = 3             # set-ups of one case before it is reported as not measured
SLOW_DISCOVERY_S = 5.0         # a People subscriber match slower than this is noted

E2E_HEADERS = ['backend', 'setup', 'input FPS', 'sent FPS', 'output FPS', 'p50 ms', 'p95 ms',
               'dropped', 'node CPU %', 'other CPU %', 'node peak RSS MiB', 'p50 / raw p50',
               'notes']


def e2e_cases(backends: Sequence[str], setups: Sequence[str] = SETUPS) -> List[Case]:
    """
    Return the body_node configurations to measure.

    'body only' (head and hands off: the pipeline compared with the raw body model) and
    'config as shipped' per backend; 'body only, 1 stream' (onnx.streams 1: one frame at a
    time), 'body only, INT8' (the INT8 model of ``quantize_model``) and 'body only, 512 px'
    (yolo.image_size 512) for yolo_onnx; 'body + hands + head' for mediapipe.
    """
    cases = []
    for backend in backends:
        if 'body only' in setups:
            cases.append(Case(backend, 'body only', BODY_ONLY))
        if 'body only, 1 stream' in setups and backend == 'yolo_onnx':
            cases.append(Case(backend, 'body only, 1 stream',
                              BODY_ONLY + (('onnx.streams', 1),)))
        if 'body only, INT8' in setups and backend == 'yolo_onnx':
            cases.append(Case(backend, 'body only, INT8',
                              BODY_ONLY + (('onnx.weights', INT8_WEIGHTS),)))
        if 'body only, 512 px' in setups and backend == 'yolo_onnx':
            cases.append(Case(backend, 'body only, 512 px',
                              BODY_ONLY + (('yolo.image_size', 512),)))
        if 'config as shipped' in setups:
            cases.append(Case(backend, 'config as shipped'))
    if 'body + hands + head' in setups and 'mediapipe' in backends:
        cases.append(Case('mediapipe', 'body + hands + head', WITH_HANDS_HEAD))
    return cases


def _number(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return float('nan')


def e2e_row(case: Case, s: RunStats, raw_p50: float) -> List[str]:
    """Return the table row of one case at one input rate."""
    p50, p95 = pct(s.latencies_ms)
    d = s.diagnostics
    stages = ', '.join(f'{k[8:-7]} {v}' for k, v in d.items()
                       if k.startswith('latency_') and k.endswith('_ms_p50')
                       and _number(v) >= 0.5)
    return [case.backend, case.setup, fmt(s.rate, 0), fmt(s.published / s.seconds),
            fmt(s.received / s.seconds), fmt(p50), fmt(p95), str(s.published - s.received),
            fmt(s.cpu_percent, 0), fmt(s.others_cpu_percent, 0), fmt(s.peak_rss_mb, 0),
            fmt(p50 / raw_p50, 2),
            f'node p50 ms: {stages}' if stages else '']


def _raw_rows(cfg: Config, case: Case) -> Tuple[str, str]:
    """
    Return the raw model rows to compare ``case`` with ('': none, other settings).

    The model called one frame at a time, and the model run as the node's ``onnx.streams``.
    """
    config, base = case.config(cfg), cfg.body_config()
    if config.yolo.image_size != base.yolo.image_size:
        return '', ''            # the raw model row is at the base size: no ratio to it
    if case.setup == 'body + hands + head':
        return RAW_ALL_MEDIAPIPE, ''
    return raw_row_name(case.backend, config), raw_streams_name(config)


def _reference(cfg: Config, case: Case, raw_name: str, frames: List[np.ndarray],
               log: Callable[[str], None]) -> Optional[RawReference]:
    """Time the case's raw model again, next to the case (None: no raw row, or it failed)."""
    if not raw_name:
        return None
    try:
        return raw_reference(cfg, raw_name, case.config(cfg), frames)
    except Exception as e:  # noqa: B902 - the pace falls back on the raw section's numbers
        log(f'{case.backend}, {case.setup}: raw model not timed again ({e}); the pace uses the '
            'raw section')
        return None


def e2e_section(cfg: Config, frames: List[np.ndarray], report: Report, workdir: Path,
                log: Callable[[str], None] = lambda s: None) -> Table:
    """
    Each backend's body_node process at each input rate.

    Every case (and a retry of a failed set-up) gets a ROS domain of its own and a fresh
    publishing context, so no DDS state of an earlier case's processes can get in its way.
    A set-up that fails (on a loaded machine most often a discovery that did not complete in
    time) is tried again, up to :data:`SETUP_ATTEMPTS` times; the log and the row say so.
    """
    table = Table('End to end through DDS: image stamp -> People received by another process',
                  E2E_HEADERS)
    msgs = image_messages(frames)
    domains = itertools.cycle(range(cfg.domain_id + 1, cfg.domain_id + 21))
    for case in e2e_cases(cfg.backends, cfg.setups):
        failures = []
        try:
            raw_name, streams_name = _raw_rows(cfg, case)
            raw = report.raw_p50.get(raw_name, float('nan'))
            reference = _reference(cfg, case, raw_name, frames, log)
        except ValueError as e:           # ConfigError: this case's parameters are invalid
            failures.append(str(e))
        for attempt in range(0 if failures else SETUP_ATTEMPTS):
            ros = RosSide(next(domains))
            try:
                nut = NodeUnderTest(cfg, case, ros, workdir)
            except Exception as e:  # noqa: B902 - report and go on with the next backend
                failures.append(str(e))
                ros.close()
                more = attempt + 1 < SETUP_ATTEMPTS
                log(f'{case.backend}, {case.setup}: set-up {attempt + 1} of {SETUP_ATTEMPTS} '
                    f'failed ({str(e)[:200]}){"; trying again in a new domain" if more else ""}')
                continue
            try:
                measured = []
                for rate in RATES:
                    stats = nut.run(msgs, rate, cfg.seconds, cfg.settle)
                    measured.append((rate, stats))
                    row = e2e_row(case, stats, raw)
                    if failures:
                        row[-1] += (f' (set-up {len(failures) + 1}; the first failed: '
                                    f'{failures[0][:120]})')
                    if nut.discovery_s > SLOW_DISCOVERY_S:
                        row[-1] += (f' (the People subscriber matched after '
                                    f'{nut.discovery_s:.0f} s)')
                    table.rows.append(row)
                    time.sleep(1.0)
                # Again after the case (the node idle): the mean of the two, and the drift.
                reference = RawReference.of(
                    reference, _reference(cfg, case, raw_name, frames, log))
                for rate, stats in measured:
                    report.e2e[(case.backend, case.setup, rate)] = E2EResult(
                        stats.received / stats.seconds, pct(stats.latencies_ms)[0], raw_name,
                        streams_name, stats.cpu_percent, reference)
                if (cfg.soak > 0 and case.backend == cfg.soak_backend
                        and case.setup == SOAK_SETUP):
                    soaked = run_soak(cfg, nut, msgs)
                    report.tables['soak'] = soak_table(cfg, soaked)
                    report.tables['soak_intervals'] = soak_intervals(cfg, soaked)
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
        f'body_node runs with {cfg.params_source()}; it makes TF, markers and the annotated '
        'image only while someone subscribes, and nothing does here (a robot without RViz); '
        'setup "body only" sets head.enabled and hands.enabled false (the pipeline to compare '
        'with the raw body model), "body only, 1 stream" also onnx.streams 1 (one frame at a '
        "time; the others run the configuration's streams), "
        '"body only, 512 px" also yolo.image_size 512, "body + hands + head" sets both true. '
        'dropped = images sent - People received (newest frame wins in the node); CPU % is '
        'the node process over the measured seconds (100 = one core); other CPU %: the rest '
        'of the machine meanwhile (the image publisher, the People subscriber, DDS); peak RSS '
        'is its VmHWM.',
        "notes: the node's own per-stage p50 from /diagnostics at the end of the run (last "
        '100 frames; queue = waiting for the worker).']
    return table
