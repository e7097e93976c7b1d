"""Which key concepts an answer covers, where, and which misconceptions it states.

Per concept, the best of three kinds of evidence:

- **alias**: the label or an alias said literally (normalised: case, hyphens, plurals, and
  spelled-out letters, so "k v cache", "KV-cache" and "kv caches" all match "KV cache");
- **misheard**: a listed likely mishearing ("kv cash"), or a near miss of a multi-word alias
  (fuzzy ratio), shown as "heard as ..." and counted: the speaker is not blamed for the
  recogniser's error;
- **semantic**: a sentence (or two adjacent sentences) that states the concept's description
  in other words, by all-MiniLM-L6-v2 cosine, turned into graded credit between two calibrated
  thresholds.

A concept that is only named, in a sentence that explains nothing (a buzzword list), earns
partial credit: naming is not explaining.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from coach.bank.model import Concept, Question, RedFlag
from coach.embed import Embedder
from coach.score.fillers import HESITATIONS
from coach.score.options import ScoreOptions
from coach.score.text import Sentence, norm_tokens, squash_letters, squash_runs
from coach.transcript import Transcript

CONNECTIVES = frozenset({
    "because", "so", "which", "therefore", "since", "means", "meaning", "thus", "hence",
    "whereas", "while", "but", "however", "instead", "unless", "if", "then", "when", "by",
    "reduces", "increases", "causes", "avoids", "prevents", "lets", "allows", "makes", "costs",
    "trades", "helps", "keeps", "turns", "becomes", "grows", "shrinks", "without", "otherwise",
})
NEGATIONS = frozenset({"not", "no", "never", "isn't", "aren't", "doesn't", "don't", "didn't",
                       "wasn't", "won't", "can't", "cannot", "nothing", "neither", "nor",
                       "myth", "misconception", "wrong", "mistake", "mistaken", "naive",
                       "misleading", "false", "rather", "avoid", "avoiding", "trap", "traps",
                       "pitfall", "instead"})


@dataclass(frozen=True)
class ConceptHit:
    label: str
    core: bool
    covered: bool
    credit: float  # 0..1
    how: str  # "alias" | "misheard" | "semantic" | "" (missed)
    evidence: str = ""  # the sentence that covers it
    matched: str = ""  # the words that matched (alias, or what the recogniser heard)
    heard_as: str = ""  # set for misheard matches
    start: float | None = None
    sentence: int | None = None
    similarity: float = 0.0
    explained: bool = False


@dataclass(frozen=True)
class RedFlagHit:
    label: str
    statement: str
    evidence: str
    start: float
    how: str  # "cue" | "semantic"
    similarity: float


@dataclass(frozen=True)
class CoverageResult:
    score: float  # 0..1, core-weighted
    core_score: float
    bonus_score: float
    concepts: tuple[ConceptHit, ...]
    red_flags: tuple[RedFlagHit, ...]
    relevance: float  # cosine of the answer to the model answer
    named_only: int  # concepts named but never explained
    model_recall: float = 0.0  # share of model-answer sentences the answer restates
    flag_similarity: float = 0.0  # closest any sentence comes to a red-flag statement
    #: Continuous evidence for the rubric (coach/score/verdict.py), each a mean cosine:
    #: how closely, on average, the answer restates each sentence of the model answer;
    model_recall_soft: float = 0.0
    #: how closely, on average, it comes to each of the entry's misconceptions (None: the
    #: entry lists none);
    flag_resemblance: float | None = None
    #: how closely its best sentence states each core concept;
    concept_similarity: float = 0.0
    #: and the share of its sentences that restate some sentence of the model answer.
    precision: float = 0.0

    @property
    def covered(self) -> tuple[ConceptHit, ...]:
        return tuple(c for c in self.concepts if c.covered)

    @property
    def missed(self) -> tuple[ConceptHit, ...]:
        return tuple(c for c in self.concepts if not c.covered)


# --- lexical -------------------------------------------------------------------------------

def _stem(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


@dataclass(frozen=True)
class _Stream:
    """The answer's tokens (hesitations removed), each mapped back to its word index."""

    tokens: tuple[str, ...]
    word_of: tuple[int, ...]
    probability: tuple[float, ...]


def _stream(transcript: Transcript) -> _Stream:
    tokens: list[str] = []
    word_of: list[int] = []
    probs: list[float] = []
    for i, w in enumerate(transcript.words):
        for t in norm_tokens(w.text):
            if t not in HESITATIONS:
                tokens.append(t)
                word_of.append(i)
                probs.append(w.probability)
    # Spelled-out letters squash across word boundaries too ("K", "V", "cache").
    ranges = squash_runs(tokens)
    return _Stream(tuple(_stem("".join(tokens[a:b])) for a, b in ranges),
                   tuple(word_of[a] for a, _ in ranges),
                   tuple(min(probs[a:b]) for a, b in ranges))


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(_stem(t) for t in squash_letters(norm_tokens(text)))


def _find(stream: _Stream, phrase: tuple[str, ...]) -> int | None:
    n = len(phrase)
    if not n:
        return None
    toks = stream.tokens
    first = phrase[0]
    for i in range(len(toks) - n + 1):
        if toks[i] == first and toks[i : i + n] == phrase:
            return i
    return None


def _fuzzy(stream: _Stream, phrase: tuple[str, ...], ratio: float) -> tuple[int, int] | None:
    from rapidfuzz import fuzz

    target = " ".join(phrase)
    if len(target) < 6 or len(phrase) < 1:
        return None
    best: tuple[float, int, int] | None = None
    for size in {max(1, len(phrase) - 1), len(phrase), len(phrase) + 1}:
        for i in range(len(stream.tokens) - size + 1):
            got = " ".join(stream.tokens[i : i + size])
            if got == target:
                continue
            r = fuzz.ratio(got, target)
            if r >= ratio and (best is None or r > best[0]):
                best = (r, i, size)
    return (best[1], best[2]) if best else None


# --- scoring -------------------------------------------------------------------------------

def _windows(embs: np.ndarray, width: int = 3) -> np.ndarray:
    """Sentence embeddings, then windows of 2..``width`` adjacent sentences (normalised sums).

    Row ``i`` of each block starts at sentence ``i``, so ``row % n`` is the window's first
    sentence.
    """
    n = len(embs)
    blocks = [embs]
    for k in range(2, width + 1):
        if n < k:
            break
        win = sum(embs[i : n - k + 1 + i] for i in range(k))
        win = win / (np.linalg.norm(win, axis=1, keepdims=True) + 1e-9)
        blocks.append(np.vstack([win, np.zeros((k - 1, embs.shape[1]), np.float32)]))
    return np.vstack(blocks)


def _sentence_of(sents: Sequence[Sentence], word: int) -> Sentence:
    for s in sents:
        if s.first_word <= word <= s.last_word:
            return s
    return sents[-1]


def _explained(sentence: Sentence, sim: float, o: ScoreOptions) -> bool:
    toks = norm_tokens(sentence.text)
    return sim >= o.explained_similarity or (
        len(toks) >= o.explained_min_words and any(t in CONNECTIVES for t in toks)
    )


def _credit(sim: float, o: ScoreOptions) -> float:
    return float(np.clip((sim - o.semantic_low) / (o.semantic_high - o.semantic_low), 0.0, 1.0))


def _concept_hit(concept: Concept, stream: _Stream, transcript: Transcript,
                 sents: Sequence[Sentence], sims: np.ndarray, o: ScoreOptions) -> ConceptHit:
    n = len(sents)
    best_w = int(np.argmax(sims)) if sims.size else 0
    best_sim = float(sims[best_w]) if sims.size else 0.0
    sem_sentence = sents[best_w % n] if sents else None

    def lexical(word_index: int, how: str, matched: str, heard: str = "") -> ConceptHit:
        s = _sentence_of(sents, word_index)
        sim = float(max(sims[s.index], best_sim if sem_sentence is s else 0.0)) if sims.size \
            else 0.0
        explained = _explained(s, sim, o)
        credit = 1.0 if explained else o.named_only_credit
        return ConceptHit(concept.label, concept.core, True, credit, how, s.text, matched, heard,
                          transcript.words[word_index].start, s.index, sim, explained)

    phrases = [(a, _phrase(a)) for a in (concept.label, *concept.aliases)]
    hits = []
    for text, p in phrases:
        at = _find(stream, p)
        if at is not None:
            hits.append(lexical(stream.word_of[at], "alias", text))
    for text in concept.mishearings:
        at = _find(stream, _phrase(text))
        if at is not None:
            heard = " ".join(stream.tokens[at : at + len(_phrase(text))])
            hits.append(lexical(stream.word_of[at], "misheard", concept.label, heard))
    if not hits:
        for text, p in phrases:
            if len(p) < 2 and len(" ".join(p)) < 8:
                continue  # short single words: too many innocent near misses
            found = _fuzzy(stream, p, o.fuzzy_ratio)
            if found:
                at, size = found
                heard = " ".join(stream.tokens[at : at + size])
                hits.append(lexical(stream.word_of[at], "misheard", text, heard))
                break
    if hits:
        return max(hits, key=lambda h: (h.credit, h.how == "alias", h.similarity))
    credit = _credit(best_sim, o)
    if sem_sentence is None or credit < o.covered_credit:
        return ConceptHit(concept.label, concept.core, False, credit * 0.5, "", similarity=best_sim)
    return ConceptHit(concept.label, concept.core, True, credit, "semantic", sem_sentence.text,
                      "", "", sem_sentence.start, sem_sentence.index, best_sim, True)


def _negated(tokens: Sequence[str]) -> bool:
    return any(t in NEGATIONS or t.endswith("n't") for t in tokens)


_CLAUSE = re.compile(r"[,;:()\u2013\u2014]|\s-\s|\bbut\b", re.IGNORECASE)


#: Words that may come between two words of a misconception's cue: "makes training run
#: noticeably faster" says "makes training faster".
CUE_GAP = 2


@lru_cache(maxsize=8192)
def stem(token: str) -> str:
    """A light stem, so a cue matches its inflections: "makes"/"making"/"made" are not all
    caught, but "heads"/"head", "trains"/"trained"/"training"/"train" are."""
    t = token[:-2] if token.endswith("'s") else token
    if len(t) > 4 and t.endswith("ies"):
        t = t[:-3] + "y"
    elif len(t) > 4 and t.endswith(("sses", "ses", "xes", "ches", "shes")):
        t = t[:-2]
    elif len(t) > 3 and t.endswith("s") and not t.endswith(("ss", "us", "is", "as")):
        t = t[:-1]
    for suffix in ("ing", "ed"):
        if t.endswith(suffix) and len(t) - len(suffix) >= 2:
            t = t[: -len(suffix)]
            break
    return t[:-1] if len(t) > 2 and t.endswith("e") else t


def states_cue(sentence: str, cue: str) -> bool:
    """Does this sentence say the cue phrase, not negated by the 4 words before it?

    A cue of three words or more matches its words in order, inflections allowed, with at
    most ``CUE_GAP`` other words between two of them (none a negation), inside one clause; a
    shorter one, which would match too much that way, only as said. A negation reaches back
    only within its clause: in "It can't; more context always helps" or "not slow, but it
    always helps" the cue is asserted.
    """
    c = _cue(cue)
    if c is None:
        return False
    tokens, stems, clause_start, present = _clause_tokens(sentence)
    if c.stems[0] not in present:  # the common case, decided without a scan
        return False
    # a short cue is said exactly ("same thing", not "same ... thing")
    want, seen, gap = (c.stems, stems, CUE_GAP) if len(c.words) >= 3 else (c.words, tokens, 0)
    for i, s in enumerate(seen):
        if s != want[0] or _negated(tokens[max(clause_start[i], i - 4) : i]):
            continue
        end = _clause_end(clause_start, i)
        at = i
        for w in want[1:]:
            nxt = next((j for j in range(at + 1, min(end, at + 2 + gap)) if seen[j] == w), None)
            if nxt is None or _negated(tokens[at + 1 : nxt]):
                break
            at = nxt
        else:
            return True
    return False


def _clause_end(clause_start: Sequence[int], i: int) -> int:
    """One past the last token of token i's clause."""
    return next((j for j in range(i + 1, len(clause_start))
                 if clause_start[j] != clause_start[i]), len(clause_start))


@dataclass(frozen=True)
class _Cue:
    words: tuple[str, ...]
    stems: tuple[str, ...]


@lru_cache(maxsize=8192)
def _cue(cue: str) -> _Cue | None:
    """The cue's words and their stems, tokenised once; None for a cue that can never fire
    (empty, or holding a negation)."""
    words = tuple(norm_tokens(cue))
    if not words or _negated(words):
        return None
    return _Cue(words, tuple(stem(t) for t in words))


@lru_cache(maxsize=8192)
def _clause_tokens(sentence: str
                   ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...], frozenset[str]]:
    """A sentence's tokens, their stems, the index where each token's clause starts, and the
    set of its stems (every cue of every misconception is checked against the same sentences:
    tokenise them once)."""
    tokens: list[str] = []
    clause_start: list[int] = []
    for clause in _CLAUSE.split(sentence):
        start = len(tokens)
        tokens += norm_tokens(clause)
        clause_start += [start] * (len(tokens) - start)
    stems = tuple(stem(t) for t in tokens)
    return tuple(tokens), stems, tuple(clause_start), frozenset(stems)


def _red_flags(flags: Sequence[RedFlag], sents: Sequence[Sentence], sent_embs: np.ndarray,
               flag_embs: np.ndarray, correct: np.ndarray,
               o: ScoreOptions) -> list[RedFlagHit]:
    """Cue phrases (not negated), or a sentence that is close to the misconception and closer
    to it than to every sentence of the correct model answer (``correct``): MiniLM barely
    tells "exact" from "approximate", but the contrast with the right statement does."""
    hits: list[RedFlagHit] = []
    for k, flag in enumerate(flags):
        found: RedFlagHit | None = None
        for s in sents:
            if any(states_cue(s.text, cue) for cue in flag.cues):
                found = RedFlagHit(flag.label, flag.statement, s.text, s.start, "cue", 1.0)
                break
        if found is None and len(sents):
            sims = sent_embs @ flag_embs[k]
            nearest_correct = (sent_embs @ correct.T).max(axis=1)
            order = np.argsort(-sims)
            statement_negated = _negated(norm_tokens(flag.statement))
            for j in order[:3]:
                if sims[j] < o.red_flag_similarity:
                    break
                s = sents[int(j)]
                if _negated(norm_tokens(s.text)) != statement_negated:
                    continue  # "it is NOT just the paper's convention" refutes the flag
                if sims[j] < nearest_correct[j] + o.red_flag_margin:
                    continue  # it says the right thing, in words close to the wrong one
                others = np.delete(sent_embs[int(j)] @ flag_embs.T, k)
                if others.size and sims[j] - others.max() < o.red_flag_standout:
                    continue  # equally close to every misconception: a generic sentence
                found = RedFlagHit(flag.label, flag.statement, s.text, s.start, "semantic",
                                   float(sims[j]))
                break
        if found:
            hits.append(found)
    return hits


_SPLIT = re.compile(r"(?<=[.?!])\s+")


def model_sentences(question: Question) -> list[str]:
    return [s for s in _SPLIT.split(question.model_answer) if s.strip()]


def score_coverage(transcript: Transcript, question: Question, sents: Sequence[Sentence],
                   embedder: Embedder, options: ScoreOptions | None = None) -> CoverageResult:
    """Pure apart from the embedder: no I/O, no clock."""
    o = options or ScoreOptions()
    concepts = question.concepts
    if not sents:
        hits = tuple(ConceptHit(c.label, c.core, False, 0.0, "") for c in concepts)
        return CoverageResult(0.0, 0.0, 0.0, hits, (), 0.0, 0)
    stream = _stream(transcript)
    sent_embs = embedder.embed([s.text for s in sents])
    windows = _windows(sent_embs)
    concept_embs = embedder.embed([c.description for c in concepts])
    # A second, spoken-style prototype per concept: the model-answer sentence that states it.
    reference_embs = embedder.embed(model_sentences(question))
    spoken = reference_embs[np.argmax(reference_embs @ concept_embs.T, axis=0)]
    sims = np.maximum(windows @ concept_embs.T, windows @ spoken.T)  # (windows, concepts)
    # More prototypes where the bank has them: the idea in everyday words, without the term.
    plain = [(k, p) for k, c in enumerate(concepts) for p in c.plain]
    if plain:
        plain_sims = windows @ embedder.embed([p for _, p in plain]).T
        for j, (k, _) in enumerate(plain):
            sims[:, k] = np.maximum(sims[:, k], plain_sims[:, j])
    hits = tuple(_concept_hit(c, stream, transcript, sents, sims[:, k], o)
                 for k, c in enumerate(concepts))
    flag_embs = embedder.embed([f.statement for f in question.red_flags])
    # What a correct or merely on-topic sentence is close to: the model answer and the question.
    # (Not the concept descriptions: MiniLM puts a claim and its negation close together, so a
    # concept can look nearer to the misconception that denies it than the answer does.)
    correct = np.vstack([reference_embs, embedder.embed([question.question])])
    flags = tuple(_red_flags(question.red_flags, sents, sent_embs, flag_embs, correct, o))
    to_flags = sent_embs @ flag_embs.T  # (sentences, misconceptions)
    flag_similarity = float(to_flags.max()) if len(question.red_flags) else 0.0
    flag_resemblance = float(to_flags.max(axis=0).mean()) if len(question.red_flags) else None
    model_recall = float(np.mean((windows @ reference_embs.T).max(axis=0) >= o.recall_similarity))
    to_model = sent_embs @ reference_embs.T  # (sentences, model-answer sentences)
    model_recall_soft = float(to_model.max(axis=0).mean())
    precision = float(np.mean(to_model.max(axis=1) >= o.recall_similarity))
    reference = reference_embs.mean(axis=0)
    answer = sent_embs.mean(axis=0)
    relevance = float(answer @ reference / (np.linalg.norm(answer) * np.linalg.norm(reference)
                                            + 1e-9))
    core = [h.credit for h in hits if h.core]
    bonus = [h.credit for h in hits if not h.core]
    core_score = float(np.mean(core)) if core else 0.0
    bonus_score = float(np.mean(bonus)) if bonus else 0.0
    score = min(1.0, o.core_share * core_score + o.bonus_share * bonus_score) if bonus \
        else core_score
    near = float(np.clip((relevance - o.relevance_floor)
                         / (o.relevance_full - o.relevance_floor), 0.0, 1.0))
    concept_share = 1.0 - o.relevance_share - o.recall_share
    score = concept_share * score + o.relevance_share * near + o.recall_share * model_recall
    named_only = sum(1 for h in hits if h.covered and not h.explained)
    core_sims = [h.similarity for h in hits if h.core]
    return CoverageResult(score, core_score, bonus_score, hits, flags, relevance, named_only,
                          model_recall, flag_similarity, model_recall_soft, flag_resemblance,
                          float(np.mean(core_sims)) if core_sims else 0.0, precision)
