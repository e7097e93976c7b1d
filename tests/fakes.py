"""Fakes for hardware and for pure unit tests of scorers (never in place of real-model tests)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from coach.score.text import norm_tokens


class BagOfWordsEmbedder:
    """Deterministic embedder: hashed bag of word stems. Similar wording -> similar vectors."""

    version = "fake-bow"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 256), np.float32)
        for i, text in enumerate(texts):
            for tok in norm_tokens(text):
                h = int(hashlib.md5(tok[:5].encode()).hexdigest(), 16)
                out[i, h % 256] += 1.0
            n = np.linalg.norm(out[i])
            out[i] = out[i] / n if n else out[i]
        return out
