# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

from glob import glob

from setuptools import find_packages, setup

PACKAGE = 'pose_ros'

setup(
    name=PACKAGE,
    version='0.1.0',
    packages=find_packages(exclude=['test', 'test.*']),
    data_files=[
        ('share/ament_index/resource_index/packages', [f'resource/{PACKAGE}']),
        (f'share/{PACKAGE}', ['package.xml']),
        (f'share/{PACKAGE}/launch', glob('launch/*.launch.py')),
        (f'share/{PACKAGE}/config', glob('config/*.yaml') + glob('config/*.rviz')
         + glob('config/*.xml')),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='pose_ros maintainers',
    maintainer_email='maintainers@pose-ros.dev',
    description='Human pose (body, hands, head) for ROS 2, and poses turned into safe commands.',
    license='Apache-2.0',
    extras_require={'test': ['pytest']},
    entry_points={
        'console_scripts': [
            'body_node = pose_ros.nodes.body_node:main',
            'classifier_node = pose_ros.nodes.classifier_node:main',
            'activity_node = pose_ros.nodes.activity_node:main',
            'avatar_node = pose_ros.nodes.avatar_node:main',
            'pose_record = pose_ros.classifier.cli:record_main',
            'pose_train = pose_ros.classifier.cli:train_main',
            'pose_record_live = pose_ros.nodes.record_node:main',
            'offline = pose_ros.tools.offline:main',
            'evaluate = pose_ros.tools.evaluate:main',
            'build_fixtures = pose_ros.tools.build_fixtures:main',
            'replay_bag = pose_ros.tools.replay:main',
            'demo = pose_ros.tools.demo:main',
            'benchmark = pose_ros.tools.benchmark:main',
            'track_stability = pose_ros.tools.track_stability:main',
            'quantize_model = pose_ros.tools.quantize_model:main',
        ],
    },
)
