"""Masking phone numbers and identity codes (isikukood, henkilötunnus), with hypothesis."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.core.personal import (
    HETU_CHECK,
    ID_MASK,
    PHONE_MASK,
    hetu_check_char,
    is_henkilotunnus,
    is_isikukood,
    isikukood_check_digit,
    mask_personal,
)
from bot.matching.normalise import normalise

CENTURY_SIGNS = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}
SEVEN_DIGITS = re.compile(r"\d(?:[ \u00a0\-\u2010\u2011\u2013()]{0,2}\d){6}")


@st.composite
def isikukoodid(draw: st.DrawFn) -> str:
    """A valid Estonian personal identification code."""
    born = draw(st.dates(date(1900, 1, 1), date(2099, 12, 31)))
    female = draw(st.booleans())
    first = {19: 3, 20: 5}[born.year // 100] + int(female)
    serial = draw(st.integers(0, 999))
    head = f"{first}{born:%y%m%d}{serial:03d}"
    return head + str(isikukood_check_digit(head))


@st.composite
def henkilotunnukset(draw: st.DrawFn) -> str:
    """A valid Finnish personal identity code, in upper or lower case."""
    born = draw(st.dates(date(1850, 1, 1), date(2059, 12, 31)))
    sign = draw(st.sampled_from(CENTURY_SIGNS[born.year // 100 * 100]))
    serial = f"{draw(st.integers(2, 899)):03d}"
    code = f"{born:%d%m%y}{sign}{serial}{hetu_check_char(f'{born:%d%m%y}', serial)}"
    return code.lower() if draw(st.booleans()) else code


@st.composite
def phones(draw: st.DrawFn) -> str:
    """A phone number written as people write them in Finland and Estonia."""
    style = draw(st.integers(0, 5))
    digits = [str(draw(st.integers(0, 9))) for _ in range(draw(st.integers(7, 9)))]
    number = "".join(digits)
    if style == 0:
        return "+358 " + number[:2] + " " + number[2:5] + " " + number[5:]
    if style == 1:
        return "0" + number[:2] + "-" + number[2:]
    if style == 2:
        return "+372 " + number[:4] + " " + number[4:]
    if style == 3:
        return "(09) " + number[:3] + " " + number[3:]
    if style == 4:
        return "00358" + number
    return number


# Text around a code: anything but digits and letters right next to it.
surroundings = st.text(alphabet=st.characters(exclude_categories=("Nd", "Lu", "Ll", "Lt", "Lo")))


def test_known_codes() -> None:
    assert is_isikukood("37605030299")  # the example of the Estonian ID card documentation
    assert is_isikukood("49403136526")
    assert not is_isikukood("37605030290")  # wrong check digit
    assert not is_isikukood("97605030299")  # no such century digit
    assert is_henkilotunnus("131052-308T")  # the example of the Finnish Digital Agency
    assert is_henkilotunnus("131052a308t")
    assert not is_henkilotunnus("131052-308U")
    assert not is_henkilotunnus("131052Z308T")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("call me at +358 40 123 4567 please", f"call me at {PHONE_MASK} please"),
        ("minu number on 5123 4567", f"minu number on {PHONE_MASK}"),
        ("isikukood 37605030299.", f"isikukood {ID_MASK}."),
        ("hetu: 131052-308T, kiitos", f"hetu: {ID_MASK}, kiitos"),
        ("(09) 310 5015", PHONE_MASK),
        ("IBAN FI21 1234 5600 0007 85", "IBAN FI[number]"),
        ("I earn 2500 euros, since 2019, room 12", "I earn 2500 euros, since 2019, room 12"),
    ],
)
def test_examples(text: str, masked: str) -> None:
    assert mask_personal(text) == masked


@given(code=isikukoodid(), before=surroundings, after=surroundings)
@example(code="37605030299", before="", after="")
def test_an_isikukood_never_survives(code: str, before: str, after: str) -> None:
    assert is_isikukood(code)
    masked = mask_personal(before + code + after)
    assert code not in masked and (ID_MASK in masked or PHONE_MASK in masked)
    assert code not in mask_personal(normalise(before + code + after))


@given(code=henkilotunnukset(), before=surroundings, after=surroundings)
@example(code="131052-308T", before="", after="")
def test_a_henkilotunnus_never_survives(code: str, before: str, after: str) -> None:
    assert is_henkilotunnus(code)
    masked = mask_personal(before + code + after)
    assert code.casefold() not in masked.casefold() and ID_MASK in masked
    assert code[:6] not in masked
    assert code[:6] not in mask_personal(normalise(before + code + after))


@given(phone=phones(), before=surroundings, after=surroundings)
def test_a_phone_number_never_survives(phone: str, before: str, after: str) -> None:
    masked = mask_personal(before + phone + after)
    digits = "".join(ch for ch in phone if ch.isdigit())
    assert digits not in "".join(ch for ch in masked if ch.isdigit())
    assert PHONE_MASK in masked or ID_MASK in masked or "[number]" in masked


@given(st.text())
def test_masking_is_idempotent_and_leaves_no_long_number(text: str) -> None:
    once = mask_personal(text)
    assert mask_personal(once) == once
    assert SEVEN_DIGITS.search(once) is None


@given(st.text(alphabet=st.characters(exclude_categories=("Nd",))))
def test_text_without_digits_is_left_alone(text: str) -> None:
    assert mask_personal(text) == text


@given(st.integers(0, 10**10 - 1))
def test_exactly_one_check_digit_fits(head: int) -> None:
    first_ten = f"{head:010d}"
    fitting = [d for d in range(10) if is_isikukood(first_ten + str(d))]
    assert fitting == (
        [] if not 1 <= int(first_ten[0]) <= 8 else [isikukood_check_digit(first_ten)]
    )


@given(st.dates(date(1900, 1, 1), date(2030, 1, 1)), st.integers(2, 899))
def test_every_hetu_check_char_is_in_the_alphabet(born: date, serial: int) -> None:
    check = hetu_check_char(f"{born:%d%m%y}", f"{serial:03d}")
    assert check in HETU_CHECK and check not in "GIOQZ"
