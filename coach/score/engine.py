"""`score_answer`: run every scorer over one transcript and question; the `Report` they make.

Pure apart from the embedder handed in (no I/O, no model loading, no clock), so a report can
be recomputed from a stored transcript and explained later from the options it records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coach.bank.model import Question
from coach.embed import Embedder
from coach.score.coverage import CoverageResult, score_coverage
from coach.score.delivery import DeliveryResult, score_delivery
from coach.score.options import ScoreOptions
from coach.score.rubric import Term
from coach.score.structure import StructureResult, score_structure
from coach.score.text import Sentence, sentences
from coach.score.timing import TimingResult, score_timing
from coach.score.verdict import Gate, Verdict, overall_score, tips_for, verdict_for
from coach.transcript import Transcript

SCHEMA = 1


@dataclass(frozen=True)
class Report:
    question_id: str
    verdict: Verdict
    overall: float
    coverage: CoverageResult
    structure: StructureResult
    delivery: DeliveryResult
    timing: TimingResult
    gates: tuple[Gate, ...]
    tips: tuple[str, ...]
    sentences: tuple[Sentence, ...]
    transcript: Transcript
    options: ScoreOptions
    embedder_version: str
    rubric: tuple[Term, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON contract (README: "Score JSON")."""
        c, s, d, t = self.coverage, self.structure, self.delivery, self.timing
        return {
            "schema": SCHEMA,
            "question_id": self.question_id,
            "verdict": self.verdict.value,
            "overall": self.overall,
            "gates": [g.reason for g in self.gates],
            "held_back": [g.reason for g in self.gates if g.holds_back],
            "rubric": [{"term": t.name, "value": t.value, "weight": round(t.weight, 4),
                        "contribution": t.contribution} for t in self.rubric],
            "coverage": {
                "score": round(c.score, 4),
                "core_score": round(c.core_score, 4),
                "relevance": round(c.relevance, 4),
                "covered": [{"concept": h.label, "core": h.core, "how": h.how,
                             "evidence": h.evidence, "matched": h.matched,
                             "heard_as": h.heard_as or None, "start": h.start,
                             "explained": h.explained, "credit": round(h.credit, 3)}
                            for h in c.covered],
                "missed": [h.label for h in c.missed],
                "red_flags": [{"label": r.label, "evidence": r.evidence, "start": r.start,
                               "how": r.how} for r in c.red_flags],
            },
            "structure": {
                "score": s.score,
                "archetype": s.archetype,
                "moves": [{"move": m.move, "start": m.start} for m in s.moves],
                "missing": list(s.missing),
                "order_ok": s.order_ok,
                "direct_first": s.direct_first,
                "ends_on_conclusion": s.ends_on_conclusion,
                "list_like": s.list_like,
            },
            "delivery": {
                "score": d.score,
                "fillers": {"count": len(d.fillers), "per_minute": d.filler_per_minute,
                            "share": d.filler_share,
                            "items": [{"text": f.text, "start": f.start} for f in d.fillers]},
                "repetitions": [{"text": r.text, "start": r.start} for r in d.repetitions],
                "hedges": [{"text": h.text, "start": h.start} for h in d.hedges],
                "absolutes": [{"text": a.text, "start": a.start} for a in d.absolutes],
                "pauses": [{"start": p.start, "seconds": p.seconds, "kind": p.kind,
                            "flagged": p.flagged} for p in d.pauses],
            },
            "timing": {
                "duration_s": t.duration_s, "target_s": t.target_s, "ratio": t.ratio,
                "verdict": t.verdict, "wpm": t.wpm, "wpm_min": t.wpm_min, "wpm_max": t.wpm_max,
                "pace": t.pace, "first_word_s": t.first_word_s,
                "first_core_concept_s": t.first_core_concept_s, "baseline_wpm": t.baseline_wpm,
                "estimated": t.estimated, "score": t.score,
            },
            "tips": list(self.tips),
            "transcript": {"text": self.transcript.text,
                           "words": self.transcript.to_dict()["words"],
                           "timed": self.transcript.timed, "model": self.transcript.model},
            "options": self.options.to_dict(),
            "embedder": self.embedder_version,
        }


def score_answer(transcript: Transcript, question: Question, embedder: Embedder,
                 options: ScoreOptions | None = None,
                 baseline_wpm: float | None = None) -> Report:
    o = options or ScoreOptions()
    sents = tuple(sentences(transcript.words))
    cov = score_coverage(transcript, question, sents, embedder, o)
    st = score_structure(sents, question.archetype, cov)
    de = score_delivery(transcript, o)
    core_starts = [h.start for h in cov.concepts if h.core and h.covered and h.start is not None]
    ti = score_timing(transcript, question.target_s, min(core_starts, default=None), o,
                      baseline_wpm)
    overall, gates, terms = overall_score(cov, st, de, ti, o)
    verdict = verdict_for(overall, o)
    tips = tips_for(question, cov, st, de, ti, gates, o)
    return Report(question.id, verdict, overall, cov, st, de, ti, gates, tips, sents,
                  transcript, o, getattr(embedder, "version", "unknown"), terms)
