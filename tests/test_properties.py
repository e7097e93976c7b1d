"""Properties of the scorers over transcripts nobody would write by hand (issue 8).

Whatever the transcript (empty, one word, 20,000 words, any Unicode, word times out of order
or overlapping, speech spans anywhere), `score_answer` never raises, every score stays in its
range, the report is valid JSON (no NaN or infinity), and every piece of evidence (a covered
concept's sentence, a red flag, a filler, a hedge, a repetition, a pause, a move) is taken from
the transcript: its text is in the transcript and its time is a word's time.

The fake bag-of-words embedder keeps these fast; one smoke property runs the real one.
Hypothesis is derandomized (a fixed seed), so a failure reproduces on every run.
"""

from __future__ import annotations

import json
import math
import time
from functools import cache

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.bank.load import load_bank
from coach.bank.model import Question
from coach.score.delivery import score_delivery
from coach.score.engine import Report, score_answer
from coach.score.fillers import find_fillers
from coach.score.text import from_text, sentences
from coach.score.timing import score_timing
from coach.transcript import Span, Transcript, Word
from tests.fakes import BagOfWordsEmbedder

FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

# --- strategies ----------------------------------------------------------------------------

#: Words that make the scorers do something: fillers, hedges, cue phrases, bank terms.
VOCAB = ["um", "uh", "like", "you", "know", "I", "mean", "so", "basically", "kind", "of", "the",
         "KV", "cache", "keys", "values", "memory", "because", "trade-off", "however",
         "attention", "softmax", "K", "V", "GQA", "paged", "bandwidth", "maybe", "think",
         "overall", "that's", "why", "not", "compu-", "the", "the"]
PUNCT = ["", "", "", ",", ".", "?", "!", ";", ":", "...", " -", "—"]

#: Word and span times: any order, overlapping, and a little before the recording began.
times = st.floats(min_value=-5.0, max_value=900.0, allow_nan=False, allow_infinity=False)


def word_texts(vocab: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda w, p, space: (" " if space else "") + w + p,
                  st.sampled_from(vocab), st.sampled_from(PUNCT), st.booleans()),
        st.text(max_size=12),  # any Unicode: emoji, RTL, combining marks, control characters
        st.sampled_from(["", " ", "  ", "\n", "é", " 多头注意力", " Ключ", " 🙂", " ا"]),
    )


words = st.lists(st.builds(Word, word_texts(VOCAB), times, times,
                           st.floats(min_value=0.0, max_value=1.0)), max_size=60)
spans = st.lists(st.builds(Span, times, times), max_size=8)


def _phrases(q: Question) -> list[str]:
    """Words of the entry itself (aliases, mishearings, red-flag cues, the model answer), so
    that concepts get covered and misconceptions stated, not only missed."""
    phrases = [*(a for c in q.concepts for a in (c.label, *c.aliases, *c.mishearings)),
               *(cue for f in q.red_flags for cue in f.cues)]
    # Whole phrases as one "word" too, or a red-flag cue would almost never come up in order.
    return [*phrases, *(w for part in [*phrases, q.model_answer] for w in part.split())]


@st.composite
def transcripts(draw: st.DrawFn, q: Question | None = None) -> Transcript:
    vocab = VOCAB + _phrases(q) if q is not None else VOCAB
    ws = draw(st.lists(st.builds(Word, word_texts(vocab), times, times,
                                 st.floats(min_value=0.0, max_value=1.0)), max_size=80))
    if draw(st.booleans()):  # half the time, times in order like a real transcript
        ordered, t = [], 0.0
        for w in ws:
            start = t + draw(st.floats(min_value=0.0, max_value=3.0))
            ordered.append(Word(w.text, start, start + draw(st.floats(0.0, 1.0)),
                                w.probability))
            t = start
        ws = ordered
    text = "".join(w.text for w in ws).strip()
    return Transcript(text=text, words=tuple(ws), duration_s=draw(times),
                      speech=tuple(draw(spans)), no_speech=not ws and draw(st.booleans()),
                      timed=draw(st.booleans()))


@st.composite
def answers(draw: st.DrawFn) -> tuple[Transcript, Question]:
    """A question, and a transcript made partly of its own words."""
    q = draw(question)
    return draw(transcripts(q)), q


@cache
def questions() -> tuple[Question, ...]:
    bank = load_bank()
    by_archetype = {q.archetype: q for q in bank.questions}  # one of each answer shape
    with_flags = [q for q in bank.questions if q.red_flags][:2]
    return (*by_archetype.values(), *with_flags)


question = st.integers(min_value=0, max_value=50).map(
    lambda i: questions()[i % len(questions())])
EMBEDDER = BagOfWordsEmbedder()

# --- invariants ----------------------------------------------------------------------------


def _unit(x: float) -> bool:
    return 0.0 <= x <= 1.0 and math.isfinite(x)


def check(report: Report, t: Transcript) -> None:
    """Every invariant of a report over transcript ``t``."""
    said = "".join(w.text for w in t.words)
    starts = {w.start for w in t.words}
    ends = {w.end for w in t.words}
    c, s, d, ti = report.coverage, report.structure, report.delivery, report.timing
    assert 0.0 <= report.overall <= 100.0
    for x in (c.score, c.core_score, c.bonus_score, c.model_recall, s.score, d.score, ti.score,
              d.filler_share):
        assert _unit(x), x
    assert -1.0 - 1e-6 <= c.relevance <= 1.0 + 1e-6
    for h in c.concepts:
        assert _unit(h.credit)
        if h.covered:
            assert h.evidence and h.evidence in said, h
            assert h.start is None or h.start in starts, h
    for r in c.red_flags:
        assert r.evidence in said and r.start in starts, r
    for occ in (*d.fillers, *d.hedges, *d.repetitions):
        assert occ.start in starts and occ.end in ends, occ
    for f in d.fillers:
        assert all(part in said for part in f.text.split()), f
    for p in d.pauses:
        assert p.seconds >= 0 and any(a.end == p.start for a in t.speech), p
    for m in s.moves:
        assert m.start in starts, m
    for x in (d.filler_per_minute, ti.wpm, ti.wpm_min, ti.wpm_max, ti.duration_s, ti.ratio):
        assert x >= 0 and math.isfinite(x), x
    assert ti.wpm_min <= ti.wpm_max
    doc = json.dumps(report.to_dict(), allow_nan=False)  # valid JSON: no NaN, no infinity
    assert json.loads(doc)["verdict"] in {"strong", "lean", "no_hire"}
    assert all(isinstance(tip, str) and tip for tip in report.tips)


# --- properties ----------------------------------------------------------------------------


@FAST
@given(answers())
def test_any_transcript_scores_in_range_with_evidence_from_it(
        answer: tuple[Transcript, Question]) -> None:
    t, q = answer
    check(score_answer(t, q, EMBEDDER), t)


@FAST
@given(st.text(max_size=400), question)
def test_any_typed_text_scores_in_range(text: str, q: Question) -> None:
    t = from_text(text)
    check(score_answer(t, q, EMBEDDER), t)


@FAST
@given(words)
def test_fillers_and_sentences_come_from_the_words(ws: list[Word]) -> None:
    for f in find_fillers(ws):
        assert 0 <= f.index < len(ws) and f.start == ws[f.index].start
    for s in sentences(ws):
        assert 0 <= s.first_word <= s.last_word < len(ws)
        assert s.text == "".join(w.text for w in ws[s.first_word: s.last_word + 1]).strip()
    covered = [i for s in sentences(ws) for i in range(s.first_word, s.last_word + 1)]
    assert covered == sorted(set(covered))  # no word in two sentences


@FAST
@given(transcripts(), st.integers(min_value=0, max_value=3600))
def test_delivery_and_timing_alone(t: Transcript, target: int) -> None:
    d = score_delivery(t)
    ti = score_timing(t, target)
    assert _unit(d.score) and _unit(ti.score)
    assert ti.verdict in {"short", "on_time", "over"}


def test_the_edges_by_name() -> None:
    """Empty, one word, one filler, only punctuation, only non-ASCII: in range, and empty
    means zero, not a crash or a divide by zero."""
    q = questions()[0]
    cases = {
        "empty": Transcript("", (), 0.0, no_speech=True),
        "one word": Transcript("cache", (Word("cache", 0.0, 0.4),), 0.4),
        "one filler": Transcript("Um.", (Word("Um.", 0.2, 0.5),), 0.5),
        "punctuation": Transcript("...", (Word("...", 0.0, 0.1), Word(" ?", 0.1, 0.2)), 0.2),
        "not ascii": from_text("多头注意力 把 键 和 值 缓存 起来。 Кэш ключей и значений."),
        "zero length words": Transcript("a b", (Word("a", 5.0, 5.0), Word(" b", 5.0, 5.0)), 5.0),
        "all at once": Transcript("x y z", tuple(Word(f" {c}", 1.0, 1.0) for c in "xyz"), 1.0),
        "backwards": Transcript("c b a", tuple(Word(f" {c}", 9.0 - i, 8.0 - i)
                                               for i, c in enumerate("cba")), 9.0),
    }
    for name, t in cases.items():
        report = score_answer(t, q, EMBEDDER)
        check(report, t)
        if name == "empty":
            assert report.overall == 0.0 and report.verdict.value == "no_hire"


def test_twenty_thousand_words_score_in_seconds() -> None:
    """A 2.5-hour monologue (20,000 words): still in range, and no quadratic blow-up."""
    rng = np.random.default_rng(8)
    picks = rng.choice(len(VOCAB), 20_000)
    stops = rng.random(20_000) < 0.08
    ws, t = [], 0.0
    for i, (k, stop) in enumerate(zip(picks, stops, strict=True)):
        text = (" " if i else "") + VOCAB[k] + ("." if stop else "")
        ws.append(Word(text, t, t + 0.3, 0.9))
        t += 0.45
    transcript = Transcript("".join(w.text for w in ws).strip(), tuple(ws), t,
                            speech=(Span(0.0, t),))
    began = time.perf_counter()
    report = score_answer(transcript, questions()[0], EMBEDDER)
    took = time.perf_counter() - began
    check(report, transcript)
    assert took < 30.0, f"{took:.1f} s"


@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(answers())
def test_with_the_real_embedder(answer: tuple[Transcript, Question]) -> None:
    """The same invariants with all-MiniLM-L6-v2 (a few examples: each embeds for real)."""
    t, q = answer
    check(score_answer(t, q, _real()), t)


@cache
def _real():
    from coach.embed import SentenceEmbedder

    return SentenceEmbedder()
