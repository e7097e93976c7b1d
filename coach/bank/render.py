"""Turn a `Question` into text for the terminal or a plain dict for JSON."""

from __future__ import annotations

import textwrap
from dataclasses import asdict
from enum import Enum
from typing import Any

from coach.bank.model import Question


def question_to_dict(q: Question) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    return plain(asdict(q))


def _wrap(text: str, indent: str = "  ") -> str:
    return "\n".join(textwrap.fill(p, 96, initial_indent=indent, subsequent_indent=indent)
                     for p in text.split("\n\n") if p.strip())


def render_question(q: Question) -> str:
    out = [
        f"{q.id}  [{q.topic} · {q.mode.value} {q.target_s}s · {q.archetype.value} · "
        f"{q.difficulty.value}]",
        _wrap(q.question, ""),
        "",
        "Model answer:",
        _wrap(q.model_answer),
    ]
    if q.weak_answer:
        out += ["", "A weak answer sounds like:", _wrap(q.weak_answer)]
    out += ["", "Key concepts:"]
    for c in q.concepts:
        aka = f" (also: {', '.join(c.aliases)})" if c.aliases else ""
        out.append(f"  [{c.weight.value:5}] {c.label}{aka}")
    if q.red_flags:
        out += ["", "Red flags:"] + [f"  - {r.label}" for r in q.red_flags]
    if q.follow_ups:
        out += ["", "Follow-ups:"] + [f"  - {f}" for f in q.follow_ups]
    if q.rubric.strong or q.rubric.lean or q.rubric.no_hire:
        out += ["", "Rubric:"]
        for name, text in (("Strong", q.rubric.strong), ("Lean", q.rubric.lean),
                           ("No Hire", q.rubric.no_hire)):
            if text:
                out.append(f"  {name}: {text}")
    out += ["", f"Sources: {', '.join(q.sources)}   ({q.file}:{q.line})"]
    return "\n".join(out)
