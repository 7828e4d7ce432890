"""`Outbound` to what the Bot API takes: HTML chunks of at most 4,096 characters, inline keyboards.

Pure functions. The Markdown is rendered by `bot.formatting.markdown.to_html`, which escapes all
text, so nothing a person wrote can become markup. Here the HTML is fitted to Telegram: links to
other FAQ entries (`faq:<id>`) become deep links to the bot itself, links of schemes Telegram does
not open lose their link (the text stays), long answers are split at paragraph boundaries (then at
line breaks, then between words) with open tags closed and reopened across the cut, and buttons
become `callback_data` of at most 64 bytes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape, unescape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.messages import Button, Outbound
from bot.formatting.markdown import to_html

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
"""Telegram's limit for one message, in UTF-16 code units. Applied to the HTML source, which is
never shorter than the text Telegram counts, so a chunk always fits."""
CALLBACK_DATA_LIMIT = 64
"""Telegram's limit for a button's `callback_data`, in bytes."""
EMPTY_TEXT = "…"
"""Sent instead of an empty text: Telegram refuses empty messages."""
REMEMBERED = 1024
"""How many renderings of content-only replies are kept (FAQ answers, menus): about 1 KB each."""

_OPEN_SCHEMES = ("http://", "https://", "tg://", "mailto:")
_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)
_START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ATOM = re.compile(r"<[^>]*>|&#?\w+;|\s+|[^<&\s]+|[<&]")
_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)")


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One `Outbound` as Telegram messages: the keyboard goes with the last chunk."""

    chunks: tuple[str, ...]
    keyboard: InlineKeyboardMarkup | None


def render(reply: Outbound, bot_username: str | None = None) -> RenderedMessage:
    """Render a reply: HTML chunks that each fit in one message, and its inline keyboard.

    A reply made only of content (`Outbound.from_content`) has its text and its keyboard
    rendered once and then reused, each on its own: the same FAQ answer goes to many people,
    with other topics offered under it, and parsing its Markdown is most of a reply's cost.
    """
    if reply.from_content:
        return RenderedMessage(
            _content_chunks(reply.text, bot_username), _content_keyboard(reply.buttons)
        )
    return RenderedMessage(_chunks(reply.text, bot_username), keyboard(reply.buttons))


def _chunks(text: str, bot_username: str | None) -> tuple[str, ...]:
    html = rewrite_links(to_html(text), bot_username).strip() or EMPTY_TEXT
    return tuple(split_html(html))


# Only content goes in here, never what a person wrote (see `Outbound.from_content`).
_content_chunks = lru_cache(maxsize=REMEMBERED)(_chunks)


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard for the rows of buttons; None when there are none.

    A button whose payload is longer than Telegram allows would make Telegram refuse the whole
    message, so it is left out (and logged) instead.
    """
    markup: list[list[InlineKeyboardButton]] = []
    for row in rows:
        kept = []
        for button in row:
            if fits_callback_data(button.action):
                kept.append(InlineKeyboardButton(button.label, callback_data=button.action))
            else:
                log.warning(
                    "left out a button whose payload is over 64 bytes: %.20s…", button.action
                )
        if kept:
            markup.append(kept)
    return Keyboard(markup) if markup else None


class Keyboard(InlineKeyboardMarkup):
    """An inline keyboard that works out its Bot API form once.

    A content reply's keyboard is remembered and goes under the same answer for many people;
    python-telegram-bot would walk every button's attributes again for each message it sends.
    """

    __slots__ = ("_encoded",)

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        """The keyboard as the Bot API takes it: worked out on the first call, then copied."""
        if not recursive:
            return super().to_dict(recursive)
        encoded: dict[str, Any] | None = getattr(self, "_encoded", None)
        if encoded is None:
            # python-telegram-bot lets its objects' protected attributes be set after creation.
            encoded = self._encoded = super().to_dict(recursive)
        fresh: dict[str, Any] = _fresh(encoded)
        return fresh


def _fresh(value: Any) -> Any:
    """A copy of JSON-like data down to its last list and dict, so no caller shares them."""
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return value


# The same keyboards recur under different answers; a markup cannot be changed once made.
_content_keyboard = lru_cache(maxsize=REMEMBERED)(keyboard)


def fits_callback_data(payload: str) -> bool:
    """Whether Telegram accepts `payload` as `callback_data` (1-64 bytes of UTF-8)."""
    return 0 < len(payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT


def deep_link(bot_username: str, payload: str) -> str:
    """The t.me link that opens a chat with the bot and sends `/start <payload>`."""
    return f"https://t.me/{bot_username}?start={payload}"


def rewrite_links(html: str, bot_username: str | None) -> str:
    """Make every link one Telegram opens: `faq:<id>` becomes a deep link, unknown schemes text."""

    def _replace(match: re.Match[str]) -> str:
        href, label = unescape(match.group(1)), match.group(2)
        if href.lower().startswith(_OPEN_SCHEMES):
            return match.group(0)
        payload = "faq_" + href.removeprefix("faq:")
        if href.startswith("faq:") and bot_username and _START_PAYLOAD.fullmatch(payload):
            return f'<a href="{escape(deep_link(bot_username, payload))}">{label}</a>'
        return label

    return _LINK.sub(_replace, html)


def to_plain_text(html: str) -> str:
    """The text of Telegram HTML without its tags, for sending without a parse mode."""
    return unescape(re.sub(r"<[^>]*>", "", html))


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji may count two)."""
    return len(text.encode("utf-16-le")) // 2


def split_html(html: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut HTML into pieces of at most `limit` UTF-16 units, each valid on its own.

    Cuts at a blank line between paragraphs if one is in reach, else at a line break, else
    between words, else inside an overlong word; never inside a tag or an entity. A tag open at a
    cut is closed at the end of the piece and opened again at the start of the next.
    """
    if utf16_len(html) <= limit:
        return [html]
    return _Splitter(limit).split(_atoms(html, max(1, limit // 4)))


def _atoms(html: str, longest: int) -> list[str]:
    """Tags, entities, whitespace runs and words; words longer than `longest` are cut up."""
    atoms: list[str] = []
    for atom in _ATOM.findall(html):
        if atom[0] in "<&" or atom.isspace() or utf16_len(atom) <= longest:
            atoms.append(atom)
            continue
        piece = ""
        for char in atom:
            if utf16_len(piece + char) > longest:
                atoms.append(piece)
                piece = ""
            piece += char
        atoms.append(piece)
    return atoms


def _tag(atom: str) -> tuple[bool, str] | None:
    """(is_closing, name) for a tag atom, None for text."""
    match = _TAG.match(atom)
    return (match.group(1) == "/", match.group(2).lower()) if match else None


def _replay(stack: list[str], atoms: Sequence[str]) -> list[str]:
    """The open tags (as written) after `atoms`, starting from `stack`."""
    stack = list(stack)
    for atom in atoms:
        tag = _tag(atom)
        if tag is None:
            continue
        closing, name = tag
        if not closing:
            stack.append(atom)
        elif stack and _tag(stack[-1]) == (False, name):
            stack.pop()
    return stack


def _closers(stack: Sequence[str]) -> str:
    return "".join(f"</{tag[1]}>" for tag in map(_tag, reversed(stack)) if tag)


class _Splitter:
    """Greedy filling of pieces, cutting at the best whitespace once the next atom will not fit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.pieces: list[str] = []
        self.opened: list[str] = []  # tags open at the start of the current piece
        self.atoms: list[str] = []
        self.stack: list[str] = []  # tags open after the atoms
        self.units = 0  # units of the reopened tags plus the atoms

    def split(self, atoms: list[str]) -> list[str]:
        """The pieces for `atoms` (see `split_html`)."""
        for atom in atoms:
            while self.atoms and not self._fits(atom):
                self._cut()
            if not self.atoms and atom.isspace():
                continue  # no piece starts with whitespace
            self.atoms.append(atom)
            self.stack = _replay(self.stack, [atom])
            self.units += utf16_len(atom)
        self._emit(self.atoms)
        return self.pieces

    def _fits(self, atom: str) -> bool:
        after = _replay(self.stack, [atom])
        return self.units + utf16_len(atom) + utf16_len(_closers(after)) <= self.limit

    def _cut(self) -> None:
        """End the current piece at its best break and start the next with the rest."""
        at = self._break_index()
        head, tail = self.atoms[:at], self.atoms[at:]
        self._emit(head)
        self.opened = _replay(self.opened, head)
        while tail and tail[0].isspace():
            tail.pop(0)
        self.atoms = tail
        self.stack = _replay(self.opened, tail)
        self.units = utf16_len("".join(self.opened)) + utf16_len("".join(tail))

    def _break_index(self) -> int:
        """Where to cut: before the last paragraph break, else line break, else space."""
        for wanted in ("\n\n", "\n", ""):
            for index in range(len(self.atoms) - 1, 0, -1):
                atom = self.atoms[index]
                if atom.isspace() and wanted in atom and self._visible(self.atoms[:index]):
                    return index
        return len(self.atoms)

    @staticmethod
    def _visible(atoms: Sequence[str]) -> bool:
        return any(_tag(atom) is None and not atom.isspace() for atom in atoms)

    def _emit(self, atoms: list[str]) -> None:
        while atoms and atoms[-1].isspace():
            atoms = atoms[:-1]
        if not self._visible(atoms):
            return
        body = "".join(atoms)
        self.pieces.append("".join(self.opened) + body + _closers(_replay(self.opened, atoms)))
