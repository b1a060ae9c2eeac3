# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""MediaPipe's absl lines stay out of stderr; everything else passes (pose_ros.native_log)."""

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import os, sys
    from pose_ros.native_log import NativeLogFilter
    f = NativeLogFilter().start()
    os.write(2, b'W0000 00:00:1796190691.148922   26288 inference_feedback_manager.cc:114] '
                b'Feedback manager requires a model with a single signature inference.\\n')
    os.write(2, b'[INFO] [1796190671.035] [body_node]: configured\\n')
    os.write(2, b'I0000 00:00:1.5 1 a.cc:1] x\\n')
    os.write(2, b'E0000 00:00:1796190691.1 26288 calculator_graph.cc:887] real error\\n')
    sys.stderr.write('Traceback (most recent call last):\\n')
    sys.stderr.flush()
    os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are written\\n')
    if len(sys.argv) > 1:
        import cv2, numpy as np, mediapipe as mp
        image = np.zeros((240, 320, 3), np.uint8)
        with mp.solutions.face_mesh.FaceMesh(static_image_mode=True) as mesh:
            for _ in range(3):
                mesh.process(image)
    os.write(2, b'no newline at the end')
    f.stop()
    print('dropped', f.dropped)
""")


def run(*args):
    return subprocess.run([sys.executable, '-c', SCRIPT, *args], capture_output=True,
                          text=True, timeout=120)


def test_noise_is_dropped_and_the_rest_passes_in_order():
    out = run()
    assert out.returncode == 0, out.stderr
    assert out.stderr.splitlines() == [
        '[INFO] [1796190671.035] [body_node]: configured',
        'E0000 00:00:1796190691.1 26288 calculator_graph.cc:887] real error',
        'Traceback (most recent call last):',
        'no newline at the end']
    assert out.stdout.strip() == 'dropped 3'


def test_real_mediapipe_output_is_dropped():
    pytest.importorskip('mediapipe', reason='mediapipe is not installed')
    out = run('mediapipe')
    assert out.returncode == 0, out.stderr
    assert 'inference_feedback_manager' not in out.stderr
    assert 'TensorFlow Lite' not in out.stderr
    assert out.stderr.endswith('no newline at the end'), out.stderr
    # MediaPipe did print (the model-load line at least), and it was taken out.
    assert int(out.stdout.split()[-1]) > 3, out.stdout
