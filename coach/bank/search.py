"""Rank bank entries for a free-text query: BM25 over the entry's words plus embedding similarity.

Lexical matching finds the exact terms people type ("lora vs qlora"); semantic matching finds
paraphrases that share no words with the entry ("how do models avoid recomputing earlier
tokens"). Both sides see the same normalised text, so spoken forms match written ones:
"d k", "dk" and "d_k" are one token, as are "square root" and "sqrt".

    >>> tokens("Why divide by the square root of d_k?")
    ['divid', 'sqrt', 'dk']

`search` is pure: the embedder is passed in (a fake one in tests), nothing is read or written.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from coach.bank.model import Question

if TYPE_CHECKING:
    from coach.embed import Embedder

_STOPWORDS = frozenset(re.findall(r"\S+", """
a an and are as at be by can could did do does for from had has have how i if in into is it its
me my of on or our so than that the their them then there these they this those to us vs versus
was we were what when where which while who why will with would you your about explain tell
describe walk through give
"""))
#: Spoken or alternative written forms, rewritten before tokenising (both query and entries).
_SPOKEN = (
    (re.compile(r"\bsquare\s+roots?\b|√"), " sqrt "),
    (re.compile(r"\bkey[\s-]+value\b"), " kv "),
    (re.compile(r"\bversus\b"), " vs "),
)
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s", "e")


@lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    """A deliberately light stemmer: enough to match divide/dividing, cache/caching."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased, stemmed content words; runs of single letters joined ("k v" -> "kv")."""
    text = text.lower().replace("_", " ")
    for pattern, replacement in _SPOKEN:
        text = pattern.sub(replacement, text)
    raw = _WORD.findall(text)
    joined: list[str] = []
    run = ""
    for w in raw:
        if len(w) == 1 and w.isalpha() and w not in ("a", "i"):
            run += w
            continue
        if run:
            joined.append(run)
            run = ""
        joined.append(w)
    if run:
        joined.append(run)
    return [_stem(w) for w in joined if w not in _STOPWORDS]


@dataclass(frozen=True)
class SearchOptions:
    """How lexical and semantic scores are combined (defaults picked by trying natural
    queries against the shipped bank)."""

    #: Share of the final score from embedding similarity; the rest is BM25.
    semantic_weight: float = 0.55
    #: BM25 term-frequency saturation and length normalisation (the usual defaults).
    k1: float = 1.2
    b: float = 0.75
    #: How many times each field's words count: the question matters most.
    question_boost: int = 3
    concept_boost: int = 2
    answer_boost: int = 1

    def __post_init__(self) -> None:
        problems = []
        if not 0.0 <= self.semantic_weight <= 1.0:
            problems.append("semantic_weight must be within 0..1")
        if self.k1 < 0 or not 0.0 <= self.b <= 1.0:
            problems.append("k1 must be >= 0 and b within 0..1")
        if min(self.question_boost, self.concept_boost, self.answer_boost) < 0:
            problems.append("boosts must be >= 0")
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class Hit:
    """One ranked entry. ``score`` = weighted mix of ``lexical`` and ``semantic``, all 0..1."""

    question: Question
    score: float
    lexical: float
    semantic: float


def lexical_document(q: Question, options: SearchOptions) -> list[str]:
    concept_words = " ".join(f"{c.label} {' '.join(c.aliases)}" for c in q.concepts)
    return (tokens(q.question) * options.question_boost
            + tokens(concept_words) * options.concept_boost
            + tokens(q.model_answer) * options.answer_boost)


def bm25(query: Sequence[str], docs: Sequence[Sequence[str]], k1: float, b: float) -> np.ndarray:
    """Okapi BM25 of each document for the query terms (Robertson's idf, never negative)."""
    n = len(docs)
    scores = np.zeros(n)
    if not n or not query:
        return scores
    avg = sum(len(d) for d in docs) / n or 1.0
    counts = [Counter(d) for d in docs]
    for term in set(query):
        df = sum(1 for c in counts if term in c)
        if not df:
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        for i, c in enumerate(counts):
            tf = c.get(term, 0)
            if tf:
                scores[i] += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(docs[i]) / avg))
    return scores


def semantic_texts(q: Question) -> list[str]:
    """What the embedder sees of an entry: the question, then each concept with its meaning."""
    return [q.question] + [f"{c.label}: {c.description}" for c in q.concepts]


def semantic_scores(questions: Sequence[Question], query: str,
                    embedder: Embedder) -> np.ndarray:
    """Per entry: the best of the question's similarity and its two best concepts' mean."""
    texts: list[str] = []
    spans = []
    for q in questions:
        parts = semantic_texts(q)
        spans.append((len(texts), len(parts)))
        texts.extend(parts)
    vecs = embedder.embed([query, *texts])
    sims = np.clip(vecs[1:] @ vecs[0], 0.0, 1.0)
    out = np.zeros(len(questions))
    for i, (start, size) in enumerate(spans):
        question_sim = sims[start]
        concepts = np.sort(sims[start + 1 : start + size])[::-1][:2]
        concept_sim = float(concepts.mean()) if len(concepts) else 0.0
        out[i] = max(question_sim, concept_sim)
    return out


def search(questions: Sequence[Question], query: str, embedder: Embedder, limit: int = 10,
           options: SearchOptions | None = None) -> list[Hit]:
    """The ``limit`` best entries for ``query``, best first (ties keep bank order)."""
    opts = options or SearchOptions()
    if not questions or not query.strip() or limit <= 0:
        return []
    lexical = bm25(tokens(query), [lexical_document(q, opts) for q in questions], opts.k1,
                   opts.b)
    if lexical.max() > 0:
        lexical = lexical / lexical.max()  # relative to the best match, as in hybrid fusion
    semantic = semantic_scores(questions, query, embedder)
    score = opts.semantic_weight * semantic + (1 - opts.semantic_weight) * lexical
    order = np.argsort(-score, kind="stable")[:limit]
    return [Hit(questions[i], round(float(score[i]), 4), round(float(lexical[i]), 4),
                round(float(semantic[i]), 4)) for i in order]
