"""`coach demo`: the README's first command. No terminal, no key press, no sound card."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_demo_runs_a_complete_round_without_hardware(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = subprocess.run([sys.executable, "-m", "coach", "demo", "--speed", "6"],
                         capture_output=True, text=True, cwd=ROOT, stdin=subprocess.DEVNULL,
                         env={**os.environ, "COACH_HOME": str(home)}, timeout=600)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "What is the KV cache" in text  # the question
    assert "● 0:05 / 2:00" in text  # the live line, plain when not a terminal
    assert "end of the recording" in text
    assert "Strong Hire" in text or "Lean Hire" in text  # the report
    assert "attempt #1 saved" in text
    assert "Traceback" not in out.stderr
    speech = sorted((home / "speech").glob("*.wav"))
    assert len(speech) == 2  # the question and the spoken feedback
    from coach.store import Store

    (attempt,) = Store(home).attempts()
    assert attempt.completed and attempt.report["verdict"] in {"strong", "lean"}
    assert attempt.audio_path.exists()


def _run(args: list[str], home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "coach", *args], capture_output=True, text=True,
                          cwd=ROOT, stdin=subprocess.DEVNULL, timeout=900,
                          env={**os.environ, "COACH_HOME": str(home)})


def test_quickfire_round_ends_with_one_summary(tmp_path: Path) -> None:
    from tests.conftest import FIXTURES

    out = _run(["drill", "--mode", "quickfire", "--count", "2", "--seed", "3", "--no-speak",
                "--input-file", str(FIXTURES / "attention_clean.flac"), "--speed", "8",
                "--silence", "0"], tmp_path / "home")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("quickfire · target 0:30") == 2
    assert "Quick-fire summary" in out.stdout and "mean overall" in out.stdout
    from coach.store import Store

    attempts = Store(tmp_path / "home").attempts()
    assert len(attempts) == 2 and {a.mode for a in attempts} == {"quickfire"}


def test_mock_interview_gives_a_scorecard(tmp_path: Path) -> None:
    from tests.conftest import FIXTURES

    out = _run(["mock", "--count", "2", "--seed", "1", "--no-speak", "--input-file",
                str(FIXTURES / "kv_cache_fillers.flac"), "--speed", "8", "--silence", "0"],
               tmp_path / "home")
    assert out.returncode == 0, out.stderr
    assert "Question 1 of 2" in out.stdout and "Question 2 of 2" in out.stdout
    # The recorded answer is about the KV cache, so mock questions on other topics are weak
    # answers: each is followed by a follow-up question before moving on.
    assert "(follow-up; scored against the bank entry" in out.stdout
    assert "Mock interview scorecard" in out.stdout and "Overall: " in out.stdout
