"""Where coach keeps its data: ``$COACH_HOME``, else the platform's user data dir."""

from __future__ import annotations

import os
from pathlib import Path

from coach.errors import CoachError

APP = "coach"


def data_dir(create: bool = True) -> Path:
    """The user data dir, created private to the user (0700) on first use."""
    env = os.environ.get("COACH_HOME")
    if env:
        path = Path(env).expanduser()
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir(APP, appauthor=False))
    if create:
        _private_dir(path, "the data dir")
    return path


def _private_dir(path: Path, what: str) -> None:
    """Create ``path`` (0700) or check an existing one is a folder we can write in."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError:
        raise CoachError(f"{what} {path} is a file, not a folder",
                         hint="set COACH_HOME to a folder") from None
    except OSError as exc:
        raise CoachError(f"cannot create {what} {path}: {exc.strerror}",
                         hint="set COACH_HOME to a writable folder") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise CoachError(f"{what} {path} is not writable",
                         hint="set COACH_HOME to a writable folder, or fix its permissions")


def cache_dir() -> Path:
    """Derived files that can be rebuilt (e.g. the joined ``base`` model)."""
    path = data_dir() / "cache"
    _private_dir(path, "the cache folder")
    return path


def model_cache_dir() -> Path:
    """Model files coach derives once (the joined ``base``, the ONNX embedder).

    ``$COACH_MODEL_CACHE`` overrides it (several data dirs can share one); by default it is
    the data dir's cache folder.
    """
    env = os.environ.get("COACH_MODEL_CACHE")
    if not env:
        return cache_dir()
    path = Path(env).expanduser()
    _private_dir(path, "the model cache folder")
    return path


def shipped_bank_dir() -> Path:
    """The bank that comes with coach (``$COACH_BANK`` overrides it)."""
    env = os.environ.get("COACH_BANK")
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parent.parent / "bank"


def user_bank_dir() -> Path:
    return data_dir(create=False) / "bank"
