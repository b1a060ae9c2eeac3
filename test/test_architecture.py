# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
The architecture holds: a pure core, one place per default, no helper written twice.

Static checks of the package's source (its syntax trees), no imports:

* the pure core (everything but ``pose_ros/nodes`` and ``pose_ros/tools``) never imports
  rclpy, directly or through another pose_ros module, and no library module imports a tool;
* each parameter's default is written in exactly one Python place, ``pose_ros/config.py``:
  no other function default or field default of the same name repeats it;
* no function body of the core is repeated in another module (the ``_unit``, ``_alpha`` and
  projection helpers once were).
"""

import ast
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

from pose_ros.config import ActivityConfig, BodyConfig, ClassifierConfig, flat_specs
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / 'pose_ros'
ADAPTERS = ('nodes', 'tools')          # may use rclpy; everything else is the pure core


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


MODULES: Dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob('*.py'))}
TREES: Dict[str, ast.Module] = {name: ast.parse(p.read_text()) for name, p in MODULES.items()}


def is_core(name: str) -> bool:
    return name.split('.')[1:2] not in ([a] for a in ADAPTERS)


def imports(tree: ast.Module) -> Iterator[str]:
    """Yield every module an import statement names (top level or inside functions)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f'{node.module}.{alias.name}' for alias in node.names)


def package_imports(name: str) -> Set[str]:
    return {m for m in imports(TREES[name]) if m in MODULES and m != name}


def test_the_core_never_imports_rclpy():
    direct = {name for name, tree in TREES.items()
              if any(m == 'rclpy' or m.startswith('rclpy.') for m in imports(tree))}
    offenders = {}
    for name in MODULES:
        if not is_core(name):
            continue
        seen, todo = set(), [name]
        while todo:                               # the transitive closure of its imports
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            todo.extend(package_imports(current))
        reached = sorted(seen & direct)
        if reached:
            offenders[name] = reached
    assert not offenders, f'core modules reaching rclpy (through): {offenders}'
    assert direct, 'the check found no rclpy import at all: it checks nothing'


def test_no_library_module_imports_a_tool():
    offenders = {name: sorted(m for m in package_imports(name) if '.tools' in m)
                 for name in MODULES if is_core(name)}
    assert not {k: v for k, v in offenders.items() if v}


# --- one default per parameter --------------------------------------------------------------

# Generic building blocks with defaults of their own: the pipeline always passes the
# configuration's values, so these defaults are never a parameter's default.
GENERIC = ('pose_ros.filters.one_euro',)

# Names under which a parameter's value is passed on (function arguments, fields).
ALIASES = {'lost_timeout': ('lost_timeout', 'lost_timeout_s'),
           'min_hold': ('min_hold', 'min_hold_s'),
           'max_reprojection_px': ('max_reprojection_px', 'max_reproj_px'),
           'max_reprojection_ratio': ('max_reprojection_ratio', 'max_reproj_ratio'),
           'window': ('window', 'depth_window'), 'min': ('min', 'min_depth'),
           'max': ('max', 'max_depth')}


def literal_defaults(tree: ast.Module) -> Iterator[Tuple[str, object, int]]:
    """Yield (name, literal default, line) of function arguments and class fields."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            positional = args.posonlyargs + args.args
            for arg, default in zip(positional[len(positional) - len(args.defaults):],
                                    args.defaults):
                if isinstance(default, ast.Constant):
                    yield arg.arg, default.value, default.lineno
            for arg, default in zip(args.kwonlyargs, args.kw_defaults):
                if isinstance(default, ast.Constant):
                    yield arg.arg, default.value, default.lineno
        elif isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                        and isinstance(stmt.value, ast.Constant)):
                    yield stmt.target.id, stmt.value.value, stmt.lineno


def parameter_defaults() -> List[Tuple[str, object]]:
    out = []
    for cls in (BodyConfig, ClassifierConfig, ActivityConfig):
        for name, spec in flat_specs(cls):
            if not isinstance(spec.default, bool):      # True/False are everywhere
                out.append((name, spec.default))
    return out


def test_each_parameter_default_is_written_once():
    found = defaultdict(list)
    for module, tree in TREES.items():
        if module == 'pose_ros.config' or module in GENERIC:
            continue
        for name, value, line in literal_defaults(tree):
            found[(name, repr(value))].append(f'{module}:{line}')
    repeated = {}
    for name, default in parameter_defaults():
        leaf = name.split('.')[-1]
        for alias in ALIASES.get(leaf, (leaf,)):
            where = found.get((alias, repr(default)))
            if where:
                repeated[name] = where
    assert not repeated, f'parameter defaults written again outside pose_ros/config.py: ' \
                         f'{repeated}'


def test_the_default_check_sees_a_repeated_default():
    tree = ast.parse('def f(min_cutoff: float = 1.0, beta=0.05):\n    pass\n')
    assert ('beta', 0.05, 1) in set(literal_defaults(tree))


# --- no helper written twice ----------------------------------------------------------------

class _Anonymise(ast.NodeTransformer):
    """Replace identifiers and constants so that same-shaped bodies compare equal."""

    def visit_Name(self, node):  # noqa: N802 - ast's method names
        return ast.copy_location(ast.Name(id='_', ctx=node.ctx), node)

    def visit_arg(self, node):  # noqa: N802
        return ast.copy_location(ast.arg(arg='_', annotation=None), node)

    def visit_Constant(self, node):  # noqa: N802
        return ast.copy_location(ast.Constant(value=type(node.value).__name__), node)


def function_bodies(min_nodes: int = 25) -> Dict[str, List[str]]:
    """Return {normalised body: ['module.function', ...]} of the core's functions."""
    bodies = defaultdict(list)
    for module, tree in TREES.items():
        if not is_core(module):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            body = [s for s in node.body if not (isinstance(s, ast.Expr)
                                                 and isinstance(s.value, ast.Constant))]
            if not body or sum(1 for _ in ast.walk(ast.Module(body, []))) < min_nodes:
                continue
            key = ast.dump(_Anonymise().visit(ast.Module(
                body=[ast.parse(ast.unparse(s)).body[0] for s in body], type_ignores=[])))
            bodies[key].append(f'{module}.{node.name}')
    return bodies


def test_no_helper_is_written_twice_in_the_core():
    repeated = [names for names in function_bodies().values()
                if len({n.rsplit('.', 1)[0] for n in names}) > 1]
    assert not repeated, f'the same function body in several modules: {repeated}'


@pytest.mark.parametrize('source', [
    'def a(v):\n    n = norm(v)\n    if not isfinite(n) or n < 1e-6:\n        return None\n'
    '    return v / n\n'])
def test_the_duplicate_check_sees_a_copied_helper(source):
    tree = ast.parse(source + source.replace('def a', 'def b').replace('1e-6', '1e-9'))
    keys = [ast.dump(_Anonymise().visit(ast.Module(body=f.body, type_ignores=[])))
            for f in tree.body]
    assert keys[0] == keys[1]
