"""`bot eval`'s measures: what counts as reached, answered and refused."""

from __future__ import annotations

from bot.core.faq import Candidate, MatchResult
from bot.evaluation import evaluate, format_table, listed_in_scope, shown


class Fixed:
    """A matcher that returns the same result for every question."""

    def __init__(self, result: MatchResult) -> None:
        self.result = result

    def match(self, text: str, lang: str, country: str | None) -> MatchResult:
        """The fixed result."""
        return self.result


CLOSE = (Candidate("jobs-tax", 38.0), Candidate("living-registration", 31.0))
IN_SCOPE = {"lang": "en", "text": "verokortti?", "expected": "jobs-tax"}
OUT_OF_SCOPE = {"lang": "en", "text": "taxes in Germany", "expected": "none"}


def test_what_a_reply_shows() -> None:
    refused = MatchResult("none", CLOSE, related=CLOSE[:1])
    assert shown(refused) == ["jobs-tax"]
    assert shown(MatchResult("suggest", CLOSE)) == ["jobs-tax", "living-registration"]
    assert shown(MatchResult("none", CLOSE)) == []


def test_a_refusal_with_the_right_topic_offered_counts_as_reached_not_answered() -> None:
    report = evaluate(Fixed(MatchResult("none", CLOSE, related=CLOSE)), [IN_SCOPE, OUT_OF_SCOPE])
    row = report.tallies["all"].row()
    assert (row["top1"], row["top3"], row["top3_answered"], row["rejected"]) == (0, 1, 0, 1)
    assert "answered" in format_table(report)


def test_an_answer_counts_everywhere_but_refused() -> None:
    report = evaluate(Fixed(MatchResult("answer", CLOSE)), [IN_SCOPE, OUT_OF_SCOPE])
    row = report.tallies["all"].row()
    assert (row["top1"], row["top3"], row["top3_answered"], row["rejected"]) == (1, 1, 1, 0)


class Flags:
    """A reader that flags every word in `words`."""

    def __init__(self, *words: str) -> None:
        self.words = set(words)

    def off_topic_words(self, text: str, lang: str) -> list[str]:
        """The flagged words of the text."""
        return [word for word in text.split() if word in self.words]


def test_listed_words_in_in_scope_questions_are_counted_most_frequent_first() -> None:
    cases = [
        {"lang": "en", "text": "my company went bankrupt", "expected": "jobs-register-unemployed"},
        {"lang": "en", "text": "the company pays less", "expected": "unions-pay"},
        {"lang": "en", "text": "I drive a bus", "expected": "unions-pay"},
        {"lang": "en", "text": "which company car", "expected": "none"},  # out of scope: skipped
    ]
    listed = listed_in_scope(Flags("company", "bus"), cases)
    assert [(w.lang, w.word, w.count) for w in listed] == [("en", "company", 2), ("en", "bus", 1)]
    assert listed[0].example == "my company went bankrupt"
