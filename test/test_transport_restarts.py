# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Nodes start, find each other and stop, again and again, with the shipped DDS settings.

This is the evidence behind the transport default. With ``FASTDDS_BUILTIN_TRANSPORTS=
LARGE_DATA`` (Fast DDS 3.2), body_node's exit could hang forever in
``TCPChannelResourceBasic::disconnect`` after images had flowed, and a launch-time service
call could be lost. Each cycle starts body_node and a camera stand-in (``replay_bag --loop`` on
real photos), waits until People arrive here (discovery both ways, images through), then
stops body_node with SIGINT; in every other cycle the camera was SIGKILLed first, leaving its
connections dead. body_node must exit 0 each time, without a traceback.

Run it with ``FASTDDS_BUILTIN_TRANSPORTS=LARGE_DATA`` exported to measure that option.
"""

import os
import threading
import time

from pose_ros.dds_profile import profile_variable
from pose_ros.media import MediaMissing
from pose_ros.tools.build_fixtures import ensure_fixtures
from pose_ros.tools.graph import NodeProcess, ros_args, share_file
from pose_ros_msgs.msg import People
import pytest
from ros_helpers import RosContext, spin_in_thread, wait_for

CYCLES = 20
DISCOVERY_S = 60.0      # far above the 3-8 s seen (model loading included)
EXIT_S = 15.0           # a clean exit takes about a second


def test_nodes_restart_find_each_other_and_exit_cleanly(tmp_path):
    try:
        bag = ensure_fixtures(only=['photos'])['photos']
    except MediaMissing as e:
        pytest.skip(str(e))
    received = []
    lock = threading.Lock()

    def keep(msg):
        with lock:
            received.append(msg)

    def count():
        with lock:
            return len(received)

    transport = os.environ.get('FASTDDS_BUILTIN_TRANSPORTS', '(default)')
    body_args = ros_args([share_file('config/pose_ros.yaml')],
                         remaps={'image': '/camera/color/image_raw'},
                         params={'head.enabled': False})
    up, exits = [], []
    with RosContext() as ros:
        node = ros.node('restart_cycles')
        node.create_subscription(People, '/people', keep, 100)
        with spin_in_thread(node):
            for cycle in range(CYCLES):
                camera = NodeProcess('replay_bag', [str(bag), '--loop'],
                                     log_path=tmp_path / f'camera_{cycle}.log')
                body = NodeProcess('body_node', body_args,
                                   log_path=tmp_path / f'body_{cycle}.log')
                seen, t0 = count(), time.monotonic()
                try:
                    found = wait_for(lambda: count() >= seen + 3 or not body.alive(),
                                     DISCOVERY_S, interval=0.05)
                    assert found and body.alive(), \
                        f'cycle {cycle} ({transport}): no People in {DISCOVERY_S} s ' \
                        f'(discovery lost): {body.log_tail()} {camera.log_tail()}'
                    up.append(time.monotonic() - t0)
                    if cycle % 2:
                        camera.proc.kill()      # SIGKILL: the camera vanishes unannounced
                        camera.proc.wait()
                    t1 = time.monotonic()
                    code = body.stop(timeout=EXIT_S)
                    exits.append(time.monotonic() - t1)
                    assert code == 0, f'cycle {cycle} ({transport}): exit code {code} after ' \
                        f'SIGINT (-9: hung for {EXIT_S} s): {body.log_tail()}'
                    assert 'Traceback' not in body.log_text(), body.log_text()
                finally:
                    body.stop(timeout=1.0)
                    camera.stop(timeout=EXIT_S)
    print(f'{CYCLES} cycles ({transport}): People after max {max(up):.1f} s, '
          f'exit max {max(exits):.2f} s')


def fast_dds_major() -> int:
    """Return the Fast DDS major version of this ROS: rmw_fastrtps_cpp 9+ is on Fast DDS 3."""
    from ament_index_python.packages import get_package_share_directory
    import xml.etree.ElementTree as ET
    share = get_package_share_directory('rmw_fastrtps_cpp')
    version = ET.parse(os.path.join(share, 'package.xml')).getroot().findtext('version')
    return 3 if int(version.split('.')[0]) >= 9 else 2


@pytest.mark.skipif(not os.environ.get('POSE_ROS_PROFILE'),
                    reason="not this repository's set-up (POSE_ROS_PROFILE unset): a distro "
                    'user exports the profile variable themselves (README, Transport)')
def test_the_shipped_profile_is_in_the_variable_this_fast_dds_reads():
    """Fast DDS 2 (Jazzy) silently ignores FASTDDS_*; Fast DDS 3 (Kilted) warns on FASTRTPS_*."""
    wanted, other = 'FASTDDS_DEFAULT_PROFILES_FILE', 'FASTRTPS_DEFAULT_PROFILES_FILE'
    if fast_dds_major() == 2:
        wanted, other = other, wanted
    assert os.path.isfile(os.environ.get(wanted, '')), (wanted, os.environ.get(wanted))
    assert not os.environ.get(other), other
    assert profile_variable() == wanted          # what the launch file and benchmark choose
