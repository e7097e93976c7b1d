"""The practice loop: ask, listen, transcribe while listening, judge, save, offer what next.

Hardware (microphone, speaker), the models and the attempt store are passed in, so the same
loop runs on a laptop, in `coach demo` with a recorded answer as the microphone, and in tests.
"""

from __future__ import annotations

import hashlib
import json
import queue
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from coach import __version__, inuse, trace
from coach.audio import rms_dbfs
from coach.bank.model import Question
from coach.errors import CoachError
from coach.live import LiveLine
from coach.record import Microphone, StreamingWav
from coach.score.verdict import mmss
from coach.speak import Speaker
from coach.transcript import Transcript

if TYPE_CHECKING:
    from coach.bank.load import Bank
    from coach.score.engine import Report
    from coach.store import Store


@dataclass(frozen=True)
class RoundOptions:
    #: Stop after this much silence following speech (0: never stop on silence).
    silence_stop_s: float = 4.0
    #: Hard limit: this many times the target, but at least `min_limit_s`.
    limit_factor: float = 2.0
    min_limit_s: float = 60.0
    model: str = "tiny.en"

    def __post_init__(self) -> None:
        bad = []
        if self.silence_stop_s < 0:
            bad.append("--silence must be 0 (off) or more seconds")
        if self.silence_stop_s and self.silence_stop_s < 1.0:
            bad.append("--silence under 1 s would stop mid-sentence")
        if self.limit_factor <= 0 or self.min_limit_s <= 0:
            bad.append("the hard limit must be positive")
        if bad:
            raise CoachError("; ".join(bad))

    def limit_for(self, target_s: float) -> float:
        return max(self.min_limit_s, target_s * self.limit_factor)


class Engines:
    """Whisper and the sentence embedder, loaded in background threads at session start so
    they are ready by the time the question has been read out."""

    def __init__(self, model: str) -> None:
        from coach.transcribe import TranscribeOptions, Transcriber

        self.transcriber = Transcriber(TranscribeOptions(model=model))
        self._embedder: Any = None
        self._errors: list[BaseException] = []
        self._threads = [threading.Thread(target=self._guard(self.transcriber.load),
                                          daemon=True, name="coach-load-whisper"),
                         threading.Thread(target=self._guard(self._load_embedder),
                                          daemon=True, name="coach-load-embedder")]
        for t in self._threads:
            t.start()

    def _guard(self, fn: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except BaseException as exc:
                self._errors.append(exc)
        return run

    def _load_embedder(self) -> None:
        from coach.embed import default_embedder

        emb = default_embedder()
        emb.load()
        self._embedder = emb

    def ready(self) -> Engines:
        for t in self._threads:
            t.join()
        if self._errors:
            err = self._errors[0]
            raise err if isinstance(err, CoachError) else CoachError(
                f"cannot load the models: {err}") from None
        return self

    @property
    def embedder(self) -> Any:
        self.ready()
        return self._embedder

    def versions(self) -> dict[str, str]:
        return {"whisper": self.transcriber.model_version,
                "embedder": getattr(self._embedder, "version", ""), "coach": __version__}


class Keyboard:
    """The one reader of stdin: a background thread queues every line typed.

    Enter-to-stop during a recording and the menu after it both take lines from this queue;
    two readers on the same terminal would steal each other's input.
    """

    def __init__(self, stdin: TextIO | None = None) -> None:
        self.stdin = stdin or sys.stdin
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True, name="coach-keyboard").start()

    def _read(self) -> None:
        while True:
            try:
                line = self.stdin.readline()
            except (OSError, ValueError):
                line = ""
            if not line:
                self.lines.put(None)  # end of input
                return
            self.lines.put(line)

    def drain(self) -> None:
        """Forget what was typed before now (e.g. while the question was being read)."""
        while True:
            try:
                if self.lines.get_nowait() is None:
                    self.lines.put(None)
                    return
            except queue.Empty:
                return

    def pressed(self) -> bool:
        """Enter was hit since the last drain (consumes the line)."""
        try:
            line = self.lines.get_nowait()
        except queue.Empty:
            return False
        if line is None:
            self.lines.put(None)
            return False
        return True

    def readline(self) -> str:
        """Block for the next line; '' at end of input."""
        line = self.lines.get()
        if line is None:
            self.lines.put(None)
            return ""
        return line


@dataclass
class Context:
    """Everything a round needs, built once per session."""

    bank: Bank
    store: Store
    speaker: Speaker
    engines: Engines
    new_mic: Callable[[], Microphone]
    out: TextIO
    ask: Callable[[str, str], str]  # (prompt, choices) -> one of the choices
    options: RoundOptions = field(default_factory=RoundOptions)
    keys: Keyboard | None = None
    interactive: bool = True
    latencies: list[float] = field(default_factory=list)
    #: Raises the clear error now if the input device is missing (called after the
    #: questions are chosen, so a wrong --id is reported first).
    check_input: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class RoundResult:
    question: Question
    attempt_id: int
    transcript: Transcript
    report: Report | None
    stopped_by: str  # "enter" | "silence" | "limit" | "end" | "interrupt" | "device"
    audio_path: Path
    latency_s: float  # from the stop to the report being ready

    @property
    def partial(self) -> bool:
        return self.stopped_by in {"interrupt", "device"}


def bank_version(question: Question) -> str:
    from coach.bank.render import question_to_dict

    data = question_to_dict(question)
    data.pop("file", None)
    data.pop("line", None)
    return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


def _record(ctx: Context, question: Question, wav: StreamingWav,
            stream: Any) -> tuple[str, CoachError | None]:
    """Capture until a stop condition; returns what stopped it (and a device error)."""
    limit = ctx.options.limit_for(question.target_s)
    live = LiveLine(question.target_s, ctx.out, interactive=ctx.interactive)
    if ctx.keys:
        ctx.keys.drain()
    mic = ctx.new_mic()
    stopped = "end"
    device_error: CoachError | None = None
    heard_speech = False
    try:
        for block in mic.blocks():
            wav.write(block)
            stream.feed(block)
            elapsed = wav.seconds
            live.update(elapsed, rms_dbfs(block))
            last = stream.last_speech_end
            heard_speech = heard_speech or last is not None
            if ctx.keys and ctx.keys.pressed():
                stopped = "enter"
            elif (ctx.options.silence_stop_s and last is not None
                  and elapsed - last >= ctx.options.silence_stop_s
                  and _quiet(stream, ctx.options.silence_stop_s)):
                stopped = "silence"
            elif elapsed >= limit:
                stopped = "limit"
            else:
                continue
            mic.stop()
            break
    except KeyboardInterrupt:
        mic.stop()
        stopped = "interrupt"
    except CoachError as err:
        # The device went away: keep what was said, score it, then report the error.
        mic.stop()
        stopped = "device"
        device_error = err
    finally:
        wav.close()
    note = {"enter": "stopped", "silence": "stopped after a silence", "limit": "hard limit "
            "reached", "end": "end of the recording", "interrupt": "interrupted: keeping the "
            "partial answer", "device": "microphone lost: keeping the partial answer"}[stopped]
    live.close(f"■ {mmss(wav.seconds)} recorded ({note})")
    return stopped, device_error


def embed_finished_sentences(engines: Any) -> Callable[[Sequence[Any]], None]:
    """A stream callback: embed finished sentences while the user is still talking.

    Scoring embeds every sentence (~10 ms each on 2 cores); done during the answer, only the
    last few are left for the stop. ``engines`` has an ``embedder`` (waits until loaded)."""
    from coach.score.text import sentences

    def embed(words: Sequence[Any]) -> None:
        done = sentences(words)[:-1]
        if done:
            engines.embedder.embed([s.text for s in done])

    return embed


def _quiet(stream: Any, seconds: float) -> bool:
    """Confirm with the VAD, on the newest audio itself, that nobody spoke for ``seconds``.

    The streaming transcriber's speech spans lag behind when it is busy, so they only say
    when to look, not whether to stop."""
    from coach.audio import SAMPLE_RATE
    from coach.vad import speech_spans

    audio = stream.audio()
    tail = audio[-int(seconds * SAMPLE_RATE):]
    return tail.size >= int(seconds * SAMPLE_RATE) * 0.95 and not speech_spans(
        tail, stream.transcriber.options.vad, gate=False)


def run_round(ctx: Context, question: Question, spoken: str | None = None) -> RoundResult:
    """Ask (``spoken`` overrides the text read out), record, transcribe, score, save."""
    from coach.stream import StreamingTranscriber

    out = ctx.out
    text = spoken or question.question
    out.write(f"\n{question.topic} · {question.mode.value} · target {mmss(question.target_s)}"
              f"  [{question.id}]\n» {text}\n")
    out.flush()
    trace.mark("speak_start")
    ctx.speaker.say(text)
    ctx.speaker.wait()
    trace.mark("speak_end")
    started = datetime.now(timezone.utc)
    audio_path = ctx.store.new_recording_path(question.id, started, ".wav")
    wav = StreamingWav(audio_path)
    attempt_id = ctx.store.begin_attempt(
        question.id, question.topic, question.mode.value, started, audio_path,
        {"round": asdict(ctx.options), "spoken": text}, {"coach": __version__},
        bank_version(question))
    ctx.engines.transcriber.load()
    stream = StreamingTranscriber(ctx.engines.transcriber, question.key_terms(),
                                  on_words=embed_finished_sentences(ctx.engines)).start()
    # Held until the attempt is saved: another coach process must not take this answer
    # for a crashed one and "recover" it while it is still being recorded.
    with inuse.hold(audio_path):
        result, device_error = _finish_round(ctx, question, wav, stream, attempt_id,
                                             audio_path)
    _show(ctx, result)
    if device_error is not None:
        raise device_error  # after the partial answer is saved and shown
    return result


def _finish_round(ctx: Context, question: Question, wav: StreamingWav, stream: Any,
                  attempt_id: int, audio_path: Path) -> tuple[RoundResult, CoachError | None]:
    stopped, device_error = _record(ctx, question, wav, stream)
    t0 = time.perf_counter()
    try:
        transcript = stream.finish()
    except KeyboardInterrupt:
        ctx.out.write("coach: interrupted again: the recording is saved; score it later with "
                  f"`coach score {audio_path} -q {question.id}`\n")
        raise
    report = None
    # tiny.en hears any language as (bad) English; when its output looks implausible the
    # base model checks what was spoken (free for a plausible English answer).
    transcript = ctx.engines.transcriber.check_language(stream.audio(), transcript)
    if transcript.language != "en":
        ctx.out.write(f"This answer sounds like it is not in English ({transcript.language}): "
                      "coach scores English answers only. It is saved unscored.\n")
    elif not transcript.no_speech:
        from coach.score.engine import score_answer

        baseline = ctx.store.usual_wpm()
        report = score_answer(transcript, question, ctx.engines.embedder,
                              baseline_wpm=baseline)
    latency = time.perf_counter() - t0
    ctx.latencies.append(latency)
    trace.mark(f"report_ready {latency:.4f}")
    completed = stopped not in {"interrupt", "device"}
    ctx.store.finish_attempt(attempt_id, transcript,
                             report.to_dict() if report else {"no_speech": True},
                             completed=completed)
    result = RoundResult(question, attempt_id, transcript, report, stopped, audio_path, latency)
    return result, device_error


def _show(ctx: Context, r: RoundResult) -> None:
    out = ctx.out
    if r.report is None:
        out.write("No speech was heard. Check the microphone level and try again.\n")
        out.flush()
        return
    from coach.score.render import render_report

    out.write(f"(report ready {r.latency_s:.2f} s after the stop; attempt #{r.attempt_id} "
              f"saved)\n\n")
    out.write(render_report(r.report, r.question) + "\n")
    out.flush()
    summary = f"{r.report.verdict.heading}."
    if r.report.tips:
        summary += " " + r.report.tips[0]
    ctx.speaker.say(summary)


def _compare(ctx: Context, before: RoundResult, after: RoundResult) -> None:
    try:
        from coach.review import compare, render_comparison
    except ImportError:  # pragma: no cover - history module not installed
        return
    prev = ctx.store.attempt(before.attempt_id)
    cur = ctx.store.attempt(after.attempt_id)
    ctx.out.write("\n" + render_comparison(compare(prev, cur)) + "\n")
    ctx.out.flush()


def _follow_up(ctx: Context, r: RoundResult) -> RoundResult | None:
    from coach.select import pick_follow_up

    missed = [h.label for h in r.report.coverage.missed] if r.report else []
    text = pick_follow_up(r.question, missed)
    if text is None:
        ctx.out.write("This question has no follow-ups in the bank.\n")
        return None
    target = closest_question(ctx, text, exclude=r.question.id)
    ctx.out.write(f"(follow-up; scored against the bank entry {target.id})\n")
    return run_round(ctx, target, spoken=text)


def closest_question(ctx: Context, text: str, exclude: str = "") -> Question:
    """The bank entry that best matches a free-text question (to score a follow-up)."""
    import numpy as np

    emb = ctx.engines.embedder
    pool = [q for q in ctx.bank.questions if q.id != exclude]
    vecs = emb.embed([q.question for q in pool])
    sims = vecs @ emb.embed([text])[0]
    return pool[int(np.argmax(sims))]


MENU = "[r]etry  [m]odel answer  [f]ollow-up  [n]ext  [q]uit"


def drill(ctx: Context, questions: Sequence[Question]) -> list[RoundResult]:
    """One full report per question, then the menu."""
    results: list[RoundResult] = []
    for i, q in enumerate(questions):
        r = run_round(ctx, q)
        results.append(r)
        while r.report is not None and not r.partial:
            choice = ctx.ask(MENU, "rmfnq")
            if choice == "r":
                again = run_round(ctx, q)
                results.append(again)
                _compare(ctx, r, again)
                r = again
            elif choice == "m":
                ctx.out.write("\nModel answer:\n" + q.model_answer + "\n")
                ctx.speaker.say(q.model_answer)
                ctx.speaker.wait()
            elif choice == "f":
                follow = _follow_up(ctx, r)
                if follow is not None:
                    results.append(follow)
            elif choice == "n":
                break
            else:
                return results
        if r.partial and i < len(questions) - 1:
            return results  # Ctrl-C ends the session after saving the partial answer
    return results


def summary_table(results: Sequence[RoundResult]) -> str:
    rows = ["#  verdict       overall  time    fillers/min  question"]
    for n, r in enumerate(results, 1):
        if r.report is None:
            rows.append(f"{n:<2} (no speech)                                {r.question.id}")
            continue
        rep = r.report
        rows.append(f"{n:<2} {rep.verdict.heading:13} {rep.overall:5.0f}    "
                    f"{mmss(rep.timing.duration_s):6}  {rep.delivery.filler_per_minute:6.1f}"
                    f"       {r.question.id}")
    scored = [r.report.overall for r in results if r.report]
    if scored:
        rows.append(f"mean overall {statistics.mean(scored):.0f}/100 over {len(scored)} "
                    f"answer(s)")
    return "\n".join(rows)


def quickfire(ctx: Context, questions: Sequence[Question]) -> list[RoundResult]:
    """A rapid round: no menu between questions, one summary at the end."""
    results = []
    for q in questions:
        r = run_round(ctx, q)
        results.append(r)
        if r.partial:
            break
    ctx.out.write("\nQuick-fire summary\n" + summary_table(results) + "\n")
    return results


def mock(ctx: Context, questions: Sequence[Question], minutes: float) -> list[RoundResult]:
    """A mock interview: follow-ups chained after weak answers, then a scorecard."""
    deadline = time.monotonic() + minutes * 60
    results: list[RoundResult] = []
    for n, q in enumerate(questions, 1):
        if time.monotonic() > deadline:
            ctx.out.write("\nTime is up for this mock interview.\n")
            break
        ctx.out.write(f"\n— Question {n} of {len(questions)} —")
        r = run_round(ctx, q)
        results.append(r)
        if r.partial:
            break
        if r.report is not None and r.report.verdict.value != "strong" \
                and time.monotonic() < deadline:
            follow = _follow_up(ctx, r)
            if follow is not None:
                results.append(follow)
                if follow.partial:
                    break
    ctx.out.write("\nMock interview scorecard\n" + summary_table(results) + "\n")
    scored = [r.report for r in results if r.report]
    if scored:
        mean = statistics.mean(rep.overall for rep in scored)
        no_hires = sum(rep.verdict.value == "no_hire" for rep in scored)
        overall = "Strong Hire" if mean >= 70 and not no_hires else (
            "Lean Hire" if mean >= 50 and no_hires <= 1 else "No Hire")
        ctx.out.write(f"Overall: {overall} (mean {mean:.0f}/100, {no_hires} No Hire answer(s))\n")
    return results
