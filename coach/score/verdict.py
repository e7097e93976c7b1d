"""Overall score, Strong / Lean / No Hire, and the tips an interviewer would give.

The overall score is the rubric level (coach/score/rubric.py) on a 0-100 scale, less what
delivery, timing and structure cost, then the gates the seeds apply: an answer that states a
misconception in so many words, answers a different question or is a bare list of terms is not
a hire however fluent it is. The other rules (a misconception by likeness only, missing core
ideas) weigh in through the rubric.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from coach.bank.model import Question
from coach.score.coverage import CoverageResult
from coach.score.delivery import DeliveryResult
from coach.score.options import ScoreOptions
from coach.score.rubric import Term, level_to_score, rubric_terms, rubric_values
from coach.score.structure import StructureResult
from coach.score.timing import TimingResult


class Verdict(str, Enum):
    STRONG = "strong"
    LEAN = "lean"
    NO_HIRE = "no_hire"

    @property
    def heading(self) -> str:
        return {"strong": "Strong Hire", "lean": "Lean Hire", "no_hire": "No Hire"}[self.value]


@dataclass(frozen=True)
class Gate:
    reason: str
    cap: float  # 100: the rule weighs in the rubric but does not cap the score

    @property
    def holds_back(self) -> bool:
        return self.cap < 100


def mmss(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def gates_for(cov: CoverageResult, st: StructureResult, o: ScoreOptions) -> tuple[Gate, ...]:
    """The seeds' rules the answer fails. A misconception said in so many words, an answer to
    another question, or a bare list of terms holds the score below Lean however fluent the
    rest is. The others (a misconception that only sounds alike, missing core ideas) weigh in
    the rubric instead (its `gated` term), since MiniLM cannot tell a claim from its reverse:
    as hard caps they cost validity (bench/fit.py)."""
    below_lean = o.lean_at - 1
    gates = []
    if any(f.how == "cue" for f in cov.red_flags):
        gates.append(Gate("states a misconception", below_lean))
    elif cov.red_flags:
        gates.append(Gate("sounds like a misconception", 100.0))
    # Off topic: far from the model answer as a whole, or fairly far and not one sentence
    # that restates any of it (MiniLM puts any two ML answers near 0.5).
    if cov.relevance < o.relevance_floor or (cov.precision == 0
                                             and cov.relevance < o.relevance_unrestated):
        gates.append(Gate("answers a different question", below_lean - 10))
    if st.list_like:
        gates.append(Gate("lists terms without explaining them", below_lean))
    if cov.core_score < 0.35:
        gates.append(Gate("misses most of the core ideas", 100.0))
    elif cov.core_score < 0.6:
        gates.append(Gate("misses some core ideas", 100.0))
    return tuple(gates)


def overall_score(cov: CoverageResult, st: StructureResult, de: DeliveryResult,
                  ti: TimingResult, o: ScoreOptions
                  ) -> tuple[float, tuple[Gate, ...], tuple[Term, ...]]:
    """The rubric level on the 0-100 scale, less what delivery, timing and structure cost,
    held under the cap of any rule the answer fails."""
    gates = gates_for(cov, st, o)
    terms = rubric_terms(rubric_values(cov, st, de, bool(gates), o), o)
    raw = level_to_score(sum(t.contribution for t in terms), o) - points_off(st, de, ti, o)
    return round(max(0.0, min(raw, cap_of(gates), 100.0)), 1), gates, terms


def points_off(st: StructureResult, de: DeliveryResult, ti: TimingResult,
               o: ScoreOptions) -> float:
    """What delivery, timing and structure take off the rubric's score (none at a score of 1)."""
    return (o.points_delivery * (1.0 - de.score) + o.points_timing * (1.0 - ti.score)
            + o.points_structure * (1.0 - st.score))


def cap_of(gates: tuple[Gate, ...]) -> float:
    """The lowest cap among the rules the answer fails (100: none holds it back)."""
    return min([g.cap for g in gates], default=100.0)


def verdict_for(overall: float, o: ScoreOptions) -> Verdict:
    if overall >= o.strong_at:
        return Verdict.STRONG
    if overall >= o.lean_at:
        return Verdict.LEAN
    return Verdict.NO_HIRE


_MOVE_TIPS = {
    "problem": "Open with the problem it solves before the mechanism.",
    "mechanism": "Explain how it works, step by step, not only what it is called.",
    "tradeoff": "Add the trade-off: what it costs (memory, latency, quality or complexity).",
    "limitation": "Name the main limitation before you finish: where it stops helping.",
    "clarify": "Start by clarifying requirements: scale, latency budget, what success means.",
    "frame": "Frame it as an ML problem with an objective and a metric.",
    "data": "Say where the data comes from and how you would check it.",
    "model": "Propose a concrete baseline model before anything fancy.",
    "serving": "Cover serving: latency budget, caching, batching, fallbacks.",
    "monitoring": "Close the loop with monitoring: drift, alerts, rollback criteria.",
    "shift": "Check for distribution shift between your data and live traffic.",
    "evaluation": "Say how you would measure it: which eval, on which slices.",
    "axes": "Lay out the axes of the trade-off (cost, latency, quality) before choosing.",
    "business": "Tie the choice to what the business or user actually needs.",
    "recommendation": "End with a clear recommendation: \"I'd start with X because...\".",
    "goal": "Fix the goal and the evals first: they ground every later choice.",
    "baseline": "Name a conservative baseline recipe and why.",
    "ablation": "Describe small, controlled ablations or training stages.",
}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def tips_for(question: Question, cov: CoverageResult, st: StructureResult, de: DeliveryResult,
             ti: TimingResult, gates: tuple[Gate, ...], o: ScoreOptions,
             limit: int = 3) -> tuple[str, ...]:
    """The 2-3 most useful, concrete tips, each tied to the evidence, most important first."""
    tips: list[tuple[float, str]] = []
    descriptions = {c.label: c.description for c in question.concepts}
    for flag in cov.red_flags:
        tips.append((100, f"At {mmss(flag.start)} you said \"{flag.evidence}\": that is the "
                          f"misconception \"{flag.label}\". Correct it before anything else."))
    if any(g.reason == "answers a different question" for g in gates):
        tips.append((95, f"This answer is about something else. The question was: "
                         f"\"{question.question}\""))
    if st.list_like:
        named = [c.label for c in cov.concepts if c.covered and not c.explained] or [
            c.label for c in cov.concepts if c.covered]
        listed = f" ({', '.join(named[:3])})" if named else ""
        tips.append((90, f"You listed terms{listed} without saying how they connect. Pick the "
                         "most important one and explain why it matters."))
    for c in [c for c in cov.concepts if c.covered and not c.explained and c.core][:1]:
        if not st.list_like:
            tips.append((80, f"You named {c.label} but never explained it. Say what it does: "
                             f"{_lower_first(descriptions[c.label])}"))
    missed_core = [c for c in cov.concepts if c.core and not c.covered]
    for rank, c in enumerate(missed_core[:2]):
        tips.append((85 - rank * 10, f"You never covered {c.label}: "
                                     f"{_lower_first(descriptions[c.label])}"))
    for move in st.missing:
        if move in _MOVE_TIPS:
            weight = 70 if move in {"tradeoff", "mechanism", "recommendation"} else 60
            tips.append((weight, _MOVE_TIPS[move]))
    if not st.direct_first and ti.first_core_concept_s is not None and ti.duration_s > 20:
        tips.append((55, f"Lead with the answer: your first core idea came at "
                         f"{mmss(ti.first_core_concept_s)}."))
    if de.filler_per_minute > o.fillers_ok_per_min:
        common: dict[str, int] = {}
        for f in de.fillers:
            common[f.text.lower()] = common.get(f.text.lower(), 0) + 1
        top = max(common, key=lambda k: common[k])
        tips.append((50 + min(20, de.filler_per_minute), f"{len(de.fillers)} fillers "
                     f"({de.filler_per_minute:.0f} a minute), mostly \"{top}\": when you need "
                     "time, pause silently instead."))
    if de.absolutes_per_100_words >= 1.5 and "limitation" in st.missing and de.absolutes:
        first = de.absolutes[0]
        at = "" if ti.estimated else f" at {mmss(first.start)}"
        tips.append((52, f"You said \"{first.text}\"{at} and never said where your claims stop "
                         "holding: name the case where it fails, the way a strong answer does."))
    if de.hesitation_pauses >= 2:
        tips.append((45, f"{de.hesitation_pauses} long pauses fell mid-sentence, which sounds "
                         "unsure: pause between sentences instead."))
    if ti.verdict == "over":
        tips.append((65, f"You took {mmss(ti.duration_s)} for a {mmss(ti.target_s)} answer: "
                         "cut the background and get to the mechanism sooner."))
    elif ti.verdict == "short" and not ti.estimated:
        tips.append((58, f"At {mmss(ti.duration_s)} this is thin for a {mmss(ti.target_s)} "
                         "answer: add the trade-off and one limitation."))
    if ti.pace == "rushed" and not ti.estimated:
        tips.append((48, f"You spoke at {ti.wpm:.0f} words a minute: slow down to 130-160 so "
                         "the key terms land."))
    elif ti.pace == "dragging" and not ti.estimated:
        tips.append((46, f"You spoke at {ti.wpm:.0f} words a minute: tighten the sentences."))
    for c in [c for c in cov.concepts if not c.core and not c.covered][:1]:
        tips.append((30, f"To go further, add {c.label}: {_lower_first(descriptions[c.label])}"))
    if question.follow_ups:
        tips.append((20, f"Be ready for the follow-up: \"{question.follow_ups[0]}\""))
    if not st.ends_on_conclusion and st.score > 0:
        tips.append((40, "Finish on a one-sentence conclusion, so the interviewer knows you "
                         "are done and what to remember."))
    tips.sort(key=lambda t: -t[0])
    seen: set[str] = set()
    out = []
    for _, text in tips:
        if text not in seen:
            seen.add(text)
            out.append(text)
    return tuple(out[:limit])
