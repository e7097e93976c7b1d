"""Nothing lost (issue 8): a killed coach leaves a playable answer that the next start recovers;
a lost microphone or a full disk keeps what was said; two coach processes at once lose nothing;
an old database migrates forward, backed up first.

Real `coach` processes throughout. Waits are on observable state (bytes on disk, lines on
screen), never on fixed sleeps. The store's own API-level tests (two writer processes, WAL,
busy timeout, migrations with a backup, a failed migration) live in tests/test_store.py.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.audio import SAMPLE_RATE, decode
from coach.store import Store
from tests.conftest import FIXTURES, ROOT
from tests.test_bad_input import fill, mounted_tmpfs, shim

KV = "kv-cache-why-critical-inference"
ATTENTION = "scaled-dot-product-attention-walkthrough"
HEADER = 44  # bytes of a StreamingWav header
BYTES_PER_S = 2 * SAMPLE_RATE


def start(args: list[str], home: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "coach", *args], cwd=ROOT, text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            env={**os.environ, "COACH_HOME": str(home), **(env or {})})


def run(args: list[str], home: Path, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess:
    p = start(args, home, env)
    out, err = p.communicate(timeout=300)
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def recording(home: Path, at_least_s: float, proc: subprocess.Popen,
              timeout: float = 120) -> Path:
    """Wait until the answer being recorded holds ``at_least_s`` seconds on disk."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, proc.communicate()
        for wav in (home / "recordings").glob("*.wav") if (home / "recordings").exists() else ():
            if wav.stat().st_size >= HEADER + at_least_s * BYTES_PER_S:
                return wav
        time.sleep(0.05)
    raise AssertionError(f"no {at_least_s} s recording within {timeout} s")


def next_start(home: Path) -> subprocess.CompletedProcess:
    """A short, complete round: what a user does after coach died on them."""
    out = run(["drill", "--id", ATTENTION, "--no-speak", "--input-file",
               str(FIXTURES / "attention_clean.flac"), "--speed", "8", "--silence", "0"], home)
    assert out.returncode == 0, out.stderr
    return out


def test_kill_9_mid_answer_leaves_a_playable_answer_that_the_next_start_recovers(
        tmp_path: Path) -> None:
    home = tmp_path / "home"
    t0 = time.monotonic()
    proc = start(["drill", "--id", KV, "--no-speak", "--input-file",
                  str(FIXTURES / "long_answer_fillers.flac"), "--silence", "0"], home)
    wav = recording(home, 6.0, proc)
    proc.kill()  # SIGKILL: no handler, no finally, no flush
    proc.communicate(timeout=30)
    played = time.monotonic() - t0
    assert proc.returncode == -signal.SIGKILL

    audio = decode(wav)  # playable as it is: the header is patched every 0.5 s
    assert 5.5 <= audio.size / SAMPLE_RATE <= played
    reference = decode(FIXTURES / "long_answer_fillers.flac")
    assert abs(audio - reference[: audio.size]).max() < 1e-3  # and it is what was said
    with Store(home) as store:
        (crashed,) = store.unfinished()
        assert crashed.audio_path == wav and crashed.transcript is None

    out = next_start(home)
    assert f"(recovered an interrupted answer: attempt #{crashed.id} for {KV}" in out.stdout
    with Store(home) as store:
        assert store.unfinished() == []  # recovered once, not at every start
        recovered = store.attempt(crashed.id)
        assert not recovered.completed and recovered.report is not None  # partial, kept
        assert recovered.audio_path == wav and decode(wav).size == audio.size
        (done,) = [a for a in store.attempts() if a.id != crashed.id]
        assert done.completed and done.question_id == ATTENTION


def test_a_lost_microphone_keeps_the_partial_answer(tmp_path: Path) -> None:
    home = tmp_path / "home"
    answer = tmp_path / "answer.npy"
    import numpy as np

    np.save(answer, decode(FIXTURES / "kv_cache_fillers.flac"))
    env = {**shim(tmp_path, "fake-mic"), "FAKE_MIC_AUDIO": str(answer),
           "FAKE_MIC_BLOCKS": "60", "FAKE_MIC_SPEED": "4"}  # unplugged after 6 s
    out = run(["drill", "--id", KV, "--no-speak"], home, env)
    screen = out.stdout + out.stderr
    assert "the microphone stopped delivering audio (unplugged?) (what you said so far is " \
           "saved; plug it back in and retry)" in screen
    assert "microphone lost: keeping the partial answer" in screen and "Traceback" not in screen
    with Store(home) as store:
        (a,) = store.attempts()
        assert not a.completed and a.scored  # partial, and still judged on what was said
        assert "kv cache" in a.transcript.text.lower()
        assert abs(decode(a.audio_path).size / SAMPLE_RATE - 6.0) < 0.3


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    yield from mounted_tmpfs(tmp_path)


def test_a_full_disk_mid_answer_keeps_what_was_recorded(small_disk: Path) -> None:
    home = small_disk / "home"
    Store(home).close()
    filler = fill(small_disk, leave_kb=200)
    out = run(["drill", "--id", KV, "--no-speak", "--input-file",
               str(FIXTURES / "long_answer_fillers.flac"), "--speed", "4", "--silence", "0"],
              home)
    assert out.returncode == 2
    assert out.stderr == "coach: error: the disk is full (free some disk space and retry)\n"
    (wav,) = (home / "recordings").glob("*.wav")
    kept = decode(wav).size / SAMPLE_RATE
    assert kept >= 2.0  # what fitted on the disk is a playable answer
    filler.unlink()  # the user frees some space
    out = next_start(home)
    assert "(recovered an interrupted answer: attempt #1" in out.stdout
    with Store(home) as store:
        first = store.attempt(1)
        assert not first.completed and first.report is not None
        assert decode(first.audio_path).size / SAMPLE_RATE == kept


def _enospc(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_importing_on_a_full_disk_leaves_no_half_file(tmp_path: Path, coach_home: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture) -> None:
    """The same path as the tmpfs row of the table, simulated: it runs without root."""
    from coach.cli import main

    notes = tmp_path / "notes.md"
    notes.write_text("Q1: Why does a KV cache speed up decoding?\nAnswer: It keeps the keys "
                     "and values of earlier tokens, so each step only computes the new one.\n")
    monkeypatch.setattr("os.fsync", _enospc)
    assert main(["bank", "import", str(notes)]) == 2
    target = coach_home / "bank" / "notes.toml"
    assert capsys.readouterr().err == (
        f"coach: error: cannot write {target}: No space left on device (free some disk space, "
        "or pass --out with a path on another disk)\n")
    assert list((coach_home / "bank").iterdir()) == []  # neither the file nor its temp file


def test_scoring_on_a_full_disk_still_gives_the_report(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture) -> None:
    """Only the embedding cache is written while scoring: losing it costs speed, not the
    answer."""
    from coach.cli import main
    from coach.embed import SentenceEmbedder

    answer = tmp_path / "answer.txt"
    answer.write_text("The KV cache keeps the keys and values of earlier tokens so decoding "
                      "does not recompute them; the price is memory.\n")
    monkeypatch.setattr(SentenceEmbedder, "save", _enospc)
    assert main(["score", "--text-file", str(answer), "-q", KV, "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and json.loads(captured.out)["question_id"] == KV


def test_two_coach_processes_at_once_lose_nothing(tmp_path: Path) -> None:
    """Two practice sessions on one data dir: both answers saved, the database sound."""
    home = tmp_path / "home"
    first = start(["drill", "--id", KV, "--no-speak", "--input-file",
                   str(FIXTURES / "kv_cache_fillers.flac"), "--speed", "2", "--silence", "0"],
                  home)
    recording(home, 2.0, first)  # the first is mid-answer when the second starts
    second = start(["drill", "--id", ATTENTION, "--no-speak", "--input-file",
                    str(FIXTURES / "attention_clean.flac"), "--speed", "4", "--silence", "0"],
                   home)
    for p in (first, second):
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    with Store(home) as store:
        attempts = {a.question_id: a for a in store.attempts()}
        assert set(attempts) == {KV, ATTENTION}
        assert all(a.completed and a.scored for a in attempts.values())
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for a in attempts.values():
            assert decode(a.audio_path).size > 15 * SAMPLE_RATE


def test_a_second_coach_leaves_an_answer_being_recorded_alone(tmp_path: Path) -> None:
    """Recovery is for crashed answers: one still being recorded by another coach (it holds
    its audio file, `coach.inuse`) is left alone, and saved by its own process."""
    home = tmp_path / "home"
    first = start(["drill", "--id", KV, "--no-speak", "--input-file",
                   str(FIXTURES / "kv_cache_fillers.flac"), "--speed", "2", "--silence", "0"],
                  home)
    recording(home, 2.0, first)
    out = next_start(home)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert "recovered" not in out.stdout
    with Store(home) as store:
        assert all(a.completed and a.scored for a in store.attempts())


def test_an_old_database_migrates_forward_with_a_backup(tmp_path: Path) -> None:
    """The store tests cover the migration itself; this is the user's path: an old data dir
    and a new coach."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    shutil.copyfile(ROOT / "tests" / "data" / "coach-v1.db", home / "coach.db")
    old = sqlite3.connect(home / "coach.db")
    before = old.execute("SELECT id, question_id, report FROM attempts ORDER BY id").fetchall()
    old.close()
    out = run(["history", "--json"], home)
    assert out.returncode == 0, out.stderr
    assert [a["id"] for a in json.loads(out.stdout)] == [r[0] for r in before]
    (backup,) = (home / "backups").iterdir()
    assert backup.stat().st_mode & 0o777 == 0o600
    kept = sqlite3.connect(backup)
    assert kept.execute("SELECT id, question_id, report FROM attempts ORDER BY id").fetchall() \
        == before
    kept.close()


HOLDER = """
import sys, time
from pathlib import Path
from coach.inuse import hold
with hold(Path(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(600)
"""


def test_an_answer_being_recorded_is_held_until_its_process_dies(tmp_path: Path) -> None:
    """`coach.inuse`, for recovery to tell a crashed answer from one still being recorded."""
    from coach.inuse import held

    wav = tmp_path / "answer.wav"
    wav.write_bytes(b"RIFF")
    assert not held(wav) and not held(tmp_path / "missing.wav")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(wav)], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
    assert held(wav)
    holder.kill()  # kill -9: the kernel drops the lock with the process
    holder.wait(timeout=30)
    holder.stdout.close()
    assert not held(wav)
