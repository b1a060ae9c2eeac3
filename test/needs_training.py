# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Imported first by a test module that needs the training requirements: skips it without them.

requirements/training.txt (torch, torchvision, ultralytics, onnx) trains classifiers, exports
models and runs the ``yolo`` backend; the lean runtime set-up (``--lean``) has none of it, and
there these modules are reported as skipped with the module they lack.
"""

import pytest

for _module in ('torch', 'ultralytics', 'onnx'):
    pytest.importorskip(
        _module, reason=f'needs {_module}, of the training requirements '
        '(requirements/training.txt), which the lean runtime set-up does not install')
