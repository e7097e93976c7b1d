"""all-MiniLM-L6-v2 run by ONNX Runtime instead of PyTorch.

Same numbers as sentence-transformers (cosine >= 0.9999, checked when the file is made), about a
quarter less time per answer on 2 cores (bench/README.md), and no torch import once it exists.

The model package ships PyTorch weights only, so the first use exports them once (torch and
onnx, about 10 s) into the model cache: written to a temporary file, checked against PyTorch on
probe sentences, then renamed into place, so a crash or a bad export leaves nothing that is
ever read. The export runs in a child process (`export_in_child`), so the process that asked
for it never loads torch and stays small. ONNX Runtime itself is already installed for the
Silero VAD.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

#: sentence-transformers' max_seq_length for this model (sentence_bert_config.json).
MAX_TOKENS = 256
#: Sentences of similar length are run together, so short ones are not padded to long ones.
BATCH = 8
#: What the exported model must reproduce, on these probes, to be used at all.
MIN_COSINE = 0.9999
PROBES = ("The KV cache stores keys and values so each step skips recomputation.",
          "Um, so basically it trades memory for compute.", "LoRA")
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxMiniLM:
    """Tokenise with the model's own tokenizer.json, run the ONNX graph, mean-pool, normalise."""

    def __init__(self, onnx_file: Path, model_dir: Path, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads or (os.cpu_count() or 1)
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_file), so,
                                            providers=["CPUExecutionProvider"])

    def _run(self, ids: Sequence[Sequence[int]]) -> np.ndarray:
        width = max(len(x) for x in ids)
        input_ids = np.zeros((len(ids), width), np.int64)
        mask = np.zeros((len(ids), width), np.int64)
        for i, x in enumerate(ids):
            input_ids[i, : len(x)] = x
            mask[i, : len(x)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask,
                "token_type_ids": np.zeros_like(input_ids)}
        hidden = self.session.run(None, feed)[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in order."""
        out = np.zeros((len(texts), 384), np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for k in range(0, len(order), BATCH):
            part = order[k : k + BATCH]
            out[part] = self._run([ids[i] for i in part])
        return out


def onnx_file(cache: Path, version: str) -> Path:
    return cache / f"minilm-l6-v2-{version}.onnx"


def export(model_dir: Path, target: Path) -> Path:
    """Export the PyTorch model to ``target`` once; raises if it cannot be made or checked."""
    for stale in target.parent.glob(f".{target.name}.*"):
        stale.unlink(missing_ok=True)  # left by a crash: never read, cleaned up here
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    bert = st[0].auto_model
    bert.eval()  # type: ignore[union-attr]

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    tmp = Path(name)  # mkstemp: private (0600) from birth
    try:
        example = st.tokenizer(list(PROBES[:2]), padding=True, return_tensors="pt")
        dynamic = {k: {0: "batch", 1: "tokens"} for k in (*INPUTS, "hidden")}
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(Hidden(), tuple(example[k] for k in INPUTS), str(tmp),
                              input_names=list(INPUTS), output_names=["hidden"],
                              dynamic_axes=dynamic, opset_version=17, dynamo=False)
        reference = st.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True,
                              show_progress_bar=False)
        got = OnnxMiniLM(tmp, model_dir).encode(PROBES)
        worst = float(np.min(np.sum(reference * got, axis=1)))
        if worst < MIN_COSINE:
            raise RuntimeError(f"the exported model disagrees with PyTorch (cosine {worst:.5f})")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def export_in_child(model_dir: Path, target: Path, timeout_s: float = 600.0) -> Path:
    """`export` in a child process (torch's memory goes away with it); raises on failure."""
    try:
        done = subprocess.run([sys.executable, "-m", "coach.embed_onnx", str(model_dir),
                               str(target)], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"exporting the embedding model took over {timeout_s:.0f} s") from None
    if done.returncode != 0 or not target.is_file():
        lines = [x for x in done.stderr.strip().splitlines() if x.strip()]
        raise RuntimeError(lines[-1] if lines else f"the export exited with {done.returncode}")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m coach.embed_onnx MODEL_DIR TARGET``: what `export_in_child` runs."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m coach.embed_onnx MODEL_DIR TARGET.onnx", file=sys.stderr)
        return 2
    from coach.models import go_offline

    go_offline()
    try:
        export(Path(args[0]), Path(args[1]))
    except Exception as exc:  # the parent shows this line and falls back to PyTorch
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
