"""`coach score`: transcribe (or read) an answer and judge it against a bank question."""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path

from coach.errors import CoachError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score", help="score a recorded or typed answer against a question",
        description="Score an answer: key-concept coverage, structure, fillers and pauses, "
        "time and pace, and an interviewer's verdict with tips. Give an audio file, or "
        "--text-file for a typed transcript (timings are then estimated at 140 wpm).",
    )
    p.add_argument("audio", nargs="?", help="the recorded answer (WAV, FLAC, MP3, OGG, M4A)")
    p.add_argument("--question", "-q", required=True, metavar="ID", help="bank question id")
    p.add_argument("--text-file", type=Path, metavar="F", help="score a typed transcript")
    p.add_argument("--model", default="tiny.en", help="Whisper model: tiny.en, base or a folder")
    p.add_argument("--json", action="store_true", help="print the report as JSON (schema 1)")
    p.set_defaults(handler=run)


def _read_text(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CoachError(f"no such file: {path}", hint="check the path") from None
    except (UnicodeDecodeError, IsADirectoryError):
        raise CoachError(f"{path} is not a UTF-8 text file", hint="save the transcript as "
                         "plain text") from None
    if not text.strip():
        raise CoachError(f"{path} is empty", hint="write the answer into it first")
    return text


def save_cache(embedder) -> None:
    """Keep new embeddings for next time; a full or read-only disk only costs that speed-up."""
    with contextlib.suppress(OSError):
        embedder.save()


def run(args: argparse.Namespace) -> int:
    if bool(args.audio) == bool(args.text_file):
        raise CoachError("give either an audio file or --text-file, not both"
                         if args.audio else "nothing to score",
                         hint="coach score ANSWER.wav -q ID, or coach score --text-file "
                         "answer.txt -q ID")
    from coach.commands.bank import resolve_question, usable_bank
    from coach.progress import Progress

    question = resolve_question(usable_bank(), args.question)
    progress = Progress()
    if args.text_file:
        from coach.score.text import from_text

        transcript = from_text(_read_text(args.text_file))
    else:
        from coach.commands.transcribe import decode_answer, heard, no_speech
        from coach.transcribe import TranscribeOptions, Transcriber

        audio = decode_answer(args.audio)
        transcriber = Transcriber(TranscribeOptions(model=args.model))
        progress("loading speech model")
        transcriber.load()
        transcript = transcriber.transcribe(audio, hotwords=question.key_terms(),
                                            progress=progress)
        if transcript.no_speech:
            progress.done()
            err = no_speech(args.audio)
            err.exit_code = 2  # nothing to score: the command could not do its job
            raise err
        progress("checking the language")
        transcript = heard(transcriber, audio, transcript, args.audio, scoring=True)
    progress("loading sentence model")
    from coach.embed import default_embedder
    from coach.score.engine import score_answer

    embedder = default_embedder()
    report = score_answer(transcript, question, embedder)
    save_cache(embedder)
    progress.done()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        from coach.score.render import render_report

        print(render_report(report, question))
    return 0
