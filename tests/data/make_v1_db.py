"""Rebuild ``coach-v1.db``: an attempts database as the first schema (migration
``0001_attempts`` only) wrote it, for the migrate-forward test.

The DDL is frozen here on purpose: it must not follow later changes to `coach.store`.
The attempts are real: the audio fixtures transcribed by tiny.en and scored by the engine.

    .venv/bin/python -m tests.data.make_v1_db
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from coach.audio import decode
from coach.transcribe import Transcriber
from tests.data.history import FIXTURES, MODELS, T0, bank_questions, scored

OUT = Path(__file__).with_name("coach-v1.db")

V1_DDL = (
    """CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)""",
    """CREATE TABLE attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            question_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            mode TEXT NOT NULL,
            started_at TEXT NOT NULL,            -- ISO 8601, UTC
            audio_path TEXT,                     -- relative to the data dir when inside it
            completed INTEGER NOT NULL DEFAULT 0,
            transcript TEXT,                     -- Transcript.to_dict() as JSON
            report TEXT,                         -- Report.to_dict() as JSON
            options TEXT NOT NULL DEFAULT '{}',
            models TEXT NOT NULL DEFAULT '{}',
            bank_version TEXT NOT NULL DEFAULT ''
        )""",
    """CREATE INDEX attempts_question ON attempts (question_id, started_at)""",
)

#: (fixture, started_at offset in hours, completed); the last one was interrupted unscored.
ROWS = (("kv_cache_fillers.flac", 0, True), ("attention_clean.flac", 5, True),
        ("long_answer_fillers.flac", 26, True), ("kv_cache_fillers.flac", 50, False))


def main() -> None:
    refs = json.loads((FIXTURES / "references.json").read_text(encoding="utf-8"))
    transcriber = Transcriber()
    transcriber.load()
    OUT.unlink(missing_ok=True)
    db = sqlite3.connect(OUT)
    for statement in V1_DDL:
        db.execute(statement)
    db.execute("INSERT INTO migrations VALUES (?, ?)",
               ("0001_attempts", "2025-02-01T08:00:00.000000+00:00"))
    for i, (name, hours, completed) in enumerate(ROWS):
        qid = refs[name]["question_id"]
        q = bank_questions()[qid]
        started = (T0 + timedelta(hours=hours)).isoformat(timespec="microseconds")
        transcript = report = None
        if completed:
            t = transcriber.transcribe(decode(FIXTURES / name))
            transcript = json.dumps(t.to_dict())
            report = json.dumps(scored(name, t, qid))
        db.execute(
            "INSERT INTO attempts (question_id, topic, mode, started_at, audio_path, completed, "
            "transcript, report, options, models, bank_version) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (qid, q.topic, q.mode.value, started, f"recordings/v1-{i + 1}.wav", int(completed),
             transcript, report, json.dumps({"fixture": name}), json.dumps(MODELS), "v1-bank"))
    db.commit()
    db.execute("VACUUM")
    db.close()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
