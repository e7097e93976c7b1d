"""All attempts as JSON (everything stored) or CSV (one summary row per attempt)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from coach.review_text import history_row
from coach.store import Attempt

SCHEMA = 1
CSV_COLUMNS = ("id", "started_at", "question_id", "topic", "mode", "completed", "verdict",
               "overall", "coverage", "fillers_per_min", "wpm", "duration_s", "target_s",
               "estimated", "missed", "audio_path", "bank_version", "transcript")


def attempt_to_dict(a: Attempt) -> dict[str, Any]:
    return {
        "id": a.id, "question_id": a.question_id, "topic": a.topic, "mode": a.mode,
        "started_at": a.started_at.isoformat(), "completed": a.completed,
        "audio_path": str(a.audio_path) if a.audio_path else None,
        "bank_version": a.bank_version, "options": a.options, "models": a.models,
        "transcript": a.transcript.to_dict() if a.transcript else None, "report": a.report,
    }


def to_json(attempts: Sequence[Attempt]) -> str:
    return json.dumps({"schema": SCHEMA, "attempts": [attempt_to_dict(a) for a in attempts]},
                      indent=2)


#: A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): a
#: transcript or a user's bank text could. Such text cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(attempts: Sequence[Attempt]) -> str:
    """One row per attempt; text cells are made safe to open in a spreadsheet."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for a in attempts:
        row = history_row(a)
        missed = (a.report or {}).get("coverage", {}).get("missed", [])
        row.update(missed="; ".join(missed),
                   audio_path=str(a.audio_path) if a.audio_path else "",
                   bank_version=a.bank_version,
                   transcript=a.transcript.text if a.transcript else "")
        writer.writerow({k: _cell(row[k]) for k in CSV_COLUMNS})
    return buf.getvalue()
