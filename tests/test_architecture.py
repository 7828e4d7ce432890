"""The core stays platform-free: no transport, chat library or database import inside it."""

from __future__ import annotations

import ast
from pathlib import Path

import bot

ROOT = Path(bot.__file__).parent
FORBIDDEN_IN_CORE = ("telegram", "nio", "sqlalchemy", "alembic", "bot.transports", "bot.storage")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_content_and_matching_import_no_transport_or_database() -> None:
    for package in ("core", "content", "matching"):
        for path in (ROOT / package).rglob("*.py"):
            for name in _imports(path):
                assert not name.startswith(FORBIDDEN_IN_CORE), f"{path} imports {name}"


def test_every_public_function_has_a_docstring() -> None:
    missing = []
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            public = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            if public and not node.name.startswith("_") and ast.get_docstring(node) is None:  # type: ignore[union-attr]
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert missing == []
