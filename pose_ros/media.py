# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Find the real footage of people that fixtures, tests and the demo are built from.

None of it is in git. ``scripts/bootstrap.sh`` puts it in one folder, the media folder:
``$POSE_ROS_MEDIA_DIR`` when that is set (``.ws/env.sh`` sets it), else ``<repo>/.cache/media``.

Where each file comes from:

* ``messi5.jpg``, ``vtest.avi`` (Debian ``opencv-doc``, ``examples/data/``) and
  ``face_swapped.jpg``, ``227943776_1.jpg``, ``230501201_1.jpg``, ``handSrc.jpg``
  (``opencv-doc``, ``html/``): OpenCV's documentation data, BSD/Apache licensed.
* ``bus.jpg``, ``zidane.jpg``: the example photos inside the ``ultralytics`` wheel
  (``ultralytics/assets/``).

:func:`find_media` raises :class:`MediaMissing` (a ``FileNotFoundError``) whose message says
which file is missing, where it was looked for and how to get it, so a test can skip with it:
``pytest.skip(str(error))``.
"""

import hashlib
import os
from pathlib import Path
from typing import Dict, Tuple

# Photos with people in them (whole bodies, groups, portraits), in a fixed order.
PEOPLE_PHOTOS: Tuple[str, ...] = (
    'bus.jpg', 'zidane.jpg', 'messi5.jpg', 'face_swapped.jpg', '227943776_1.jpg',
    '230501201_1.jpg')
# A close-up photo of a hand (for hand-keypoint work), not of whole people.
HAND_PHOTO = 'handSrc.jpg'
# Pedestrians walking: 768x576, 795 frames at 10 fps (OpenCV's vtest.avi).
VIDEO = 'vtest.avi'

ENV_VAR = 'POSE_ROS_MEDIA_DIR'

_OPENCV_DOC = "Debian's opencv-doc package"
_ULTRALYTICS = 'the ultralytics wheel'
# File name -> (provider, path inside the provider).
_PROVIDERS: Dict[str, Tuple[str, str]] = {
    'bus.jpg': (_ULTRALYTICS, 'ultralytics/assets/bus.jpg'),
    'zidane.jpg': (_ULTRALYTICS, 'ultralytics/assets/zidane.jpg'),
    'messi5.jpg': (_OPENCV_DOC, 'usr/share/doc/opencv-doc/examples/data/messi5.jpg'),
    'vtest.avi': (_OPENCV_DOC, 'usr/share/doc/opencv-doc/examples/data/vtest.avi'),
    'handSrc.jpg': (_OPENCV_DOC, 'usr/share/doc/opencv-doc/html/handSrc.jpg'),
    'face_swapped.jpg': (_OPENCV_DOC, 'usr/share/doc/opencv-doc/html/face_swapped.jpg'),
    '227943776_1.jpg': (_OPENCV_DOC, 'usr/share/doc/opencv-doc/html/227943776_1.jpg'),
    '230501201_1.jpg': (_OPENCV_DOC, 'usr/share/doc/opencv-doc/html/230501201_1.jpg'),
}


class MediaMissing(FileNotFoundError):
    """A footage file is not in the media folder; the message says how to get it."""

    def __init__(self, name: str, path: Path, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.path = path


def repo_root() -> Path:
    """
    Return the pose_ros source tree, whose .cache/ holds footage, fixtures and models.

    ``$POSE_ROS_ROOT`` (set by .ws/env.sh) wins; then the tree this module was loaded from
    when it is a source tree; else the current directory (an installed package has no tree).
    """
    env = os.environ.get('POSE_ROS_ROOT', '').strip()
    if env:
        return Path(env).expanduser()
    here = Path(__file__).resolve().parent.parent
    if (here / 'package.xml').is_file():
        return here
    return Path.cwd()


def media_dir() -> Path:
    """Return the media folder: ``$POSE_ROS_MEDIA_DIR`` if set, else ``<repo>/.cache/media``."""
    env = os.environ.get(ENV_VAR, '').strip()
    if env:
        return Path(env).expanduser()
    return repo_root() / '.cache' / 'media'


def _where() -> str:
    env = os.environ.get(ENV_VAR, '').strip()
    return f'${ENV_VAR}' if env else f'the default media folder (${ENV_VAR} is not set)'


def find_media(name: str) -> Path:
    """
    Return the path of the footage file ``name`` (e.g. ``'vtest.avi'``) in the media folder.

    :raises MediaMissing: the file is not there (the message names the file, the folder, the
        package that provides it and ``scripts/bootstrap.sh``, which installs it).
    """
    folder = media_dir()
    path = folder / name
    if path.is_file():
        return path
    provider = _PROVIDERS.get(name)
    if provider is None:
        how = (f'{name!r} is not one of the files scripts/bootstrap.sh installs '
               f'(those are: {", ".join(sorted(_PROVIDERS))}); put it there yourself')
    else:
        how = (f'it comes from {provider[0]} ({provider[1]}); run scripts/bootstrap.sh, '
               'which downloads and installs it there')
    message = (f'real footage {name!r} is missing: looked for {path} '
               f'(media folder from {_where()}); {how}')
    raise MediaMissing(name, path, message)


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, 'rb') as stream:
        for block in iter(lambda: stream.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()
