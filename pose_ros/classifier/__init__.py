# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Poses to commands: features, built-in gesture rules, a trainable classifier and safety logic.

Everything here is pure Python and free of rclpy, so the classifier node, the ``pose_record``
/ ``pose_train`` tools and the tests share one code path. Running a trained model needs numpy
and ONNX Runtime (``.onnx``, :mod:`~pose_ros.classifier.onnx_model`); only training, ``.pt``
files and the export (:mod:`~pose_ros.classifier.model`, :mod:`~pose_ros.classifier.export`)
need torch.
"""
