"""Product code never writes the process environment (the first version wrote target-account
credentials into os.environ and concurrent requests read each other's account)."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path

import pytest

from local_stack.stack import REPO_ROOT

pytestmark = pytest.mark.unit
PRODUCT_DIRS = ("lambdas", "runtime_image")
_MUTATORS = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"}


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def environ_writes(source: str) -> list[int]:
    """Line numbers that assign to, delete from or mutate ``os.environ`` or call ``os.putenv``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        targets: Sequence[ast.expr] = []
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        if isinstance(node, ast.stmt) and any(isinstance(t, ast.Subscript) and _is_environ(t.value) for t in targets):
            lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in _MUTATORS and _is_environ(node.func.value):
                lines.append(node.lineno)
            if node.func.attr in {"putenv", "unsetenv"}:
                lines.append(node.lineno)
    return sorted(lines)


def test_the_checker_catches_each_form():
    snippet = "import os\nos.environ['A']='1'\nos.environ.update(B='2')\ndel os.environ['A']\nos.putenv('C','3')\n"
    assert environ_writes(snippet) == [2, 3, 4, 5]
    assert environ_writes("import os\nx = os.environ.get('A')\n") == []


@pytest.mark.parametrize("path", sorted(p for d in PRODUCT_DIRS for p in (REPO_ROOT / d).rglob("*.py")), ids=str)
def test_product_code_never_writes_the_environment(path: Path):
    assert environ_writes(path.read_text()) == [], f"{path} writes os.environ"
