"""Every practice attempt, kept in one SQLite file in the user data dir.

`Store` opens ``<data_dir>/coach.db`` in WAL mode with a busy timeout (two coach processes can
write at once), applies the named migrations below in order and records each one in the
``migrations`` table. Before it migrates a database written by an older coach it copies the file
to ``backups/``. Recordings live beside the database in ``recordings/``; the database, its
backups and recordings are readable by the user only (files 0600, folders 0700).

    >>> store = Store(tmp)                                   # doctest: +SKIP
    >>> aid = store.begin_attempt("kv-cache-why", "inference", "screening", now, wav, {}, {},
    ...                           "ab12")
    >>> store.finish_attempt(aid, transcript, report.to_dict())
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import statistics
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from coach.errors import CoachError
from coach.transcript import Transcript

DB_NAME = "coach.db"
#: How long a write waits for another coach process to finish its transaction.
BUSY_TIMEOUT_S = 15.0
MODES = ("quickfire", "screening", "deep")


@dataclass(frozen=True)
class Attempt:
    """One answer to one question: what was said, how it scored, and how it was made."""

    id: int
    question_id: str
    topic: str
    mode: str  # "quickfire" | "screening" | "deep"
    started_at: datetime  # UTC, tz-aware
    audio_path: Path | None  # the recording beside the database; None for typed answers
    completed: bool  # False = partial (interrupted, recovered, or not yet scored)
    transcript: Transcript | None
    report: dict[str, Any] | None  # Report.to_dict() (score JSON, schema 1), or a note
    #                                such as {"no_speech": true} when there was nothing to score
    options: dict[str, Any]  # recording / transcription / scoring options used
    models: dict[str, Any]  # {"whisper": ..., "embedder": ..., "coach": ...}
    bank_version: str  # hash of the bank file the question came from

    @property
    def scored(self) -> bool:
        """Whether it has a score (a report may also just say ``{"no_speech": true}``)."""
        return isinstance(self.report, dict) and self.report.get("verdict") is not None

    def _get(self, *keys: str) -> Any:
        node: Any = self.report
        for key in keys:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return node

    @property
    def verdict(self) -> str | None:
        """``strong``, ``lean`` or ``no_hire``; None when not scored."""
        return self._get("verdict")

    @property
    def overall(self) -> float | None:
        return self._get("overall")

    @property
    def coverage(self) -> float | None:
        return self._get("coverage", "score")

    @property
    def fillers_per_min(self) -> float | None:
        return self._get("delivery", "fillers", "per_minute")

    @property
    def wpm(self) -> float | None:
        return self._get("timing", "wpm")

    @property
    def duration_s(self) -> float | None:
        return self._get("timing", "duration_s")

    @property
    def target_s(self) -> float | None:
        return self._get("timing", "target_s")

    @property
    def estimated(self) -> bool:
        """True for typed answers: times and pace are estimated, not heard."""
        return bool(self._get("timing", "estimated"))


# --- migrations ---------------------------------------------------------------------------
# Named, append-only: never edit one that has shipped; add the next. Each runs inside the
# transaction that records it, so a crash mid-migration leaves the database as it was.


def _m0001_attempts(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE attempts (
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
        )""")
    db.execute("CREATE INDEX attempts_question ON attempts (question_id, started_at)")


def _m0002_attempt_scores(db: sqlite3.Connection) -> None:
    """Headline scores as columns, so history and scheduling queries need not parse reports."""
    for column in ("verdict TEXT", "overall REAL", "coverage REAL"):
        db.execute(f"ALTER TABLE attempts ADD COLUMN {column}")
    db.execute("CREATE INDEX attempts_topic ON attempts (topic, started_at)")
    rows = db.execute("SELECT id, report FROM attempts WHERE report IS NOT NULL").fetchall()
    for attempt_id, report in rows:
        db.execute("UPDATE attempts SET verdict = ?, overall = ?, coverage = ? WHERE id = ?",
                   (*_headline(json.loads(report)), attempt_id))


MIGRATIONS: tuple[tuple[str, Callable[[sqlite3.Connection], None]], ...] = (
    ("0001_attempts", _m0001_attempts),
    ("0002_attempt_scores", _m0002_attempt_scores),
)


def _headline(report: Any) -> tuple[str | None, float | None, float | None]:
    if not isinstance(report, dict):
        return None, None, None
    coverage = report.get("coverage")
    return (report.get("verdict"), report.get("overall"),
            coverage.get("score") if isinstance(coverage, dict) else None)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("started_at must be timezone-aware (use UTC)")
    return moment.astimezone(timezone.utc)


def _stamp(moment: datetime) -> str:
    # One fixed format so the text sorts in time order.
    return _utc(moment).isoformat(timespec="microseconds")


def _private_file(path: Path) -> None:
    """Create ``path`` readable by the user only (or tighten an existing one)."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


class Store:
    """The attempts database. One per process; safe to share between threads."""

    def __init__(self, home: Path | None = None) -> None:
        if home is None:
            from coach.paths import data_dir

            home = data_dir()
        self.home = Path(home)
        self.path = self.home / DB_NAME
        self._lock = threading.RLock()
        try:
            self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
            _private_file(self.path)
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                       check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise CoachError(f"cannot open the attempts database {self.path}: {why}",
                             hint="check the data dir is writable, or set COACH_HOME") from None
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise CoachError(f"cannot read the attempts database {self.path}: {exc}",
                             hint="move the file aside and coach starts a new one") from None
        except BaseException:
            self._db.close()
            raise
        for extra in ("-wal", "-shm"):
            side = self.path.with_name(DB_NAME + extra)
            if side.exists():
                os.chmod(side, 0o600)

    # --- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; IMMEDIATE takes the write lock up front (no upgrade deadlock)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def applied_migrations(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT name FROM migrations ORDER BY name")]

    def _migrate(self) -> None:
        self._db.execute("CREATE TABLE IF NOT EXISTS migrations "
                         "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        known = [name for name, _ in MIGRATIONS]
        if {r[0] for r in self._db.execute("SELECT name FROM migrations")} == set(known):
            return  # the usual case: current, and no write lock needed to find out
        with self._write() as db:
            # Read inside the write lock: another process may have migrated meanwhile.
            applied = {r[0] for r in db.execute("SELECT name FROM migrations")}
            newer = sorted(applied - set(known))
            if newer:
                raise CoachError(f"{self.path} was written by a newer coach (migration "
                                 f"{newer[-1]})", hint="upgrade coach to read it")
            pending = [(n, f) for n, f in MIGRATIONS if n not in applied]
            if not pending:
                return
            if applied:
                self._backup(before=pending[0][0])
            for name, migration in pending:
                migration(db)
                db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                           (name, _stamp(datetime.now(timezone.utc))))

    def _backup(self, before: str) -> Path:
        """Copy the database (consistently, WAL included) before migrating it."""
        folder = _private_dir(self.home / "backups")
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"coach-{stamp}-before-{before}.db"
        _private_file(target)
        # Read through a second connection: we hold the write lock, so it sees exactly the last
        # committed state and nobody can commit meanwhile (in WAL mode readers are not blocked).
        # Backing up from the connection inside its own write transaction would spin forever.
        source = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target

    # --- recordings ------------------------------------------------------------------------

    def recordings_dir(self) -> Path:
        return _private_dir(self.home / "recordings")

    def new_recording_path(self, question_id: str, started_at: datetime,
                           suffix: str = ".wav") -> Path:
        """A fresh file for a recording, created empty and private (0600) so it is reserved."""
        if not suffix.startswith("."):
            suffix = "." + suffix
        stamp = _utc(started_at).strftime("%Y%m%dT%H%M%SZ")
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in question_id)[:80]
        folder = self.recordings_dir()
        for n in range(1, 1000):
            name = f"{stamp}-{safe}{'' if n == 1 else f'-{n}'}{suffix}"
            path = folder / name
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                continue
            return path
        raise CoachError(f"too many recordings named {stamp}-{safe} in {folder}")

    def _store_path(self, path: Path | None) -> str | None:
        if path is None:
            return None
        path = Path(path).absolute()
        try:
            return path.relative_to(self.home.absolute()).as_posix()
        except ValueError:
            return str(path)

    # --- writing ---------------------------------------------------------------------------

    def begin_attempt(self, question_id: str, topic: str, mode: str, started_at: datetime,
                      audio_path: Path | None, options: dict[str, Any], models: dict[str, Any],
                      bank_version: str) -> int:
        """Record that an attempt started (``completed=False``); returns its id."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO attempts (question_id, topic, mode, started_at, audio_path, "
                "completed, options, models, bank_version) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)",
                (question_id, topic, mode, _stamp(started_at), self._store_path(audio_path),
                 json.dumps(options), json.dumps(models), bank_version))
            assert cur.lastrowid is not None
            return cur.lastrowid

    def finish_attempt(self, attempt_id: int, transcript: Transcript, report: dict[str, Any],
                       completed: bool = True) -> None:
        """Store the transcript and score of an attempt, in one transaction."""
        verdict, overall, coverage = _headline(report)
        with self._write() as db:
            cur = db.execute(
                "UPDATE attempts SET transcript = ?, report = ?, completed = ?, verdict = ?, "
                "overall = ?, coverage = ? WHERE id = ?",
                (json.dumps(transcript.to_dict()), json.dumps(report), int(completed), verdict,
                 overall, coverage, attempt_id))
            if cur.rowcount != 1:
                raise CoachError(f"no attempt {attempt_id} (see `coach history`)")

    # --- reading ---------------------------------------------------------------------------

    _COLUMNS = ("id, question_id, topic, mode, started_at, audio_path, completed, transcript, "
                "report, options, models, bank_version")

    def _row(self, row: tuple[Any, ...]) -> Attempt:
        (aid, qid, topic, mode, started, audio, completed, transcript, report, options, models,
         version) = row
        audio_path = None
        if audio:
            audio_path = Path(audio)
            if not audio_path.is_absolute():
                audio_path = self.home / audio_path
        return Attempt(
            id=aid, question_id=qid, topic=topic, mode=mode,
            started_at=datetime.fromisoformat(started), audio_path=audio_path,
            completed=bool(completed),
            transcript=Transcript.from_dict(json.loads(transcript)) if transcript else None,
            report=json.loads(report) if report else None,
            options=json.loads(options), models=json.loads(models), bank_version=version)

    def _select(self, where: str = "", params: tuple[Any, ...] = (),
                order: str = "started_at, id", limit: int | None = None) -> list[Attempt]:
        sql = f"SELECT {self._COLUMNS} FROM attempts"
        if where:
            sql += f" WHERE {where}"
        sql += f" ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [self._row(r) for r in rows]

    def attempt(self, attempt_id: int) -> Attempt:
        found = self._select("id = ?", (attempt_id,))
        if not found:
            raise CoachError(f"no attempt {attempt_id} (see `coach history`)")
        return found[0]

    def latest(self) -> Attempt | None:
        found = self._select(order="started_at DESC, id DESC", limit=1)
        return found[0] if found else None

    def attempts(self, question_id: str | None = None,
                 topic: str | None = None) -> list[Attempt]:
        """Attempts, oldest first, optionally for one question or topic."""
        clauses, params = [], []
        if question_id is not None:
            clauses.append("question_id = ?")
            params.append(question_id)
        if topic is not None:
            clauses.append("topic = ?")
            params.append(topic)
        return self._select(" AND ".join(clauses), tuple(params))

    def previous(self, attempt: Attempt) -> Attempt | None:
        """The last scored attempt at the same question before this one."""
        stamp = _stamp(attempt.started_at)
        found = self._select(
            "question_id = ? AND verdict IS NOT NULL AND id != ? AND "
            "(started_at < ? OR (started_at = ? AND id < ?))",
            (attempt.question_id, attempt.id, stamp, stamp, attempt.id),
            order="started_at DESC, id DESC", limit=1)
        return found[0] if found else None

    def unfinished(self) -> list[Attempt]:
        """Attempts that never got a score: candidates for recovery."""
        return self._select("completed = 0 AND report IS NULL")

    def usual_wpm(self, last_n: int = 10) -> float | None:
        """Median pace over the recent scored, spoken (not typed) attempts."""
        recent = self._select("verdict IS NOT NULL", order="started_at DESC, id DESC")
        rates = [a.wpm for a in recent if a.wpm and not a.estimated][:last_n]
        return float(statistics.median(rates)) if rates else None

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])
