"""`coach drill`, `coach mock`, `coach demo`: practise out loud."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coach.errors import CoachError

DEMO_ANSWER = "long_answer_fillers.flac"
DEMO_QUESTION = "kv-cache-why-critical-inference"


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-speak", action="store_true", help="do not read questions aloud")
    p.add_argument("--voice", choices=["system", "hibari"], default="system",
                   help="system voice (espeak-ng) or the natural hibari voice")
    p.add_argument("--model", default="tiny.en", help="Whisper model: tiny.en, base, a folder")
    p.add_argument("--input-file", type=Path, metavar="AUDIO",
                   help="use a recorded answer instead of the microphone (played in real time)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="playback speed of --input-file (2 = twice real time)")
    p.add_argument("--silence", type=float, default=4.0, metavar="S",
                   help="stop after S seconds of silence once you have spoken (0: off)")
    p.add_argument("--seed", type=int, help="random seed for the question order")


def register(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("drill", help="practise answering out loud",
                       description="Practise out loud: coach asks, listens (Enter or a "
                       "silence stops), and gives an interviewer's feedback.")
    d.add_argument("--topic", help="only this topic (see `coach bank list`)")
    d.add_argument("--mode", choices=["quickfire", "screening", "deep"],
                   help="quickfire runs a rapid round with one summary at the end")
    d.add_argument("--id", action="append", dest="ids", metavar="ID", help="this question")
    d.add_argument("--due", action="store_true", help="questions due for review (spaced "
                   "repetition)")
    d.add_argument("--weakest", action="store_true", help="your weakest questions first")
    d.add_argument("--count", type=int, help="how many questions (default 1; quickfire 5)")
    _common(d)
    d.set_defaults(handler=run_drill)

    m = sub.add_parser("mock", help="a mock interview with a final scorecard",
                       description="A mock interview: questions across topics and levels, "
                       "follow-ups after weak answers, and a final scorecard.")
    m.add_argument("--count", type=int, default=5, help="questions (default 5)")
    m.add_argument("--minutes", type=float, default=45.0, help="time budget (default 45)")
    _common(m)
    m.set_defaults(handler=run_mock)

    demo = sub.add_parser("demo", help="one full practice round with a recorded answer",
                          description="One complete round with no hardware: a bundled "
                          "recorded answer stands in for the microphone (played in real "
                          "time), speech goes to a file if there is no speaker. No key press.")
    demo.add_argument("--speed", type=float, default=1.0, help="playback speed (default 1)")
    demo.add_argument("--no-speak", action="store_true", help="do not synthesise speech")
    demo.set_defaults(handler=run_demo)


def _fixtures_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "audio_fixtures"


def _context(args: argparse.Namespace, interactive: bool, input_file: Path | None,
             speed: float):
    from coach.bank.load import load_bank
    from coach.drill import Context, Engines, Keyboard, RoundOptions
    from coach.paths import data_dir
    from coach.record import FileMic, SoundDeviceMic
    from coach.speak import make_speaker
    from coach.store import Store

    if speed <= 0:
        raise CoachError("--speed must be above 0", hint="1 is real time")
    options = RoundOptions(silence_stop_s=getattr(args, "silence", 4.0),
                           model=getattr(args, "model", "tiny.en"))
    engines = Engines(options.model)  # starts loading now, in the background
    bank = load_bank()
    store = Store()
    speaker = make_speaker(not args.no_speak, getattr(args, "voice", "system"),
                           data_dir() / "speech")
    if input_file is not None:
        from coach.audio import decode

        audio = decode(input_file)

        def new_mic():
            return FileMic(audio, speed=speed)
    else:
        def new_mic():
            return SoundDeviceMic()

    keyboard = Keyboard() if interactive else None

    def ask(prompt: str, choices: str) -> str:
        if keyboard is None:
            return "q"
        while True:
            sys.stdout.write(f"\n{prompt} > ")
            sys.stdout.flush()
            line = keyboard.readline()
            if not line:
                return "q"
            key = line.strip().lower()[:1] or "n"
            if key in choices:
                return key

    return Context(bank=bank, store=store, speaker=speaker, engines=engines, new_mic=new_mic,
                   out=sys.stdout, ask=ask, options=options,
                   keys=keyboard,
                   interactive=sys.stdout.isatty(),
                   check_input=(lambda: None) if input_file is not None else new_mic)


def _recover(ctx) -> None:
    """Attempts left unfinished by a crash: say so; their audio is kept and scorable."""
    from coach import inuse

    for a in ctx.store.unfinished():
        if a.audio_path is not None and inuse.held(a.audio_path):
            continue  # another coach is recording this answer right now
        ctx.out.write(f"(recovered an interrupted answer: attempt #{a.id} for {a.question_id}, "
                      f"audio {a.audio_path}; score it with `coach score {a.audio_path} -q "
                      f"{a.question_id}`)\n")
        ctx.store.finish_attempt(a.id, _empty_transcript(), {"recovered": True},
                                 completed=False)


def _empty_transcript():
    from coach.transcript import Transcript

    return Transcript(text="", words=(), duration_s=0.0, no_speech=True)


def run_drill(args: argparse.Namespace) -> int:
    from coach.bank.model import Mode
    from coach.drill import drill, quickfire
    from coach.select import Selection, pick

    if args.due and args.weakest:
        raise CoachError("--due and --weakest pick questions differently: choose one")
    if args.ids and (args.topic or args.mode or args.due or args.weakest):
        raise CoachError("--id picks the question itself: leave out --topic, --mode, --due "
                         "and --weakest")
    interactive = sys.stdin.isatty()
    ctx = _context(args, interactive, args.input_file, args.speed)
    _recover(ctx)
    mode = Mode(args.mode) if args.mode else None
    count = args.count or (5 if mode is Mode.QUICKFIRE else 1)
    due = weakest = None
    if args.due or args.weakest:
        from datetime import datetime, timezone

        from coach import schedule

        if args.due:
            due = schedule.due_questions(ctx.store, ctx.bank, datetime.now(timezone.utc))
        else:
            weakest = schedule.weakest_questions(ctx.store, ctx.bank)
    questions = pick(ctx.bank, Selection(tuple(args.ids or ()), args.topic, mode, count,
                                         args.seed, due, weakest))
    ctx.check_input()
    if mode is Mode.QUICKFIRE:
        quickfire(ctx, questions)
    else:
        drill(ctx, questions)
    ctx.speaker.wait()
    return 0


def run_mock(args: argparse.Namespace) -> int:
    import random

    from coach.drill import mock

    if args.count < 1 or args.minutes <= 0:
        raise CoachError("--count must be at least 1 and --minutes above 0")
    ctx = _context(args, sys.stdin.isatty(), args.input_file, args.speed)
    rng = random.Random(args.seed)
    by_topic: dict[str, list] = {}
    for q in ctx.bank.questions:
        if q.mode.value != "quickfire":
            by_topic.setdefault(q.topic, []).append(q)
    topics = sorted(by_topic)
    rng.shuffle(topics)
    order = {"easy": 0, "medium": 1, "hard": 2}
    picked = [rng.choice(by_topic[t]) for t in topics[: args.count]]
    picked.sort(key=lambda q: order[q.difficulty.value])  # warm up, then harder
    ctx.check_input()
    mock(ctx, picked, args.minutes)
    ctx.speaker.wait()
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from coach.commands.bank import resolve_question
    from coach.drill import run_round

    answer = _fixtures_dir() / DEMO_ANSWER
    if not answer.is_file():
        raise CoachError(f"the demo recording {answer} is missing",
                         hint="run coach from a checkout of the repository")
    args.model, args.voice = "tiny.en", "system"
    ctx = _context(args, interactive=False, input_file=answer, speed=args.speed)
    ctx.out.write("coach demo: a recorded answer plays as the microphone; no key press "
                  "needed.\n")
    run_round(ctx, resolve_question(ctx.bank, DEMO_QUESTION))
    ctx.speaker.wait()
    speech = getattr(ctx.speaker, "files", [])
    if speech:
        ctx.out.write(f"(no speaker found: the spoken question and feedback are in "
                      f"{speech[0].parent})\n")
    return 0
