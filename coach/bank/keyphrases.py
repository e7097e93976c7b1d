"""Key concepts for an imported answer, KeyBERT-style (the second stage of `coach bank import`).

Candidate phrases (n-grams between stopwords, acronyms) are ranked by embedding similarity to the
answer and picked with maximal marginal relevance, so they do not repeat each other; acronyms
defined in the text become aliases.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coach.bank.load import MIN_CONCEPTS
from coach.bank.model import Concept, Weight

if TYPE_CHECKING:
    import numpy as np

    from coach.embed import Embedder

# --------------------------------------------------------------------------------------------
# Key concepts: KeyBERT-style phrases, picked with maximal marginal relevance
# --------------------------------------------------------------------------------------------


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = _wordset("""
a about above after again against all almost also although always am among an and another any
are aren't around as at be because been before being below between both but by can cannot could
did do does doing done down during each either else enough especially etc even ever every for
from further get gets getting give given gives go goes going got had has have having he her here
hers him his how however i i.e e.g if in instead into is isn't it it's its itself just least
less let like likely made make makes making many may me might more most much must my near need
needs never no nor not now of off often on once one only onto or other others otherwise our out
over own per perhaps quite rather really same see seen shall she should since so some something
sometimes still such than that the their them themselves then there these they this those
though through thus to too toward towards under until up upon us use used uses using usually
very via was we well were what whatever when where whether which while who whom whose why will
with within without would yes yet you your yours first second third two three four five six
typically approximately roughly simply already actually basically generally rather mostly
various several different certain specific main key important better best good large small
big new high low lot lots way ways thing things kind part case cases example examples step
steps answer question interviewer point points want wants say says said know knows think
e g i e vs versus ok okay maybe around based whole able explain describe discuss tell define
walk compare contrast mention talk
""")

#: Verbs (base forms). A phrase with one of these conjugated in it ("reduces KV-cache size") is
#: a clause, not a concept. Words that are also core ML nouns (cache, train, scale, mask, batch,
#: test) are deliberately absent.
_VERBS = _wordset("""
accept achieve act add adjust affect aggregate aim align allocate allow amplify appear apply
argue ask assume attend avoid become begin behave believe blame break bring build call capture
carry cause change check choose claim close collapse combine come compare compress compute
confirm connect consider contain continue control convert cost cover create cut decide decrease
define degrade depend derive determine differ diff drive drop eliminate enable encourage end
ensure estimate exceed exist expect explain explode expose extend fail fall feed fill find fit fix
flow focus follow force gain generate grow guarantee handle happen hide hold hurt identify ignore
implement improve include increase indicate inject inspect introduce isolate keep lead learn
leave lie limit live lock look lose lower map match matter mean measure miss move multiply
narrow normalize normalise note observe obtain occur offer operate optimise optimize outperform
output pass perform pick place plan play point prefer prepare prevent produce propagate prove
provide push put reach read recompute reduce refer reflect relate rely remain remove repeat
replace report represent require reserve resolve respond rest result retain return reuse
reveal run save seem select send serve set share shift show shrink sit skip slow solve sound
spend split stabilize stabilise stand start stay stop store stress struggle suffer suggest
support suppose surface sustain take target tend throw touch track transform translate treat
trigger try tune turn understand update vary verify wait want waste win work write yield
""")
#: Adjectives that dangle at the end of a run ("PagedAttention useful", "gradients zero").
_TRAILING = _wordset("""
superior wrong right possible necessary available expensive cheap efficient effective critical
essential crucial significant similar clear simple easy hard true false fine naive early late
zero flat separate
""")

#: Units that look like acronyms but are never a concept on their own.
_UNITS = _wordset("gb mb kb tb gib mib ms us ns sec min hr hz khz mhz ghz tflops pflops flops")

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_'][A-Za-z0-9]+)*|\d+(?:\.\d+)?[A-Za-z]+[0-9]*|\S")
_ACRONYM = re.compile(r"^(?=[A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*[A-Z])[A-Za-z][A-Za-z0-9-]{1,11}s?$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")


@dataclass(frozen=True)
class KeyphraseOptions:
    """How concepts are picked. Defaults follow KeyBERT's usual settings."""

    #: Candidates kept (by frequency) before embedding, to bound the embedding cost.
    max_candidates: int = 24
    #: MMR trade-off: 1.0 is pure relevance to the answer, lower favours diversity.
    diversity_lambda: float = 0.65
    #: Relevance multiplier for a single ordinary word ("search") against a phrase or an
    #: acronym ("hybrid search", "BM25"), which name a concept more precisely.
    single_word_factor: float = 0.9
    #: One concept per this many answer words, on top of the minimum of four.
    words_per_concept: int = 80
    max_concepts: int = 8
    #: Share of the picked phrases (the most relevant first) marked core.
    core_share: float = 0.6


def _surface(token: str) -> str:
    """Keep acronyms and mixed case (``KV``, ``LoRA``); lower-case ordinary words.

    >>> _surface("Per-GPU"), _surface("Frontier-Style"), _surface("QLoRA")
    ('per-GPU', 'frontier-style', 'QLoRA')
    """
    parts = token.split("-")
    return "-".join(p if any(c.isupper() for c in p[1:]) else p.lower() for p in parts)


def _chunks(text: str) -> list[list[str]]:
    """Runs of content words between stopwords and punctuation."""
    out: list[list[str]] = []
    run: list[str] = []
    for m in _TOKEN.finditer(text):
        tok = m.group()
        word = tok[0].isalpha() or (tok[0].isdigit() and any(c.isalpha() for c in tok))
        if not word or tok.lower() in STOPWORDS or tok.lower().strip("'") in STOPWORDS:
            if run:
                out.append(run)
            run = []
            continue
        run.append(_surface(tok))
    if run:
        out.append(run)
    return out


def _is_verb(word: str, *, first: bool = False) -> bool:
    """A conjugated verb ("reduces", "planned"); also a bare one opening a phrase ("check").

    Gerunds are left alone: in technical prose they are nouns ("learning rate", "caching").
    """
    w = word.lower()
    forms = set()
    if w.endswith("ies") or w.endswith("ied"):
        forms.add(w[:-3] + "y")
    if w.endswith("es") or w.endswith("ed"):
        forms.update({w[:-2], w[:-1]})
    if w.endswith("s") and not w.endswith("ss"):
        forms.add(w[:-1])
    if w.endswith("d"):
        forms.add(w[:-1])
    if first:
        forms.add(w)
    return bool(forms & _VERBS)


def _dangling(word: str) -> bool:
    """An adjective, adverb or participle left at the end ("adapters trained")."""
    w = word.lower()
    participle = w.endswith("ed") and not w.endswith("eed") and len(w) > 4
    return participle or w in _TRAILING or w.endswith(("ly", "able", "ible", "ful", "ous"))


def _phrase_ok(words: Sequence[str]) -> bool:
    """Noun-phrase-like: no conjugated verb anywhere, no adjective or adverb left dangling."""
    if _is_verb(words[0], first=True) or any(_is_verb(w) for w in words[1:]):
        return False
    if len(words) > 1 and words[-2].endswith("s") and _is_verb(words[-1], first=True):
        return False  # "models require"
    if len(words) == 1 and words[0].lower() in _UNITS:
        return False
    if len(words) > 1 and len(words[0]) >= 6 and words[0].lower().endswith("ly"):
        return False  # "slightly favoring dense"
    return not _dangling(words[-1]) and _good_phrase(words)


def _good_phrase(words: Sequence[str]) -> bool:
    if len(words) == 1:
        w = words[0]
        return bool(_ACRONYM.match(w)) or "_" in w or (len(w) >= 4 and not w.isdigit())
    return all(len(w) >= 2 for w in words)


def candidate_phrases(text: str, question: str = "", limit: int = 24) -> list[str]:
    """N-grams (1-3 words) of content words, most frequent and longest first.

    >>> candidate_phrases("The KV cache stores keys. The KV cache grows with length.")[:2]
    ['KV cache', 'KV']
    """
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    forms: dict[str, str] = {}
    q_words = {w.lower() for chunk in _chunks(question) for w in chunk}
    for chunk in _chunks(f"{question}. {text}"):
        for n in (1, 2, 3):
            for i in range(len(chunk) - n + 1):
                words = chunk[i : i + n]
                if not _phrase_ok(words):
                    continue
                phrase = " ".join(words)
                key = phrase.lower()
                counts[key] += 1
                first_seen.setdefault(key, len(first_seen))
                forms.setdefault(key, phrase)

    def weight(key: str) -> float:
        words = key.split()
        bonus = 1.5 if any(w in q_words for w in words) else 1.0
        if any(_ACRONYM.match(forms[key].split()[j]) for j in range(len(words))):
            bonus *= 1.3
        return counts[key] * (1 + 0.6 * (len(words) - 1)) * bonus

    ranked = sorted(counts, key=lambda k: (-weight(k), first_seen[k]))
    # Single words are frequent by nature; cap them so multi-word phrases get a fair hearing.
    singles = [k for k in ranked if " " not in k][: max(1, int(limit * 0.4))]
    kept = set(singles) | {k for k in ranked if " " in k}
    return [forms[k] for k in ranked if k in kept][:limit]


def _specific(phrase: str) -> bool:
    """A multi-word phrase, an acronym or an identifier, rather than one ordinary word."""
    return " " in phrase or "-" in phrase or "_" in phrase or phrase != phrase.lower() \
        or any(c.isdigit() for c in phrase)


def _overlaps(a: str, b: str) -> bool:
    """Would the two phrases read as the same concept? (One inside the other, or mostly shared.)"""
    def stems(p: str) -> set[str]:
        return {w.lower().rstrip("s")[:6] for w in re.split(r"[\s_/-]+", p) if w}

    sa, sb = stems(a), stems(b)
    shared = len(sa & sb)
    return shared > 0 and (sa <= sb or sb <= sa or shared * 2 >= len(sa | sb))


def _mmr(phrases: list[str], rel: np.ndarray, sims: np.ndarray, k: int, lam: float) -> list[int]:
    import numpy as np

    chosen: list[int] = []
    left = list(range(len(phrases)))
    while left and len(chosen) < k:
        penalty = sims[np.ix_(left, chosen)].max(axis=1) if chosen else np.zeros(len(left))
        scores = lam * rel[left] - (1 - lam) * penalty
        order = [left[i] for i in np.argsort(-scores, kind="stable")]
        pick = next((i for i in order if not any(_overlaps(phrases[i], phrases[j])
                                                 for j in chosen)), None)
        if pick is None:
            break
        chosen.append(pick)
        left.remove(pick)
    return chosen


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for para in text.split("\n\n"):
        out.extend(s.strip() for s in _SENTENCE.split(para) if len(s.split()) >= 3)
    return out or [text.strip()]


def _contains(sentence: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", sentence, re.I) is not None


def acronym_pairs(text: str) -> dict[str, str]:
    """Acronym -> expansion for every "long form (SF)" or "SF (long form)" in the text.

    Matching follows Schwartz & Hearst (2003): the acronym's letters must appear in order in
    the long form, the first one starting a word.

    >>> acronym_pairs("Grouped-query attention (GQA) shares keys; the ELBO (Evidence Lower Bound).")
    {'GQA': 'Grouped-query attention', 'ELBO': 'Evidence Lower Bound'}
    """
    pairs: dict[str, str] = {}
    for m in re.finditer(r"([^()]{2,80}?)\s*\(([^()]{2,60})\)", text):
        before, inside = m.group(1).strip(), m.group(2).strip()
        if _ACRONYM.match(inside):
            words = re.findall(r"[\w'-]+", before)[-(len(inside) + 2):]
            for start in range(len(words)):
                long = " ".join(words[start:])
                if _matches_acronym(inside, long) and not _matches_acronym(inside, " ".join(
                        words[start + 1:])):
                    pairs.setdefault(inside.rstrip("s") if inside.endswith("s") and
                                     inside[:-1].isupper() else inside, long)
                    break
        else:
            short = re.findall(r"[\w-]+", before)[-1:] if before else []
            if short and _ACRONYM.match(short[0]) and _matches_acronym(short[0], inside):
                pairs.setdefault(short[0], inside)
    return pairs


def _matches_acronym(short: str, long: str) -> bool:
    letters = [c.lower() for c in short if c.isalnum()]
    text = long.lower()
    if not letters or not text or len(long.split()) > len(letters) + 2:
        return False
    s, t = len(letters) - 1, len(text) - 1
    while s >= 0:
        while t >= 0 and (text[t] != letters[s] or (s == 0 and t > 0 and text[t - 1].isalnum())):
            t -= 1
        if t < 0:
            return False
        s, t = s - 1, t - 1
    return True


def _initials(phrase: str) -> str:
    return "".join(w[0] for w in re.split(r"[\s_/-]+", phrase) if w).lower()


def implied_pairs(text: str, phrases: Iterable[str]) -> dict[str, str]:
    """Acronym -> phrase when an acronym in the text spells a phrase's initials.

    Catches pairs a document never puts side by side: "GQA ... grouped-query attention".
    """
    acronyms = {t for t in re.findall(r"\b[A-Z][A-Za-z]*[A-Z]\b", text) if len(t) <= 6}
    out: dict[str, str] = {}
    for phrase in phrases:
        if len(phrase.split()) == 1 and "-" not in phrase:
            continue
        for acro in acronyms:
            letters = "".join(c for c in acro if c.isupper()).lower()
            if len(letters) >= 2 and _initials(phrase) == letters:
                out.setdefault(acro, phrase)
    return out


def _aliases(label: str, pairs: dict[str, str]) -> tuple[str, ...]:
    out: list[str] = []
    low = label.lower()
    for short, long in pairs.items():
        if re.search(rf"\b{re.escape(short.lower())}\b", low):
            out.append(re.sub(rf"\b{re.escape(short)}\b", long.lower(), label, flags=re.I))
        elif long.lower() in low:
            out.append(re.sub(re.escape(long), short, label, flags=re.I))
    spoken = label.replace("_", " ").replace("-", " ")
    if spoken != label:
        out.append(spoken)
    seen = {low}
    unique = []
    for a in out:
        if a.lower() not in seen:
            seen.add(a.lower())
            unique.append(a)
    return tuple(unique)


@dataclass(frozen=True)
class _Plan:
    """The concept-picking work for one question, batched across a whole document."""

    doc: str
    phrases: list[str]
    k: int


def key_concepts_batch(items: Sequence[tuple[str, str]], embedder: Embedder,
                       options: KeyphraseOptions | None = None) -> list[tuple[Concept, ...]]:
    """Concepts for many ``(question, answer)`` pairs with two embedding calls in all.

    Each phrase is ranked by cosine similarity to the whole answer and picked by MMR; the
    description is the answer sentence that best expresses it.
    """
    import numpy as np

    opts = options or KeyphraseOptions()
    plans = []
    for question, answer in items:
        body = answer or question
        phrases = candidate_phrases(body, question, opts.max_candidates)
        if len(phrases) < MIN_CONCEPTS:
            phrases += [p for p in _fallback_phrases(question) if p not in phrases]
        k = min(opts.max_concepts, MIN_CONCEPTS + len(answer.split()) // opts.words_per_concept)
        plans.append(_Plan(f"{question} {answer}".strip(), phrases, k))
    texts = [p.doc for p in plans] + [ph for p in plans for ph in p.phrases]
    vecs = embedder.embed(texts) if texts else np.zeros((0, 1), np.float32)
    doc_vecs, phrase_vecs = vecs[: len(plans)], vecs[len(plans):]
    picked: list[list[str]] = []
    offset = 0
    for i, plan in enumerate(plans):
        pv = phrase_vecs[offset : offset + len(plan.phrases)]
        offset += len(plan.phrases)
        rel = pv @ doc_vecs[i]
        rel = rel * np.array([1.0 if _specific(p) else opts.single_word_factor
                              for p in plan.phrases])
        order = _mmr(plan.phrases, rel, pv @ pv.T, plan.k, opts.diversity_lambda)
        chosen = [plan.phrases[j] for j in order]
        chosen += [p for p in plan.phrases if p not in chosen][: max(0, MIN_CONCEPTS - len(chosen))]
        picked.append(chosen)
    return _describe(items, picked, embedder, opts)


def _fallback_phrases(question: str) -> list[str]:
    """For a question with no answer: its content words, then placeholders to fill in."""
    out = list(dict.fromkeys(w for chunk in _chunks(question) for w in chunk if len(w) >= 3))
    n = 1
    while len(out) < MIN_CONCEPTS:
        out.append(f"key point {n} (edit me)")
        n += 1
    return out


def _describe(items: Sequence[tuple[str, str]], picked: list[list[str]], embedder: Embedder,
              opts: KeyphraseOptions) -> list[tuple[Concept, ...]]:
    """Pick each phrase's description: the sentence of the answer that best expresses it."""
    needs: dict[str, None] = {}
    choices: list[list[list[str]]] = []
    for (question, answer), phrases in zip(items, picked, strict=True):
        sentences = _sentences(answer) if answer else [question]
        per_phrase = []
        for phrase in phrases:
            hits = [s for s in sentences if _contains(s, phrase)] or sentences
            if len(hits) > 1:
                needs.update(dict.fromkeys([phrase, *hits]))
            per_phrase.append(hits)
        choices.append(per_phrase)
    keys = list(needs)
    vecs = embedder.embed(keys) if keys else None
    index = {k: i for i, k in enumerate(keys)}
    out = []
    for (question, answer), phrases, per_phrase in zip(items, picked, choices, strict=True):
        text = f"{question} {answer}"
        pairs = {**implied_pairs(text, candidate_phrases(text, limit=200)), **acronym_pairs(text)}
        n_core = max(1, math.ceil(len(phrases) * opts.core_share))
        concepts = []
        for rank, (phrase, hits) in enumerate(zip(phrases, per_phrase, strict=True)):
            best = hits[0]
            if len(hits) > 1 and vecs is not None:
                pv = vecs[index[phrase]]
                best = max(hits, key=lambda s: float(vecs[index[s]] @ pv))
            concepts.append(Concept(
                label=phrase,
                # A question with no usable text has no sentence to quote (tests/test_fuzz.py)
                description=_shorten(best).strip() or phrase,
                aliases=_aliases(phrase, pairs),
                weight=Weight.CORE if rank < n_core else Weight.BONUS,
            ))
        out.append(tuple(concepts))
    return out


def _shorten(sentence: str, limit: int = 45) -> str:
    words = sentence.split()
    return sentence if len(words) <= limit else " ".join(words[:limit]) + " …"

