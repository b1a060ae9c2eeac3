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
- :class:`CropEstimator`: what the hand and face estimators share around these: option checks,
  the pool, the full-image and crop jobs, ``infer`` = ``plan`` + :func:`run_jobs` +
  ``collect``.
"""

from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Hashable, Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from pose_ros.backends.base import BackendError
from pose_ros.people import Person


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


def extent(xy: np.ndarray) -> float:
    """Return the diagonal of the box around points ``xy`` (N, 2): a mesh's or hand's size."""
    return float(np.linalg.norm(xy.max(axis=0) - xy.min(axis=0)))


def padded_crop(image: np.ndarray, box: Tuple[int, int, int, int]) -> np.ndarray:
    """Return the pixels of ``box`` (x0, y0, x1, y1), black where it leaves the image."""
    x0, y0, x1, y1 = box
    h, w = image.shape[:2]
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    crop = image[cy0:cy1, cx0:cx1]
    if cx1 <= cx0 or cy1 <= cy0:
        return np.zeros((y1 - y0, x1 - x0, 3), image.dtype)
    return cv2.copyMakeBorder(crop, cy0 - y0, y1 - cy1, cx0 - x0, x1 - cx1,
                              cv2.BORDER_CONSTANT, value=(0, 0, 0))


class CropEstimator:
    """
    A MediaPipe solution run on the full image or on one square crop per body part.

    Subclasses say how to make a graph (:meth:`_new_graph`), where the crops are
    (:meth:`plan`), how to read a result (:meth:`_from_result`) and when two findings are the
    same (:meth:`_deduplicate`). Graph kinds: 'full' (the whole image), 'track' (a tracked
    person's crop, followed from frame to frame) and 'static' (detects every call).
    """

    def __init__(self, min_detection_confidence: float, min_tracking_confidence: float,
                 static_image_mode: bool, crop_scale: float, min_crop_px: int) -> None:
        for name, value in (('min_detection_confidence', min_detection_confidence),
                            ('min_tracking_confidence', min_tracking_confidence)):
            if not 0.0 <= value <= 1.0:
                raise BackendError(f'{name} must be in [0, 1], got {value}')
        if not crop_scale > 0:
            raise BackendError(f'crop_scale must be > 0, got {crop_scale}')
        self.min_detection_confidence = float(min_detection_confidence)
        self.min_tracking_confidence = float(min_tracking_confidence)
        self.static_image_mode = bool(static_image_mode)
        self.crop_scale = float(crop_scale)
        self.min_crop_px = int(min_crop_px)
        self._pool = GraphPool(self._new_graph)

    def _new_graph(self, kind: str) -> Any:
        """Return a new graph of ``kind``, made with :meth:`_graph_args`."""
        raise NotImplementedError

    def _graph_args(self, kind: str) -> Dict[str, Any]:
        """Return the settings every graph of ``kind`` gets: detection mode and thresholds."""
        return {'static_image_mode': (self.static_image_mode if kind == 'full'
                                      else kind == 'static'),
                'min_detection_confidence': self.min_detection_confidence,
                'min_tracking_confidence': self.min_tracking_confidence}

    def _from_result(self, result: Any, ox: float, oy: float, sw: float, sh: float) -> list:
        """Return the findings of one graph output, mapped from pixels at (ox, oy), sw x sh."""
        raise NotImplementedError

    def _deduplicate(self, found: list) -> list:
        raise NotImplementedError

    def plan(self, bgr: np.ndarray, people: Optional[Sequence[Person]] = None) -> List[CropJob]:
        """Return the MediaPipe calls :meth:`infer` makes, to run with :func:`run_jobs`."""
        raise NotImplementedError

    def infer(self, bgr: np.ndarray, people: Optional[Sequence[Person]] = None) -> list:
        """
        Run on a BGR uint8 image: pixels of the full image, duplicates removed.

        :param people: bodies in this image; None (or empty) runs on the full image, else on
            the crops :meth:`plan` places around their body parts.
        """
        jobs = self.plan(bgr, people)
        run_jobs(jobs)
        return self.collect(jobs)

    def collect(self, jobs: Sequence[CropJob]) -> list:
        """Return what jobs of :meth:`plan` that have run found (duplicates removed)."""
        found: list = []
        for job in jobs:
            found += self._from_result(job.result, *job.origin)
        return found if len(jobs) < 2 else self._deduplicate(found)

    def _full_image_job(self, bgr: np.ndarray) -> CropJob:
        h, w = bgr.shape[:2]
        return CropJob(self._pool.get('full', 'full'), cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB),
                       (0.0, 0.0, float(w), float(h)))

    def _crop_job(self, bgr: np.ndarray, key: Hashable, tracked: bool,
                  box: Tuple[int, int, int, int]) -> CropJob:
        """Return the job for the square ``box`` (x0, y0, x1, y1) and ``key``'s graph."""
        rgb = cv2.cvtColor(padded_crop(bgr, box), cv2.COLOR_BGR2RGB)   # only the crop
        side = float(box[2] - box[0])
        return CropJob(self._pool.get(key, 'track' if tracked else 'static'), rgb,
                       (float(box[0]), float(box[1]), side, side))

    def reset(self) -> None:
        """Forget tracking state (a new sequence starts)."""
        self._pool.close()

    def close(self) -> None:
        """Release the models."""
        self.reset()
