# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Smoke test of the benchmark: a --quick run on 2 frames produces every table and row.

Only the shape of the report is checked, never a number: speed is measured by the benchmark
(see BENCHMARKS.md), not asserted in tests.
"""

import math
import re

from pose_ros.backends import BackendError, resolve_model_path
from pose_ros.backends.yolo_int8 import INT8_WEIGHTS
from pose_ros.media import MediaMissing
from pose_ros.tools import benchmark
from pose_ros.tools.benchmark.common import timed_interleaved
from pose_ros.tools.benchmark.pace import pace_table
from pose_ros.tools.benchmark.report import E2EResult, RawReference, Report
import pytest


def int8_installed() -> bool:
    try:
        resolve_model_path(INT8_WEIGHTS)
    except BackendError:
        return False
    return True


@pytest.fixture(scope='module')
def report():
    try:
        resolve_model_path('yolo11n-pose.onnx')
        benchmark.load_frames(2)
    except (BackendError, MediaMissing) as e:
        pytest.skip(str(e))
    cfg = benchmark.Config.quick_config(backends=('yolo_onnx',), seconds=1.5, soak=2.0,
                                        setups=('config as shipped', 'body only, INT8'))
    return benchmark.run(cfg)


def test_every_table_is_there(report):
    assert list(report.tables) == ['raw', 'pipeline', 'stages', 'transport', 'e2e', 'pace',
                                   'soak', 'soak_intervals']
    for key in ('CPU', 'memory', 'OS', 'packages', 'ROS', 'load average at start'):
        assert report.machine[key]


def test_stage_rows(report):
    table = report.tables['stages']
    assert table.row_names() == ['face mesh, head pose, landmarks, expressions',
                                 'person segmentation', 'person segmentation, landscape model']
    for row in table.rows:
        assert 'not measured' not in row[-1], table.markdown()
        assert float(row[1]) > 0 and float(row[4]) > 0 and float(row[3]) >= 1


def test_raw_rows(report):
    table = report.tables['raw']
    streams = ['YOLO11n-pose, ONNX Runtime, 2 streams at once'] + [
        'YOLO11n-pose INT8, ONNX Runtime, 2 streams at once'] * int8_installed()
    assert table.row_names() == [
        'YOLO11n-pose, ultralytics torch',
        'YOLO11n-pose, ultralytics torch, torch threads = cores',
        'YOLO11n-pose, ONNX Runtime', 'YOLO11n-pose INT8, ONNX Runtime'] + streams + [
        'MediaPipe pose (full)', 'MediaPipe hands',
        'MediaPipe face mesh (refined, 478)', 'MediaPipe pose + hands + face mesh, in turn']
    measured = [r for r in table.rows if 'not measured' not in r[-1]]
    # hands and face need OpenCV's documentation photos; everything else must have run.
    assert len(measured) >= 5 + len(streams) + int8_installed(), table.markdown()
    single = [r for r in table.rows if r[0].endswith('ONNX Runtime')]
    assert all(('timed in turn' in r[-1]) == int8_installed() for r in single), table.markdown()
    # As ONNX Runtime is normally called: one session on every core; the node's way: two.
    assert all('x 2 streams' not in r[-1] for r in single), table.markdown()
    for row in (r for r in table.rows if r[0] in streams):
        assert re.search(r'threads=\d+ x 2 streams', row[-1]) and '2 threads at once' in row[-1]


def test_interleaved_timing_alternates_the_calls_and_skips_the_warm_up():
    calls = []
    times = timed_interleaved([lambda i: calls.append(('a', i)),
                               lambda i: calls.append(('b', i))], iterations=3, warmup=2)
    assert calls == [(name, i) for i in range(5) for name in 'ab']
    assert [len(t) for t in times] == [3, 3]
    assert all(t >= 0.0 for ts in times for t in ts)


def test_pipeline_and_end_to_end_rows(report):
    assert report.tables['pipeline'].row_names() == ['yolo_onnx']
    e2e = report.tables['e2e']
    setups = ['body only, INT8'] * int8_installed() + ['config as shipped']
    assert [r[:3] for r in e2e.rows if 'not measured' not in r[-1]] == [
        ['yolo_onnx', setup, rate] for setup in setups for rate in ('10', '30')], e2e.markdown()
    assert all(len(row) == len(benchmark.E2E_HEADERS) for row in e2e.rows)
    assert len(report.tables['soak'].rows) == 1


def test_the_pace_table_compares_each_setup_with_its_raw_model(report):
    pace = report.tables['pace']
    assert pace.rows[-1][:3] == ['yolo_onnx', 'config as shipped', 'YOLO11n-pose, ONNX Runtime']
    if int8_installed():
        assert pace.rows[0][:3] == ['yolo_onnx', 'body only, INT8',
                                    'YOLO11n-pose INT8, ONNX Runtime']
        assert any('INT8 / fp32 time' in n for n in pace.notes)
    assert all(cell != '–' for cell in pace.rows[-1][3:7] + pace.rows[-1][8:]), pace.markdown()


def test_pace_ratios():
    report = Report()
    report.raw_p50 = {'fp32': 50.0, 'fp32 INT8': 40.0, 'pp': 10.0, 'fp32, 2 streams': 90.0}
    report.raw_fps = {'fp32': 20.0, 'fp32 INT8': 25.0, 'pp': 100.0,   # 1 / mean
                      'fp32, 2 streams': 24.0}                         # both threads together
    report.e2e = {('yolo_onnx', 'a', 10.0): E2EResult(10.0, 55.0, 'fp32', '', 100.0),
                  ('yolo_onnx', 'a', 30.0): E2EResult(18.0, 80.0, 'fp32', '', 180.0),
                  ('yolo_onnx', 'b', 30.0): E2EResult(24.0, 60.0, 'fp32 INT8'),
                  ('yolo_onnx', 's', 30.0): E2EResult(21.6, 95.0, 'fp32', 'fp32, 2 streams',
                                                      190.0),
                  ('mediapipe', 'c', 30.0): E2EResult(30.0, 20.0, 'pp')}
    rows = {r[1]: r for r in pace_table(report).rows}
    # raw FPS, node FPS, pace, node / raw at the same streams, p50 ratio, / fp32, CPU ms
    assert rows['a'][3:] == ['20.0', '18.0', '0.90', '0.90', '1.10', '0.90', '100.0']
    assert rows['b'][3:9] == ['25.0', '24.0', '0.96', '0.96', '–', '1.20']   # over fp32's 20
    assert rows['s'][3:] == ['20.0', '21.6', '1.08', '0.90', '–', '1.08', '88.0']
    assert rows['c'][5] == '1.00'                                    # min(raw, 30 input)
    assert pace_table(Report()) is None
    assert math.isclose(float(rows['b'][8]), 24.0 / 20.0)
    # Timed again just before the case, the raw model is compared at the host's speed then;
    # INT8's fp32 twin by the raw section's ratio (20 / 25 FPS).
    report.e2e = {('yolo_onnx', 'i', 10.0): E2EResult(10.0, 60.0, 'fp32 INT8', '', 90.0,
                                                      RawReference(20.0, 48.0, math.nan)),
                  ('yolo_onnx', 'i', 30.0): E2EResult(19.0, 70.0, 'fp32 INT8', '', 150.0,
                                                      RawReference(20.0, 48.0, math.nan))}
    row = pace_table(report).rows[0]
    assert row[3:] == ['20.0', '19.0', '0.95', '0.95', '1.25', '1.19', '78.9']
    # Timed before and after: the mean of the two, both shown.
    both = RawReference.of(RawReference(18.0, 50.0, 30.0), RawReference(22.0, 46.0, 34.0))
    assert both == (20.0, 48.0, 32.0, 18.0, 22.0)
    assert RawReference.of(None, both) is both and RawReference.of(both, None) is both
    report.e2e = {key: result._replace(reference=both) for key, result in report.e2e.items()}
    assert pace_table(report).rows[0][3] == '20.0: 18.0 / 22.0'


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
