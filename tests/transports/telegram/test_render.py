"""Rendering for Telegram: safe HTML, links it opens, 4,096-character pieces, 64-byte buttons."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

import bot.transports.telegram  # noqa: F401
from bot.core.messages import Button, ChatRef, Outbound, Platform
from bot.core.texts import escape_markdown
from bot.transports.telegram.render import (
    EMPTY_TEXT,
    TEXT_LIMIT,
    keyboard,
    render,
    rewrite_links,
    split_html,
    to_plain_text,
    utf16_len,
)
from tests.transports.telegram.fake_bot_api import telegram_html_text

CHAT = ChatRef(Platform.TELEGRAM, "42")


def reply(text: str, *rows: tuple[Button, ...], edit: bool = False) -> Outbound:
    return Outbound(CHAT, text, tuple(rows), edit=edit)


def test_markdown_becomes_telegram_html() -> None:
    rendered = render(reply("**Kela** and *you*: [kela.fi](https://www.kela.fi/?a=1&b=2)"))
    assert rendered.chunks == (
        '<b>Kela</b> and <i>you</i>: <a href="https://www.kela.fi/?a=1&amp;b=2">kela.fi</a>',
    )
    assert rendered.keyboard is None


def test_text_from_a_person_cannot_become_markup() -> None:
    name = '<b>Eve</b> & <a href="javascript:alert(1)">x</a> **bold** [link](http://evil)'
    rendered = render(reply(f"Hello {escape_markdown(name)}!"))
    html = rendered.chunks[0]
    assert "<b>" not in html and "<a " not in html
    assert telegram_html_text(html) == f"Hello {name}!"


def test_raw_html_in_content_shows_as_text() -> None:
    html = render(reply("<script>alert(1)</script> & <b>x</b>")).chunks[0]
    assert telegram_html_text(html) == "<script>alert(1)</script> & <b>x</b>"


def test_links_are_made_ones_telegram_opens() -> None:
    html = (
        '<a href="faq:health-find-doctor">doctor</a>, <a href="tg://resolve?domain=x">tg</a>, '
        '<a href="javascript:alert(1)"><b>bad</b></a>, <a href="faq:Bad Id!">odd</a>'
    )
    assert rewrite_links(html, "sild_bot") == (
        '<a href="https://t.me/sild_bot?start=faq_health-find-doctor">doctor</a>, '
        '<a href="tg://resolve?domain=x">tg</a>, <b>bad</b>, odd'
    )
    assert rewrite_links('<a href="faq:x">x</a>', None) == "x"


def test_buttons_become_an_inline_keyboard_in_rows() -> None:
    rendered = render(
        reply("Menu", (Button("A", "cat:health"), Button("B", "menu")), (Button("C", "human"),))
    )
    assert rendered.keyboard is not None
    rows = [[(b.text, b.callback_data) for b in row] for row in rendered.keyboard.inline_keyboard]
    assert rows == [[("A", "cat:health"), ("B", "menu")], [("C", "human")]]


def test_a_payload_over_64_bytes_is_left_out_not_the_message() -> None:
    too_long = "faq:" + "ä" * 31  # 4 + 62 bytes
    rendered = render(reply("Menu", (Button("Too long", too_long), Button("Fine", "menu"))))
    assert rendered.keyboard is not None
    assert [b.callback_data for row in rendered.keyboard.inline_keyboard for b in row] == ["menu"]
    only_bad = render(reply("Menu", (Button("Too long", too_long),)))
    assert only_bad.keyboard is None


def test_an_empty_text_is_never_sent() -> None:
    assert render(reply("   ")).chunks == (EMPTY_TEXT,)


def test_a_long_answer_is_split_at_paragraphs() -> None:
    paragraphs = [f"**Part {n}.** " + "Words and more words. " * 40 for n in range(12)]
    rendered = render(reply("\n\n".join(paragraphs), (Button("Back", "menu"),)))
    assert len(rendered.chunks) > 1
    for chunk in rendered.chunks:
        assert utf16_len(chunk) <= TEXT_LIMIT
        assert chunk.startswith("<b>Part ")  # every piece starts at a paragraph
        telegram_html_text(chunk)  # parses on its own
    shown = "\n\n".join(telegram_html_text(chunk) for chunk in rendered.chunks)
    assert _words(shown) == _words(" ".join(p.replace("**", "") for p in paragraphs))


def test_one_huge_paragraph_is_split_between_words_keeping_tags_balanced() -> None:
    html = "<b>" + " ".join(f"word{n}" for n in range(2000)) + "</b> end"
    pieces = split_html(html, 1000)
    assert len(pieces) > 10
    for piece in pieces:
        assert utf16_len(piece) <= 1000
        assert piece.startswith("<b>")
        telegram_html_text(piece)
    assert _words(" ".join(to_plain_text(p) for p in pieces)) == _words(to_plain_text(html))


def test_a_word_longer_than_a_message_is_cut() -> None:
    pieces = split_html("x" * 10_000)
    assert [len(p) for p in pieces] == [4096, 4096, 1808]


def test_emoji_count_twice() -> None:
    pieces = split_html("😀 " * 3000)
    assert all(utf16_len(p) <= TEXT_LIMIT for p in pieces)
    assert sum(p.count("😀") for p in pieces) == 3000


def _words(text: str) -> list[str]:
    return text.split()


_WORD = st.text(alphabet=st.sampled_from([*"abcäöõüжя😀<>&*_", "\n", " "]), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    paragraphs=st.lists(st.lists(_WORD, min_size=1, max_size=30), min_size=1, max_size=20),
    limit=st.integers(min_value=320, max_value=900),  # longer than any word, so none is cut
)
def test_every_piece_fits_parses_and_nothing_is_lost(
    paragraphs: list[list[str]], limit: int
) -> None:
    text = "\n\n".join(" ".join(words) for words in paragraphs)
    html = render(reply(text)).chunks[0] if utf16_len(text) < 3000 else None
    if html is None:
        return
    pieces = split_html(html, limit)
    for piece in pieces:
        assert utf16_len(piece) <= limit
        telegram_html_text(piece)
    assert _words(" ".join(telegram_html_text(p) for p in pieces)) == _words(
        telegram_html_text(html)
    )


def test_plain_text_fallback_drops_tags_and_unescapes() -> None:
    assert to_plain_text('<b>A &amp; B</b> <a href="https://x">link</a>') == "A & B link"
    assert to_plain_text("<i>&lt;i&gt;</i>") == "<i>"


def test_content_replies_are_rendered_once_and_a_persons_words_never_kept() -> None:
    from bot.transports.telegram.render import _content_chunks

    answer = "**Kela**\n\nCall [Kela](https://www.kela.fi). See [the doctor](faq:health-doctor)."
    buttons = ((Button("Helpful", "fb+:x"), Button("Menu", "menu")),)
    content = Outbound(CHAT, answer, buttons, from_content=True)
    first = render(content, "sild_bot")
    assert first == render(Outbound(CHAT, answer, buttons), "sild_bot")  # the same either way
    again = render(content, "sild_bot")
    assert again.chunks is first.chunks and again.keyboard is first.keyboard  # reused
    # The same answer under other buttons reuses its text.
    menu_only = ((Button("Menu", "menu"),),)
    other = render(Outbound(CHAT, answer, menu_only, from_content=True), "sild_bot")
    assert other.chunks is first.chunks and other.keyboard != first.keyboard

    kept = _content_chunks.cache_info().currsize
    render(reply("my neighbour's name is Zorbulon"), "sild_bot")
    assert _content_chunks.cache_info().currsize == kept


def test_a_keyboard_is_encoded_once_and_each_caller_gets_its_own_copy() -> None:
    rows = ((Button("Helpful", "fb+:x"), Button("Not helpful", "fb-:x")), (Button("Menu", "menu"),))
    markup = keyboard(rows)
    assert markup is not None
    plain = InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.action) for b in row] for row in rows]
    )
    assert markup == plain and markup.to_dict() == plain.to_dict()
    first = markup.to_dict()
    first["inline_keyboard"][0][0]["text"] = "changed by a caller"
    first["inline_keyboard"].append([])
    assert markup.to_dict() == plain.to_dict()
    assert markup.to_json() == plain.to_json()  # what goes to the Bot API
