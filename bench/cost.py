"""Batch cost of `coach score AUDIO`: transcription and scoring, separately, as real-time
factors, for 30 s, 2 min and 10 min answers, with tiny.en and base; and whether cost grows
linearly with length (the 10-minute cost over the 2-minute cost should be about 5, <= 5.5).

Scoring is timed as `coach score` pays it: the bank's texts are embedded already (cached on
disk), the answer's sentences are embedded afresh in every run.

    python -m bench.cost [--quick] [--runs N] [--models tiny.en base]
"""

from __future__ import annotations

import argparse
import time

from bench.common import answer_of, machine, mmm, table
from coach.bank.load import load_bank
from coach.embed import default_embedder
from coach.score.engine import score_answer
from coach.score.text import sentences
from coach.transcribe import TranscribeOptions, Transcriber

QUESTION = "kv-cache-why-critical-inference"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="tiny.en only, 1 run")
    p.add_argument("--runs", type=int)
    p.add_argument("--models", nargs="+", metavar="MODEL", help="default: tiny.en base")
    args = p.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    models = args.models or (["tiny.en"] if args.quick else ["tiny.en", "base"])
    print(f"machine: {machine()}")
    question = load_bank().get(QUESTION)
    embedder = default_embedder()
    embedder.load()
    print(f"embedder: {embedder.version} on {embedder.backend}")
    rows = [["model", "answer", "transcribe RTF (min/med/max)", "score RTF (min/med/max)",
             "score ms (median)", "total s (median)"]]
    totals: dict[tuple[str, int], float] = {}
    for model in models:
        tr = Transcriber(TranscribeOptions(model=model))
        tr.load()
        tr.transcribe(answer_of(5))  # warm
        for seconds in (30, 120, 600):
            audio = answer_of(seconds)
            t_rtf, s_rtf, total = [], [], []
            for _ in range(runs):
                t0 = time.perf_counter()
                transcript = tr.transcribe(audio, hotwords=question.key_terms())
                embedder.forget([s.text for s in sentences(transcript.words)])
                t1 = time.perf_counter()
                score_answer(transcript, question, embedder)
                t2 = time.perf_counter()
                t_rtf.append((t1 - t0) / seconds)
                s_rtf.append((t2 - t1) / seconds)
                total.append(t2 - t0)
            med = sorted(total)[len(total) // 2]
            totals[(model, seconds)] = med
            rows.append([model, f"{seconds // 60}:{seconds % 60:02d}", mmm(t_rtf, "{:.4f}"),
                         mmm(s_rtf, "{:.5f}"),
                         f"{sorted(s_rtf)[len(s_rtf) // 2] * seconds * 1000:.0f}",
                         f"{med:.2f}"])
            print(table(rows), flush=True)
    for model in models:
        ratio = totals[(model, 600)] / totals[(model, 120)]
        print(f"{model}: 10-min cost / 2-min cost = {ratio:.2f} (linear = 5.0; target <= 5.5)")
    embedder.save()


if __name__ == "__main__":
    main()
