"""Run every benchmark and print their tables.

    python -m bench.run_all [--quick]
"""

from __future__ import annotations

import subprocess
import sys

from bench.common import ROOT


def main() -> None:
    quick = ["--quick"] if "--quick" in sys.argv else []
    for module, extra in (("bench.startup", ["--runs", "3"] if quick else []),
                          ("bench.recognition", []), ("bench.scoring", []),
                          ("bench.cost", quick), ("bench.memory", []),
                          ("bench.latency", quick)):
        print(f"\n=== {module} {' '.join(extra)}", flush=True)
        subprocess.run([sys.executable, "-m", module, *extra], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
