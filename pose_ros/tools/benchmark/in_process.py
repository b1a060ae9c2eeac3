# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Section 2, pipeline: ``BodyPipeline.process`` per body backend, in this process.

Each pipeline is the one body_node runs: :func:`~pose_ros.pipeline.build_pipeline` of body_node's
configuration with ``backend`` set and head and hands off (``BODY_ONLY``: the pipeline to
compare with the raw body model).
"""

import time
from typing import List

import numpy as np
from pose_ros.tools.benchmark.common import BODY_ONLY, Config, fmt, pct, timed
from pose_ros.tools.benchmark.raw_models import raw_row_name
from pose_ros.tools.benchmark.report import Report, Table


def pipeline_section(cfg: Config, frames: List[np.ndarray], report: Report) -> Table:
    """BodyPipeline.process per backend, in this process."""
    from pose_ros.pipeline import build_pipeline, Frame
    table = Table('Pipeline in one process (BodyPipeline.process: inference, smoothing)',
                  ['backend', 'p50 ms', 'p95 ms', 'ratio to raw p50', 'notes'])
    for name in cfg.backends:
        try:
            # process() runs one frame at a time: one ONNX session on every core, as the raw
            # row (the node's two streams, one thread each, pay off only for frames at once).
            config = cfg.body_config({'backend': name, **dict(BODY_ONLY), 'onnx.streams': 1})
            pipeline = build_pipeline(config)        # warmed up: one blank image
        except Exception as e:  # noqa: B902 - a missing model is a row, not a crash
            table.rows.append([name, '–', '–', '–', f'not measured: {e}'])
            continue
        try:
            t0 = time.time()
            times = timed(lambda i: pipeline.process(Frame(frames[i % len(frames)],
                                                           t0 + i / 30.0)),
                          cfg.iterations, cfg.warmup)
            model = pipeline.backend.model
        finally:
            pipeline.close()
        p50, p95 = pct(times)
        raw = report.raw_p50.get(raw_row_name(name, config), float('nan'))
        table.rows.append([name, fmt(p50), fmt(p95), fmt(p50 / raw, 2), model])
    base = cfg.body_config()
    table.notes.append(f'build_pipeline of the configuration body_node gets '
                       f'({cfg.params_source()}: tracker {base.yolo.tracker}, max_people '
                       f'{base.max_people}) with head.enabled and hands.enabled false and '
                       'onnx.streams 1 (one frame at a time); frames stamped 1/30 s apart; '
                       'ratio = pipeline p50 / raw model p50.')
    return table


# The per-person stages measured by stage_section: label, the stage's timing key, parameters.
STAGES = (
    ('face mesh, head pose, landmarks, expressions', 'head_hands',
     {'head.enabled': True, 'hands.enabled': False}),
    ('person segmentation', 'segmentation',
     {'head.enabled': False, 'hands.enabled': False, 'segmentation.enabled': True}),
    ('person segmentation, landscape model', 'segmentation',
     {'head.enabled': False, 'hands.enabled': False, 'segmentation.enabled': True,
      'segmentation.model': 'landscape'}),
)


def stage_section(cfg: Config, frames: List[np.ndarray]) -> Table:
    """Measure each optional per-person stage, per frame and per person, in one process."""
    from pose_ros.pipeline import build_pipeline, Frame
    table = Table('Optional stages in one process (yolo_onnx body, the stage alone)',
                  ['stage', 'p50 ms per frame', 'p95 ms', 'people per frame', 'ms per person',
                   'notes'])
    for label, key, changes in STAGES:
        try:
            pipeline = build_pipeline(cfg.body_config({'backend': 'yolo_onnx', **changes}))
        except Exception as e:  # noqa: B902 - a missing model is a row, not a crash
            table.rows.append([label, '–', '–', '–', '–', f'not measured: {e}'])
            continue
        stage_ms: List[float] = []
        people: List[int] = []

        def step(i: int) -> None:
            result = pipeline.process(Frame(frames[i % len(frames)], t0 + i / 30.0))
            if i >= cfg.warmup:
                stage_ms.append(result.timings_ms.get(key, float('nan')))
                people.append(len(result.people))

        try:
            t0 = time.time()
            timed(step, cfg.iterations, cfg.warmup)
        finally:
            pipeline.close()
        p50, p95 = pct(stage_ms)
        per_person = float(np.nansum(stage_ms) / max(1, sum(people)))
        table.rows.append([label, fmt(p50), fmt(p95), fmt(float(np.mean(people)), 1),
                           fmt(per_person), f'timings_ms[{key!r}]'])
    table.notes.append("The stage's own time from the pipeline's timings (the body model not "
                       'included), over the photo frames (1 to 4 people); ms per person = '
                       'total stage time / total people.')
    return table
