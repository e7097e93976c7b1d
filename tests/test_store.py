"""The attempts store: round trips, queries, migrations (a saved old database migrates forward
with a backup and loses nothing), permissions, and two processes writing at once."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from coach.errors import CoachError
from coach.store import MIGRATIONS, Store
from tests.conftest import ROOT
from tests.data.history import MODELS, T0, add_attempt, fill, scored

V1_DB = ROOT / "tests" / "data" / "coach-v1.db"
KV = "kv_cache_fillers.flac"
LONG = "long_answer_fillers.flac"
ATTN = "attention_clean.flac"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def store(coach_home: Path):
    s = Store()
    yield s
    s.close()


def test_a_new_store_is_private_in_wal_mode_with_every_migration(store: Store,
                                                                  coach_home: Path) -> None:
    assert store.path == coach_home / "coach.db"
    assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert mode_of(coach_home) == 0o700
    assert mode_of(store.path) == 0o600
    rec = store.recordings_dir()
    assert rec == coach_home / "recordings" and mode_of(rec) == 0o700
    store.begin_attempt("q", "t", "deep", T0, None, {}, {}, "")
    for side in ("coach.db-wal", "coach.db-shm"):
        assert mode_of(coach_home / side) == 0o600
    assert not (coach_home / "backups").exists()  # nothing to back up on a new database


def test_recording_paths_are_fresh_private_files(store: Store) -> None:
    a = store.new_recording_path("kv-cache/../../etc", T0)
    b = store.new_recording_path("kv-cache/../../etc", T0)
    c = store.new_recording_path("kv-cache", T0, "flac")
    assert a != b and a.parent == b.parent == c.parent == store.recordings_dir()
    assert a.name == "20250303T090000Z-kv-cache-------etc.wav"
    assert b.name == "20250303T090000Z-kv-cache-------etc-2.wav"
    assert c.suffix == ".flac"
    assert all(p.exists() and mode_of(p) == 0o600 for p in (a, b, c))


def test_an_attempt_round_trips_with_its_transcript_report_and_provenance(
        store: Store, transcripts: dict, references: dict) -> None:
    t = transcripts[KV]
    qid = references[KV]["question_id"]
    audio = store.new_recording_path(qid, T0, ".flac")
    aid = store.begin_attempt(qid, "inference-serving", "screening", T0, audio,
                              {"beam_size": 1}, MODELS, "abc123")
    partial = store.attempt(aid)
    assert not partial.completed and partial.report is None and partial.transcript is None
    assert store.unfinished() == [partial]
    report = scored(KV, t, qid)
    store.finish_attempt(aid, t, report)
    a = store.attempt(aid)
    assert a.completed and a.scored and store.unfinished() == []
    assert a.started_at == T0 and a.started_at.tzinfo is not None
    assert a.audio_path == audio
    assert a.options == {"beam_size": 1} and a.models == MODELS and a.bank_version == "abc123"
    assert a.report == json.loads(json.dumps(report))  # JSON: tuples come back as lists
    assert a.transcript is not None and a.transcript.text == t.text
    assert [w.text for w in a.transcript.words] == [w.text for w in t.words]
    assert all(abs(x.start - y.start) < 1e-3 for x, y in
               zip(a.transcript.words, t.words, strict=True))
    assert a.transcript.speech and len(a.transcript.speech) == len(t.speech)
    assert a.verdict == report["verdict"] and a.overall == report["overall"]
    assert a.coverage == report["coverage"]["score"]
    assert a.fillers_per_min == report["delivery"]["fillers"]["per_minute"]
    assert a.wpm == report["timing"]["wpm"] and a.duration_s == report["timing"]["duration_s"]
    assert a.target_s == report["timing"]["target_s"] == 120
    # The headline columns agree with the report (history and scheduling read them).
    row = store._db.execute("SELECT verdict, overall, coverage FROM attempts WHERE id = ?",
                            (aid,)).fetchone()
    assert row == (a.verdict, a.overall, a.coverage)


def test_queries_order_filter_and_find_the_previous_scored_take(
        store: Store, transcripts: dict, references: dict) -> None:
    ids = fill(store, transcripts, references, copy_audio=False)
    kv = references[KV]["question_id"]
    # An interrupted take after the others, and a note-only report (no speech heard).
    late = T0 + timedelta(days=9)
    cut = store.begin_attempt(kv, "inference-serving", "screening", late, None, {}, {}, "")
    quiet = store.begin_attempt(kv, "inference-serving", "screening", late + timedelta(hours=1),
                                None, {}, {}, "")
    store.finish_attempt(quiet, transcripts["silence.wav"], {"no_speech": True})
    everything = store.attempts()
    assert [a.id for a in everything] == [*ids, cut, quiet]  # oldest first
    assert [a.id for a in store.attempts(question_id=kv)] == [ids[0], ids[2], ids[3], cut, quiet]
    assert [a.id for a in store.attempts(topic="attention-transformers")] == [ids[1]]
    assert store.attempts(question_id="nope") == []
    assert store.latest() is not None and store.latest().id == quiet
    assert [a.id for a in store.unfinished()] == [cut]
    quiet_attempt = store.attempt(quiet)
    assert not quiet_attempt.scored and quiet_attempt.verdict is None
    # previous: the last *scored* take at the same question, skipping other questions.
    assert store.previous(store.attempt(ids[3])).id == ids[2]
    assert store.previous(store.attempt(ids[2])).id == ids[0]
    assert store.previous(store.attempt(ids[0])) is None
    assert store.previous(store.attempt(ids[1])) is None
    assert store.previous(quiet_attempt).id == ids[3]
    assert store.count() == 6


def test_usual_wpm_is_the_median_of_recent_spoken_answers(
        store: Store, transcripts: dict, references: dict) -> None:
    assert store.usual_wpm() is None
    fill(store, transcripts, references, copy_audio=False)
    rates = sorted(a.wpm for a in store.attempts())
    assert store.usual_wpm() == pytest.approx((rates[1] + rates[2]) / 2)
    assert store.usual_wpm(last_n=1) == store.latest().wpm
    # A typed answer's pace is estimated, so it does not count.
    from coach.score.text import from_text

    typed = from_text("The KV cache stores keys and values so decoding does not recompute "
                      "them; it costs memory that grows with context length and batch size.")
    add_attempt(store, "typed", typed, references[KV]["question_id"],
                T0 + timedelta(days=20), copy_audio=False)
    assert store.latest().estimated
    assert store.usual_wpm(last_n=1) == store.attempts()[-2].wpm


def test_user_and_programming_mistakes(store: Store, transcripts: dict) -> None:
    with pytest.raises(CoachError) as err:
        store.attempt(12)
    assert str(err.value) == "no attempt 12 (see `coach history`)"
    with pytest.raises(CoachError, match="no attempt 99"):
        store.finish_attempt(99, transcripts[KV], {"verdict": "lean"})
    with pytest.raises(ValueError, match="timezone-aware"):
        store.begin_attempt("q", "t", "deep", datetime(2025, 1, 1), None, {}, {}, "")
    with pytest.raises(ValueError, match="mode"):
        store.begin_attempt("q", "t", "marathon", T0, None, {}, {}, "")
    assert store.count() == 0


def test_local_times_are_stored_as_utc(store: Store) -> None:
    paris = timezone(timedelta(hours=1))
    aid = store.begin_attempt("q", "t", "deep", datetime(2025, 3, 3, 10, 0, tzinfo=paris),
                              None, {}, {}, "")
    assert store.attempt(aid).started_at == T0
    assert store.attempt(aid).started_at.utcoffset() == timedelta(0)


def test_recordings_move_with_the_data_dir(tmp_path: Path, transcripts: dict,
                                           references: dict) -> None:
    with Store(tmp_path / "old") as s:
        fill(s, transcripts, references, session=((ATTN, 0),))
    shutil.copytree(tmp_path / "old", tmp_path / "new")
    shutil.rmtree(tmp_path / "old")
    with Store(tmp_path / "new") as s:
        a = s.latest()
        assert a is not None and a.audio_path is not None
        assert a.audio_path.parent == tmp_path / "new" / "recordings" and a.audio_path.is_file()


# --- migrations ---------------------------------------------------------------------------


def _rows(path: Path) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT id, question_id, topic, mode, started_at, audio_path, "
                          "completed, transcript, report, options, models, bank_version "
                          "FROM attempts ORDER BY id").fetchall()
    finally:
        db.close()


def test_a_database_from_the_first_schema_migrates_forward_without_loss(
        coach_home: Path) -> None:
    coach_home.mkdir(parents=True)
    shutil.copyfile(V1_DB, coach_home / "coach.db")
    before = _rows(coach_home / "coach.db")
    assert len(before) == 4
    with Store() as store:
        assert store.applied_migrations() == ["0001_attempts", "0002_attempt_scores"]
        assert _rows(store.path) == before  # every column of every row kept as it was
        attempts = store.attempts()
        assert [a.id for a in attempts] == [1, 2, 3, 4]
        for a, row in zip(attempts, before, strict=True):
            report = json.loads(row[8]) if row[8] else None
            assert a.report == json.loads(json.dumps(report))  # JSON: tuples come back as lists
            assert (a.transcript is None) == (row[7] is None)
            if report:  # the new columns are backfilled from the stored reports
                assert a.verdict == report["verdict"] and a.overall == report["overall"]
                got = store._db.execute("SELECT verdict, overall, coverage FROM attempts "
                                        "WHERE id = ?", (a.id,)).fetchone()
                assert got == (report["verdict"], report["overall"],
                               report["coverage"]["score"])
        assert attempts[3].completed is False and [a.id for a in store.unfinished()] == [4]
        assert attempts[0].audio_path == coach_home / "recordings" / "v1-1.wav"
        assert store.previous(attempts[2]).id == 1
        # The backup is the old database exactly as it was, private.
        backups = list((coach_home / "backups").iterdir())
        assert len(backups) == 1 and backups[0].name.endswith("-before-0002_attempt_scores.db")
        assert mode_of(backups[0]) == 0o600 and mode_of(coach_home / "backups") == 0o700
        assert _rows(backups[0]) == before
        old = sqlite3.connect(backups[0])
        assert [r[0] for r in old.execute("SELECT name FROM migrations")] == ["0001_attempts"]
        old.close()
    with Store() as again:  # already current: no second backup
        assert again.count() == 4
    assert len(list((coach_home / "backups").iterdir())) == 1


def test_a_failed_migration_leaves_the_database_as_it_was(
        coach_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    coach_home.mkdir(parents=True)
    shutil.copyfile(V1_DB, coach_home / "coach.db")
    before = _rows(coach_home / "coach.db")

    def broken(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE attempts ADD COLUMN half_done TEXT")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("coach.store.MIGRATIONS", (*MIGRATIONS, ("0003_broken", broken)))
    with pytest.raises(RuntimeError, match="disk on fire"):
        Store()
    db = sqlite3.connect(coach_home / "coach.db")
    assert [r[0] for r in db.execute("SELECT name FROM migrations")] == ["0001_attempts"]
    columns = [r[1] for r in db.execute("PRAGMA table_info(attempts)")]
    assert "verdict" not in columns and "half_done" not in columns
    db.close()
    assert _rows(coach_home / "coach.db") == before


def test_a_database_from_a_newer_coach_is_refused(coach_home: Path) -> None:
    with Store() as s:
        s._db.execute("INSERT INTO migrations VALUES ('0099_future', '2030-01-01')")
    with pytest.raises(CoachError, match=r"written by a newer coach \(migration 0099_future\)"):
        Store()


def test_a_file_that_is_not_a_database_is_one_clear_error(coach_home: Path) -> None:
    coach_home.mkdir(parents=True)
    (coach_home / "coach.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CoachError, match=r"cannot read the attempts database .*coach\.db: file "
                       r"is not a database \(move the file aside"):
        Store()


def test_a_data_dir_that_cannot_be_created_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(CoachError) as err:
        Store(blocker / "home")
    assert str(err.value) == (f"cannot open the attempts database {blocker}/home/coach.db: Not a "
                              "directory (check the data dir is writable, or set COACH_HOME)")


# --- two processes at once ----------------------------------------------------------------

WRITER = """
import json, sys, time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from coach.store import Store
from coach.transcript import Transcript

home, payload, go, tag = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
data = json.loads(payload.read_text())
transcript = Transcript.from_dict(data["transcript"])
store = Store(home)
while not go.exists():
    time.sleep(0.005)
t0 = datetime(2025, 3, 3, tzinfo=timezone.utc)
for i in range(40):
    aid = store.begin_attempt(data["question_id"], "inference-serving", "screening",
                              t0 + timedelta(seconds=i), None, {"writer": tag, "i": i}, {}, "")
    store.finish_attempt(aid, transcript, data["report"])
store.close()
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path, coach_home: Path,
                                                    transcripts: dict, references: dict) -> None:
    qid = references[KV]["question_id"]
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps({"question_id": qid,
                                   "transcript": transcripts[KV].to_dict(),
                                   "report": scored(KV, transcripts[KV], qid)}))
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(coach_home), str(payload),
                               str(go), tag], env=env, stderr=subprocess.PIPE, text=True)
             for tag in ("a", "b")]
    time.sleep(1.0)  # both have opened the store (and raced to create and migrate it)
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with Store() as store:
        attempts = store.attempts()
        assert len(attempts) == 80
        assert all(a.completed and a.scored for a in attempts)
        seen = {(a.options["writer"], a.options["i"]) for a in attempts}
        assert seen == {(w, i) for w in "ab" for i in range(40)}
        assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
