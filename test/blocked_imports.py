# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Python with the training stack unimportable: a robot with the run-time requirements only.

:data:`PRELUDE` is source to run first in a fresh interpreter (``python -c PRELUDE + code``):
a ``sys.meta_path`` finder that refuses :data:`BLOCKED` with ImportError, writes
``BLOCKED_IMPORT <name>`` to stderr, and records the name in ``BLOCKED_ATTEMPTS``. So a
test sees not only that a module stayed out of ``sys.modules`` but that nothing even tried it.
"""

import sys
from typing import List

BLOCKED = ('torch', 'torchvision', 'ultralytics', 'onnx')

PRELUDE = f"""
import sys
BLOCKED = {BLOCKED!r}
BLOCKED_ATTEMPTS = []


class _Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.partition('.')[0] in BLOCKED:
            BLOCKED_ATTEMPTS.append(name)
            print('BLOCKED_IMPORT', name, file=sys.stderr, flush=True)
            raise ImportError(f'{{name}} is blocked (run-time requirements only)', name=name)
        return None


sys.meta_path.insert(0, _Blocked())
"""


def blocked_python(code: str) -> List[str]:
    """Return the command line that runs ``code`` after :data:`PRELUDE`."""
    return [sys.executable, '-c', PRELUDE + code]
