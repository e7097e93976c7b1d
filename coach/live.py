"""The live line shown while recording: elapsed against target as a bar, a level meter, and a
warning as the target nears. Formatting is pure (`format_line`); `LiveLine` draws it in place
on a terminal, or prints a plain line every few seconds when output is not a terminal."""

from __future__ import annotations

import math
import sys
import time
from typing import TextIO

from coach.score.verdict import mmss

BAR = 24
LEVELS = " ▁▂▃▄▅▆▇█"


def level_glyph(dbfs: float) -> str:
    """-60 dBFS (or silence) -> lowest, 0 dBFS -> highest."""
    if not math.isfinite(dbfs):
        return LEVELS[0]
    x = min(1.0, max(0.0, (dbfs + 60.0) / 60.0))
    return LEVELS[round(x * (len(LEVELS) - 1))]


def format_line(elapsed: float, target: float, dbfs: float, hint: str = "Enter stops",
                color: bool = True) -> str:
    frac = elapsed / target if target else 0.0
    filled = min(BAR, int(frac * BAR))
    bar = "█" * filled + "░" * (BAR - filled)
    if frac >= 1.0:
        state, code = f"over time by {mmss(elapsed - target)}: wrap up now", "31"
    elif frac >= 0.8:
        state, code = "approaching the target: land your conclusion", "33"
    else:
        state, code = hint, "2"
    level = f"{level_glyph(dbfs)} {dbfs:4.0f} dB" if math.isfinite(dbfs) else f"{LEVELS[0]}  -∞ dB"
    text = f"● {mmss(elapsed)} / {mmss(target)} [{bar}] {level}  {state}"
    return f"\033[{code}m{text}\033[0m" if color and code != "2" else text


class LiveLine:
    def __init__(self, target: float, stream: TextIO | None = None,
                 interactive: bool | None = None, plain_every_s: float = 5.0) -> None:
        self.target = target
        self.stream = stream or sys.stdout
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.plain_every_s = plain_every_s
        self._last_plain = -plain_every_s
        self._last_draw = 0.0
        self.hint = "Enter stops" if self.interactive else "recording"

    def update(self, elapsed: float, dbfs: float) -> None:
        if self.interactive:
            now = time.monotonic()
            if now - self._last_draw < 0.1:
                return
            self._last_draw = now
            self.stream.write("\r\033[K" + format_line(elapsed, self.target, dbfs, self.hint))
            self.stream.flush()
        elif elapsed - self._last_plain >= self.plain_every_s:
            self._last_plain = elapsed
            self.stream.write(format_line(elapsed, self.target, dbfs, self.hint, color=False)
                              + "\n")
            self.stream.flush()

    def close(self, message: str) -> None:
        if self.interactive:
            self.stream.write("\r\033[K")
        self.stream.write(message + "\n")
        self.stream.flush()
