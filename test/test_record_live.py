# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""pose_record_live: countdown, timed capture per label from a live People topic, saved file."""

import time

import numpy as np
from pose_ros.classifier.dataset import Dataset
from pose_ros.classifier.synthetic import hold_sequence
from pose_ros.people import FrameResult, Person
from pose_ros.ros_conversion import frame_to_people_msg
from pose_ros.tools.graph import NodeProcess
from pose_ros_msgs.msg import People
from ros_helpers import RosContext, wait_for
from std_msgs.msg import Header


def test_live_recording_of_two_labels(tmp_path):
    out = tmp_path / 'live.jsonl'
    rng = np.random.default_rng(11)
    with RosContext() as ros:
        proc = NodeProcess('pose_record_live', [str(out), '--labels', 'stand,t_pose',
                                                '--countdown', '0.3', '--capture', '0.8',
                                                '--min-interval', '0'],
                           log_path=tmp_path / 'record.log')
        try:
            node = ros.node('test_record_live')
            pub = node.create_publisher(People, '/people', 10)
            assert wait_for(lambda: pub.get_subscription_count() > 0, 30.0), proc.log_text()
            frames = (hold_sequence('stand', rng, duration_s=1.1, fps=20.0)
                      + hold_sequence('t_pose', rng, duration_s=1.6, fps=20.0, start_s=1.1))
            for t, kp in frames:
                header = Header(frame_id='camera')
                header.stamp.sec, header.stamp.nanosec = int(t), int((t % 1) * 1e9)
                person = Person(body=kp, bbox=np.array([0, 0, 300, 400], np.float32),
                                track_id=1)
                pub.publish(frame_to_people_msg(FrameResult([person], 'synthetic', 640, 480),
                                                header))
                time.sleep(0.05)
            assert wait_for(lambda: not proc.alive(), 10.0), proc.log_text()
        finally:
            code = proc.stop()
    assert code == 0, proc.log_text()
    data = Dataset.load(out)
    counts = data.counts()
    assert set(counts) == {'stand', 't_pose'}, proc.log_text()
    assert min(counts.values()) >= 8
    assert data.schema.name == 'coco17'
    assert 'get ready: t_pose' in proc.log_text()
