"""Offline transcription that keeps what a speaking coach needs: word times, fillers, pauses.

How (measured in ``bench/recognition.py``; figures in bench/README.md):

1. The Silero VAD finds speech. No speech -> an empty transcript flagged ``no_speech``; Whisper
   never sees silence or noise alone, so it cannot hallucinate "Thank you." into it.
2. Speech is grouped into windows of at most 28 s, cut in silences. Each window is one Whisper
   window, so the prompt we give it (a short filler-only prompt that makes Whisper write "um"
   and "uh" instead of dropping them, plus the question's key terms) steers all of it - unlike
   ``initial_prompt`` over a long file, which steers only the first 30 s.
3. Words are shifted back to file time, words that fall outside every speech span are dropped
   (Whisper may invent a trailing "Uh" over silence), and times are made monotonic.
4. If Whisper stops early inside a window (it sometimes ends a window after one sentence), the
   untranscribed speech is transcribed again on its own.
5. An English-only model cannot tell which language it heard: it writes English-looking words
   for French too. When its output looks implausible (`looks_unreliable`), the multilingual
   ``base`` model's language detection runs on the first 30 s of speech (`spoken_language`) and
   the transcript records the language it found, so commands can say so.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from coach.audio import SAMPLE_RATE, duration
from coach.errors import CoachError
from coach.models import ModelInfo, go_offline, resolve_whisper
from coach.transcript import Segment, Span, Transcript, Word
from coach.vad import VadOptions, plan_chunks, speech_spans

#: Short and filler-only: long "Umm, let me think like..." prompts do little, and prompts that
#: start with "I'm" seed hallucination loops (FACTS.md).
FILLER_PROMPT = "Um, uh, hmm, er, ah."

Progress = Callable[[str, float], None]  # (stage, fraction 0..1)

#: The last window may grow to this (plus 0.2 s padding each side: exactly Whisper's 30 s)
#: rather than leave a short tail that costs a whole encoder pass of its own.
TAIL_MAX_S = 29.6

#: tiny.en on speech in another language: low word confidence, too few or too many words for
#: the speech heard, or a repetition loop. Measured on the audio fixtures (mean word probability
#: 0.92-0.95, 2.9-3.4 words per second of speech) and on espeak-ng speech: English 0.63 and
#: 3.4; French, German and Spanish 0.00-0.48, 0.1-5.9 words per second, loops like "Lee, Lee,
#: Lee". Crossing a line only costs a language check (~1.5-2 s and ~260 MB more, measured on 2
#: cores); it never rejects an answer by itself. Clean English answers never pay it.
SUSPECT_PROBABILITY = 0.7
SUSPECT_WORDS_PER_S = 1.5
#: Nobody says more than 5 words a second for long; a loop of invented words does.
FAST_WORDS_PER_S = 5.0
#: Whisper's compression-ratio threshold for repetitive (hallucinated) text.
SUSPECT_COMPRESSION = 2.4
#: Speech given to language detection (one Whisper window).
DETECT_SECONDS = 30.0
#: The detected language must be at least this likely before coach says "not English".
DETECT_CONFIDENCE = 0.5
LANGUAGE_NAMES = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "ru": "Russian", "uk": "Ukrainian",
    "tr": "Turkish", "ar": "Arabic", "hi": "Hindi", "zh": "Chinese", "ja": "Japanese",
    "ko": "Korean", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish",
    "cs": "Czech", "el": "Greek", "he": "Hebrew", "hu": "Hungarian", "ro": "Romanian",
    "id": "Indonesian", "vi": "Vietnamese", "th": "Thai", "fa": "Persian", "ca": "Catalan",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, f"language {code!r}")


def looks_unreliable(transcript: Transcript) -> bool:
    """Does an English-only model's transcript look like it was not English speech?"""
    if transcript.no_speech or not transcript.speech:
        return False
    speech_s = sum(s.seconds for s in transcript.speech)
    if not transcript.words:
        return speech_s >= 2.0
    mean_p = sum(w.probability for w in transcript.words) / len(transcript.words)
    rate = len(transcript.words) / speech_s
    return (mean_p < SUSPECT_PROBABILITY or not SUSPECT_WORDS_PER_S <= rate <= FAST_WORDS_PER_S
            or _repetitive(transcript.text))


def _repetitive(text: str) -> bool:
    """A decoding loop ("I don't know if I'm going to ... I don't know if ..."): text that
    compresses far better than speech does (Whisper's own hallucination test)."""
    import zlib

    data = text.encode("utf-8")
    return len(data) >= 200 and len(data) / len(zlib.compress(data)) > SUSPECT_COMPRESSION


def speech_clip(audio: np.ndarray, speech: Sequence[Span],
                seconds: float = DETECT_SECONDS) -> np.ndarray:
    """The first ``seconds`` of speech, silences left out (what language detection hears)."""
    parts, left = [], int(seconds * SAMPLE_RATE)
    for s in speech:
        a = audio[int(s.start * SAMPLE_RATE): int(s.end * SAMPLE_RATE)][:left]
        parts.append(a)
        left -= a.size
        if left <= 0:
            break
    return np.concatenate(parts) if parts else audio[: int(seconds * SAMPLE_RATE)]


def spoken_language(audio: np.ndarray, speech: Sequence[Span],
                    model: str = "base") -> tuple[str, float]:
    """(language code, probability) from a multilingual model's language detection.

    Costs one model load (~0.5 s; the first use of ``base`` also joins its files once) and one
    encoder pass over at most 30 s of speech (~0.7 s on 2 cores).
    """
    detector = Transcriber(TranscribeOptions(model=model))
    if detector.info.english_only:
        raise CoachError(f"{model} cannot detect languages", hint="use --model base")
    language, probability, _ = detector.load().detect_language(speech_clip(audio, speech))
    return str(language), float(probability)


@dataclass(frozen=True)
class Window:
    """What one Whisper window heard. ``language`` is set only when it was detected."""

    span: Span
    words: tuple[Word, ...]
    segments: tuple[Segment, ...]
    language: str | None = None
    language_probability: float = 1.0


@dataclass(frozen=True)
class TranscribeOptions:
    model: str = "tiny.en"
    beam_size: int = 1
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0: all cores
    filler_prompt: str | None = FILLER_PROMPT
    language: str | None = None  # None: "en" for English-only models, else detected
    #: Fallback temperatures. Whisper's default six-step ladder mostly spends its time
    #: re-decoding the silent tail of a window into "Thank you."; three steps keep the
    #: escape from repetition loops at two thirds of the cost (bench/recognition.py).
    temperatures: tuple[float, ...] = (0.0, 0.4, 0.8)
    chunk_s: float = 28.0
    #: Decode Whisper's timestamp tokens in every window. By default only windows shorter
    #: than `untimed_from_s` get them. A long window is decoded as one segment without them,
    #: so Whisper never seeks inside it and re-encodes its rest (an extra 30-s encoder pass
    #: in about half the windows); word times still come from cross-attention alignment, and
    #: the retry below covers a window it ends early (bench/recognition.py). A short window
    #: is mostly padding silence: without timestamps to stop at, Whisper goes on into it and
    #: invents "Thanks.", so short windows (the drill's streaming ones) keep them.
    timestamp_tokens: bool = False
    untimed_from_s: float = 24.0
    #: Re-transcribe a window's tail when this much speech follows Whisper's last word.
    retry_tail_s: float = 1.5
    vad: VadOptions = field(default_factory=VadOptions)

    def __post_init__(self) -> None:
        bad = []
        if self.beam_size < 1:
            bad.append("beam_size must be at least 1")
        if not 5.0 <= self.chunk_s <= 29.0:
            bad.append("chunk_s must be between 5 and 29 seconds")
        if self.cpu_threads < 0:
            bad.append("cpu_threads must be 0 (all cores) or more")
        if bad:
            raise CoachError("invalid transcription options: " + "; ".join(bad))


def build_prompt(filler_prompt: str | None, hotwords: Sequence[str]) -> str | None:
    """The per-window prompt: fillers first, then the key terms as a plain list."""
    parts = []
    if filler_prompt:
        parts.append(filler_prompt.strip())
    terms = [t.strip() for t in hotwords if t.strip()]
    if terms:
        parts.append(", ".join(terms) + ".")
    return " ".join(parts) or None


class Transcriber:
    """Holds one loaded Whisper model. Load once, transcribe many; thread-safe per call."""

    def __init__(self, options: TranscribeOptions | None = None) -> None:
        self.options = options or TranscribeOptions()
        self.info: ModelInfo = resolve_whisper(self.options.model)
        self._model = None
        self._lock = threading.Lock()

    @property
    def model_version(self) -> str:
        return f"{self.info.name} ({self.info.version})"

    def load(self):
        with self._lock:
            if self._model is None:
                go_offline()
                from faster_whisper import WhisperModel

                threads = self.options.cpu_threads or (os.cpu_count() or 1)
                try:
                    self._model = WhisperModel(
                        str(self.info.path), device="cpu",
                        compute_type=self.options.compute_type, cpu_threads=threads,
                        local_files_only=True,
                    )
                except (RuntimeError, ValueError, OSError) as exc:
                    raise CoachError(f"cannot load the Whisper model at {self.info.path}: {exc}",
                                     hint="reinstall the model package or give another "
                                     "--model") from None
            return self._model

    def transcribe(self, audio: np.ndarray, hotwords: Sequence[str] = (),
                   progress: Progress | None = None,
                   speech: tuple[Span, ...] | None = None) -> Transcript:
        """Transcribe float32 mono 16 kHz audio. ``hotwords`` bias decoding to key terms."""
        total = duration(audio)
        if speech is None:
            speech = speech_spans(audio, self.options.vad)
        prompt = build_prompt(self.options.filler_prompt, hotwords)
        parts: list[Window] = []
        language = self.default_language
        for chunk in plan_chunks(speech, max_s=self.options.chunk_s, duration_s=total,
                                 tail_max_s=TAIL_MAX_S):
            if progress:
                progress("transcribing", chunk.start / total if total else 1.0)
            part = self.window(audio, chunk, speech, prompt, language)
            language = language or part.language
            parts.append(part)
        if progress:
            progress("transcribing", 1.0)
        return self.assemble(parts, speech, total, hotwords, prompt)

    def check_language(self, audio: np.ndarray, transcript: Transcript) -> Transcript:
        """The transcript with the language actually spoken, for English-only models.

        Multilingual models detect it while transcribing. For tiny.en the language is assumed;
        when the output looks implausible (`looks_unreliable`) the ``base`` model checks it.
        Without the base model installed the assumption stands (nothing to check with).
        """
        if not self.info.english_only or self.options.language or \
                not looks_unreliable(transcript):
            return transcript
        try:
            language, probability = spoken_language(audio, transcript.speech)
        except CoachError:
            return transcript
        if language == "en" or probability < DETECT_CONFIDENCE:
            return transcript
        return replace(transcript, language=language, language_probability=probability)

    @property
    def default_language(self) -> str | None:
        """None means: detect it (multilingual models only)."""
        return self.options.language or ("en" if self.info.english_only else None)

    def assemble(self, parts: Sequence[Window], speech: tuple[Span, ...], total: float,
                 hotwords: Sequence[str], prompt: str | None) -> Transcript:
        """Join transcribed windows into one `Transcript` (VAD-gated, times monotonic)."""
        opts = {**asdict(self.options), "hotwords": list(hotwords), "prompt": prompt}
        if not speech:
            return Transcript(text="", words=(), no_speech=True, duration_s=total,
                              model=self.model_version, speech=speech, options=opts)
        words = _gate([w for p in parts for w in p.words], speech, total)
        detected = next((p for p in parts if p.language), None)
        return Transcript(
            text="".join(w.text for w in words).strip(), words=tuple(words),
            segments=tuple(s for p in parts for s in p.segments),
            language=(detected.language if detected else None) or "en",
            language_probability=detected.language_probability if detected else 1.0,
            duration_s=total, model=self.model_version, speech=speech, options=opts,
        )

    def window(self, audio: np.ndarray, chunk: Span, speech: tuple[Span, ...],
               prompt: str | None, language: str | None, depth: int = 0) -> Window:
        """Transcribe one window (at most 30 s) of ``audio``; word times are file times."""
        model = self.load()
        a = audio[int(chunk.start * SAMPLE_RATE): int(chunk.end * SAMPLE_RATE)]
        segs, info = model.transcribe(
            a, language=language, beam_size=self.options.beam_size, word_timestamps=True,
            vad_filter=False, initial_prompt=prompt, condition_on_previous_text=False,
            temperature=list(self.options.temperatures),
            without_timestamps=not (self.options.timestamp_tokens
                                    or chunk.end - chunk.start < self.options.untimed_from_s),
        )
        words: list[Word] = []
        segments: list[Segment] = []
        # `segs` is lazy: each item may cost another decoding pass. Once Whisper has reached
        # the end of the last speech in this window, stop asking: what is left is silence,
        # where it would only fall back through the temperatures to invent "Thank you.".
        speech_end = max((s.end for s in speech if chunk.start < s.end <= chunk.end + 0.05),
                         default=chunk.end) - chunk.start
        for seg in segs:
            segments.append(Segment(seg.start + chunk.start, seg.end + chunk.start,
                                    seg.text.strip()))
            for w in seg.words or ():
                words.append(Word(w.word, w.start + chunk.start, w.end + chunk.start,
                                  float(w.probability)))
            reached = max(seg.end, seg.words[-1].end if seg.words else 0.0)
            if reached >= speech_end - 0.25:
                break
        # Whisper sometimes closes a window early; transcribe any speech it left out.
        last = words[-1].end if words else chunk.start
        left = sum(max(0.0, min(s.end, chunk.end) - max(s.start, last)) for s in speech)
        if left >= self.options.retry_tail_s and depth < 2 and chunk.end - last > 1.0:
            tail = Span(max(chunk.start, last - 0.1), chunk.end)
            more = self.window(audio, tail, speech, prompt, language, depth + 1)
            words += [w for w in more.words if w.start >= last - 0.05]
            segments += more.segments
        detected = None if language else info.language
        return Window(chunk, tuple(words), tuple(segments), detected,
                      float(info.language_probability) if detected else 1.0)


def _gate(words: list[Word], speech: tuple[Span, ...], total: float,
          tolerance: float = 0.15) -> list[Word]:
    """Drop words heard over silence; clamp into the audio; make times non-decreasing."""
    out: list[Word] = []
    t = 0.0
    for w in sorted(words, key=lambda w: w.start):
        if not any(w.start < s.end + tolerance and w.end > s.start - tolerance for s in speech):
            continue
        if out and w.text.strip().lower() == out[-1].text.strip().lower() \
                and w.start < out[-1].end - 0.05:
            continue  # the same word heard twice where two windows overlap
        start = min(max(w.start, t), total)
        end = min(max(w.end, start), total)
        out.append(Word(w.text, start, end, w.probability))
        t = start
    return out
