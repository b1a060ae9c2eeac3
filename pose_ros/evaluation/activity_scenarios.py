# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Synthetic activity scenarios with exact expected counts, for the tests and ``evaluate``.

Each :class:`Scenario` builds one person's motion (:mod:`pose_ros.activity.synthetic_motion`)
and says what must come out of it: falls, repetitions of an exercise, steps (None: not
checked). :func:`run_scenario` varies the person (height, proportions, distance, place,
heading) with a seed, renders the motion as a detector sees it (its measured error, and
optionally dropped frames), runs :class:`~pose_ros.activity.analyzer.ActivityAnalyzer` and
returns what it counted. :func:`activity_report` gives the recall, the false alarms per hour
of non-fall footage and the share of exact counts that EVALUATION.md reports.
"""

from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from pose_ros.activity import synthetic_motion as m
from pose_ros.activity.analyzer import ActivityAnalyzer, FALL
from pose_ros.config import ActivityConfig, replace as replace_config

Builder = Callable[[m.Pose, float, m.Body], m.Frames]
# The hips stand 1.33-1.86 torso lengths above the ankles in the skeletons YOLO finds on the
# standing people of the development photos (COCO hips sit higher than the hip joints, and
# the view foreshortens); the body model's anatomical 1.74 is near the long end. Each seed
# draws the torso between these multiples of the model's, to cover that range.
TORSO_SCALE = (0.94, 1.31)


@dataclass(frozen=True)
class Scenario:
    """One synthetic motion and what it must produce."""

    name: str
    build: Builder                     # (start pose, fps, body) -> frames
    falls: int = 0
    exercise: str = ''
    repetitions: Optional[int] = 0
    steps: Optional[int] = 0
    yaw: float = 0.0                   # which way the person faces (90: the camera's left)
    hidden: Tuple[str, ...] = ()       # joints the detector never sees (occluded)
    hide_from: float = 0.0
    walk_across: bool = False          # placed to walk across the view, not at one spot
    is_fall: bool = False
    limit_2d: str = ''                 # why 2D cannot be held to the exact counts ('' can)


def _after(seconds: float, then: Builder) -> Builder:
    """Stand still for ``seconds``, then do ``then``."""
    return lambda p, fps, body: m.hold(p, seconds, fps, body) + then(p, fps, body)


def _falls() -> List[Scenario]:
    out = []
    for direction in ('forward', 'backward', 'left', 'right'):
        for view, yaw in (('front', 0.0), ('side', 90.0)):
            out.append(Scenario(f'fall {direction}, {view} view', _after(
                2.0, lambda p, fps, b, d=direction: m.fall(p, d, fps, b)), falls=1,
                steps=None, repetitions=None, yaw=yaw, is_fall=True))
    out.append(Scenario('fall forward behind a bed (legs hidden)', _after(
        2.0, lambda p, fps, b: m.fall(p, 'forward', fps, b)), falls=1, steps=None,
        repetitions=None, yaw=90.0, hidden=m.LOWER_LEGS, is_fall=True))
    out.append(Scenario('fall sideways, slower (1.2 s)', _after(
        2.0, lambda p, fps, b: m.fall(p, 'left', fps, b, duration=1.2)), falls=1, steps=None,
        repetitions=None, is_fall=True))
    return out


def _look_alikes() -> List[Scenario]:
    def crouch_behind_desk(p, fps, b):
        return (m.hold(p, 2.0, fps, b)
                + m.move(p, m.squat_pose(p, 1.2), 0.4, fps, b, profile=lambda u: u * u)
                + m.hold(m.squat_pose(p, 1.2), 3.0, fps, b))

    return [
        Scenario('sit down on a chair (1 s)', _after(2.0, m.sit_on_chair), steps=None),
        Scenario('sit down on the floor', _after(2.0, m.sit_on_floor), steps=None),
        Scenario('bend over fast', _after(2.0, m.bend_over), yaw=90.0, steps=None),
        Scenario('lie down on purpose (6 s)', _after(2.0, m.lie_down), yaw=90.0, steps=None),
        Scenario('stumble onto a knee and get up', _after(2.0, m.stumble), yaw=90.0,
                 steps=None),
        Scenario('crouch fast behind a desk', crouch_behind_desk, hidden=m.LEGS,
                 hide_from=2.1, steps=None),
        Scenario('walk out of the image', lambda p, fps, b: m.walk(
            replace(p, x=1.2, yaw_deg=-90.0), 8, 110.0, fps, b), steps=None),
        Scenario('stand still (20 s)', lambda p, fps, b: m.hold(p, 20.0, fps, b)),
    ]


def _repetitions() -> List[Scenario]:
    out = []

    def feet_together(p: m.Pose) -> m.Pose:
        return replace(p, legs=(m.Limb(0.0, -4.0, 0.0),) * 2)

    def same(p: m.Pose) -> m.Pose:
        return p

    poses = {'squat': (same, m.squat_pose, 0.0), 'arm_curl': (same, m.curl_pose, 90.0),
             'jumping_jack': (feet_together, m.jack_pose, 0.0)}
    for exercise, (rest, peak, yaw) in poses.items():
        for period in ((1.0, 1.4, 2.0) if exercise == 'jumping_jack' else (1.2, 2.0, 3.5)):
            def build(p, fps, b, r=rest, f=peak, t=period):
                return m.hold(r(p), 1.0, fps, b) + m.cycles(r(p), f(p), 6, t, fps, b)

            out.append(Scenario(f'{exercise} x6, {period} s each', build, exercise=exercise,
                                repetitions=6, yaw=yaw))
    for period in (1.5, 2.0, 3.0):
        out.append(Scenario(f'push_up x6, {period} s each',
                            lambda p, fps, b, t=period: m.push_ups(6, t, fps, b, z=p.z),
                            exercise='push_up', repetitions=6))
    return out


def _walks() -> List[Scenario]:
    out = []
    for cadence in (80.0, 110.0, 140.0):
        for how, yaw, limit in (
                ('across', -90.0, ''),
                ('towards the camera', 0.0, 'a level camera sees the feet of someone walking '
                 'towards it one above the other, a few pixels apart'),
                ('diagonally', -45.0, 'a level camera sees half of a diagonal stride: the '
                 'first step can be missed')):
            out.append(Scenario(f'walk 8 steps {how}, {cadence:.0f}/min',
                                lambda p, fps, b, c=cadence: m.walk(p, 8, c, fps, b),
                                steps=8, yaw=yaw, walk_across=True, repetitions=None,
                                limit_2d=limit))
    return out


FALLS = _falls()
LOOK_ALIKES = _look_alikes()
REPETITIONS = _repetitions()
WALKS = _walks()
SCENARIOS: Tuple[Scenario, ...] = (*FALLS, *LOOK_ALIKES, *REPETITIONS, *WALKS)


@dataclass(frozen=True)
class Outcome:
    """What the analyzer counted in one run of a scenario."""

    falls: int
    repetitions: int
    steps: int
    duration: float            # seconds of footage
    fall_times: Tuple[float, ...]


def start_pose(s: Scenario, rng: np.random.Generator) -> m.Pose:
    """Return where and how the person of ``s`` starts, varied by ``rng``."""
    yaw = s.yaw + rng.uniform(-10.0, 10.0)
    if not s.walk_across:
        return m.standing(x=rng.uniform(-0.6, 0.6), z=rng.uniform(3.5, 5.5), yaw=yaw)
    # Walks: start where 8 steps stay in view.
    if abs(s.yaw) < 1.0:
        return m.standing(x=rng.uniform(-0.5, 0.5), z=rng.uniform(8.5, 10.0), yaw=yaw)
    return m.standing(x=rng.uniform(-3.2, -2.6), z=rng.uniform(7.5, 9.0), yaw=yaw)


def run_scenario(s: Scenario, seed: int, fps: float = 15.0, dims: int = 2, drop: float = 0.0,
                 noise: bool = True, config: Optional[ActivityConfig] = None,
                 camera: m.Camera = m.Camera()) -> Outcome:
    """Run scenario ``s`` once; the seed varies the person and the detector's error."""
    rng = np.random.default_rng(seed)
    body = m.Body.of_height(rng.uniform(1.55, 1.9))
    body = replace(body, torso=body.torso * rng.uniform(*TORSO_SCALE))
    frames = s.build(start_pose(s, rng), fps, body)
    seen = m.render(frames, fps, rng, camera,
                    m.Detector(noise=noise, dims=dims, drop=drop, hidden=s.hidden,
                               hide_from=s.hide_from))
    config = config or ActivityConfig()
    analyzer = ActivityAnalyzer(replace_config(config, {'repetitions.exercise': s.exercise}))
    fall_times = []
    for t, people in seen:
        frame = analyzer.update(t, people)
        fall_times += [e.stamp for e in frame.events if e.kind == FALL]
    totals = analyzer.totals
    return Outcome(totals.falls, totals.repetitions, totals.steps, len(frames) / fps,
                   tuple(fall_times))


def mismatches(s: Scenario, o: Outcome) -> List[str]:
    """Return what ``o`` got wrong against the expected counts of ``s``."""
    wrong = []
    for what, want, got in (('falls', s.falls, o.falls),
                            ('repetitions', s.repetitions, o.repetitions),
                            ('steps', s.steps, o.steps)):
        if want is not None and got != want:
            wrong.append(f'{what} {got} (expected {want})')
    return wrong


def _share(part: int, whole: int) -> str:
    return f'{part / whole:.1%}' if whole else '-'


CONDITIONS = ((2, 0.0), (2, 0.1), (3, 0.0), (3, 0.1))     # (dims, share of frames dropped)


def _condition_name(dims: int, drop: float) -> str:
    return f'{dims}D' + (f', {drop:.0%} dropped' if drop else '')


def activity_report(seeds: Sequence[int], fps: float = 15.0,
                    scenarios: Sequence[Scenario] = SCENARIOS) -> str:
    """
    Return the markdown report of every scenario over ``seeds`` in every condition.

    One summary row per condition (2D or 3D, with or without dropped frames): falls found,
    false alarms per hour of non-fall footage, share of runs with the exact repetition and
    step counts; then, per scenario, the share of runs whose counts were all exact.
    """
    exact: Dict[Tuple[str, str], float] = {}
    rows = ['| condition | falls found | false alarms | non-fall footage | false alarms per '
            'hour | repetition runs exact | step runs exact |', '|---|---|---|---|---|---|---|']
    for dims, drop in CONDITIONS:
        name = _condition_name(dims, drop)
        falls = found = alarms = 0
        hours = 0.0
        rep_ok = rep_n = step_ok = step_n = 0
        for s in scenarios:
            ok = 0
            for seed in seeds:
                o = run_scenario(s, seed, fps, dims, drop)
                ok += not mismatches(s, o)
                if s.is_fall:
                    falls += 1
                    found += min(o.falls, 1)
                    alarms += max(o.falls - 1, 0)
                else:
                    hours += o.duration / 3600.0
                    alarms += o.falls
                if s.exercise:
                    rep_n += 1
                    rep_ok += o.repetitions == s.repetitions
                if s.steps and not (dims == 2 and s.limit_2d):
                    step_n += 1
                    step_ok += o.steps == s.steps
            exact[(s.name, name)] = ok / len(seeds)
        rows.append(f'| {name} | {found}/{falls} ({_share(found, falls)}) | {alarms} | '
                    f'{hours:.2f} h | {alarms / hours if hours else float("nan"):.1f} | '
                    f'{_share(rep_ok, rep_n)} | {_share(step_ok, step_n)} |')
    names = [_condition_name(*c) for c in CONDITIONS]
    table = ['| scenario | expected | ' + ' | '.join(names) + ' |',
             '|---|---|' + '---|' * len(names)]
    for s in scenarios:
        want = ', '.join(f'{v} {k}' for k, v in (('falls', s.falls),
                                                 ('repetitions', s.repetitions),
                                                 ('steps', s.steps)) if v)
        cells = [f'{exact[(s.name, n)]:.0%}' + (' (2D limit)' if s.limit_2d and n[:2] == '2D'
                                                else '') for n in names]
        table.append(f'| {s.name} | {want or "nothing"} | ' + ' | '.join(cells) + ' |')
    return (f'Synthetic activity scenarios: {len(scenarios)} motions x {len(seeds)} seeds '
            f'(person, place and detector error drawn per seed), {fps:g} fps.\n\n'
            + '\n'.join(rows) + '\n\nShare of runs with every count exact:\n\n'
            + '\n'.join(table))
