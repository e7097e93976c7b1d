"""Stop -> report latency: streaming versus transcribe-after-stop, side by side in one run.

    python -m bench.latency            # 30 s, 2 min, 5 min answers, 3 runs each (~25 min)
    python -m bench.latency --quick    # 30 s and 2 min, 2 runs each (~6 min)
    python -m bench.latency --lengths 300 --runs 3   # one row only

Each answer is replayed in real time through the file-backed microphone (`FileMic`) into the
streaming transcriber, as in `coach drill`. At the stop we time (a) the streaming path:
finishing the tail + scoring, and (b) the batch path on the same audio: transcribing all of it
+ scoring. Models are loaded and warm first, as they are by the time a drill answer ends.
"""

from __future__ import annotations

import argparse
import time

from bench.common import answer_of, machine, mmm, p95, table
from coach.bank.load import load_bank
from coach.drill import embed_finished_sentences
from coach.embed import default_embedder
from coach.record import FileMic
from coach.score.engine import score_answer
from coach.stream import StreamingTranscriber
from coach.transcribe import Transcriber

QUESTION = "kv-cache-why-critical-inference"


def one_run(transcriber: Transcriber, embedder, question, audio, speed: float,
            warm_keys: set[str]):
    holder = type("Engines", (), {"embedder": embedder})
    stream = StreamingTranscriber(transcriber, question.key_terms(),
                                  on_words=embed_finished_sentences(holder)).start()
    for block in FileMic(audio, speed=speed).blocks():
        stream.feed(block)
    t0 = time.perf_counter()
    transcript = stream.finish()
    score_answer(transcript, question, embedder)
    streaming = time.perf_counter() - t0
    # After-stop path on a cold sentence cache, as `coach score` would be.
    embedder._memo = {k: v for k, v in embedder._memo.items() if k in warm_keys}
    t0 = time.perf_counter()
    batch_transcript = transcriber.transcribe(audio, hotwords=question.key_terms())
    score_answer(batch_transcript, question, embedder)
    batch = time.perf_counter() - t0
    return streaming, batch, stream.background_seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--runs", type=int)
    p.add_argument("--speed", type=float, default=1.0, help="replay speed (1 = real time)")
    p.add_argument("--lengths", type=int, nargs="+", metavar="SECONDS",
                   help="answer lengths to run (default 30 120 300; --quick: 30 120)")
    args = p.parse_args()
    lengths = args.lengths or ([30, 120] if args.quick else [30, 120, 300])
    runs = args.runs or (2 if args.quick else 3)
    print(f"machine: {machine()}")
    question = load_bank().get(QUESTION)
    transcriber = Transcriber()
    transcriber.load()
    embedder = default_embedder()
    embedder.load()
    score_answer(transcriber.transcribe(answer_of(10)), question, embedder)  # warm up
    warm_keys = set(embedder._memo)  # the bank's texts; answers' sentences come and go
    rows = [["answer", "runs", "streaming s (min/med/max)", "stream p95", "after-stop s "
             "(min/med/max)", "after-stop p95", "speed-up (median)"]]
    for seconds in lengths:
        audio = answer_of(seconds)
        s_times, b_times = [], []
        for _ in range(runs):
            embedder._memo = {k: v for k, v in embedder._memo.items() if k in warm_keys}
            s, b, _bg = one_run(transcriber, embedder, question, audio, args.speed, warm_keys)
            s_times.append(s)
            b_times.append(b)
        ratio = sorted(b_times)[len(b_times) // 2] / max(1e-9, sorted(s_times)[len(s_times) // 2])
        rows.append([f"{seconds // 60}:{seconds % 60:02d}", str(runs), mmm(s_times),
                     f"{p95(s_times):.3f}", mmm(b_times), f"{p95(b_times):.3f}",
                     f"{ratio:.1f}x"])
        print(table(rows), flush=True)
    embedder.save()


if __name__ == "__main__":
    main()
