"""`coach bank import`: every seed document's questions are recovered, the written file checks
clean, concepts are real keyphrases, and bad input ends in one clear line."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.bank.importer import (
    ImportResult,
    import_file,
    infer_archetype,
    infer_mode,
    parse_file,
)
from coach.bank.keyphrases import acronym_pairs
from coach.bank.load import load_bank, load_file, tomllib
from coach.bank.model import Archetype, Mode
from coach.bank.notes import Parsed, parse_document
from coach.bank.toml_writer import question_to_toml, toml_string
from coach.cli import main
from coach.errors import CoachError
from coach.paths import shipped_bank_dir
from tests.conftest import ROOT
from tests.seedcheck import seeds_dir


def refs(prefix: str, first: int, last: int) -> list[str]:
    return [f"{prefix}{n}" for n in range(first, last + 1)]


#: What each seed document contains (bank/README.md names them the same way).
EXPECTED = {
    "000": refs("N", 1, 7),
    "001": [*refs("Q", 1, 30), "Q1F", *refs("RF", 1, 5)],
    "002": [*refs("Q", 1, 45), *refs("QF", 1, 20)],
    "003": refs("Q", 1, 52),
    "004": [*refs("S", 1, 5), *refs("X", 1, 8)],
}
#: The seeds' own question headings, found with a plain regex, as an independent count.
HEADING = {
    "000": re.compile(r'^\d+\. "'),
    "001": re.compile(r"^(Q\d+: |Follow-up: .*\?$)"),
    "002": re.compile(r"^QF?\d+: "),
    "003": re.compile(r"^Q\d+\. "),
}

MARKDOWN = """\
# My ML prep

Intro text with "quotes" and a Q&A note; nothing here is a question.

## Q1: What is the KV cache?

**Model Answer:** During decoding, the keys and values of earlier tokens are stored so each new
token only computes its own key and value. That turns repeated recomputation into a little
work per step, at the cost of memory that grows with sequence length and batch size.

**Follow-ups:**
- How does paged attention manage the cache?
- What does grouped-query attention (GQA) change?

## Q2: Why use LoRA instead of full fine-tuning?

**Answer:**

Low-rank adaptation (LoRA) freezes the base weights and learns a low-rank update for selected
projections. It cuts optimizer memory and lets one base model serve many adapters.

1. Fewer trainable parameters
2. Adapters can be merged into the weights for inference

**Common mistakes:**
- Thinking LoRA changes the base weights.

**Q3** Compare BatchNorm and LayerNorm.

Answer: BatchNorm normalises each feature over the batch; LayerNorm normalises each example
over its own features, so it works for any batch size and for variable-length sequences.

```python
# code is not spoken, and this is not a heading
x = layer_norm(x)
```

### Quick-fire questions

- What is dropout? Randomly zeroing activations during training so that units cannot
  co-adapt; at inference every unit is kept and outputs are scaled to match.
- What is weight decay?
"""


# ---------------------------------------------------------------------------------------------
# The five seed documents, imported once with the real embedder
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ImportResult]:
    from coach.embed import default_embedder

    folder = seeds_dir()
    if folder is None:
        pytest.skip("seed documents not found (expected ../shared/seeds or $COACH_SEEDS)")
    out = tmp_path_factory.mktemp("imported")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COACH_HOME", str(out / "home"))
        shipped = load_bank([shipped_bank_dir()]).questions
        embedder = default_embedder()
        return {f.name[:3]: import_file(f, embedder=embedder, existing=shipped, out=out)
                for f in sorted(folder.glob("*.txt"))}


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_importing_a_seed_recovers_every_question(imported: dict[str, ImportResult],
                                                  seed: str) -> None:
    found = [p.ref for p in imported[seed].parsed]
    assert sorted(found) == sorted(EXPECTED[seed])
    assert len(found) == len(EXPECTED[seed])  # no duplicates either
    assert all(p.question or p.untitled for p in imported[seed].parsed)


@pytest.mark.parametrize("seed", sorted(HEADING))
def test_every_heading_line_in_the_seed_starts_a_question(imported: dict[str, ImportResult],
                                                          seed: str) -> None:
    folder = seeds_dir()
    assert folder is not None
    text = next(folder.glob(f"{seed}_*.txt")).read_text(encoding="utf-8")
    headings = {i for i, line in enumerate(text.splitlines(), 1) if HEADING[seed].match(line)}
    starts = {p.line for p in imported[seed].parsed}
    assert headings and headings <= starts


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_the_written_file_loads_with_no_problems(imported: dict[str, ImportResult],
                                                 seed: str) -> None:
    result = imported[seed]
    questions, problems = load_file(result.path)
    assert [str(p) for p in problems] == []
    assert [q.id for q in questions] == [q.id for q in result.questions]
    assert len(questions) == len(EXPECTED[seed])
    shipped = {q.id for q in load_bank([shipped_bank_dir()]).questions}
    assert not shipped & {q.id for q in questions}
    folder = seeds_dir()
    assert folder is not None
    name = next(folder.glob(f"{seed}_*.txt")).name
    assert [q.sources for q in questions] == [(f"user:{name}:{p.ref}",) for p in result.parsed]


def test_all_imported_files_load_together(imported: dict[str, ImportResult]) -> None:
    bank = load_bank([shipped_bank_dir(), *(r.path for r in imported.values())])
    assert bank.problems == ()
    assert len(bank.questions) == 173 + sum(len(v) for v in EXPECTED.values())


def _plain(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.lower())


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_concepts_are_keyphrases_from_the_answer(imported: dict[str, ImportResult],
                                                 seed: str) -> None:
    for p, q in zip(imported[seed].parsed, imported[seed].questions, strict=True):
        assert 4 <= len(q.concepts) <= 10, q.id
        assert q.core_concepts, q.id
        source = _plain(f"{p.question} {p.answer}")
        for c in q.concepts:
            if not p.answer and c.label.endswith("(edit me)"):
                continue  # a placeholder for a question the document left unanswered
            assert 1 <= len(c.label.split()) <= 4, c.label
            assert _plain(c.label) in source, (q.id, c.label)
            described = c.description.removesuffix(" …")
            assert described in f"{p.question} {p.answer}", (q.id, c.description)
        labels = [_plain(c.label) for c in q.concepts]
        assert len(labels) == len(set(labels)), q.id


def test_seed_001_q1_concepts_name_softmax_or_scaling(imported: dict[str, ImportResult]) -> None:
    q1 = next(q for p, q in zip(imported["001"].parsed, imported["001"].questions, strict=True)
              if p.ref == "Q1")
    labels = " ".join(c.label.lower() for c in q1.concepts)
    assert "softmax" in labels or "scal" in labels, labels
    assert q1.follow_ups[0] == "Why is scaling required?"  # "Level 1:" prefix dropped
    assert len(q1.red_flags) == 3


def test_the_sqrt_follow_up_is_its_own_question(imported: dict[str, ImportResult]) -> None:
    parsed = {p.ref: p for p in imported["001"].parsed}
    sub = parsed["Q1F"]
    assert sub.question == "Why divide by sqrt(d_k)?"
    assert "one-hot softmax" in sub.answer and "sqrt(d_k)" in sub.answer
    assert sub.follow_ups == ("What if scaling is omitted?",
                              "How does mixed precision amplify the problem?")


def test_seed_003_q26_has_no_heading_but_is_recovered(imported: dict[str, ImportResult]) -> None:
    parsed = {p.ref: p for p in imported["003"].parsed}
    q26 = parsed["Q26"]
    assert q26.untitled and not q26.question
    assert q26.answer.startswith("Pure vector (dense) search")
    assert q26.roles == ("AI Eng", "MLE") and q26.difficulty is not None
    assert parsed["Q25"].follow_ups[-1].startswith("How does LLM-as-judge")  # not swallowed
    entry = imported["003"].questions[list(parsed).index("Q26")]
    assert entry.question.startswith("Explain ") and entry.sources[0].endswith(":Q26")


def test_answers_stop_at_the_next_section(imported: dict[str, ImportResult]) -> None:
    parsed = {p.ref: p for p in imported["003"].parsed}
    assert "Study Plan" not in parsed["Q52"].answer
    assert parsed["Q52"].answer.endswith("signals maturity.")
    p001 = {p.ref: p for p in imported["001"].parsed}
    assert "Rapid-Fire" not in p001["Q30"].answer and "Amazon" not in p001["Q30"].answer
    assert p001["Q30"].answer.startswith("Use a clear, constraint-first decision")


def test_narratives_keep_their_weak_answers_and_strengths(
        imported: dict[str, ImportResult]) -> None:
    for q in imported["000"].questions:
        assert q.weak_answer and not q.weak_answer.startswith('"')
        assert q.rubric.strong
        assert not q.model_answer.startswith('"')
    assert imported["000"].questions[0].question == "Why does GQA help?"


def test_scoring_lines_become_rubrics(imported: dict[str, ImportResult]) -> None:
    q1 = imported["002"].questions[0]
    assert q1.rubric.strong.startswith("chain rule + computational graph")
    assert q1.rubric.lean and q1.rubric.no_hire.startswith("confuses backprop")


def test_modes_follow_the_document_sections(imported: dict[str, ImportResult]) -> None:
    modes = {p.ref: q.mode for p, q in zip(imported["002"].parsed, imported["002"].questions,
                                           strict=True)}
    assert {modes[r] for r in refs("QF", 1, 20)} == {Mode.QUICKFIRE}
    assert {modes[r] for r in refs("Q", 16, 32)} == {Mode.DEEP}
    assert modes["Q2"] is Mode.SCREENING
    rapid = [q.mode for p, q in zip(imported["001"].parsed, imported["001"].questions,
                                    strict=True) if p.ref.startswith("RF")]
    assert rapid == [Mode.QUICKFIRE] * 5


def test_cross_topic_bullets_split_question_from_outline(
        imported: dict[str, ImportResult]) -> None:
    parsed = {p.ref: p for p in imported["004"].parsed}
    assert parsed["X1"].question == "Design an LLM-powered Q&A system."
    assert parsed["X1"].answer.startswith("RAG + prompting")
    assert parsed["S1"].question == "Build an LLM-powered customer support agent"
    assert parsed["S1"].answer.startswith("Frame: agent")


# ---------------------------------------------------------------------------------------------
# Markdown input, through the CLI into the user bank
# ---------------------------------------------------------------------------------------------


def test_markdown_headings_and_bold_labels_parse() -> None:
    parsed = {p.ref: p for p in parse_document(MARKDOWN)}
    assert list(parsed) == ["Q1", "Q2", "Q3", "RF1", "RF2"]
    assert parsed["Q1"].question == "What is the KV cache?"
    assert parsed["Q1"].answer.startswith("During decoding") and "**" not in parsed["Q1"].answer
    assert parsed["Q1"].follow_ups == ("How does paged attention manage the cache?",
                                       "What does grouped-query attention (GQA) change?")
    assert parsed["Q2"].answer.endswith("2. Adapters can be merged into the weights for "
                                        "inference.")
    assert parsed["Q2"].red_flags == ("Thinking LoRA changes the base weights.",)
    assert parsed["Q3"].question == "Compare BatchNorm and LayerNorm."
    assert "layer_norm" not in parsed["Q3"].answer  # the fenced code block is dropped
    assert parsed["RF1"].question == "What is dropout?"
    assert parsed["RF1"].answer.startswith("Randomly zeroing")
    assert parsed["RF2"].answer == ""


def test_import_lands_in_the_user_bank_and_loads_beside_the_shipped_one(
        tmp_path: Path, coach_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "my_prep.md"
    notes.write_text(MARKDOWN, encoding="utf-8")
    assert main(["bank", "import", str(notes)]) == 0
    out = capsys.readouterr().out
    written = coach_home / "bank" / "my-prep.toml"
    assert f"imported 5 question(s) from {notes} into {written} (topic my-prep)" in out
    assert "1 had no answer in the file" in out
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(written.parent.stat().st_mode) == 0o700

    assert main(["bank", "list", "--topic", "my-prep", "--json"]) == 0
    listed = __import__("json").loads(capsys.readouterr().out)
    assert [q["question"] for q in listed][:3] == [
        "What is the KV cache?", "Why use LoRA instead of full fine-tuning?",
        "Compare BatchNorm and LayerNorm."]
    assert [q["mode"] for q in listed][3:] == ["quickfire", "quickfire"]
    assert [q["archetype"] for q in listed][1:3] == ["why", "tradeoff"]
    assert main(["bank", "check"]) == 0
    assert capsys.readouterr().out.strip().endswith("0 problem(s)")
    lora = [q for q in load_bank().questions if q.topic == "my-prep"][1]
    assert any("low-rank adaptation" in a.lower() for c in lora.concepts for a in c.aliases)


def test_force_is_needed_to_replace_an_imported_file(
        tmp_path: Path, coach_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text(MARKDOWN, encoding="utf-8")
    assert main(["bank", "import", str(notes)]) == 0
    written = coach_home / "bank" / "notes.toml"
    before = written.read_text(encoding="utf-8")
    ids = [q.id for q in load_file(written)[0]]
    capsys.readouterr()

    notes.write_text(MARKDOWN.replace("What is weight decay?", "What is label smoothing?"))
    assert main(["bank", "import", str(notes)]) == 2
    err = capsys.readouterr().err
    assert err == f"coach: error: {written} already exists (add --force to replace it)\n"
    assert written.read_text(encoding="utf-8") == before

    assert main(["bank", "import", str(notes), "--force"]) == 0
    after = load_file(written)[0]
    assert after[-1].question == "What is label smoothing?"
    # Re-importing over its own file keeps the ids instead of suffixing them "-2".
    assert [q.id for q in after][:4] == ids[:4]
    assert not any(q.id.endswith("-2") for q in after)


def test_out_and_topic_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Q1: What is attention?\nAnswer: A weighted average of values, with "
                     "weights from query-key similarity passed through a softmax.\n")
    target = tmp_path / "out" / "mine.toml"
    assert main(["bank", "import", str(notes), "--out", str(target), "--topic", "basics"]) == 0
    (q,) = load_file(target)[0]
    assert q.topic == "basics" and q.sources == ("user:notes.txt:Q1",)
    assert main(["bank", "import", str(notes), "--topic", "Not A Slug"]) == 2
    assert "must be a slug" in capsys.readouterr().err


def test_ids_are_unique_against_the_loaded_bank(tmp_path: Path) -> None:
    from coach.embed import default_embedder

    notes = tmp_path / "dup.md"
    notes.write_text("Q1: What is the KV cache?\nAnswer: Stored keys and values.\n"
                     "Q2: What is the KV cache?\nAnswer: The same question again.\n")
    first = import_file(notes, embedder=default_embedder(), out=tmp_path / "a.toml")
    ids = [q.id for q in first.questions]
    assert ids == ["kv-cache", "kv-cache-2"]
    second = import_file(notes, embedder=default_embedder(), out=tmp_path / "b.toml",
                         existing=first.questions)
    assert [q.id for q in second.questions] == ["kv-cache-3", "kv-cache-4"]


# ---------------------------------------------------------------------------------------------
# Bad input: one clear line, never a traceback, nothing executed
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"),
    (b"  \n\n\t\n", "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a text file"),
    ("caf\xe9 Q1: what?".encode("latin-1"), "is not UTF-8 text"),
    (b"Just some notes about attention.\nNothing that looks like a question here.\n",
     "no questions found in"),
])
def test_bad_files_give_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       content: bytes, message: str) -> None:
    bad = tmp_path / "notes.md"
    bad.write_bytes(content)
    with pytest.raises(CoachError, match=message) as info:
        parse_file(bad)
    assert "\n" not in str(info.value)
    assert main(["bank", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coach: error: ") and message in err and err.count("\n") == 1


def test_missing_file_and_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bank", "import", str(tmp_path / "nope.md")]) == 2
    assert capsys.readouterr().err.startswith("coach: error: no such file:")
    assert main(["bank", "import", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_nothing_in_the_file_is_executed(tmp_path: Path) -> None:
    from coach.embed import default_embedder

    canary = tmp_path / "PWNED"
    payload = (f"__import__('os').system('touch {canary}') $(touch {canary}) "
               f"`touch {canary}` {{{{ 7*7 }}}} ${{7*7}}")
    notes = tmp_path / "evil.md"
    notes.write_text(f"Q1: What is {payload}?\nAnswer: It is {payload} and more words.\n")
    result = import_file(notes, embedder=default_embedder(), out=tmp_path / "evil.toml")
    assert not canary.exists()
    (q,) = load_file(result.path)[0]
    assert "__import__('os').system" in q.model_answer and "{{ 7*7 }}" in q.model_answer


# ---------------------------------------------------------------------------------------------
# Pieces, table-driven
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Grouped-query attention (GQA) shares keys.", {"GQA": "Grouped-query attention"}),
    ("The ELBO (Evidence Lower Bound) is a bound.", {"ELBO": "Evidence Lower Bound"}),
    ("Low-rank adaptation (LoRA) is cheap.", {"LoRA": "Low-rank adaptation"}),
    ("Rotary Position Embedding (RoPE) rotates.", {"RoPE": "Rotary Position Embedding"}),
    ("We use the model (GPT-4) here.", {}),
    ("Nothing to see (really).", {}),
])
def test_acronym_pairs(text: str, expected: dict[str, str]) -> None:
    assert acronym_pairs(text) == expected


@pytest.mark.parametrize(("question", "archetype"), [
    ("Design a production RAG pipeline from scratch.", Archetype.DESIGN),
    ("Decoder-only vs encoder-decoder choice", Archetype.TRADEOFF),
    ("Compare RoPE, ALiBi, and learned positional embeddings.", Archetype.TRADEOFF),
    ("How would you debug a model that is not learning?", Archetype.DEBUG),
    ("Why does scale work?", Archetype.WHY),
    ("Train a model to do X better", Archetype.TRAIN),
    ("What is perplexity?", Archetype.EXPLAIN),
])
def test_archetype_from_the_question_wording(question: str, archetype: Archetype) -> None:
    assert infer_archetype(question) is archetype


@pytest.mark.parametrize(("parsed", "mode"), [
    (Parsed("QF1", "What is X?", "x " * 30), Mode.QUICKFIRE),
    (Parsed("RF2", "KV cache role in decode speed."), Mode.QUICKFIRE),
    (Parsed("Q1", "What is X?", "x " * 30, section="Bonus Questions - Rapid Fire"),
     Mode.QUICKFIRE),
    (Parsed("Q1", "Walk me through attention.", "x " * 100), Mode.DEEP),
    (Parsed("Q1", "What is X?", "x " * 100, section="Section 2 - Technical Deep Dive"),
     Mode.DEEP),
    (Parsed("Q1", "What is X?", "x " * 500), Mode.DEEP),
    (Parsed("Q1", "What is X?", "x " * 500, section="Section 1 - Screening Questions"),
     Mode.SCREENING),
    (Parsed("Q1", "What is X?", "x " * 120), Mode.SCREENING),
])
def test_mode_from_section_wording_and_length(parsed: Parsed, mode: Mode) -> None:
    assert infer_mode(parsed) is mode


@pytest.mark.parametrize(("line", "question", "answer"), [
    ("QF2: What is a residual connection? - adding the input directly to the output, so "
     "gradients flow through deep networks.", "What is a residual connection?",
     "Adding the input directly to the output, so gradients flow through deep networks."),
    ("Q20: What are ZeRO stages 1, 2, and 3? Calculate memory savings for a 13B model.",
     "What are ZeRO stages 1, 2, and 3? Calculate memory savings for a 13B model.", ""),
    ("Q5. What is attention? Why is it important?", "What is attention? Why is it important?",
     ""),
    ("Question 7: Explain dropout.", "Explain dropout.", ""),
    ("**Q8** What is beam search?", "What is beam search?", ""),
    ("Q33: [Google] Explain the T5 architecture.", "Explain the T5 architecture.", ""),
])
def test_question_lines(line: str, question: str, answer: str) -> None:
    (p,) = parse_document(line)
    assert (p.question, p.answer) == (question, answer)


def test_a_contents_list_is_not_a_question_list() -> None:
    doc = ("Jump to question\n- Q1: What is X?\n- Q2: What is Y?\nCore Questions\n"
           "Q1: What is X?\nAnswer: X is a thing.\nQ2: What is Y?\nAnswer: Y is another.\n")
    assert [(p.ref, p.line) for p in parse_document(doc)] == [("Q1", 5), ("Q2", 7)]


def test_a_q_number_inside_prose_is_not_a_question() -> None:
    doc = "Q1: What changed?\nAnswer: Revenue in Q3 rose.\nQ3 results were strong.\n"
    (p,) = parse_document(doc)
    assert p.answer == "Revenue in Q3 rose. Q3 results were strong."


# ---------------------------------------------------------------------------------------------
# TOML output
# ---------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_any_text_round_trips_through_the_toml_emitter(text: str) -> None:
    assert tomllib.loads(f"k = {toml_string(text)}\n")["k"] == text


@pytest.mark.parametrize("text", [
    "short", "x" * 300, 'quote " and """ triple', "back\\slash at the end\\",
    ("a long paragraph " * 20) + "\n\nand a second one", " leading and trailing spaces ",
    "tab\tand control \x01 characters", "ends with a quote\"",
])
def test_awkward_strings_round_trip(text: str) -> None:
    assert tomllib.loads(f"k = {toml_string(text)}\n")["k"] == text


def test_an_entry_round_trips_field_by_field(tmp_path: Path) -> None:
    from coach.bank.model import Concept, Difficulty, Question, RedFlag, Rubric

    q = Question(
        id="x-one", topic="t", question='Why "scale"?', mode=Mode.SCREENING,
        archetype=Archetype.WHY, difficulty=Difficulty.HARD,
        model_answer=("Because. " * 40).strip(),
        concepts=tuple(Concept(f"c{i}", f"Concept {i}.", aliases=(f"alias {i}",)) for i in
                       range(4)),
        sources=("user:notes.md:Q1",), roles=("MLE",), weak_answer="Dunno.",
        follow_ups=("And then?",), red_flags=(RedFlag("flag", "It just is.", ("just is",)),),
        rubric=Rubric(strong="All of it.", lean="Some.", no_hire="None."))
    path = tmp_path / "one.toml"
    path.write_text(question_to_toml(q), encoding="utf-8")
    (back,), problems = load_file(path)
    assert problems == []
    assert back == Question(**{**q.__dict__, "file": str(path), "line": 1})


def test_import_modules_stay_light() -> None:
    code = ("import sys, coach.bank.importer, coach.bank.search, coach.commands.bank;"
            "print([m for m in ('torch', 'sentence_transformers', 'transformers') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
