"""`coach bank ...`: list, show, search, check and import question-bank entries."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from coach.errors import CoachError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bank", help="browse, search, check and extend the question bank",
                       description="Browse, search, check and extend the question bank.")
    bsub = p.add_subparsers(dest="bank_command", metavar="ACTION", required=True)

    ls = bsub.add_parser("list", help="list questions", description="List bank questions.")
    ls.add_argument("--topic", help="only this topic")
    ls.add_argument("--mode", choices=["quickfire", "screening", "deep"], help="only this mode")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(handler=cmd_list)

    show = bsub.add_parser("show", help="show one entry", description="Show one bank entry.")
    show.add_argument("id", help="question id (see `coach bank list`)")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=cmd_show)

    check = bsub.add_parser("check", help="validate bank files",
                            description="Validate bank files; name file, line and field of "
                            "every problem. Exits 1 when any problem is found.")
    check.add_argument("--path", type=Path, action="append",
                       help="file or folder to check (default: shipped + user bank)")
    check.set_defaults(handler=cmd_check)


def _bank(paths: list[Path] | None = None):
    from coach.bank.load import load_bank

    return load_bank(paths)


def resolve_question(bank, qid: str):
    """The entry with this id, or a CoachError that suggests the closest ids."""
    q = bank.get(qid)
    if q is not None:
        return q
    import difflib

    close = difflib.get_close_matches(qid, [x.id for x in bank.questions], n=3, cutoff=0.5)
    hint = f"did you mean: {', '.join(close)}?" if close else "see `coach bank list`"
    raise CoachError(f"no question with id {qid!r}", hint=hint)


def cmd_list(args: argparse.Namespace) -> int:
    bank = _bank()
    qs = [q for q in bank.questions
          if (not args.topic or q.topic == args.topic)
          and (not args.mode or q.mode.value == args.mode)]
    if args.topic and not qs and args.topic not in bank.topics():
        raise CoachError(f"no topic {args.topic!r}", hint=f"topics: {', '.join(bank.topics())}")
    if args.json:
        print(json.dumps([{"id": q.id, "topic": q.topic, "mode": q.mode.value,
                           "archetype": q.archetype.value, "question": q.question} for q in qs],
                         indent=2))
        return 0
    for q in qs:
        print(f"{q.id:44} {q.topic:22} {q.mode.value:9} {q.question}")
    print(f"{len(qs)} question(s)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from coach.bank.render import question_to_dict, render_question

    q = resolve_question(_bank(), args.id)
    if args.json:
        print(json.dumps(question_to_dict(q), indent=2))
    else:
        print(render_question(q))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    bank = _bank(args.path)
    for problem in bank.problems:
        print(problem)
    print(f"{len(bank.questions)} entries loaded from {len(bank.files)} file(s), "
          f"{len(bank.problems)} problem(s)")
    return 1 if bank.problems else 0
