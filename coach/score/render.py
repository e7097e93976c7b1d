"""The report as an interviewer would give it: verdict, evidence inline, then what to fix."""

from __future__ import annotations

import textwrap

from coach.bank.model import Question
from coach.score.engine import Report
from coach.score.rubric import AGAINST
from coach.score.verdict import mmss


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, 96, initial_indent=indent, subsequent_indent=indent + "  ")


def _quote(text: str, limit: int = 90) -> str:
    return f"\"{text if len(text) <= limit else text[: limit - 3] + '...'}\""


def render_report(report: Report, question: Question) -> str:
    c, s, d, t = report.coverage, report.structure, report.delivery, report.timing
    est = " (estimated from a typed answer)" if t.estimated else ""
    out = [
        f"{report.verdict.heading} · {report.overall:.0f}/100 · {question.id}",
        _wrap(question.question, ""),
        "",
        f"Content  {c.score * 100:3.0f}  {len(c.covered)}/{len(c.concepts)} key ideas, "
        f"{sum(1 for h in c.covered if h.core)}/{sum(1 for h in c.concepts if h.core)} core; "
        f"restates {c.model_recall * 100:.0f}% of the model answer",
    ]
    for h in c.covered:
        how = {"alias": "said", "misheard": f"heard as \"{h.heard_as}\"",
               "semantic": "in other words"}[h.how]
        at = f"{mmss(h.start)} " if h.start is not None and not t.estimated else ""
        named = "" if h.explained else "  (named, not explained)"
        out.append(_wrap(f"+ {h.label} [{how}]{named}: {at}{_quote(h.evidence)}"))
    for h in c.missed:
        out.append(_wrap(f"- {h.label}{' (core)' if h.core else ''}: not covered"))
    for r in c.red_flags:
        out.append(_wrap(f"! misconception \"{r.label}\": {mmss(r.start)} {_quote(r.evidence)}"))
    moves = " → ".join(m.move for m in s.moves if m.move in s.expected) or "none"
    out += [
        "",
        f"Structure {s.score * 100:3.0f}  expected {' → '.join(s.expected)}",
        f"  heard: {moves}" + (f"; missing: {', '.join(s.missing)}" if s.missing else ""),
        f"  order {'natural' if s.order_ok else 'jumbled'}; "
        f"{'leads with the answer' if s.direct_first else 'slow to reach the point'}; "
        f"{'ends on a conclusion' if s.ends_on_conclusion else 'no closing line'}"
        + ("; reads as a list of terms" if s.list_like else ""),
        "",
        f"Delivery {d.score * 100:3.0f}  {len(d.fillers)} fillers ({d.filler_per_minute:.1f}/min, "
        f"{d.filler_share * 100:.1f}% of words), {len(d.repetitions)} repeats, "
        f"{len(d.hedges)} hedges, {len(d.absolutes)} sweeping words",
    ]
    if d.fillers and not t.estimated:
        out.append(_wrap("fillers at " + ", ".join(f"{mmss(f.start)} {f.text}"
                                                   for f in d.fillers[:12])))
    flagged = [p for p in d.pauses if p.flagged]
    if flagged:
        out.append(_wrap("long pauses: " + ", ".join(
            f"{mmss(p.start)} {p.seconds:.1f}s {'mid-sentence' if p.kind == 'mid_sentence' else ''}"
            .strip() for p in flagged)))
    out += [
        "",
        f"Time     {t.score * 100:3.0f}  {mmss(t.duration_s)} of {mmss(t.target_s)} target "
        f"({t.verdict.replace('_', ' ')}), {t.wpm:.0f} wpm {t.pace}{est}",
    ]
    if not t.estimated:
        first_core = "never" if t.first_core_concept_s is None else mmss(t.first_core_concept_s)
        out.append(f"  first word at {mmss(t.first_word_s or 0)}, first core idea at "
                   f"{first_core}, pace {t.wpm_min:.0f}-{t.wpm_max:.0f} wpm over "
                   f"20 s windows")
    held = [g.reason for g in report.gates if g.holds_back]
    if held:
        out += ["", "Held back because it " + "; ".join(held) + "."]
    weighed = ["it " + g.reason for g in report.gates if not g.holds_back]
    weighed += [AGAINST[t.name] for t in sorted(report.rubric, key=lambda t: t.contribution)
                if t.contribution <= -0.2 and t.name in AGAINST]
    if weighed:
        out += ["", _wrap("Weighed against it: " + "; ".join(weighed) + ".", "")]
    if report.tips:
        out += ["", "What to fix next:"]
        out += [_wrap(f"{i}. {tip}") for i, tip in enumerate(report.tips, 1)]
    return "\n".join(out)
