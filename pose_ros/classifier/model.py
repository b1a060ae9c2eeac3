# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
A small trainable pose classifier (torch MLP) over :mod:`~pose_ros.classifier.features`.

Training and ``.pt`` files need torch; running a model does not: ``pose_train`` writes every
model twice, as ``<name>.pt`` (this module's format, for torch) and ``<name>.onnx`` (the same
network and fields for ONNX Runtime, :mod:`~pose_ros.classifier.onnx_model`; what a robot
runs), and :func:`pose_ros.classifier.predictor.load` reads either. Both share inference
(features, probabilities to labels, unknowns):
:class:`~pose_ros.classifier.predictor.PosePredictor`.

**Model file** (``.pt``): one ``torch.save`` of a dict holding only tensors and plain values
(str, int, float, bool, list, dict), so it is read with ``torch.load(weights_only=True)``,
which refuses anything else: loading a model never runs pickled code. Keys (the ``.onnx``
file's metadata holds the same fields, with ``mean``/``std`` as lists, and no weights):

=====================  ======================================================================
``format``             ``'pose_ros.pose_classifier'``
``version``            ``1`` (:data:`~pose_ros.classifier.predictor.MODEL_VERSION`)
``labels``             class names, in output order
``schema``             keypoint schema the training data came from, e.g. ``'coco17'``
``feature_spec``       :func:`~pose_ros.classifier.features.feature_spec` (layout, version)
``mean``, ``std``      per-feature standardisation (float32 tensors, ``(FEATURE_DIM,)``)
``hidden``             hidden layer sizes; ``dropout`` the training dropout
``state_dict``         the network's weights (name -> tensor)
``unknown_threshold``  below this top probability :meth:`PoseClassifier.predict` says unknown
``min_visible``        below this fraction of visible joints it says unknown
``metrics``            the validation metrics of training (plain values)
``created``            ISO 8601 UTC time of training; ``torch_version`` of the trainer
=====================  ======================================================================

A model refuses skeletons of a schema it was not trained on with :class:`SchemaMismatch`.
"""

import copy
from dataclasses import dataclass, field
import datetime
import math
from pathlib import Path
import pickle
import re
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from pose_ros.classifier.features import (
    DEFAULT_MIN_CONF, FEATURE_DIM, feature_spec, mirror, mirror_label, SchemaMismatch,
    visible_fraction)
from pose_ros.classifier.predictor import (
    MAX_LABELS, MODEL_FORMAT, MODEL_VERSION, ModelFileError, parse_header, PosePredictor,
    read_head, UNKNOWN)
import torch
from torch import nn

__all__ = ['build_network', 'compute_metrics', 'MAX_LABELS', 'MODEL_FORMAT', 'MODEL_VERSION',
           'ModelFileError', 'PoseClassifier', 'SchemaMismatch', 'TrainMetrics', 'UNKNOWN',
           'load', 'save_confusion_png', 'train']

# Limits of what a model file may declare, checked before any weight is allocated: far above
# what a pose classifier needs (the default is two layers of 64), far below what hurts a robot.
MAX_HIDDEN_LAYERS = 8
MAX_HIDDEN_UNITS = 4096


def build_network(n_in: int, hidden: Sequence[int], n_out: int, dropout: float = 0.0
                  ) -> nn.Sequential:
    """Return the MLP: Linear-ReLU(-Dropout) per hidden size, then a Linear to the logits."""
    layers: List[nn.Module] = []
    prev = n_in
    for h in hidden:
        layers += [nn.Linear(prev, int(h)), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        prev = int(h)
    layers.append(nn.Linear(prev, n_out))
    return nn.Sequential(*layers)


@dataclass
class TrainMetrics:
    """Validation metrics of one training run (confusion rows: true, columns: predicted)."""

    labels: List[str]
    accuracy: float
    per_class: Dict[str, Dict[str, float]]
    confusion: np.ndarray
    train_accuracy: float = float('nan')
    val_loss: float = float('nan')
    epochs: int = 0
    best_epoch: int = 0
    train_size: int = 0
    val_size: int = 0
    dropped: int = 0                 # rows without enough visible joints, not used
    seconds: float = 0.0
    extra: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        """Plain values only (JSON and ``weights_only`` model files)."""
        return {'labels': list(self.labels), 'accuracy': float(self.accuracy),
                'per_class': {k: {m: float(v) for m, v in d.items()}
                              for k, d in self.per_class.items()},
                'confusion': self.confusion.astype(int).tolist(),
                'train_accuracy': float(self.train_accuracy), 'val_loss': float(self.val_loss),
                'epochs': int(self.epochs), 'best_epoch': int(self.best_epoch),
                'train_size': int(self.train_size), 'val_size': int(self.val_size),
                'dropped': int(self.dropped), 'seconds': float(self.seconds)}

    def table(self) -> str:
        """Return the metrics as a plain-text table."""
        width = max([len('class')] + [len(lb) for lb in self.labels])
        lines = [f'{"class":<{width}}  precision  recall     f1  support']
        for lb in self.labels:
            d = self.per_class[lb]
            lines.append(f'{lb:<{width}}  {d["precision"]:9.3f}  {d["recall"]:6.3f}  '
                         f'{d["f1"]:5.3f}  {int(d["support"]):7d}')
        lines.append(f'accuracy {self.accuracy:.4f} on {self.val_size} validation samples '
                     f'(train {self.train_accuracy:.4f}, {self.train_size} samples; '
                     f'best epoch {self.best_epoch} of {self.epochs}; {self.seconds:.1f} s)')
        return '\n'.join(lines)

    def print_table(self, use_rich: bool = True) -> None:
        """Print the table, with rich when it is installed and asked for."""
        if use_rich:
            try:
                from rich.console import Console
                from rich.table import Table
            except ImportError:
                use_rich = False
        if not use_rich:
            print(self.table())
            return
        table = Table(title='validation metrics')
        for name in ('class', 'precision', 'recall', 'f1', 'support'):
            table.add_column(name, justify='left' if name == 'class' else 'right')
        for lb in self.labels:
            d = self.per_class[lb]
            table.add_row(lb, f'{d["precision"]:.3f}', f'{d["recall"]:.3f}', f'{d["f1"]:.3f}',
                          str(int(d['support'])))
        console = Console()
        console.print(table)
        console.print(self.table().splitlines()[-1])


def compute_metrics(labels: Sequence[str], y_true: np.ndarray, y_pred: np.ndarray
                    ) -> Tuple[float, Dict[str, Dict[str, float]], np.ndarray]:
    """Return accuracy, per-class precision/recall/f1/support and the confusion matrix."""
    n = len(labels)
    confusion = np.zeros((n, n), np.int64)
    np.add.at(confusion, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    per_class = {}
    for i, lb in enumerate(labels):
        tp = confusion[i, i]
        predicted, support = confusion[:, i].sum(), confusion[i].sum()
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[lb] = {'precision': float(precision), 'recall': float(recall),
                         'f1': float(f1), 'support': float(support)}
    accuracy = float(np.trace(confusion) / confusion.sum()) if confusion.sum() else 0.0
    return accuracy, per_class, confusion


def save_confusion_png(metrics: TrainMetrics, path: Union[str, Path],
                       title: str = 'validation confusion matrix') -> Path:
    """Draw the confusion matrix (row-normalised colours, counts written) into a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cm = metrics.confusion.astype(float)
    rows = cm.sum(axis=1, keepdims=True)
    frac = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
    n = len(metrics.labels)
    size = 2.5 + 0.6 * n
    fig = Figure(figsize=(size + 1.0, size))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(frac, vmin=0.0, vmax=1.0, cmap='Blues')
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label='fraction of the true class')
    ax.set_xticks(range(n))
    ax.set_xticklabels(metrics.labels, rotation=45, ha='right')
    ax.set_yticks(range(n))
    ax.set_yticklabels(metrics.labels)
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    ax.set_title(f'{title}\naccuracy {metrics.accuracy:.3f} ({metrics.val_size} samples)')
    for i in range(n):
        for j in range(n):
            if cm[i, j]:
                ax.text(j, i, str(int(cm[i, j])), ha='center', va='center',
                        color='white' if frac[i, j] > 0.5 else 'black', fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(str(path), dpi=100)
    return path


class PoseClassifier(PosePredictor):
    """A trained classifier run by torch: the network, and what training and ``.pt`` need."""

    def __init__(self, net: nn.Module, labels: Sequence[str], schema: str, mean: np.ndarray,
                 std: np.ndarray, hidden: Sequence[int], dropout: float = 0.0,
                 spec: Optional[Dict[str, Any]] = None, unknown_threshold: float = 0.6,
                 min_visible: float = 0.5, metrics: Optional[Dict[str, Any]] = None,
                 created: str = '', name: str = '') -> None:
        super().__init__(labels, schema, mean, std, spec, unknown_threshold, min_visible,
                         metrics, created, name)
        self.net = net.eval()
        self.hidden = [int(h) for h in hidden]
        self.dropout = float(dropout)

    def network_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities of standardised features: softmax of the network's logits."""
        with torch.no_grad():
            logits = self.net(torch.from_numpy(x))
            return torch.softmax(logits, dim=1).numpy()

    # -- files ---------------------------------------------------------------------------

    def to_dict(self) -> Dict[str, Any]:
        """Return the model file's content (see the module doc)."""
        return {
            **self.header(),
            'mean': torch.from_numpy(self.mean.copy()), 'std': torch.from_numpy(self.std.copy()),
            'hidden': list(self.hidden), 'dropout': self.dropout,
            'state_dict': {k: v.detach().cpu().clone() for k, v in self.net.state_dict().items()},
            'torch_version': str(torch.__version__),
        }

    def save(self, path: Union[str, Path]) -> Path:
        """Write the model file (parent folders are created)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(self.to_dict(), str(path))
        self.name = path.name
        return path

    @classmethod
    def load(cls, path: Union[str, Path]) -> 'PoseClassifier':
        """
        Read a model file safely: torch's ``weights_only`` loader never runs code.

        :raises ModelFileError: unreadable, not a pose_ros model, a newer format, or content
            other than tensors and plain values.
        :raises FileNotFoundError: no such file.
        """
        path = Path(path)
        head = read_head(path)
        if head[:4] != b'PK\x03\x04':      # torch.save writes a zip archive
            what = 'it is empty' if not head else f'it starts with {head!r}, not a zip archive'
            raise ModelFileError(f'{path}: not a readable model file ({what}); pose_train '
                                 'writes .pt models as torch zip archives; an ONNX model needs '
                                 'a .onnx name') from None
        try:
            data = torch.load(str(path), map_location='cpu', weights_only=True)
        except pickle.UnpicklingError as e:
            # torch's own message advises weights_only=False: never repeat that advice.
            found = re.search(r'Unsupported global: GLOBAL ([\w.]+)', str(e))
            if found:
                raise ModelFileError(
                    f'{path}: refused: the file holds a {found.group(1)} object, not only '
                    'tensors and plain values, and pose_ros never unpickles code') from None
            raise ModelFileError(
                f'{path}: not a readable model file (a torch file of tensors and plain values '
                'is expected; pose_ros never unpickles code)') from None
        except Exception as e:   # zip/pickle/EOF errors of a corrupt or foreign file
            raise ModelFileError(f'{path}: not a readable model file: {e}') from None
        return cls.from_dict(data, name=path.name)

    @classmethod
    def from_dict(cls, data: Any, name: str = '') -> 'PoseClassifier':
        """Build from the content of a model file, checking every field."""
        where = name or '<model>'
        fields = parse_header(data, where)
        try:
            hidden = _checked_hidden(data['hidden'], where)
            dropout = float(data['dropout'])
            _check_weights(data['state_dict'], hidden, len(fields['labels']), dropout, where)
            net = build_network(FEATURE_DIM, hidden, len(fields['labels']), dropout)
            net.load_state_dict(data['state_dict'], strict=True)
            return cls(net, hidden=hidden, dropout=dropout, name=name, **fields)
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as e:
            raise ModelFileError(f'{where}: malformed model file: {e}') from None


def _checked_hidden(value: Any, where: str) -> List[int]:
    """Return the declared hidden sizes, within the limits, or raise ModelFileError."""
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(h, int) and not isinstance(h, bool) for h in value):
        raise ModelFileError(f'{where}: hidden must be a list of integers, got {value!r:.80}')
    if len(value) > MAX_HIDDEN_LAYERS or any(not 1 <= h <= MAX_HIDDEN_UNITS for h in value):
        raise ModelFileError(
            f'{where}: hidden layer sizes {list(value)[:MAX_HIDDEN_LAYERS + 1]} are outside the '
            f'limits (at most {MAX_HIDDEN_LAYERS} layers of 1 to {MAX_HIDDEN_UNITS} units); '
            'pose_ros refuses it before allocating anything. Retrain with pose_train.')
    return list(value)


def _check_weights(state: Any, hidden: Sequence[int], n_out: int, dropout: float,
                   where: str) -> None:
    """Compare the file's tensors with the declared network before building it."""
    if not isinstance(state, dict):
        raise ModelFileError(f'{where}: state_dict must be a mapping of tensors')
    with torch.device('meta'):           # shapes only: nothing is allocated
        expected = {k: tuple(v.shape) for k, v in
                    build_network(FEATURE_DIM, hidden, n_out, dropout).state_dict().items()}
    found = {k: tuple(v.shape) if isinstance(v, torch.Tensor) else None
             for k, v in state.items()}
    if found != expected:
        wrong = sorted(k for k in expected.keys() | found.keys()
                       if expected.get(k) != found.get(k))
        details = ', '.join(f'{k} is {found.get(k)}, expected {expected.get(k)}'
                            for k in wrong[:3])
        raise ModelFileError(f'{where}: malformed model file: the weights do not match the '
                             f'declared network (hidden {list(hidden)}, {n_out} labels): '
                             f'{details}')


def load(path: Union[str, Path]) -> PoseClassifier:
    """
    Read a ``.pt`` model file (see :meth:`PoseClassifier.load`).

    :func:`pose_ros.classifier.predictor.load` reads ``.onnx`` files too, without torch.
    """
    return PoseClassifier.load(path)


def _split(y: np.ndarray, val_fraction: float, rng: np.random.Generator
           ) -> Tuple[np.ndarray, np.ndarray]:
    """Stratified split: about ``val_fraction`` of every class (one at least) to validation."""
    train, val = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        k = int(round(val_fraction * len(idx)))
        k = min(max(k, 1), len(idx) - 1) if len(idx) >= 2 else 0
        val.extend(idx[:k])
        train.extend(idx[k:])
    return np.array(sorted(train), int), np.array(sorted(val), int)


def train(features: np.ndarray, labels: Sequence[str], schema: str = 'coco17',
          hidden: Sequence[int] = (64, 64), epochs: int = 300, batch_size: int = 128,
          lr: float = 3e-3, weight_decay: float = 1e-4, dropout: float = 0.1,
          val_fraction: float = 0.2, patience: int = 20, seed: int = 0,
          mirror_augment: bool = False, min_visible: float = 0.5,
          unknown_threshold: float = 0.6, min_conf: float = DEFAULT_MIN_CONF,
          progress: bool = True, threads: Optional[int] = 1
          ) -> Tuple[PoseClassifier, TrainMetrics]:
    """
    Train a classifier on feature vectors (from :func:`~pose_ros.classifier.features.normalise`).

    Stratified train/validation split; Adam on cross-entropy in mini-batches; early stopping
    when the validation loss has not improved for ``patience`` epochs (the best weights are
    kept). Rows with fewer than ``min_visible`` of the joints visible are dropped.

    :param mirror_augment: add left-right mirrored copies of the training rows, relabelled
        with :func:`~pose_ros.classifier.features.mirror_label` (rows whose mirror has no known
        label are not mirrored).
    :param min_conf: the keypoint confidence threshold the features were computed with (the
        model computes its features the same way).
    :param progress: show a tqdm bar over epochs.
    :param threads: torch CPU threads while training (restored after); the network is so
        small that one thread is fastest, and far faster than several on a busy machine.
        None leaves torch's setting alone.
    :returns: the model and its validation :class:`TrainMetrics`.
    :raises ValueError: too little data, one class only, or a bad setting.
    """
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(max(1, int(threads)))
    try:
        return _train(features, labels, schema, hidden, epochs, batch_size, lr, weight_decay,
                      dropout, val_fraction, patience, seed, mirror_augment, min_visible,
                      unknown_threshold, min_conf, progress)
    finally:
        torch.set_num_threads(previous_threads)


def _train(features: np.ndarray, labels: Sequence[str], schema: str, hidden: Sequence[int],
           epochs: int, batch_size: int, lr: float, weight_decay: float, dropout: float,
           val_fraction: float, patience: int, seed: int, mirror_augment: bool,
           min_visible: float, unknown_threshold: float, min_conf: float, progress: bool
           ) -> Tuple[PoseClassifier, TrainMetrics]:
    start = time.perf_counter()
    x_all = np.asarray(features, np.float32).reshape(-1, FEATURE_DIM)
    names = [str(lb) for lb in labels]
    if len(names) != len(x_all):
        raise ValueError(f'{len(x_all)} feature rows but {len(names)} labels')
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f'val_fraction must be in (0, 1), got {val_fraction}')
    if UNKNOWN in names:
        raise ValueError(f"{UNKNOWN!r} is not a trainable label (it is the classifier's "
                         'answer when unsure)')
    keep = visible_fraction(x_all) >= min_visible
    dropped = int((~keep).sum())
    x_all = x_all[keep]
    names = [n for n, k in zip(names, keep) if k]
    classes = sorted(set(names))
    if len(classes) < 2:
        raise ValueError(f'need at least 2 labels with usable rows, got {classes}')
    y_all = np.array([classes.index(n) for n in names], np.int64)
    counts = np.bincount(y_all, minlength=len(classes))
    if counts.min() < 2:
        thin = [c for c, n in zip(classes, counts) if n < 2]
        raise ValueError(f'need at least 2 usable rows per label; too few for {thin}')

    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    tr, va = _split(y_all, val_fraction, rng)
    x_tr, y_tr = x_all[tr], y_all[tr]
    if mirror_augment:
        twins = [mirror_label(c, classes) for c in classes]
        ok = np.array([twins[c] is not None for c in y_tr])
        x_tr = np.concatenate([x_tr, mirror(x_tr[ok])])
        y_tr = np.concatenate([y_tr, [classes.index(twins[c]) for c in y_tr[ok]]]).astype(
            np.int64)
    mean = x_tr.mean(axis=0)
    std = np.maximum(x_tr.std(axis=0), 1e-2)   # constant features (always visible) stay finite

    def prep(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(((x - mean) / std).astype(np.float32))

    xt, yt = prep(x_tr), torch.from_numpy(y_tr)
    xv, yv = prep(x_all[va]), torch.from_numpy(y_all[va])
    net = build_network(FEATURE_DIM, hidden, len(classes), dropout)
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    best = (math.inf, 0, copy.deepcopy(net.state_dict()))
    from tqdm import tqdm
    bar = tqdm(range(1, epochs + 1), desc='train', unit='epoch', disable=not progress,
               leave=False)
    epoch = 0
    for epoch in bar:
        net.train()
        order = torch.from_numpy(rng.permutation(len(xt)))
        for i in range(0, len(order), batch_size):
            b = order[i:i + batch_size]
            opt.zero_grad()
            loss = loss_fn(net(xt[b]), yt[b])
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            logits = net(xv)
            val_loss = float(loss_fn(logits, yv))
            val_acc = float((logits.argmax(1) == yv).float().mean())
        bar.set_postfix(val_loss=f'{val_loss:.4f}', val_acc=f'{val_acc:.3f}')
        if val_loss < best[0] - 1e-5:
            best = (val_loss, epoch, copy.deepcopy(net.state_dict()))
        elif epoch - best[1] >= patience:
            break
    bar.close()
    net.load_state_dict(best[2])
    net.eval()
    with torch.no_grad():
        pred_v = net(xv).argmax(1).numpy()
        train_acc = float((net(xt).argmax(1) == yt).float().mean())
    accuracy, per_class, confusion = compute_metrics(classes, y_all[va], pred_v)
    metrics = TrainMetrics(classes, accuracy, per_class, confusion, train_acc, best[0], epoch,
                           best[1], len(xt), len(va), dropped, time.perf_counter() - start)
    created = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')
    model = PoseClassifier(net, classes, schema, mean, std, hidden, dropout,
                           feature_spec(min_conf), unknown_threshold, min_visible,
                           metrics.to_dict(), created)
    return model, metrics
