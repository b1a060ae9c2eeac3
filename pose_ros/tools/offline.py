# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Run the body pipeline over a rosbag, a video file or an image folder, with no ROS graph.

Writes what body_node publishes: a JSON-lines file with one record per frame, the fields of
the ``pose_ros_msgs/People`` message (body, hands, head and face of every person, converted
by the same ``frame_to_people_msg``), and the annotated frames (or a video) body_node would
publish on ``annotated_image`` (with ``segmentation.enabled`` also ``mask_NNNNN.png``, the
16-bit ``person_mask``, and with an effect ``effect_NNNNN.jpg``). The pipeline is the node's
(:func:`pose_ros.pipeline.build_pipeline`) with the node's configuration: ``--params-file``
(e.g. ``config/pose_ros.yaml``; without it the same defaults), then ``--param NAME=VALUE``
and ``--backend`` overrides. A bag's frames come with their CameraInfo and, with
``use_depth``, their aligned depth paired by stamp (``sync_tolerance``), as the node pairs
them (:mod:`pose_ros.sources`).

With ``--activity`` it also runs activity_node's analytics (falls, repetitions, steps) on
what body_node would publish, decoded as activity_node decodes it: ``activity.jsonl`` holds
one ``pose_ros_msgs/Activity`` per frame, ``activity_events.jsonl`` the events, and the counts
are drawn on the annotated frames as on ``activity_image``. Its configuration is the params
file's ``activity_node`` part, then ``--activity-param NAME=VALUE`` overrides.

    offline INPUT [--out DIR] [--params-file FILE] [--param NAME=VALUE ...] [--backend B]
        [--video] [--topic /camera/...] [--depth-topic /camera/...]
        [--activity [--activity-param NAME=VALUE ...]]
"""

import argparse
from collections import Counter
from contextlib import ExitStack
import json
from pathlib import Path
from typing import Dict, Optional, Sequence

from builtin_interfaces.msg import Time
import cv2
from pose_ros.activity.analyzer import ActivityAnalyzer
from pose_ros.activity_messages import activity_msg, event_msg
from pose_ros.annotate import draw_activity, draw_frame
from pose_ros.backends import BackendError
from pose_ros.config import ActivityConfig, BodyConfig, ConfigError
from pose_ros.config_args import activity_config, add_config_arguments, config_from_arguments
from pose_ros.pipeline import build_pipeline
from pose_ros.ros_conversion import (decode_people, frame_to_people_msg, message_to_dict,
                                     stamp_seconds)
from pose_ros.segmentation import apply_effect, background_bgr, track_mask
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
        depth_topic: Optional[str] = None,
        activity: Optional[ActivityConfig] = None) -> dict:
    """
    Process every frame of ``path``; return a summary (frames, people, problems, outputs).

    :param config: body_node's configuration (default: its defaults).
    :param fps: the frame rate that stamps an image folder, and that of the output video.
    :param frame_id: the frame_id of folder and video frames (a bag's are its own).
    :param activity: activity_node's configuration: also run the activity analytics.
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
    analyzer = ActivityAnalyzer(activity) if activity is not None else None
    writer = None
    n = people = 0
    try:
        with ExitStack() as files:
            f = files.enter_context(open(jsonl, 'w'))
            if analyzer is not None:
                f_activity = files.enter_context(open(out / 'activity.jsonl', 'w'))
                f_events = files.enter_context(open(out / 'activity_events.jsonl', 'w'))
            for source in frames:
                result = pipeline.process(source.frame)
                problems.update(source.notes)
                # Folder and video stamps are made up (i / fps): the first one, 0, reads as
                # 'not stamped' to the frame clock. Only a bag's stamps can be wrong.
                problems.update(p for p in (result.stamp_problem if bag else None,
                                            result.depth_problem) if p)
                msg = frame_to_people_msg(result, header_of(source), config.face.landmarks)
                f.write(json.dumps(message_to_dict(msg)) + '\n')
                if result.person_labels is not None:
                    _write_segmentation(out, n, source.frame.bgr, result, config)
                drawn = draw_frame(source.frame.bgr, result, copy=False,
                                   intrinsics=result.intrinsics)
                if analyzer is not None:
                    # What activity_node does with the People message body_node publishes.
                    decoded, _ = decode_people(msg)
                    found = analyzer.update(stamp_seconds(msg.header.stamp), decoded.people)
                    f_activity.write(json.dumps(message_to_dict(
                        activity_msg(found, msg.header))) + '\n')
                    for event in found.events:
                        f_events.write(json.dumps(message_to_dict(
                            event_msg(event, found, msg.header))) + '\n')
                    draw_activity(drawn, found.people, copy=False)
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
    summary = {'frames': n, 'people': people, 'jsonl': str(jsonl), 'out': str(out),
               'skipped': skipped, 'problems': dict(problems)}
    if analyzer is not None:
        t = analyzer.totals
        summary['activity'] = {'falls': t.falls, 'repetitions': t.repetitions,
                               'steps': t.steps, 'exercise': activity.repetitions.exercise}
    return summary


def _write_segmentation(out: Path, n: int, bgr, result, config: BodyConfig) -> None:
    """Write what body_node publishes on person_mask (16-bit PNG) and effect_image."""
    cv2.imwrite(str(out / f'mask_{n:05d}.png'), track_mask(result.person_labels, result.people))
    seg = config.segmentation
    if seg.effect != 'none':
        cv2.imwrite(str(out / f'effect_{n:05d}.jpg'),
                    apply_effect(bgr, result.person_labels, seg.effect, background_bgr(config),
                                 seg.blur))


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
    parser.add_argument('--activity', action='store_true',
                        help="also run activity_node's analytics: activity.jsonl, "
                        'activity_events.jsonl, counts on the frames')
    parser.add_argument('--activity-param', action='append', default=[], metavar='NAME=VALUE',
                        help='an activity_node parameter, e.g. repetitions.exercise=push_up')
    args = parser.parse_args(argv)
    try:
        config = config_from_arguments(args)
        activity = (activity_config(args.params_file, args.activity_param)
                    if args.activity or args.activity_param else None)
        summary = run(args.input, args.out, config, args.topic, args.video, args.fps,
                      args.frame_id, not args.no_progress, args.depth_topic, activity)
    except (BackendError, ConfigError, ValueError, FileNotFoundError) as e:
        print(f'offline: {e}')
        return 2
    for text in summary['skipped']:
        print(f'offline: {text}')
    for text, count in summary['problems'].items():
        print(f'offline: {count} frame(s): {text}')
    print(f"offline: {summary['frames']} frames, {summary['people']} people; "
          f"JSON lines in {summary['jsonl']}, images in {summary['out']}")
    if 'activity' in summary:
        a = summary['activity']
        print(f"offline: activity: {a['falls']} fall(s), {a['repetitions']} repetition(s) of "
              f"{a['exercise'] or 'no exercise'}, {a['steps']} step(s); activity.jsonl and "
              'activity_events.jsonl beside')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
