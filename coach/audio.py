"""Audio in and out. Everything inside coach is float32 mono 16 kHz numpy (`SAMPLE_RATE`).

Decoding goes through PyAV (shipped with faster-whisper), so WAV, FLAC, MP3, OGG and M4A at any
sample rate and channel count all decode once, here, to the internal format.
"""

from __future__ import annotations

import os
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.errors import CoachError

SAMPLE_RATE = 16000
SUPPORTED = (".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac", ".webm")
#: Longest answer we accept from a file (bounded memory: 45 min is ~170 MB of float32).
MAX_SECONDS = 45 * 60
#: A damaged file must still give this much audio to be used (else it is refused).
MIN_PARTIAL_SECONDS = 1.0
#: A sample at or beyond this int16 level is at full scale (clipped).
CLIP_LEVEL = 32440  # 99 % of full scale: resampling rounds clipped plateaus slightly down
#: Warn when this share of samples is clipped (normalised speech has a handful, not 0.1 %).
CLIPPED_WARN = 0.001
#: Speech codecs need at least ~6 kbit/s: a file smaller than this per claimed second has a
#: damaged header, not a long recording.
MIN_BYTES_PER_S = 500
#: Below this input rate, recognition loses the upper speech band (telephone audio is 8 kHz).
LOW_RATE = 16000


def _check_path(path: Path) -> None:
    if not path.exists():
        raise CoachError(f"no such file: {path}", hint="check the path")
    if path.is_dir():
        raise CoachError(f"{path} is a folder, not an audio file", hint="give a file path")
    if not os.access(path, os.R_OK):
        raise CoachError(f"cannot read {path}: permission denied", hint="check its permissions")
    if path.stat().st_size == 0:
        raise CoachError(f"{path} is empty (0 bytes)", hint="record the answer again")


def _looks_like_text(path: Path) -> bool:
    """Plain UTF-8 text (a transcript or notes saved with an audio ending)?

    Every audio container and raw codec stream has binary bytes in its first few KiB."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the 4 KiB boundary
        if exc.start < len(head) - 4:
            return False
        text = head[: exc.start].decode("utf-8")
    return bool(text.strip()) and all(c.isprintable() or c in "\t\n\r" for c in text)


@dataclass(frozen=True)
class Source:
    """What a file held before it became float32 mono 16 kHz: for notes about the recording."""

    path: Path
    sample_rate: int
    channels: int
    seconds: float
    #: Decoding stopped at damage (a cut or corrupt end); the audio before it is used.
    truncated: bool = False
    #: Share of samples at full scale (the recording level was too high).
    clipped: float = 0.0

    def warnings(self) -> list[str]:
        """One line per problem with the recording that still leaves it usable."""
        out = []
        if self.truncated:
            out.append(f"{self.path} is damaged or cut short after {_mmss(self.seconds)}: "
                       f"using the audio before that")
        if self.clipped >= CLIPPED_WARN:
            out.append(f"{self.path} is clipped ({self.clipped:.1%} of samples at full "
                       f"scale): lower the input gain and record again for a cleaner "
                       f"transcript")
        if 0 < self.sample_rate < LOW_RATE:
            out.append(f"{self.path} is {self.sample_rate / 1000:g} kHz audio (telephone "
                       f"quality): expect more recognition errors; record at 16 kHz or more")
        return out


def _wav_header_seconds(path: Path) -> float | None:
    """The length a PCM WAV header claims (None when the stdlib cannot read the header, or it
    holds a streaming writer's placeholder: 0 or 0xFFFFFFFF bytes)."""
    try:
        with wave.open(str(path), "rb") as w:
            frames, rate = w.getnframes(), w.getframerate()
            size = frames * w.getsampwidth() * w.getnchannels()
    except (wave.Error, EOFError, OSError, ValueError):
        return None
    if not rate or not frames or size >= 0xFFFF0000:
        return None
    return frames / rate


def _mmss(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _not_audio(path: Path, exc: BaseException | None = None) -> CoachError:
    if _looks_like_text(path):
        return CoachError(f"{path} is a text file, not audio",
                          hint="record the answer as WAV, FLAC, MP3, OGG or M4A; to score a "
                          "typed answer use coach score --text-file")
    kind = path.suffix.lower().lstrip(".") or "file"
    why = f" ({type(exc).__name__})" if exc is not None else ""
    return CoachError(f"cannot decode {path}: not a readable audio {kind}{why}",
                      hint=f"use WAV, FLAC, MP3, OGG or M4A; supported endings: "
                      f"{', '.join(SUPPORTED)}")


def _too_long(path: Path, max_seconds: float, seconds: float | None = None) -> CoachError:
    length = f" ({_hhmmss(seconds)})" if seconds is not None else ""
    return CoachError(f"{path} is longer than {max_seconds / 60:.0f} minutes{length}",
                      hint="trim it to the answer")


def _hhmmss(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def decode(path: str | Path, max_seconds: float = MAX_SECONDS) -> np.ndarray:
    """Decode any supported file to float32 mono 16 kHz in [-1, 1].

    Raises `CoachError` with one clear line for a missing, empty, unreadable or corrupt file.
    """
    return decode_source(path, max_seconds)[0]


def decode_source(path: str | Path,
                  max_seconds: float = MAX_SECONDS) -> tuple[np.ndarray, Source]:
    """`decode`, plus what the file held (rate, channels, clipping, damage) for warnings.

    A file that is damaged part-way (cut by a crash or a failed copy) keeps the audio before
    the damage and says so in `Source.truncated`; one that yields less than
    `MIN_PARTIAL_SECONDS` is refused. Memory stays near one int16 and one float32 copy of the
    audio (a 30-minute answer is ~60 + 115 MB).
    """
    path = Path(path)
    _check_path(path)
    import av

    # What FFmpeg and PyAV raise for bad bytes (found by tests/test_fuzz.py).
    av_errors = (av.error.FFmpegError, ValueError, IndexError, UnicodeDecodeError, EOFError)
    chunks: list[np.ndarray] = []
    total = clipped = 0
    limit = int(max_seconds * SAMPLE_RATE)
    rate = channels = 0
    failure: BaseException | None = None
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av_errors as exc:
        raise _not_audio(path, exc) from None
    with container:
        if not container.streams.audio:
            if _looks_like_text(path):
                raise _not_audio(path)
            raise CoachError(f"{path} has no audio stream", hint="give an audio file")
        # The header's duration (microseconds) refuses an over-long file before decoding it,
        # when the file is big enough to hold that much audio (a damaged header can claim
        # days; such a file is decoded, and the running count below still stops at the limit).
        claimed = container.duration / 1e6 if container.duration is not None else 0.0
        if claimed > max_seconds + 1 and path.stat().st_size >= claimed * MIN_BYTES_PER_S:
            raise _too_long(path, max_seconds, claimed)
        stream = container.streams.audio[0]
        # WAV and FLAC headers state the exact length: less audio than that means a cut file.
        # (FFmpeg trims a WAV's duration to the file size, so read that header ourselves.)
        expected = _wav_header_seconds(path) if container.format.name == "wav" else (
            container.duration / 1e6 if container.duration is not None
            and container.format.name == "flac" else None)
        if stream.codec_context is None:  # a damaged header names no usable codec
            raise _not_audio(path)
        try:
            rate = int(stream.codec_context.sample_rate or 0)
            channels = int(stream.codec_context.channels or 0)
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    arr = out.to_ndarray().reshape(-1)
                    chunks.append(arr)
                    total += arr.size
                    clipped += int(np.count_nonzero((arr >= CLIP_LEVEL) | (arr <= -CLIP_LEVEL)))
                if total > limit:
                    raise _too_long(path, max_seconds)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
                total += chunks[-1].size
        except CoachError:
            raise
        except av_errors as exc:
            failure = exc
    if failure is not None and total < MIN_PARTIAL_SECONDS * SAMPLE_RATE:
        raise _not_audio(path, failure) from None
    if not total:
        raise CoachError(f"{path} contains no audio samples", hint="record the answer again")
    # Fill one float32 array chunk by chunk, freeing each int16 chunk as it is copied.
    audio = np.empty(total, np.float32)
    at = 0
    chunks.reverse()
    while chunks:
        arr = chunks.pop()
        np.multiply(arr, 1.0 / 32768.0, out=audio[at : at + arr.size], casting="unsafe")
        at += arr.size
    seconds = total / SAMPLE_RATE
    cut = expected is not None and seconds < expected - 0.5
    source = Source(path, rate, channels, seconds, truncated=failure is not None or cut,
                    clipped=clipped / total)
    return audio, source


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
