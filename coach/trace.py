"""Timestamps of named events for benchmarks: ``COACH_TRACE=FILE`` appends "event unix-time"
lines (e.g. when the question starts being spoken). Off, it costs one dict lookup."""

from __future__ import annotations

import os
import time


def mark(event: str) -> None:
    path = os.environ.get("COACH_TRACE")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{event} {time.time():.6f}\n")
