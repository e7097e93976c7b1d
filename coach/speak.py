"""Reading questions and feedback aloud, behind one small interface.

- `Pyttsx3Speaker`: the system voice (espeak-ng on Linux) through pyttsx3, played on the default
  output device.
- `HibariSpeaker`: the natural hibari-tts voice shipped in its wheel (``--voice hibari``).
- `FileSpeaker`: speech written to WAV files instead of played: used when there is no output
  device (a server, CI, a laptop with the sound off) and by tests.
- `SilentSpeaker`: ``--no-speak``.

Speaking runs in a background thread (`say` returns at once; `wait` blocks), so models load
while the question is being read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from coach.errors import CoachError


class Speaker(Protocol):
    name: str

    def say(self, text: str) -> None: ...
    def wait(self) -> None: ...


class _Threaded:
    """Runs `_speak` off the caller's thread; remembers when the first word started."""

    name = "base"

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.started_at: float | None = None  # monotonic time the first utterance began

    def _speak(self, text: str) -> None:
        raise NotImplementedError

    def say(self, text: str) -> None:
        self.wait()

        def run() -> None:
            try:
                if self.started_at is None:
                    self.started_at = time.monotonic()
                self._speak(text)
            except BaseException as exc:  # surfaced by wait()
                self._error = exc

        self._thread = threading.Thread(target=run, name="coach-speak", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            err, self._error = self._error, None
            if isinstance(err, CoachError):
                raise err
            raise CoachError(f"speech failed: {err}", hint="use --no-speak") from None


class SilentSpeaker(_Threaded):
    name = "silent"

    def _speak(self, text: str) -> None:
        return None


def _quiet(*_args: object, **_kwargs: object) -> None:
    return None


def _pyttsx3_engine():
    try:
        import pyttsx3

        engine = pyttsx3.init()
        # The espeak driver prints "Audio saved to ..." from its synthesis callback. Silence
        # that module's print only: redirecting sys.stdout from this background thread would
        # also swallow what the main thread prints meanwhile.
        import importlib

        for name in ("pyttsx3.drivers.espeak", "pyttsx3.drivers._espeak"):
            try:
                importlib.import_module(name).print = _quiet
            except ImportError:
                continue
        return engine
    except (ImportError, OSError, RuntimeError) as exc:
        raise CoachError(f"cannot start the system voice ({exc})",
                         hint="install espeak-ng (sudo apt-get install espeak-ng) or use "
                         "--no-speak") from None


class FileSpeaker(_Threaded):
    """Writes each utterance to ``<folder>/speech-NNN.wav`` (espeak-ng via pyttsx3)."""

    name = "file"

    def __init__(self, folder: Path, on_file: Callable[[Path, str], None] | None = None) -> None:
        super().__init__()
        self.folder = folder
        self.files: list[Path] = []
        self.on_file = on_file
        # One engine for the speaker's life: pyttsx3's espeak driver calls back into the
        # engine, and a collected engine makes those callbacks fail.
        self._engine: Any = None

    def _speak(self, text: str) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.folder / f"speech-{len(self.files) + 1:03d}.wav"
        if self._engine is None:
            self._engine = _pyttsx3_engine()
        engine = self._engine
        engine.save_to_file(text, str(path))
        engine.runAndWait()
        if path.exists():
            path.chmod(0o600)
        self.files.append(path)
        if self.on_file:
            self.on_file(path, text)


class Pyttsx3Speaker(_Threaded):
    name = "system"

    def __init__(self, rate: int = 175) -> None:
        super().__init__()
        self.rate = rate
        self._engine: Any = None  # held for the speaker's life (see FileSpeaker)

    def _speak(self, text: str) -> None:
        if self._engine is None:
            self._engine = _pyttsx3_engine()
            self._engine.setProperty("rate", self.rate)
        engine = self._engine
        engine.say(text)
        engine.runAndWait()


class HibariSpeaker(_Threaded):
    """The bundled hibari-tts voice, played with sounddevice (or written to ``folder``)."""

    name = "hibari"

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.folder = folder
        self.files: list[Path] = []
        try:
            from hibari import Hibari
        except ImportError:
            raise CoachError("the hibari voice is not installed",
                             hint="pip install hibari-tts, or leave out --voice") from None
        self._tts = Hibari()

    def _speak(self, text: str) -> None:
        from hibari import SAMPLE_RATE, write_wav

        audio = self._tts(text, seed=0)
        if self.folder is not None:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            path = self.folder / f"speech-{len(self.files) + 1:03d}.wav"
            write_wav(str(path), audio, SAMPLE_RATE)
            path.chmod(0o600)
            self.files.append(path)
            return
        import sounddevice as sd

        sd.play(audio, SAMPLE_RATE, blocking=True)


def has_output_device() -> bool:
    try:
        import sounddevice as sd

        sd.query_devices(kind="output")
        return True
    except Exception:
        return False


def make_speaker(enabled: bool, voice: str, folder: Path) -> Speaker:
    """The right speaker for this machine: silent, played, or written to ``folder``."""
    if not enabled:
        return SilentSpeaker()
    to_file = not has_output_device()
    if voice == "hibari":
        return HibariSpeaker(folder if to_file else None)
    if to_file:
        return FileSpeaker(folder)
    return Pyttsx3Speaker()
