"""`Outbound` → the content of an `m.room.message` event (pure: no network, no client).

Matrix has no buttons, so choices become a numbered list and a line asking the person to reply
with a number; the core understands the numbers. Every message carries a plain `body` (for
clients and notifications that show no HTML) and an HTML `formatted_body`. Text that came from a
person has been escaped by the core before it reached the Markdown; labels are escaped here.
"""

from __future__ import annotations

from functools import lru_cache
from gettext import NullTranslations
from html import escape
from typing import Any

from bot.core.messages import Attachment, Button, Outbound
from bot.formatting.markdown import to_html, to_plain

HTML_FORMAT = "org.matrix.custom.html"
REMEMBERED = 1024
"""How many renderings of content-only texts are kept (FAQ answers, menus): about 2 KB each."""


def reply_hint(t: NullTranslations, count: int) -> str:
    """The line under numbered choices, in the person's language."""
    if count == 1:
        return t.gettext("Reply 1 to choose it.")
    return t.gettext("Reply with a number from 1 to %(last)d.") % {"last": count}


def plain_body(text: str, choices: list[Button], hint: str) -> str:
    """The `body`: the message as plain text, then `1) label` lines and the hint."""
    parts = [to_plain(text)]
    if choices:
        parts.append("\n".join(f"{n}) {button.label}" for n, button in enumerate(choices, 1)))
        parts.append(hint)
    return "\n\n".join(part for part in parts if part)


def html_body(text: str, choices: list[Button], hint: str) -> str:
    """The `formatted_body`: safe HTML, the choices as an ordered list, then the hint."""
    html = to_html(text).replace("\n", "<br>")
    if not choices:
        return html
    items = "".join(f"<li>{escape(button.label, quote=False)}</li>" for button in choices)
    return f"{html}<ol>{items}</ol><p>{escape(hint, quote=False)}</p>"


def message_content(reply: Outbound, t: NullTranslations) -> dict[str, Any]:
    """The `m.room.message` content for one reply (its attachments are sent separately).

    A reply made only of content (`Outbound.from_content`) has its Markdown rendered once and
    then reused: the same FAQ answer goes to many people.
    """
    choices = reply.choices()
    hint = reply_hint(t, len(choices)) if choices else ""
    bodies = _content_bodies if reply.from_content else _bodies
    body, formatted = bodies(reply.text, tuple(choices), hint)
    return {"msgtype": "m.text", "body": body, "format": HTML_FORMAT, "formatted_body": formatted}


def _bodies(text: str, choices: tuple[Button, ...], hint: str) -> tuple[str, str]:
    return plain_body(text, list(choices), hint), html_body(text, list(choices), hint)


# Only content goes in here, never what a person wrote (see `Outbound.from_content`).
_content_bodies = lru_cache(maxsize=REMEMBERED)(_bodies)


def file_content(
    attachment: Attachment, url: str, encryption: dict[str, Any] | None
) -> dict[str, Any]:
    """The `m.file` content for an uploaded attachment.

    `url` is the `mxc://` address of the upload; `encryption` the keys returned by an encrypted
    upload (an encrypted room), or None for a plain upload.
    """
    content: dict[str, Any] = {
        "msgtype": "m.file",
        "body": attachment.filename,
        "filename": attachment.filename,
        "info": {"mimetype": attachment.mime_type, "size": len(attachment.data)},
    }
    if encryption is None:
        content["url"] = url
    else:
        content["file"] = {**encryption, "url": url}
    return content
