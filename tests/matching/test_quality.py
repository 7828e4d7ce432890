"""Matching quality on labelled questions, per language, so that a regression is caught.

The floors sit a little below what the matcher reached when they were set (see the figures in the
comments); raise them when the matcher gets better, never lower them to make a change pass.

- `tests/eval/holdout7.jsonl`: written by people who never saw the content, never used to change
  Sild: the measure of unseen questions (its floors guard against a regression there).
  `holdout6.jsonl` was measured unseen too, and is no longer quite unseen (see its README row).
- `tests/eval/wider.jsonl`, `fresh.jsonl`, `probe.jsonl` to `probe3.jsonl`, `holdout.jsonl` to
  `holdout5.jsonl`: written without the content in view, then used to improve
  it (guards, not measures; see `tests/eval/README.md`).
- `shared/eval/dev.jsonl`: the project's sample set (skipped when the shared folder is absent).
- `tests/eval/tune.jsonl`: the set the matcher was tuned on.
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

HOLDOUT7: Floors = {
    # reached, unseen, measured once: et 93.8 / 97.7 / 93.3, fi 92.3 / 99.2 / 96.7,
    # ru 96.9 / 100 / 93.3, en 96.9 / 99.2 / 90.0 (130 questions, 30 out-of-scope each)
    "et": (0.91, 0.95, 0.86),
    "fi": (0.89, 0.96, 0.90),
    "ru": (0.94, 0.97, 0.86),
    "en": (0.94, 0.96, 0.83),
}

HOLDOUT6: Floors = {
    # reached, unseen: et 93.8 / 99.2 / 93.3, fi 91.5 / 97.7 / 96.7, ru 93.1 / 98.5 / 96.7,
    # en 90.0 / 94.6 / 96.7 (130 questions, 30 out-of-scope each); after holdout5 was taught:
    # et 95.4 / 99.2, fi 93.1 / 98.5, ru 93.8 / 98.5, en 90.8 / 95.4, refusals the same; after
    # probe4 (en) was taught: en 93.1 / 97.7
    "et": (0.92, 0.97, 0.86),
    "fi": (0.90, 0.96, 0.90),
    "ru": (0.91, 0.96, 0.90),
    "en": (0.88, 0.93, 0.90),
}

HOLDOUT5: Floors = {
    # unseen it reached (three measurements) et 90.0-90.8 / 96.9 / 83.3, fi 93.8 / 96.2 / 83.3,
    # ru 91.5 / 99.2 / 86.7, en 94.6-95.4 / 97.7 / 90.0-93.3; after its misses were taught:
    # 100 / 100 in every language, refused et 96.7, fi 90.0, ru 96.7, en 96.7
    "et": (0.97, 0.97, 0.90),
    "fi": (0.97, 0.97, 0.86),
    "ru": (0.97, 0.97, 0.90),
    "en": (0.97, 0.97, 0.90),
}
HOLDOUT4: Floors = {
    # reached after its misses were taught: et 99.2 / 100 / 93.3, fi 99.2 / 100 / 100,
    # ru 100 / 100 / 90.0, en 100 / 100 / 93.3 (130 questions, 30 out-of-scope each)
    "et": (0.96, 0.97, 0.86),
    "fi": (0.96, 0.97, 0.93),
    "ru": (0.97, 0.97, 0.83),
    "en": (0.97, 0.97, 0.86),
}
HOLDOUT: Floors = {
    # reached after its misses were taught: et 98.5 / 100 / 100, fi 100 / 100 / 95.0,
    # ru 100 / 100 / 95.0, en 99.2 / 100 / 90.0 (130 questions, 20 out-of-scope each)
    "et": (0.96, 0.97, 0.90),
    "fi": (0.97, 0.97, 0.85),
    "ru": (0.97, 0.97, 0.85),
    "en": (0.96, 0.97, 0.80),
}
HOLDOUT2: Floors = {
    # reached after its misses were taught: 100 / 100 everywhere, out-of-scope refused
    # et 100, fi 100, ru 96.7, en 93.3 (130 questions, 30 out-of-scope each)
    "et": (0.97, 0.97, 0.93),
    "fi": (0.97, 0.97, 0.93),
    "ru": (0.97, 0.97, 0.90),
    "en": (0.97, 0.97, 0.86),
}
HOLDOUT3: Floors = {
    # reached after its misses were taught: et 98.5 / 100 / 100, fi 98.5 / 100 / 96.7,
    # ru 100 / 100 / 96.7, en 99.2 / 100 / 96.7 (130 questions, 30 out-of-scope each)
    "et": (0.96, 0.97, 0.93),
    "fi": (0.96, 0.97, 0.90),
    "ru": (0.97, 0.97, 0.90),
    "en": (0.96, 0.97, 0.90),
}
PROBE: Floors = {
    # reached after its misses were taught: et 100 / 100 / 92.5, fi 100 / 100 / 97.5,
    # ru 100 / 100 / 100, en 100 / 100 / 95.0 (130 questions, 40 out-of-scope each)
    "et": (0.97, 0.97, 0.85),
    "fi": (0.97, 0.97, 0.90),
    "ru": (0.97, 0.97, 0.90),
    "en": (0.97, 0.97, 0.87),
}
PROBE3: Floors = {
    # reached after its misses were taught: et 100 / 100 / 95.6, fi 100 / 100 / 90.0,
    # ru 100 / 100 / 88.9, en 98.6 / 100 / 87.8 (70 questions, 90 out-of-scope each)
    "et": (0.97, 0.97, 0.90),
    "fi": (0.97, 0.97, 0.85),
    "ru": (0.97, 0.97, 0.83),
    "en": (0.96, 0.97, 0.82),
}
PROBE2: Floors = {
    # reached after its misses were taught: 100 / 100 in every language, out-of-scope refused
    # et 98.3, fi 100, ru 91.7, en 93.3 (70 questions, 60 out-of-scope each)
    "et": (0.97, 0.97, 0.93),
    "fi": (0.97, 0.97, 0.93),
    "ru": (0.97, 0.97, 0.86),
    "en": (0.97, 0.97, 0.88),
}
WIDER: Floors = {
    # reached: et 96.9 / 99.2 / 100, fi 100 / 100 / 100, ru 100 / 100 / 80.0,
    # en 99.2 / 100 / 100 (130 questions and 15 out-of-scope messages per language)
    "et": (0.94, 0.96, 0.86),
    "fi": (0.96, 0.96, 0.86),
    "ru": (0.96, 0.96, 0.73),
    "en": (0.96, 0.96, 0.86),
}
FRESH: Floors = {
    # reached: et 98.5 / 99.2 / 90.0, fi 99.2 / 99.2 / 95.0, ru 97.7 / 97.7 / 90.0,
    # en 100 / 100 / 90.0 (130 questions and 20 out-of-scope messages per language)
    "et": (0.95, 0.96, 0.80),
    "fi": (0.96, 0.96, 0.85),
    "ru": (0.94, 0.94, 0.80),
    "en": (0.96, 0.96, 0.80),
}
DEV_FLOORS: Floors = {
    # reached: et 97.0 / 97.0 / 100, fi 100 / 100 / 100, ru 97.0 / 100 / 100,
    # en 100 / 100 / 100 (33 questions and 4 out-of-scope messages per language)
    "et": (0.93, 0.93, 0.75),
    "fi": (0.96, 0.96, 0.75),
    "ru": (0.93, 0.96, 0.75),
    "en": (0.96, 0.96, 0.75),
}
TUNE: Floors = {
    # reached: et 99.3 / 100 / 96.7, fi 100 / 100 / 96.7, ru 98.9 / 98.9 / 94.1,
    # en 99.6 / 99.6 / 93.8 (274-280 questions and 30-34 out-of-scope messages per language)
    "et": (0.97, 0.98, 0.90),
    "fi": (0.97, 0.98, 0.90),
    "ru": (0.96, 0.96, 0.88),
    "en": (0.97, 0.97, 0.88),
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


def test_unseen_holdout_set(library: Library) -> None:
    _check(_report(library, EVAL / "holdout7.jsonl"), HOLDOUT7)


def test_sixth_holdout_set(library: Library) -> None:
    _check(_report(library, EVAL / "holdout6.jsonl"), HOLDOUT6)


def test_fifth_holdout_set(library: Library) -> None:
    _check(_report(library, EVAL / "holdout5.jsonl"), HOLDOUT5)


def test_fourth_holdout_set(library: Library) -> None:
    _check(_report(library, EVAL / "holdout4.jsonl"), HOLDOUT4)


def test_holdout_set(library: Library) -> None:
    _check(_report(library, EVAL / "holdout.jsonl"), HOLDOUT)


def test_second_holdout_set(library: Library) -> None:
    _check(_report(library, EVAL / "holdout2.jsonl"), HOLDOUT2)


def test_third_holdout_set(library: Library) -> None:
    _check(_report(library, EVAL / "holdout3.jsonl"), HOLDOUT3)


def test_third_probe_set(library: Library) -> None:
    _check(_report(library, EVAL / "probe3.jsonl"), PROBE3)


def test_second_probe_set(library: Library) -> None:
    _check(_report(library, EVAL / "probe2.jsonl"), PROBE2)


def test_probe_set(library: Library) -> None:
    _check(_report(library, EVAL / "probe.jsonl"), PROBE)


def test_wider_set(library: Library) -> None:
    _check(_report(library, EVAL / "wider.jsonl"), WIDER)


def test_fresh_set(library: Library) -> None:
    _check(_report(library, EVAL / "fresh.jsonl"), FRESH)


def test_dev_set(library: Library) -> None:
    path = _dev_path()
    if path is None:
        pytest.skip("shared/eval/dev.jsonl is not here")
    _check(_report(library, path), DEV_FLOORS)


def test_tune_set(library: Library) -> None:
    _check(_report(library, EVAL / "tune.jsonl"), TUNE)
