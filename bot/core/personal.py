"""Personal identifiers in free text: phone numbers and personal identity codes, found and masked.

Whatever Sild keeps for statistics (the questions nobody could answer, the descriptions of old
requests) goes through `mask_personal` first, so a phone number or an identity code a person
typed is not kept with it. Pure functions, no I/O.

- An Estonian personal identification code (*isikukood*) is 11 digits: G YYMMDD SSS C, where C
  is a check digit over the first ten (two rounds of weights, modulo 11).
- A Finnish personal identity code (*henkilötunnus*) is DDMMYY, a century sign (`+` for the
  1800s; `-` `Y` `X` `W` `V` `U` for the 1900s; `A` to `F` for the 2000s), three digits, and a
  check character: the nine digits as one number, modulo 31, indexed into
  `0123456789ABCDEFHJKLMNPRSTUVWXY`.
- A phone number is any run of 7 to 15 digits, possibly with a leading `+`, spaces, hyphens and
  parentheses between them (`+358 40 123 4567`, `(09) 310 5015`, `5123 4567`). Longer digit runs
  (an account or card number) are masked too.

Masking errs on the side of masking: a long number that is not a phone number is hidden all the
same. `mask_personal` is idempotent and never raises.
"""

from __future__ import annotations

import re

PHONE_MASK = "[phone]"
ID_MASK = "[id]"
NUMBER_MASK = "[number]"
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15

HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
HETU_CENTURY = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900}
HETU_CENTURY |= dict.fromkeys("ABCDEF", 2000)

_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 1)
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)

# DDMMYY, a century sign (or the space or hyphen it becomes when text is normalised), NNN, check.
# Letters may follow (a code glued to a word is still a code); the check character decides.
_HETU = re.compile(
    r"(?<!\d)(\d{6})([-+A-FU-Y ]|\u2010|\u2011|\u2013)(\d{3})([0-9A-Z])", re.IGNORECASE
)
_SEPARATOR = "[ \u00a0\\-\u2010\u2011\u2013()]"
_DIGIT_RUN = re.compile(rf"(?<!\d)\+?\(?\d(?:{_SEPARATOR}{{0,2}}\d)*")


def _digits(text: str) -> list[int]:
    return [int(ch) for ch in text if ch.isdecimal()]


def isikukood_check_digit(first_ten: str) -> int:
    """The check digit of an Estonian personal code, from its first ten digits."""
    digits = _digits(first_ten)
    if len(digits) != 10:
        raise ValueError("an isikukood check digit needs exactly ten digits")
    total = sum(d * w for d, w in zip(digits, _WEIGHTS_1, strict=True)) % 11
    if total == 10:
        total = sum(d * w for d, w in zip(digits, _WEIGHTS_2, strict=True)) % 11
        if total == 10:
            total = 0
    return total


def is_isikukood(text: str) -> bool:
    """Whether `text` is exactly a valid Estonian personal identification code."""
    if len(text) != 11 or not all(ch.isdecimal() for ch in text):
        return False
    digits = _digits(text)
    if not 1 <= digits[0] <= 8:
        return False
    return isikukood_check_digit(text[:10]) == digits[10]


def hetu_check_char(date_part: str, serial: str) -> str:
    """The check character of a Finnish personal identity code (DDMMYY and NNN)."""
    digits = _digits(date_part + serial)
    if len(digits) != 9:
        raise ValueError("a henkilötunnus check character needs DDMMYY and three digits")
    return HETU_CHECK[int("".join(map(str, digits))) % 31]


def is_henkilotunnus(text: str) -> bool:
    """Whether `text` is exactly a valid Finnish personal identity code (any letter case)."""
    found = _HETU.fullmatch(text.strip())
    if found is None or found.group(2).upper() not in HETU_CENTURY:
        return False
    return _hetu_checks(found)


def _hetu_checks(found: re.Match[str]) -> bool:
    try:
        return hetu_check_char(found.group(1), found.group(3)) == found.group(4).upper()
    except ValueError:
        return False


def _mask_digit_run(found: re.Match[str]) -> str:
    run = found.group(0)
    count = sum(ch.isdecimal() for ch in run)
    if count < MIN_PHONE_DIGITS:
        return run
    if count == 11 and is_isikukood(run):
        return ID_MASK
    return PHONE_MASK if count <= MAX_PHONE_DIGITS else NUMBER_MASK


def mask_personal(text: str) -> str:
    """`text` with identity codes and phone numbers replaced by `[id]` and `[phone]`.

    Also works on text that was normalised for matching (lower case, hyphens turned to spaces).
    """
    masked = _HETU.sub(lambda m: ID_MASK if _hetu_checks(m) else m.group(0), text)
    return _DIGIT_RUN.sub(_mask_digit_run, masked)
