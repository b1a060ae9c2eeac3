# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Section 1, raw: each model alone in this process, as its library is normally called.

YOLO11n-pose through ultralytics (``predict``, torch) and through ONNX Runtime
(:meth:`YoloOnnxBackend.detect`: ``session.run`` with its minimal numpy pre/post; one
session on every core), fp32 and the INT8 model (``quantize_model``; the row says why when it
is not installed) timed call by call in turn with fp32, and both again as body_node runs them
with ``onnx.streams`` > 1 (that many sessions called from as many threads at once), MediaPipe
pose, hands and face mesh, and the three MediaPipe graphs one after another. The model
settings (files, input size, thresholds, complexity) are those of body_node's configuration
(:meth:`Config.body_config <pose_ros.tools.benchmark.common.Config.body_config>`).
"""

import dataclasses
import math
from pathlib import Path
import threading
import time
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
from pose_ros.backends.base import physical_cores
from pose_ros.backends.yolo_int8 import INT8_WEIGHTS
from pose_ros.config import BodyConfig, replace
from pose_ros.tools.benchmark.common import (Config, fmt, letterboxed_media, pct, timed,
                                             timed_interleaved)
from pose_ros.tools.benchmark.report import RawReference, Report, Table

COMPLEXITY = {0: 'lite', 1: 'full', 2: 'heavy'}
RAW_ALL_MEDIAPIPE = 'MediaPipe pose + hands + face mesh, in turn'


def raw_row_name(backend: str, body: BodyConfig) -> str:
    """Return the name of the raw model row a body backend's pipeline is compared with."""
    if backend == 'yolo':
        return 'YOLO11n-pose, ultralytics torch'
    if backend == 'yolo_onnx':
        int8 = Path(body.onnx.weights).name == INT8_WEIGHTS
        return f'YOLO11n-pose{" INT8" if int8 else ""}, ONNX Runtime'
    return f'MediaPipe pose ({COMPLEXITY[body.mediapipe.model_complexity]})'


def raw_streams_name(body: BodyConfig) -> str:
    """Return the raw row of the yolo_onnx model run as ``onnx.streams`` sessions ('': one)."""
    if body.backend != 'yolo_onnx' or body.onnx.streams == 1:
        return ''
    return f'{raw_row_name("yolo_onnx", body)}, {body.onnx.streams} streams at once'


def raw_section(cfg: Config, frames: List[np.ndarray], report: Report) -> Table:
    """Raw latency of each model in this process."""
    table = Table('Raw model latency (one process, 640x480 frames)',
                  ['model', 'p50 ms', 'p95 ms', 'FPS at p50', 'FPS (1 / mean)', 'notes'])
    body = cfg.body_config()

    def add(name: str, fn: Callable[[], Tuple[List[float], str]]) -> None:
        try:
            times, note = fn()
        except Exception as e:  # noqa: B902 - a missing model is a row, not a crash
            table.rows.append([name, '–', '–', '–', '–',
                               f'not measured: {type(e).__name__}: {e}'])
            return
        row(name, times, note)

    def row(name: str, times: List[float], note: str, fps: Optional[float] = None) -> None:
        p50, p95 = pct(times)
        report.raw_p50[name] = p50
        report.raw_fps[name] = fps or 1000.0 / float(np.mean(times))
        table.rows.append([name, fmt(p50), fmt(p95), fmt(1000.0 / p50),
                           fmt(report.raw_fps[name]), note])

    n = len(frames)
    add(raw_row_name('yolo', body), lambda: _raw_ultralytics(cfg, body, frames))
    add('YOLO11n-pose, ultralytics torch, torch threads = cores',
        lambda: _raw_ultralytics(cfg, body, frames, physical_cores()))
    int8 = replace(body, {'onnx.weights': INT8_WEIGHTS})
    if int8 == body:
        add(raw_row_name('yolo_onnx', body), lambda: _raw_onnx(cfg, [body], frames)[0])
    else:
        # fp32 and INT8 timed call by call in turn, so that their ratio survives a drifting
        # host; without the INT8 model, fp32 alone and a row saying why.
        try:
            pair = _raw_onnx(cfg, [body, int8], frames)
        except Exception as e:  # noqa: B902 - a missing model is a row, not a crash
            add(raw_row_name('yolo_onnx', body), lambda: _raw_onnx(cfg, [body], frames)[0])
            table.rows.append([raw_row_name('yolo_onnx', int8), '–', '–', '–', '–',
                               f'not measured: {type(e).__name__}: {e}'])
        else:
            for config, (times, note) in zip((body, int8), pair):
                row(raw_row_name('yolo_onnx', config), times,
                    f'{note}; timed in turn with the other ONNX model, call by call')
    for config in (body, int8) if int8 != body else (body,):
        name = raw_streams_name(replace(config, {'backend': 'yolo_onnx'}))
        if name and raw_row_name('yolo_onnx', config) in report.raw_p50:
            try:
                times, fps, note = _raw_onnx_streams(cfg, config, frames)
            except Exception as e:  # noqa: B902 - a missing model is a row, not a crash
                table.rows.append([name, '–', '–', '–', '–',
                                   f'not measured: {type(e).__name__}: {e}'])
            else:
                row(name, times, note, fps)
    rgb = _rgb(frames)
    add(raw_row_name('mediapipe', body), lambda: _raw_mediapipe('pose', rgb, cfg, body))
    hand = letterboxed_media('handSrc.jpg')
    add('MediaPipe hands',
        lambda: _raw_mediapipe('hands', _need(hand, 'handSrc.jpg'), cfg, body))
    face = letterboxed_media('face_swapped.jpg')
    add('MediaPipe face mesh (refined, 478)',
        lambda: _raw_mediapipe('face', _need(face, 'face_swapped.jpg'), cfg, body))
    add(RAW_ALL_MEDIAPIPE,
        lambda: _raw_mediapipe('all', rgb, cfg, body))
    table.notes.append(f'{n} frame(s) of the photos fixture, cycled; {cfg.iterations} timed '
                       f'calls after {cfg.warmup} untimed ones. MediaPipe runs in tracking mode '
                       '(static_image_mode=False), on RGB prepared beforehand; hands run on '
                       "OpenCV's handSrc.jpg, face mesh on face_swapped.jpg (each letterboxed "
                       'to 640x480); the last row runs all three on the photos frames.')
    table.notes.append("Model files, input size, confidences and complexity: body_node's "
                       f'configuration ({cfg.params_source()}); ONNX Runtime without a tracker.')
    return table


def raw_reference(cfg: Config, raw_name: str, config: BodyConfig, frames: List[np.ndarray]
                  ) -> RawReference:
    """
    Time ``raw_name``'s model again, briefly (a third of the iterations), for one case.

    The host's speed drifts by tens of percent over minutes, so the node's pace is judged
    against the model timed right before the node ran, not at the start of the run.
    """
    short = dataclasses.replace(cfg, iterations=max(cfg.iterations // 3, 3), warmup=2)
    streams = math.nan
    if raw_name == RAW_ALL_MEDIAPIPE:
        times = _raw_mediapipe('all', _rgb(frames), short, config)[0]
    elif config.backend == 'mediapipe':
        times = _raw_mediapipe('pose', _rgb(frames), short, config)[0]
    elif config.backend == 'yolo':
        times = _raw_ultralytics(short, config, frames)[0]
    else:
        times = _raw_onnx(short, [config], frames)[0][0]
        if raw_streams_name(config):
            streams = _raw_onnx_streams(short, config, frames)[1]
    return RawReference(1000.0 / float(np.mean(times)), pct(times)[0], streams)


def _rgb(frames: List[np.ndarray]) -> List[np.ndarray]:
    return [np.ascontiguousarray(f[:, :, ::-1]) for f in frames]


def _need(image, name):
    if image is None:
        raise FileNotFoundError(f'{name} is not installed (scripts/bootstrap.sh)')
    return [np.ascontiguousarray(image[:, :, ::-1])]


def _raw_ultralytics(cfg: Config, body: BodyConfig, frames, threads: Optional[int] = None
                     ) -> Tuple[List[float], str]:
    from pose_ros.backends import resolve_model_path
    from pose_ros.backends.yolo_ultralytics import YoloOptions
    import torch
    from ultralytics import YOLO
    o = YoloOptions.from_config(body)     # what the yolo backend passes to predict
    model = YOLO(str(resolve_model_path(o.weights)), task='pose')
    kwargs = {'imgsz': o.image_size, 'conf': o.confidence, 'iou': o.iou,
              'max_det': o.max_people, 'device': o.device, 'verbose': False}
    model.predict(frames[0], **kwargs)   # sets up the predictor (and torch's thread count)
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        times = timed(lambda i: model.predict(frames[i % len(frames)], **kwargs),
                      cfg.iterations, cfg.warmup)
        used = torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
    why = ("ultralytics' own set-up: cores - 1 threads (the yolo backend gives torch every "
           'core back)' if not threads else "set after ultralytics' set-up")
    return times, (f'model.predict (letterbox, torch, NMS); imgsz {o.image_size}; torch '
                   f'threads {used}, {why}')


def _raw_onnx(cfg: Config, bodies: List[BodyConfig], frames
              ) -> List[Tuple[List[float], str]]:
    """Time the ONNX Runtime backend of each configuration, call by call in turn."""
    from pose_ros.backends import create_backend
    backends = []
    try:
        for body in bodies:
            # As ONNX Runtime is normally called: one session, one frame at a time on every core.
            backends.append(create_backend(replace(body, {'backend': 'yolo_onnx',
                                                          'yolo.tracker': 'none',
                                                          'onnx.streams': 1})))
        stages: List[Dict[str, List[float]]] = [{} for _ in backends]

        def caller(backend, spent):
            def call(i):
                backend.detect(frames[i % len(frames)])
                for k, v in backend.last_timings_ms.items():
                    spent.setdefault(k, []).append(v)
            return call
        timings = timed_interleaved([caller(b, st) for b, st in zip(backends, stages)],
                                    cfg.iterations, cfg.warmup)
    finally:
        for backend in backends:
            backend.close()
    out = []
    for backend, times, spent in zip(backends, timings, stages):
        med = {k: np.median(v[cfg.warmup:] or v) for k, v in spent.items()}
        out.append((times, f'session.run {fmt(med["inference"])} ms + preprocess '
                           f'{fmt(med["preprocess"], 2)} + postprocess '
                           f'{fmt(med["postprocess"], 2)} (p50); {backend.model}'))
    return out


def _raw_onnx_streams(cfg: Config, body: BodyConfig, frames
                      ) -> Tuple[List[float], float, str]:
    """
    Time the model as body_node runs it: ``onnx.streams`` threads, each calling it back to back.

    Returns every call's ms, the frames per second of all threads together, and the note.
    """
    from pose_ros.backends import create_backend
    backend = create_backend(replace(body, {'backend': 'yolo_onnx', 'yolo.tracker': 'none'}))
    n = backend.streams
    times: List[List[float]] = [[] for _ in range(n)]
    try:
        def work(k: int) -> None:
            times[k] = timed(lambda i: backend.detect(frames[(i * n + k) % len(frames)]),
                             cfg.iterations, cfg.warmup)
        for k in range(n):                                      # every session set up first
            backend.detect(frames[k % len(frames)])
        threads = [threading.Thread(target=work, args=(k,)) for k in range(n)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - t0
    finally:
        backend.close()
    calls = [t for one in times for t in one]
    fps = n * (cfg.iterations + cfg.warmup) / seconds
    return calls, fps, (f'{n} threads at once, each calling detect back to back; FPS: frames '
                        f'of all threads per second; p50: one call; {backend.model}')


def _raw_mediapipe(which: str, rgb: List[np.ndarray], cfg: Config, body: BodyConfig
                   ) -> Tuple[List[float], str]:
    import mediapipe as mp
    graphs = []
    if which in ('pose', 'all'):
        m = body.mediapipe
        graphs.append(mp.solutions.pose.Pose(
            static_image_mode=False, model_complexity=m.model_complexity,
            min_detection_confidence=m.min_detection_confidence,
            min_tracking_confidence=m.min_tracking_confidence, enable_segmentation=False))
    if which in ('hands', 'all'):
        h = body.hands
        graphs.append(mp.solutions.hands.Hands(
            static_image_mode=False, max_num_hands=2, model_complexity=h.model_complexity,
            min_detection_confidence=h.min_detection_confidence))
    if which in ('face', 'all'):
        graphs.append(mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1,
                                                      refine_landmarks=True))
    found = [0]

    def call(i):
        image = rgb[i % len(rgb)]
        for graph in graphs:
            result = graph.process(image)
            found[0] += any(getattr(result, a, None) for a in (
                'pose_landmarks', 'multi_hand_landmarks', 'multi_face_landmarks'))
    try:
        times = timed(call, cfg.iterations, cfg.warmup)
    finally:
        for graph in graphs:
            graph.close()
    total = (cfg.iterations + cfg.warmup) * len(graphs)
    return times, f'graph.process; found something in {found[0]}/{total} calls'
