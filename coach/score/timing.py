"""Time and pace: duration against the mode's target, time to the first word and to the first
core concept, words per minute overall and over a rolling window.

Duration runs from the start of the recording (the end of the question) to the end of the last
word: thinking time before speaking counts, trailing silence after the answer does not.
Typed answers have no timings: figures are derived at a nominal 140 wpm and marked estimated.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.score.fillers import HESITATIONS
from coach.score.options import ScoreOptions
from coach.score.text import norm_tokens
from coach.transcript import Transcript


@dataclass(frozen=True)
class TimingResult:
    score: float  # 0..1
    duration_s: float
    target_s: int
    ratio: float  # duration / target
    verdict: str  # "short" | "on_time" | "over"
    first_word_s: float | None
    first_core_concept_s: float | None
    wpm: float
    wpm_min: float  # slowest rolling window
    wpm_max: float  # fastest rolling window
    pace: str  # "comfortable" | "rushed" | "dragging" | "brisk" | "slow"
    rushed_stretches: tuple[tuple[float, float], ...]
    dragging_stretches: tuple[tuple[float, float], ...]
    baseline_wpm: float | None  # the user's usual pace, when there is history
    estimated: bool  # True for typed answers


def _pace(wpm: float, o: ScoreOptions) -> str:
    low, high = o.comfortable_wpm
    if wpm > o.rushed_wpm:
        return "rushed"
    if wpm < o.dragging_wpm:
        return "dragging"
    if wpm > high:
        return "brisk"
    if wpm < low:
        return "slow"
    return "comfortable"


def score_timing(t: Transcript, target_s: int, first_core_concept_s: float | None = None,
                 options: ScoreOptions | None = None,
                 baseline_wpm: float | None = None) -> TimingResult:
    o = options or ScoreOptions()
    spoken = [w for w in t.words if norm_tokens(w.text)
              and norm_tokens(w.text)[0] not in HESITATIONS]
    if not t.words:
        return TimingResult(0.0, 0.0, target_s, 0.0, "short", None, None, 0.0, 0.0, 0.0,
                            "dragging", (), (), baseline_wpm, not t.timed)
    # Times before the start of the recording (a damaged or hand-edited transcript) count
    # as its start: a duration is never negative.
    first, last = max(0.0, t.words[0].start), max(0.0, t.words[-1].end)
    duration = last
    ratio = duration / target_s if target_s else 0.0
    lo, hi = o.on_time_band
    verdict = "short" if ratio < lo else "over" if ratio > hi else "on_time"
    if ratio < lo:
        score = ratio / lo
    elif ratio > hi:
        score = max(0.0, 1.0 - (ratio - hi) / 0.6)
    else:
        score = 1.0
    minutes = max(last - first, 1.0) / 60.0
    wpm = len(spoken) / minutes
    rates: list[tuple[float, float]] = []
    win = o.rolling_window_s
    if last - first > win:
        step = 5.0
        s = first
        while s + win <= last + 1e-6:
            n = sum(1 for w in spoken if s <= w.start < s + win)
            rates.append((s, n / (win / 60.0)))
            s += step
    else:
        rates.append((first, wpm))
    rushed = tuple((s, s + win) for s, r in rates if r > o.rushed_wpm) if len(rates) > 1 else ()
    dragging = tuple((s, s + win) for s, r in rates if r < o.dragging_wpm) \
        if len(rates) > 1 else ()
    pace_score = 1.0 if _pace(wpm, o) in {"comfortable", "brisk", "slow"} else 0.6
    return TimingResult(
        round(0.8 * score + 0.2 * pace_score, 4), round(duration, 2), target_s, round(ratio, 3),
        verdict, round(first, 2), None if first_core_concept_s is None
        else round(first_core_concept_s, 2), round(wpm, 1), round(min(r for _, r in rates), 1),
        round(max(r for _, r in rates), 1), _pace(wpm, o), rushed, dragging, baseline_wpm,
        not t.timed)
