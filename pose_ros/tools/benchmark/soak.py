# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Section 5, soak (``--soak SECONDS``): 30 FPS input for that long, the node's RSS over time.

It runs in the end-to-end case of ``--soak-backend`` with the configuration as shipped when
that case is measured, else in a body_node process of its own.
"""

from pathlib import Path
from typing import List

import numpy as np
from pose_ros.tools.benchmark.common import Config, fmt, pct
from pose_ros.tools.benchmark.node_under_test import Case, NodeUnderTest, RunStats
from pose_ros.tools.benchmark.processes import image_messages, RosSide
from pose_ros.tools.benchmark.report import Table

SOAK_SETUP = 'config as shipped'


def run_soak(cfg: Config, nut: NodeUnderTest, msgs) -> RunStats:
    """30 FPS input for cfg.soak seconds (after a warm-up of up to 30 s)."""
    return nut.run(msgs, 30.0, cfg.soak, min(30.0, max(cfg.settle, cfg.soak / 20)))


def soak_section(cfg: Config, frames: List[np.ndarray], workdir: Path, ros: RosSide) -> Table:
    """Soak in a body_node process of its own (when the e2e section did not run it)."""
    nut = NodeUnderTest(cfg, Case(cfg.soak_backend, SOAK_SETUP), ros, workdir)
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
