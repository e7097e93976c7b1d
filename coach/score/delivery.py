"""How the answer sounded: fillers, repetitions and restarts, hedges, silent pauses.

Pauses come from the VAD speech spans the transcriber returns, not from gaps between Whisper's
word times (which absorb silence). A pause after a word that ends a sentence is a natural break;
a pause inside a sentence over ``hesitation_pause_s`` reads as uncertainty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from coach.score.fillers import HESITATIONS, find_fillers
from coach.score.options import ScoreOptions
from coach.score.text import norm_tokens
from coach.transcript import Transcript

HEDGES = (("i", "think"), ("i", "guess"), ("i", "believe"), ("maybe",), ("probably",),
          ("i'm", "not", "sure"), ("not", "sure"), ("possibly",), ("i", "don't", "know"),
          ("might", "be"), ("i", "suppose"), ("perhaps",), ("if", "i", "remember"))
#: Sweeping claims: an interviewer hears "always" or "it eliminates" as a claim that has no
#: limits, and strong answers name where theirs stop (seed 004: "this could fail when...").
#: A trailing "*" matches any ending ("eliminat*": eliminates, eliminating).
ABSOLUTES = (("always",), ("never",), ("every", "time"), ("any", "time"), ("no", "scenario"),
             ("exactly",), ("fully",), ("guarantee*",), ("completely",), ("entirely",),
             ("nothing",), ("no", "need"), ("don't", "need"), ("obsolete",), ("eliminat*",),
             ("totally",), ("perfect*",), ("immune",), ("impossible",), ("at", "all"),
             ("regardless",))
_END = re.compile(r"[.?!]+[\"')\]]*$")


@dataclass(frozen=True)
class Occurrence:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Pause:
    start: float
    end: float
    seconds: float
    kind: str  # "sentence_break" | "mid_sentence"
    flagged: bool  # a hesitation (mid-sentence, long) or a long pause anywhere


@dataclass(frozen=True)
class DeliveryResult:
    score: float  # 0..1
    fillers: tuple[Occurrence, ...]
    filler_per_minute: float
    filler_share: float  # fillers / words
    repetitions: tuple[Occurrence, ...]
    hedges: tuple[Occurrence, ...]
    pauses: tuple[Pause, ...]
    long_pauses: int
    hesitation_pauses: int
    speaking_minutes: float
    timed: bool
    absolutes: tuple[Occurrence, ...] = ()
    words: int = 0

    @property
    def absolutes_per_100_words(self) -> float:
        return 100.0 * len(self.absolutes) / self.words if self.words else 0.0


def _repetitions(t: Transcript) -> list[Occurrence]:
    """Immediate repeats ("the the", "we need we need") and cut-off words ("compu-")."""
    toks = [(norm_tokens(w.text), w) for w in t.words]
    flat = [(tok[0], w) for tok, w in toks if tok and tok[0] not in HESITATIONS]
    out: list[Occurrence] = []
    i = 0
    while i < len(flat):
        matched = False
        for size in (3, 2, 1):
            a = flat[i : i + size]
            b = flat[i + size : i + 2 * size]
            if len(b) == size and [x for x, _ in a] == [x for x, _ in b] and not (
                size == 1 and a[0][0] in {"that", "had", "very", "really", "no", "bye"}):
                out.append(Occurrence(" ".join(x for x, _ in a + b), a[0][1].start, b[-1][1].end))
                i += 2 * size
                matched = True
                break
        if not matched:
            i += 1
    out += [Occurrence(w.text.strip(), w.start, w.end) for w in t.words
            if re.search(r"\w-$", w.text.strip())]
    return sorted(out, key=lambda o: o.start)


def _matches(token: str, pattern: str) -> bool:
    return token.startswith(pattern[:-1]) if pattern.endswith("*") else token == pattern


def _phrases(t: Transcript, phrases: tuple[tuple[str, ...], ...]) -> list[Occurrence]:
    flat = [(tok, w) for w in t.words for tok in norm_tokens(w.text)]
    exact, prefixed = _by_first_word(phrases)
    out = []
    for i, (tok, _) in enumerate(flat):
        candidates = exact.get(tok, ()) + tuple(h for h in prefixed if _matches(tok, h[0]))
        for h in candidates:
            got = flat[i : i + len(h)]
            if len(got) == len(h) and all(_matches(x, p) for (x, _), p in zip(got, h, strict=True)):
                out.append(Occurrence(" ".join(x for x, _ in got), got[0][1].start, got[-1][1].end))
    return out


@lru_cache(maxsize=8)
def _by_first_word(phrases: tuple[tuple[str, ...], ...]
                   ) -> tuple[dict[str, tuple[tuple[str, ...], ...]], tuple[tuple[str, ...], ...]]:
    """The phrases keyed by their first word (those starting with a "word*" prefix apart), so
    each word of an answer is checked only against the phrases that can start there."""
    exact: dict[str, tuple[tuple[str, ...], ...]] = {}
    for h in phrases:
        if not h[0].endswith("*"):
            exact[h[0]] = (*exact.get(h[0], ()), h)
    return exact, tuple(h for h in phrases if h[0].endswith("*"))


def _hedges(t: Transcript) -> list[Occurrence]:
    return _phrases(t, HEDGES)


def _pauses(t: Transcript, o: ScoreOptions) -> list[Pause]:
    if not t.timed or not t.words:
        return []
    first, last = t.words[0].start, t.words[-1].end
    out = []
    for p in t.pauses:
        if p.seconds < o.min_pause_s or p.end <= first or p.start >= last:
            continue  # thinking time before the first word is timed separately
        before = [w for w in t.words if w.start < p.start + 0.1]
        kind = "sentence_break" if before and _END.search(before[-1].text.strip()) \
            else "mid_sentence"
        flagged = p.seconds >= o.long_pause_s or (
            kind == "mid_sentence" and p.seconds >= o.hesitation_pause_s)
        out.append(Pause(p.start, p.end, round(p.seconds, 3), kind, flagged))
    return out


def _ramp(value: float, good: float, bad: float) -> float:
    """1 at or below ``good``, 0 at or above ``bad``, linear between."""
    if value <= good:
        return 1.0
    if value >= bad:
        return 0.0
    return 1.0 - (value - good) / (bad - good)


def score_delivery(t: Transcript, options: ScoreOptions | None = None) -> DeliveryResult:
    o = options or ScoreOptions()
    fillers = [Occurrence(f.text, f.start, f.end) for f in find_fillers(t.words)]
    words = sum(1 for w in t.words if norm_tokens(w.text))
    span = (t.words[-1].end - t.words[0].start) if t.words else 0.0
    minutes = max(span, 1.0) / 60.0
    per_min = len(fillers) / minutes if t.words else 0.0
    share = len(fillers) / words if words else 0.0
    reps = _repetitions(t)
    pauses = _pauses(t, o)
    long_pauses = sum(1 for p in pauses if p.seconds >= o.long_pause_s)
    hesitations = sum(1 for p in pauses if p.flagged and p.kind == "mid_sentence")
    if not t.words:
        score = 0.0
    else:
        filler_part = _ramp(per_min, o.fillers_ok_per_min, o.fillers_bad_per_min)
        flow_part = _ramp((len(reps) + hesitations + long_pauses) / minutes, 1.0, 6.0)
        score = 0.7 * filler_part + 0.3 * flow_part
    return DeliveryResult(round(score, 4), tuple(fillers), round(per_min, 2), round(share, 4),
                          tuple(reps), tuple(_hedges(t)), tuple(pauses), long_pauses,
                          hesitations, round(minutes, 3), t.timed,
                          tuple(_phrases(t, ABSOLUTES)), words)
