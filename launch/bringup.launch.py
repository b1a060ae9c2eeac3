# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Bring up pose_ros on a camera: body_node, classifier_node, and on request the others and RViz.

activity_node (``use_activity``), avatar_node (``use_avatar``) and RViz (``use_rviz``) start
when asked.

Example (RealSense-style topics)::

    ros2 launch pose_ros bringup.launch.py image:=/camera/color/image_raw \
        camera_info:=/camera/color/camera_info use_depth:=true \
        depth:=/camera/aligned_depth_to_color/image_raw use_rviz:=true
"""

import os

from ament_index_python.packages import get_package_share_directory, PackageNotFoundError
from launch import LaunchContext, LaunchDescription
from launch.actions import DeclareLaunchArgument, EmitEvent, OpaqueFunction, RegisterEventHandler
from launch.events import matches_action
from launch.logging import get_logger
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import LifecycleNode, Node
from launch_ros.event_handlers import OnStateTransition
from launch_ros.events.lifecycle import ChangeState
from lifecycle_msgs.msg import Transition
from pose_ros.dds_profile import profile_variable, PROFILE_VARIABLES
from pose_ros.launch_arguments import (PARAMETER_ARGUMENTS, parameter_default, plan_launch,
                                       SWITCHES)


def _from_params_file(argument: str, what: str) -> str:
    default = parameter_default(argument)
    shown = str(default).lower() if isinstance(default, bool) else repr(default)
    return f'{what} Empty (the default): as the params file says (package default: {shown}).'


DESCRIPTIONS = {
    'image': 'Colour image topic (sensor_msgs/Image); for compressed:=true its /compressed '
             'sibling is used.',
    'camera_info': 'CameraInfo of the colour image (intrinsics).',
    'depth': 'Depth aligned to the colour image (16UC1 mm or 32FC1 m); used when use_depth '
             'is true.',
    'compressed': _from_params_file('compressed', 'true: subscribe to <image>/compressed '
                                    '(sensor_msgs/CompressedImage) instead of <image>.'),
    'use_depth': _from_params_file('use_depth', 'true: lift keypoints to 3D from the aligned '
                                   'depth.'),
    'backend': _from_params_file('backend', 'Body estimator: yolo_onnx, yolo or mediapipe.'),
    'head': _from_params_file('head', 'true: estimate head pose and gaze in body_node.'),
    'hands': _from_params_file('hands', 'true: estimate 21-point hands in body_node.'),
    'autostart': 'true: launch configures body_node, then activates it (launch_ros lifecycle '
                 'events); false: it stays unconfigured for a lifecycle manager.',
    'commands_file': _from_params_file('commands_file', 'Command map of classifier_node, e.g. '
                                       'commands_lights.yaml or commands_teleop.yaml.'),
    'use_classifier': 'Start classifier_node (pose labels and commands): true or false.',
    'use_activity': 'Start activity_node (falls, exercise repetitions, steps): true or false.',
    'use_avatar': 'Start avatar_node (one person drives an avatar over VMC and a robot head '
                  'on head_joints): true or false.',
    'exercise': _from_params_file('exercise', 'Exercise activity_node counts: squat, arm_curl, '
                                  'jumping_jack or push_up.'),
    'use_rviz': 'Start RViz with config/pose_ros.rviz: true or false (without rviz2 '
                'installed, the rest starts and a warning says so).',
    'cmd_vel': 'Topic of the Twist commands of classifier_node.',
    'params_file': 'Parameter file of the pose_ros nodes.',
    'namespace': 'Namespace of the pose_ros nodes and their topics.',
    'log_level': 'Log level of the pose_ros nodes.',
}


def _defaults(share: str) -> dict:
    return {'image': '/camera/color/image_raw', 'camera_info': '/camera/color/camera_info',
            'depth': '/camera/aligned_depth_to_color/image_raw', 'cmd_vel': 'cmd_vel',
            'params_file': os.path.join(share, 'config', 'pose_ros.yaml'), 'namespace': '',
            'log_level': 'info', **dict.fromkeys(PARAMETER_ARGUMENTS, ''),
            **{name: str(on).lower() for name, on in SWITCHES.items()}}


def _have_rviz() -> bool:
    try:
        get_package_share_directory('rviz2')
        return True
    except PackageNotFoundError:
        return False


def _processes(context: LaunchContext, share: str) -> list:
    """Check every argument and the params file first: a bad value starts nothing."""
    given = {name: LaunchConfiguration(name).perform(context) for name in DESCRIPTIONS}
    plan = plan_launch(given, given['params_file'])
    arg = LaunchConfiguration
    # The nodes stop when launch ends, even on a SIGTERM that launch does not pass on; and
    # they use the package's Fast DDS profile (images over shared memory) unless one is set.
    env = {'POSE_ROS_EXIT_WITH_PARENT': '1'}
    if not any(os.environ.get(v) for v in PROFILE_VARIABLES):
        env[profile_variable()] = os.path.join(share, 'config', 'fastdds.xml')
    common = {'namespace': arg('namespace'), 'output': 'screen',
              'arguments': ['--ros-args', '--log-level', arg('log_level')],
              'additional_env': env}
    # body_node's lifecycle is launch's to drive (its own autostart off), or a lifecycle
    # manager's with autostart:=false.
    body = LifecycleNode(
        package='pose_ros', executable='body_node', name='body_node',
        parameters=[arg('params_file'), {**plan.overrides['body_node'], 'autostart': False}],
        remappings=[('image', arg('image')), ('image/compressed', given['image'] + '/compressed'),
                    ('camera_info', arg('camera_info')), ('depth', arg('depth'))],
        **common)
    actions = [body]
    if plan.autostart:
        # Configure (load the models); once inactive, activate (subscribe and process).
        actions += [
            RegisterEventHandler(OnStateTransition(
                target_lifecycle_node=body, start_state='configuring', goal_state='inactive',
                entities=[EmitEvent(event=ChangeState(
                    lifecycle_node_matcher=matches_action(body),
                    transition_id=Transition.TRANSITION_ACTIVATE))])),
            EmitEvent(event=ChangeState(lifecycle_node_matcher=matches_action(body),
                                        transition_id=Transition.TRANSITION_CONFIGURE))]
    if plan.use_classifier:
        actions.append(Node(
            package='pose_ros', executable='classifier_node', name='classifier_node',
            parameters=[arg('params_file'), plan.overrides['classifier_node']],
            remappings=[('people', 'people'), ('cmd_vel', arg('cmd_vel'))], **common))
    if plan.use_activity:
        actions.append(Node(
            package='pose_ros', executable='activity_node', name='activity_node',
            parameters=[arg('params_file'), plan.overrides['activity_node']],
            remappings=[('people', 'people'), ('annotated_image', 'annotated_image')],
            **common))
    if plan.use_avatar:
        actions.append(Node(
            package='pose_ros', executable='avatar_node', name='avatar_node',
            parameters=[arg('params_file'), plan.overrides['avatar_node']],
            remappings=[('people', 'people'), ('pose_command', 'pose_command')], **common))
    if plan.use_rviz and _have_rviz():
        actions.append(Node(package='rviz2', executable='rviz2', name='rviz2', output='log',
                            arguments=['-d', os.path.join(share, 'config', 'pose_ros.rviz')]))
    elif plan.use_rviz:
        get_logger('pose_ros.launch').warning(
            'use_rviz:=true but rviz2 is not installed (ros-$ROS_DISTRO-rviz2); starting '
            'pose_ros without RViz')
    return actions


def generate_launch_description() -> LaunchDescription:
    share = get_package_share_directory('pose_ros')
    defaults = _defaults(share)
    args = [DeclareLaunchArgument(name, default_value=defaults[name], description=text)
            for name, text in DESCRIPTIONS.items()]
    return LaunchDescription([*args, OpaqueFunction(function=_processes, args=[share])])
