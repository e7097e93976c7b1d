"""Every threshold and weight the scorers use, in one validated, recorded place.

The semantic thresholds were calibrated on data (``bench/calibrate.py``), not guessed:
concept descriptions against the sentences of their own model answer (positives) and of model
answers in other topics (negatives); red-flag statements against all model answers (which must
not trigger) and the labelled misconception answers of ``bench/calibration``. The coverage
thresholds were fitted on ``bench/calibration/calibration_*.toml`` only, the rubric's weights and
boundaries (``bench/fit.py``) on the calibration and first held-out sets; ``heldout2.toml`` is
never fitted on and reports how well they generalise. Each result stores the options it was
made with.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from coach.errors import CoachError

#: The options that may be negative (every other one is a threshold, weight or count).
_SIGNED = frozenset({"flag_excess_neutral"})


@dataclass(frozen=True)
class ScoreOptions:
    # --- coverage -------------------------------------------------------------------------
    #: Cosine below which a sentence says nothing about a concept. bench/calibrate.py puts
    #: other-topic model answers' 95th percentile at 0.48, but real spoken paraphrases of a
    #: concept score only 0.50-0.56 with MiniLM against the jargon description. Concepts now
    #: also carry plain-words prototypes (bank `plain`), which a spoken paraphrase comes much
    #: closer to, so the fit (bench/fit.py, 2026-11-23) sets it back up.
    semantic_low: float = 0.42
    #: Cosine at which a sentence fully states a concept (fitted; positives' median is 0.72).
    semantic_high: float = 0.64
    #: Semantic credit at which a concept counts as covered.
    covered_credit: float = 0.5
    #: A named concept counts as explained if its sentence is this close to the description,
    #: or is long enough and contains a connective ("because", "so", "which means"...).
    explained_similarity: float = 0.34
    explained_min_words: int = 9
    #: Credit for a concept that is named but never explained (buzzword).
    named_only_credit: float = 0.5
    #: rapidfuzz ratio for "heard as" matches of multi-word aliases.
    fuzzy_ratio: float = 88.0
    #: Whisper word probability under which a near-miss is blamed on the recogniser.
    low_probability: float = 0.6
    #: Red-flag statements: cosine at which a sentence states the misconception (fitted; the
    #: margin and standout tests below are what keep correct answers clear of it: no model
    #: answer in the bank is flagged, tests/test_bank_content.py).
    red_flag_similarity: float = 0.62
    #: ... and at least this much closer to the misconception than to any correct sentence.
    red_flag_margin: float = 0.0
    #: ... and stand out from the entry's other misconceptions by this much (a sentence that
    #: is equally close to all of them is generic talk about the topic, not a claim).
    red_flag_standout: float = 0.08
    #: Answer-to-model-answer cosine under which the answer is about something else.
    relevance_floor: float = 0.4
    #: ... or under this one with no sentence restating any sentence of the model answer.
    relevance_unrestated: float = 0.55
    core_share: float = 0.85
    bonus_share: float = 0.30
    #: Share of the content score taken from how close the whole answer is to the model
    #: answer (a paraphrase that avoids every term is still about the right thing), scaled
    #: between `relevance_floor` and `relevance_full`.
    relevance_share: float = 0.3
    relevance_full: float = 0.85
    #: Share of the content score from model-answer recall: the fraction of the model
    #: answer's sentences that some window of the answer restates (cosine >= recall_similarity).
    recall_share: float = 0.5
    recall_similarity: float = 0.50
    # --- delivery ---------------------------------------------------------------------------
    #: Fillers per minute listeners hardly notice / that clearly harm (FACTS.md).
    fillers_ok_per_min: float = 5.0
    fillers_bad_per_min: float = 12.0
    #: Silent pauses (s): mid-sentence pauses over `hesitation_pause_s` read as uncertainty;
    #: any pause over `long_pause_s` is long.
    min_pause_s: float = 0.5
    hesitation_pause_s: float = 1.2
    long_pause_s: float = 2.5
    # --- time and pace ----------------------------------------------------------------------
    comfortable_wpm: tuple[float, float] = (120.0, 160.0)
    rushed_wpm: float = 180.0
    dragging_wpm: float = 110.0
    rolling_window_s: float = 20.0
    #: Duration / target inside this band is on time.
    on_time_band: tuple[float, float] = (0.45, 1.15)
    # --- overall (coach/score/rubric.py) ---------------------------------------------------
    #: Fitted weights of the rubric's terms (bench/fit.py, 2026-11-23, on the calibration and
    #: first held-out answers; ridge, each weight held to its term's direction). Magnitudes:
    #: the direction of each term is in rubric.TERMS.
    rubric_model_recall: float = 0.521
    rubric_concept_similarity: float = 0.719
    rubric_core: float = 0.581
    rubric_relevance: float = 0.694
    rubric_precision: float = 0.086
    rubric_tradeoff_or_limit: float = 0.082
    rubric_flag_excess: float = 2.596
    rubric_cue_flags: float = 0.563
    rubric_semantic_flags: float = 0.180
    rubric_gated: float = 0.169
    rubric_list_like: float = 0.808
    rubric_absolutes: float = 0.116
    #: Slack in `flag_excess`: an answer counts against it once its mean closeness to the
    #: misconceptions comes within this much of its closeness to the model answer.
    flag_excess_margin: float = 0.1
    #: What `flag_excess` counts as for an entry that lists no misconception (its mean over
    #: the fitted answers), so such an entry is neither helped nor hurt by it.
    flag_excess_neutral: float = 0.13
    #: Sweeping words per 100 words beyond which the `absolutes` term stops growing.
    absolutes_cap: float = 2.0
    #: Rubric levels (weighted sum of the terms) at the Lean and Strong boundaries (fitted for
    #: verdict agreement); they map to `lean_at` and `strong_at` on the 0-100 scale.
    rubric_lean_level: float = 1.10
    rubric_strong_level: float = 1.43
    #: Points the delivery, timing and structure scores take off at 0 (none at 1): fillers,
    #: running long and a shapeless answer cost something, but the labels say what an answer
    #: says decides the verdict (a strong answer full of fillers is still strong).
    points_delivery: float = 3.0
    points_timing: float = 5.0
    points_structure: float = 5.0
    strong_at: float = 70.0
    lean_at: float = 50.0

    def __post_init__(self) -> None:
        bad = []
        for f in fields(self):
            v = getattr(self, f.name)
            values = v if isinstance(v, tuple) else (v,)
            if any(not isinstance(x, (int, float)) or (x < 0 and f.name not in _SIGNED)
                   for x in values):
                bad.append(f"{f.name} must be a non-negative number")
        if not self.semantic_low < self.semantic_high:
            bad.append("semantic_low must be below semantic_high")
        if not self.lean_at < self.strong_at <= 100:
            bad.append("lean_at < strong_at <= 100 is required")
        if not self.rubric_lean_level < self.rubric_strong_level:
            bad.append("rubric_lean_level must be below rubric_strong_level")
        if bad:
            raise CoachError("invalid scoring options: " + "; ".join(bad))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
