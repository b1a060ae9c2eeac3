# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Stamps beside files made from other files (the ONNX export, the INT8 model), so each is made once.

A stamp is ``<file>.stamp.json``: what the file was made from and how (the source's sha256,
the settings). A file is current when it exists and its stamp equals the one its maker would
write now; anything else (no stamp, a changed source, other settings) makes it again.
"""

import json
from pathlib import Path
from typing import Any, Dict


def stamp_path(made: Path) -> Path:
    """Return where the stamp of ``made`` lives."""
    return made.with_name(made.name + '.stamp.json')


def is_current(made: Path, stamp: Dict[str, Any]) -> bool:
    """Return whether ``made`` exists and was made as ``stamp`` says."""
    try:
        return made.is_file() and json.loads(stamp_path(made).read_text()) == stamp
    except (OSError, ValueError):
        return False


def write_stamp(made: Path, stamp: Dict[str, Any]) -> None:
    """Record how ``made`` was made (after it was written)."""
    stamp_path(made).write_text(json.dumps(stamp, indent=1) + '\n')
