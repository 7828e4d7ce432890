"""Matching quality on labelled questions, per language, so that a regression is caught.

The floors sit a little below what the matcher reached when they were set (see the figures in the
comments); raise them when the matcher gets better, never lower them to make a change pass.

- `tests/eval/wider.jsonl`: 580 questions written by someone who never saw the content.
- `shared/eval/dev.jsonl`: the project's sample set (skipped when the shared folder is absent).
- `tests/eval/tune.jsonl`: the set the matcher was tuned on (its figures are not a measure of
  unseen questions, only a guard against breaking what works).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation import Report, evaluate, read_jsonl
from bot.knowledge import Library
from bot.settings import PROJECT_ROOT

EVAL = PROJECT_ROOT / "tests" / "eval"
DEV = PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl"
SHARED_DEV = Path("/work/shared/eval/dev.jsonl")

Floors = dict[str, tuple[float, float, float]]
"""Per language: the lowest acceptable top-1, top-3 and out-of-scope rejection rates."""

WIDER: Floors = {
    # reached: et 86.9 / 92.3 / 100, fi 88.5 / 93.8 / 93.3, ru 90.8 / 96.2 / 86.7,
    # en 92.3 / 95.4 / 100 (130 questions and 15 out-of-scope messages per language)
    "et": (0.83, 0.89, 0.86),
    "fi": (0.85, 0.90, 0.86),
    "ru": (0.87, 0.93, 0.79),
    "en": (0.89, 0.92, 0.86),
}
DEV_FLOORS: Floors = {
    # reached: et 84.8 / 90.9 / 100, fi 93.9 / 97.0 / 100, ru 93.9 / 97.0 / 100,
    # en 90.9 / 93.9 / 100 (33 questions and 4 out-of-scope messages per language)
    "et": (0.81, 0.87, 0.75),
    "fi": (0.90, 0.93, 0.75),
    "ru": (0.90, 0.93, 0.75),
    "en": (0.87, 0.90, 0.75),
}
TUNE: Floors = {
    # reached: et 97.9 / 99.3 / 90.0, fi 97.5 / 98.9 / 86.7, ru 94.2 / 96.4 / 91.2,
    # en 95.6 / 97.8 / 84.4 (274-280 questions and 30-34 out-of-scope messages per language)
    "et": (0.94, 0.96, 0.86),
    "fi": (0.94, 0.96, 0.86),
    "ru": (0.91, 0.93, 0.86),
    "en": (0.92, 0.94, 0.83),
}


def _dev_path() -> Path | None:
    for path in (DEV, SHARED_DEV):
        if path.is_file():
            return path
    return None


def _report(library: Library, path: Path) -> Report:
    return evaluate(library, read_jsonl(path.read_text(encoding="utf-8")))


def _check(report: Report, floors: Floors) -> None:
    problems = []
    for lang, (top1, top3, rejected) in floors.items():
        row = report.tallies[lang].row()
        for name, floor in (("top1", top1), ("top3", top3), ("rejected", rejected)):
            if float(row[name]) < floor:
                problems.append(f"{lang} {name} {float(row[name]):.1%} < {floor:.0%}")
    assert problems == []


def test_wider_set(library: Library) -> None:
    _check(_report(library, EVAL / "wider.jsonl"), WIDER)


def test_dev_set(library: Library) -> None:
    path = _dev_path()
    if path is None:
        pytest.skip("shared/eval/dev.jsonl is not here")
    _check(_report(library, path), DEV_FLOORS)


def test_tune_set(library: Library) -> None:
    _check(_report(library, EVAL / "tune.jsonl"), TUNE)
