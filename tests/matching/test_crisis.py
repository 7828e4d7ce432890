"""Spotting danger: the signal matcher, and the shipped lists on what people really write."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.knowledge import Library
from bot.matching.crisis import compile_signals, signals_danger

SIGNALS = compile_signals(["want to die", "suicid*", "не хочу жить"])


def test_a_signal_is_found_as_whole_consecutive_words() -> None:
    assert signals_danger("I just want to die.", SIGNALS)
    assert signals_danger("Я НЕ ХОЧУ ЖИТЬ", SIGNALS)
    assert signals_danger("thinking about suicide", SIGNALS)  # a starred stem
    assert signals_danger("suicidal thoughts", SIGNALS)
    assert not signals_danger("I want to dine out", SIGNALS)  # "die" is not a prefix match
    assert not signals_danger("want to die", [])  # no signals, no danger
    assert not signals_danger("I want to go and die", SIGNALS)  # words must be consecutive


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", max_size=30)


@given(
    before=words, after=words, signal=st.sampled_from(["want to die", "suicidal", "не хочу жить"])
)
def test_a_signal_is_found_wherever_it_stands(before: str, after: str, signal: str) -> None:
    assert signals_danger(f"{before} {signal}, {after}", SIGNALS)


@pytest.mark.parametrize(
    "text",
    [
        # the person themselves
        "i dont want to live anymore",
        "en jaksa elää enää",
        "не хочу больше жить",
        "ma ei taha enam elada",
        # someone close to them: the crisis numbers are what the person needs too
        "my friend says he doesn't want to live anymore, who can we call",
        "he keeps saying he wants to kill himself",
        "she talked about taking her own life",
        "hän sanoo ettei halua enää elää",
        "poikani puhuu että tappaa itsensä",
        "itsetuhoiset ajatukset",
        "она говорит что не хочет больше жить",
        "муж грозится покончить с собой",
        "sõber ütleb, et tahab surra",
        "ta ähvardab ennast ära tappa",
        "my roommate says life isn't worth living",
        "он говорит что незачем жить",
        "elämä ei ole elämisen arvoista",
        "elu pole elamist väärt",
    ],
)
def test_the_shipped_lists_hear_danger_in_first_and_third_person(
    library: Library, text: str
) -> None:
    assert library.crisis(text)


@pytest.mark.parametrize(
    "text",
    [
        "i fell at work and hurt myself, who pays",  # an accident at work is a rights question
        "my son fell off his bike and hurt himself",
        "laps kukkus ja tegi endale haiget",
        "I want to live in Helsinki",
        "haluan elää terveemmin",
        "хочу жить в Таллинне",
        "tahan elada soomes",
    ],
)
def test_the_shipped_lists_leave_everyday_messages_alone(library: Library, text: str) -> None:
    assert not library.crisis(text)
