"""Sentences and normalised tokens over a transcript: the common ground of every scorer.

Typed transcripts have no word times; `from_text` gives them times at a nominal speaking rate
and marks the transcript ``timed=False`` so the timing scorer can say its figures are estimated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from coach.transcript import Transcript, Word

#: Nominal speaking rate for typed answers (middle of the comfortable band).
NOMINAL_WPM = 140.0
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE_END = re.compile(r"[.?!]+[\"')\]]*$")
#: Longest sentence before we cut it at a comma: Whisper sometimes writes run-ons.
MAX_SENTENCE_WORDS = 45


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str
    first_word: int  # index into transcript.words
    last_word: int  # inclusive
    start: float
    end: float


def norm_tokens(text: str) -> list[str]:
    """Lowercase word tokens; hyphens and slashes split ("trade-off" -> "trade off")."""
    return _TOKEN.findall(text.lower().replace("-", " ").replace("/", " ").replace("_", " "))


def _letter(t: str) -> bool:
    return len(t) == 1 and t.isalpha()


def squash_runs(tokens: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) token ranges after joining spelled-out letters: "k v cache" -> kv, cache.

    "a" and "i" only join a run, never start one ("a k v cache" is "a kv cache").
    """
    ranges: list[tuple[int, int]] = []
    for i, t in enumerate(tokens):
        if _letter(t) and ranges:
            a, b = ranges[-1]
            run = tokens[a:b]
            if b == i and all(_letter(x) for x in run) and (len(run) > 1 or run[0] not in "ai"):
                ranges[-1] = (a, i + 1)
                continue
        ranges.append((i, i + 1))
    return ranges


def squash_letters(tokens: Sequence[str]) -> list[str]:
    """Join runs of single letters into one token: "k v cache" -> "kv cache", "d k" -> "dk"."""
    return ["".join(tokens[a:b]) for a, b in squash_runs(tokens)]


def from_text(text: str, wpm: float = NOMINAL_WPM) -> Transcript:
    """A typed answer as an untimed transcript (times estimated at ``wpm``)."""
    raw = text.split()
    step = 60.0 / wpm
    words = tuple(Word((" " if i else "") + w, i * step, i * step + step * 0.9)
                  for i, w in enumerate(raw))
    duration = len(raw) * step
    return Transcript(text=" ".join(raw), words=words, duration_s=duration, timed=False,
                      model="typed")


def sentences(words: Sequence[Word]) -> list[Sentence]:
    """Split at sentence punctuation; cut very long run-ons at commas."""
    out: list[Sentence] = []
    start = 0

    def emit(a: int, b: int) -> None:
        text = "".join(w.text for w in words[a : b + 1]).strip()
        if text:
            out.append(Sentence(len(out), text, a, b, words[a].start, words[b].end))

    for i, w in enumerate(words):
        token = w.text.strip()
        long_run = i - start + 1 >= MAX_SENTENCE_WORDS and token.endswith((",", ";", ":"))
        if _SENTENCE_END.search(token) or long_run or i == len(words) - 1:
            emit(start, i)
            start = i + 1
    return out
