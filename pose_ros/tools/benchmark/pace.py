# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The summary of a run: does body_node keep the model's pace, and what INT8 buys.

Built from the raw and end-to-end sections of the same run (never from numbers of another
machine or day): per end-to-end setup, the raw model it runs (for MediaPipe body + hands +
head: the three graphs in turn), the node's output FPS at 30 FPS input as a fraction of what
the model alone could give (its throughput, calls per second = 1000 / mean ms, or the 30 FPS
input when the model is faster; the p50 would flatter a model with a long tail), its p50 at
10 FPS input over the raw p50, and its output FPS over the raw **fp32** model's FPS (the
INT8 target: >= 1.25). The raw model is called one frame at a time, as its library normally
is; a node that runs two frames at once (``onnx.streams``) is also compared with the model
run that way, with nothing else (the stricter pace). And the node's CPU time per frame.
"""

import math
from typing import Optional, Tuple

from pose_ros.tools.benchmark.common import fmt
from pose_ros.tools.benchmark.report import E2EResult, Report, Table

HEADERS = ['backend', 'setup', 'raw model', 'raw FPS (1 / mean): before / after the case',
           'node FPS at 30 FPS input', 'pace: node / min(raw, 30)',
           'node / raw at the same streams', 'node p50 at 10 FPS / raw p50',
           'node FPS / raw fp32 FPS', 'node CPU ms per frame at 30 FPS input']
PACE_TARGET = 0.90
LATENCY_TARGET = 1.10
INT8_TARGET = 1.25


def pace_table(report: Report) -> Optional[Table]:
    """Return the summary table, or None when the run measured no end-to-end case."""
    setups = list(dict.fromkeys((b, s) for b, s, _ in report.e2e))    # in measured order
    if not setups:
        return None
    table = Table("The node at the model's pace, and INT8 against fp32 (this run)", HEADERS)
    for backend, setup in setups:
        fast = report.e2e.get((backend, setup, 30.0))
        slow = report.e2e.get((backend, setup, 10.0))
        some = fast or slow
        raw_fps, raw_p50, streams_fps = _raw(report, some)
        # The INT8 model's fp32 twin: at the speed the host had for this case, by the ratio of
        # the two timed call by call in turn (the raw section).
        fp32_name = _fp32_name(backend, some.raw)
        fp32_fps = raw_fps * report.raw_fps.get(fp32_name, math.nan) / report.raw_fps.get(
            some.raw, math.nan) if fp32_name != some.raw else raw_fps
        fps = fast.fps if fast else math.nan
        cpu_ms = fast.cpu_percent * 10.0 / fps if fast else math.nan
        ref = some.reference
        timed = (f'{fmt(raw_fps)}: {fmt(ref.fps_before)} / {fmt(ref.fps_after)}'
                 if ref is not None and not math.isnan(ref.fps_after) else fmt(raw_fps))
        table.rows.append([
            backend, setup, some.raw or '– (other input size)', timed, fmt(fps),
            fmt(fps / min(raw_fps, 30.0), 2), fmt(fps / min(streams_fps, 30.0), 2),
            fmt((slow.p50 if slow else math.nan) / raw_p50, 2), fmt(fps / fp32_fps, 2),
            fmt(cpu_ms)])
    int8 = report.raw_p50.get('YOLO11n-pose INT8, ONNX Runtime')
    fp32 = report.raw_p50.get('YOLO11n-pose, ONNX Runtime')
    if int8 and fp32:
        table.notes.append(f'Raw YOLO11n-pose INT8 / fp32 time (ONNX Runtime, same run): '
                           f'{int8 / fp32:.2f} ({fmt(int8)} / {fmt(fp32)} ms p50).')
    table.notes.append(
        f'Targets (issue #17): pace >= {PACE_TARGET:.2f}; p50 at 10 FPS <= {LATENCY_TARGET:.2f} '
        f"x raw; the INT8 node >= {INT8_TARGET:.2f} x the raw fp32 model's FPS. Raw fp32: "
        "the fp32 ONNX Runtime model for yolo_onnx and the setup's own raw model otherwise; "
        '"–": not measured or no raw row at that input size. "node / raw at the same '
        'streams": over the raw row "..., N streams at once" when the node runs onnx.streams '
        'N > 1, else the same as the pace. CPU ms per frame: the CPU time of the node process '
        '(all threads) over the People it published. The raw model of each setup was timed '
        "again just before its node ran and just after (a third of the raw section's calls "
        "each; the host's speed drifts by tens of percent over minutes): the ratios use the "
        "mean of the two; the INT8 setup's fp32 FPS is that times the fp32 / INT8 ratio of the "
        'raw section (timed call by call in turn).')
    return table


def _raw(report: Report, result: E2EResult) -> Tuple[float, float, float]:
    """
    Return the raw model's FPS, p50 and FPS as the node's streams, for one case.

    Timed again just before the case where it was (:attr:`E2EResult.reference`), else the raw
    section's numbers. A node with one stream runs the model as the raw row does: the streams
    FPS is then the raw FPS.
    """
    ref = result.reference
    if ref is not None:
        return ref.fps, ref.p50, ref.streams_fps if result.raw_streams else ref.fps
    fps = report.raw_fps.get(result.raw, math.nan)
    streams = report.raw_fps.get(result.raw_streams, math.nan) if result.raw_streams else fps
    return fps, report.raw_p50.get(result.raw, math.nan), streams


def _fp32_name(backend: str, raw_name: str) -> str:
    """Return the raw fp32 row of ``raw_name``: the INT8 row's fp32 twin, else itself."""
    if backend == 'yolo_onnx' and 'INT8' in raw_name:
        return raw_name.replace(' INT8', '')
    return raw_name
