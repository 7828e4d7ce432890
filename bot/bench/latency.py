"""Matching latency: Sild against plain rapidfuzz, on the real content and on synthetic content.

The growth exponent k (time ~ phrasings^k, least squares on log-log) is fitted to the synthetic
sizes only: they are timed with the same sample of questions and made by the same generator, so
they differ in size alone.

Protocol, the same for both matchers and every size: build the index once (not timed), warm up
(Sild: a first pass over the questions, which fills its stem cache as a running bot's is, and is
reported as "cold": fresh caches, as right after a start or a reload; rapidfuzz: a few untimed
calls), then time each question alone with `time.perf_counter_ns`, in `repeats` passes. A
question's time is its median over the passes, and p50/p99 are taken over the questions: this
machine is shared, and with a single pass one busy moment of a neighbour decides the p99.
Sild is timed through `Library.match`, the engine's entry point; rapidfuzz through its decision
path, one `extractOne` with `score_cutoff` (`FuzzBaseline.best`).
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.bench.baselines import FuzzBaseline, Phrase, content_phrasings
from bot.bench.synthetic import as_content, scale
from bot.content.loader import ContentSet
from bot.knowledge import Library
from bot.matching.matcher import Thresholds

Question = tuple[str, str]
"""A question's text and the language the person chose."""


def percentile(samples: Sequence[int], share: float) -> float:
    """The nearest-rank percentile (`share` from 0 to 1) of nanosecond samples, in ms."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1] / 1e6


def summary(samples: Sequence[int]) -> dict[str, float | int]:
    """p50, p99, mean and max in milliseconds, and how many samples they come from."""
    return {
        "p50_ms": round(percentile(samples, 0.50), 4),
        "p99_ms": round(percentile(samples, 0.99), 4),
        "mean_ms": round(sum(samples) / len(samples) / 1e6, 4) if samples else 0.0,
        "max_ms": round(max(samples, default=0) / 1e6, 4),
        "samples": len(samples),
    }


def time_each(call: Callable[[str, str], object], questions: Sequence[Question]) -> list[int]:
    """Nanoseconds for each question, each call timed on its own."""
    clock = time.perf_counter_ns
    samples: list[int] = []
    for text, lang in questions:
        start = clock()
        call(text, lang)
        samples.append(clock() - start)
    return samples


def per_question(runs: Sequence[Sequence[int]]) -> list[int]:
    """Each question's median time over the runs (so one noisy moment does not make a p99)."""
    return [int(statistics.median(times)) for times in zip(*runs, strict=True)]


def growth_exponent(points: Sequence[tuple[int, float]]) -> float | None:
    """The slope of log(time) against log(size), by least squares: 1.0 is linear growth."""
    usable = [(math.log(n), math.log(t)) for n, t in points if n > 0 and t > 0]
    if len(usable) < 2:
        return None
    mean_x = sum(x for x, _ in usable) / len(usable)
    mean_y = sum(y for _, y in usable) / len(usable)
    spread = sum((x - mean_x) ** 2 for x, _ in usable)
    if spread == 0:
        return None
    return round(sum((x - mean_x) * (y - mean_y) for x, y in usable) / spread, 3)


def sample(questions: Sequence[Question], count: int) -> list[Question]:
    """An evenly spaced subset of `count` questions (all of them when there are fewer)."""
    if count >= len(questions):
        return list(questions)
    step = len(questions) / count
    return [questions[int(i * step)] for i in range(count)]


@dataclass
class LatencyPlan:
    """How much to measure: synthetic sizes, passes over the real content, questions per size."""

    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    repeats: int = 3
    per_size: int = 100
    real_count: int = 1_500
    """On the real content, how many questions to time, evenly spaced over all the sets (enough
    for a p99 of 15 questions; every question of every set would make the run long)."""


def _sild(library: Library) -> Callable[[str, str], object]:
    """Sild's matcher as the engine calls it."""

    def call(text: str, lang: str) -> object:
        """One match."""
        return library.match(text, lang, None)

    return call


def _fuzz(baseline: FuzzBaseline) -> Callable[[str, str], object]:
    """The rapidfuzz baseline's decision (one `extractOne`)."""

    def call(text: str, lang: str) -> object:
        """One decision."""
        return baseline.best(text)

    return call


def measure_size(
    content: ContentSet,
    phrasings: Sequence[Phrase],
    questions: Sequence[Question],
    thresholds: Thresholds,
    repeats: int,
    real: bool = False,
) -> dict[str, Any]:
    """Build both matchers over `phrasings` once, then time each question on each.

    With `real`, Sild's library is the content itself (its entries, intents and everything
    else), whose phrasings `phrasings` must be; otherwise one made of `phrasings`.
    """
    started = time.perf_counter()
    library = Library(content if real else as_content(phrasings, content), thresholds)
    sild_build = time.perf_counter() - started
    started = time.perf_counter()
    fuzz = FuzzBaseline(phrasings)
    fuzz_build = time.perf_counter() - started
    sild, baseline = _sild(library), _fuzz(fuzz)
    gc.collect()
    cold = time_each(sild, questions)
    time_each(baseline, questions[:10])
    sild_runs: list[list[int]] = []
    fuzz_runs: list[list[int]] = []
    for _ in range(max(1, repeats)):
        gc.collect()
        sild_runs.append(time_each(sild, questions))
        fuzz_runs.append(time_each(baseline, questions))
    return {
        "phrasings": len(phrasings),
        "ids": len({p.key for p in phrasings}),
        "questions": len(questions),
        "repeats": max(1, repeats),
        "build_s": {"sild": round(sild_build, 3), "rapidfuzz": round(fuzz_build, 3)},
        "sild": summary(per_question(sild_runs)),
        "sild_cold": summary(cold),
        "rapidfuzz": summary(per_question(fuzz_runs)),
    }


def measure_latency(
    content: ContentSet,
    questions: Sequence[Question],
    plan: LatencyPlan,
    thresholds: Thresholds | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Latency on the real content and on each synthetic size (evenly spaced samples)."""
    thresholds = thresholds or Thresholds()
    say = progress or (lambda _: None)
    real = content_phrasings(content)
    say(f"latency: real content, {len(real)} phrasings")
    asked = sample(questions, plan.real_count)
    rows = [measure_size(content, real, asked, thresholds, plan.repeats, real=True)]
    rows[0]["content"] = "real"
    subset = sample(questions, plan.per_size)
    for size in plan.sizes:
        say(f"latency: synthetic content, {size:,} phrasings")
        row = measure_size(content, scale(real, size), subset, thresholds, plan.repeats)
        row["content"] = "synthetic"
        rows.append(row)
    rows.sort(key=lambda row: int(row["phrasings"]))
    synthetic = [r for r in rows if r["content"] == "synthetic"]
    growth = {
        name: growth_exponent([(int(r["phrasings"]), float(r[name]["p50_ms"])) for r in synthetic])
        for name in ("sild", "rapidfuzz")
    }
    return {"sizes": rows, "growth_exponent_p50": growth}
