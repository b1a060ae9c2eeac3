# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""GraphPool keeps, reuses and closes graphs; run_jobs runs crops side by side."""

from concurrent.futures import ThreadPoolExecutor
import threading

import numpy as np
from pose_ros.backends.mediapipe_graphs import CropJob, GraphPool, run_jobs
import pytest


class FakeGraph:
    """Stands in for a MediaPipe solution: process, reset, close; records its calls."""

    def __init__(self, kind, barrier=None):
        self.kind = kind
        self.barrier = barrier
        self.resets = 0
        self.closed = False
        self.calls = 0
        self.active = 0
        self.most_active = 0

    def process(self, rgb):
        assert not self.closed, 'a closed graph was used'
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        if self.barrier is not None:
            self.barrier.wait()     # every job must be running at once to pass this
        self.active -= 1
        self.calls += 1
        return ('result', self.kind, int(rgb[0, 0, 0]), threading.get_ident())

    def reset(self):
        self.resets += 1

    def close(self):
        self.closed = True


def test_pool_keeps_a_graph_per_key_while_it_is_in_use():
    pool = GraphPool(FakeGraph)
    a = pool.get(('track', 1), 'track')
    assert pool.get(('track', 1), 'track') is a
    assert pool.get(('track', 2), 'track') is not a
    pool.keep_only([('track', 1), ('track', 2)])
    assert pool.get(('track', 1), 'track') is a and pool.created == 2 and len(pool) == 2


def test_released_graphs_are_reset_and_reused_for_new_keys_of_the_same_kind():
    pool = GraphPool(FakeGraph, spares=4)
    old = pool.get(7, 'track')
    pool.keep_only([])
    assert old.resets == 1 and not old.closed and len(pool) == 0
    assert pool.get('static', 'static') is not old, 'a spare is only reused within its kind'
    assert pool.get(8, 'track') is old
    assert pool.created == 2


def test_new_ids_without_end_do_not_grow_the_graphs_beyond_the_people_in_view():
    """A slideshow of new track ids (each photo a new id) reuses the same few graphs."""
    pool = GraphPool(FakeGraph, spares=4)
    for track in range(200):
        pool.get((track, 'left'), 'track')
        pool.get((track, 'right'), 'track')
        pool.keep_only([(track, 'left'), (track, 'right')])
    assert pool.created == 4
    assert len(pool) == 2


def test_spares_beyond_the_limit_are_closed_and_close_closes_everything():
    pool = GraphPool(FakeGraph, spares=1)
    graphs = [pool.get(i, 'track') for i in range(3)]
    pool.keep_only([])
    assert sum(g.closed for g in graphs) == 2 and sum(g.resets for g in graphs) == 1
    live = pool.get(5, 'track')
    pool.close()
    assert all(g.closed for g in graphs) and live.closed and len(pool) == 0


def _jobs(n, barrier=None):
    return [CropJob(FakeGraph('track', barrier), np.full((4, 4, 3), i, np.uint8),
                    (float(i), 0.0, 4.0, 4.0), tag=i) for i in range(n)]


def test_run_jobs_without_an_executor_runs_in_order_in_this_thread():
    jobs = _jobs(3)
    run_jobs(jobs)
    assert [j.result[2] for j in jobs] == [0, 1, 2]
    assert {j.result[3] for j in jobs} == {threading.get_ident()}


def test_run_jobs_with_an_executor_overlaps_the_graphs_and_keeps_each_result_with_its_job():
    # The barrier opens only when all 4 graphs are inside process() at the same time.
    jobs = _jobs(4, threading.Barrier(4, timeout=30))
    with ThreadPoolExecutor(3) as pool:
        run_jobs(jobs, pool)
    assert [j.result[2] for j in jobs] == [0, 1, 2, 3]
    assert len({j.result[3] for j in jobs}) == 4, 'every job ran in a thread (3 + caller)'
    assert all(j.graph.most_active == 1 for j in jobs)


def test_a_failing_job_raises_in_the_caller():
    jobs = _jobs(3)
    jobs[2].graph.process = lambda rgb: 1 / 0
    with ThreadPoolExecutor(2) as pool, pytest.raises(ZeroDivisionError):
        run_jobs(jobs, pool)
