"""Shared helpers for the benchmarks: statistics, machine facts, long answers from fixtures."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "audio_fixtures"
sys.path.insert(0, str(ROOT))

from coach.audio import SAMPLE_RATE, decode  # noqa: E402


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
            f", load average {load:.2f} at start")


def mmm(values: Sequence[float], fmt: str = "{:.3f}") -> str:
    """min / median / max."""
    if not values:
        return "-"
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values),
                                              max(values)))


def p95(values: Sequence[float]) -> float:
    return float(np.percentile(values, 95)) if values else float("nan")


def answer_of(seconds: float) -> np.ndarray:
    """A spoken answer of about ``seconds``: fixtures joined with short pauses, repeated."""
    parts = [decode(FIXTURES / n) for n in ("long_answer_fillers.flac", "kv_cache_fillers.flac",
                                             "attention_clean.flac")]
    gap = np.zeros(int(0.8 * SAMPLE_RATE), np.float32)
    out: list[np.ndarray] = []
    total = 0
    i = 0
    while total < seconds * SAMPLE_RATE:
        piece = parts[i % len(parts)]
        out += [piece, gap]
        total += piece.size + gap.size
        i += 1
    return np.concatenate(out)[: int(seconds * SAMPLE_RATE)]


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
