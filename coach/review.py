"""Looking back at an attempt: what changed against the last take, and the transcript marked
with what the scorers found (fillers, hedges, long pauses, concepts where they were said).

Pure functions over stored `Attempt` values; `coach.review_text` and `coach.report` render
them for the terminal and the browser.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from coach.store import Attempt

#: Comfortable pace band (README "Time and pace"): moving into it is an improvement.
COMFORTABLE_WPM = (120.0, 160.0)
#: On time is this share of the target (README "Time and pace").
ON_TIME = (0.45, 1.15)
#: A report item (filler, hedge, concept) belongs to the word that starts this close to it.
_SNAP_S = 0.06


@dataclass(frozen=True)
class Delta:
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class Comparison:
    """The current attempt against the previous scored one at the same question."""

    question_id: str
    previous_id: int
    current_id: int
    previous_verdict: str | None
    current_verdict: str | None
    overall: Delta
    coverage: Delta
    fillers_per_min: Delta
    wpm: Delta
    duration_s: Delta
    target_s: float | None
    newly_covered: tuple[str, ...]
    newly_missed: tuple[str, ...]
    still_missed: tuple[str, ...]

    @property
    def better(self) -> bool | None:
        """Whether the overall score went up (None when either is unscored)."""
        change = self.overall.change
        return None if change is None else change > 0


def _covered(a: Attempt) -> list[str]:
    return [c["concept"] for c in (a.report or {}).get("coverage", {}).get("covered", [])]


def _missed(a: Attempt) -> list[str]:
    return list((a.report or {}).get("coverage", {}).get("missed", []))


def compare(previous: Attempt, current: Attempt) -> Comparison:
    """What changed from ``previous`` to ``current`` (scores, concepts, pace, time)."""
    before_hit = set(_covered(previous))
    return Comparison(
        question_id=current.question_id,
        previous_id=previous.id,
        current_id=current.id,
        previous_verdict=previous.verdict,
        current_verdict=current.verdict,
        overall=Delta(previous.overall, current.overall),
        coverage=Delta(previous.coverage, current.coverage),
        fillers_per_min=Delta(previous.fillers_per_min, current.fillers_per_min),
        wpm=Delta(previous.wpm, current.wpm),
        duration_s=Delta(previous.duration_s, current.duration_s),
        target_s=current.target_s or previous.target_s,
        newly_covered=tuple(c for c in _covered(current) if c not in before_hit),
        newly_missed=tuple(c for c in _missed(current) if c in before_hit),
        still_missed=tuple(c for c in _missed(current) if c not in before_hit),
    )


def _mmss(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _judge(change: float | None, higher_is_better: bool, noise: float) -> str:
    if change is None or abs(change) < noise:
        return ""
    return " better" if (change > 0) == higher_is_better else " worse"


def _in_band(value: float | None, band: tuple[float, float]) -> bool:
    # Judged on the shown (rounded) figure, so "160 wpm" never reads as out of 120-160.
    return value is not None and band[0] <= round(value) <= band[1]


def render_comparison(c: Comparison) -> str:
    """Plain text, one line per measure, for the drill's "what changed" and `coach review`."""
    verdicts = {"strong": "Strong Hire", "lean": "Lean Hire", "no_hire": "No Hire"}
    o, cov, f, w, d = c.overall, c.coverage, c.fillers_per_min, c.wpm, c.duration_s
    lines = [f"Against your last take (#{c.previous_id}):"]
    if o.before is not None and o.after is not None:
        verdict = ""
        if c.previous_verdict != c.current_verdict:
            verdict = (f", {verdicts.get(c.previous_verdict or '', '?')} → "
                       f"{verdicts.get(c.current_verdict or '', '?')}")
        lines.append(f"  overall      {o.before:.0f} → {o.after:.0f} ({o.after - o.before:+.0f})"
                     f"{_judge(o.change, True, 0.5)}{verdict}")
    if cov.before is not None and cov.after is not None:
        lines.append(f"  coverage     {cov.before * 100:.0f}% → {cov.after * 100:.0f}% "
                     f"({(cov.after - cov.before) * 100:+.0f})"
                     f"{_judge(cov.change, True, 0.005)}")
    if f.before is not None and f.after is not None:
        lines.append(f"  fillers/min  {f.before:.1f} → {f.after:.1f} ({f.after - f.before:+.1f})"
                     f"{_judge(f.change, False, 0.05)}")
    if w.before is not None and w.after is not None:
        note = ""
        if _in_band(w.after, COMFORTABLE_WPM) and not _in_band(w.before, COMFORTABLE_WPM):
            note = " (now comfortable)"
        elif _in_band(w.before, COMFORTABLE_WPM) and not _in_band(w.after, COMFORTABLE_WPM):
            note = " (out of the comfortable 120-160)"
        lines.append(f"  pace         {w.before:.0f} → {w.after:.0f} wpm{note}")
    if d.before is not None and d.after is not None:
        target = f" of {_mmss(c.target_s)} target" if c.target_s else ""
        lines.append(f"  time         {_mmss(d.before)} → {_mmss(d.after)}{target}")
    if c.newly_covered:
        lines.append(f"  now covered: {', '.join(c.newly_covered)}")
    if c.newly_missed:
        lines.append(f"  dropped:     {', '.join(c.newly_missed)}")
    if c.still_missed:
        lines.append(f"  still missed: {', '.join(c.still_missed)}")
    return "\n".join(lines)


# --- the transcript, marked -------------------------------------------------------------


@dataclass(frozen=True)
class MarkedWord:
    """One spoken word and what the scorers found at it."""

    index: int
    text: str
    start: float
    end: float
    filler: bool = False
    hedge: bool = False
    repeat: bool = False
    red_flag: bool = False
    #: Covered concepts first said here (a marker before the word).
    concepts: tuple[str, ...] = ()
    #: Part of the words that matched a concept (alias or what the recogniser heard).
    concept_words: bool = False
    #: A long or hesitant pause just before this word, in seconds.
    pause_before: float | None = None


def _words(attempt: Attempt) -> list[dict[str, Any]]:
    """The words that were scored (the report's copy), else the stored transcript's."""
    if attempt.report and attempt.report.get("transcript", {}).get("words"):
        return list(attempt.report["transcript"]["words"])
    if attempt.transcript is not None:
        return [{"text": w.text, "start": w.start, "end": w.end} for w in attempt.transcript.words]
    return []


class _Locator:
    """Finds the word an item of the report starts at, by time."""

    def __init__(self, words: list[dict[str, Any]]) -> None:
        self.starts = [float(w["start"]) for w in words]

    def at(self, t: float | None) -> int | None:
        if t is None or not self.starts:
            return None
        i = bisect.bisect_left(self.starts, t - _SNAP_S)
        if i < len(self.starts) and abs(self.starts[i] - t) <= _SNAP_S:
            return i
        # Not a word start (e.g. a sentence-level time): the last word starting before it.
        return max(0, bisect.bisect_right(self.starts, t) - 1)

    def after(self, t: float) -> int | None:
        i = bisect.bisect_left(self.starts, t - 1e-6)
        return i if i < len(self.starts) else None


def _span(n_words: int, text: str) -> int:
    return max(1, min(n_words, len(text.split())))


def mark_words(attempt: Attempt) -> tuple[MarkedWord, ...]:
    """The scored words with fillers, hedges, repeats, misconceptions, flagged pauses and the
    covered concepts marked where they were said."""
    words = _words(attempt)
    if not words:
        return ()
    report = attempt.report or {}
    locate = _Locator(words)
    marks: list[dict[str, Any]] = [{} for _ in words]

    def flag(items: list[dict[str, Any]], key: str) -> None:
        for item in items:
            i = locate.at(item.get("start"))
            if i is None:
                continue
            for j in range(i, min(len(words), i + _span(len(words), item.get("text", "")))):
                marks[j][key] = True

    delivery = report.get("delivery", {})
    flag(delivery.get("fillers", {}).get("items", []), "filler")
    flag(delivery.get("hedges", []), "hedge")
    flag(delivery.get("repetitions", []), "repeat")
    coverage = report.get("coverage", {})
    for rf in coverage.get("red_flags", []):
        i = locate.at(rf.get("start"))
        if i is not None:
            for j in range(i, min(len(words), i + len(rf.get("evidence", "").split()))):
                marks[j]["red_flag"] = True
    for c in coverage.get("covered", []):
        i = locate.at(c.get("start"))
        if i is None:
            continue
        marks[i].setdefault("concepts", []).append(c["concept"])
        said = c.get("heard_as") or c.get("matched") or ""
        if c.get("how") in ("alias", "misheard") and said:
            for j in range(i, min(len(words), i + _span(len(words), said))):
                marks[j]["concept_words"] = True
    for p in delivery.get("pauses", []):
        if p.get("flagged"):
            i = locate.after(float(p["start"]))
            if i is not None:
                marks[i]["pause_before"] = max(marks[i].get("pause_before", 0.0),
                                               float(p["seconds"]))
    out = []
    for i, (w, m) in enumerate(zip(words, marks, strict=True)):
        concepts = tuple(m.pop("concepts", ()))
        out.append(MarkedWord(i, str(w["text"]).strip(), float(w["start"]), float(w["end"]),
                              concepts=concepts, **m))
    return tuple(out)
