"""The scorer with the real packaged models: fixtures end to end, the JSON contract, and the
seed-000 narratives (stronger beats weak for all seven)."""

from __future__ import annotations

import json

import pytest

from coach.bank.load import load_bank
from coach.score.engine import score_answer
from coach.score.text import from_text
from tests.conftest import FIXTURES
from tests.test_cli import coach


@pytest.fixture(scope="module")
def bank():
    return load_bank()


@pytest.fixture(scope="module")
def embedder():
    from coach.embed import SentenceEmbedder

    return SentenceEmbedder()


def test_every_narrative_scores_its_stronger_answer_above_the_weak_one(bank, embedder) -> None:
    narratives = [q for q in bank.questions if "000:N" in " ".join(q.sources)]
    assert len(narratives) == 7
    for q in narratives:
        strong = score_answer(from_text(q.model_answer), q, embedder)
        weak = score_answer(from_text(q.weak_answer), q, embedder)
        assert strong.overall > weak.overall + 25, q.id
        assert strong.verdict.value == "strong" and weak.verdict.value != "strong", q.id


def test_recorded_answer_scores_with_evidence(transcripts, references, bank, embedder) -> None:
    name = "long_answer_fillers.flac"
    q = bank.get(references[name]["question_id"])
    r = score_answer(transcripts[name], q, embedder)
    assert r.verdict.value == "strong"
    for hit in r.coverage.covered:
        assert hit.evidence in r.transcript.text or hit.evidence.strip() in r.transcript.text
        assert 0 <= hit.start <= r.transcript.duration_s
    assert r.structure.order_ok and not r.structure.missing
    assert len(r.delivery.fillers) >= 4
    assert any(p.seconds >= 2.5 for p in r.delivery.pauses)
    assert r.timing.verdict == "on_time" and r.timing.first_word_s < 1.0


def test_buzzword_list_and_wrong_question_are_no_hire(bank, embedder) -> None:
    q = bank.get("kv-cache-why-critical-inference")
    buzz = score_answer(from_text("KV cache, GQA, paged attention, quantization, continuous "
                                  "batching, memory bandwidth. That is it."), q, embedder)
    assert buzz.verdict.value == "no_hire" and buzz.structure.list_like
    other = bank.get("batchnorm-vs-layernorm-when")
    wrong = score_answer(from_text(other.model_answer), q, embedder)
    assert wrong.verdict.value == "no_hire"


def test_score_json_contract_from_audio() -> None:
    out = coach("score", str(FIXTURES / "kv_cache_fillers.flac"), "--question",
                "kv-cache-why-critical-inference", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["schema"] == 1 and d["question_id"] == "kv-cache-why-critical-inference"
    assert d["verdict"] in {"strong", "lean", "no_hire"} and 0 <= d["overall"] <= 100
    assert 0 <= d["coverage"]["score"] <= 1
    assert {"concept", "evidence", "start"} <= set(d["coverage"]["covered"][0])
    assert isinstance(d["coverage"]["missed"], list) and isinstance(d["coverage"]["red_flags"],
                                                                     list)
    assert {"score", "moves", "order_ok"} <= set(d["structure"])
    assert {"count", "per_minute", "items"} <= set(d["delivery"]["fillers"])
    assert d["delivery"]["fillers"]["count"] >= 2
    assert isinstance(d["delivery"]["pauses"], list)
    assert {"duration_s", "target_s", "wpm", "first_word_s"} <= set(d["timing"])
    assert 2 <= len(d["tips"]) <= 3
    assert d["transcript"]["text"] and d["transcript"]["words"]


def test_score_text_file_and_its_errors(tmp_path) -> None:
    answer = tmp_path / "answer.txt"
    answer.write_text("Beam search keeps the best few partial sequences at every step instead "
                      "of only the single best one, which finds likelier outputs than greedy "
                      "decoding. It costs more compute and it makes open-ended text bland.")
    out = coach("score", "--text-file", str(answer), "-q", "qf-beam-search")
    assert out.returncode == 0, out.stderr
    assert "estimated from a typed answer" in out.stdout and "What to fix next" in out.stdout
    both = coach("score", "x.wav", "--text-file", str(answer), "-q", "qf-beam-search")
    assert both.returncode == 2
    assert both.stderr.startswith("coach: error: give either an audio file or --text-file")
    silent = coach("score", str(FIXTURES / "silence.wav"), "-q", "qf-beam-search")
    assert silent.returncode == 2 and "no speech found" in silent.stderr


def test_generic_topic_sentence_is_not_a_misconception(bank, embedder) -> None:
    """Regression: MiniLM puts "the KV cache is about not redoing work" close to every
    "The KV cache is ..." misconception; the contrast and stand-out rules must hold it back."""
    q = bank.get("kv-cache-why-critical-inference")
    r = score_answer(from_text("Um, so the KV cache is about not redoing work while the model "
                               "generates. Uh, every new token needs the keys and values of "
                               "all the earlier tokens."), q, embedder)
    assert r.coverage.red_flags == ()
    wrong = score_answer(from_text("Honestly the KV cache is tiny next to the weights, so in "
                                   "serving you never have to think about its memory."), q,
                         embedder)
    assert [f.label for f in wrong.coverage.red_flags] == ["cache memory is negligible"]


def test_a_plain_words_explanation_is_credited_through_the_concept_plain_prototypes(
        bank, embedder) -> None:
    """No term named: MiniLM puts the plain explanation far from the jargon description, and
    the bank's plain-words prototypes bring it in."""
    import dataclasses

    from coach.score.coverage import score_coverage
    from coach.score.text import sentences

    q = bank.get("qf-softmax-temperature")
    shipped = next(c for c in q.concepts if c.label == "high T flattens").plain
    assert shipped, "the shipped entry has plain-words prototypes"
    answer = from_text("Turn that number up and the scores get squeezed closer together, so the "
                       "choices end up nearly even and what comes out is less predictable.")

    def flattens(prototypes: tuple[str, ...]):
        concepts = tuple(dataclasses.replace(c, plain=prototypes) if c.label == "high T flattens"
                         else c for c in q.concepts)
        cov = score_coverage(answer, dataclasses.replace(q, concepts=concepts),
                             tuple(sentences(answer.words)), embedder)
        return next(c for c in cov.concepts if c.label == "high T flattens")

    assert not flattens(()).covered
    hit = flattens(shipped)
    assert hit.covered and hit.how == "semantic" and hit.evidence.startswith("Turn that number")


@pytest.mark.parametrize("ending", [
    "So, you know, the KV cache trades memory for compute.",
    # how the drill's streamed transcript split the demo's closing sentence
    "So you know, the KV cache trades memory for compute. And managing that memory is most "
    "of what modern serving engines do.",
])
def test_a_summing_up_close_is_heard_even_when_split_in_two(bank, embedder, ending) -> None:
    body = ("The KV cache stores the keys and values of earlier tokens. It avoids recomputing "
            "them at each step. The cost is memory that grows with the sequence. ")
    q = bank.get("kv-cache-why-critical-inference")
    assert score_answer(from_text(body + ending), q, embedder).structure.ends_on_conclusion
    flat = body + "And managing that memory is most of what modern serving engines do."
    assert not score_answer(from_text(flat), q, embedder).structure.ends_on_conclusion
