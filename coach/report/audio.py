"""Where each attempt's recording comes from in the HTML report.

``embed`` puts recordings inside the file as base64 data URIs, newest first, until a size
budget is spent; older ones are linked by a path relative to the report (they play while the
report sits where it was written, e.g. in the data dir beside ``recordings/``). ``link`` links
all, ``none`` leaves audio out.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from coach.store import Attempt

MODES = ("embed", "link", "none")
#: Default budget for embedded audio (bytes of recordings, before base64's 4/3).
EMBED_BUDGET = 40 * 1024 * 1024
MIME = {".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg", ".oga": "audio/ogg",
        ".opus": "audio/ogg", ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".webm": "audio/webm"}


@dataclass(frozen=True)
class AudioSource:
    src: str  # a data: URI or a relative URL
    embedded: bool


def _usable(path: Path | None) -> bool:
    return path is not None and path.suffix.lower() in MIME and path.is_file() \
        and path.stat().st_size > 0


def audio_sources(attempts: Sequence[Attempt], out_dir: Path, mode: str = "embed",
                  budget: int = EMBED_BUDGET) -> dict[int, AudioSource]:
    """The audio for each attempt that has a readable recording, by attempt id."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    out: dict[int, AudioSource] = {}
    if mode == "none":
        return out
    spent = 0
    for a in sorted(attempts, key=lambda a: (a.started_at, a.id), reverse=True):
        path = a.audio_path
        if path is None or not _usable(path):
            continue
        size = path.stat().st_size
        if mode == "embed" and spent + size <= budget:
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            out[a.id] = AudioSource(f"data:{MIME[path.suffix.lower()]};base64,{data}", True)
            spent += size
        else:
            try:
                url = quote(Path(os.path.relpath(path.absolute(), out_dir.absolute()))
                            .as_posix())
            except ValueError:  # another drive (Windows): no relative path exists
                url = path.absolute().as_uri()
            out[a.id] = AudioSource(url, False)
    return out
