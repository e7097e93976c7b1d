"""The command line end to end, as a user runs it (real subprocesses, real models)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES, ROOT


def coach(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "coach", *args], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=300)


def test_help_lists_the_commands() -> None:
    out = coach("--help")
    assert out.returncode == 0
    for command in ("transcribe", "bank"):
        assert command in out.stdout


def test_transcribe_json_lists_fillers_with_timestamps() -> None:
    out = coach("transcribe", str(FIXTURES / "long_answer_fillers.flac"), "--json")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # not a terminal: no progress output, nothing else either
    d = json.loads(out.stdout)
    assert d["schema"] == 1 and d["model"].startswith("tiny.en")
    assert set(d) >= {"text", "language", "duration_s", "model", "words", "segments", "pauses",
                      "fillers"}
    assert abs(d["duration_s"] - 82.9) < 0.1
    assert set(d["words"][0]) == {"text", "start", "end", "probability"}
    hesitations = [f for f in d["fillers"] if f["text"].lower() in {"um", "uh", "ah", "er"}]
    assert len(hesitations) >= 4
    assert all(0 <= f["start"] < f["end"] <= d["duration_s"] for f in d["fillers"])
    assert any(f["start"] > 30 for f in hesitations)  # past the first Whisper window
    long_pauses = [p for p in d["pauses"] if p["seconds"] >= 2.0]
    assert len(long_pauses) >= 2


def test_transcribe_plain_text_and_no_speech() -> None:
    out = coach("transcribe", str(FIXTURES / "attention_clean.flac"))
    assert out.returncode == 0 and "softmax" in out.stdout.lower()
    out = coach("transcribe", str(FIXTURES / "noise.wav"), "--json")
    d = json.loads(out.stdout)
    assert d["no_speech"] is True and d["text"] == "" and d["words"] == []


def test_user_mistakes_are_one_line_and_non_zero(tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("not audio")
    cases = [
        (("transcribe", "missing.wav"), "coach: error: no such file: missing.wav (check the path)"),
        (("transcribe", str(text)),
         f"coach: error: {text} is a text file, not audio"),
        (("transcribe", str(FIXTURES / "attention_clean.flac"), "--model", "huge"),
         "coach: error: unknown model 'huge'"),
        (("bank", "show", "kv-cache-why-critical"), "coach: error: no question with id "
         "'kv-cache-why-critical' (did you mean: kv-cache-why-critical-inference"),
    ]
    for args, start in cases:
        out = coach(*args)
        assert out.returncode == 2, (args, out.stderr)
        assert out.stderr.startswith(start), out.stderr
        assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_bank_check_passes_on_the_shipped_bank() -> None:
    out = coach("bank", "check")
    assert out.returncode == 0, out.stdout
    assert out.stdout.strip().endswith("0 problem(s)")
