# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Section 5, soak (``--soak SECONDS``): 30 FPS input for that long, the node's RSS over time.

It runs in the end-to-end case of ``--soak-backend`` with the configuration as shipped when
that case is measured, else in a body_node process of its own.
"""

from pathlib import Path
from typing import List, Tuple

import numpy as np
from pose_ros.tools.benchmark.common import Config, fmt, pct
from pose_ros.tools.benchmark.node_under_test import Case, NodeUnderTest, RunStats
from pose_ros.tools.benchmark.processes import image_messages, RosSide
from pose_ros.tools.benchmark.report import Table

SOAK_SETUP = 'config as shipped'


def run_soak(cfg: Config, nut: NodeUnderTest, msgs) -> RunStats:
    """30 FPS input for cfg.soak seconds (after a warm-up of up to 30 s)."""
    return nut.run(msgs, 30.0, cfg.soak, min(30.0, max(cfg.settle, cfg.soak / 20)))


def soak_section(cfg: Config, frames: List[np.ndarray], workdir: Path,
                 ros: RosSide) -> Tuple[Table, Table]:
    """Soak in a body_node process of its own (when the e2e section did not run it)."""
    nut = NodeUnderTest(cfg, Case(cfg.soak_backend, SOAK_SETUP), ros, workdir)
    try:
        soaked = run_soak(cfg, nut, image_messages(frames))
        return soak_table(cfg, soaked), soak_intervals(cfg, soaked)
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


def soak_intervals(cfg: Config, s: RunStats, interval: float = 60.0) -> Table:
    """
    Return the soak minute by minute: does the output drift, who else used the cores then.

    A rate that falls with the time is drift; one that falls while other processes use the
    CPU (the last column) is a neighbour. Machine CPU is all processes, this benchmark's
    image publisher and People subscriber included (a few per cent).
    """
    table = Table(f'Soak by interval: {cfg.soak_backend}, 30 FPS input',
                  ['from s', 'output FPS', 'p50 ms', 'p95 ms', 'RSS MiB', 'node CPU %',
                   'machine CPU %', 'others CPU %'])
    rows = np.array(s.samples, np.int64).reshape(-1, 2)
    cpu = np.array(s.cpu_s, np.float64).reshape(-1, 3)
    rss = np.array(s.rss_mb, np.float64).reshape(-1, 2)
    t = (rows[:, 0] - s.start_ns) / 1e9
    for start in np.arange(0.0, s.seconds, interval):
        end = start + interval
        inside = (t >= start) & (t < end)
        lat = (rows[inside, 1] - rows[inside, 0]) / 1e6
        p50, p95 = pct(lat.tolist())
        use = (cpu[:, 0] >= start) & (cpu[:, 0] < end) if len(cpu) else np.zeros(0, bool)
        node_pct = machine_pct = float('nan')
        if use.sum() >= 2:
            c = cpu[use]
            span = c[-1, 0] - c[0, 0]
            node_pct = (c[-1, 1] - c[0, 1]) / span * 100.0
            machine_pct = (c[-1, 2] - c[0, 2]) / span * 100.0
        mem = rss[(rss[:, 0] >= start) & (rss[:, 0] < end), 1] if len(rss) else np.zeros(0)
        table.rows.append([fmt(start, 0), fmt(inside.sum() / min(interval, s.seconds - start)),
                           fmt(p50), fmt(p95), fmt(mem.mean() if len(mem) else float('nan'), 0),
                           fmt(node_pct, 0), fmt(machine_pct, 0),
                           fmt(machine_pct - node_pct, 0)])
    table.notes.append(f'Intervals of {interval:g} s of image stamps; CPU % of one core '
                       '(200 % = both cores of a 2-core machine).')
    return table
