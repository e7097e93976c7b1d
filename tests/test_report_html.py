"""The HTML report as a file: self-contained, escaped, audio embedded within a budget."""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from html import unescape
from pathlib import Path

import pytest

from coach.cli import main
from coach.report.audio import audio_sources
from coach.report.charts import Point, bar_chart, line_chart
from coach.report.page import render_html
from coach.schedule import make_plan
from coach.store import Attempt, Store
from tests.data.history import SESSION, T0, bank_questions, fill

NOW = T0 + timedelta(days=10)


@pytest.fixture
def attempts(transcripts: dict, references: dict) -> list[Attempt]:
    with Store() as store:
        fill(store, transcripts, references)
        return store.attempts()


def render(attempts: list[Attempt], out_dir: Path, mode: str = "embed") -> str:
    questions = bank_questions()
    plan = make_plan(attempts, list(questions), NOW)
    return render_html(attempts, questions, plan, audio_sources(attempts, out_dir, mode), NOW,
                       tz=timezone.utc)


def test_the_report_is_one_file_that_loads_nothing_from_outside(attempts: list[Attempt],
                                                                 tmp_path: Path) -> None:
    html = render(attempts, tmp_path)
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert html.count("<script>") == 1 and html.count("<style>") == 1
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert csp and unescape(csp.group(1)).startswith("default-src 'none';")  # nothing loads
    for attr in re.findall(r'\b(?:src|href)="([^"]*)"', html):
        assert attr.startswith(("#", "data:")), attr
    assert not re.search(r"url\(|@import|https?://(?!www\.w3\.org/2000/svg)", html)
    assert html.count('<section class="page attempt"') == len(SESSION)
    assert html.count('<audio controls') == len(SESSION)
    assert html.count('src="data:audio/flac;base64,') == len(SESSION)


def test_every_word_seeks_and_findings_are_highlighted(attempts: list[Attempt],
                                                       tmp_path: Path) -> None:
    html = render(attempts, tmp_path)
    long = attempts[2]
    page = html.split(f'id="attempt-{long.id}"')[1].split("</section>")[0]
    words = long.report["transcript"]["words"]
    assert len(re.findall(r'class="w[^"]*" data-t="', page)) == len(words)
    assert f'data-t="{words[5]["start"]:.3f}"' in page
    assert page.count("w filler") >= len(long.report["delivery"]["fillers"]["items"])
    assert page.count('class="cmark" data-t=') == len(long.report["coverage"]["covered"])
    assert 'class="pause"' in page
    assert "Model answer" in page and "Score breakdown" in page
    assert "Against the last take" in page and f"#attempt-{attempts[0].id}" in page


def test_text_from_transcripts_and_bank_files_is_escaped(tmp_path: Path) -> None:
    from coach.transcript import Transcript, Word

    evil = "<script>alert(1)</script>"
    words = tuple(Word(t, i * 0.5, i * 0.5 + 0.4) for i, t in enumerate(
        ["Here", "is", evil, "and", '"quoted"', "&", "<img", "src=x", "onerror=alert(2)>"]))
    t = Transcript(" ".join(w.text for w in words), words, 5.0)
    report = {"verdict": "lean", "overall": 55.0, "tips": [f"Say {evil} less."],
              "transcript": {"words": [{"text": w.text, "start": w.start, "end": w.end}
                                       for w in words]},
              "coverage": {"score": 0.5, "covered": [{"concept": evil, "how": "alias",
                                                      "matched": evil, "start": 1.0}],
                           "missed": [evil], "red_flags": [{"label": evil, "evidence": evil,
                                                            "start": 1.0}]},
              "timing": {"wpm": 140, "duration_s": 5.0, "target_s": 30}}
    a = Attempt(1, evil, evil, "quickfire", T0, None, True, t, report, {}, {}, "")
    plan = make_plan([a], None, NOW)
    html = render_html([a], {}, plan, {}, NOW)
    body = html.split("<body>")[1].split("<script>")[0]
    assert "<script>" not in body and "<img" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&quot;quoted&quot;" in body and "&amp;" in body


def test_audio_is_embedded_newest_first_within_the_budget_then_linked(
        attempts: list[Attempt], coach_home: Path) -> None:
    sizes = {a.id: a.audio_path.stat().st_size for a in attempts}
    newest, second = attempts[-1].id, attempts[-2].id
    budget = sizes[newest] + sizes[second]
    sources = audio_sources(attempts, coach_home, "embed", budget=budget)
    assert {i for i, s in sources.items() if s.embedded} == {newest, second}
    linked = sources[attempts[0].id]
    assert not linked.embedded and linked.src == f"recordings/{attempts[0].audio_path.name}"
    elsewhere = audio_sources(attempts, coach_home / "sub", "link")
    assert elsewhere[attempts[0].id].src.startswith("../recordings/")
    assert audio_sources(attempts, coach_home, "none") == {}
    attempts[0].audio_path.write_bytes(b"")  # a reserved file never written: no audio
    assert attempts[0].id not in audio_sources(attempts, coach_home)


def test_charts_are_svg_with_one_dot_per_attempt() -> None:
    points = [Point(f"#{i}", v, f"#attempt-{i}", f"03-0{i}") for i, v in
              enumerate([40, 55, 70], 1)]
    svg = line_chart("Overall <score>", points, 100.0)
    assert svg.startswith("<svg") and svg.count("<circle") == 3
    assert "Overall &lt;score&gt;" in svg and svg.count('href="#attempt-') == 3
    assert "no scored attempts yet" in line_chart("Empty", [])
    assert line_chart("One", points[:1]).count("<circle") == 1
    bars = bar_chart("Topics", [("<t>", 42.0, "hover"), ("b", 88.0, "")])
    assert bars.count('class="bar weak"') == 1 and bars.count('class="bar strong"') == 1
    assert "&lt;t&gt;" in bars


def test_report_command_writes_a_private_file(capsys: pytest.CaptureFixture[str],
                                              attempts: list[Attempt], coach_home: Path,
                                              tmp_path: Path) -> None:
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    target = coach_home / "report.html"
    assert out.startswith(f"wrote {target} ({len(SESSION)} attempt(s), {len(SESSION)} "
                          "recording(s) embedded")
    assert target.stat().st_mode & 0o777 == 0o600
    assert main(["report", "--out", str(tmp_path), "--audio", "link"]) == 0
    assert "0 recording(s) embedded, 4 linked" in capsys.readouterr().out
    assert (tmp_path / "report.html").is_file()
    assert main(["report", "--out", str(tmp_path / "missing" / "r.html")]) == 2
    assert capsys.readouterr().err.startswith("coach: error: no such folder: ")


def test_report_on_an_empty_store(capsys: pytest.CaptureFixture[str], coach_home: Path) -> None:
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "0 attempt(s)" in out and "no attempts yet" in out
    html = (coach_home / "report.html").read_text(encoding="utf-8")
    assert "no scored attempts yet" in html
