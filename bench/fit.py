"""Fit the rubric's weights and boundaries on labelled answers (never on the second held-out set).

    python bench/fit.py            # fit on calibration + heldout, report all three sets
    python bench/fit.py --cv 6     # and the cross-validated figures (folds by question)

The rubric (coach/score/rubric.py) is a linear model over named evidence. Its weights come from
a ridge regression of the label (no hire 0, lean 1, strong 2) on the standardised terms, each
weight held to its term's direction (non-negative least squares on the ridge-augmented system):
an answer that restates more of the model answer can never score lower for it. The Lean and
Strong boundaries are then chosen for verdict agreement, with the gates and the fixed points for
delivery, timing and structure applied as the scorer applies them. Prints the values to copy
into coach/score/options.py, and each set's figures with them.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scoring import LEVEL, load_answers, spearman  # noqa: E402
from coach.bank.load import load_bank  # noqa: E402
from coach.embed import default_embedder  # noqa: E402
from coach.score.engine import Report, score_answer  # noqa: E402
from coach.score.options import ScoreOptions  # noqa: E402
from coach.score.rubric import TERMS, level_to_score  # noqa: E402
from coach.score.text import from_text  # noqa: E402
from coach.score.verdict import cap_of, points_off  # noqa: E402

FIT_ON = ("calibration", "heldout")
ALPHA = 3.0  # ridge penalty on the standardised terms


@dataclasses.dataclass
class Rows:
    values: np.ndarray  # (answers, terms), oriented so that larger is better
    labels: np.ndarray
    sets: np.ndarray
    questions: np.ndarray
    fixed: np.ndarray  # points taken off for delivery, timing and structure
    caps: np.ndarray
    flag_excess: list[float | None]  # None where the entry lists no misconception


def collect(o: ScoreOptions) -> Rows:
    bank, emb = load_bank(), default_embedder()
    vals, labels, sets, qids, fixed, caps, excess = [], [], [], [], [], [], []
    for name in ("calibration", "heldout", "heldout2"):
        for a in load_answers(name):
            r: Report = score_answer(from_text(a["text"]), bank.get(a["question_id"]), emb, o)
            by_name = {t.name: t.value for t in r.rubric}
            vals.append([d * by_name[n] for n, d, _ in TERMS])
            labels.append(LEVEL[a["label"]])
            sets.append(name)
            qids.append(a["question_id"])
            fixed.append(points_off(r.structure, r.delivery, r.timing, o))
            caps.append(cap_of(r.gates))
            excess.append(None if r.coverage.flag_resemblance is None else by_name["flag_excess"])
    emb.save()
    return Rows(np.array(vals), np.array(labels), np.array(sets), np.array(qids),
                np.array(fixed), np.array(caps), excess)


def fit_weights(x: np.ndarray, y: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """Non-negative ridge: weights (in the terms' own units) that are all >= 0."""
    from scipy.optimize import nnls

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    a = np.vstack([z, np.sqrt(alpha) * np.eye(x.shape[1])])
    b = np.concatenate([y - y.mean(), np.zeros(x.shape[1])])
    w, _ = nnls(a, b)
    return w / scale


def overall(level: np.ndarray, lean: float, strong: float, rows: Rows,
            o: ScoreOptions) -> np.ndarray:
    at = dataclasses.replace(o, rubric_lean_level=lean, rubric_strong_level=strong)
    score = np.array([level_to_score(v, at) for v in level])
    return np.clip(np.minimum(score - rows.fixed, rows.caps), 0, 100)


def verdicts(score: np.ndarray, o: ScoreOptions) -> np.ndarray:
    return np.where(score >= o.strong_at, 2, np.where(score >= o.lean_at, 1, 0))


def fit_boundaries(level: np.ndarray, rows: Rows, mask: np.ndarray) -> tuple[float, float]:
    """Each boundary on its own, as a yes/no cut of the level (at least Lean? Strong?) that
    maximises balanced accuracy: robust to how many answers of each label a set happens to
    have. The gates and the fixed points apply on top, as rules, not fitted."""
    y = rows.labels[mask]
    grid = np.quantile(level[mask], np.linspace(0.01, 0.99, 197))
    cuts = []
    for at_least in (1, 2):
        best = (-1.0, 0.0)
        for t in grid:
            yes = level[mask] >= t
            pos, neg = y >= at_least, y < at_least
            bal = 0.5 * (np.mean(yes[pos]) + np.mean(~yes[neg]))
            if bal > best[0] + 1e-12:
                best = (bal, float(t))
        cuts.append(best[1])
    lean, strong = cuts
    return lean, max(strong, lean + 0.05)


def report(tag: str, score: np.ndarray, rows: Rows, o: ScoreOptions) -> None:
    v = verdicts(score, o)
    for name in ("calibration", "heldout", "heldout2"):
        m = rows.sets == name
        print(f"  {tag:14} {name:12} rho {spearman(list(score[m]), list(rows.labels[m])):.3f}"
              f"  agreement {np.mean(v[m] == rows.labels[m]) * 100:5.1f}%")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cv", type=int, default=0, help="also report K-fold figures, by question")
    args = p.parse_args()
    o = ScoreOptions()
    rows = collect(o)
    fit = np.isin(rows.sets, FIT_ON)
    w = fit_weights(rows.values[fit], rows.labels[fit])
    level = rows.values @ w
    lean, strong = fit_boundaries(level, rows, fit)
    known = [e for e, f in zip(rows.flag_excess, fit, strict=True) if f and e is not None]
    print("# fitted on", " + ".join(FIT_ON), f"({int(fit.sum())} answers)")
    for (name, _, _), weight in zip(TERMS, w, strict=True):
        print(f"rubric_{name}: float = {weight:.3f}")
    print(f"flag_excess_neutral: float = {np.mean(known):.2f}")
    print(f"rubric_lean_level: float = {lean:.2f}\nrubric_strong_level: float = {strong:.2f}")
    report("fitted", overall(level, lean, strong, rows, o), rows, o)
    if args.cv:
        pred = np.zeros(len(rows.labels))
        groups = sorted(set(rows.questions[fit]))
        for k in range(args.cv):
            held = np.isin(rows.questions, groups[k :: args.cv]) & fit
            train = fit & ~held
            wk = fit_weights(rows.values[train], rows.labels[train])
            lk = rows.values @ wk
            a, b = fit_boundaries(lk, rows, train)
            pred[held] = overall(lk, a, b, rows, o)[held]
        m = fit
        v = verdicts(pred, o)
        print(f"  {args.cv}-fold by question over the fitted sets: rho "
              f"{spearman(list(pred[m]), list(rows.labels[m])):.3f}  agreement "
              f"{np.mean(v[m] == rows.labels[m]) * 100:.1f}%")


if __name__ == "__main__":
    main()
