"""Microphones behind one small interface, and a WAV writer that survives a crash.

- `SoundDeviceMic`: the default input device through sounddevice (PortAudio).
- `FileMic`: an audio file played as if it were a microphone, in real time (or faster), so the
  whole live loop (timer, level meter, streaming transcription) runs with no hardware.

Both yield float32 mono 16 kHz blocks of ~100 ms. `StreamingWav` writes blocks to disk as they
arrive and keeps the header's sizes current, so a kill -9 mid-answer leaves a playable file.
"""

from __future__ import annotations

import os
import queue
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from coach.audio import SAMPLE_RATE, to_pcm16
from coach.errors import CoachError

BLOCK_S = 0.1


class Microphone(Protocol):
    name: str

    def blocks(self) -> Iterator[np.ndarray]: ...
    def stop(self) -> None: ...


class FileMic:
    """Plays a decoded file as microphone input at ``speed`` x real time (0: no waiting)."""

    name = "file"

    def __init__(self, audio: np.ndarray, speed: float = 1.0) -> None:
        self.audio = audio
        self.speed = speed
        self._stop = threading.Event()

    def blocks(self) -> Iterator[np.ndarray]:
        step = int(BLOCK_S * SAMPLE_RATE)
        t0 = time.monotonic()
        for i, start in enumerate(range(0, self.audio.size, step)):
            if self._stop.is_set():
                return
            if self.speed > 0:
                due = t0 + (i + 1) * BLOCK_S / self.speed
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            yield self.audio[start : start + step]

    def stop(self) -> None:
        self._stop.set()


class SoundDeviceMic:
    """The default input device. Device errors become one clear `CoachError`."""

    name = "microphone"

    def __init__(self, device: int | str | None = None) -> None:
        try:
            import sounddevice as sd
        except OSError:
            raise CoachError("the audio library PortAudio is missing",
                             hint="sudo apt-get install libportaudio2, or use --input-file "
                             "ANSWER.wav") from None
        self._sd = sd
        self.device = device
        try:
            info = sd.query_devices(device, kind="input")
        except Exception:
            raise CoachError("no microphone found",
                             hint="plug one in, or practise with --input-file ANSWER.wav "
                             "(coach demo shows the loop)") from None
        self.device_name = str(info["name"]) if isinstance(info, dict) else str(device)
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue()
        self._stop = threading.Event()
        self._status_error: str | None = None

    def _callback(self, indata, frames, time_info, status) -> None:
        if status and status.input_overflow:
            pass  # a dropped block is better than stopping the answer
        self._queue.put(indata[:, 0].copy())

    def blocks(self) -> Iterator[np.ndarray]:
        sd = self._sd
        try:
            stream = sd.InputStream(samplerate=SAMPLE_RATE, channels=1, dtype="float32",
                                    blocksize=int(BLOCK_S * SAMPLE_RATE), device=self.device,
                                    callback=self._callback)
            stream.start()
        except Exception as exc:
            raise CoachError(f"cannot open the microphone ({exc})",
                             hint="check it is not in use, or use --input-file") from None
        try:
            while not self._stop.is_set():
                try:
                    block = self._queue.get(timeout=1.0)
                except queue.Empty:
                    if not stream.active:
                        raise CoachError("the microphone stopped delivering audio (unplugged?)",
                                         hint="what you said so far is saved; plug it back "
                                         "in and retry") from None
                    continue
                if block is None:
                    return
                yield block
        finally:
            try:
                stream.stop()
                stream.close()
            except Exception:
                pass

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(None)


class StreamingWav:
    """16-bit mono WAV written block by block; the header is patched every ``sync_s``."""

    def __init__(self, path: Path, sync_s: float = 0.5) -> None:
        self.path = path
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._f: BinaryIO = os.fdopen(fd, "wb")
        self._data = 0
        self._since_sync = 0
        self._sync_every = int(sync_s * SAMPLE_RATE) * 2
        self._f.write(self._header(0))

    @staticmethod
    def _header(data_bytes: int) -> bytes:
        return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE" + b"fmt "
                + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16)
                + b"data" + struct.pack("<I", data_bytes))

    def write(self, block: np.ndarray) -> None:
        pcm = to_pcm16(block)
        self._f.write(pcm)
        self._data += len(pcm)
        self._since_sync += len(pcm)
        if self._since_sync >= self._sync_every:
            self.sync()

    def sync(self) -> None:
        pos = self._f.tell()
        self._f.seek(0)
        self._f.write(self._header(self._data))
        self._f.seek(pos)
        self._f.flush()
        os.fsync(self._f.fileno())
        self._since_sync = 0

    @property
    def seconds(self) -> float:
        return self._data / 2 / SAMPLE_RATE

    def close(self) -> None:
        if not self._f.closed:
            self.sync()
            self._f.close()
