"""Terminal rendering of history, one attempt's review, and the practice plan.

Marks are plain text so they survive a pipe ([um] filler, {I think} hedge, ‹2.6s› long pause,
⟨+concept⟩ covered here, ~misconception~); ``color=True`` adds ANSI colours on top.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from coach.bank.model import Question
from coach.review import Comparison, MarkedWord, render_comparison
from coach.schedule import Plan, QuestionCard
from coach.store import Attempt

VERDICTS = {"strong": "Strong Hire", "lean": "Lean Hire", "no_hire": "No Hire"}
_ANSI = {"filler": "33;1", "hedge": "35", "repeat": "33", "pause": "31", "concept": "32;1",
         "flag": "31;4", "head": "1", "dim": "2"}
LEGEND = "[um] filler  {so} hedge  <<repeat>>  ‹2.6s› long pause  ⟨+ idea⟩ covered here  " \
         "~said~ misconception"


def mmss(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def when(moment: datetime, tz: tzinfo | None = None) -> str:
    """``2025-01-03 09:00`` in ``tz`` (None: the local zone)."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def verdict_text(a: Attempt) -> str:
    if not a.scored:
        if a.report and a.report.get("no_speech"):
            return "no speech"
        return "partial" if not a.completed else "unscored"
    verdict = str(a.verdict)
    text = VERDICTS.get(verdict, verdict)
    return text if a.completed else f"{text}*"


def _fmt(value: float | None, spec: str, scale: float = 1.0, suffix: str = "") -> str:
    return "-" if value is None else f"{value * scale:{spec}}{suffix}"


# --- history ------------------------------------------------------------------------------


def history_row(a: Attempt) -> dict[str, Any]:
    """The summary of one attempt (the `history --json` and CSV columns)."""
    return {
        "id": a.id, "started_at": a.started_at.isoformat(), "question_id": a.question_id,
        "topic": a.topic, "mode": a.mode, "completed": a.completed, "verdict": a.verdict,
        "overall": a.overall, "coverage": a.coverage, "fillers_per_min": a.fillers_per_min,
        "wpm": a.wpm, "duration_s": a.duration_s, "target_s": a.target_s,
        "estimated": a.estimated,
    }


def render_history(attempts: Sequence[Attempt], tz: tzinfo | None = None) -> str:
    """A table, oldest first: date, question, verdict, overall, coverage, fillers/min, wpm,
    duration vs target."""
    qw = max([len("question"), *(len(a.question_id) for a in attempts)])
    iw = max(2, *(len(str(a.id)) for a in attempts)) if attempts else 2
    head = (f"{'#':>{iw}}  {'date':16}  {'question':{qw}}  {'verdict':11}  {'overall':>7}  "
            f"{'coverage':>8}  {'fillers/min':>11}  {'wpm':>4}  {'time / target':>13}")
    lines = [head]
    for a in attempts:
        time = "-" if a.duration_s is None else f"{mmss(a.duration_s)} / {mmss(a.target_s)}"
        est = "~" if a.estimated else ""
        lines.append(
            f"{a.id:>{iw}}  {when(a.started_at, tz):16}  {a.question_id:{qw}}  "
            f"{verdict_text(a):11}  {_fmt(a.overall, '7.0f')}  "
            f"{_fmt(a.coverage, '7.0f', 100, '%'):>8}  {_fmt(a.fillers_per_min, '11.1f')}  "
            f"{est + _fmt(a.wpm, '.0f'):>4}  {est + time:>13}")
    notes = [f"{len(attempts)} attempt(s)"]
    if any(not a.completed for a in attempts):
        notes.append("* partial answer")
    if any(a.estimated for a in attempts):
        notes.append("~ typed answer: pace and time estimated")
    lines.append("; ".join(notes))
    return "\n".join(lines)


# --- review -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Seg:
    text: str
    style: str = ""


_MARKS = {"filler": ("[", "]"), "hedge": ("{", "}"), "repeat": ("<<", ">>"), "flag": ("~", "~"),
          "concept": ("", "")}


def _kind(w: MarkedWord) -> str:
    for flag, kind in ((w.filler, "filler"), (w.hedge, "hedge"), (w.repeat, "repeat"),
                       (w.red_flag, "flag"), (w.concept_words, "concept")):
        if flag:
            return kind
    return ""


def _segments(words: Sequence[MarkedWord]) -> list[_Seg]:
    """The marked transcript as styled pieces, one per word (so long marks still wrap); a run
    of words of the same kind is bracketed once: ``[you know]``, ``~the wrong claim~``."""
    segs: list[_Seg] = []
    kinds = [_kind(w) for w in words]
    for i, w in enumerate(words):
        if w.pause_before:
            segs.append(_Seg(f"‹{w.pause_before:.1f}s›", "pause"))
        segs += [_Seg(f"⟨+ {label}⟩", "concept") for label in w.concepts]
        kind = kinds[i]
        left, right = _MARKS.get(kind, ("", ""))
        nxt = words[i + 1] if i + 1 < len(words) else None
        opens = i == 0 or kinds[i - 1] != kind or bool(w.pause_before or w.concepts)
        closes = nxt is None or kinds[i + 1] != kind or bool(nxt.pause_before or nxt.concepts)
        segs.append(_Seg((left if opens else "") + w.text + (right if closes else ""), kind))
    return segs


def _paint(seg: _Seg, color: bool) -> str:
    if not color or not seg.style:
        return seg.text
    return f"\x1b[{_ANSI[seg.style]}m{seg.text}\x1b[0m"


def _wrap_segs(segs: Sequence[_Seg], width: int) -> list[list[_Seg]]:
    lines: list[list[_Seg]] = [[]]
    used = 0
    for seg in segs:
        need = len(seg.text) + (1 if used else 0)
        if used and used + need > width:
            lines.append([])
            used, need = 0, len(seg.text)
        lines[-1].append(seg)
        used += need
    return lines


def _line(segs: Sequence[_Seg], color: bool) -> tuple[str, int]:
    return " ".join(_paint(s, color) for s in segs), len(" ".join(s.text for s in segs))


def _side_by_side(left_title: str, left: list[list[_Seg]], right_title: str, right: list[str],
                  col: int, color: bool) -> list[str]:
    out = [f"{left_title:{col}}   {right_title}"]
    for i in range(max(len(left), len(right))):
        text, visible = _line(left[i], color) if i < len(left) else ("", 0)
        out.append(f"{text}{' ' * (col - visible)}   {right[i] if i < len(right) else ''}"
                   .rstrip())
    return out


def _lines(text: str, width: int, style: str, color: bool) -> list[str]:
    return [_paint(_Seg(line, style), color)
            for line in textwrap.wrap(text, width, subsequent_indent="    ")]


def render_review(attempt: Attempt, words: Sequence[MarkedWord], question: Question | None,
                  comparison: Comparison | None, width: int = 100, color: bool = False,
                  tz: tzinfo | None = None) -> str:
    """One attempt: header, marked transcript beside the model answer (stacked when the
    terminal is narrow), concepts covered and missed, tips, and the change since last time."""
    a, r = attempt, attempt.report or {}
    out = [_paint(_Seg(f"Attempt #{a.id} · {a.question_id} · {a.mode} · "
                       f"{when(a.started_at, tz)}", "head"), color)]
    if a.scored:
        est = " (estimated: typed answer)" if a.estimated else ""
        out.append(f"{verdict_text(a)} · {a.overall:.0f}/100 · coverage "
                   f"{_fmt(a.coverage, '.0f', 100, '%')} · "
                   f"{_fmt(a.fillers_per_min, '.1f')} fillers/min · {_fmt(a.wpm, '.0f')} wpm · "
                   f"{mmss(a.duration_s)} of {mmss(a.target_s)}{est}")
    elif a.report and a.report.get("no_speech"):
        out.append("not scored: no speech was heard")
    else:
        out.append("not scored: the answer was interrupted before it was scored")
    if question is not None:
        out += textwrap.wrap("Q: " + question.question, width, subsequent_indent="   ")
    else:
        out.append("(this question is no longer in the bank)")
    out.append("")
    segs = _segments(words)
    model = question.model_answer if question is not None else ""
    if not segs:
        out.append("(no transcript)")
    elif width >= 120 and model:
        col = (width - 3) // 2
        out += _side_by_side("Your answer", _wrap_segs(segs, col), "Model answer",
                             textwrap.wrap(model, width - 3 - col), col, color)
    else:
        out.append("Your answer")
        out += [_line(line, color)[0] for line in _wrap_segs(segs, width)]
        if model:
            out += ["", "Model answer", *textwrap.wrap(model, width)]
    if segs:
        out += ["", *(_paint(_Seg(line, "dim"), color) for line in textwrap.wrap(LEGEND, width))]
    cov = r.get("coverage", {})
    if cov:
        out.append("")
        for c in cov.get("covered", []):
            how = {"alias": "said", "misheard": f"heard as \"{c.get('heard_as')}\"",
                   "semantic": "in other words"}.get(c.get("how"), c.get("how"))
            at = f" at {mmss(c['start'])}" if c.get("start") is not None and \
                not a.estimated else ""
            named = "" if c.get("explained", True) else ", named, not explained"
            out += _lines(f"+ {c['concept']} ({how}{at}{named})", width, "concept", color)
        for label in cov.get("missed", []):
            out += _lines(f"- missed: {label}", width, "", color)
        for rf in cov.get("red_flags", []):
            out += _lines(f"! misconception \"{rf['label']}\" at {mmss(rf['start'])}", width,
                          "flag", color)
    if r.get("tips"):
        out += ["", "What to fix next:"]
        out += [textwrap.fill(f"{i}. {t}", width, subsequent_indent="   ")
                for i, t in enumerate(r["tips"], 1)]
    if comparison is not None:
        out += ["", render_comparison(comparison)]
    elif a.scored:
        out += ["", "First scored attempt at this question: nothing to compare with yet."]
    return "\n".join(out)


# --- plan ---------------------------------------------------------------------------------


def _card_line(c: QuestionCard, now: datetime, tz: tzinfo | None) -> str:
    late = now - c.due
    if late.total_seconds() > 0:
        days = late.days
        when_due = f"overdue {days} day(s)" if days else "due now"
    else:
        when_due = f"due {when(c.due, tz)}"
    return (f"  {c.question_id:44} {c.topic:22} last {c.last_overall:3.0f}  "
            f"{c.reviews} review(s)  {when_due}")


def render_plan(plan: Plan, tz: tzinfo | None = None) -> str:
    if not plan.attempts:
        return ("No attempts yet: nothing is scheduled. Start with `coach drill` (every "
                f"scored answer is scheduled for review); {plan.never_practised} question(s) "
                "to practise.")
    out = [f"Due now ({len(plan.overdue)})"]
    out += [_card_line(c, plan.now, tz) for c in plan.overdue] or ["  nothing"]
    out += ["", f"Later today ({len(plan.today)})"]
    out += [_card_line(c, plan.now, tz) for c in plan.today] or ["  nothing"]
    out += ["", f"This week ({len(plan.week)})"]
    out += [_card_line(c, plan.now, tz) for c in plan.week] or ["  nothing"]
    if plan.weakest_topics:
        out += ["", "Weakest topics (mean of recent overall scores)"]
        out += [f"  {s.key:30} {s.strength:3.0f}  over {s.questions} question(s), "
                f"{s.attempts} attempt(s)" for s in plan.weakest_topics]
    if plan.weakest_questions:
        out += ["", "Weakest questions"]
        out += [f"  {s.key:44} {s.strength:3.0f}  ({s.attempts} attempt(s))"
                for s in plan.weakest_questions]
    if plan.missed_concepts:
        out += ["", "Concepts missed most often"]
        out += [f"  {m.label:44} missed {m.missed} of {m.seen}  ({', '.join(m.question_ids)})"
                for m in plan.missed_concepts]
    if plan.never_practised:
        out += ["", f"{plan.never_practised} question(s) never practised."]
    out += ["", "Practise what is due with `coach drill --due`."]
    return "\n".join(out)
