"""Fit the scorer's free parameters on the calibration answers (never the held-out ones).

    python bench/fit.py

Coordinate search over a small grid per parameter, maximising Spearman rho of `overall` with
the labels plus verdict agreement. Prints the chosen values (to copy into
coach/score/options.py) and the held-out figures they give, for honesty.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import tomllib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scoring import LEVEL, SETS, spearman  # noqa: E402
from coach.bank.load import load_bank  # noqa: E402
from coach.embed import default_embedder  # noqa: E402
from coach.errors import CoachError  # noqa: E402
from coach.score.engine import score_answer  # noqa: E402
from coach.score.options import ScoreOptions  # noqa: E402
from coach.score.text import from_text  # noqa: E402

GRID = {
    "semantic_low": [0.30, 0.34, 0.38, 0.42, 0.46],
    "semantic_high": [0.56, 0.60, 0.64, 0.68, 0.72],
    "covered_credit": [0.4, 0.5, 0.6],
    "red_flag_similarity": [0.62, 0.66, 0.70, 0.74, 0.78],
    "relevance_floor": [0.35, 0.40, 0.45, 0.50],
    "relevance_share": [0.0, 0.15, 0.3],
    "recall_share": [0.0, 0.2, 0.35, 0.5],
    "recall_similarity": [0.5, 0.55, 0.6],
    "flag_soft_penalty": [0.0, 8.0, 15.0, 25.0],
    "flag_soft_from": [0.5, 0.55, 0.6],
    "weight_structure": [0.15, 0.2, 0.25, 0.3],
    "weight_timing": [0.05, 0.1, 0.15],
    "red_flag_penalty": [10.0, 18.0, 25.0],
    "explained_similarity": [0.34, 0.40, 0.46],
}


def data(name: str):
    bank = load_bank()
    rows = []
    for f in SETS[name]:
        for a in tomllib.loads((ROOT / "bench/calibration" / f).read_text())["answer"]:
            rows.append((bank.get(a["question_id"]), from_text(a["text"]), LEVEL[a["label"]]))
    return rows


def objective(rows, o: ScoreOptions, emb) -> tuple[float, float, float]:
    scores, agree = [], []
    for q, t, level in rows:
        r = score_answer(t, q, emb, o)
        scores.append(r.overall)
        agree.append(LEVEL[r.verdict.value] == level)
    rho = spearman(scores, [lv for _, _, lv in rows])
    acc = float(np.mean(agree))
    return rho + acc, rho, acc


def with_weights(o: ScoreOptions, **kw: float) -> ScoreOptions:
    o = dataclasses.replace(o, **kw)
    rest = 1.0 - o.weight_structure - o.weight_timing - o.weight_delivery
    return dataclasses.replace(o, weight_coverage=rest)


def main() -> None:
    emb = default_embedder()
    cal, held = data("calibration"), data("heldout")
    best = ScoreOptions()  # continue from the options in use (the last fit's result)
    best_val = objective(cal, best, emb)
    print(f"start: rho {best_val[1]:.3f} agree {best_val[2]:.3f}")
    for sweep in range(2):
        for name, values in GRID.items():
            for v in values:
                try:
                    cand = with_weights(best, **{name: v})
                except CoachError:
                    continue
                val = objective(cal, cand, emb)
                if val[0] > best_val[0] + 1e-9:
                    best, best_val = cand, val
            print(f"sweep {sweep} {name:22} = {getattr(best, name)}  rho {best_val[1]:.3f} "
                  f"agree {best_val[2]:.3f}")
    emb.save()
    changed = {f.name: getattr(best, f.name) for f in dataclasses.fields(best)
               if getattr(best, f.name) != getattr(ScoreOptions(), f.name)}
    print("chosen:", changed)
    _, rho, acc = objective(held, best, emb)
    print(f"held-out with chosen options: rho {rho:.3f} agree {acc:.3f}")


if __name__ == "__main__":
    main()
