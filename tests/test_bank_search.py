"""`coach bank search`: pure ranking with a fake embedder, then the real CLI on the shipped bank."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np
import pytest

from coach.bank.model import Archetype, Concept, Difficulty, Mode, Question
from coach.bank.search import SearchOptions, bm25, search, tokens
from coach.cli import main

# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("d k", ["dk"]),
    ("dk", ["dk"]),
    ("d_k", ["dk"]),
    ("D_K", ["dk"]),
    ("square root of d k", ["sqrt", "dk"]),
    ("sqrt(d_k)", ["sqrt", "dk"]),
    ("the K V cache", ["kv", "cach"]),
    ("key-value caching", ["kv", "cach"]),
    ("LoRA vs QLoRA", ["lora", "qlora"]),
    ("dividing divides divide", ["divid", "divid", "divid"]),
    ("a b testing", ["b", "test"]),  # "a" is an article, never part of a letter run
])
def test_spoken_and_written_forms_normalise_alike(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_bm25_prefers_rarer_terms_and_shorter_documents() -> None:
    docs = [["kv", "cach"], ["kv", "cach", "pad", "pad", "pad", "pad"], ["lora"], ["lora", "kv"]]
    scores = bm25(["kv", "cach"], docs, k1=1.2, b=0.75)
    assert scores[0] > scores[1] > scores[3] > scores[2] == 0.0
    assert bm25([], docs, 1.2, 0.75).tolist() == [0.0] * 4


def test_options_report_every_bad_value_at_once() -> None:
    with pytest.raises(ValueError, match=r"semantic_weight.*; k1"):
        SearchOptions(semantic_weight=2.0, k1=-1)


# ---------------------------------------------------------------------------------------------
# Ranking with a fake embedder
# ---------------------------------------------------------------------------------------------


class FakeEmbedder:
    """Texts listed in ``topics`` get that topic's direction; anything else is random noise
    (seeded by the text), so semantic similarity is fully under the test's control."""

    version = "fake-1"

    def __init__(self, topics: dict[str, int], dim: int = 16) -> None:
        self.topics = topics
        self.dim = dim
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        rows = []
        for t in texts:
            seed = int(hashlib.sha1(t.encode()).hexdigest()[:8], 16)
            v = np.random.default_rng(seed).normal(size=self.dim) * 0.05
            if t in self.topics:
                v[self.topics[t]] += 1.0
            rows.append(v / np.linalg.norm(v))
        return np.asarray(rows, np.float32)


def entry(qid: str, question: str, answer: str = "An answer.",
          labels: Sequence[str] = ()) -> Question:
    concepts = tuple(Concept(label=lab, description=f"About {lab}.") for lab in
                     (list(labels) or ["alpha", "beta", "gamma", "delta"]))
    return Question(id=qid, topic="t", question=question, mode=Mode.SCREENING,
                    archetype=Archetype.EXPLAIN, difficulty=Difficulty.MEDIUM,
                    model_answer=answer, concepts=concepts, sources=("user",))


BANK = [
    entry("kv", "What is the KV cache?", "Keys and values of past tokens are stored."),
    entry("lora", "How does LoRA work?", "Low-rank adapters are trained."),
    entry("sqrt", "Why divide attention scores by the square root of d_k?",
          "The dot product variance grows with the dimension."),
    entry("moe", "Why can mixture of experts fail?", "Routing collapse and load imbalance."),
]


def test_lexical_match_ranks_first_and_scores_are_bounded() -> None:
    hits = search(BANK, "why divide by root d k", FakeEmbedder({}), limit=10)
    assert hits[0].question.id == "sqrt"
    assert hits[0].lexical == 1.0
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= x <= 1.0 for h in hits for x in (h.score, h.lexical, h.semantic))


def test_a_paraphrase_with_no_shared_words_is_found_by_meaning() -> None:
    query = "remember earlier words while writing"
    embedder = FakeEmbedder({query: 3, "What is the KV cache?": 3})
    hits = search(BANK, query, embedder, limit=2)
    assert hits[0].question.id == "kv"
    assert hits[0].lexical == 0.0 and hits[0].semantic > 0.9


def test_concept_descriptions_count_as_meaning() -> None:
    query = "cheap fine-tuning"
    bank = [entry("lora", "How does LoRA work?", labels=["low rank", "b", "c", "d"]), BANK[0]]
    embedder = FakeEmbedder({query: 5, "low rank: About low rank.": 5, "b: About b.": 5})
    assert search(bank, query, embedder, limit=1)[0].question.id == "lora"


def test_the_semantic_weight_decides_between_the_two_signals() -> None:
    query = "lora"
    embedder = FakeEmbedder({query: 1, "What is the KV cache?": 1})
    lexical_only = SearchOptions(semantic_weight=0.0)
    semantic_only = SearchOptions(semantic_weight=1.0)
    assert search(BANK, query, embedder, 1, lexical_only)[0].question.id == "lora"
    assert search(BANK, query, embedder, 1, semantic_only)[0].question.id == "kv"


def test_limit_empty_query_and_empty_bank() -> None:
    embedder = FakeEmbedder({})
    assert len(search(BANK, "cache", embedder, limit=2)) == 2
    assert search(BANK, "   ", embedder) == []
    assert search([], "cache", embedder) == []
    assert search(BANK, "cache", embedder, limit=0) == []
    assert embedder.calls == [["cache", *[t for q in BANK for t in
                                          [q.question] + [f"{c.label}: {c.description}"
                                                          for c in q.concepts]]]]


def test_a_query_with_no_match_at_all_still_ranks_in_range() -> None:
    hits = search(BANK, "zzz qqq", FakeEmbedder({}), limit=4)
    assert len(hits) == 4 and all(h.lexical == 0.0 for h in hits)


# ---------------------------------------------------------------------------------------------
# The real thing: shipped bank, real embedder, through the CLI
# ---------------------------------------------------------------------------------------------


def run_search(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    assert main(["bank", "search", *args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(set(hit) == {"id", "question", "score"} for hit in out)
    scores = [hit["score"] for hit in out]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    return out


def test_the_sqrt_dk_question_ranks_first(capsys: pytest.CaptureFixture[str]) -> None:
    hits = run_search(capsys, "why divide by square root of d k")
    assert hits[0]["id"] == "attention-why-divide-sqrt-dk"
    assert len(hits) == 10
    assert hits[0]["score"] > hits[1]["score"] + 0.1  # a clear winner, not a coin toss


@pytest.mark.parametrize(("query", "wanted", "top"), [
    ("what is the kv cache", "kv-cache", 3),
    ("lora vs qlora", "full-finetune-vs-lora-vs-qlora", 3),
    ("dividing by root dk", "attention-why-divide-sqrt-dk", 1),
    ("my training loss suddenly went to NaN", "debug-llm-training-loss-nan", 3),
])
def test_natural_queries_find_the_right_entry(capsys: pytest.CaptureFixture[str], query: str,
                                              wanted: str, top: int) -> None:
    ids = [hit["id"] for hit in run_search(capsys, query, "--limit", str(top))]
    assert len(ids) == top
    assert any(wanted in i for i in ids), ids


@pytest.mark.parametrize(("query", "wanted"), [
    ("stacking matrices without anything in between collapses", "why-nonlinear-activations"),
    ("teacher student compression", "knowledge-distillation-soft-targets"),
    ("how do models avoid redoing work for earlier tokens while generating",
     "kv-cache-why-critical-inference"),
])
def test_a_paraphrase_sharing_no_words_with_the_question(
        capsys: pytest.CaptureFixture[str], query: str, wanted: str) -> None:
    from coach.bank.load import load_bank

    target = load_bank().get(wanted)
    assert target is not None
    assert not set(tokens(query)) & set(tokens(target.question))
    ids = [hit["id"] for hit in run_search(capsys, query, "--limit", "5")]
    assert wanted in ids


def test_human_output_is_a_ranked_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bank", "search", "kv", "cache", "--limit", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["#", "score", "id", "question"]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3"]


def test_search_user_mistakes_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bank", "search", "kv", "--limit", "0"]) == 2
    err = capsys.readouterr().err
    assert err == "coach: error: --limit must be at least 1, not 0\n"
    assert main(["bank", "search", " "]) == 2
    assert capsys.readouterr().err.startswith("coach: error: the search query is empty")
