# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Person probability maps through MediaPipe Selfie Segmentation 0.10.21.

The model (``selfie_segmentation.tflite``, 256x256, "general"; or
``selfie_segmentation_landscape.tflite``, 144x256) ships inside the mediapipe wheel. It was
made for a person filling a webcam frame, so :meth:`PersonSegmenter.infer` runs it on a crop
around each person's box (``margin`` of the box added on each side), where that person fills
the input as the model expects, and returns one probability map per crop; without people it
runs on the whole image. Which pixel belongs to whom is decided by
:func:`pose_ros.segmentation.label_people`.
"""

from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
from pose_ros.backends.base import BackendError, mediapipe_solutions
from pose_ros.segmentation import Crop

MODELS = {'general': 0, 'landscape': 1}


class PersonSegmenter:
    """MediaPipe Selfie Segmentation on crops around people (or on the whole image)."""

    def __init__(self, model: str, margin: float = 0.1) -> None:
        """
        Load the segmentation graph.

        :param model: 'general' (256x256 input) or 'landscape' (144x256, faster).
        :param margin: fraction of a person's box width/height added on each side of a crop.
        """
        if model not in MODELS:
            raise BackendError(f'segmentation model must be one of {list(MODELS)}, got {model!r}')
        solutions = mediapipe_solutions('person segmentation')
        self._graph = solutions.selfie_segmentation.SelfieSegmentation(
            model_selection=MODELS[model])
        self.margin = float(margin)
        self.model = ('selfie_segmentation.tflite' if model == 'general'
                      else 'selfie_segmentation_landscape.tflite')

    def infer(self, bgr: np.ndarray,
              boxes: Optional[Sequence[np.ndarray]] = None) -> List[Optional[Crop]]:
        """
        Return the person probability of each box's crop (None for a box that gives none).

        :param boxes: (x_min, y_min, x_max, y_max) pixels per person; None: the whole image,
            one map. A box that is not finite, or under 2 pixels inside the image, gives None.
        """
        h, w = bgr.shape[:2]
        if boxes is None:
            return [self._run(bgr, (0, 0, w, h))]
        out: List[Optional[Crop]] = []
        for box in boxes:
            box = np.asarray(box, np.float64)
            if not np.isfinite(box).all() or box[2] <= box[0] or box[3] <= box[1]:
                out.append(None)
                continue
            mx, my = self.margin * (box[2] - box[0]), self.margin * (box[3] - box[1])
            x0, y0 = max(0, int(box[0] - mx)), max(0, int(box[1] - my))
            x1, y1 = min(w, int(np.ceil(box[2] + mx))), min(h, int(np.ceil(box[3] + my)))
            out.append(self._run(bgr, (x0, y0, x1, y1)) if x1 - x0 >= 2 and y1 - y0 >= 2
                       else None)
        return out

    def _run(self, bgr: np.ndarray, box: Tuple[int, int, int, int]) -> Optional[Crop]:
        x0, y0, x1, y1 = box
        rgb = cv2.cvtColor(np.ascontiguousarray(bgr[y0:y1, x0:x1]), cv2.COLOR_BGR2RGB)
        mask = self._graph.process(rgb).segmentation_mask
        return None if mask is None else Crop(box, np.asarray(mask, np.float32))

    def close(self) -> None:
        """Release the graph."""
        if self._graph is not None:
            self._graph.close()
            self._graph = None
