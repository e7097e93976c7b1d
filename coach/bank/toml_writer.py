"""Write bank entries as TOML with a small emitter: long strings are wrapped in multi-line
strings that still read back exactly."""

from __future__ import annotations

import re
from collections.abc import Sequence

from coach.bank.model import Question

# --------------------------------------------------------------------------------------------
# TOML
# --------------------------------------------------------------------------------------------

_WIDTH = 96


def toml_string(value: str, indent: int = 0) -> str:
    """A TOML basic string; long or multi-line text becomes a wrapped ``\"\"\"`` string.

    Wrapped lines end in a line-ending backslash, so the text reads back exactly.
    """
    escaped = _escape(value)
    if "\n" not in value and len(escaped) + indent <= _WIDTH - 10:
        return f'"{escaped}"'
    lines: list[str] = []
    for paragraph in value.split("\n"):
        lines.extend(_wrap(_escape(paragraph), _WIDTH - 2))
    # A line of text that starts like a table header ("[[question]]" in someone's notes) is
    # still text to TOML, but the loader finds entries by their header lines: escape it.
    lines = [re.sub(r"^(\s*)\[", r"\1\\u005b", line) for line in lines]
    return '"""\n' + "\n".join(lines) + '"""'


def _wrap(text: str, width: int) -> list[str]:
    """Greedy wrap where every line but the last ends in a space and a line-ending backslash.

    TOML drops the backslash, the newline and the next line's leading whitespace, so each
    break point keeps its space on the line before it and the text reads back unchanged.
    """
    lines: list[str] = []
    line = ""
    for piece in re.findall(r"\S+\s*|\s+", text):
        if line and len(line) + len(piece.rstrip()) > width and line.endswith(" "):
            lines.append(line + "\\")
            line = ""
        line += piece
    lines.append(line)
    return lines


def _escape(text: str) -> str:
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def _array(values: Sequence[str], key: str) -> str:
    items = [f'"{_escape(v)}"' for v in values]
    one_line = f"{key} = [{', '.join(items)}]"
    if len(one_line) <= _WIDTH:
        return one_line
    return f"{key} = [\n" + "".join(f"  {i},\n" for i in items) + "]"


def question_to_toml(q: Question) -> str:
    lines = ["[[question]]"]

    def put(key: str, value: str) -> None:
        lines.append(f"{key} = {toml_string(value, len(key) + 3)}")

    put("id", q.id)
    put("topic", q.topic)
    put("question", q.question)
    put("mode", q.mode.value)
    put("archetype", q.archetype.value)
    put("difficulty", q.difficulty.value)
    if q.roles:
        lines.append(_array(q.roles, "roles"))
    lines.append(_array(q.sources, "sources"))
    put("model_answer", q.model_answer)
    if q.weak_answer:
        put("weak_answer", q.weak_answer)
    if q.follow_ups:
        lines.append(_array(q.follow_ups, "follow_ups"))
    if q.rubric.strong or q.rubric.lean or q.rubric.no_hire:
        lines += ["", "[question.rubric]"]
        for key in ("strong", "lean", "no_hire"):
            if getattr(q.rubric, key):
                put(key, getattr(q.rubric, key))
    for c in q.concepts:
        lines += ["", "[[question.concepts]]"]
        put("label", c.label)
        put("description", c.description)
        lines.append(_array(c.aliases, "aliases"))
        if c.mishearings:
            lines.append(_array(c.mishearings, "mishearings"))
        if c.plain:
            lines.append(_array(c.plain, "plain"))
        put("weight", c.weight.value)
    for r in q.red_flags:
        lines += ["", "[[question.red_flags]]"]
        put("label", r.label)
        put("statement", r.statement)
        lines.append(_array(r.cues, "cues"))
    return "\n".join(lines) + "\n"


def to_toml(questions: Sequence[Question], source: str) -> str:
    head = (f"# Imported from {source} by `coach bank import`.\n"
            "# This file is yours: edit the answers and concepts, then run `coach bank check`.\n"
            "# Concepts were picked automatically from each answer.\n")
    parts = [head]
    for q in questions:
        if q.line:
            parts.append(f"\n# {source}, line {q.line}")
        parts.append("\n" + question_to_toml(q))
    return "".join(parts)

