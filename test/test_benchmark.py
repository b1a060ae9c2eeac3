# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Smoke test of the benchmark: a --quick run on 2 frames produces every table and row.

Only the shape of the report is checked, never a number: speed is measured by the benchmark
(see BENCHMARKS.md), not asserted in tests.
"""

from pose_ros.backends import BackendError, resolve_model_path
from pose_ros.media import MediaMissing
from pose_ros.tools import benchmark
import pytest


@pytest.fixture(scope='module')
def report():
    try:
        resolve_model_path('yolo11n-pose.onnx')
        benchmark.load_frames(2)
    except (BackendError, MediaMissing) as e:
        pytest.skip(str(e))
    cfg = benchmark.Config.quick_config(backends=('yolo_onnx',), seconds=1.5, soak=2.0)
    return benchmark.run(cfg)


def test_every_table_is_there(report):
    assert list(report.tables) == ['raw', 'pipeline', 'transport', 'e2e', 'soak',
                                   'soak_intervals']
    for key in ('CPU', 'memory', 'OS', 'packages', 'ROS', 'load average at start'):
        assert report.machine[key]


def test_raw_rows(report):
    table = report.tables['raw']
    assert table.row_names() == [
        'YOLO11n-pose, ultralytics torch',
        'YOLO11n-pose, ultralytics torch, torch threads = cores',
        'YOLO11n-pose, ONNX Runtime', 'MediaPipe pose (full)', 'MediaPipe hands',
        'MediaPipe face mesh (refined, 478)', 'MediaPipe pose + hands + face mesh, in turn']
    measured = [r for r in table.rows if 'not measured' not in r[-1]]
    # hands and face need OpenCV's documentation photos; everything else must have run.
    assert len(measured) >= 5, table.markdown()


def test_pipeline_and_end_to_end_rows(report):
    assert report.tables['pipeline'].row_names() == ['yolo_onnx']
    e2e = report.tables['e2e']
    assert [r[:3] for r in e2e.rows] == [['yolo_onnx', 'config as shipped', '10'],
                                         ['yolo_onnx', 'config as shipped', '30']]
    for row in e2e.rows:
        assert 'not measured' not in row[-1], e2e.markdown()
        assert len(row) == len(benchmark.E2E_HEADERS)
    assert len(report.tables['soak'].rows) == 1


def test_transport_rows(report):
    table = report.tables['transport']
    assert table.row_names() == [name for name, _, _ in benchmark.TRANSPORT_SETUPS]
    assert not [r for r in table.rows if 'not measured' in r[-1]], table.markdown()


def test_results_block_is_replaced_in_place(report, tmp_path):
    path = tmp_path / 'BENCHMARKS.md'
    path.write_text('# Benchmarks\n\nintro\n\n## Results\n\n' + benchmark.BEGIN + '\nold\n'
                    + benchmark.END + '\n\n## After\n')
    benchmark.write_results(path, report)
    text = path.read_text()
    assert text.startswith('# Benchmarks\n\nintro\n') and text.endswith('\n## After\n')
    assert 'old' not in text and text.count(benchmark.BEGIN) == 1
    assert '### End to end through DDS' in text
    assert '| yolo_onnx | config as shipped | 30 |' in text
    benchmark.write_results(path, report)
    assert path.read_text() == text
