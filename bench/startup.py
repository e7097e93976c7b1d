"""Start-up: `import coach`, `coach --help`, and `coach drill` from launch to the first word
of the question being spoken (models load in the background while the question is read).

    python -m bench.startup [--runs N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import FIXTURES, ROOT, machine, mmm, table


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def first_word(env: dict[str, str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "trace"
        env = {**env, "COACH_TRACE": str(trace), "COACH_HOME": str(Path(tmp) / "home")}
        launched = time.time()
        subprocess.run([sys.executable, "-m", "coach", "drill", "--id",
                        "kv-cache-why-critical-inference", "--input-file",
                        str(FIXTURES / "kv_cache_fillers.flac"), "--speed", "50",
                        "--silence", "0"], cwd=ROOT, env=env, check=True, capture_output=True,
                       stdin=subprocess.DEVNULL)
        events = dict(line.split(" ", 1) for line in trace.read_text().splitlines())
        return float(events["speak_start"]) - launched


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    env = {**os.environ}
    print(f"machine: {machine()}")
    imp = [timed([sys.executable, "-c", "import coach, coach.cli"], env) for _ in range(args.runs)]
    helps = [timed([sys.executable, "-m", "coach", "--help"], env) for _ in range(args.runs)]
    base = [timed([sys.executable, "-c", "pass"], env) for _ in range(args.runs)]
    words = [first_word(env) for _ in range(max(1, args.runs // 2))]
    rows = [["measure", "seconds (min/median/max)", "target"],
            ["python itself (baseline)", mmm(base), "-"],
            ["import coach (incl. interpreter)", mmm(imp), "<= 0.2 (net of python)"],
            ["import coach, net of python start", mmm([a - b for a, b in zip(imp, base,
                                                                               strict=True)]),
             "<= 0.2"],
            ["coach --help", mmm(helps), "<= 0.5"],
            ["coach drill: launch -> first word spoken", mmm(words), "<= 1.5"]]
    print(table(rows))


if __name__ == "__main__":
    main()
