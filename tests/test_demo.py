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
