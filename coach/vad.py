"""Speech / silence spans from the Silero VAD that ships inside faster-whisper.

Short ``min_silence_ms`` so that pauses of a few hundred milliseconds show up as gaps, and
small padding so that the padding does not swallow them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coach.audio import SAMPLE_RATE
from coach.transcript import Span


@dataclass(frozen=True)
class VadOptions:
    threshold: float = 0.5
    min_speech_ms: int = 120
    #: Silences shorter than this are not gaps (FACTS: ~200 ms resolves pauses).
    min_silence_ms: int = 200
    speech_pad_ms: int = 30
    #: Less speech than this in total counts as no speech at all.
    min_total_speech_s: float = 0.4


def speech_spans(audio: np.ndarray, options: VadOptions | None = None,
                 offset: float = 0.0, gate: bool = True) -> tuple[Span, ...]:
    """Speech spans in seconds (plus ``offset``), in order. Empty for silence or steady noise.

    With ``gate`` (the default), less than ``min_total_speech_s`` of speech counts as none.
    """
    from faster_whisper.vad import VadOptions as FwVadOptions
    from faster_whisper.vad import get_speech_timestamps

    o = options or VadOptions()
    if audio.size < SAMPLE_RATE // 10:
        return ()
    stamps = get_speech_timestamps(
        audio,
        FwVadOptions(
            threshold=o.threshold,
            min_speech_duration_ms=o.min_speech_ms,
            min_silence_duration_ms=o.min_silence_ms,
            speech_pad_ms=o.speech_pad_ms,
        ),
        sampling_rate=SAMPLE_RATE,
    )
    spans = tuple(Span(offset + s["start"] / SAMPLE_RATE, offset + s["end"] / SAMPLE_RATE)
                  for s in stamps)
    if gate and sum(s.seconds for s in spans) < o.min_total_speech_s:
        return ()
    return spans


def plan_chunks(spans: tuple[Span, ...], max_s: float = 28.0, pad_s: float = 0.2,
                duration_s: float | None = None, tail_max_s: float | None = None) -> list[Span]:
    """Group speech spans into windows of at most ``max_s`` for the recogniser.

    Windows are cut only in silences, so no word is split; each window is a single Whisper
    window, so a prompt given to it steers all of it. A single span longer than ``max_s``
    is split evenly (rare: nobody speaks 28 s without a 200 ms pause). With ``tail_max_s``,
    a short last window joins the one before when both fit in ``tail_max_s``: Whisper runs
    its encoder on 30 s whatever the window holds, so a 2-s tail costs as much as a full one.
    """
    chunks: list[Span] = []
    cur: Span | None = None
    for s in spans:
        pieces = [s]
        if s.seconds > max_s:
            n = int(np.ceil(s.seconds / max_s))
            step = s.seconds / n
            pieces = [Span(s.start + i * step, s.start + (i + 1) * step) for i in range(n)]
        for p in pieces:
            if cur is None:
                cur = p
            elif p.end - cur.start <= max_s:
                cur = Span(cur.start, p.end)
            else:
                chunks.append(cur)
                cur = p
    if cur is not None:
        chunks.append(cur)
    if tail_max_s is not None and len(chunks) >= 2 \
            and chunks[-1].end - chunks[-2].start <= tail_max_s:
        chunks[-2:] = [Span(chunks[-2].start, chunks[-1].end)]
    end = duration_s if duration_s is not None else float("inf")
    return [Span(max(0.0, c.start - pad_s), min(end, c.end + pad_s)) for c in chunks]
