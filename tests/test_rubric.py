"""The rubric that turns the scorers' evidence into one score: directions, scale, gates."""

from __future__ import annotations

import dataclasses

import pytest

from coach.score.delivery import score_delivery
from coach.score.engine import score_answer
from coach.score.options import ScoreOptions
from coach.score.rubric import TERMS, level_to_score, rubric_terms
from coach.score.text import from_text
from coach.score.verdict import Verdict, gates_for
from tests.fakes import BagOfWordsEmbedder
from tests.test_score_units import QUESTION

EMB = BagOfWordsEmbedder()
OPTS = ScoreOptions()


def _values(**kw: float) -> dict[str, float]:
    base = {name: 0.0 for name, _, _ in TERMS}
    base.update(kw)
    return base


def test_every_term_has_a_fitted_non_negative_weight_and_pushes_its_own_way() -> None:
    for name, direction, doc in TERMS:
        assert getattr(OPTS, f"rubric_{name}") >= 0 and direction in (1, -1) and doc
        lo = sum(t.contribution for t in rubric_terms(_values(**{name: 0.2}), OPTS))
        hi = sum(t.contribution for t in rubric_terms(_values(**{name: 0.8}), OPTS))
        assert (hi >= lo) if direction > 0 else (hi <= lo), name
    # The two terms the fit leans on most are not zero: they carry the ranking.
    assert OPTS.rubric_model_recall > 0 and OPTS.rubric_flag_excess > 0


def test_level_maps_through_the_fitted_boundaries_to_lean_and_strong() -> None:
    assert level_to_score(OPTS.rubric_lean_level, OPTS) == pytest.approx(OPTS.lean_at)
    assert level_to_score(OPTS.rubric_strong_level, OPTS) == pytest.approx(OPTS.strong_at)
    levels = [-3.0, -1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0]
    scores = [level_to_score(v, OPTS) for v in levels]
    assert scores == sorted(scores) and len(set(scores)) == len(scores)
    assert all(0.0 < s < 100.0 for s in scores)


def test_sweeping_words_are_found_with_their_times() -> None:
    t = from_text("It always works. Caching eliminates the cost, perfectly, at all lengths. "
                  "It is often faster.")
    d = score_delivery(t, OPTS)
    assert [a.text for a in d.absolutes] == ["always", "eliminates", "perfectly", "at all"]
    assert d.absolutes[0].start < d.absolutes[1].start
    assert d.absolutes_per_100_words == pytest.approx(100 * 4 / d.words)


def test_a_misconception_in_so_many_words_holds_the_score_below_lean() -> None:
    r = score_answer(from_text("The KV cache stores the queries of past tokens, so it trades "
                               "memory for compute."), QUESTION, EMB)
    assert r.verdict is Verdict.NO_HIRE and r.overall < OPTS.lean_at
    assert "states a misconception" in [g.reason for g in r.gates if g.holds_back]
    assert "states a misconception" in r.to_dict()["held_back"]


def test_a_misconception_only_by_likeness_weighs_in_but_does_not_cap() -> None:
    r = score_answer(from_text("The KV cache stores keys and values of earlier tokens, so it "
                               "trades memory for compute."), QUESTION, EMB)
    semantic = dataclasses.replace(r.coverage, red_flags=tuple(
        dataclasses.replace(f, how="semantic") for f in r.coverage.red_flags) or (
        _fake_flag(),))
    gates = gates_for(semantic, r.structure, OPTS)
    sounds = [g for g in gates if g.reason == "sounds like a misconception"]
    assert sounds and not sounds[0].holds_back
    assert not any(g.reason == "states a misconception" for g in gates)


def _fake_flag():  # type: ignore[no-untyped-def]
    from coach.score.coverage import RedFlagHit

    return RedFlagHit("cache stores queries", "The KV cache stores the queries of past tokens.",
                      "It keeps what it needs.", 0.0, "semantic", 0.7)


def test_json_carries_each_rubric_term_with_its_contribution() -> None:
    r = score_answer(from_text("The KV cache stores keys and values. It costs memory."),
                     QUESTION, EMB)
    terms = r.to_dict()["rubric"]
    assert [t["term"] for t in terms] == [name for name, _, _ in TERMS]
    for t in terms:
        assert t["contribution"] == pytest.approx(t["weight"] * t["value"], abs=1e-3)
