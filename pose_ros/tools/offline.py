# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Run the body pipeline over a rosbag, a video file or an image folder, with no ROS graph.

Writes annotated frames (or a video) and a JSON-lines file with one record per frame whose
fields are those of the pose_ros_msgs/People message the node would publish.

    offline INPUT [--out DIR] [--backend yolo|mediapipe] [--video] [--topic /camera/...]
"""

import argparse
import json
from pathlib import Path
from typing import Iterator, Optional, Sequence, Tuple

import cv2
import numpy as np
from pose_ros.annotate import draw_frame
from pose_ros.backends import BackendError, BACKENDS, create_backend
from pose_ros.depth_lifting import CameraIntrinsics
from pose_ros.image_codec import compressed_to_bgr, image_to_bgr, ImageConversionError
from pose_ros.pipeline import BodyPipeline
from pose_ros.ros_conversion import frame_to_people_msg, message_to_dict, stamp_seconds
from std_msgs.msg import Header

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')
VIDEO_SUFFIXES = ('.avi', '.mp4', '.mkv', '.mov', '.webm')
Frame = Tuple[np.ndarray, Header, Optional[CameraIntrinsics]]


def frames_from_folder(folder: Path, fps: float, frame_id: str) -> Iterator[Frame]:
    for i, path in enumerate(sorted(p for p in folder.iterdir()
                                    if p.suffix.lower() in IMAGE_SUFFIXES)):
        bgr = cv2.imread(str(path))
        if bgr is None:
            print(f'offline: skipping {path}: not a readable image')
            continue
        yield bgr, _header(i / fps, frame_id), None


def frames_from_video(path: Path, frame_id: str) -> Iterator[Frame]:
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise ValueError(f'cannot open video {path}')
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    i = 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        yield bgr, _header(i / fps, frame_id), None
        i += 1
    cap.release()


def frames_from_bag(path: Path, topic: Optional[str]) -> Iterator[Frame]:
    from rclpy.serialization import deserialize_message
    from rosbags.rosbag2 import Reader
    from sensor_msgs.msg import CameraInfo, CompressedImage, Image
    classes = {'sensor_msgs/msg/Image': Image, 'sensor_msgs/msg/CompressedImage': CompressedImage,
               'sensor_msgs/msg/CameraInfo': CameraInfo}
    with Reader(path) as reader:
        images = [c for c in reader.connections if c.msgtype in classes
                  and c.msgtype != 'sensor_msgs/msg/CameraInfo'
                  and (topic is None or c.topic == topic)]
        if not images:
            raise ValueError(f'{path} has no image topic' + (f' {topic}' if topic else '')
                             + f'; topics: {sorted(c.topic for c in reader.connections)}')
        image_topic = images[0].topic
        conns = [c for c in reader.connections if c.topic == image_topic
                 or c.msgtype == 'sensor_msgs/msg/CameraInfo']
        intrinsics = None
        for conn, _, data in reader.messages(connections=conns):
            msg = deserialize_message(data, classes[conn.msgtype])
            if isinstance(msg, CameraInfo):
                try:
                    intrinsics = CameraIntrinsics.from_camera_info(msg)
                except ValueError:
                    intrinsics = None
                continue
            try:
                bgr = (compressed_to_bgr(msg) if isinstance(msg, CompressedImage)
                       else image_to_bgr(msg))
            except ImageConversionError as e:
                print(f'offline: skipping a frame of {image_topic}: {e}')
                continue
            yield bgr, msg.header, intrinsics


def count_frames(path: Path) -> Optional[int]:
    if path.is_dir() and (path / 'metadata.yaml').is_file():
        return None
    if path.is_dir():
        return sum(1 for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    cap = cv2.VideoCapture(str(path))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    return n or None


def open_input(path: Path, topic: Optional[str], fps: float, frame_id: str) -> Iterator[Frame]:
    if path.is_dir() and (path / 'metadata.yaml').is_file():
        return frames_from_bag(path, topic)
    if path.is_dir():
        return frames_from_folder(path, fps, frame_id)
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return frames_from_video(path, frame_id)
    raise ValueError(f'{path}: expected a rosbag2 folder, an image folder or a video file '
                     f'({", ".join(VIDEO_SUFFIXES)})')


def _header(t: float, frame_id: str) -> Header:
    header = Header(frame_id=frame_id)
    header.stamp.sec = int(t)
    header.stamp.nanosec = int(round((t - int(t)) * 1e9))
    return header


def run(path: Path, out: Path, backend: str = 'yolo', topic: Optional[str] = None,
        video: bool = False, fps: float = 10.0, frame_id: str = 'camera',
        progress: bool = True) -> dict:
    """Process every frame of ``path``; return a summary (frames, people, output paths)."""
    out.mkdir(parents=True, exist_ok=True)
    pipeline = BodyPipeline(create_backend(backend))
    frames = open_input(path, topic, fps, frame_id)
    total = count_frames(path)
    if progress:
        from tqdm import tqdm
        frames = tqdm(frames, total=total, unit='frame', desc=path.name)
    jsonl = out / 'people.jsonl'
    writer = None
    n = people = 0
    with open(jsonl, 'w') as f:
        for bgr, header, intrinsics in frames:
            stamp = stamp_seconds(header.stamp)
            result = pipeline.process(bgr, stamp, None, intrinsics)
            f.write(json.dumps(message_to_dict(frame_to_people_msg(result, header))) + '\n')
            drawn = draw_frame(bgr, result, copy=False, intrinsics=intrinsics)
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
    if writer is not None:
        writer.release()
    pipeline.close()
    return {'frames': n, 'people': people, 'jsonl': str(jsonl), 'out': str(out)}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description='Run pose_ros over a rosbag, a video or an '
                                                 'image folder, without a ROS graph.')
    parser.add_argument('input', type=Path, help='rosbag2 folder, video file or image folder')
    parser.add_argument('--out', type=Path, default=Path('out/offline'))
    parser.add_argument('--backend', default='yolo', choices=BACKENDS)
    parser.add_argument('--topic', help='image topic of a bag (default: the first one)')
    parser.add_argument('--video', action='store_true',
                        help='write annotated.mp4 instead of one JPEG per frame')
    parser.add_argument('--fps', type=float, default=10.0,
                        help='frame rate given to image folders (stamps) and output videos')
    parser.add_argument('--frame-id', default='camera', help='frame_id for folders and videos')
    args = parser.parse_args(argv)
    try:
        summary = run(args.input, args.out, args.backend, args.topic, args.video, args.fps,
                      args.frame_id)
    except (BackendError, ValueError, FileNotFoundError) as e:
        print(f'offline: {e}')
        return 2
    print(f"offline: {summary['frames']} frames, {summary['people']} people; "
          f"JSON lines in {summary['jsonl']}, images in {summary['out']}")
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
