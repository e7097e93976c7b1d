"""The rubric: how the scorers' evidence adds up to one rubric level, and what moved it.

A linear model over named pieces of evidence, each pushing one way only, as an interviewer's
would: restating more of the model answer never lowers the level, sounding more like one of the
entry's misconceptions never raises it. The weights were fitted by ``bench/fit.py`` on the
labelled answers of ``bench/calibration`` (the calibration and first held-out sets; the second
held-out set is never fitted on): a ridge regression of the label (no hire 0, lean 1, strong 2)
with every weight constrained to its direction. Each term keeps its value and contribution, so
a report can say what moved the score.

The level is in label units: about 0 for a No Hire answer, 1 for a Lean, 2 for a Strong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from coach.score.coverage import CoverageResult
from coach.score.delivery import DeliveryResult
from coach.score.options import ScoreOptions
from coach.score.structure import StructureResult

#: (name, direction, what the value is). The weight of each is ``ScoreOptions.rubric_<name>``.
TERMS: tuple[tuple[str, int, str], ...] = (
    ("model_recall", +1, "how closely the answer restates each sentence of the model answer "
                         "(mean best cosine)"),
    ("concept_similarity", +1, "how closely its best sentence states each core concept "
                               "(mean cosine)"),
    ("core", +1, "core concepts covered (0-1, named-only concepts at half credit)"),
    ("relevance", +1, "cosine of the whole answer to the whole model answer"),
    ("precision", +1, "share of its sentences that restate part of the model answer"),
    ("tradeoff_or_limit", +1, "it names a trade-off or a limitation (1) or neither (0)"),
    ("flag_excess", -1, "how much closer it comes to the entry's misconceptions than to its "
                        "model answer (difference of the two mean best cosines)"),
    ("cue_flags", -1, "misconceptions stated in so many words"),
    ("semantic_flags", -1, "misconceptions stated in other words"),
    ("gated", -1, "a rubric rule failed: misconception, other question, list of terms, or "
                  "core ideas missing (1) or none (0)"),
    ("list_like", -1, "a list of terms with no connecting explanation (1) or not (0)"),
    ("absolutes", -1, "sweeping words (always, never, eliminates...) per 100 words, capped"),
)


#: How a term reads in a report when it holds the answer back. Only the terms no gate already
#: names (misconceptions, lists of terms and missing core ideas are reported as gates).
AGAINST = {
    "flag_excess": "it sounds closer to the misconceptions than to the model answer",
    "absolutes": "sweeping claims (always, never, eliminates) with nothing on where they stop",
}


@dataclass(frozen=True)
class Term:
    name: str
    value: float
    weight: float  # signed: direction times the fitted magnitude
    contribution: float  # weight * value, in rubric levels


def rubric_values(cov: CoverageResult, st: StructureResult, de: DeliveryResult,
                  gated: bool, o: ScoreOptions) -> dict[str, float]:
    present = {m.move for m in st.moves}
    excess = max(0.0, cov.flag_resemblance - cov.model_recall_soft
                 + o.flag_excess_margin) \
        if cov.flag_resemblance is not None else o.flag_excess_neutral
    return {
        "model_recall": cov.model_recall_soft,
        "concept_similarity": cov.concept_similarity,
        "core": cov.core_score,
        "relevance": cov.relevance,
        "precision": cov.precision,
        "tradeoff_or_limit": float(bool(present & {"tradeoff", "limitation"})),
        "flag_excess": excess,
        "cue_flags": float(sum(1 for f in cov.red_flags if f.how == "cue")),
        "semantic_flags": float(sum(1 for f in cov.red_flags if f.how != "cue")),
        "gated": float(gated),
        "list_like": float(st.list_like),
        # capped: in a 40-word answer one "always" is 2.5 per 100 words
        "absolutes": min(de.absolutes_per_100_words, o.absolutes_cap),
    }


def rubric_terms(values: dict[str, float], o: ScoreOptions) -> tuple[Term, ...]:
    out = []
    for name, direction, _ in TERMS:
        w = direction * float(getattr(o, f"rubric_{name}"))
        out.append(Term(name, round(values[name], 4), w, round(w * values[name], 4)))
    return tuple(out)


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def level_to_score(level: float, o: ScoreOptions) -> float:
    """Rubric level to the 0-100 scale, on a logistic curve through the two fitted boundaries:
    the Lean boundary lands on ``lean_at`` and the Strong one on ``strong_at``. Strictly
    increasing (the score keeps the level's order) and never pinned at 0 or 100."""
    lo, hi = _logit(o.lean_at / 100.0), _logit(o.strong_at / 100.0)
    slope = (hi - lo) / max(1e-6, o.rubric_strong_level - o.rubric_lean_level)
    x = lo + slope * (level - o.rubric_lean_level)
    return 100.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))
