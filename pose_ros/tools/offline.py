# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Run the body pipeline over a rosbag, a video file or an image folder, with no ROS graph.

Writes what body_node publishes: a JSON-lines file with one record per frame, the fields of
the ``pose_ros_msgs/People`` message (body, hands and head of every person, converted by the
same ``frame_to_people_msg``), and the annotated frames (or a video) body_node would publish
on ``annotated_image``. The pipeline is the node's (:func:`pose_ros.pipeline.build_pipeline`)
with the node's configuration: ``--params-file`` (e.g. ``config/pose_ros.yaml``; without it
the same defaults), then ``--param NAME=VALUE`` and ``--backend`` overrides. A bag's frames
come with their CameraInfo and, with ``use_depth``, their aligned depth paired by stamp
(``sync_tolerance``), as the node pairs them (:mod:`pose_ros.sources`).

    offline INPUT [--out DIR] [--params-file FILE] [--param NAME=VALUE ...] [--backend B]
        [--video] [--topic /camera/...] [--depth-topic /camera/...]
"""

import argparse
from collections import Counter
import json
from pathlib import Path
from typing import Dict, Optional, Sequence

from builtin_interfaces.msg import Time
import cv2
from pose_ros.annotate import draw_frame
from pose_ros.backends import BackendError
from pose_ros.config import BodyConfig, ConfigError
from pose_ros.config_args import add_config_arguments, config_from_arguments
from pose_ros.pipeline import build_pipeline
from pose_ros.ros_conversion import frame_to_people_msg, message_to_dict
from pose_ros.sources import count_frames, find_depth_topic, is_bag, open_source, SourceFrame
from std_msgs.msg import Header


def header_of(frame: SourceFrame) -> Header:
    """Return the std_msgs/Header of a source frame (its exact stamp and frame_id)."""
    return Header(stamp=Time(sec=frame.sec, nanosec=frame.nanosec), frame_id=frame.frame_id)


def _bag_options(path: Path, config: BodyConfig, topic: Optional[str],
                 depth_topic: Optional[str]) -> Dict[str, object]:
    """Depth pairing as body_node does it: only with ``use_depth``, within sync_tolerance."""
    if depth_topic is not None and not config.use_depth:
        raise ValueError('--depth-topic needs use_depth true (--param use_depth=true)')
    if not config.use_depth or not is_bag(path):
        return {}
    depth_topic = depth_topic or find_depth_topic(path, topic)
    if depth_topic is None:
        raise ValueError(f'use_depth is true but {path} has no depth topic (an Image topic '
                         'named *depth*): name it with --depth-topic')
    return {'depth_topic': depth_topic, 'tolerance': config.sync_tolerance}


def run(path: Path, out: Path, config: Optional[BodyConfig] = None,
        topic: Optional[str] = None, video: bool = False, fps: float = 10.0,
        frame_id: str = 'camera', progress: bool = True,
        depth_topic: Optional[str] = None) -> dict:
    """
    Process every frame of ``path``; return a summary (frames, people, problems, outputs).

    :param config: body_node's configuration (default: its defaults).
    :param fps: the frame rate that stamps an image folder, and that of the output video.
    :param frame_id: the frame_id of folder and video frames (a bag's are its own).
    """
    config = config or BodyConfig()
    path, out = Path(path), Path(out)
    problems: Counter = Counter()
    skipped = []
    frames = open_source(path, topic, fps, frame_id, max_pixels=config.max_image_pixels,
                         on_skip=skipped.append, **_bag_options(path, config, topic,
                                                                depth_topic))
    bag = is_bag(path)
    out.mkdir(parents=True, exist_ok=True)
    pipeline = build_pipeline(config)
    if progress:
        from tqdm import tqdm
        frames = tqdm(frames, total=count_frames(path, topic), unit='frame', desc=path.name)
    jsonl = out / 'people.jsonl'
    writer = None
    n = people = 0
    try:
        with open(jsonl, 'w') as f:
            for source in frames:
                result = pipeline.process(source.frame)
                problems.update(source.notes)
                # Folder and video stamps are made up (i / fps): the first one, 0, reads as
                # 'not stamped' to the frame clock. Only a bag's stamps can be wrong.
                problems.update(p for p in (result.stamp_problem if bag else None,
                                            result.depth_problem) if p)
                f.write(json.dumps(message_to_dict(frame_to_people_msg(
                    result, header_of(source)))) + '\n')
                drawn = draw_frame(source.frame.bgr, result, copy=False,
                                   intrinsics=result.intrinsics)
                if video:
                    if writer is None:
                        writer = cv2.VideoWriter(str(out / 'annotated.mp4'),
                                                 cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                                 (drawn.shape[1], drawn.shape[0]))
                    writer.write(drawn)
                else:
                    cv2.imwrite(str(out / f'frame_{n:05d}.jpg'), drawn)
                n += 1
                people += len(result.people)
    finally:
        if writer is not None:
            writer.release()
        pipeline.close()
    return {'frames': n, 'people': people, 'jsonl': str(jsonl), 'out': str(out),
            'skipped': skipped, 'problems': dict(problems)}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog='offline', description='Run pose_ros over a rosbag, a video or an image folder, '
        'without a ROS graph; write what body_node would publish.')
    parser.add_argument('input', type=Path, help='rosbag2 folder, video file or image folder')
    parser.add_argument('--out', type=Path, default=Path('out/offline'))
    add_config_arguments(parser)
    parser.add_argument('--topic', help='image topic of a bag (default: the first colour one)')
    parser.add_argument('--depth-topic', help='aligned depth topic of a bag, with use_depth '
                        '(default: the first Image topic named *depth*)')
    parser.add_argument('--video', action='store_true',
                        help='write annotated.mp4 instead of one JPEG per frame')
    parser.add_argument('--fps', type=float, default=10.0,
                        help='frame rate given to image folders (stamps) and output videos')
    parser.add_argument('--frame-id', default='camera', help='frame_id for folders and videos')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    args = parser.parse_args(argv)
    try:
        config = config_from_arguments(args)
        summary = run(args.input, args.out, config, args.topic, args.video, args.fps,
                      args.frame_id, not args.no_progress, args.depth_topic)
    except (BackendError, ConfigError, ValueError, FileNotFoundError) as e:
        print(f'offline: {e}')
        return 2
    for text in summary['skipped']:
        print(f'offline: {text}')
    for text, count in summary['problems'].items():
        print(f'offline: {count} frame(s): {text}')
    print(f"offline: {summary['frames']} frames, {summary['people']} people; "
          f"JSON lines in {summary['jsonl']}, images in {summary['out']}")
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
