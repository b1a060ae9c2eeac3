# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Command lines: ``pose_record`` builds a labelled dataset, ``pose_train`` trains a model on it.

    pose_record OUT.jsonl --folders ROOT                 # ROOT/<label>/<images>
    pose_record OUT.jsonl --video FILE --label t_pose
    pose_record OUT.jsonl --bag BAG --segments 0:5:stand,5:10:t_pose [--topic /people]
        [--params-file config/pose_ros.yaml] [--param NAME=VALUE ...] [--backend B]
    pose_record OUT.jsonl --synthetic 200 --labels stand,t_pose,dab   # stick figures, no camera
    pose_train DATA.jsonl [MORE.jsonl ...] --out model.pt [--mirror]

Images run through body_node's pipeline with body_node's configuration (``--params-file``,
``--param`` and ``--backend``: see :mod:`pose_ros.config_args`). ``pose_train`` writes the
model twice, ``--out`` (``model.pt``, torch) and ``model.onnx`` beside it (ONNX Runtime, what
a robot runs: no torch needed; the export is checked against torch and its largest difference
printed), then ``<model>.metrics.txt`` (the table), ``<model>.metrics.json`` and
``<model>.confusion.png`` next to it (or in ``--report-dir``). An ``--out`` ending in
``.onnx`` is refused: it names the ``.pt`` file. Both exit with 2 and a one-line reason on bad
input (``pose_train`` with 1 when the export check fails, the ``.pt`` file written), and print
the dataset / metrics summary on success.
"""

import argparse
import json
from pathlib import Path
import sys
from typing import List, Optional, Sequence

from pose_ros.backends import BackendError
from pose_ros.classifier.dataset import Dataset
from pose_ros.classifier.features import SchemaMismatch
from pose_ros.classifier.recording import (
    parse_segments, record_from_bag, record_from_folders, record_from_video, RecordReport)
from pose_ros.config_args import add_config_arguments, config_from_arguments


def _counts(ds: Dataset) -> str:
    return ', '.join(f'{k}: {v}' for k, v in ds.counts().items()) or 'no rows'


def record_main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``pose_record``."""
    parser = argparse.ArgumentParser(
        prog='pose_record', description='Build a labelled keypoint dataset (JSON Lines, see '
        'pose_ros/classifier/dataset.py) from image folders, a video, a rosbag or stick '
        'figures.')
    parser.add_argument('out', type=Path, help='dataset file to write (.jsonl)')
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument('--folders', type=Path, help='folder with one subfolder of images per label')
    src.add_argument('--video', type=Path, help='video file (needs --label or --segments)')
    src.add_argument('--bag', type=Path, help='rosbag2 folder of images or pose_ros_msgs/People '
                     '(needs --label or --segments)')
    src.add_argument('--synthetic', type=int, metavar='N',
                     help='N synthetic stick figures per label of --labels')
    parser.add_argument('--label', help='the label of every frame (video, bag)')
    parser.add_argument('--segments', help='labels by time, start:end:label in seconds from the '
                        'first frame, comma-separated (video, bag), e.g. 0:5:stand,5:10:t_pose')
    parser.add_argument('--labels', help='comma-separated labels (--synthetic)')
    add_config_arguments(parser)
    parser.add_argument('--topic', help='bag topic to read (default: its People topic, else '
                        'its first image topic)')
    parser.add_argument('--every', type=int, default=1, help='keep every n-th frame')
    parser.add_argument('--all-people', action='store_true',
                        help='one row per person instead of the largest person only')
    parser.add_argument('--append', action='store_true', help='add to OUT if it exists')
    parser.add_argument('--schema', default='coco17', help='schema of --synthetic figures')
    parser.add_argument('--seed', type=int, default=0, help='random seed of --synthetic')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    args = parser.parse_args(argv)
    try:
        existing = Dataset.load(args.out) if args.append and args.out.is_file() else None
        report = RecordReport()
        progress = not args.no_progress
        if args.synthetic is not None:
            ds = _synthetic(args, existing)
        else:
            config = config_from_arguments(args)
            if args.folders is not None:
                if args.label or args.segments:
                    raise ValueError('--folders takes labels from its subfolder names; '
                                     'drop --label/--segments')
                ds = record_from_folders(args.folders, config, dataset=existing,
                                         all_people=args.all_people, progress=progress,
                                         report=report)
            else:
                if bool(args.label) == bool(args.segments):
                    raise ValueError('give exactly one of --label and --segments')
                label = args.label or parse_segments(args.segments)
                if args.video is not None:
                    ds = record_from_video(args.video, label, config, dataset=existing,
                                           every=args.every, all_people=args.all_people,
                                           progress=progress, report=report)
                else:
                    ds = record_from_bag(args.bag, label, config, topic=args.topic,
                                         dataset=existing, every=args.every,
                                         all_people=args.all_people, progress=progress,
                                         report=report)
            print(f'pose_record: {report.summary()}')
        if not len(ds):
            raise ValueError('no rows recorded (nobody seen in any labelled frame)')
        ds.save(args.out)
    except (ValueError, KeyError, FileNotFoundError, SchemaMismatch, BackendError) as e:
        print(f'pose_record: {e}', file=sys.stderr)
        return 2
    print(f'pose_record: {len(ds)} rows ({_counts(ds)}), schema {ds.schema.name}, '
          f'written to {args.out}')
    return 0


def _synthetic(args: argparse.Namespace, existing: Optional[Dataset]) -> Dataset:
    import numpy as np
    from pose_ros.classifier import synthetic
    from pose_ros.schemas import get_schema
    if not args.labels:
        raise ValueError(f'--synthetic needs --labels (any of {", ".join(synthetic.LABELS)})')
    labels = [lb.strip() for lb in args.labels.split(',') if lb.strip()]
    schema = get_schema(args.schema)
    ds = existing or Dataset(schema, f'synthetic:seed={args.seed}', 'synthetic')
    rng = np.random.default_rng(args.seed)
    for label in labels:
        for kp in synthetic.generate(label, args.synthetic, rng, schema=schema):
            ds.append(label, kp, (640, 480), 'synthetic')
    return ds


def _int_list(text: str) -> List[int]:
    try:
        values = [int(v) for v in text.split(',') if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f'want comma-separated integers, got {text!r}')
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f'want positive sizes, got {text!r}')
    return values


def train_main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``pose_train``."""
    parser = argparse.ArgumentParser(
        prog='pose_train', description='Train a pose classifier on pose_record datasets; '
        'write the model, a metrics table and a confusion-matrix PNG.')
    parser.add_argument('data', type=Path, nargs='+', help='dataset files (.jsonl), one schema')
    parser.add_argument('--out', type=Path, required=True,
                        help='model file to write (.pt); the .onnx is written beside it')
    parser.add_argument('--report-dir', type=Path,
                        help='folder of the metrics and confusion PNG (default: beside --out)')
    parser.add_argument('--hidden', type=_int_list, default=[64, 64],
                        help='hidden layer sizes, e.g. 64,64')
    parser.add_argument('--epochs', type=int, default=300, help='most epochs')
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--lr', type=float, default=3e-3, help='Adam learning rate')
    parser.add_argument('--val', type=float, default=0.2, help='validation fraction (0..1)')
    parser.add_argument('--patience', type=int, default=20,
                        help='stop after this many epochs without a better validation loss')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--mirror', action='store_true',
                        help='add left-right mirrored rows (left/right labels swapped)')
    parser.add_argument('--unknown-threshold', type=float, default=0.6,
                        help='below this top probability the model says unknown')
    parser.add_argument('--min-visible', type=float, default=0.5,
                        help='below this fraction of visible joints the model says unknown')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    parser.add_argument('--plain', action='store_true', help='plain-text table (no rich)')
    args = parser.parse_args(argv)
    if args.out.suffix.lower() == '.onnx':
        print(f'pose_train: --out names the torch model file (e.g. '
              f'{args.out.with_suffix(".pt")}); {args.out.name} is written beside it',
              file=sys.stderr)
        return 2
    try:
        from pose_ros.classifier.export import export_onnx, ExportError
        from pose_ros.classifier.model import save_confusion_png, train
    except ImportError as e:          # a robot with the runtime requirements only
        print(f'pose_train: training needs torch and onnx, the training requirements: pip '
              f'install -r requirements/training.txt ({e})', file=sys.stderr)
        return 2
    try:
        ds = Dataset.load_many(args.data)
        print(f'pose_train: {len(ds)} rows ({_counts(ds)}), schema {ds.schema.name}')
        x, y = ds.to_features()
        model, metrics = train(x, y, schema=ds.schema.name, hidden=args.hidden,
                               epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                               val_fraction=args.val, patience=args.patience, seed=args.seed,
                               mirror_augment=args.mirror, min_visible=args.min_visible,
                               unknown_threshold=args.unknown_threshold,
                               progress=not args.no_progress)
    except (ValueError, FileNotFoundError, SchemaMismatch) as e:
        print(f'pose_train: {e}', file=sys.stderr)
        return 2
    path = model.save(args.out)
    try:
        difference = export_onnx(model, path.with_suffix('.onnx'), x, seed=args.seed)
    except ExportError as e:
        print(f'pose_train: {e}; the torch model {path} is written', file=sys.stderr)
        return 1
    report_dir = args.report_dir or path.parent
    report_dir.mkdir(parents=True, exist_ok=True)
    stem = path.stem
    (report_dir / f'{stem}.metrics.txt').write_text(metrics.table() + '\n')
    (report_dir / f'{stem}.metrics.json').write_text(
        json.dumps(metrics.to_dict(), indent=2) + '\n')
    png = save_confusion_png(metrics, report_dir / f'{stem}.confusion.png')
    metrics.print_table(use_rich=not args.plain)
    print(f'pose_train: model {path} (labels {", ".join(model.labels)}, schema '
          f'{model.schema}); metrics {report_dir / (stem + ".metrics.txt")}; confusion {png}')
    print(f'pose_train: ONNX model {path.with_suffix(".onnx")} (run it with ONNX Runtime, no '
          f'torch); export check: largest probability difference to torch {difference:.2g}')
    return 0
