"""The `bot` command line: ask, eval and content check as editors and CI use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main


def test_ask_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["ask", "--lang", "fi", "--country", "FI", "--json", "mistä", "saan", "verokortin"])
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["id"] == "jobs-tax"
    assert 0 <= result["score"] <= 100
    assert result["candidates"][0] == {"id": "jobs-tax", "score": result["score"]}
    assert set(result) == {"id", "score", "candidates", "related"}
    assert result["related"] == []  # offered only under an honest no


def test_ask_json_out_of_scope(capsys: pytest.CaptureFixture[str]) -> None:
    main(["ask", "--json", "zzqx wvvb"])
    assert json.loads(capsys.readouterr().out)["id"] is None


def test_ask_intent(capsys: pytest.CaptureFixture[str]) -> None:
    main(["ask", "--lang", "ru", "--json", "хочу поговорить с человеком"])
    assert json.loads(capsys.readouterr().out)["id"] in ("intent:human", "community-talk-to-person")


def test_eval_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases.jsonl"
    lines = [
        {
            "lang": "en",
            "country": "any",
            "text": "emergency number",
            "expected": "health-emergency",
        },
        {"lang": "en", "country": "FI", "text": "football scores today", "expected": "none"},
    ]
    cases.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    assert main(["eval", str(cases)]) == 0
    table = capsys.readouterr().out
    assert "top-1" in table and "all" in table
    assert main(["eval", str(cases), "--json"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out[0]["predicted"] == "health-emergency" and out[0]["candidates"]
    assert out[1]["predicted"] is None


def test_eval_reports_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\nnot json\n', encoding="utf-8")
    assert main(["eval", str(bad)]) == 2
    assert "line 2" in capsys.readouterr().err


def test_content_check_fails_on_broken_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "faq_en").mkdir()
    (tmp_path / "faq_en" / "x.md").write_text("---\nid: x\n---\n", encoding="utf-8")
    monkeypatch.setenv("SILD_CONTENT_DIR", str(tmp_path))
    assert main(["content", "check"]) == 1
    out = capsys.readouterr().out
    assert "faq_en/x.md:2" in out or "faq_en/x.md:1" in out
    assert "error" in out


def test_content_check_passes_on_shipped_content(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "check"]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_eval_outside_lists_off_topic_words_in_real_questions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = tmp_path / "cases.jsonl"
    lines = [
        {"lang": "en", "text": "can I register my car here", "expected": "living-registration"},
        {"lang": "en", "text": "my dog is sick", "expected": "none"},
    ]
    cases.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    assert main(["eval", str(cases), "--outside"]) == 0
    out = capsys.readouterr().out
    assert "en 'car' in 1 in-scope question(s)" in out
    assert "dog" not in out  # an out-of-scope message is where a listed word belongs
