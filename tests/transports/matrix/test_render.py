"""Rendering replies as Matrix message content: plain body, safe HTML, numbered choices."""

from __future__ import annotations

from bot.core.messages import Attachment, Button, ChatRef, Outbound, Platform
from bot.i18n import translations
from bot.transports.matrix.render import file_content, message_content

CHAT = ChatRef(Platform.MATRIX, "!room:example.org")
EN = translations("en")


def test_choices_are_numbered_in_the_body_and_an_ordered_list_in_html() -> None:
    reply = Outbound(
        CHAT,
        "**Health**\nChoose one.",
        ((Button("Find a doctor", "faq:a"), Button("Dentist", "faq:b")), (Button("Menu", "m"),)),
    )
    content = message_content(reply, EN)
    assert content["msgtype"] == "m.text"
    assert content["format"] == "org.matrix.custom.html"
    assert content["body"] == (
        "Health\nChoose one.\n\n1) Find a doctor\n2) Dentist\n3) Menu\n\n"
        "Reply with a number from 1 to 3."
    )
    assert content["formatted_body"] == (
        "<b>Health</b><br>Choose one."
        "<ol><li>Find a doctor</li><li>Dentist</li><li>Menu</li></ol>"
        "<p>Reply with a number from 1 to 3.</p>"
    )


def test_a_single_choice_and_no_choice() -> None:
    one = message_content(Outbound(CHAT, "Sorry.", ((Button("Back to menu", "menu"),),)), EN)
    assert one["body"].endswith("1) Back to menu\n\nReply 1 to choose it.")
    none = message_content(Outbound(CHAT, "Just text."), EN)
    assert none["body"] == "Just text."
    assert none["formatted_body"] == "Just text."


def test_the_reply_line_is_in_the_persons_language() -> None:
    reply = Outbound(CHAT, "Выберите.", ((Button("Да", "y"), Button("Нет", "n")),))
    content = message_content(reply, translations("ru"))
    assert content["body"].endswith("Ответьте числом от 1 до 2.")


def test_html_in_text_and_labels_is_escaped() -> None:
    reply = Outbound(
        CHAT,
        'You wrote: <script>alert("x")</script> & <b>bold</b>',
        ((Button("<img src=x onerror=alert(1)>", "a"),),),
    )
    content = message_content(reply, EN)
    html = content["formatted_body"]
    assert "<script>" not in html and "<img" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&amp;" in html
    assert '<script>alert("x")</script>' in content["body"]  # plain text stays as typed


def test_paragraphs_and_links_survive_in_html() -> None:
    content = message_content(Outbound(CHAT, "One.\n\nSee [Kela](https://www.kela.fi)."), EN)
    assert content["formatted_body"] == 'One.<br><br>See <a href="https://www.kela.fi">Kela</a>.'
    assert content["body"] == "One.\n\nSee Kela (https://www.kela.fi)."


def test_file_content_plain_and_encrypted() -> None:
    ics = Attachment("event.ics", "text/calendar", b"BEGIN:VCALENDAR")
    plain = file_content(ics, "mxc://example.org/abc", None)
    assert plain["url"] == "mxc://example.org/abc" and "file" not in plain
    assert plain["info"] == {"mimetype": "text/calendar", "size": 15}
    keys = {"v": "v2", "key": {"k": "secret"}, "iv": "iv", "hashes": {"sha256": "h"}}
    encrypted = file_content(ics, "mxc://example.org/def", keys)
    assert "url" not in encrypted
    assert encrypted["file"] == {**keys, "url": "mxc://example.org/def"}
    assert encrypted["body"] == "event.ics"


def test_content_replies_are_rendered_once_and_a_persons_words_never_kept() -> None:
    from bot.transports.matrix.render import _content_bodies

    buttons = ((Button("Helpful", "fb+:x"), Button("Menu", "menu")),)
    text = "**Kela**\n\nCall [Kela](https://www.kela.fi)."
    content = message_content(Outbound(CHAT, text, buttons, from_content=True), EN)
    assert content == message_content(Outbound(CHAT, text, buttons), EN)
    hits = _content_bodies.cache_info().hits
    message_content(Outbound(CHAT, text, buttons, from_content=True), EN)
    assert _content_bodies.cache_info().hits == hits + 1

    kept = _content_bodies.cache_info().currsize
    message_content(Outbound(CHAT, "my neighbour is Zorbulon", buttons), EN)
    assert _content_bodies.cache_info().currsize == kept
