# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The one interface every body-pose backend implements, and where model files are found.

Also what every backend needs around it: the CPU cores to use, and memory that goes back to the
system when models are freed (:func:`tune_allocator`, :func:`release_memory`).
"""

from abc import ABC, abstractmethod
import ctypes
import gc
import os
from pathlib import Path
import sys
from typing import Any, List, Optional, Sequence

import numpy as np

from pose_ros.config import BodyConfig
from pose_ros.people import Person
from pose_ros.schemas import KeypointSchema


class BackendError(RuntimeError):
    """A backend cannot be created or run (missing model file, missing package, bad option)."""


class PoseBackend(ABC):
    """
    Image in, people out: ``infer`` takes a BGR uint8 image and returns persons.

    Backends own their model and, where the model offers one, their tracker; every person
    carries body keypoints in ``schema`` order (pixels, confidence, and 3D where the model
    gives a metric estimate). Heavy imports happen in the constructor of the concrete class.
    """

    name: str = ''
    schema: KeypointSchema
    model: str = ''            # what is loaded, for diagnostics (file name and settings)
    streams: int = 1           # frames :meth:`estimate` may run at once, each in its own thread

    @abstractmethod
    def infer(self, bgr: np.ndarray) -> List[Person]:
        """Estimate the people in one BGR image (H, W, 3) uint8."""

    def estimate(self, bgr: np.ndarray) -> Any:
        """
        Run the model alone on one image, for :meth:`associate`; ``infer`` is the two in one.

        Up to ``streams`` threads may call it at once, on frames in any order. A backend
        whose model keeps state from frame to frame (MediaPipe's tracking) has one stream and
        does all its work here.
        """
        return self.infer(bgr)

    def associate(self, estimate: Any) -> List[Person]:
        """Turn :meth:`estimate`'s output into people (tracking): one frame at a time, in order."""
        return estimate

    def update(self, config: BodyConfig) -> None:
        """Take the run-time settings of a new configuration (read-only ones stay)."""

    def reset(self) -> None:
        """Forget tracking state (a new sequence starts)."""

    def warmup(self, width: int = 640, height: int = 480) -> None:
        """Run once on a blank image so the first real frame is not slowed by lazy set-up."""
        self.infer(np.zeros((height, width, 3), np.uint8))
        self.reset()

    def close(self) -> None:
        """Release the model."""


def model_search_path() -> List[Path]:
    """Folders searched for a model given by file name, in order."""
    paths = []
    env = os.environ.get('POSE_ROS_MODEL_DIR')
    if env:
        paths.extend(Path(p) for p in env.split(os.pathsep) if p)
    paths.append(Path.home() / '.local' / 'share' / 'pose_ros' / 'models')
    return paths


def resolve_model_path(name: str, search: Optional[Sequence[Path]] = None) -> Path:
    """
    Return the model file ``name`` (a path, or a file name looked up in the search path).

    Never downloads: a missing file is a BackendError that says where it was looked for and
    how to install it.
    """
    candidate = Path(os.path.expanduser(name))
    if candidate.is_file():
        return _readable(candidate)
    folders = list(search) if search is not None else model_search_path()
    if not candidate.is_absolute():
        for folder in folders:
            if (folder / candidate).is_file():
                return _readable(folder / candidate)
    looked = [str(candidate)] + [str(f / candidate) for f in folders
                                 if not candidate.is_absolute()]
    raise BackendError(
        f'model file {name!r} not found (looked in: {", ".join(looked)}). '
        'pose_ros never downloads weights at run time: run scripts/bootstrap.sh (or '
        'scripts/install_models.sh DIR and set POSE_ROS_MODEL_DIR=DIR), or give a full path.')


def _readable(path: Path) -> Path:
    """Return ``path`` if its first bytes can be read, else a BackendError that says why."""
    try:
        with open(path, 'rb') as f:
            head = f.read(1)
    except PermissionError:
        raise BackendError(
            f'model file {path} exists but this user may not read it (permission denied): '
            f'make it readable (chmod a+r {path}) or run the node as its owner') from None
    except OSError as e:
        raise BackendError(f'model file {path} cannot be read: {e.strerror or e}') from None
    if not head:
        raise BackendError(
            f'model file {path} is empty (0 bytes), likely an interrupted copy: install it '
            'again (scripts/bootstrap.sh, or scripts/install_models.sh DIR)')
    return path


def mediapipe_solutions(what: str):
    """
    Return ``mediapipe.solutions`` (imported here, on demand), or a BackendError saying why not.

    :param what: what needs it, for the message (e.g. 'the face mesh').
    """
    try:
        import mediapipe as mp
    except ImportError as e:  # pragma: no cover - depends on the install
        raise BackendError(f'{what} needs mediapipe==0.10.21 ({e})') from e
    _forget_import_frames()
    if not hasattr(mp, 'solutions'):
        raise BackendError(f'this mediapipe ({getattr(mp, "__version__", "?")}) has no legacy '
                           f'solutions; {what} needs mediapipe==0.10.21, the newest that '
                           'ships them with their models')
    return mp.solutions


def _forget_import_frames() -> None:
    """
    Drop the traceback mediapipe keeps of its failed optional ``sounddevice`` import.

    mediapipe 0.10.21 stores that error (``audio_record.sd_error``) with its traceback, and with
    it every frame that was running when mediapipe was first imported: the locals of whoever
    imported it first (a node's first configure, its first head and hands stage) would never
    be freed.
    """
    record = sys.modules.get('mediapipe.tasks.python.audio.core.audio_record')
    error = getattr(record, 'sd_error', None)
    if isinstance(error, BaseException):
        error.__traceback__ = None


def physical_cores() -> int:
    """Return the physical CPU cores this process may run on (at least 1)."""
    try:
        allowed = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        allowed = os.cpu_count() or 1
    try:
        import psutil
        physical = psutil.cpu_count(logical=False) or allowed
    except ImportError:
        physical = allowed
    return max(1, min(physical, allowed))


# glibc mallopt() parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1 << 20     # bytes: blocks this large get their own mapping, unmapped on free
TRIM_THRESHOLD = 2 << 20     # bytes: free memory at a heap's top beyond this goes back at once
_allocator_tuned = False


def _glibc():
    """Return the C library when it is glibc (it has malloc_trim and mallopt), else None."""
    try:
        libc = ctypes.CDLL(None)
    except OSError:  # pragma: no cover - no C library to load (Windows)
        return None
    return libc if hasattr(libc, 'malloc_trim') and hasattr(libc, 'mallopt') else None


def tune_allocator() -> bool:
    """
    Make glibc's malloc give the memory of freed models back to the system (once a process).

    Models are loaded and freed again on every lifecycle configure/cleanup, by ever new threads
    (ONNX Runtime's and MediaPipe's pools, the node's workers). glibc serves big blocks from a
    mapping of their own only above a threshold that it raises, up to 32 MiB, each time such a
    block is freed; below it they come from the heaps of up to 8 arenas per core, and a heap
    other than the main one shrinks only when tens of MiB are free at its top. Freed weights and
    inference buffers then stayed in the process: body_node's resident memory grew by half over
    60 cleanup/configure cycles, though the memory in use did not grow. A fixed threshold
    (:data:`MMAP_THRESHOLD`) unmaps such blocks when they are freed, and a fixed trim threshold
    (:data:`TRIM_THRESHOLD`) returns what is free at a heap's top; :func:`release_memory`
    returns the rest.

    Called before models are loaded (by :func:`pose_ros.backends.create_backend` and
    :class:`pose_ros.head_hands_stage.HeadHandsStage`). Returns whether glibc was tuned; a
    no-op on other C libraries.
    """
    global _allocator_tuned
    if _allocator_tuned:
        return True
    libc = _glibc()
    if libc is None:  # pragma: no cover - not glibc
        return False
    ok = (libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
          and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1)
    _allocator_tuned = ok
    return ok


def release_memory() -> None:
    """
    Free what only the garbage collector frees, then hand free heap pages back to the system.

    For after models were closed (:meth:`pose_ros.pipeline.BodyPipeline.close`):
    ``gc.collect()`` frees objects kept by reference cycles, and glibc's ``malloc_trim(0)``
    returns the free pages inside every arena's heaps, which free() alone keeps.
    """
    gc.collect()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
