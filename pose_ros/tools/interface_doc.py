# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Render the README's parameter tables from the configuration classes (pose_ros.config).

``python -m pose_ros.tools.interface_doc`` rewrites the generated blocks of README.md;
test_readme.py fails when they differ from the configuration (and so from what the nodes
declare).
"""

from pathlib import Path
import re
import sys
from typing import Dict, Type

from pose_ros.config import (ActivityConfig, AvatarConfig, BodyConfig, ClassifierConfig,
                             flat_specs, Section)

TABLES: Dict[str, Type[Section]] = {'body_node': BodyConfig,
                                    'classifier_node': ClassifierConfig,
                                    'activity_node': ActivityConfig,
                                    'avatar_node': AvatarConfig}


def param_table(cls: Type[Section]) -> str:
    """Return the markdown table of the parameters of ``cls``."""
    rows = ['| parameter | default | RO | description |', '|---|---|---|---|']
    for name, spec in flat_specs(cls):
        rows.append(f'| `{name}` | `{spec.default!r}` | {"RO" if spec.read_only else ""} | '
                    f'{spec.description} |')
    return '\n'.join(rows)


def block_pattern(node: str) -> 're.Pattern':
    return re.compile(rf'(<!-- BEGIN {node} parameters[^\n]*-->\n)(.*?)(\n<!-- END {node} '
                      r'parameters -->)', re.S)


def render(readme: str) -> str:
    for node, cls in TABLES.items():
        readme = block_pattern(node).sub(lambda m: m.group(1) + param_table(cls)
                                         + m.group(3), readme)
    return readme


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path('README.md')
    text = path.read_text()
    path.write_text(render(text))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
