"""Audio in and out. Everything inside coach is float32 mono 16 kHz numpy (`SAMPLE_RATE`).

Decoding goes through PyAV (shipped with faster-whisper), so WAV, FLAC, MP3, OGG and M4A at any
sample rate and channel count all decode once, here, to the internal format.
"""

from __future__ import annotations

import os
import wave
from pathlib import Path

import numpy as np

from coach.errors import CoachError

SAMPLE_RATE = 16000
SUPPORTED = (".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac", ".webm")
#: Longest answer we accept from a file (bounded memory: 45 min is ~170 MB of float32).
MAX_SECONDS = 45 * 60


def _check_path(path: Path) -> None:
    if not path.exists():
        raise CoachError(f"no such file: {path}", hint="check the path")
    if path.is_dir():
        raise CoachError(f"{path} is a folder, not an audio file", hint="give a file path")
    if not os.access(path, os.R_OK):
        raise CoachError(f"cannot read {path}: permission denied", hint="check its permissions")
    if path.stat().st_size == 0:
        raise CoachError(f"{path} is empty (0 bytes)", hint="record the answer again")


def decode(path: str | Path, max_seconds: float = MAX_SECONDS) -> np.ndarray:
    """Decode any supported file to float32 mono 16 kHz in [-1, 1].

    Raises `CoachError` with one clear line for a missing, empty, unreadable or corrupt file.
    """
    path = Path(path)
    _check_path(path)
    import av

    chunks: list[np.ndarray] = []
    total = 0
    limit = int(max_seconds * SAMPLE_RATE)
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise CoachError(f"{path} has no audio stream", hint="give an audio file")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            stream = container.streams.audio[0]
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    arr = out.to_ndarray().reshape(-1)
                    chunks.append(arr)
                    total += arr.size
                if total > limit:
                    raise CoachError(
                        f"{path} is longer than {max_seconds / 60:.0f} minutes",
                        hint="trim it to the answer",
                    )
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except CoachError:
        raise
    except (av.error.FFmpegError, ValueError, IndexError, UnicodeDecodeError) as exc:
        kind = path.suffix.lower() or "file"
        raise CoachError(
            f"cannot decode {path}: not a readable audio {kind.lstrip('.')} ({type(exc).__name__})",
            hint=f"use WAV, FLAC, MP3, OGG or M4A; supported endings: {', '.join(SUPPORTED)}",
        ) from None
    if not chunks:
        raise CoachError(f"{path} contains no audio samples", hint="record the answer again")
    pcm = np.concatenate(chunks)
    return (pcm.astype(np.float32) / 32768.0).clip(-1.0, 1.0)


def duration(audio: np.ndarray) -> float:
    return float(audio.size) / SAMPLE_RATE


def to_pcm16(audio: np.ndarray) -> bytes:
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Write mono float audio as 16-bit PCM WAV (stdlib only)."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(to_pcm16(audio))


def rms_dbfs(audio: np.ndarray) -> float:
    """Loudness of a block in dBFS (-inf for digital silence): for level meters and checks."""
    if audio.size == 0:
        return float("-inf")
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    return 20.0 * np.log10(rms) if rms > 0 else float("-inf")


_CODECS = {".flac": "flac", ".mp3": "libmp3lame", ".ogg": "libopus", ".opus": "libopus",
           ".m4a": "aac", ".wav": "pcm_s16le"}


def encode(path: str | Path, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Encode float audio (mono ``(n,)`` or multi-channel ``(n, channels)``) by file ending."""
    import av

    path = Path(path)
    codec = _CODECS.get(path.suffix.lower())
    if codec is None:
        raise CoachError(f"cannot write {path.suffix or 'files without an ending'}",
                         hint=f"use one of: {', '.join(_CODECS)}")
    data = audio.reshape(audio.shape[0], -1)
    channels = data.shape[1]
    layout = "mono" if channels == 1 else "stereo"
    pcm = (np.clip(data, -1.0, 1.0) * 32767.0).astype(np.int16)
    rate = 48000 if codec == "libopus" else sample_rate
    with av.open(str(path), mode="w") as container:
        stream: av.AudioStream = container.add_stream(codec, rate=rate, layout=layout)  # type: ignore[assignment]
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout=layout)
        frame.sample_rate = sample_rate
        fmt = stream.codec_context.format
        resampler = av.AudioResampler(format=fmt.name if fmt else "s16", layout=layout, rate=rate)
        for out in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(out):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
