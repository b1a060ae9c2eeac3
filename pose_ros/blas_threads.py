# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
numpy's BLAS on one thread, for the whole process.

The pipeline's linear algebra is tiny (the trackers' Kalman filters, 4x4 to 8x8 solves), yet
OpenBLAS splits it over every core and its idle workers then busy-wait: on a 2-core machine
they took about 46 % of a core from the body model. With one BLAS thread body_node used 143 %
instead of 187 % CPU at 10 FPS input and its latency fell from 1.20 to 1.03 x the raw model's
(BENCHMARKS.md). ONNX Runtime, MediaPipe and OpenCV keep their own thread pools.
"""


def limit_blas_threads() -> bool:
    """
    Give every BLAS library loaded so far one thread; True if threadpoolctl could.

    Called by the pipeline factory after the models are loaded (a library loaded later is not
    limited). Without threadpoolctl nothing changes: the cost is speed, not correctness.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    threadpool_limits(limits=1, user_api='blas')   # stays in force: nothing restores it
    return True
