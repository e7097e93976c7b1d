"""Pure scorers, table-driven, on hand-made transcripts (fake embedder where one is needed)."""

from __future__ import annotations

import pytest

from coach.bank.model import Archetype, Concept, Difficulty, Mode, Question, RedFlag, Weight
from coach.score.coverage import score_coverage, states_cue, stem
from coach.score.delivery import score_delivery
from coach.score.engine import score_answer
from coach.score.options import ScoreOptions
from coach.score.structure import score_structure
from coach.score.text import from_text, sentences, squash_letters
from coach.score.timing import score_timing
from coach.score.verdict import Verdict
from coach.transcript import Span, Transcript, Word
from tests.fakes import BagOfWordsEmbedder

EMB = BagOfWordsEmbedder()

QUESTION = Question(
    id="kv-test", topic="inference-serving", question="What is the KV cache?",
    mode=Mode.SCREENING, archetype=Archetype.EXPLAIN, difficulty=Difficulty.MEDIUM,
    model_answer="The KV cache stores keys and values. It trades memory for compute.",
    sources=("user",),
    concepts=(
        Concept("KV cache", "The cache stores the keys and values of earlier tokens.",
                ("kv cache", "key value cache"), ("kv cash", "cave cache"), Weight.CORE),
        Concept("memory cost", "The cache grows with sequence length and batch size.",
                ("memory cost", "grows with sequence length"), (), Weight.CORE),
        Concept("paged attention", "Paged attention stores the cache in fixed-size blocks.",
                ("paged attention", "pagedattention"), ("page detention",), Weight.BONUS),
        Concept("grouped query attention", "GQA shares key and value heads across queries.",
                ("grouped query attention", "gqa"), ("g q a",), Weight.BONUS),
    ),
    red_flags=(RedFlag("cache stores queries", "The KV cache stores the queries of past tokens.",
                       ("stores the queries",)),),
)


def timed(text: str, step: float = 0.4, prob: float = 0.95) -> Transcript:
    words = tuple(Word((" " if i else "") + w, i * step, i * step + step * 0.8, prob)
                  for i, w in enumerate(text.split()))
    end = words[-1].end if words else 0.0
    return Transcript(text=text, words=words, duration_s=end + 1,
                      speech=(Span(0.0, end),) if words else ())


def coverage(text: str, **kw):
    t = timed(text, **kw)
    return score_coverage(t, QUESTION, sentences(t.words), EMB)


@pytest.mark.parametrize(
    ("text", "label", "how", "heard"),
    [
        ("The KV cache keeps old keys so we never recompute them.", "KV cache", "alias", ""),
        ("The K V cache keeps old keys so we never recompute them.", "KV cache", "alias", ""),
        ("The KV-caches keep old keys so we never recompute them.", "KV cache", "alias", ""),
        ("The kv cash keeps old keys so we never recompute them.", "KV cache", "misheard",
         "kv cash"),
        ("We use page detention so the cache is stored in blocks.", "paged attention",
         "misheard", "page detention"),
        ("We use grouped query attentions so fewer heads are stored.",
         "grouped query attention", "alias", ""),
        ("We use grouped quarry attention so fewer heads are stored.",
         "grouped query attention", "misheard", "grouped quarry attention"),
    ],
)
def test_lexical_matching_table(text: str, label: str, how: str, heard: str) -> None:
    hit = next(h for h in coverage(text).concepts if h.label == label)
    assert hit.covered and hit.how == how and hit.heard_as == heard
    # evidence is the sentence; start is the time of the word where the match begins
    first = (heard or label).split()[0].lower()[:4]
    index = next(i for i, w in enumerate(text.lower().split())
                 if w.startswith(first) or (first == "kv" and w == "k"))
    assert hit.evidence == text and hit.start == pytest.approx(index * 0.4)


def test_naming_without_explaining_earns_partial_credit() -> None:
    listed = next(h for h in coverage("KV cache, GQA, paged attention.").concepts
                  if h.label == "KV cache")
    explained = next(h for h in coverage(
        "The KV cache stores keys and values of earlier tokens so that decoding never "
        "recomputes them.").concepts if h.label == "KV cache")
    assert listed.covered and not listed.explained
    assert listed.credit == ScoreOptions().named_only_credit
    assert explained.explained and explained.credit == 1.0


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Basically the cache stores the queries of every token so attention is fast.", True),
        ("The cache never stores the queries, only keys and values.", False),
        ("It is a myth that it stores the queries.", False),
        ("The cache holds keys and values per layer.", False),
        # a negation reaches back only within its clause
        ("It can't be slow; the cache stores the queries of every token.", True),
        ("Not for speed, but because it stores the queries of every token.", True),
        ("It doesn't store the queries of every token.", False),
    ],
)
def test_red_flag_cues_respect_negation(text: str, flagged: bool) -> None:
    assert bool(coverage(text).red_flags) is flagged


@pytest.mark.parametrize(
    ("sentence", "cue", "said"),
    [
        # inflections and up to CUE_GAP words between the cue's words
        ("Accumulation makes training run noticeably faster.", "makes training faster", True),
        ("The query heads all share one key.", "query head shares one key", True),
        ("Several query heads are trained to share a key.", "query head train share", True),
        ("It makes training much, much faster.", "makes training faster", False),  # clause
        ("It makes training a lot faster.", "makes training faster", True),
        ("It makes training not faster.", "makes training faster", False),  # negation between
        ("It makes the whole big training run faster.", "makes training faster", False),  # gap 3
        # a cue of one or two words is said exactly
        ("The results are the same as before.", "same thing", False),
        ("It is the same thing.", "same thing", True),
        ("It is the same old thing.", "same thing", False),
    ],
)
def test_long_cues_match_inflections_and_small_gaps(sentence: str, cue: str,
                                                    said: bool) -> None:
    assert states_cue(sentence, cue) is said


def test_stems_join_inflections() -> None:
    assert {stem(w) for w in ("train", "trains", "trained", "training")} == {"train"}
    assert {stem(w) for w in ("bias", "biases")} == {"bias"}
    assert stem("queries") == stem("query")


def test_squashing_keeps_words() -> None:
    assert squash_letters(["a", "k", "v", "cache"]) == ["a", "kv", "cache"]
    assert squash_letters(["root", "d", "k"]) == ["root", "dk"]
    assert squash_letters(["i", "think"]) == ["i", "think"]


def test_delivery_counts_and_classifies_pauses() -> None:
    words = (Word(" The", 0.0, 0.3), Word(" cache,", 0.3, 0.6), Word(" um,", 0.7, 0.9),
             Word(" grows.", 1.0, 1.3), Word(" It", 3.0, 3.2), Word(" the", 3.2, 3.4),
             Word(" the", 3.4, 3.6), Word(" uses", 5.2, 5.5), Word(" memory.", 5.5, 6.0),
             Word(" I", 6.1, 6.2), Word(" think", 6.2, 6.4), Word(" so.", 6.4, 6.6))
    speech = (Span(0.0, 1.35), Span(2.9, 3.65), Span(5.1, 6.7))
    t = Transcript(text="", words=words, duration_s=7.0, speech=speech)
    d = score_delivery(t)
    assert [f.text for f in d.fillers] == ["um"]
    assert [r.text for r in d.repetitions] == ["the the"]
    assert [h.text for h in d.hedges] == ["i think"]
    kinds = [(p.kind, p.flagged) for p in d.pauses]
    assert kinds == [("sentence_break", False), ("mid_sentence", True)]
    assert d.hesitation_pauses == 1


@pytest.mark.parametrize(
    ("seconds", "target", "verdict"),
    [(20, 120, "short"), (100, 120, "on_time"), (150, 120, "over"), (25, 30, "on_time")],
)
def test_timing_against_target(seconds: float, target: int, verdict: str) -> None:
    n = int(seconds * 140 / 60)
    t = timed(" ".join(["word"] * n), step=seconds / n)
    r = score_timing(t, target)
    assert r.verdict == verdict
    assert 120 <= r.wpm <= 160 and r.pace == "comfortable"


def test_rolling_pace_finds_a_rushed_stretch() -> None:
    slow = [Word(" w", i * 0.45, i * 0.45 + 0.3) for i in range(100)]  # ~133 wpm
    fast = [Word(" w", 45 + i * 0.25, 45 + i * 0.25 + 0.2) for i in range(100)]  # 240 wpm
    t = Transcript(text="", words=tuple(slow + fast), duration_s=71.0)
    r = score_timing(t, 120)
    assert r.rushed_stretches and r.rushed_stretches[0][0] >= 30
    assert r.wpm_max > 180 > r.wpm_min


def test_typed_answers_are_marked_estimated() -> None:
    r = score_timing(from_text(" ".join(["word"] * 140)), 30)
    assert r.estimated and r.wpm == pytest.approx(140, abs=1.5)


@pytest.mark.parametrize(
    ("archetype", "text", "expected_moves"),
    [
        (Archetype.EXPLAIN, "The problem is recomputation. It works by storing keys. The "
         "trade-off is memory. The limitation is that prefill still costs compute.",
         ["problem", "mechanism", "tradeoff", "limitation"]),
        (Archetype.DEBUG, "First I would check the data and the labels. Then the loss and "
         "gradients. Then the offline eval metric. Finally distribution shift in production.",
         ["data", "model", "evaluation", "shift"]),
        (Archetype.TRADEOFF, "The axes are cost versus quality. What the business cares about "
         "is latency. So I'd start with the smaller model.", ["axes", "business",
                                                              "recommendation"]),
    ],
)
def test_structure_labels_moves_in_order(archetype: Archetype, text: str,
                                         expected_moves: list[str]) -> None:
    t = timed(text)
    sents = sentences(t.words)
    cov = score_coverage(t, QUESTION, sents, EMB)
    st = score_structure(sents, archetype, cov)
    found = [m.move for m in st.moves if m.move in expected_moves]
    assert found == expected_moves and st.order_ok and not st.missing


def test_empty_transcript_is_no_hire_with_zero_scores() -> None:
    r = score_answer(Transcript(text="", words=(), duration_s=3.0), QUESTION, EMB)
    assert r.verdict is Verdict.NO_HIRE and r.overall == 0.0
    assert r.coverage.score == 0.0 and r.timing.duration_s == 0.0


def test_options_report_every_bad_value_at_once() -> None:
    from coach.errors import CoachError

    with pytest.raises(CoachError) as err:
        ScoreOptions(semantic_low=0.9, semantic_high=0.5, rubric_lean_level=1.5,
                     rubric_strong_level=1.0, rubric_core=-0.1)
    msg = str(err.value)
    assert "semantic_low must be below semantic_high" in msg
    assert "rubric_lean_level must be below rubric_strong_level" in msg
    assert "rubric_core must be a non-negative number" in msg
