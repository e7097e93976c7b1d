"""Progress on stderr, only when stderr is a terminal, so pipes and --json stay clean."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``progress("transcribing", 0.4)`` redraws one status line; ``done()`` clears it."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._t0 = time.monotonic()
        self._shown = False

    def __call__(self, stage: str, fraction: float | None = None) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self._t0
        pct = f" {fraction * 100:3.0f}%" if fraction is not None else ""
        self.stream.write(f"\r\033[K{stage}{pct}  ({elapsed:.1f}s)")
        self.stream.flush()
        self._shown = True

    def done(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False
