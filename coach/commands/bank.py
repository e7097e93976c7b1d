"""`coach bank ...`: list, show, search, check and import question-bank entries."""

from __future__ import annotations

import argparse
import json
import sys
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

    search = bsub.add_parser(
        "search", help="find questions by meaning and keywords",
        description="Rank bank questions for a query by keywords (BM25) and meaning (sentence "
        "embeddings). Spoken forms match written ones: 'd k', 'dk' and 'd_k' are the same.")
    search.add_argument("query", nargs="+", help="what you are looking for, in your own words")
    search.add_argument("--limit", type=int, default=10, metavar="N",
                        help="show the N best matches (default: 10)")
    search.add_argument("--json", action="store_true",
                        help='print [{"id", "question", "score"}], best first')
    search.set_defaults(handler=cmd_search)

    imp = bsub.add_parser(
        "import", help="turn your own prep notes into a bank file",
        description="Read a plain-text or Markdown prep document (Q1: ..., Model Answer: ..., "
        "Direct/Deep answer, Follow-ups, quick-fire lines) and write its questions as a bank "
        "file you can edit, with key concepts picked from each answer. The file goes to your "
        "bank folder and loads beside the shipped bank.")
    imp.add_argument("file", type=Path, help="your notes (.txt or .md)")
    imp.add_argument("--topic", help="topic slug for the entries (default: from the file name)")
    imp.add_argument("--out", type=Path, metavar="PATH",
                     help="write here instead of your bank folder")
    imp.add_argument("--force", action="store_true", help="replace an existing bank file")
    imp.set_defaults(handler=cmd_import)


def _bank(paths: list[Path] | None = None):
    from coach.bank.load import load_bank

    return load_bank(paths)


def usable_bank():
    """The bank for commands that use it (not `bank check`): when some entries did not load,
    one note on stderr says so and where to look, and the rest is used."""
    bank = _bank()
    if bank.problems:
        print(f"coach: note: {len(bank.problems)} problem(s) in bank files (see `coach bank "
              "check`); using the entries that loaded", file=sys.stderr)
    return bank


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
    bank = usable_bank()
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

    q = resolve_question(usable_bank(), args.id)
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


def cmd_search(args: argparse.Namespace) -> int:
    from coach.bank.search import search
    from coach.embed import default_embedder

    query = " ".join(args.query).strip()
    if not query:
        raise CoachError("the search query is empty", hint='e.g. coach bank search "kv cache"')
    if args.limit < 1:
        raise CoachError(f"--limit must be at least 1, not {args.limit}")
    bank = usable_bank()
    embedder = default_embedder()
    hits = search(bank.questions, query, embedder, args.limit)
    from coach.commands.score import save_cache

    save_cache(embedder)  # the bank's embeddings are computed once, then read from the cache
    if args.json:
        print(json.dumps([{"id": h.question.id, "question": h.question.question,
                           "score": h.score} for h in hits], indent=2))
        return 0
    if not hits:
        print("no questions in the bank")
        return 0
    width = max(len(h.question.id) for h in hits)
    print(f"{'#':>2}  {'score':5}  {'id':{width}}  question")
    for rank, h in enumerate(hits, 1):
        text = h.question.question
        text = text if len(text) <= 70 else text[:69] + "…"
        print(f"{rank:>2}  {h.score:.3f}  {h.question.id:{width}}  {text}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from coach.bank.importer import import_file
    from coach.embed import default_embedder

    bank = _bank()
    result = import_file(args.file, embedder=default_embedder(), existing=bank.questions,
                         topic=args.topic, out=args.out, force=args.force)
    qs = result.questions
    print(f"imported {len(qs)} question(s) from {args.file} into {result.path} "
          f"(topic {qs[0].topic})")
    by_ref = {p.ref: q for p, q in zip(result.parsed, qs, strict=True)}
    if result.unanswered:
        ids = ", ".join(by_ref[p.ref].id for p in result.unanswered)
        print(f"  {len(result.unanswered)} had no answer in the file; write one before "
              f"practising: {ids}")
    for p in result.untitled:
        print(f"  {by_ref[p.ref].id}: the file had no heading for this question "
              f"(near line {p.line}); check the question text")
    print("edit the file freely, then run `coach bank check`; "
          f"`coach bank list --topic {qs[0].topic}` shows them")
    return 0
