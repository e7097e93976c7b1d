"""The streaming transcriber against the batch one, on real audio and the real model."""

from __future__ import annotations

from coach.audio import decode
from coach.record import FileMic
from coach.stream import StreamingTranscriber
from coach.wer import word_errors
from tests.conftest import FIXTURES


def test_stop_in_the_middle_of_speech_keeps_the_words(transcriber) -> None:
    """Regression: speech running to the last sample must not be dropped at the stop."""
    audio = decode(FIXTURES / "long_answer_fillers.flac")[: int(4.7 * 16000)]
    stream = StreamingTranscriber(transcriber, ["KV cache"]).start()
    for block in FileMic(audio, speed=0).blocks():
        stream.feed(block)
    t = stream.finish()
    assert not t.no_speech and "autoregressive" in t.text
    assert t.speech and t.speech[-1].end >= 4.6


def test_streamed_transcript_matches_the_batch_one(transcriber) -> None:
    audio = decode(FIXTURES / "kv_cache_fillers.flac")
    stream = StreamingTranscriber(transcriber, ["KV cache"], step_s=0.2).start()
    for block in FileMic(audio, speed=6).blocks():
        stream.feed(block)
    streamed = stream.finish()
    batch = transcriber.transcribe(audio, hotwords=["KV cache"])
    assert stream.stop_stats["windows"] >= 2  # it really transcribed in pieces
    assert word_errors(batch.text, streamed.text).wer < 0.1, (batch.text, streamed.text)
    starts = [w.start for w in streamed.words]
    assert starts == sorted(starts) and streamed.words[-1].end <= streamed.duration_s
