"""The shipped bank: it checks clean, covers every seed question, copies no seed text, and every
entry has a sane shape for its mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.bank.load import Bank, load_bank
from coach.bank.model import Mode, Question
from coach.paths import shipped_bank_dir
from tests.seedcheck import copied, seed_runs, seeds_dir


def refs(prefix: str, first: int, last: int) -> list[str]:
    return [f"{prefix}{n}" for n in range(first, last + 1)]


#: Every question in the five seed documents, as ``file:ref`` (see bank/README.md).
SEED_QUESTIONS = (
    [f"000:{r}" for r in refs("N", 1, 7)]
    + [f"001:{r}" for r in [*refs("Q", 1, 30), "Q1F", *refs("RF", 1, 5)]]
    + [f"002:{r}" for r in [*refs("Q", 1, 45), *refs("QF", 1, 20)]]
    + [f"003:{r}" for r in refs("Q", 1, 52)]
    + [f"004:{r}" for r in [*refs("S", 1, 5), *refs("X", 1, 8)]]
)
#: Model-answer length in words that fits each mode's speaking time.
WORD_BANDS = {Mode.QUICKFIRE: (40, 130), Mode.SCREENING: (150, 400), Mode.DEEP: (300, 900)}
TARGET_BANDS = {Mode.QUICKFIRE: (15, 60), Mode.SCREENING: (60, 240), Mode.DEEP: (180, 900)}


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank([shipped_bank_dir()])


@pytest.fixture(scope="module")
def runs() -> set[tuple[str, ...]]:
    folder = seeds_dir()
    if folder is None:
        pytest.skip("seed documents not found (expected ../shared/seeds or $COACH_SEEDS)")
    return seed_runs([p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))])


def text_fields(q: Question) -> list[tuple[str, str]]:
    """Every piece of prose in an entry, named by its field."""
    fields = [("question", q.question), ("model_answer", q.model_answer),
              ("weak_answer", q.weak_answer), ("rubric.strong", q.rubric.strong),
              ("rubric.lean", q.rubric.lean), ("rubric.no_hire", q.rubric.no_hire)]
    fields += [(f"follow_ups[{i}]", f) for i, f in enumerate(q.follow_ups)]
    for i, c in enumerate(q.concepts):
        fields += [(f"concepts[{i}].label", c.label), (f"concepts[{i}].description",
                                                       c.description)]
        fields += [(f"concepts[{i}].aliases", a) for a in c.aliases]
        fields += [(f"concepts[{i}].mishearings", m) for m in c.mishearings]
    for i, r in enumerate(q.red_flags):
        fields += [(f"red_flags[{i}].label", r.label), (f"red_flags[{i}].statement",
                                                        r.statement)]
        fields += [(f"red_flags[{i}].cues", cue) for cue in r.cues]
    return fields


def test_the_shipped_bank_checks_clean(bank: Bank) -> None:
    assert [str(p) for p in bank.problems] == []
    assert len(bank.questions) >= 150
    assert all(Path(f).parent == shipped_bank_dir() for f in bank.files)


def test_every_seed_question_maps_to_an_entry(bank: Bank) -> None:
    assert len(SEED_QUESTIONS) == len(set(SEED_QUESTIONS)) == 173
    covered = {s for q in bank.questions for s in q.sources}
    missing = [ref for ref in SEED_QUESTIONS if ref not in covered]
    assert missing == []


def test_sources_name_only_real_seed_questions(bank: Bank) -> None:
    known = set(SEED_QUESTIONS)
    unknown = [(q.id, s) for q in bank.questions for s in q.sources if s not in known]
    assert unknown == []


def test_no_eight_word_run_of_any_seed_appears_in_the_bank(
        bank: Bank, runs: set[tuple[str, ...]]) -> None:
    hits = [f"{q.file}:{q.line} {q.id} {name}: {run!r}"
            for q in bank.questions for name, text in text_fields(q)
            for run in copied(text, runs)]
    assert hits == []


def test_the_seed_check_would_catch_a_copy(runs: set[tuple[str, ...]]) -> None:
    # Guards the test above against passing vacuously (e.g. a tokeniser that finds nothing).
    folder = seeds_dir()
    assert folder is not None
    sentence = next(folder.glob("000_*.txt")).read_text(encoding="utf-8").splitlines()[3]
    assert copied(f"As I said, {sentence}", runs)


def test_every_entry_has_a_sane_shape_for_its_mode(bank: Bank) -> None:
    bad = []
    for q in bank.questions:
        words = len(q.model_answer.split())
        low, high = WORD_BANDS[q.mode]
        if not low <= words <= high:
            bad.append(f"{q.id}: {q.mode.value} answer has {words} words ({low}-{high})")
        low, high = TARGET_BANDS[q.mode]
        if not low <= q.target_s <= high:
            bad.append(f"{q.id}: target_s {q.target_s} for {q.mode.value}")
        if not 4 <= len(q.concepts) <= 10 or not q.core_concepts:
            bad.append(f"{q.id}: {len(q.concepts)} concepts, {len(q.core_concepts)} core")
        if len({c.label.lower() for c in q.concepts}) != len(q.concepts):
            bad.append(f"{q.id}: repeated concept label")
        if not q.question.strip().endswith(("?", ".")):
            bad.append(f"{q.id}: question does not read as a sentence")
    assert bad == []


def test_ids_are_unique_across_the_bank(bank: Bank) -> None:
    ids = [q.id for q in bank.questions]
    assert len(ids) == len(set(ids))


def test_every_seed_000_narrative_has_a_weak_answer(bank: Bank) -> None:
    narratives = [q for q in bank.questions if any(s.startswith("000:") for s in q.sources)]
    assert len(narratives) == 7
    assert [q.id for q in narratives if not q.weak_answer.strip()] == []


def test_no_misconception_cue_is_said_by_any_correct_model_answer(bank: Bank) -> None:
    """A cue must name the wrong claim only: if a correct model answer (of any entry) says it,
    correct answers get flagged as misconceptions."""
    from coach.score.coverage import states_cue
    from coach.score.text import from_text, sentences

    correct = [(q.id, s.text) for q in bank.questions
               for s in sentences(from_text(q.model_answer).words)]
    generic = sorted({f"{q.id}: {cue!r} is said in the model answer of {qid}"
                      for q in bank.questions for flag in q.red_flags for cue in flag.cues
                      for qid, text in correct if states_cue(text, cue)})
    assert generic == []


def test_no_model_answer_states_one_of_its_own_misconceptions(bank: Bank) -> None:
    """Cue or semantic: the real scorer, with the real embedder, on every entry's own answer."""
    from coach.embed import SentenceEmbedder
    from coach.score.coverage import score_coverage
    from coach.score.text import from_text, sentences

    embedder = SentenceEmbedder()
    flagged = []
    for q in bank.questions:
        t = from_text(q.model_answer)
        cov = score_coverage(t, q, tuple(sentences(t.words)), embedder)
        flagged += [f"{q.id}: {f.label} ({f.how}) on {f.evidence!r}" for f in cov.red_flags]
    assert flagged == []


def test_no_misconception_cue_contains_a_negation(bank: Bank) -> None:
    """The scorer skips negated cues (so "not X" never flags X): such a cue can never fire."""
    from coach.score.coverage import _negated
    from coach.score.text import norm_tokens

    dead = [f"{q.id}: {cue!r}" for q in bank.questions for f in q.red_flags for cue in f.cues
            if _negated(norm_tokens(cue))]
    assert dead == []


def test_every_concept_has_plain_words_prototypes(bank: Bank) -> None:
    missing = [f"{q.id}: {c.label}" for q in bank.questions for c in q.concepts if not c.plain]
    assert missing == []
