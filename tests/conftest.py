"""Shared fixtures. Real packaged models are used (they are on disk, offline); the user data
dir always points at a temp dir so tests never touch the real one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "audio_fixtures"


def pytest_configure(config: pytest.Config) -> None:
    """One model cache for the whole run (and the coach processes tests start): the ONNX
    embedder is exported and the base model joined once, not once per test."""
    import os
    import tempfile

    if "COACH_MODEL_CACHE" not in os.environ:
        os.environ["COACH_MODEL_CACHE"] = tempfile.mkdtemp(prefix="coach-model-cache-")


@pytest.fixture(autouse=True)
def coach_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "coach-home"
    monkeypatch.setenv("COACH_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def references() -> dict:
    return json.loads((FIXTURES / "references.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def transcriber():
    """One real tiny.en model for the whole session (loads in ~0.6 s)."""
    from coach.transcribe import Transcriber

    t = Transcriber()
    t.load()
    return t


@pytest.fixture(scope="session")
def transcripts(transcriber, references) -> dict:
    """Every fixture transcribed once with default options (fillers prompt on, no hotwords)."""
    from coach.audio import decode

    return {name: transcriber.transcribe(decode(FIXTURES / name)) for name in references}
