"""The sentence embedder: the ONNX export gives PyTorch's numbers, is made once and atomically,
is rebuilt when damaged, and PyTorch takes over when it cannot be made."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coach import embed_onnx
from coach.embed import SentenceEmbedder
from coach.errors import CoachError

TEXTS = ["Um, so the KV cache keeps the keys and values of earlier tokens.",
         "LoRA", "It trades memory for compute, and paging removes the fragmentation of a "
         "cache that grows with every request; " * 8]  # the last one is truncated at 256 tokens


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "models"
    monkeypatch.setenv("COACH_MODEL_CACHE", str(cache))
    return cache


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return SentenceEmbedder(backend="torch").embed(TEXTS)


def test_onnx_export_matches_pytorch_and_is_made_once(own_cache: Path,
                                                       torch_vectors: np.ndarray) -> None:
    emb = SentenceEmbedder()
    got = emb.embed(TEXTS)
    assert emb.backend == "onnx", emb.fallback_reason
    assert got.dtype == np.float32 and got.shape == (3, 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(got * torch_vectors, axis=1)) > 0.9999
    files = list(own_cache.iterdir())
    assert [f.name for f in files] == [embed_onnx.onnx_file(own_cache, emb.version).name]
    assert files[0].stat().st_mode & 0o777 == 0o600
    mtime = files[0].stat().st_mtime_ns
    again = SentenceEmbedder()
    assert np.array_equal(again.embed(TEXTS), got)
    assert files[0].stat().st_mtime_ns == mtime  # not exported again


def test_order_and_batching_do_not_change_vectors(own_cache: Path) -> None:
    emb = SentenceEmbedder()
    texts = [f"sentence number {i} " + "word " * (i % 13) for i in range(30)]
    together = emb.load().encode(texts)
    alone = np.vstack([emb.load().encode([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_damaged_export_is_rebuilt_and_leftovers_removed(own_cache: Path,
                                                          torch_vectors: np.ndarray) -> None:
    emb = SentenceEmbedder()
    emb.load()
    target = embed_onnx.onnx_file(own_cache, emb.version)
    target.write_bytes(b"not a model")
    leftover = own_cache / f".{target.name}.crashed"  # an export cut short by a crash
    leftover.write_bytes(b"half")
    fresh = SentenceEmbedder()
    assert np.min(np.sum(fresh.embed(TEXTS) * torch_vectors, axis=1)) > 0.9999
    assert fresh.backend == "onnx"
    assert target.stat().st_size > 10_000_000
    assert not leftover.exists()


def test_falls_back_to_pytorch_when_export_fails(own_cache: Path, torch_vectors: np.ndarray,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(model_dir: Path, target: Path) -> Path:
        raise ImportError("No module named 'onnx'")

    monkeypatch.setattr(embed_onnx, "export_in_child", broken)
    emb = SentenceEmbedder()
    assert np.min(np.sum(emb.embed(TEXTS) * torch_vectors, axis=1)) > 0.9999
    assert emb.backend == "torch"
    assert "No module named 'onnx'" in emb.fallback_reason
    assert not list(own_cache.iterdir())
    with pytest.raises(CoachError, match="cannot run the embedding model with ONNX Runtime"):
        SentenceEmbedder(backend="onnx").load()


def test_a_disagreeing_export_is_never_used(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.models import embedder_path

    monkeypatch.setattr(embed_onnx, "MIN_COSINE", 1.0 + 1e-3)  # no export can pass this
    target = tmp_path / "model.onnx"
    with pytest.raises(RuntimeError, match="disagrees with PyTorch"):
        embed_onnx.export(embedder_path()[0], target)
    assert list(tmp_path.iterdir()) == []  # nothing left that could be read


def test_the_export_runs_in_a_child_so_this_process_never_loads_torch(own_cache: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from coach.embed import SentenceEmbedder; e = SentenceEmbedder(); "
            "e.embed(['a sentence']); print(e.backend, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["onnx", "False"]
    assert len(list(own_cache.glob("*.onnx"))) == 1


def test_a_failed_child_export_is_reported_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError) as err:
        embed_onnx.export_in_child(tmp_path / "no-such-model", tmp_path / "m.onnx")
    assert "\n" not in str(err.value) and str(err.value)
    assert not (tmp_path / "m.onnx").exists()


def test_processes_saving_the_embedding_cache_at_once_do_not_collide(tmp_path: Path) -> None:
    import threading

    cache = tmp_path / "embeddings.npz"
    embedders = [SentenceEmbedder(cache=cache) for _ in range(6)]
    for i, e in enumerate(embedders):
        e.embed([f"sentence {i}", "shared"])
    errors: list[BaseException] = []

    def save(e: SentenceEmbedder) -> None:
        try:
            for _ in range(5):
                e._cache_dirty = True
                e.save()
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(e,)) for e in embedders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [p.name for p in tmp_path.iterdir()] == ["embeddings.npz"]  # no temp file left
    assert len(SentenceEmbedder(cache=cache)._memo) == 2  # one complete save won
