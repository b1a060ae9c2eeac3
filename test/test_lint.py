# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""ament-style lint as tests: flake8 (99 columns), pep257 docstrings, licence headers."""

from pathlib import Path

from ament_flake8.main import main_with_errors as flake8_main
from ament_pep257.main import main as pep257_main
import pytest

ROOT = Path(__file__).resolve().parent.parent
# What this package owns; .venv/.ws/.cache are set-up products, never linted.
PATHS = [ROOT / p for p in ('pose_ros', 'test', 'launch', 'scripts', 'setup.py')]


def python_files():
    for path in PATHS:
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(path.rglob('*.py'))


@pytest.mark.flake8
@pytest.mark.linter
def test_flake8():
    rc, errors = flake8_main(argv=[str(p) for p in PATHS if p.exists()])
    assert rc == 0, f'{len(errors)} flake8 errors:\n' + '\n'.join(errors)


@pytest.mark.linter
@pytest.mark.pep257
def test_pep257():
    rc = pep257_main(argv=[str(p) for p in PATHS if p.exists()])
    assert rc == 0, 'pep257 docstring errors (listed above)'


@pytest.mark.linter
def test_licence_header():
    missing = [str(f.relative_to(ROOT)) for f in python_files()
               if 'Licensed under the Apache License, Version 2.0'
               not in ''.join(f.read_text().splitlines(keepends=True)[:3])]
    assert not missing, f'files without the Apache-2.0 header: {missing}'
