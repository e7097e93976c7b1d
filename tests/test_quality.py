"""Project hygiene that is cheap to check: lint, types, and a light `import coach`."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

HEAVY = ("torch", "sentence_transformers", "faster_whisper", "ctranslate2", "sounddevice",
         "pyttsx3", "av", "onnxruntime", "transformers")


def test_ruff_is_clean() -> None:
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "coach", "tests", "bench",
                          "audio_fixtures", "scripts"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_is_clean() -> None:
    out = subprocess.run([sys.executable, "-m", "mypy", "coach"], capture_output=True,
                         text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_import_and_cli_parser_stay_light() -> None:
    code = (
        "import sys, coach, coach.cli; coach.cli.build_parser();"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
