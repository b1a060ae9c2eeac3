# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Bring up pose_ros on a camera: body_node, classifier_node, and RViz on request.

Example (RealSense-style topics)::

    ros2 launch pose_ros bringup.launch.py image:=/camera/color/image_raw \
        camera_info:=/camera/color/camera_info use_depth:=true \
        depth:=/camera/aligned_depth_to_color/image_raw use_rviz:=true
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, EmitEvent, RegisterEventHandler
from launch.conditions import IfCondition
from launch.events import matches_action
from launch.substitutions import LaunchConfiguration, PythonExpression
from launch_ros.actions import LifecycleNode, Node
from launch_ros.event_handlers import OnStateTransition
from launch_ros.events.lifecycle import ChangeState
from lifecycle_msgs.msg import Transition


def generate_launch_description() -> LaunchDescription:
    share = get_package_share_directory('pose_ros')
    arg = LaunchConfiguration
    args = [
        DeclareLaunchArgument('image', default_value='/camera/color/image_raw',
                              description='Colour image topic (sensor_msgs/Image); for '
                                          'compressed:=true its /compressed sibling is used.'),
        DeclareLaunchArgument('compressed', default_value='false',
                              description='Subscribe to <image>/compressed '
                                          '(sensor_msgs/CompressedImage) instead of <image>.'),
        DeclareLaunchArgument('camera_info', default_value='/camera/color/camera_info',
                              description='CameraInfo of the colour image (intrinsics).'),
        DeclareLaunchArgument('depth', default_value='/camera/aligned_depth_to_color/image_raw',
                              description='Depth aligned to the colour image (16UC1 mm or '
                                          '32FC1 m); used when use_depth is true.'),
        DeclareLaunchArgument('use_depth', default_value='false',
                              description='Lift keypoints to 3D from the aligned depth.'),
        DeclareLaunchArgument('backend', default_value='yolo_onnx',
                              description='Body estimator: yolo, yolo_onnx or mediapipe.'),
        DeclareLaunchArgument('head', default_value='true',
                              description='Estimate head pose and gaze in body_node.'),
        DeclareLaunchArgument('hands', default_value='false',
                              description='Estimate 21-point hands in body_node.'),
        DeclareLaunchArgument('use_classifier', default_value='true',
                              description='Start classifier_node (pose labels and commands).'),
        DeclareLaunchArgument('commands_file', default_value='',
                              description='Command map for classifier_node, e.g. '
                                          'commands_lights.yaml or commands_teleop.yaml; '
                                          'empty: labels only.'),
        DeclareLaunchArgument('cmd_vel', default_value='cmd_vel',
                              description='Topic of the Twist commands of classifier_node.'),
        DeclareLaunchArgument('params_file',
                              default_value=os.path.join(share, 'config', 'pose_ros.yaml'),
                              description='Parameter file of the pose_ros nodes.'),
        DeclareLaunchArgument('namespace', default_value='',
                              description='Namespace of the pose_ros nodes and their topics.'),
        DeclareLaunchArgument('use_rviz', default_value='false',
                              description='Start RViz with config/pose_ros.rviz.'),
        DeclareLaunchArgument('log_level', default_value='info',
                              description='Log level of the pose_ros nodes.'),
    ]
    compressed_topic = PythonExpression(["'", arg('image'), "' + '/compressed'"])
    body = LifecycleNode(
        package='pose_ros', executable='body_node', name='body_node',
        namespace=arg('namespace'), output='screen',
        parameters=[arg('params_file'), {'backend': arg('backend'),
                                         'compressed': arg('compressed'),
                                         'use_depth': arg('use_depth'),
                                         'head.enabled': arg('head'),
                                         'hands.enabled': arg('hands'),
                                         # Launch drives the lifecycle (below).
                                         'autostart': False}],
        remappings=[('image', arg('image')), ('image/compressed', compressed_topic),
                    ('camera_info', arg('camera_info')), ('depth', arg('depth'))],
        arguments=['--ros-args', '--log-level', arg('log_level')],
    )
    classifier = Node(
        package='pose_ros', executable='classifier_node', name='classifier_node',
        namespace=arg('namespace'), output='screen',
        parameters=[arg('params_file'), {'commands_file': arg('commands_file')}],
        remappings=[('people', 'people'), ('cmd_vel', arg('cmd_vel'))],
        arguments=['--ros-args', '--log-level', arg('log_level')],
        condition=IfCondition(arg('use_classifier')),
    )
    rviz = Node(
        package='rviz2', executable='rviz2', name='rviz2', output='log',
        arguments=['-d', os.path.join(share, 'config', 'pose_ros.rviz')],
        condition=IfCondition(arg('use_rviz')),
    )
    # The lifecycle the ROS way: launch asks body_node to configure (load its models), and
    # once it is inactive, to activate (subscribe and process).
    configure = EmitEvent(event=ChangeState(
        lifecycle_node_matcher=matches_action(body),
        transition_id=Transition.TRANSITION_CONFIGURE))
    activate_once_configured = RegisterEventHandler(OnStateTransition(
        target_lifecycle_node=body, start_state='configuring', goal_state='inactive',
        entities=[EmitEvent(event=ChangeState(
            lifecycle_node_matcher=matches_action(body),
            transition_id=Transition.TRANSITION_ACTIVATE))]))
    return LaunchDescription([*args, body, activate_once_configured, configure, classifier,
                              rviz])
