"""Find runs of 8+ words that a bank file shares with the seed documents.

Used by tests/test_bank_content.py; also runnable by hand:

    python tests/seedcheck.py bank/*.toml
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

RUN = 8
_WORD = re.compile(r"[a-z0-9]+")


def seeds_dir() -> Path | None:
    env = os.environ.get("COACH_SEEDS")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [p / "shared" / "seeds" for p in here.parents]
    for c in candidates:
        if c.is_dir() and any(c.glob("*.txt")):
            return c
    return None


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def seed_runs(seed_texts: list[str], n: int = RUN) -> set[tuple[str, ...]]:
    runs: set[tuple[str, ...]] = set()
    for text in seed_texts:
        w = words(text)
        runs.update(tuple(w[i : i + n]) for i in range(len(w) - n + 1))
    return runs


def copied(text: str, runs: set[tuple[str, ...]], n: int = RUN) -> list[str]:
    """Return each maximal copied run (as text) found in ``text``."""
    w = words(text)
    hits: list[str] = []
    i = 0
    while i <= len(w) - n:
        if tuple(w[i : i + n]) in runs:
            j = i + n
            while j < len(w) and tuple(w[j - n + 1 : j + 1]) in runs:
                j += 1
            hits.append(" ".join(w[i:j]))
            i = j
        else:
            i += 1
    return hits


def main(paths: list[str]) -> int:
    sd = seeds_dir()
    if sd is None:
        print("seed documents not found (set COACH_SEEDS)", file=sys.stderr)
        return 2
    runs = seed_runs([p.read_text(encoding="utf-8") for p in sorted(sd.glob("*.txt"))])
    bad = 0
    for p in paths:
        for lineno, line in enumerate(Path(p).read_text(encoding="utf-8").splitlines(), 1):
            for hit in copied(line, runs):
                print(f"{p}:{lineno}: copied from seed: {hit!r}")
                bad += 1
    print(f"{bad} copied run(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
