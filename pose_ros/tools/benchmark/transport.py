# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Section 4, transport: a 640x480 rgb8 image from publisher to subscriber.

Two processes with the package's Fast DDS profile (config/fastdds.xml, the default), with
Fast DDS' default transports and with ``FASTDDS_BUILTIN_TRANSPORTS=LARGE_DATA``; and one
process (publisher and subscriber in one executor: rclpy has no component containers, so this
stands in for composition).
"""

from pathlib import Path
import time

from pose_ros.tools.benchmark.common import Config, fmt, pct, TRANSPORT_TOPIC
from pose_ros.tools.benchmark.processes import child_env, Helper, read_samples, wait_file
from pose_ros.tools.benchmark.report import Table

TRANSPORT_SETUPS = (
    ('2 processes, config/fastdds.xml (shipped: SHM 32 MiB + UDPv4)', 2, 'profile'),
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
