"""Calibrate the semantic thresholds of coverage and red flags on the bank itself.

    python bench/calibrate.py

Positives: each concept description against the sentences of its own entry's model answer
(a model answer covers its concepts). Negatives: the same description against the model answers
of entries in other topics. Red flags: statements against every model answer (which must not
state a misconception). Prints percentiles and the thresholds they suggest; the chosen values
live in coach/score/options.py.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coach.bank.load import load_bank
from coach.embed import default_embedder
from coach.score.coverage import _windows, model_sentences


def main() -> None:
    bank = load_bank()
    emb = default_embedder()
    rng = random.Random(0)
    qs = list(bank.questions)
    windows = {q.id: _windows(emb.embed(model_sentences(q))) for q in qs}
    pos: list[float] = []
    neg: list[float] = []
    flag_sims: list[float] = []
    for q in qs:
        desc = emb.embed([c.description for c in q.concepts])
        pos += list((windows[q.id] @ desc.T).max(axis=0))
        others = [o for o in qs if o.topic != q.topic]
        for other in rng.sample(others, 3):
            neg += list((windows[other.id] @ desc.T).max(axis=0))
        if q.red_flags:
            flags = emb.embed([f.statement for f in q.red_flags])
            own = emb.embed(model_sentences(q))
            flag_sims += list((own @ flags.T).max(axis=0))
    emb.save()
    p, n, f = np.array(pos), np.array(neg), np.array(flag_sims)
    pct = (5, 10, 25, 50, 75, 90, 95, 99)
    print(f"concept vs own model answer   (n={p.size}): " +
          " ".join(f"p{k}={np.percentile(p, k):.3f}" for k in pct))
    print(f"concept vs other-topic answer (n={n.size}): " +
          " ".join(f"p{k}={np.percentile(n, k):.3f}" for k in pct))
    print(f"red flag vs own model answer  (n={f.size}): " +
          " ".join(f"p{k}={np.percentile(f, k):.3f}" for k in pct))
    low, high = np.percentile(n, 95), np.percentile(p, 50)
    print(f"suggested semantic_low (neg p95) = {low:.3f}, semantic_high (pos p50) = {high:.3f}")
    for t in (0.5, 0.55, 0.6, 0.65):
        thr = low + t * (high - low)
        print(f"  covered at credit {t}: cos {thr:.3f}  recall(pos) {np.mean(p >= thr):.3f}  "
              f"false-cover(neg) {np.mean(n >= thr):.3f}")
    print(f"red flag statements above 0.65/0.70/0.75/0.80 in model answers: "
          f"{np.mean(f >= .65):.3f} / {np.mean(f >= .70):.3f} / {np.mean(f >= .75):.3f} / "
          f"{np.mean(f >= .80):.3f}")


if __name__ == "__main__":
    main()
