# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The main job on an embedded default, with no camera.

A rosbag of real footage (photos of people, built from installed packages) is replayed with
its original timing into a live ROS graph: body_node runs as its own process with the
package's parameter file and remappings, and this process records what comes out. It writes
annotated frames, a short video and a JSON-lines file of every published People message,
then prints where they are.
"""

import argparse
import json
from pathlib import Path
import threading
import time
from typing import Dict, List, Optional, Sequence

import cv2
from diagnostic_msgs.msg import DiagnosticArray
from pose_ros.config import BACKENDS, BodyConfig, ConfigError, load_params_file
from pose_ros.image_codec import image_to_bgr
from pose_ros.media import MediaMissing, repo_root
from pose_ros.ros_conversion import message_to_dict
from pose_ros.tools.build_fixtures import ensure_fixtures
from pose_ros.tools.graph import NodeProcess, ros_args, share_file
from pose_ros.tools.replay import replay_bag
from pose_ros_msgs.msg import People
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data, QoSProfile
from sensor_msgs.msg import Image
from tf2_msgs.msg import TFMessage

CAMERA_REMAPS = {'image': '/camera/color/image_raw',
                 'image/compressed': '/camera/color/image_raw/compressed',
                 'camera_info': '/camera/color/camera_info'}


class Recorder(Node):
    """Subscribes to body_node's outputs and keeps what it receives."""

    def __init__(self, namespace: str = '') -> None:
        super().__init__('pose_ros_demo_recorder')
        ns = namespace.rstrip('/')
        self.people: List[People] = []
        self.annotated: List[Image] = []
        self.tf_frames: Dict[str, int] = {}
        self.diagnostics: List[DiagnosticArray] = []
        self.lock = threading.Lock()
        reliable = QoSProfile(depth=100)
        self.create_subscription(People, f'{ns}/people', self._keep(self.people), reliable)
        self.create_subscription(Image, f'{ns}/annotated_image', self._keep(self.annotated),
                                 QoSProfile(depth=100, reliability=qos_profile_sensor_data
                                            .reliability))
        self.create_subscription(TFMessage, '/tf', self._on_tf, QoSProfile(depth=100))
        self.create_subscription(DiagnosticArray, '/diagnostics',
                                 self._keep(self.diagnostics), reliable)

    def _keep(self, store: list):
        def callback(msg) -> None:
            with self.lock:
                store.append(msg)
        return callback

    def _on_tf(self, msg: TFMessage) -> None:
        with self.lock:
            for t in msg.transforms:
                self.tf_frames[t.child_frame_id] = self.tf_frames.get(t.child_frame_id, 0) + 1


def run_demo(out_dir: Path, backend: str = BodyConfig().backend, rate: float = 1.0,
             params: Optional[Dict[str, object]] = None, log=print) -> Dict[str, object]:
    """Replay the photo bag through body_node, record outputs into ``out_dir``; a summary."""
    params_file = share_file('config/pose_ros.yaml')
    node_params = {'backend': backend, **(params or {})}
    # A parameter body_node does not have, or a bad value, fails here with its name.
    load_params_file(params_file, BodyConfig, 'body_node', node_params)
    out_dir.mkdir(parents=True, exist_ok=True)
    bag = ensure_fixtures(only=['photos'])['photos']
    body = NodeProcess('body_node', ros_args([params_file], remaps=CAMERA_REMAPS,
                                             params=node_params),
                       log_path=out_dir / 'body_node.log')
    rclpy.init()
    recorder = Recorder()
    replayer = Node('pose_ros_demo_replay')
    executor = SingleThreadedExecutor()
    executor.add_node(recorder)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    try:
        log(f'replaying {bag} into body_node (backend {backend}); model loading can take '
            'a few seconds')
        _wait_until_subscribed(replayer, CAMERA_REMAPS['image'], body, timeout=90.0)
        stats = replay_bag(replayer, bag, rate=rate)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            with recorder.lock:
                if recorder.people and recorder.people[-1].header.stamp == _last_stamp(bag):
                    break
            time.sleep(0.1)
        time.sleep(1.2)    # one more diagnostics period
    finally:
        code = body.stop()
        executor.shutdown()
        recorder.destroy_node()
        replayer.destroy_node()
        rclpy.try_shutdown()
    if code != 0:
        raise RuntimeError(f'body_node exited with {code}; see {body.log_path}')
    return _write_outputs(out_dir, recorder, stats)


def _wait_until_subscribed(node: Node, topic: str, body: NodeProcess, timeout: float) -> None:
    """Wait for body_node to subscribe (after loading its model), or fail if it died."""
    deadline = time.monotonic() + timeout
    while node.count_subscribers(topic) == 0:
        if not body.alive():
            raise RuntimeError(f'body_node exited with {body.proc.returncode} before '
                               f'subscribing:\n{body.log_text()[-3000:]}')
        if time.monotonic() > deadline:
            raise RuntimeError(f'body_node did not subscribe to {topic} within {timeout} s; '
                               f'see {body.log_path}')
        time.sleep(0.1)


def _last_stamp(bag: Path):
    from rosbags.rosbag2 import Reader
    from rclpy.serialization import deserialize_message
    with Reader(bag) as reader:
        conns = [c for c in reader.connections if c.msgtype == 'sensor_msgs/msg/Image']
        last = None
        for _, _, data in reader.messages(connections=conns):
            last = data
    return deserialize_message(last, Image).header.stamp if last else None


def _write_outputs(out_dir: Path, recorder: Recorder, stats) -> Dict[str, object]:
    frames_dir = out_dir / 'annotated'
    frames_dir.mkdir(exist_ok=True)
    for old in frames_dir.glob('*.jpg'):
        old.unlink()
    jsonl = out_dir / 'people.jsonl'
    with recorder.lock:
        people = list(recorder.people)
        annotated = list(recorder.annotated)
        tf_frames = dict(recorder.tf_frames)
        diagnostics = list(recorder.diagnostics)
    with open(jsonl, 'w') as f:
        for msg in people:
            f.write(json.dumps(message_to_dict(msg)) + '\n')
    video = out_dir / 'annotated.mp4'
    writer = None
    for i, msg in enumerate(annotated):
        bgr = image_to_bgr(msg)
        cv2.imwrite(str(frames_dir / f'frame_{i:04d}.jpg'), bgr)
        if writer is None:
            writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 10.0,
                                     (bgr.shape[1], bgr.shape[0]))
        writer.write(bgr)
    if writer is not None:
        writer.release()
    counts = [len(m.people) for m in people]
    last_diag = ({kv.key: kv.value for kv in diagnostics[-1].status[0].values}
                 if diagnostics else {})
    summary = {
        'frames_replayed': stats.counts.get(CAMERA_REMAPS['image'], 0),
        'people_messages': len(people),
        'people_per_frame': counts,
        'annotated_frames': len(annotated),
        'tf_frames': sorted(tf_frames),
        'diagnostics': last_diag,
        'jsonl': str(jsonl),
        'annotated_dir': str(frames_dir),
        'video': str(video) if annotated else None,
    }
    (out_dir / 'summary.json').write_text(json.dumps(summary, indent=2))
    return summary


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--out', type=Path, default=None,
                        help='output folder (default: out/demo/<backend> in the repository)')
    parser.add_argument('--backend', default=BodyConfig().backend, choices=BACKENDS)
    parser.add_argument('--rate', type=float, default=1.0, help='replay speed factor')
    args = parser.parse_args(argv)
    try:
        out = args.out or repo_root() / 'out' / 'demo' / args.backend
        summary = run_demo(out, backend=args.backend, rate=args.rate)
    except (MediaMissing, ConfigError) as e:
        print(f'demo: {e}')
        return 2
    d = summary['diagnostics']
    print(f"\npose_ros demo ({args.backend}): {summary['frames_replayed']} images replayed, "
          f"{summary['people_messages']} People messages, people per frame "
          f"{summary['people_per_frame']}")
    print(f"  TF frames:        {', '.join(summary['tf_frames']) or 'none (no 3D without depth)'}")
    print(f"  latency (p50):    total {d.get('latency_total_ms_p50', '?')} ms, inference "
          f"{d.get('latency_inference_ms_p50', '?')} ms; dropped {d.get('frames_dropped', '?')}")
    print(f"  annotated frames: {summary['annotated_dir']}/ ({summary['annotated_frames']})")
    print(f"  video:            {summary['video']}")
    print(f"  messages (JSONL): {summary['jsonl']}")
    return 0 if summary['people_messages'] else 1


if __name__ == '__main__':
    raise SystemExit(main())
