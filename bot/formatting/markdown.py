"""Sild's Markdown subset, parsed by markdown-it-py and rendered as plain text or safe HTML.

The subset is paragraphs, bold, italic, links, bullet and numbered lists, and backslash escapes.
Raw HTML in the source is never passed through: it shows as the text it is.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("zero").enable(["emphasis", "link", "list", "escape", "newline"])


def _parse(text: str) -> list[Token]:
    return _PARSER.parse(text)


def _render(text: str, inline: Callable[[list[Token]], str]) -> str:
    """Walk the blocks (paragraphs and lists), rendering inline content with `inline`."""
    out: list[str] = []
    prefixes: list[str] = []
    counters: list[int] = []
    for token in _parse(text):
        if token.type == "bullet_list_open":
            prefixes.append("• ")
            counters.append(0)
        elif token.type == "ordered_list_open":
            start = token.attrGet("start")
            prefixes.append("#")
            counters.append(int(start) - 1 if isinstance(start, int | str) else 0)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            prefixes.pop()
            counters.pop()
            out.append("\n")
        elif token.type == "list_item_open":
            counters[-1] += 1
            marker = f"{counters[-1]}. " if prefixes[-1] == "#" else prefixes[-1]
            out.append("  " * (len(prefixes) - 1) + marker)
        elif token.type == "inline":
            out.append(inline(token.children or []))
        elif token.type == "paragraph_close":
            out.append("\n" if token.hidden else "\n\n")
    return "".join(out).strip()


def to_plain(text: str) -> str:
    """Plain text for a terminal: emphasis dropped, links as `text (url)`, lists with bullets."""
    return _render(text, _inline_plain)


def _inline_plain(children: list[Token]) -> str:
    parts: list[str] = []
    href: str | None = None
    label: list[str] = []
    for child in children:
        if child.type == "link_open":
            href = str(child.attrGet("href") or "")
            label = []
        elif child.type == "link_close":
            shown = "".join(label)
            parts.append(shown if not href or shown == href else f"{shown} ({href})")
            href = None
        elif child.type in ("text", "code_inline"):
            (label if href is not None else parts).append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            (label if href is not None else parts).append("\n")
    return "".join(parts)


_TAGS = {"strong_open": "<b>", "strong_close": "</b>", "em_open": "<i>", "em_close": "</i>"}


def to_html(text: str) -> str:
    """HTML that Telegram and Matrix clients accept: b, i, a; lists become bulleted lines."""
    return _render(text, _inline_html)


def _inline_html(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in _TAGS:
            parts.append(_TAGS[child.type])
        elif child.type == "link_open":
            href = str(child.attrGet("href") or "")
            parts.append(f'<a href="{escape(href, quote=True)}">')
        elif child.type == "link_close":
            parts.append("</a>")
        elif child.type in ("text", "code_inline"):
            parts.append(escape(child.content, quote=False))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)
