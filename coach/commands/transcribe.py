"""`coach transcribe AUDIO`: offline transcription with word times, fillers and pauses."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from coach.errors import CoachError, NoSpeech

if TYPE_CHECKING:
    import numpy as np

    from coach.transcribe import Transcriber
    from coach.transcript import Transcript


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "transcribe", help="transcribe an audio file offline",
        description="Transcribe a spoken answer offline with Whisper: word timestamps, "
        "fillers kept, pauses from the VAD. WAV, FLAC, MP3, OGG, M4A; any rate or channels. "
        "Exits 1 when the file holds no speech (the output then says no_speech).",
    )
    p.add_argument("audio", help="the audio file")
    p.add_argument("--model", default="tiny.en",
                   help="tiny.en (default), base, or a CTranslate2 Whisper folder")
    p.add_argument("--question", metavar="ID",
                   help="bias recognition towards this bank question's key terms")
    p.add_argument("--hotwords", metavar="TERMS",
                   help="comma-separated technical terms to bias recognition towards")
    p.add_argument("--no-fillers", action="store_true",
                   help="do not prompt Whisper to keep um / uh (plain Whisper behaviour)")
    p.add_argument("--beam-size", type=int, default=1, help="decoding beam (default 1: greedy)")
    p.add_argument("--json", action="store_true", help="print the transcript as JSON (schema 1)")
    p.set_defaults(handler=run)


def decode_answer(path: str) -> np.ndarray:
    """Decode an answer file; what is wrong with a still usable recording goes to stderr."""
    from coach.audio import decode_source

    audio, source = decode_source(path)
    for warning in source.warnings():
        print(f"coach: warning: {warning}", file=sys.stderr)
    return audio


def heard(transcriber: Transcriber, audio: np.ndarray, transcript: Transcript, path: str,
          scoring: bool) -> Transcript:
    """The transcript, or one clear error when it is not English that tiny.en can handle."""
    from coach.transcribe import language_name

    transcript = transcriber.check_language(audio, transcript)
    if transcript.no_speech or transcript.language == "en":
        return transcript
    name = language_name(transcript.language)
    if scoring:
        raise CoachError(f"{path} sounds like {name}, not English: coach scores English "
                         "answers only",
                         hint=f"answer in English; `coach transcribe {path} --model base` "
                         f"transcribes {name}")
    if transcriber.info.english_only:
        raise CoachError(f"{path} sounds like {name}, not English: "
                         f"{transcriber.info.name} only understands English",
                         hint=f"use --model base to transcribe {name}")
    return transcript


def no_speech(path: str) -> NoSpeech:
    return NoSpeech(f"no speech found in {path}",
                    hint="check the microphone level, or record the answer again")


def run(args: argparse.Namespace) -> int:
    from coach.progress import Progress
    from coach.score.fillers import find_fillers
    from coach.transcribe import FILLER_PROMPT, TranscribeOptions, Transcriber

    hotwords: list[str] = []
    if args.question:
        from coach.commands.bank import resolve_question, usable_bank

        hotwords += resolve_question(usable_bank(), args.question).key_terms()
    if args.hotwords:
        hotwords += [t.strip() for t in args.hotwords.split(",") if t.strip()]
    progress = Progress()
    audio = decode_answer(args.audio)
    options = TranscribeOptions(model=args.model, beam_size=args.beam_size,
                                filler_prompt=None if args.no_fillers else FILLER_PROMPT)
    transcriber = Transcriber(options)
    progress("loading model")
    transcriber.load()
    transcript = transcriber.transcribe(audio, hotwords=hotwords, progress=progress)
    progress("checking the language")
    transcript = heard(transcriber, audio, transcript, args.audio, scoring=False)
    progress.done()
    fillers = find_fillers(transcript.words)
    if args.json:
        out = transcript.to_dict()
        out["fillers"] = [{"text": f.text, "start": round(f.start, 3), "end": round(f.end, 3)}
                          for f in fillers]
        print(json.dumps(out, indent=2))
    elif not transcript.no_speech:
        print(transcript.text)
    if transcript.no_speech:
        # The (empty, flagged) transcript above is a valid result for scripts; the exit status
        # and this line tell a person that nothing was heard.
        raise no_speech(args.audio)
    return 0
