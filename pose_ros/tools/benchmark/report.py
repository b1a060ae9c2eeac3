# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The report: Markdown tables, the machine they were measured on, and BENCHMARKS.md's block.

``benchmark --out FILE`` rewrites the results block of FILE (between :data:`BEGIN` and
:data:`END`), keeping the rest.
"""

from dataclasses import dataclass, field
import os
from pathlib import Path
import platform
from typing import Dict, List, NamedTuple, Optional, Tuple

from pose_ros.dds_profile import PROFILE_VARIABLES
from pose_ros.tools.benchmark.common import BASE_ENV

BEGIN = '<!-- BEGIN benchmark results (written by `benchmark --out`) -->'
END = '<!-- END benchmark results -->'


@dataclass
class Table:
    """One Markdown table of the report."""

    title: str
    headers: List[str]
    rows: List[List[str]] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    def row_names(self) -> List[str]:
        """Return the first cell of every row."""
        return [r[0] for r in self.rows]

    def markdown(self) -> str:
        """Return the table as Markdown: a heading, the table, its notes as a list."""
        lines = [f'### {self.title}', '', '| ' + ' | '.join(self.headers) + ' |',
                 '|' + '---|' * len(self.headers)]
        lines += ['| ' + ' | '.join(r) + ' |' for r in self.rows]
        if self.notes:
            lines += [''] + [f'- {n}' for n in self.notes]
        return '\n'.join(lines) + '\n'


class RawReference(NamedTuple):
    """The raw model of one end-to-end case, timed again just before (and after) that case."""

    fps: float                   # one frame at a time: 1000 / mean ms
    p50: float                   # ms
    streams_fps: float           # as the node's onnx.streams (NaN: one stream)
    fps_before: float = float('nan')     # fps of the two timings it is the mean of
    fps_after: float = float('nan')

    @classmethod
    def of(cls, before: Optional['RawReference'], after: Optional['RawReference']
           ) -> Optional['RawReference']:
        """Return the mean of the timings before and after a case (either may be None)."""
        if before is None or after is None:
            return before or after
        return cls((before.fps + after.fps) / 2, (before.p50 + after.p50) / 2,
                   (before.streams_fps + after.streams_fps) / 2, before.fps, after.fps)


class E2EResult(NamedTuple):
    """One end-to-end case at one input rate, for the summary (:mod:`.pace`)."""

    fps: float                    # People per second received
    p50: float                    # ms, image stamp -> People received
    raw: str                      # the raw model row compared with ('': none)
    raw_streams: str = ''         # the raw row of the same model run as the node's streams
    cpu_percent: float = float('nan')     # the node process, 100 = one core
    reference: Optional[RawReference] = None   # the raw model timed just before the case


@dataclass
class Report:
    """Every table of one benchmark run, with the machine it ran on."""

    machine: Dict[str, str] = field(default_factory=dict)
    tables: Dict[str, Table] = field(default_factory=dict)
    raw_p50: Dict[str, float] = field(default_factory=dict)
    # Throughput of each raw model: calls per second over the timed calls (1000 / mean ms).
    raw_fps: Dict[str, float] = field(default_factory=dict)
    # End to end, per (backend, setup, input FPS).
    e2e: Dict[Tuple[str, str, float], 'E2EResult'] = field(default_factory=dict)

    def markdown(self) -> str:
        """Return the machine table and every table, in order, as Markdown."""
        parts = ['### Machine', '', '| | |', '|---|---|']
        parts += [f'| {k} | {v} |' for k, v in self.machine.items()]
        parts.append('')
        parts += [t.markdown() for t in self.tables.values()]
        return '\n'.join(parts)


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
    setup = BASE_ENV.get('POSE_ROS_PROFILE')       # set by this repository's env.sh
    profile = next((BASE_ENV[v] for v in PROFILE_VARIABLES if BASE_ENV.get(v)), '(none)')
    info['ROS'] = (f'{BASE_ENV.get("ROS_DISTRO", "(ROS_DISTRO unset)")}'
                   f'{f" (PyPI wheels, set-up {setup})" if setup else ""}, '
                   f'{BASE_ENV.get("RMW_IMPLEMENTATION", "default RMW")}, '
                   'FASTDDS_BUILTIN_TRANSPORTS='
                   f'{BASE_ENV.get("FASTDDS_BUILTIN_TRANSPORTS", "(unset)")}, '
                   f'profile {Path(profile).name}')
    info['load average at start'] = ' '.join(f'{v:.2f}' for v in os.getloadavg())
    return info


def write_results(path: Path, report: Report) -> None:
    """Replace the results block of ``path`` (appended when the file has none)."""
    write_block(path, report.markdown(), BEGIN, END)


def write_block(path: Path, markdown: str, begin: str, end: str) -> None:
    """Replace what lies between the markers ``begin`` and ``end`` (appended when absent)."""
    block = f'{begin}\n\n{markdown}\n{end}'
    text = path.read_text() if path.exists() else '# Benchmarks\n\n'
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip('\n') + '\n\n' + block + '\n'
    path.write_text(text)
