"""Reading content files safely: size-bounded UTF-8 text and YAML with line numbers.

Shared by the FAQ and the event loaders, so every content file reports a bad byte, a huge file
or broken YAML the same way: with its name and the line to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.content.problems import Problem

# libyaml's parser when PyYAML was built with it (the wheels are): about 20 times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def relative_name(path: Path, root: Path) -> str:
    """How a file is named in problems: relative to the content folder's parent when it can be."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def read_text(path: Path, name: str, max_bytes: int) -> tuple[str | None, list[Problem]]:
    """A file's text, or None with the problem (too large, not UTF-8, unreadable)."""
    try:
        if path.stat().st_size > max_bytes:
            return None, [Problem(name, 0, f"file is larger than {max_bytes // 1024} KiB")]
        return path.read_text(encoding="utf-8-sig"), []
    except UnicodeDecodeError as exc:
        return None, [Problem(name, 0, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return None, [Problem(name, 0, f"cannot read: {exc.strerror}")]


def parse_yaml(
    text: str, name: str, *, first_line: int = 1, what: str = "not valid YAML"
) -> tuple[yaml.Node | None, Any, list[Problem]]:
    """The YAML node tree (for line numbers) and the data, or the problem with its line.

    `first_line` is the file line of the text's first line (front matter starts on line 2).
    """
    loader = SAFE_LOADER(text)
    try:
        # One parse gives both the node tree (for line numbers) and the data.
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark is not None else first_line
        problem = getattr(exc, "problem", None) or str(exc)
        return None, None, [Problem(name, line, f"{what}: {problem}")]
    finally:
        loader.dispose()
    return node, data, []
