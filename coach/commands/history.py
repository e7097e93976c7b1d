"""`coach history`, `review`, `report`, `plan`, `export`: look back at saved attempts."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coach.errors import CoachError

if TYPE_CHECKING:
    from coach.bank.load import Bank

FORMATS = ("json", "csv")
AUDIO_MODES = ("embed", "link", "none")


def register(sub: argparse._SubParsersAction) -> None:
    h = sub.add_parser("history", help="list your attempts with their scores",
                       description="List saved attempts, oldest first: date, question, "
                       "verdict, overall, coverage, fillers per minute, pace, time vs target.")
    h.add_argument("--question", "-q", metavar="ID", help="only attempts at this question")
    h.add_argument("--topic", metavar="T", help="only attempts in this topic")
    h.add_argument("--json", action="store_true", help="print a JSON list of attempt summaries")
    h.set_defaults(handler=cmd_history)

    r = sub.add_parser("review", help="one attempt, marked up, beside the model answer",
                       description="Show one attempt (default: the latest): the transcript with "
                       "fillers, hedges and long pauses marked and covered ideas where you said "
                       "them, the missed ideas, the model answer beside it, and what changed "
                       "since your previous attempt at the same question.")
    r.add_argument("attempt", nargs="?", metavar="ATTEMPT",
                   help="attempt number from `coach history` (default: the latest)")
    r.set_defaults(handler=cmd_review)

    rep = sub.add_parser("report", help="write your progress as one HTML page",
                         description="Write one self-contained HTML file: progress charts, "
                         "weakest topics, and a page per attempt where clicking a word plays "
                         "the recording from there. Nothing in it loads from the network.")
    rep.add_argument("--out", type=Path, metavar="PATH",
                     help="where to write it (default: report.html in your data dir)")
    rep.add_argument("--open", action="store_true", help="open it in your browser")
    rep.add_argument("--audio", choices=AUDIO_MODES, default="embed",
                     help="embed recordings in the file (newest first, up to 40 MB; older "
                     "ones are linked), link them all, or leave them out (default: embed)")
    rep.set_defaults(handler=cmd_report)

    p = sub.add_parser("plan", help="what to practise next: due reviews and weak spots",
                       description="Spaced repetition (FSRS) over the questions you have "
                       "answered: what is due now, later today and this week, and your weakest "
                       "topics, questions and most-missed concepts.")
    p.set_defaults(handler=cmd_plan)

    e = sub.add_parser("export", help="export all attempts as JSON or CSV",
                       description="Export every attempt: JSON has everything stored "
                       "(transcript with word times, every score and its evidence, options, "
                       "model versions); CSV has one summary row per attempt.")
    e.add_argument("--format", choices=FORMATS, default="json", help="json (default) or csv")
    e.add_argument("--out", type=Path, metavar="PATH", help="write to a file, not stdout")
    e.set_defaults(handler=cmd_export)


def _store():
    from coach.store import Store

    return Store()


def _bank() -> Bank:
    from coach.bank.load import load_bank

    return load_bank()


def _no_attempts() -> str:
    return "no attempts yet: practise with `coach drill`, then look back here"


def _parse_attempt(text: str) -> int:
    raw = text.strip().lstrip("#")
    if not raw.isdigit():
        raise CoachError(f"an attempt is a number like 12, not {text!r}",
                         hint="see `coach history`")
    return int(raw)


def cmd_history(args: argparse.Namespace) -> int:
    from coach.review_text import history_row, render_history

    with _store() as store:
        attempts = store.attempts(question_id=args.question, topic=args.topic)
        anything = store.count() > 0
    if not attempts and (args.question or args.topic):
        bank = _bank()
        if args.question and bank.get(args.question) is None:
            from coach.commands.bank import resolve_question

            resolve_question(bank, args.question)  # raises with the closest ids
        if args.topic and args.topic not in bank.topics():
            raise CoachError(f"no topic {args.topic!r}",
                             hint=f"topics: {', '.join(bank.topics())}")
    if args.json:
        print(json.dumps([history_row(a) for a in attempts], indent=2))
        return 0
    if not attempts:
        print(_no_attempts() if not anything else "no attempts match")
        return 0
    print(render_history(attempts))
    return 0


def _color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and \
        os.environ.get("TERM") != "dumb"


def cmd_review(args: argparse.Namespace) -> int:
    from coach.review import compare, mark_words
    from coach.review_text import render_review

    with _store() as store:
        if args.attempt is None:
            attempt = store.latest()
            if attempt is None:
                raise CoachError(_no_attempts())
        else:
            attempt = store.attempt(_parse_attempt(args.attempt))
        previous = store.previous(attempt) if attempt.scored else None
    question = _bank().get(attempt.question_id)
    comparison = compare(previous, attempt) if previous is not None else None
    width = min(160, shutil.get_terminal_size((100, 24)).columns)
    print(render_review(attempt, mark_words(attempt), question, comparison, width=width,
                        color=_color()))
    return 0


def _write_private(path: Path, text: str) -> None:
    """Write atomically, readable by the user only (reports hold transcripts)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CoachError(f"cannot write {path}: {exc.strerror}",
                         hint="choose another place with --out") from None


def _out_path(out: Path | None, default_name: str) -> Path:
    from coach.paths import data_dir

    if out is None:
        return data_dir() / default_name
    out = out.expanduser()
    if out.is_dir():
        return out / default_name
    if not out.parent.is_dir():
        raise CoachError(f"no such folder: {out.parent}", hint="create it or choose another "
                         "--out")
    return out


def cmd_report(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from coach.report.audio import audio_sources
    from coach.report.page import render_html
    from coach.schedule import make_plan

    out = _out_path(args.out, "report.html")
    bank = _bank()
    with _store() as store:
        attempts = store.attempts()
    now = datetime.now(timezone.utc).astimezone()
    plan = make_plan(attempts, [q.id for q in bank.questions], now)
    audio = audio_sources(attempts, out.parent, args.audio)
    html = render_html(attempts, {q.id: q for q in bank.questions}, plan, audio, now)
    _write_private(out, html)
    embedded = sum(1 for s in audio.values() if s.embedded)
    linked = len(audio) - embedded
    size = len(html.encode("utf-8")) / 1e6
    note = f", {embedded} recording(s) embedded" + (f", {linked} linked" if linked else "")
    print(f"wrote {out} ({len(attempts)} attempt(s){note}, {size:.1f} MB)")
    if not attempts:
        print(_no_attempts())
    if args.open:
        import webbrowser

        if not webbrowser.open(out.absolute().as_uri()):
            raise CoachError("could not open a browser", hint=f"open {out} yourself")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from coach.review_text import render_plan
    from coach.schedule import make_plan

    bank = _bank()
    with _store() as store:
        attempts = store.attempts()
    now = datetime.now(timezone.utc).astimezone()
    print(render_plan(make_plan(attempts, [q.id for q in bank.questions], now)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from coach.export import to_csv, to_json

    with _store() as store:
        attempts = store.attempts()
    text = to_json(attempts) if args.format == "json" else to_csv(attempts)
    if args.out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return 0
    out = _out_path(args.out, f"coach-attempts.{args.format}")
    _write_private(out, text)
    print(f"wrote {len(attempts)} attempt(s) to {out}", file=sys.stderr)
    return 0
