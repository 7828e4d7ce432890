"""Markdown subset rendering: plain for terminals, safe HTML for chat clients."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.texts import escape_markdown
from bot.formatting.markdown import to_html, to_plain


def test_html_keeps_subset_and_escapes_the_rest() -> None:
    html = to_html("**Call** *now*: [Kela](https://kela.fi) <script>alert(1)</script>")
    assert html == (
        '<b>Call</b> <i>now</i>: <a href="https://kela.fi">Kela</a> '
        "&lt;script&gt;alert(1)&lt;/script&gt;"
    )


def test_javascript_links_are_not_links() -> None:
    assert "<a" not in to_html("[x](javascript:alert(1))")


def test_lists() -> None:
    assert to_plain("- a\n- b") == "• a\n• b"
    assert to_plain("1. a\n2. b") == "1. a\n2. b"


@given(st.text())
def test_escaped_user_text_shows_as_typed(text: str) -> None:
    shown = to_plain(escape_markdown(text))
    assert shown == to_plain(escape_markdown(text))
    assert "<" not in to_html(escape_markdown(text)).replace("<b>", "").replace("</b>", "").replace(
        "<i>", ""
    ).replace("</i>", "") or "&lt;" in to_html(escape_markdown(text))
