"""The `coach` command line: wiring only. Each feature registers its subcommands from
`coach.commands.*`; the work lives in the pipeline modules."""

from __future__ import annotations

import argparse
import errno
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from coach import __version__
from coach.commands import bank, history, practice, score, transcribe
from coach.errors import CoachError

#: Feature modules, each with ``register(subparsers)``. Imports stay light: heavy libraries
#: load inside the handlers.
FEATURES = (transcribe, practice, score, bank, history)

#: Set to 1 to see the traceback of an unexpected error instead of the one-line summary.
DEBUG_ENV = "COACH_DEBUG"


class Parser(argparse.ArgumentParser):
    """argparse with coach's error style: a usage mistake is one line, not usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"coach: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="coach",
        description="Practise spoken answers to ML / LLM interview questions, offline.",
    )
    parser.add_argument("--version", action="version", version=f"coach {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for feature in FEATURES:
        feature.register(sub)
    return parser


def system_error(exc: BaseException) -> CoachError | None:
    """The one-line form of an error from the machine rather than from coach: a full disk,
    a read-only or vanished folder. None for anything else (a bug)."""
    import sqlite3

    if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc):
        return CoachError("the disk is full: cannot save to the attempts database",
                          hint="free some disk space and retry")
    if not isinstance(exc, OSError):
        return None
    where = f": {exc.filename}" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return CoachError(f"the disk is full{where}", hint="free some disk space and retry")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return CoachError(f"{exc.strerror.lower() if exc.strerror else 'not allowed'}{where}",
                          hint="check the permissions, or set COACH_HOME to a writable folder")
    if exc.errno == errno.EIO:
        return CoachError(f"input/output error{where}", hint="check the disk or device")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    # Everything coach writes (answers, transcripts, reports) is the user's private data:
    # files 0600 and folders 0700 unless a caller asks for more.
    umask = os.umask(0o077)
    try:
        code = _run(build_parser(), argv)
    finally:
        os.umask(umask)
    if code and argv is None and threading.active_count() > 1:
        # Leaving early while a background thread is inside native code (a model still
        # loading, a window being transcribed) can abort the interpreter's shutdown with
        # "terminate called without an active exception" or a segfault, after the clear
        # line. The error is reported and saved work is already on disk: exit now.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
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
    except Exception as exc:
        known = system_error(exc)
        if known is not None:
            print(f"coach: error: {known}", file=sys.stderr)
            return known.exit_code
        if os.environ.get(DEBUG_ENV):
            raise
        # A bug: one line that says so, not a wall of traceback (COACH_DEBUG=1 shows it).
        print(f"coach: internal error: {type(exc).__name__}: {exc} (this is a bug in coach; "
              f"rerun with {DEBUG_ENV}=1 to see where, and report it)", file=sys.stderr)
        return 3
