"""`coach transcribe AUDIO`: offline transcription with word times, fillers and pauses."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "transcribe", help="transcribe an audio file offline",
        description="Transcribe a spoken answer offline with Whisper: word timestamps, "
        "fillers kept, pauses from the VAD. WAV, FLAC, MP3, OGG, M4A; any rate or channels.",
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


def run(args: argparse.Namespace) -> int:
    from coach.audio import decode
    from coach.progress import Progress
    from coach.score.fillers import find_fillers
    from coach.transcribe import FILLER_PROMPT, TranscribeOptions, Transcriber

    hotwords: list[str] = []
    if args.question:
        from coach.bank.load import load_bank
        from coach.commands.bank import resolve_question

        hotwords += resolve_question(load_bank(), args.question).key_terms()
    if args.hotwords:
        hotwords += [t.strip() for t in args.hotwords.split(",") if t.strip()]
    progress = Progress()
    audio = decode(args.audio)
    options = TranscribeOptions(model=args.model, beam_size=args.beam_size,
                                filler_prompt=None if args.no_fillers else FILLER_PROMPT)
    transcriber = Transcriber(options)
    progress("loading model")
    transcriber.load()
    transcript = transcriber.transcribe(audio, hotwords=hotwords, progress=progress)
    progress.done()
    fillers = find_fillers(transcript.words)
    if args.json:
        out = transcript.to_dict()
        out["fillers"] = [{"text": f.text, "start": round(f.start, 3), "end": round(f.end, 3)}
                          for f in fillers]
        print(json.dumps(out, indent=2))
        return 0
    if transcript.no_speech:
        print("(no speech detected)")
        return 0
    print(transcript.text)
    return 0
