# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""FrameTurns: workers that finish their models out of order still track in frame order."""

import threading
import time

from pose_ros.frame_turns import FrameTurns


def run_workers(turns, durations, fail=()):
    """Each worker takes a ticket in turn, 'runs a model' for its time, then logs in its turn."""
    log, tickets = [], []
    taken = threading.Lock()

    def work(model_s):
        with taken:                               # as the node: ticket under the frame lock
            ticket = turns.ticket()
            tickets.append(ticket)
        time.sleep(model_s)
        with turns.turn(ticket, poll_s=0.05) as running:
            if running and ticket in fail:
                raise RuntimeError('this frame failed')
            if running:
                log.append(ticket)

    def guarded(model_s):
        try:
            work(model_s)
        except RuntimeError:
            pass

    threads = []
    for model_s in durations:
        threads.append(threading.Thread(target=guarded, args=(model_s,)))
        threads[-1].start()
        time.sleep(0.01)                          # tickets in start order
    for t in threads:
        t.join(5.0)
    return log, sorted(tickets)


def test_the_later_frame_finishing_first_waits_for_the_earlier():
    log, tickets = run_workers(FrameTurns(), [0.3, 0.05, 0.15])
    assert tickets == [0, 1, 2]
    assert log == [0, 1, 2]


def test_a_failing_frame_passes_its_turn_on():
    log, _ = run_workers(FrameTurns(), [0.2, 0.05, 0.1], fail={0})
    assert log == [1, 2]


def test_close_wakes_a_waiting_worker_with_false():
    turns = FrameTurns()
    turns.ticket()                                 # ticket 0: its worker never comes back
    late = turns.ticket()
    seen = []

    def wait():
        with turns.turn(late, poll_s=10.0) as running:
            seen.append(running)

    t = threading.Thread(target=wait)
    t.start()
    time.sleep(0.1)
    assert seen == []                              # waiting for ticket 0
    turns.close()
    t.join(2.0)
    assert seen == [False]


def test_reopen_starts_from_ticket_zero():
    turns = FrameTurns()
    for _ in range(3):
        with turns.turn(turns.ticket()) as running:
            assert running
    turns.close()
    turns.reopen()
    assert turns.ticket() == 0
    with turns.turn(0, poll_s=0.05) as running:
        assert running
