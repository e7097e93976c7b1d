"""Typed transcript values passed from the transcriber to the scorers, store and reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA = 1


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    probability: float = 1.0


@dataclass(frozen=True)
class Span:
    """A stretch of time in seconds (speech from the VAD, or a silence between speech)."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    """What was said and when.

    ``speech`` holds the VAD's speech spans: Whisper's word times absorb silences, so pauses are
    measured between these spans, not between words. ``no_speech`` is set when the VAD found no
    speech; the text is then empty rather than a hallucinated sentence.
    """

    text: str
    words: tuple[Word, ...]
    duration_s: float
    language: str = "en"
    language_probability: float = 1.0
    model: str = ""
    segments: tuple[Segment, ...] = ()
    speech: tuple[Span, ...] = ()
    no_speech: bool = False
    #: False for typed transcripts: word times are estimated, not heard.
    timed: bool = True
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def pauses(self) -> tuple[Span, ...]:
        """Silences between consecutive speech spans."""
        pairs = zip(self.speech, self.speech[1:], strict=False)
        return tuple(Span(a.end, b.start) for a, b in pairs)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d = {"schema": SCHEMA, **d}
        d["words"] = [
            {"text": w.text, "start": round(w.start, 3), "end": round(w.end, 3),
             "probability": round(w.probability, 4)}
            for w in self.words
        ]
        d["segments"] = [
            {"start": round(s.start, 3), "end": round(s.end, 3), "text": s.text}
            for s in self.segments
        ]
        d["speech"] = [{"start": round(s.start, 3), "end": round(s.end, 3)} for s in self.speech]
        d["pauses"] = [
            {"start": round(p.start, 3), "end": round(p.end, 3), "seconds": round(p.seconds, 3)}
            for p in self.pauses
        ]
        d["duration_s"] = round(self.duration_s, 3)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Transcript:
        return cls(
            text=d["text"],
            words=tuple(Word(w["text"], w["start"], w["end"], w.get("probability", 1.0))
                        for w in d.get("words", [])),
            duration_s=d.get("duration_s", 0.0),
            language=d.get("language", "en"),
            language_probability=d.get("language_probability", 1.0),
            model=d.get("model", ""),
            segments=tuple(Segment(s["start"], s["end"], s["text"])
                           for s in d.get("segments", [])),
            speech=tuple(Span(s["start"], s["end"]) for s in d.get("speech", [])),
            no_speech=d.get("no_speech", False),
            timed=d.get("timed", True),
            options=d.get("options", {}),
        )
