"""`bot bench`: the baselines, the synthetic scaler, the statistics and the JSON it writes.

Nothing here asserts a timing: these tests only check that the benchmark measures the right
things and reports them in the documented shape.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from bot.bench.baselines import Bm25Baseline, FuzzBaseline, Phrase, calibrate, content_phrasings
from bot.bench.e2e import measure_e2e, scripts, warmup_scripts
from bot.bench.latency import LatencyPlan, growth_exponent, percentile, sample, summary
from bot.bench.run import JSON_KEYS, BenchOptions, format_report, plot_latency, run_bench
from bot.bench.synthetic import as_content, scale
from bot.cli import build_parser
from bot.evaluation import predicted
from bot.knowledge import Library
from tests.conftest import CONTENT

TINY = [
    Phrase("health-dental", "en", "Dental care"),
    Phrase("health-dental", "en", "where can I see a dentist"),
    Phrase("health-dental", "en", "toothache"),
    Phrase("jobs-cv", "en", "Writing a CV"),
    Phrase("jobs-cv", "en", "how do I write a good CV"),
    Phrase("jobs-cv", "en", "curriculum vitae"),
    Phrase("health-dental", "et", "Hambaravi"),
    Phrase("health-dental", "et", "kust leida hambaarst"),
    Phrase("jobs-cv", "et", "Kuidas kirjutada CV"),
    Phrase("intent:greeting", "en", "hello"),
    Phrase("intent:greeting", "et", "tere"),
]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("where can I find a dentist", "en", "health-dental"),
        ("how to write my CV", "en", "jobs-cv"),
        ("kust ma leian hambaarsti", "et", "health-dental"),
        ("hello", "en", "intent:greeting"),
    ],
)
def test_both_baselines_find_the_obvious_entry(text: str, lang: str, expected: str) -> None:
    for baseline in (FuzzBaseline(TINY, cutoff=50), Bm25Baseline(TINY, cutoff=0.1)):
        result = baseline.match(text, lang, None)
        assert predicted(result) == expected, baseline.name
        assert len({c.id for c in result.candidates}) == len(result.candidates)


def test_baselines_refuse_what_nothing_resembles() -> None:
    assert predicted(FuzzBaseline(TINY).match("zqxw vbnm", "en", None)) is None
    assert FuzzBaseline(TINY).best("zqxw vbnm") is None
    assert predicted(Bm25Baseline(TINY).match("zqxw vbnm", "en", None)) is None
    assert predicted(Bm25Baseline(TINY).match("", "en", None)) is None


def test_fuzz_baseline_agrees_with_plain_extract_one() -> None:
    baseline = FuzzBaseline(TINY, cutoff=0)
    texts = [p.text for p in TINY]
    for query in ("dentist please!", "CV help", "Tere, hambaarst?", "curriculum"):
        plain = process.extractOne(query, texts, scorer=fuzz.WRatio, processor=default_process)
        assert plain is not None
        assert baseline.best(query) == TINY[plain[2]].key
        assert baseline.match(query, "en", None).candidates[0].score == pytest.approx(plain[1])


def test_calibrate_picks_the_cutoff_with_most_right_decisions() -> None:
    cases = [
        {"lang": "en", "text": "dentist", "expected": "health-dental"},
        {"lang": "en", "text": "how do I write a good CV", "expected": "jobs-cv"},
        {"lang": "en", "text": "zqxw vbnm", "expected": "none"},
    ]
    cutoff, right = calibrate(FuzzBaseline(TINY), cases, [0, 60, 101])
    assert cutoff == 60
    assert right == 1.0


def test_content_phrasings_cover_entries_and_intents(library: Library) -> None:
    phrasings = content_phrasings(library.content)
    keys = {p.key for p in phrasings}
    assert {"health-dental", "intent:human"} <= keys
    assert {p.lang for p in phrasings} == {"et", "fi", "ru", "en"}
    entry = library.content.entries["en"]["health-dental"]
    assert Phrase("health-dental", "en", entry.title) in phrasings


@pytest.mark.parametrize("target", [1, 7, 11, 12, 100, 1_000])
def test_scale_makes_exactly_the_requested_number(target: int) -> None:
    scaled = scale(TINY, target)
    assert len(scaled) == target
    assert scale(TINY, target) == scaled  # seeded: the same content every run
    if target > len(TINY):
        assert scaled[: len(TINY)] == TINY
        synthetic = scaled[len(TINY) :]
        assert all("~" in p.key for p in synthetic)
        assert {p.key.split("~")[0] for p in synthetic} <= {p.key for p in TINY}


def test_synthetic_content_holds_the_same_phrasings(library: Library) -> None:
    scaled = scale(content_phrasings(library.content), 3_000)
    content = as_content(scaled, library.content)
    held = [
        text
        for entry in content.all_entries()
        for text in (entry.title, *entry.questions, *entry.keywords)
    ]
    assert sorted(held) == sorted(p.text for p in scaled)
    assert Library(content).match("hambaarst", "et", None).best is not None


def test_statistics() -> None:
    samples = [i * 1_000_000 for i in range(1, 101)]  # 1 ms … 100 ms
    assert percentile(samples, 0.5) == 50.0
    assert percentile(samples, 0.99) == 99.0
    assert summary(samples)["samples"] == 100
    assert growth_exponent([(10, 1.0), (100, 10.0), (1000, 100.0)]) == 1.0
    assert growth_exponent([(10, 2.0), (1000, 2.0)]) == 0.0
    assert growth_exponent([(10, 2.0)]) is None
    assert sample([("a", "en")] * 10, 3) == [("a", "en")] * 3


def test_bench_command_line() -> None:
    args = build_parser().parse_args(
        ["bench", "--quick", "--json", "x.json", "--plot", "x.png", "--users", "3"]
    )
    assert (args.quick, args.json, args.plot, args.users, args.messages) == (
        True,
        Path("x.json"),
        Path("x.png"),
        3,
        None,
    )
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "--users", "0"])


def test_a_tiny_bench_reports_every_documented_key(tmp_path: Path) -> None:
    questions = tmp_path / "tiny.jsonl"
    lines = [
        {"lang": "en", "text": "I need a dentist", "expected": "health-dental"},
        {"lang": "et", "text": "hambaarst", "expected": "health-dental"},
        {"lang": "fi", "text": "hammaslääkäri", "expected": "health-dental"},
        {"lang": "ru", "text": "стоматолог", "expected": "health-dental"},
        {"lang": "en", "text": "what is the capital of Peru", "expected": "none"},
    ]
    questions.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    options = BenchOptions(
        content_dir=CONTENT,
        sets={"tiny": questions},
        latency_plan=LatencyPlan(sizes=(500, 3_000), repeats=1, per_size=3),
        e2e=False,
    )
    results = run_bench(options)
    assert tuple(results) == JSON_KEYS
    quality = results["quality"]["sets"]["tiny"]["matchers"]
    assert set(quality) == {"sild", "rapidfuzz", "bm25"}
    assert set(quality["sild"]) == {"et", "fi", "ru", "en", "all"}
    assert set(quality["sild"]["en"]) == {
        "questions",
        "top1",
        "top3",
        "top3_answered",
        "out_of_scope",
        "rejected",
    }
    assert quality["sild"]["all"]["questions"] == 4
    sizes = [row["phrasings"] for row in results["latency"]["sizes"]]
    assert 500 in sizes and 3_000 in sizes and sizes == sorted(sizes)
    for row in results["latency"]["sizes"]:
        assert {"sild", "sild_cold", "rapidfuzz"} <= set(row)
        assert {"p50_ms", "p99_ms"} <= set(row["sild"])
    assert set(results["latency"]["growth_exponent_p50"]) == {"sild", "rapidfuzz"}
    memory = results["memory"]
    assert memory["reloaded"] is True
    assert {"peak_rss_mb", "load_and_index_s", "reload_s"} <= set(memory)
    assert results["e2e"] == {"skipped": "not asked for"}
    assert all({"name", "target", "measured", "met"} <= set(t) for t in results["targets"])
    json.dumps(results)  # the figures serialise as they are

    report = format_report(results)
    assert "Matching quality" in report and "Targets" in report
    plot = tmp_path / "latency.png"
    plot_latency(results, plot)
    assert plot.read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_end_to_end_drives_the_real_transport_and_the_echo_bot() -> None:
    questions = [("where can I find a dentist", "en"), ("kust leida hambaarst", "et")]
    figures = measure_e2e(3, 2, CONTENT, questions, rounds=2)
    assert "skipped" not in figures, figures.get("skipped")
    assert {"sild", "echo", "ratio", "cpu_ratio", "users", "messages", "updates"} <= set(figures)
    for bot in ("sild", "echo"):
        assert len(figures[f"{bot}_rounds"]) == 2  # the bots took turns, twice each
        for played in [figures[bot], *figures[f"{bot}_rounds"]]:
            assert played["answered"] == played["updates"] == 6
            assert played["lost"] == 0
            assert {"updates_per_s", "p50_ms", "p99_ms", "cpu_ms_per_update"} <= set(played)
        best = max(r["updates_per_s"] for r in figures[f"{bot}_rounds"])
        assert figures[bot]["updates_per_s"] == best


def test_scripts_give_every_user_their_own_language_and_messages() -> None:
    questions = [("tere", "et"), ("moi", "fi"), ("привет", "ru"), ("hi", "en"), ("hello", "en")]
    plays = scripts(5, 3, questions)
    assert [lang for lang, _ in plays] == ["et", "fi", "ru", "en", "et"]
    assert all(len(texts) == 3 for _, texts in plays)
    assert plays[3][1] == ["hi", "hello", "hi"]


def test_memory_keeps_the_fastest_start_and_the_highest_peak(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bot.bench.memory as memory

    runs = iter(
        [
            {"load_and_index_s": 1.4, "peak_rss_mb": 101.0, "reload_s": 0.9},
            {"load_and_index_s": 0.9, "peak_rss_mb": 100.0, "reload_s": 0.7},
            {"load_and_index_s": 1.1, "peak_rss_mb": 103.0, "reload_s": 0.8},
        ]
    )
    monkeypatch.setattr(memory, "_measure_fresh", lambda root: next(runs))
    best = memory.measure_memory(CONTENT, runs=3)
    assert (best["load_and_index_s"], best["reload_s"], best["peak_rss_mb"]) == (0.9, 0.7, 103.0)
    assert best["runs"] == 3 and best["load_and_index_s_each"] == [1.4, 0.9, 1.1]


def test_the_warm_up_asks_each_user_other_questions_of_their_language() -> None:
    questions = [(f"et {n}", "et") for n in range(8)] + [(f"fi {n}", "fi") for n in range(8)]
    plays = scripts(4, 2, questions)
    warmup = warmup_scripts(4, 2, questions)
    assert [lang for lang, _ in warmup] == [lang for lang, _ in plays]
    assert all(len(texts) == 2 for _, texts in warmup)
    asked = {text for _, texts in plays for text in texts if text in dict(questions)}
    warmed = {text for _, texts in warmup for text in texts if text in dict(questions)}
    assert asked and warmed and not asked & warmed
