"""The `coach` command line: wiring only. Each feature registers its subcommands from
`coach.commands.*`; the work lives in the pipeline modules."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from coach import __version__
from coach.commands import bank, history, practice, score, transcribe
from coach.errors import CoachError

#: Feature modules, each with ``register(subparsers)``. Imports stay light: heavy libraries
#: load inside the handlers.
FEATURES = (transcribe, practice, score, bank, history)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach",
        description="Practise spoken answers to ML / LLM interview questions, offline.",
    )
    parser.add_argument("--version", action="version", version=f"coach {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for feature in FEATURES:
        feature.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return int(handler(args) or 0)
    except CoachError as err:
        print(f"coach: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("coach: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `coach ... | head` closed the pipe: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
