"""The practice loop end to end in a real pseudo-terminal, with a recorded answer standing in
for the microphone and speech written to files (this machine has no sound card)."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coach.audio import decode
from tests.conftest import FIXTURES, ROOT

QUESTION = "kv-cache-why-critical-inference"


class Terminal:
    """A coach process on a pty: read what it shows, type into it."""

    def __init__(self, args: list[str], home: Path) -> None:
        self.master, slave = pty.openpty()
        env = {**os.environ, "COACH_HOME": str(home), "COLUMNS": "120", "TERM": "xterm"}
        self.proc = subprocess.Popen([sys.executable, "-m", "coach", *args], stdin=slave,
                                     stdout=slave, stderr=slave, cwd=ROOT, env=env,
                                     start_new_session=True)
        os.close(slave)
        self.screen = ""

    def read_until(self, text: str, timeout: float = 240.0) -> str:
        end = time.monotonic() + timeout
        while text not in self.screen:
            if time.monotonic() > end:
                raise AssertionError(f"timed out waiting for {text!r}; screen:\n{self.screen}")
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    self.screen += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:
                    if self.proc.poll() is not None:
                        raise AssertionError(f"exited before {text!r}:\n{self.screen}") from None
        return self.screen

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def wait(self, timeout: float = 120.0) -> int:
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.2)
                if ready:
                    self.screen += os.read(self.master, 65536).decode("utf-8", "replace")
            except OSError:
                break
        return self.proc.wait(timeout=5)


def test_drill_round_retry_and_quit(tmp_path: Path) -> None:
    home = tmp_path / "home"
    term = Terminal(["drill", "--id", QUESTION, "--input-file",
                     str(FIXTURES / "kv_cache_fillers.flac"), "--speed", "3",
                     "--silence", "0"], home)
    screen = term.read_until("[r]etry")
    assert "What is the KV cache" in screen
    assert "● 0:" in screen and "/ 2:00 [" in screen  # the live line was drawn
    assert "end of the recording" in screen
    assert "report ready" in screen and "Content" in screen and "What to fix next" in screen
    term.type("r\n")
    term.read_until("Against your last take", timeout=300)
    term.read_until("[r]etry", timeout=60)
    term.type("q\n")
    assert term.wait() == 0, term.screen

    from coach.store import Store

    store = Store(home)
    attempts = store.attempts(question_id=QUESTION)
    assert len(attempts) == 2 and all(a.completed for a in attempts)
    import json

    from coach.wer import word_errors

    reference = json.loads((FIXTURES / "references.json").read_text())["kv_cache_fillers.flac"]
    for a in attempts:
        assert a.report and a.report["question_id"] == QUESTION
        # streamed in windows while "speaking", yet as accurate as a batch transcription
        assert word_errors(reference["text"], a.transcript.text).wer < 0.12, a.transcript.text
        audio = decode(a.audio_path)
        assert abs(audio.size / 16000 - 30.9) < 0.5  # the whole answer was saved
        assert (a.audio_path.stat().st_mode & 0o777) == 0o600
    speech = sorted((home / "speech").glob("speech-*.wav"))
    assert len(speech) >= 3  # question, feedback, question again
    assert decode(speech[0]).size > 16000


def test_ctrl_c_keeps_a_scorable_partial_answer(tmp_path: Path) -> None:
    home = tmp_path / "home"
    term = Terminal(["drill", "--id", QUESTION, "--no-speak", "--input-file",
                     str(FIXTURES / "long_answer_fillers.flac"), "--silence", "0"], home)
    term.read_until("● 0:05", timeout=120)
    os.killpg(term.proc.pid, signal.SIGINT)
    screen = term.read_until("interrupted: keeping the partial answer", timeout=60)
    assert term.wait() == 0, screen
    from coach.store import Store

    (a,) = Store(home).attempts()
    assert not a.completed and a.transcript is not None and a.transcript.text
    assert 4.0 < decode(a.audio_path).size / 16000 < 20.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["drill", "--id", "nope-question", "--no-speak"], "no question with id 'nope-question'"),
        (["drill", "--due", "--weakest"], "--due and --weakest pick questions differently"),
        (["drill", "--no-speak"], "no microphone found (plug one in, or practise with "
                                  "--input-file"),
    ],
)
def test_drill_mistakes_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    out = subprocess.run([sys.executable, "-m", "coach", *args], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "COACH_HOME": str(tmp_path)}, timeout=120)
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1
