"""Validity of the scorer on labelled answers: Spearman, verdict agreement, per answer kind.

    python bench/scoring.py                 # calibration + held-out sets
    python bench/scoring.py --set heldout   # one set
    python bench/scoring.py --show KIND     # print each answer of a kind with its score

Labels: strong = 2, lean = 1, no_hire = 0. The word-count baseline is Spearman of answer length
with the labels: it must be low, and the scorer far above it. Also checks that for all seven
seed-000 narratives the stronger answer scores above the weak one, and times scoring.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import tomllib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.bank.load import load_bank  # noqa: E402
from coach.embed import default_embedder  # noqa: E402
from coach.score.engine import score_answer  # noqa: E402
from coach.score.text import from_text  # noqa: E402

LEVEL = {"strong": 2, "lean": 1, "no_hire": 0}
SETS = {"calibration": ["calibration_a.toml", "calibration_b.toml"],
        "heldout": ["heldout.toml"],
        # written later by writers who never saw the bank's red flags: does the scorer catch
        # misconceptions it was never told about?
        "heldout2": ["heldout2.toml"]}


def spearman(a: list[float], b: list[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def load_answers(name: str) -> list[dict]:
    out = []
    for f in SETS[name]:
        path = ROOT / "bench" / "calibration" / f
        if path.exists():
            out += tomllib.loads(path.read_text(encoding="utf-8"))["answer"]
    return out


def evaluate(name: str, show: str | None = None) -> dict:
    bank = load_bank()
    emb = default_embedder()
    answers = load_answers(name)
    rows = []
    times = []
    for a in answers:
        q = bank.get(a["question_id"])
        if q is None:
            print(f"  unknown question {a['question_id']}", file=sys.stderr)
            continue
        t0 = time.perf_counter()
        r = score_answer(from_text(a["text"]), q, emb)
        times.append(time.perf_counter() - t0)
        rows.append((a, r))
        if show and a["kind"] == show:
            print(f"--- {a['question_id']} [{a['label']}] -> {r.verdict.value} {r.overall} "
                  f"cov={r.coverage.score:.2f} core={r.coverage.core_score:.2f} "
                  f"st={r.structure.score:.2f} rel={r.coverage.relevance:.2f} "
                  f"gates={[g.reason for g in r.gates]} "
                  f"flags={[f.label for f in r.coverage.red_flags]}")
            print("   ", a["text"][:300].replace("\n", " "))
    emb.save()
    labels = [LEVEL[a["label"]] for a, _ in rows]
    overall = [r.overall for _, r in rows]
    length = [len(a["text"].split()) for a, _ in rows]
    agree = [LEVEL[r.verdict.value] == LEVEL[a["label"]] for a, r in rows]
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for (a, _), ok in zip(rows, agree, strict=True):
        by_kind[a["kind"]].append(ok)
    return {"n": len(rows), "questions": len({a["question_id"] for a, _ in rows}),
            "rho": spearman(overall, labels), "rho_length": spearman(length, labels),
            "agreement": float(np.mean(agree)) if agree else 0.0,
            "by_kind": {k: (sum(v), len(v)) for k, v in sorted(by_kind.items())},
            "times": times, "rows": rows}


def narratives() -> list[tuple[str, float, float]]:
    bank = load_bank()
    emb = default_embedder()
    out = []
    for q in bank.questions:
        if q.id.startswith("narrative-") and q.weak_answer:
            strong = score_answer(from_text(q.model_answer), q, emb).overall
            weak = score_answer(from_text(q.weak_answer), q, emb).overall
            out.append((q.id, strong, weak))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--set", choices=[*SETS, "all"], default="all")
    p.add_argument("--show", metavar="KIND")
    args = p.parse_args()
    names = list(SETS) if args.set == "all" else [args.set]
    for name in names:
        res = evaluate(name, args.show)
        print(f"\n== {name}: {res['n']} answers over {res['questions']} questions")
        print(f"Spearman rho(overall, label) = {res['rho']:.3f}   "
              f"word-count baseline rho = {res['rho_length']:.3f}")
        print(f"verdict agreement = {res['agreement'] * 100:.1f}%")
        print("per kind (agree / total):")
        for kind, (ok, n) in res["by_kind"].items():
            print(f"  {kind:22} {ok:3d} / {n:3d}  {100 * ok / n:5.1f}%")
        t = sorted(res["times"])
        if t:
            print(f"scoring time per answer (warm embedder): median "
                  f"{statistics.median(t) * 1000:.1f} ms, max {t[-1] * 1000:.1f} ms")
    rows = narratives()
    ok = sum(s > w for _, s, w in rows)
    print(f"\nseed-000 narratives: stronger > weak in {ok} / {len(rows)}")
    for qid, s, w in rows:
        print(f"  {qid:42} stronger {s:5.1f}  weak {w:5.1f}")


if __name__ == "__main__":
    main()
