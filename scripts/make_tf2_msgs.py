# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Write a tf2_msgs interface package holding the standard TFMessage definition.

The ROS 2 wheels on PyPI have no tf2_msgs. TFMessage is a one-field standard interface; a
package built from the same definition has the same type hash, so it interoperates with
tf2_ros broadcasters and listeners on a real distro. Only used by scripts/bootstrap.sh where
no ROS distro provides tf2_msgs (on a distro, the real package is used).
"""

from pathlib import Path
import sys

FILES = {
    'package.xml': """<?xml version="1.0"?>
<package format="3">
  <name>tf2_msgs</name>
  <version>0.0.0</version>
  <description>TFMessage from its standard definition (made by pose_ros bootstrap).</description>
  <maintainer email="maintainers@pose-ros.dev">pose_ros maintainers</maintainer>
  <license>BSD-3-Clause</license>
  <buildtool_depend>ament_cmake</buildtool_depend>
  <buildtool_depend>rosidl_default_generators</buildtool_depend>
  <depend>geometry_msgs</depend>
  <exec_depend>rosidl_default_runtime</exec_depend>
  <member_of_group>rosidl_interface_packages</member_of_group>
  <export><build_type>ament_cmake</build_type></export>
</package>
""",
    'CMakeLists.txt': """cmake_minimum_required(VERSION 3.8)
project(tf2_msgs)
find_package(ament_cmake REQUIRED)
find_package(rosidl_default_generators REQUIRED)
find_package(geometry_msgs REQUIRED)
rosidl_generate_interfaces(${PROJECT_NAME} "msg/TFMessage.msg" DEPENDENCIES geometry_msgs)
ament_export_dependencies(rosidl_default_runtime)
ament_package()
""",
    'msg/TFMessage.msg': 'geometry_msgs/TransformStamped[] transforms\n',
}


def main(dest: str) -> None:
    root = Path(dest)
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        # Rewrite only on change so colcon's incremental build stays incremental.
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


if __name__ == '__main__':
    main(sys.argv[1])
