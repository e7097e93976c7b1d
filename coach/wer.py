"""Word error rate between a reference and a hypothesis (jiwer-style measures, no deps)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[a-z0-9']+")


def normalise(text: str) -> list[str]:
    """Lowercase words without punctuation; hyphens split words ("pre-fill" -> "pre fill")."""
    return _TOKEN.findall(text.lower().replace("-", " "))


@dataclass(frozen=True)
class WerResult:
    substitutions: int
    deletions: int
    insertions: int
    reference_words: int

    @property
    def wer(self) -> float:
        errors = self.substitutions + self.deletions + self.insertions
        return errors / self.reference_words if self.reference_words else float(errors > 0)


def word_errors(reference: str, hypothesis: str) -> WerResult:
    ref, hyp = normalise(reference), normalise(hypothesis)
    # Levenshtein over words, keeping (cost, subs, dels, ins) per cell.
    prev = [(j, 0, 0, j) for j in range(len(hyp) + 1)]
    for i in range(1, len(ref) + 1):
        cur = [(i, 0, i, 0)]
        for j in range(1, len(hyp) + 1):
            if ref[i - 1] == hyp[j - 1]:
                cur.append(prev[j - 1])
                continue
            c, s, d, n = prev[j - 1]
            best = (c + 1, s + 1, d, n)
            c, s, d, n = prev[j]
            best = min(best, (c + 1, s, d + 1, n))
            c, s, d, n = cur[j - 1]
            best = min(best, (c + 1, s, d, n + 1))
            cur.append(best)
        prev = cur
    _, s, d, n = prev[-1]
    return WerResult(s, d, n, len(ref))
