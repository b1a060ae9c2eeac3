# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
ament-style lint as tests: flake8 (99 columns), pep257 docstrings, licence headers.

The linters run in a fresh process: flake8 forks worker processes, and forking a test process
that already holds threads of torch, MediaPipe or rclpy (earlier tests) can crash the workers.
"""

from pathlib import Path
import subprocess
import sys

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


def run_linter(module: str):
    code = f'import sys; from {module} import main; sys.exit(main(argv=sys.argv[1:]))'
    return subprocess.run([sys.executable, '-c', code, *[str(p) for p in PATHS if p.exists()]],
                          capture_output=True, text=True, timeout=600)


@pytest.mark.flake8
@pytest.mark.linter
def test_flake8():
    result = run_linter('ament_flake8.main')
    assert result.returncode == 0, f'flake8 errors:\n{result.stdout}\n{result.stderr}'


@pytest.mark.linter
@pytest.mark.pep257
def test_pep257():
    result = run_linter('ament_pep257.main')
    assert result.returncode == 0, f'pep257 errors:\n{result.stdout}\n{result.stderr}'


@pytest.mark.linter
def test_licence_header():
    missing = [str(f.relative_to(ROOT)) for f in python_files()
               if 'Licensed under the Apache License, Version 2.0'
               not in ''.join(f.read_text().splitlines(keepends=True)[:3])]
    assert not missing, f'files without the Apache-2.0 header: {missing}'
