"""Running every part of `bot bench` in one go: the figures, the table, the JSON and the plot.

`run_bench` measures; `format_report` renders the figures as the table `bot bench` prints;
`plot_latency` draws latency against the number of phrasings; `check_targets` compares the
figures with the targets of the benchmark issue. The JSON written by `--json` is the dictionary
`run_bench` returns, with these top-level keys (see `JSON_KEYS`):

- `meta`: when, where and how it ran (quick or full, CPUs, Python);
- `quality`: per question set, matcher (`sild`, `rapidfuzz`, `bm25`) and language: `questions`,
  `top1`, `top3` (the right entry among the three best, or among the related topics Sild offers
  when it refuses), `top3_answered` (the same, not counting refusals), `out_of_scope`,
  `rejected`; and the baselines' `cutoffs`;
- `latency`: `sizes` (one row per number of phrasings: `sild`, `sild_cold` and `rapidfuzz`
  p50/p99/mean/max in ms) and `growth_exponent_p50`;
- `e2e`: `sild` and `echo` (updates per second, p50/p99 ms), `ratio`; or `skipped` with why;
- `memory`: peak RSS in MB, load+index and reload times in seconds;
- `targets`: each target, the measured value and whether it was met;
- `notes`: anything skipped, and why.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.bench.latency import LatencyPlan, Question, measure_latency
from bot.bench.memory import measure_memory
from bot.bench.quality import LANGUAGE_ORDER, measure_quality, question_sets
from bot.content.loader import load
from bot.evaluation import read_jsonl
from bot.knowledge import Library
from bot.matching.matcher import Thresholds
from bot.settings import PROJECT_ROOT

JSON_KEYS = ("meta", "quality", "latency", "e2e", "memory", "targets", "notes")
"""The top-level keys of the benchmark's JSON document."""

MATCHER_NAMES = {"sild": "Sild", "rapidfuzz": "rapidfuzz WRatio", "bm25": "BM25 (bm25s)"}
"""How the table names each matcher."""


@dataclass
class BenchOptions:
    """What `bot bench` was asked to do."""

    quick: bool = False
    users: int | None = None
    messages: int | None = None
    content_dir: Path = PROJECT_ROOT / "content"
    thresholds: Thresholds = field(default_factory=Thresholds)
    project_root: Path = PROJECT_ROOT
    e2e: bool = True
    sets: dict[str, Path] | None = None
    latency_plan: LatencyPlan | None = None

    @property
    def plan(self) -> LatencyPlan:
        """How much latency to measure: the quick run skips 100,000 and repeats less."""
        if self.latency_plan is not None:
            return self.latency_plan
        if self.quick:
            return LatencyPlan(sizes=(1_000, 10_000), repeats=1, per_size=40, real_count=300)
        return LatencyPlan()

    @property
    def user_count(self) -> int:
        """Simulated Telegram users (200 by default, 20 in a quick run)."""
        return self.users if self.users is not None else (20 if self.quick else 200)

    @property
    def message_count(self) -> int:
        """Messages each simulated user sends (10 by default, 3 in a quick run)."""
        return self.messages if self.messages is not None else (3 if self.quick else 10)


def run_bench(
    options: BenchOptions, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Measure every part and return the figures (the JSON document)."""
    say = progress or (lambda _: None)
    notes: list[str] = []
    started = time.perf_counter()
    content = load(options.content_dir)
    library = Library(content, options.thresholds)

    if options.sets is None:
        sets, missing = question_sets(options.project_root)
        notes += missing
    else:
        sets = options.sets
    quality = measure_quality(library, sets, say, every=8 if options.quick else 1)
    if options.quick:
        notes.append("quick run: quality on every 8th question of each set only")

    questions: list[Question] = []
    for path in sets.values():
        for case in read_jsonl(path.read_text(encoding="utf-8")):
            questions.append((str(case.get("text", "")), str(case.get("lang", "en"))))
    if not questions:
        notes.append("latency measured on content phrasings: no question set found")
        questions = [(p.text, p.lang) for p in _phrasings(library)[::10]]
    latency = measure_latency(content, questions, options.plan, options.thresholds, say)

    say("memory: loading the content in a fresh process")
    memory = measure_memory(options.content_dir, runs=1 if options.quick else 3)

    e2e: dict[str, Any]
    if options.e2e:
        say(
            f"end to end: {options.user_count} users x {options.message_count} messages "
            "through the fake Bot API"
        )
        from bot.bench.e2e import measure_e2e

        e2e = measure_e2e(
            options.user_count,
            options.message_count,
            options.content_dir,
            questions,
            rounds=1 if options.quick else 3,
        )
        if "skipped" in e2e:
            notes.append(f"end to end skipped: {e2e['skipped']}")
    else:
        e2e = {"skipped": "not asked for"}

    results: dict[str, Any] = {
        "meta": {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": options.quick,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_1min_at_start": round(os.getloadavg()[0], 2),
            "seconds": 0.0,
        },
        "quality": quality,
        "latency": latency,
        "e2e": e2e,
        "memory": memory,
        "targets": [],
        "notes": notes,
    }
    results["targets"] = check_targets(results)
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    return results


def _phrasings(library: Library) -> list[Any]:
    from bot.bench.baselines import content_phrasings

    return list(content_phrasings(library.content))


def _latency_row(results: dict[str, Any], real: bool, size: int | None = None) -> dict[str, Any]:
    for row in results["latency"]["sizes"]:
        if (real and row.get("content") == "real") or (
            not real and row.get("content") == "synthetic" and row["phrasings"] == size
        ):
            found: dict[str, Any] = row
            return found
    return {}


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the benchmark issue, its measured value, and whether it was met."""
    targets: list[dict[str, Any]] = []

    def add(name: str, target: str, value: Any, met: bool | None) -> None:
        """Record one target."""
        targets.append({"name": name, "target": target, "measured": value, "met": met})

    real = _latency_row(results, real=True)
    if real:
        p99 = real["sild"]["p99_ms"]
        add("matching p99, real content", "< 1 ms", f"{p99:.2f} ms", p99 < 1.0)
    at_10k = _latency_row(results, real=False, size=10_000)
    if at_10k:
        p99 = at_10k["sild"]["p99_ms"]
        add("matching p99, 10,000 phrasings", "< 2 ms", f"{p99:.2f} ms", p99 < 2.0)
    growth = results["latency"]["growth_exponent_p50"].get("sild")
    if growth is not None:
        add("matching growth (p50 ~ phrasings^k)", "k <= 1", f"k = {growth:.2f}", growth <= 1.0)
    e2e = results["e2e"]
    if "ratio" in e2e:
        ratio = e2e["ratio"]
        add("end to end vs echo bot", ">= 70 %", f"{ratio:.0%}", ratio >= 0.7)
    else:
        add("end to end vs echo bot", ">= 70 %", "not measured", None)
    memory = results["memory"]
    add("peak RSS", "< 120 MB", f"{memory['peak_rss_mb']:.1f} MB", memory["peak_rss_mb"] < 120)
    load = memory["load_and_index_s"]
    add("content load + index", "< 1 s", f"{load:.2f} s", load < 1.0)
    for set_name, figures in results["quality"]["sets"].items():
        by = figures["matchers"]
        behind = [
            f"{lang} vs {other}"
            for lang in LANGUAGE_ORDER
            if lang != "all" and lang in by["sild"]
            for other in ("rapidfuzz", "bm25")
            if by["sild"][lang]["top1"] <= by[other][lang]["top1"]
        ]
        add(
            f"Sild top-1 ahead of both baselines, every language ({set_name})",
            "ahead",
            "not ahead: " + ", ".join(behind) if behind else "ahead everywhere",
            not behind,
        )
    return targets


def _pct(value: float) -> str:
    return f"{value:6.1%}"


def format_report(results: dict[str, Any]) -> str:
    """The figures as the text tables `bot bench` prints."""
    meta = results["meta"]
    lines = [
        f"Sild benchmark ({'quick' if meta['quick'] else 'full'} run, {meta['when']}, "
        f"{meta['cpus']} CPUs, Python {meta['python']}, {meta['seconds']} s)",
        "",
        "1. Matching quality: top-1 / top-3 / out-of-scope rejected",
    ]
    cutoffs = results["quality"]["cutoffs"]
    lines.append(
        f"   (the baselines answer from score cutoffs: rapidfuzz WRatio >= "
        f"{cutoffs['rapidfuzz']:g}, BM25 >= {cutoffs['bm25']:g};"
    )
    lines.append(
        "   top-3: the right entry among the three best, or among the related topics Sild offers "
        "under an honest no, which the baselines do not offer)"
    )
    names = ("sild", "rapidfuzz", "bm25")
    header = f"{'set':<9}{'lang':<4}{'n':>5} {'oos':>4} " + "".join(
        f"| {MATCHER_NAMES[n]:<22}" for n in names
    )
    lines += [header, "-" * len(header)]
    for set_name, figures in results["quality"]["sets"].items():
        by = figures["matchers"]
        for lang in LANGUAGE_ORDER:
            if lang not in by["sild"]:
                continue
            row = by["sild"][lang]
            cells = "".join(
                f"| {_pct(by[n][lang]['top1'])} {_pct(by[n][lang]['top3'])} "
                f"{_pct(by[n][lang]['rejected'])} "
                for n in names
            )
            lines.append(
                f"{set_name:<9}{lang:<4}{row['questions']:>5} {row['out_of_scope']:>4} {cells}"
            )
    lines += ["", "2. Matching latency per question (ms; Sild warm, and cold = fresh stem caches)"]
    header = (
        f"{'phrasings':>10} {'ids':>5} {'content':<10} {'questions':>9} | "
        f"{'Sild p50':>9} {'p99':>7} | {'cold p50':>9} {'p99':>7} | "
        f"{'rapidfuzz p50':>13} {'p99':>8}"
    )
    lines += [header, "-" * len(header)]
    for row in results["latency"]["sizes"]:
        lines.append(
            f"{row['phrasings']:>10,} {row['ids']:>5} {row['content']:<10} {row['questions']:>9} | "
            f"{row['sild']['p50_ms']:>9.3f} {row['sild']['p99_ms']:>7.3f} | "
            f"{row['sild_cold']['p50_ms']:>9.3f} {row['sild_cold']['p99_ms']:>7.3f} | "
            f"{row['rapidfuzz']['p50_ms']:>13.3f} {row['rapidfuzz']['p99_ms']:>8.3f}"
        )
    growth = results["latency"]["growth_exponent_p50"]
    lines.append(
        "growth exponent k (p50 ~ phrasings^k): "
        + ", ".join(f"{MATCHER_NAMES[n]} {growth[n]}" for n in ("sild", "rapidfuzz"))
    )
    lines += ["", "3. End to end on Telegram (fake Bot API on 127.0.0.1)"]
    e2e = results["e2e"]
    if "skipped" in e2e:
        lines.append(f"   not measured: {e2e['skipped']}")
    else:
        lines.append(
            f"   {e2e['users']} users x {e2e['messages']} messages = {e2e['updates']} updates each"
            f"; best of {e2e.get('rounds', 1)} rounds, the bots taking turns"
        )
        header = f"{'bot':<28}{'updates/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'replies':>9}"
        header += f"{'CPU ms/upd':>11}"
        lines += [header, "-" * len(header)]
        for key, label in (("sild", "Sild (TelegramTransport)"), ("echo", "bare PTB echo bot")):
            r = e2e[key]
            lines.append(
                f"{label:<28}{r['updates_per_s']:>10.1f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
                f"{r['replies']:>9}{r.get('cpu_ms_per_update', 0.0):>11.2f}"
            )
        lines.append(f"Sild / echo throughput: {e2e['ratio']:.0%}")
        if "cpu_ratio" in e2e:
            lines.append(f"echo / Sild CPU per update: {e2e['cpu_ratio']:.0%}")
    memory = results["memory"]
    steps = memory["steps_s"]
    lines += [
        "",
        f"4. Memory and start (fresh process; fastest of {memory.get('runs', 1)}, "
        "highest peak RSS of all)",
        f"   peak RSS after imports {memory['peak_rss_after_imports_mb']:.1f} MB, "
        f"after loading {memory['entries']} entries and indexing {memory['peak_rss_mb']:.1f} MB",
        f"   load + check + index {memory['load_and_index_s']:.3f} s (load {steps['load']:.3f}, "
        f"check {steps['check']:.3f}, index {steps['index']:.3f}); "
        f"reload after a change {memory['reload_s']:.3f} s",
        "",
        "Targets",
    ]
    for target in results["targets"]:
        verdict = {True: "met", False: "MISSED", None: "n/a"}[target["met"]]
        lines.append(
            f"   {verdict:<7}{target['name']}: {target['measured']} (target {target['target']})"
        )
    lines += [f"note: {note}" for note in results["notes"]]
    return "\n".join(lines)


def plot_latency(results: dict[str, Any], path: Path) -> None:
    """Draw latency against phrasings for Sild and rapidfuzz, log-log, as a PNG.

    Lines join the synthetic sizes (p50 solid, p99 dashed); stars mark the real content.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["latency"]["sizes"]
    synthetic = [row for row in rows if row.get("content") == "synthetic"]
    real = [row for row in rows if row.get("content") == "real"]
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=110)
    for name, colour in (("sild", "tab:blue"), ("rapidfuzz", "tab:orange")):
        label = MATCHER_NAMES[name]
        sizes = [row["phrasings"] for row in synthetic]
        for stat, style, alpha in (("p50", "o-", 1.0), ("p99", "s--", 0.6)):
            axes.plot(
                sizes,
                [row[name][f"{stat}_ms"] for row in synthetic],
                style,
                color=colour,
                alpha=alpha,
                label=f"{label} {stat} (synthetic content)",
            )
        for row in real:
            axes.plot(
                [row["phrasings"]] * 2,
                [row[name]["p50_ms"], row[name]["p99_ms"]],
                "*",
                color=colour,
                markersize=11,
                label=f"{label} p50, p99 (real content)",
            )
    growth = results["latency"]["growth_exponent_p50"]
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("phrasings in the index")
    axes.set_ylabel("time per question (ms)")
    axes.set_title(
        f"Matching latency; growth k (p50 ~ n^k): Sild {growth['sild']}, "
        f"rapidfuzz {growth['rapidfuzz']}",
        fontsize=10,
    )
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


def write_json(results: dict[str, Any], path: Path) -> None:
    """Write the figures as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


_STARTED = time.perf_counter()


def stderr_progress(message: str) -> None:
    """Report progress on stderr (seconds since start), so the table on stdout stays clean."""
    print(f"[{time.perf_counter() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)
