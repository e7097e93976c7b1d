"""`coach transcribe AUDIO`: offline transcription with word times, fillers and pauses."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("transcribe", help="transcribe an audio file offline")
    p.add_argument("audio")
    p.set_defaults(handler=lambda a: 0)
