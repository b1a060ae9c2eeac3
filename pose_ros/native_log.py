# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Keep the native libraries' chatter (MediaPipe, TFLite, absl) out of a node's log.

MediaPipe's C++ code logs through absl straight to file descriptor 2, a few lines a second
(``W0000 ... inference_feedback_manager.cc:114] Feedback manager requires ...``); no
environment variable or Python call turns it off (GLOG_minloglevel and TF_CPP_MIN_LOG_LEVEL
were tried). So descriptor 2 is replaced by a pipe, and a thread passes every line on to the
real stderr except the informational and warning lines of those libraries. Errors and fatal
lines, ROS log lines and Python tracebacks pass unchanged.

Deadlock note: a writer blocks only when the pipe (64 KiB) is full, and the reader needs the
GIL to drain it. A single write of over 64 KiB made while holding the GIL would stall; log
lines are far shorter, and Python's own writes release the GIL.
"""

import os
import re
import threading
from typing import Optional

NOISE = re.compile(
    rb'^(?:[IW]\d{4} [\d:.]+ +\d+ [\w./+-]+:\d+\] '   # absl / glog I and W lines
    rb'|WARNING: All log messages before absl::InitializeLog\(\) is called'
    rb'|INFO: Created TensorFlow Lite )')


class NativeLogFilter:
    """Drop native-library noise from a file descriptor (stderr) while it runs."""

    def __init__(self, fd: int = 2) -> None:
        self.fd = fd
        self.dropped = 0
        self._saved: Optional[int] = None
        self._thread: Optional[threading.Thread] = None

    def start(self) -> 'NativeLogFilter':
        self._saved = os.dup(self.fd)
        read_end, write_end = os.pipe()
        os.dup2(write_end, self.fd)
        os.close(write_end)
        self._thread = threading.Thread(target=self._pump, args=(read_end,),
                                        name='native-log-filter', daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 1.0) -> None:
        """Give the descriptor back; what was already written is passed on first."""
        if self._saved is None:
            return
        os.dup2(self._saved, self.fd)     # closes the pipe's last write end: the pump ends
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return                    # still passing lines on: leave it the descriptor
        saved, self._saved = self._saved, None
        os.close(saved)

    def _pump(self, read_end: int) -> None:
        pending = b''
        with os.fdopen(read_end, 'rb', buffering=0) as pipe:
            while True:
                chunk = pipe.read(65536)
                if not chunk:
                    break
                *lines, pending = (pending + chunk).split(b'\n')
                out = [line + b'\n' for line in lines if not self._noise(line)]
                if out:
                    self._write(b''.join(out))
        if pending and not self._noise(pending):
            self._write(pending)

    def _noise(self, line: bytes) -> bool:
        if NOISE.match(line):
            self.dropped += 1
            return True
        return False

    def _write(self, data: bytes) -> None:
        saved = self._saved
        if saved is None:
            return
        try:
            while data:
                data = data[os.write(saved, data):]
        except OSError:
            pass    # stderr closed: nothing to tell
