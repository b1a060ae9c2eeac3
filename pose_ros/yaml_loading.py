# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""YAML files read strictly: a key given twice is an error, not a silent last-one-wins."""

from pathlib import Path
from typing import Any

import yaml


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.safe_load that refuses a key given twice (YAML itself keeps the last, silently)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    'while reading a mapping', node.start_mark,
                    f'the key {key!r} is given twice (first at line {seen[key] + 1}); '
                    'remove one of them', key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


def parse_unique_yaml(text: str) -> Any:
    """Parse YAML text like ``yaml.safe_load``; raises yaml.YAMLError for a repeated key."""
    return yaml.load(text, Loader=_UniqueKeyLoader)


def load_unique_yaml(path: Path) -> Any:
    """Read a YAML file with :func:`parse_unique_yaml`; OSError and yaml.YAMLError pass."""
    return parse_unique_yaml(Path(path).read_text())
