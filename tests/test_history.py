"""`coach history`, `review`, `plan` and `export` as a user runs them, and the pure pieces
behind them (compare, the marked transcript) on real scored attempts."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest

from coach.cli import main
from coach.review import compare, mark_words, render_comparison
from coach.review_text import render_history, render_review
from coach.store import Attempt, Store
from tests.data.history import SESSION, T0, bank_questions, fill

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def attempts(transcripts: dict, references: dict) -> list[Attempt]:
    with Store() as store:
        fill(store, transcripts, references)
        return store.attempts()


def synthetic(aid: int, overall: float, coverage: float, fpm: float, wpm: float, dur: float,
              covered: list[str], missed: list[str], verdict: str) -> Attempt:
    report: dict[str, Any] = {
        "verdict": verdict, "overall": overall,
        "coverage": {"score": coverage, "covered": [{"concept": c} for c in covered],
                     "missed": missed},
        "delivery": {"fillers": {"per_minute": fpm}},
        "timing": {"wpm": wpm, "duration_s": dur, "target_s": 120}}
    return Attempt(aid, "q", "t", "screening", T0, None, True, None, report, {}, {}, "")


def test_compare_reports_every_change_and_renders_it() -> None:
    before = synthetic(1, 48, 0.5, 7.0, 185, 40, ["A", "B"], ["C", "D"], "no_hire")
    after = synthetic(2, 71, 0.8, 3.2, 150, 95, ["A", "C"], ["B", "D"], "strong")
    c = compare(before, after)
    assert (c.previous_id, c.current_id, c.better) == (1, 2, True)
    assert c.overall.change == 23 and c.coverage.change == pytest.approx(0.3)
    assert c.fillers_per_min.change == pytest.approx(-3.8) and c.wpm.change == -35
    assert c.newly_covered == ("C",) and c.newly_missed == ("B",) and c.still_missed == ("D",)
    assert render_comparison(c) == "\n".join([
        "Against your last take (#1):",
        "  overall      48 → 71 (+23) better, No Hire → Strong Hire",
        "  coverage     50% → 80% (+30) better",
        "  fillers/min  7.0 → 3.2 (-3.8) better",
        "  pace         185 → 150 wpm (now comfortable)",
        "  time         0:40 → 1:35 of 2:00 target",
        "  now covered: C",
        "  dropped:     B",
        "  still missed: D",
    ])
    back = compare(after, before)
    assert back.better is False and "worse" in render_comparison(back)
    # An attempt with nothing to score (no speech) still compares without inventing numbers.
    quiet = Attempt(3, "q", "t", "screening", T0, None, True, None, {"no_speech": True}, {}, {},
                    "")
    assert compare(after, quiet).overall.change is None
    assert render_comparison(compare(after, quiet)) == "Against your last take (#2):"


def test_compare_on_real_takes(attempts: list[Attempt]) -> None:
    short, long = attempts[0], attempts[2]
    assert short.question_id == long.question_id
    c = compare(short, long)
    covered = lambda a: [h["concept"] for h in a.report["coverage"]["covered"]]  # noqa: E731
    assert list(c.newly_covered) == [x for x in covered(long) if x not in covered(short)]
    assert c.overall.change == pytest.approx(long.overall - short.overall)
    assert c.duration_s.after == long.duration_s and c.target_s == 120


def test_marked_words_put_each_finding_where_it_was_said(attempts: list[Attempt]) -> None:
    long = attempts[2]
    words = mark_words(long)
    report = long.report
    assert [w.text for w in words] == [w["text"].strip() for w in report["transcript"]["words"]]
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))
    # Every filler item marks the word it starts at (multi-word fillers mark each word).
    items = report["delivery"]["fillers"]["items"]
    starts = {round(w.start, 2) for w in words if w.filler}
    assert all(round(i["start"], 2) in starts for i in items)
    assert sum(len(i["text"].split()) for i in items) == sum(w.filler for w in words)
    # Each covered concept is marked once, at the word where its evidence starts.
    marked = [c for w in words for c in w.concepts]
    assert sorted(marked) == sorted(c["concept"] for c in report["coverage"]["covered"])
    for c in report["coverage"]["covered"]:
        at = next(w for w in words if c["concept"] in w.concepts)
        assert abs(at.start - c["start"]) < 0.1 or at.start <= c["start"]
    flagged = [p for p in report["delivery"]["pauses"] if p["flagged"]]
    assert len([w for w in words if w.pause_before]) == len(flagged) >= 1
    pause = next(w for w in words if w.pause_before)
    assert pause.start >= flagged[0]["start"]


def test_history_table_json_and_filters(capsys: pytest.CaptureFixture[str],
                                        attempts: list[Attempt]) -> None:
    code, out, err = run(capsys, "history")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["#", "date", "question", "verdict", "overall", "coverage",
                                "fillers/min", "wpm", "time", "/", "target"]
    assert len(lines) == len(SESSION) + 2 and lines[-1] == f"{len(SESSION)} attempt(s)"
    first = attempts[0]
    row = lines[1]
    for cell in (first.question_id, f"{first.overall:.0f}", f"{first.coverage * 100:.0f}%",
                 f"{first.fillers_per_min:.1f}", f"{first.wpm:.0f}", "0:30 / 2:00"):
        assert cell in row
    code, out, _ = run(capsys, "history", "--json")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [a.id for a in attempts]
    assert rows[0] == {
        "id": first.id, "started_at": "2025-03-03T09:00:00+00:00",
        "question_id": first.question_id, "topic": first.topic, "mode": "screening",
        "completed": True, "verdict": first.verdict, "overall": first.overall,
        "coverage": first.coverage, "fillers_per_min": first.fillers_per_min,
        "wpm": first.wpm, "duration_s": first.duration_s, "target_s": 120, "estimated": False}
    _, out, _ = run(capsys, "history", "--question", first.question_id, "--json")
    assert [r["id"] for r in json.loads(out)] == [a.id for a in attempts
                                                  if a.question_id == first.question_id]
    _, out, _ = run(capsys, "history", "--topic", attempts[1].topic)
    assert attempts[1].question_id in out and first.question_id not in out


def test_history_rendering_marks_partial_and_typed_answers() -> None:
    partial = Attempt(7, "q", "t", "deep", T0, None, False, None, None, {}, {}, "")
    quiet = Attempt(8, "q", "t", "deep", T0, None, True, None, {"no_speech": True}, {}, {}, "")
    text = render_history([partial, quiet], tz=timezone.utc)
    assert "partial" in text and "no speech" in text
    assert text.splitlines()[-1] == "2 attempt(s); * partial answer"


def test_history_mistakes_and_empty(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "history")
    assert code == 0 and out.startswith("no attempts yet")
    code, out, _ = run(capsys, "history", "--json")
    assert code == 0 and json.loads(out) == []
    code, _, err = run(capsys, "history", "--question", "kv-cache-why-critical-inferenc")
    assert code == 2
    assert err.startswith("coach: error: no question with id 'kv-cache-why-critical-inferenc' "
                          "(did you mean: kv-cache-why-critical-inference")
    assert len(err.splitlines()) == 1
    code, _, err = run(capsys, "history", "--topic", "nope")
    assert code == 2 and err.startswith("coach: error: no topic 'nope' (topics: ")
    assert len(err.splitlines()) == 1


def test_review_shows_the_marked_transcript_model_answer_and_change(
        capsys: pytest.CaptureFixture[str], attempts: list[Attempt]) -> None:
    latest = attempts[-1]
    code, out, err = run(capsys, "review")
    assert code == 0 and err == ""
    assert not ANSI.search(out)  # not a terminal: no colour codes
    assert out.startswith(f"Attempt #{latest.id} · {latest.question_id} · screening · ")
    q = bank_questions()[latest.question_id]
    assert f"Q: {q.question}" in out.replace("\n   ", " ")
    assert "Your answer" in out and "Model answer" in out
    assert q.model_answer.split()[0] in out
    assert "[Um,]" in out  # the opening hesitation, marked as a filler
    for c in latest.report["coverage"]["covered"]:
        assert f"⟨+ {c['concept']}⟩" in out.replace("\n", " ")
    for label in latest.report["coverage"]["missed"]:
        assert f"- missed: {label}" in out
    assert "What to fix next:" in out
    prev = attempts[2]
    assert f"Against your last take (#{prev.id}):" in out
    assert f"overall      {prev.overall:.0f} → {latest.overall:.0f}" in out
    code, out, _ = run(capsys, "review", str(attempts[2].id))
    assert "‹" in out and "s›" in out  # the long pause in the long answer
    assert f"Against your last take (#{attempts[0].id}):" in out
    _, out, _ = run(capsys, "review", f"#{attempts[1].id}")
    assert "First scored attempt at this question" in out


def test_review_side_by_side_and_colour(attempts: list[Attempt]) -> None:
    a = attempts[2]
    q = bank_questions()[a.question_id]
    wide = render_review(a, mark_words(a), q, None, width=150, color=True, tz=timezone.utc)
    assert "\x1b[33;1m[Um,]\x1b[0m" in wide  # fillers in bold yellow
    plain = ANSI.sub("", wide)
    header = next(line for line in plain.splitlines() if line.startswith("Your answer"))
    assert header.rstrip().endswith("Model answer")
    assert all(len(line) <= 150 for line in plain.splitlines())
    narrow = render_review(a, mark_words(a), q, None, width=80, tz=timezone.utc)
    assert all(len(line) <= 80 for line in narrow.splitlines())
    assert narrow.index("Your answer") < narrow.index("Model answer")
    gone = render_review(a, mark_words(a), None, None, width=80)
    assert "(this question is no longer in the bank)" in gone


def test_review_mistakes(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "review")
    assert code == 2 and err.startswith("coach: error: no attempts yet")
    code, _, err = run(capsys, "review", "12")
    assert (code, err) == (2, "coach: error: no attempt 12 (see `coach history`)\n")
    code, _, err = run(capsys, "review", "last")
    assert (code, err) == (2, "coach: error: an attempt is a number like 12, not 'last' (see "
                              "`coach history`)\n")


def test_review_of_a_partial_attempt(capsys: pytest.CaptureFixture[str]) -> None:
    with Store() as store:
        store.begin_attempt("kv-cache-why-critical-inference", "inference-serving", "screening",
                            T0, None, {}, {}, "")
    code, out, _ = run(capsys, "review")
    assert code == 0 and "not scored: the answer was interrupted" in out
    assert "(no transcript)" in out


def test_export_json_and_csv(capsys: pytest.CaptureFixture[str], attempts: list[Attempt],
                             tmp_path: Path) -> None:
    code, out, _ = run(capsys, "export")
    data = json.loads(out)
    assert code == 0 and data["schema"] == 1 and len(data["attempts"]) == len(attempts)
    first = data["attempts"][0]
    assert first["report"] == attempts[0].report
    assert first["transcript"]["words"][0].keys() == {"text", "start", "end", "probability"}
    assert first["models"]["whisper"] == "tiny.en" and first["audio_path"].endswith(".flac")
    code, out, _ = run(capsys, "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == len(attempts)
    assert rows[0]["question_id"] == attempts[0].question_id
    assert float(rows[0]["overall"]) == attempts[0].overall
    assert rows[0]["missed"] == "; ".join(attempts[0].report["coverage"]["missed"])
    assert rows[0]["transcript"].startswith(attempts[0].transcript.text[:20])
    target = tmp_path / "out.csv"
    code, out, err = run(capsys, "export", "--format", "csv", "--out", str(target))
    assert code == 0 and out == "" and f"to {target}" in err
    assert target.read_text(encoding="utf-8").startswith("id,started_at,question_id,")
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    code, _, err = run(capsys, "export", "--out", str(tmp_path / "no" / "such" / "x.json"))
    assert code == 2 and err.startswith("coach: error: no such folder:")


def test_plan_runs_on_an_empty_and_a_full_store(capsys: pytest.CaptureFixture[str],
                                                transcripts: dict, references: dict) -> None:
    code, out, _ = run(capsys, "plan")
    assert code == 0 and out.startswith("No attempts yet")
    with Store() as store:
        fill(store, transcripts, references)
    code, out, _ = run(capsys, "plan")
    assert code == 0 and "Due now" in out and "Weakest topics" in out


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://x\",\"click\")", "'=HYPERLINK(\"http://x\",\"click\")"),
    ("+1 555", "'+1 555"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"),
    ("so the KV cache = memory", "so the KV cache = memory"), (-3.5, -3.5), (None, ""),
])
def test_csv_cells_cannot_run_as_spreadsheet_formulas(value: object, cell: object) -> None:
    from coach.export import _cell

    assert _cell(value) == cell
