# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Activity results as ROS messages: pose_ros_msgs/Activity and ActivityEvent.

Used by activity_node and by ``offline --activity``, so that the file written offline holds
exactly what the node publishes. The header is the People message's, copied.
"""

from typing import Dict

from pose_ros.activity.analyzer import ActivityEvent, ActivityFrame, PersonActivity
from pose_ros.ros_conversion import copy_header
from pose_ros_msgs.msg import Activity as ActivityMsg
from pose_ros_msgs.msg import ActivityEvent as ActivityEventMsg
from pose_ros_msgs.msg import PersonActivity as PersonActivityMsg
from std_msgs.msg import Header


def _person_msg(p: PersonActivity) -> PersonActivityMsg:
    return PersonActivityMsg(
        track_id=int(p.track_id), bbox=[float(v) for v in p.bbox], posture=p.posture,
        fallen=bool(p.fallen), falls=int(p.falls), exercise=p.exercise,
        repetitions=int(p.repetitions), phase=p.phase, progress=float(p.progress),
        steps=int(p.steps), cadence=float(p.cadence), space=p.space)


def activity_msg(frame: ActivityFrame, header: Header) -> ActivityMsg:
    """Return the Activity message of one frame (every tracked person)."""
    return ActivityMsg(header=copy_header(header),
                       people=[_person_msg(p) for p in frame.people])


def event_msg(event: ActivityEvent, frame: ActivityFrame, header: Header) -> ActivityEventMsg:
    """Return the ActivityEvent message of ``event``; its detail comes from the same frame."""
    people: Dict[int, PersonActivity] = {p.track_id: p for p in frame.people}
    person = people.get(event.track_id)
    detail = ''
    if person is not None:
        detail = person.exercise if event.kind == ActivityEventMsg.KIND_REPETITION \
            else f'posture {person.posture}, measured in {person.space}'
    return ActivityEventMsg(header=copy_header(header), track_id=int(event.track_id),
                            kind=event.kind, count=int(event.count), detail=detail)
