"""Filler words, told apart from the same words used for their meaning.

Hesitations (um, uh, er, ah, hmm) are always fillers. Discourse words are fillers only in the
positions where they carry no meaning, decided from the neighbouring words and the punctuation
Whisper writes:

- "like" after a comma or at a sentence start, or followed by a comma, or after "was / it's"
  without a following noun phrase; not "looks like", "I like", "like a ...".
- "kind of" / "sort of" unless a determiner makes them a noun ("a kind of model").
- "you know" / "I mean" when they stand apart (clause start, or followed by a comma), not
  "you know the answer".
- "basically", "actually", "literally" at the start of a clause or set off by commas.
- "so" only when set off ("So, ...", "so um", "so yeah"), not "so the cache grows".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from coach.transcript import Word

HESITATIONS = frozenset({"um", "umm", "uhm", "uh", "uhh", "er", "erm", "ah", "ahh", "hmm", "hm",
                         "mm", "mmm", "mhm"})
DETERMINERS = frozenset({"a", "an", "the", "this", "that", "these", "those", "my", "your", "his",
                         "her", "its", "our", "their", "some", "any", "what", "which", "one",
                         "each", "every", "same", "different", "certain", "other", "new",
                         "another", "no", "kinds", "sorts", "all"})
LIKE_VERBS = frozenset({"look", "looks", "looked", "looking", "seem", "seems", "seemed", "sound",
                        "sounds", "sounded", "feel", "feels", "felt", "would", "i", "we", "you",
                        "they", "don't", "didn't", "doesn't", "just", "more", "much", "less",
                        "something", "anything", "nothing", "things", "stuff", "exactly"})
ADVERBS = frozenset({"basically", "actually", "literally"})
_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class Filler:
    text: str
    start: float
    end: float
    index: int  # index of the first word in the transcript's words
    kind: str  # "hesitation" or "discourse"


@dataclass(frozen=True)
class _Tok:
    norm: str
    comma_after: bool  # the word is followed by , ; : or a dash
    stop_after: bool  # the word ends a sentence


def _tokens(words: Sequence[Word]) -> list[_Tok]:
    toks = []
    for w in words:
        raw = w.text.strip().lower()
        m = _WORD.findall(raw)
        norm = m[0] if m else ""
        tail = raw[-1:] if raw else ""
        toks.append(_Tok(norm, tail in {",", ";", ":", "-", "—"}, tail in {".", "?", "!"}))
    return toks


def _clause_start(toks: list[_Tok], i: int) -> bool:
    if i == 0:
        return True
    prev = toks[i - 1]
    return prev.comma_after or prev.stop_after or prev.norm in HESITATIONS or prev.norm in {
        "and", "but", "so", "because"}


def find_fillers(words: Sequence[Word]) -> list[Filler]:
    toks = _tokens(words)
    out: list[Filler] = []
    n = len(toks)
    i = 0

    def nxt(j: int) -> str:
        return toks[j].norm if j < n else ""

    def add(start: int, length: int, kind: str) -> None:
        text = " ".join(words[k].text.strip().strip(",.;:?!") for k in range(start, start + length))
        out.append(Filler(text, words[start].start, words[start + length - 1].end, start, kind))

    while i < n:
        t = toks[i]
        w = t.norm
        if w in HESITATIONS:
            add(i, 1, "hesitation")
        elif w == "like":
            prev = toks[i - 1].norm if i else ""
            if prev not in LIKE_VERBS and (
                t.comma_after
                or (_clause_start(toks, i) and nxt(i + 1) not in DETERMINERS)
                or (prev in {"was", "were", "it's", "is", "like"} and nxt(i + 1) not in DETERMINERS
                    and not toks[i - 1].stop_after)
            ):
                add(i, 1, "discourse")
        elif w in {"kind", "sort"} and nxt(i + 1) == "of":
            prev = toks[i - 1].norm if i else ""
            if prev not in DETERMINERS:
                add(i, 2, "discourse")
                i += 2
                continue
        elif (w, nxt(i + 1)) in {("you", "know"), ("i", "mean")}:
            second = toks[i + 1]
            if second.comma_after or second.stop_after or (
                _clause_start(toks, i) and (i + 2 >= n or toks[i + 2].norm in HESITATIONS)
            ) or (i > 0 and toks[i - 1].comma_after and second.comma_after):
                add(i, 2, "discourse")
                i += 2
                continue
        elif w in ADVERBS:
            if _clause_start(toks, i) or t.comma_after:
                add(i, 1, "discourse")
        elif w == "so":
            following = nxt(i + 1)
            if t.comma_after or following in HESITATIONS or following in {"yeah", "like"}:
                add(i, 1, "discourse")
        i += 1
    return out
