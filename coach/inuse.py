"""Which answers are still being recorded, across coach processes.

A crash (kill -9, a power cut) leaves an attempt unfinished, and the next start recovers it.
But an attempt is also unfinished while another coach process is still recording it. The
recording process holds an exclusive `flock` on the answer's audio file for as long as it
records and scores; the kernel drops the lock when the process ends, however it ends. So an
unfinished attempt whose file nobody holds is a crashed one.

    with hold(audio_path):        # in the process recording the answer
        ...
    if not held(audio_path):      # in another process, before recovering it
        ...

Without ``fcntl`` (Windows) nothing is ever held, and recovery works as before.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def hold(path: Path) -> Iterator[None]:
    """Hold ``path`` (which must exist) as "being recorded" for the duration of the block."""
    if fcntl is None:
        yield
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)  # closing drops the lock


def held(path: Path) -> bool:
    """Is another process recording into ``path`` right now? False for a missing file."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False
