# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Render the README's parameter tables from the parameter declarations.

``python -m pose_ros.tools.interface_doc`` rewrites the generated blocks of README.md;
test_readme.py fails when they differ from what the nodes declare.
"""

from pathlib import Path
import re
import sys
from typing import Dict, Iterable

from pose_ros.nodes.params import BODY_PARAMS, CLASSIFIER_PARAMS, Param

TABLES: Dict[str, Iterable[Param]] = {'body_node': BODY_PARAMS,
                                      'classifier_node': CLASSIFIER_PARAMS}


def param_table(params: Iterable[Param]) -> str:
    rows = ['| parameter | default | RO | description |', '|---|---|---|---|']
    for p in params:
        rows.append(f'| `{p.name}` | `{p.default!r}` | {"RO" if p.read_only else ""} | '
                    f'{p.description} |')
    return '\n'.join(rows)


def block_pattern(node: str) -> 're.Pattern':
    return re.compile(rf'(<!-- BEGIN {node} parameters[^\n]*-->\n)(.*?)(\n<!-- END {node} '
                      r'parameters -->)', re.S)


def render(readme: str) -> str:
    for node, params in TABLES.items():
        readme = block_pattern(node).sub(lambda m: m.group(1) + param_table(params)
                                         + m.group(3), readme)
    return readme


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path('README.md')
    text = path.read_text()
    path.write_text(render(text))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
