# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
MediaPipe graphs per tracked person, kept, reused and run side by side on image crops.

The hand and face estimators run one MediaPipe graph per crop (a wrist, a head). Two things
here make that cheap on a small CPU:

- :class:`GraphPool`: one graph per key (a track id and side), kept while the key is in use so
  the graph tracks its hand or face from frame to frame. Graphs of keys no longer in use are
  reset and kept as spares for the next new key (a reset costs about 2 ms, creating a graph
  5-9 ms, and a closed graph's memory is not given back to the system), up to ``spares``.
- :func:`run_jobs`: ``graph.process(crop)`` of every crop of a frame, in a thread pool when one
  is given. A MediaPipe graph computes on one core and releases the GIL while it does, so two
  hands and a face take about the time of one hand on 2 cores (16 instead of 29 ms here).
  Every job has a graph of its own: a graph is never run from two threads at once.
"""

from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Hashable, Iterable, List, Optional, Sequence, Tuple

import numpy as np


@dataclass
class CropJob:
    """
    One MediaPipe call: a graph, the RGB pixels it gets, and where they came from.

    :ivar graph: the graph (its ``process`` takes an RGB uint8 image).
    :ivar rgb: (H, W, 3) uint8 RGB pixels: a crop, or the whole image.
    :ivar origin: (x, y, width, height) of those pixels in the full image, to map MediaPipe's
        normalised landmarks back to image pixels.
    :ivar tag: what the caller needs to file the result (e.g. the person and side).
    """

    graph: Any
    rgb: np.ndarray
    origin: Tuple[float, float, float, float]
    tag: Any = None
    result: Any = field(default=None, repr=False)


def run_jobs(jobs: Sequence[CropJob], executor: Optional[Executor] = None) -> None:
    """
    Run every job's graph on its pixels and store the output in ``job.result``.

    With an executor the jobs run concurrently, except the first, which runs in the calling
    thread (it would only wait otherwise). An exception of any job is raised here.
    """
    if executor is None or len(jobs) < 2:
        for job in jobs:
            job.result = job.graph.process(job.rgb)
        return
    futures = [executor.submit(job.graph.process, job.rgb) for job in jobs[1:]]
    jobs[0].result = jobs[0].graph.process(jobs[0].rgb)
    for job, future in zip(jobs[1:], futures):
        job.result = future.result()


class GraphPool:
    """MediaPipe graphs by key, created on first use, reset and reused when a key ends."""

    def __init__(self, factory: Callable[[Hashable], Any], spares: int = 4) -> None:
        """
        Create an empty pool.

        :param factory: makes the graph for a key (the key says e.g. whether it tracks).
        :param spares: graphs kept, reset, for new keys; more are closed.
        """
        self._factory = factory
        self._spares_max = int(spares)
        self._graphs: Dict[Hashable, Any] = {}
        self._kinds: Dict[Hashable, Hashable] = {}
        self._spares: Dict[Hashable, List[Any]] = {}
        self.created = 0                # graphs made so far (diagnostics, tests)

    def __len__(self) -> int:
        return len(self._graphs)

    def get(self, key: Hashable, kind: Hashable = None) -> Any:
        """
        Return the graph of ``key``: its own, a reset spare of the same ``kind``, or a new one.

        :param kind: graphs of one kind are interchangeable once reset (same settings, e.g.
            tracking or detecting every frame); a spare is only reused within its kind.
        """
        graph = self._graphs.get(key)
        if graph is None:
            spares = self._spares.get(kind)
            if spares:
                graph = spares.pop()
            else:
                graph = self._factory(kind)
                self.created += 1
            self._graphs[key] = graph
            self._kinds[key] = kind
        return graph

    def keep_only(self, keys: Iterable[Hashable]) -> None:
        """
        Release the graphs of every key not in ``keys``: reset as spares, or closed.

        A reset graph has forgotten the hand or face it tracked, so it starts a new key with a
        fresh detection, exactly like a new graph.
        """
        keep = set(keys)
        for key in [k for k in self._graphs if k not in keep]:
            graph = self._graphs.pop(key)
            kind = self._kinds.pop(key, None)
            spares = self._spares.setdefault(kind, [])
            if sum(len(s) for s in self._spares.values()) < self._spares_max:
                graph.reset()
                spares.append(graph)
            else:
                graph.close()

    def close(self) -> None:
        """Close every graph, spares included."""
        spares = [graph for kind in self._spares.values() for graph in kind]
        for graph in list(self._graphs.values()) + spares:
            graph.close()
        self._graphs.clear()
        self._spares.clear()
        self._kinds.clear()
