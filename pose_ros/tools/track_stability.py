# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Track-id stability of each tracker on the same detections of a real video.

The body backend of the configuration (``--params-file``, ``--param``; the node's factory)
runs once over the video with its tracker off; every tracker of :mod:`pose_ros.tracking` then
gets the same detections, frame by frame, so only the tracker differs. Without ground-truth
identities, stability is counted from what a tracker gives out:

- **ids**: distinct track ids over the video (fewer for the same people is better);
- **fragments**: a track that ends and, within ``--gap`` frames, a new id whose first box
  overlaps the ended track's last box (IoU >= 0.3): one person most likely split in two;
- **mean length**: frames per id; **untracked**: detections published without an id.

    track_stability [--video vtest.avi] [--frames N] [--trackers ...] [--out BENCHMARKS.md]
                    [--params-file FILE] [--param NAME=VALUE ...]

Prints a Markdown table; ``--out`` rewrites the tracking block of that file.
"""

import argparse
from dataclasses import dataclass
from pathlib import Path
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from pose_ros.backends import BackendError, create_backend
from pose_ros.config import ConfigError, replace
from pose_ros.config_args import add_config_arguments, config_from_arguments
from pose_ros.geometry.boxes import box_iou
from pose_ros.media import find_media, MediaMissing, VIDEO
from pose_ros.tools.benchmark.report import write_block
from pose_ros.tracking import make_tracker, TrackerError, TRACKERS

BEGIN = '<!-- BEGIN tracking results (written by `track_stability --out`) -->'
END = '<!-- END tracking results -->'
FRAGMENT_IOU = 0.3
Detections = List[Tuple[np.ndarray, np.ndarray]]      # per frame: (N, 4) boxes, (N,) scores


@dataclass
class Stability:
    """What one tracker gave out over the video."""

    tracker: str
    frames: int
    detections: int
    untracked: int
    ids: int
    fragments: int
    mean_length: float
    ms_per_frame: float

    def row(self) -> List[str]:
        """Return the table row."""
        return [self.tracker, str(self.ids), str(self.fragments), f'{self.mean_length:.1f}',
                f'{self.untracked} of {self.detections}', f'{self.ms_per_frame:.2f}']


HEADERS = ['tracker', 'distinct ids', 'fragments', 'mean frames per id',
           'detections without id', 'tracker ms/frame']


def count(tracker: str, tracks: List[Dict[int, np.ndarray]], detections: int, untracked: int,
          gap: int, seconds: float) -> Stability:
    """Turn per-frame ``{id: box}`` into the stability figures (see the module doc)."""
    first: Dict[int, Tuple[int, np.ndarray]] = {}
    last: Dict[int, Tuple[int, np.ndarray]] = {}
    length: Dict[int, int] = {}
    for index, frame in enumerate(tracks):
        for track_id, box in frame.items():
            first.setdefault(track_id, (index, box))
            last[track_id] = (index, box)
            length[track_id] = length.get(track_id, 0) + 1
    fragments = 0
    for track_id, (start, box) in first.items():
        if any(end < start <= end + gap and box_iou(end_box, box) >= FRAGMENT_IOU
               for other, (end, end_box) in last.items() if other != track_id):
            fragments += 1
    mean = float(np.mean(list(length.values()))) if length else 0.0
    return Stability(tracker, len(tracks), detections, untracked, len(first), fragments, mean,
                     1e3 * seconds / max(len(tracks), 1))


def run_tracker(name: str, detections: Detections, gap: int) -> Stability:
    """Feed ``detections`` to tracker ``name`` frame by frame and count what it gives out."""
    tracker = make_tracker(name)
    tracks: List[Dict[int, np.ndarray]] = []
    untracked = 0
    start = time.perf_counter()
    for boxes, scores in detections:
        index, ids, out = tracker.update(boxes, scores)
        untracked += len(scores) - int((ids >= 0).sum())
        tracks.append({int(i): b for i, b in zip(ids, out) if i >= 0})
    seconds = time.perf_counter() - start
    return count(name, tracks, sum(len(s) for _, s in detections), untracked, gap, seconds)


def detect_video(path: Path, config, frames: Optional[int]) -> Detections:
    """Run the configured body backend (tracker off) on every frame: boxes and scores."""
    backend = create_backend(replace(config, {'yolo.tracker': 'none'}))
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ValueError(f'OpenCV cannot open the video {path}')
    out: Detections = []
    try:
        while frames is None or len(out) < frames:
            ok, bgr = capture.read()
            if not ok:
                break
            people = backend.infer(bgr)
            boxes = np.array([p.bbox for p in people], np.float32).reshape(-1, 4)
            out.append((boxes, np.array([p.score for p in people], np.float32)))
    finally:
        capture.release()
        backend.close()
    return out


def markdown(rows: Sequence[Stability], source: str, config_text: str, gap: int) -> str:
    """Return the Markdown table with what it was measured on."""
    lines = ['### Track-id stability', '',
             f'{source}; detections by {config_text}, the same for every tracker; fragments: '
             f'a new id within {gap} frames whose first box overlaps (IoU >= {FRAGMENT_IOU}) '
             f'the last box of a track that ended. Measured {time.strftime("%Y-%m-%d")}.', '',
             '| ' + ' | '.join(HEADERS) + ' |', '|' + '---|' * len(HEADERS)]
    lines += ['| ' + ' | '.join(r.row()) + ' |' for r in rows]
    return '\n'.join(lines) + '\n'


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Measure every tracker on one video and print (or write) the table."""
    parser = argparse.ArgumentParser(
        prog='track_stability', description='Distinct ids and fragments of each tracker on the '
        'same detections of a real video (see BENCHMARKS.md).')
    parser.add_argument('--video', default=VIDEO,
                        help=f'a video file, or a file name in the media folder (default {VIDEO})')
    parser.add_argument('--frames', type=int, default=None, help='only the first N frames')
    parser.add_argument('--trackers', nargs='+', choices=[t for t in TRACKERS if t != 'none'],
                        default=[t for t in TRACKERS if t != 'none'])
    parser.add_argument('--gap', type=int, default=30,
                        help='frames between a track ending and a new one for a fragment')
    parser.add_argument('--out', type=Path, default=None,
                        help='Markdown file whose tracking block to rewrite (BENCHMARKS.md)')
    add_config_arguments(parser)
    args = parser.parse_args(argv)
    try:
        config = config_from_arguments(args)
        path = Path(args.video) if Path(args.video).is_file() else find_media(args.video)
        detections = detect_video(path, config, args.frames)
        rows = [run_tracker(name, detections, args.gap) for name in args.trackers]
    except (ConfigError, BackendError, TrackerError, MediaMissing, ValueError) as e:
        print(f'track_stability: {e}', file=sys.stderr)
        return 2
    source = f'{path.name}, {len(detections)} frames'
    weights = config.yolo.weights if config.backend == 'yolo' else config.onnx.weights
    text = markdown(rows, source, f'{config.backend} ({weights})', args.gap)
    print(text)
    if args.out is not None:
        write_block(args.out, text, BEGIN, END)
    return 0


if __name__ == '__main__':
    sys.exit(main())
