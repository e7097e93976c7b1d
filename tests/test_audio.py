"""Decoding: every supported format, any rate and channel count, to float32 mono 16 kHz."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coach.audio import SAMPLE_RATE, decode, encode, rms_dbfs, write_wav
from coach.errors import CoachError
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def clean() -> np.ndarray:
    return decode(FIXTURES / "attention_clean.flac")


@pytest.mark.parametrize("ending", [".wav", ".flac", ".mp3", ".ogg", ".m4a"])
def test_each_format_decodes_to_16k_mono(tmp_path: Path, clean: np.ndarray, ending: str) -> None:
    path = tmp_path / f"answer{ending}"
    encode(path, clean)
    out = decode(path)
    assert out.dtype == np.float32 and out.ndim == 1
    # Codecs add priming / padding (AAC: 1024 samples + frame fill); stay within 150 ms.
    assert abs(out.size - clean.size) < 0.15 * SAMPLE_RATE
    assert np.abs(out).max() <= 1.0
    # Same loudness after the round trip (lossy codecs included).
    assert abs(rms_dbfs(out) - rms_dbfs(clean)) < 1.5


def test_stereo_44k_fixture_is_downmixed_and_resampled(references: dict) -> None:
    ref = references["stereo_44k.wav"]
    assert ref["channels"] == 2 and ref["sample_rate"] == 44100
    import wave

    with wave.open(str(FIXTURES / "stereo_44k.wav")) as w:
        assert (w.getnchannels(), w.getframerate()) == (2, 44100)
        seconds = w.getnframes() / w.getframerate()
    out = decode(FIXTURES / "stereo_44k.wav")
    assert abs(out.size / SAMPLE_RATE - seconds) < 0.01


def test_8k_telephone_audio_is_upsampled(tmp_path: Path, clean: np.ndarray) -> None:
    narrow = clean[::2]  # 8 kHz worth of samples
    path = tmp_path / "phone.wav"
    write_wav(path, narrow, sample_rate=8000)
    out = decode(path)
    assert abs(out.size - narrow.size * 2) <= 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "no such file"),
        (lambda p: (p.write_bytes(b""), p)[1], "is empty (0 bytes)"),
        (lambda p: (p.write_text("hello, this is text"), p)[1], "is a text file, not audio"),
        (lambda p: (p.mkdir(), p)[1], "is a folder"),
    ],
    ids=["missing", "empty", "text-renamed-wav", "folder"],
)
def test_bad_files_give_one_clear_error(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path / "answer.wav")
    with pytest.raises(CoachError) as err:
        decode(path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_zero_length_wav(tmp_path: Path) -> None:
    path = tmp_path / "zero.wav"
    write_wav(path, np.zeros(0, np.float32))
    with pytest.raises(CoachError, match="no audio samples"):
        decode(path)


def test_truncated_file(tmp_path: Path) -> None:
    data = (FIXTURES / "attention_clean.flac").read_bytes()
    path = tmp_path / "cut.flac"
    path.write_bytes(data[:2000])
    # A truncated file either decodes what it holds or fails with the clear error.
    try:
        out = decode(path)
    except CoachError as err:
        assert "cannot decode" in str(err) or "no audio samples" in str(err)
    else:
        assert 0 < out.size < 16000 * 18
