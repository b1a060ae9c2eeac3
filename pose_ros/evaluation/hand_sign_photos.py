# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Hand signs on real photos labelled by eye: the labels file and the confusion matrix.

``config/hand_sign_labels.yaml`` names each photo (``gt:`` in the ground-truth folder,
``media:`` a real media file) and its sign, or ``none`` for a hand that makes no sign.
``evaluate --hand-signs`` runs the pipeline on every photo, turned by each of
:data:`ROTATIONS`, and tabulates what the hands' best sign was against the label; a photo in
which no hand is found counts as ``no hand``.
"""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

from pose_ros.classifier.hand_signs import best_sign, HAND_SIGNS, UNKNOWN
from pose_ros.config import ConfigError
from pose_ros.people import Person
from pose_ros.yaml_loading import parse_unique_yaml

NONE = 'none'              # a hand that makes no sign (the label, and the prediction)
NOT_FOUND = 'no hand'      # the prediction when the pipeline finds no hand
ROTATIONS = (0, 90, 180, 270)
LABELS = HAND_SIGNS + (NONE,)


@dataclass(frozen=True)
class LabelledPhoto:
    """One photo of the labels file."""

    key: str          # as written in the file, e.g. 'gt:onehand10k/9.jpg'
    path: Path
    sign: str


def load_labels(path: Path, gt_root: Path) -> Tuple[List[LabelledPhoto], List[str]]:
    """
    Read the labels file; return the photos found and the keys of those missing here.

    :raises ConfigError: a bad file: unknown key, sign or source.
    """
    from pose_ros.media import find_media, MediaMissing
    data = parse_unique_yaml(Path(path).read_text())
    if not isinstance(data, dict) or data.get('version') != 1 or not isinstance(
            data.get('images'), dict):
        raise ConfigError(f'{path}: expected version: 1 and a mapping images: photo -> sign')
    photos, missing = [], []
    for key, sign in data['images'].items():
        if sign not in LABELS:
            raise ConfigError(f'{path}: {key}: unknown sign {sign!r}; known: {list(LABELS)}')
        source, _, name = str(key).partition(':')
        if source == 'gt':
            file = Path(gt_root) / name
        elif source == 'media':
            try:
                file = find_media(name)
            except MediaMissing:
                missing.append(key)
                continue
        else:
            raise ConfigError(f"{path}: {key}: a photo is 'gt:<path>' or 'media:<name>'")
        if file.is_file():
            photos.append(LabelledPhoto(str(key), file, sign))
        else:
            missing.append(key)
    return photos, missing


def predicted_sign(people: Sequence[Person]) -> str:
    """Return the sign the hands of ``people`` make (an open palm first), or why none."""
    hands = [hand for person in people for hand in person.hands]
    if not hands:
        return NOT_FOUND
    sign = best_sign(hands).sign
    return NONE if sign == UNKNOWN else sign


def synthetic_pairs(noise: float, views: int = 400, seed: int = 0
                    ) -> List[Tuple[str, str]]:
    """
    Return (label, sign found) of synthetic hands seen in ``views`` random ways each.

    Every sign of :data:`~pose_ros.classifier.synthetic_hands.SIGNS` and the half-open
    look-alikes (labelled ``none``), with the detector error ``noise`` (palm sizes per
    coordinate): the same hands and views as the tests.
    """
    import numpy as np
    from pose_ros.classifier.hand_signs import classify_hand
    from pose_ros.classifier.synthetic_hands import (hand_keypoints, LOOK_ALIKES,
                                                     random_view, SIGNS)
    rng = np.random.default_rng(seed)
    pairs = []
    for shape in (*SIGNS, *LOOK_ALIKES):
        truth = shape if shape in SIGNS else NONE
        for _ in range(views):
            sign = classify_hand(hand_keypoints(shape, random_view(rng, shape, noise), rng)).sign
            pairs.append((truth, NONE if sign == UNKNOWN else sign))
    return pairs


def confusion(pairs: Iterable[Tuple[str, str]]) -> Dict[str, Counter]:
    """Return ``{label: Counter(prediction)}`` of (label, prediction) pairs."""
    table: Dict[str, Counter] = {}
    for truth, guess in pairs:
        table.setdefault(truth, Counter())[guess] += 1
    return table


def summary(table: Dict[str, Counter]) -> Dict[str, float]:
    """Signs right, signs found as another sign, signs given to hands that make none."""
    signed = [(t, c) for t, c in table.items() if t != NONE]
    total = sum(sum(c.values()) for _, c in signed)
    right = sum(c[t] for t, c in signed)
    wrong = sum(n for t, c in signed for g, n in c.items() if g in HAND_SIGNS and g != t)
    none = table.get(NONE, Counter())
    false = sum(n for g, n in none.items() if g in HAND_SIGNS)
    nan = float('nan')
    return {'hands making a sign': float(total),
            'recognised': right / total if total else nan,
            'taken for another sign': wrong / total if total else nan,
            'hands making none': float(sum(none.values())),
            'given a sign': false / sum(none.values()) if none else nan}


def markdown(table: Dict[str, Counter]) -> str:
    """Return the confusion matrix: a row per label, a column per prediction seen."""
    columns = [g for g in (*LABELS, NOT_FOUND) if any(c[g] for c in table.values())]
    lines = ['| label \\ found | ' + ' | '.join(columns) + ' | total |',
             '|---|' + '---|' * (len(columns) + 1)]
    for truth in LABELS:
        if truth in table:
            row = table[truth]
            lines.append(f'| {truth} | ' + ' | '.join(str(row[g]) for g in columns)
                         + f' | {sum(row.values())} |')
    return '\n'.join(lines)
