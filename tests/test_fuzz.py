"""Random bytes into the two doors a user's files come through: the audio decoder and the
question bank (its loader, and the importer of prep notes). Bounded runs (a few seconds each,
seeded, so a failure reproduces): the only way out is a value or the clear `CoachError`.

What these runs found and fixed: an empty or comment-only bank file crashed the loader; an
MP4 whose header names no codec crashed the decoder; notes whose answer had no sentence to
quote, or a line starting "[[question]]", made the importer write a file that did not check;
damaged headers claiming days of audio were refused as "longer than 45 minutes".
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from coach.bank.importer import import_file
from coach.bank.load import load_file
from coach.bank.notes import parse_document
from coach.errors import CoachError
from tests.conftest import FIXTURES, ROOT
from tests.fakes import BagOfWordsEmbedder

BUDGET_S = 5.0  # per target; the case count then depends on the machine, the cases do not
MIN_CASES = 100  # a run that manages fewer has not tested much: fail rather than pass quietly


def _cases(seed: int, budget_s: float = BUDGET_S, most: int = 20_000):
    rng = random.Random(seed)
    end = time.monotonic() + budget_s
    n = 0
    while n < most and time.monotonic() < end:
        yield n, rng
        n += 1


# --- the audio decoder (in a child process: a crash inside FFmpeg must fail this test, not
# end the test run) ---------------------------------------------------------------------------

DECODER_FUZZ = r'''
import json, random, sys, time, traceback
from pathlib import Path
import numpy as np
from coach.audio import decode, decode_source, encode
from coach.errors import CoachError

out, seed, budget = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
clean = decode(sys.argv[4])[: 16000 * 3]
seeds = {}
for ext in (".wav", ".flac", ".mp3", ".ogg", ".m4a"):
    encode(out / f"seed{ext}", clean)
    seeds[ext] = (out / f"seed{ext}").read_bytes()
endings = [*seeds, ".webm", ".opus", ".aac", ".mp4", ".oga"]
rng = random.Random(seed)
counts, unexpected = {}, []
end, n = time.monotonic() + budget, 0
while time.monotonic() < end:
    n += 1
    ext = rng.choice(endings)
    if ext not in seeds or rng.random() < 0.3:  # random bytes, sometimes behind a real header
        data = rng.randbytes(rng.randrange(1, 5000))
        if ext in seeds and rng.random() < 0.5:
            data = seeds[ext][: rng.randrange(4, 64)] + data
    else:  # a real file with bytes flipped, sometimes cut short
        data = bytearray(seeds[ext])
        for _ in range(rng.randrange(1, 50)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(1, len(data))]
        data = bytes(data)
    case = out / f"case{ext}"
    case.write_bytes(data)
    try:
        audio, source = decode_source(case)
        assert audio.dtype == np.float32 and audio.ndim == 1 and audio.size > 0
        assert np.isfinite(audio).all() and float(np.abs(audio).max()) <= 1.0
        assert all("\n" not in w for w in source.warnings())
        kind = "decoded"
    except CoachError as err:
        assert "\n" not in str(err)
        kind = "clear error"
    except BaseException:
        kept = out / f"crash-{n}{ext}"
        kept.write_bytes(data)
        unexpected.append(f"{kept}: {traceback.format_exc(limit=3)}")
        kind = "crash"
    counts[kind] = counts.get(kind, 0) + 1
print(json.dumps({"cases": n, "counts": counts, "unexpected": unexpected[:5]}))
'''


def test_the_decoder_on_random_and_damaged_files(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", DECODER_FUZZ, str(tmp_path), "8",
                          str(BUDGET_S), str(FIXTURES / "attention_clean.flac")],
                         capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-3000:]  # e.g. a segfault inside FFmpeg
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["unexpected"] == [], "\n".join(result["unexpected"])
    assert result["cases"] >= MIN_CASES, result
    # Both outcomes happen: the mutations are neither all harmless nor all fatal.
    assert result["counts"].get("decoded", 0) > 0 and result["counts"].get("clear error", 0) > 0


# --- the bank loader ---------------------------------------------------------------------


def test_the_bank_loader_on_random_and_damaged_files(tmp_path: Path) -> None:
    real = (ROOT / "bank" / "inference-serving.toml").read_bytes()[:20_000]
    path = tmp_path / "fuzz.toml"
    n = 0
    for n, rng in _cases(seed=8):
        if rng.random() < 0.3:
            data = rng.randbytes(rng.randrange(0, 3000))
        else:
            data = bytearray(real)
            for _ in range(rng.randrange(1, 30)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            data = bytes(data[: rng.randrange(1, len(data) + 1)])
        path.write_bytes(data)
        questions, problems = load_file(path)  # never raises: problems are returned
        lines = data.count(b"\n") + 1
        for p in problems:
            assert 1 <= p.line <= lines and "\n" not in str(p), (n, p)
        assert all(q.id and q.concepts for q in questions)
    assert n >= MIN_CASES


# --- the importer ------------------------------------------------------------------------

LINES = ["Q1: What is attention?", "## Q2: Why does a KV cache help?", "Answer:",
         "Model Answer:", "Direct answer: it caches.", "Deep answer:", "Follow-ups:", "- why?",
         "Difficulty: hard", "Scoring: Strong: explains the cost", "Common mistakes:",
         "QF1: quick one?", "1. an item", '"A Quoted Title"', "", "Level 1: go deeper",
         "Weak answer: no idea", "[[question]]", 'id = "x"', "```", "# Heading", "Q1F: follow?",
         "Rapid-fire round", "Memory calculation: 2 x layers x heads"]


def _soup(rng: random.Random) -> bytes:
    """Prep-note-like lines with random Unicode tails, or plain random bytes."""
    if rng.random() < 0.2:
        return rng.randbytes(rng.randrange(0, 3000))
    lines = []
    for _ in range(rng.randrange(0, 60)):
        line = rng.choice(LINES)
        if rng.random() < 0.5:
            line += " " + "".join(chr(rng.randrange(32, 0x3000))
                                  for _ in range(rng.randrange(0, 30)))
        lines.append(line)
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def test_the_importer_on_random_notes(tmp_path: Path) -> None:
    """Only the clear error or a bank file that loads back exactly (never "internal error":
    the importer checks what it writes, so a broken file would be an importer bug)."""
    embedder = BagOfWordsEmbedder()
    src, out = tmp_path / "notes.md", tmp_path / "out.toml"
    n, imported = 0, 0
    for n, rng in _cases(seed=8):
        data = _soup(rng)
        src.write_bytes(data)
        parse_document(data.decode("utf-8", "replace"))  # the parser alone never raises
        try:
            result = import_file(src, embedder=embedder, out=out, force=True, topic="fuzz")
        except CoachError as err:
            assert "internal error" not in str(err), (n, err)
            assert "\n" not in str(err)
            continue
        questions, problems = load_file(result.path)
        assert problems == [] and [q.id for q in questions] == \
            [q.id for q in result.questions], (n, problems)
        imported += 1
    assert n >= MIN_CASES and imported > 0
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_importing_never_runs_anything_from_the_file(tmp_path: Path, monkeypatch) -> None:
    """Text that would run in a shell, a template engine, YAML or Python stays text."""
    monkeypatch.chdir(tmp_path)
    attacks = [
        "__import__('os').system('touch PWNED-python')",
        "$(touch PWNED-shell) `touch PWNED-backticks`",
        "!!python/object/apply:os.system ['touch PWNED-yaml']",
        "{{ ''.__class__.__mro__[1].__subclasses__() }} {% include '/etc/passwd' %}",
        '""" ]]\n[[question]]\nid = "injected"',
    ]
    notes = tmp_path / "notes.md"
    notes.write_text("".join(f"Q{i}: What does this do? {a}\nAnswer: It is only text: {a} "
                             "and nothing runs it.\n\n" for i, a in enumerate(attacks, 1)))
    result = import_file(notes, embedder=BagOfWordsEmbedder(), out=tmp_path / "bank.toml",
                         topic="attacks")
    questions, problems = load_file(result.path)
    assert problems == [] and len(questions) == len(attacks)
    assert not any(q.id == "injected" for q in questions)
    for q, attack in zip(questions, attacks, strict=True):
        assert attack.split("\n")[0].replace("`", "") in q.model_answer  # `code` marks go
    assert list(tmp_path.glob("PWNED*")) == []
