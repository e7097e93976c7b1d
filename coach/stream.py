"""Transcribe while the user speaks, so the report is ready about a second after they stop.

Audio blocks are fed in as they are captured. Every ``step_s`` a background thread runs the VAD
over the newest audio; speech that ended more than ``settle_s`` ago is settled. Settled speech
is grouped into windows (cut only in silences, like the batch transcriber) and transcribed as
soon as a window holds ``min_window_s`` of speech. At `finish`, only the speech after the last
transcribed window is left: the tail.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from coach.audio import SAMPLE_RATE
from coach.transcribe import Transcriber, Window, build_prompt
from coach.transcript import Span, Transcript, Word
from coach.vad import plan_chunks, speech_spans


class StreamingTranscriber:
    def __init__(self, transcriber: Transcriber, hotwords: Sequence[str] = (),
                 min_window_s: float = 4.0, max_window_s: float = 15.0,
                 settle_s: float = 0.8, step_s: float = 1.0, close_after_s: float = 1.5,
                 on_words: Callable[[Sequence[Word]], None] | None = None) -> None:
        self.transcriber = transcriber
        self.hotwords = list(hotwords)
        self.prompt = build_prompt(transcriber.options.filler_prompt, hotwords)
        self.language = transcriber.default_language
        self.min_window_s = min_window_s
        self.max_window_s = max_window_s
        self.settle_s = settle_s
        self.step_s = step_s
        self.close_after_s = close_after_s
        #: Called in the background with all words heard so far after each window, e.g. to
        #: embed finished sentences before the stop.
        self.on_words = on_words
        self._blocks: list[np.ndarray] = []
        self._samples = 0
        self._audio = np.zeros(0, np.float32)
        self._feed_lock = threading.Lock()
        self._work_lock = threading.Lock()  # held while the VAD or Whisper runs
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._spans: list[Span] = []  # settled speech
        self._vad_from = 0.0
        self._committed = 0.0  # speech before this time is transcribed
        self._parts: list[Window] = []
        self._speaking = False  # the VAD saw speech still going on at the last step
        self.error: BaseException | None = None
        self.background_seconds = 0.0  # CPU time spent while the user was speaking
        self.stop_stats: dict[str, float] = {}

    # --- input ----------------------------------------------------------------------------
    def feed(self, block: np.ndarray) -> None:
        with self._feed_lock:
            self._blocks.append(block.astype(np.float32, copy=False))
            self._samples += block.size

    def audio(self) -> np.ndarray:
        with self._feed_lock:
            if self._blocks:
                self._audio = np.concatenate([self._audio, *self._blocks])
                self._blocks.clear()
            return self._audio

    @property
    def seconds(self) -> float:
        return self._samples / SAMPLE_RATE

    @property
    def last_speech_end(self) -> float | None:
        return self._spans[-1].end if self._spans else None

    # --- background -----------------------------------------------------------------------
    def start(self) -> StreamingTranscriber:
        self._thread = threading.Thread(target=self._loop, name="coach-stream", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.step_s):
            try:
                t0 = time.perf_counter()
                with self._work_lock:
                    if self._stop.is_set():
                        return
                    self._step(final=False)
                self.background_seconds += time.perf_counter() - t0
            except BaseException as exc:  # surfaced at finish(); the recording goes on
                self.error = exc
                return

    def _settle(self, audio: np.ndarray, final: bool) -> None:
        end = audio.size / SAMPLE_RATE
        boundary = end if final else end - self.settle_s
        if boundary <= self._vad_from:
            return
        spans = speech_spans(audio[int(self._vad_from * SAMPLE_RATE):],
                             self.transcriber.options.vad, offset=self._vad_from, gate=False)
        # At the stop everything is settled (comparing ends with the boundary there would
        # drop speech that runs to the last sample by a floating-point hair).
        settled = list(spans) if final else [s for s in spans if s.end <= boundary]
        pending = [] if final else [s for s in spans if s.end > boundary]
        self._speaking = bool(pending)
        for s in settled:
            if self._spans and s.start <= self._spans[-1].end + 0.05:
                self._spans[-1] = Span(self._spans[-1].start, max(s.end, self._spans[-1].end))
            else:
                self._spans.append(s)
        # Re-run the VAD next time from the end of settled speech, but never past speech
        # still in progress; a long silence moves the start forward so the cost stays flat.
        nxt = settled[-1].end if settled else self._vad_from
        nxt = max(nxt, boundary - 1.0)
        if pending:
            nxt = min(nxt, pending[0].start - 0.1)
        self._vad_from = max(self._vad_from, nxt)

    def _step(self, final: bool) -> None:
        audio = self.audio()
        self._settle(audio, final)
        todo = tuple(s for s in self._spans if s.end > self._committed)
        if not todo:
            return
        chunks = plan_chunks(todo, max_s=self.max_window_s, duration_s=audio.size / SAMPLE_RATE)
        if not final:
            # Keep a short last window open while more speech may still join it; once the
            # speaker has been quiet for `close_after_s`, transcribe it now, not at the stop.
            speech_in_last = sum(min(s.end, chunks[-1].end) - max(s.start, chunks[-1].start)
                                 for s in todo if s.end > chunks[-1].start)
            quiet_for = 0.0 if self._speaking else audio.size / SAMPLE_RATE - todo[-1].end
            if speech_in_last < self.min_window_s and quiet_for < self.close_after_s:
                chunks = chunks[:-1]
        for chunk in chunks:
            start = max(chunk.start, self._committed)
            part = self.transcriber.window(audio, Span(start, chunk.end), tuple(self._spans),
                                           self.prompt, self.language)
            self.language = self.language or part.language
            self._parts.append(part)
            self._committed = chunk.end
            if self.on_words is not None and not final:
                self.on_words([w for p in self._parts for w in p.words])

    # --- the stop -------------------------------------------------------------------------
    def finish(self) -> Transcript:
        """Stop the background work, transcribe the tail, return the whole transcript."""
        t0 = time.perf_counter()
        self._stop.set()
        with self._work_lock:
            pass  # wait for a window in progress
        if self._thread is not None:
            self._thread.join()
        t1 = time.perf_counter()
        audio = self.audio()
        done_before = self._committed
        self._step(final=True)
        self.stop_stats = {"wait_s": t1 - t0, "tail_s": time.perf_counter() - t1,
                           "tail_audio_s": audio.size / SAMPLE_RATE - done_before,
                           "windows": float(len(self._parts))}
        total = audio.size / SAMPLE_RATE
        speech = tuple(self._spans)
        if sum(s.seconds for s in speech) < self.transcriber.options.vad.min_total_speech_s:
            speech = ()
        return self.transcriber.assemble(self._parts, speech, total, self.hotwords, self.prompt)
