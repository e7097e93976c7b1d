"""Peak memory (RSS) of a drill round and of `coach score` on a 10-minute answer.

    python -m bench.memory

Also the one-time export of the sentence model to ONNX (first use on a machine): it runs in a
child process of its own, so the drill itself never loads torch; its peak is shown apart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import FIXTURES, ROOT, answer_of, machine, table
from coach.audio import encode


def peak_mb(cmd: list[str], env: dict[str, str]) -> float:
    """Peak RSS of one child process (ru_maxrss of a fresh python wrapper's child)."""
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
            "capture_output=True, stdin=subprocess.DEVNULL); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, *cmd], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True)
    return int(out.stdout.strip()) / 1024.0


def main() -> None:
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp) / "models"
        env = {**os.environ, "COACH_HOME": str(Path(tmp) / "home"),
               "COACH_MODEL_CACHE": str(models)}
        ten = Path(tmp) / "ten-minutes.flac"
        encode(ten, answer_of(600))
        from coach.embed_onnx import onnx_file
        from coach.models import embedder_path

        path, version = embedder_path()
        models.mkdir()
        export = peak_mb([sys.executable, "-m", "coach.embed_onnx", str(path),
                          str(onnx_file(models, version))], env)
        drill = peak_mb([sys.executable, "-m", "coach", "drill", "--id",
                         "kv-cache-why-critical-inference", "--input-file",
                         str(FIXTURES / "long_answer_fillers.flac"), "--speed", "4",
                         "--silence", "0", "--no-speak"], env)
        score = peak_mb([sys.executable, "-m", "coach", "score", str(ten), "-q",
                         "kv-cache-why-critical-inference", "--json"], env)
    print(table([["process", "peak RSS MB", "target"],
                 ["coach drill (one round, 83 s answer)", f"{drill:.0f}", "<= 1000"],
                 ["coach score on a 10-minute answer", f"{score:.0f}", "-"],
                 ["one-time ONNX export of the sentence model (its own process)",
                  f"{export:.0f}", "-"]]))


if __name__ == "__main__":
    main()
