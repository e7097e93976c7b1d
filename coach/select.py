"""Which questions to practise: by id, topic, mode, what is due, what is weakest; otherwise a
seeded random order (the seed is passed in, so a session can be replayed)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from coach.bank.load import Bank
from coach.bank.model import Mode, Question
from coach.errors import CoachError


@dataclass(frozen=True)
class Selection:
    ids: tuple[str, ...] = ()
    topic: str | None = None
    mode: Mode | None = None
    count: int = 1
    seed: int | None = None
    due: Sequence[str] | None = None  # ids due for review, most overdue first
    weakest: Sequence[str] | None = None  # ids ordered weakest first


def pick(bank: Bank, sel: Selection) -> list[Question]:
    if sel.count < 1:
        raise CoachError("--count must be at least 1")
    if sel.ids:
        from coach.commands.bank import resolve_question

        return [resolve_question(bank, i) for i in sel.ids]
    pool = [q for q in bank.questions
            if (sel.topic is None or q.topic == sel.topic)
            and (sel.mode is None or q.mode is sel.mode)]
    if sel.topic and not any(q.topic == sel.topic for q in bank.questions):
        raise CoachError(f"no topic {sel.topic!r}", hint="topics: " + ", ".join(bank.topics()))
    if not pool:
        raise CoachError("no question matches those filters",
                         hint="relax --topic or --mode (see `coach bank list`)")
    by_id = {q.id: q for q in pool}
    for ordered, what in ((sel.due, "due"), (sel.weakest, "scored")):
        if ordered is not None:
            chosen = [by_id[i] for i in ordered if i in by_id][: sel.count]
            if not chosen:
                raise CoachError(f"no {what} questions match yet",
                                 hint="practise a few questions first (coach drill)")
            return chosen
    rng = random.Random(sel.seed)
    rng.shuffle(pool)
    return pool[: sel.count]


def pick_follow_up(question: Question, missed_labels: Sequence[str]) -> str | None:
    """The follow-up that probes what the answer missed (word overlap), else the first one."""
    if not question.follow_ups:
        return None
    from coach.score.text import norm_tokens

    missed = {t for label in missed_labels for t in norm_tokens(label) if len(t) > 3}

    def overlap(text: str) -> int:
        return len(missed & {t for t in norm_tokens(text) if len(t) > 3})

    best = max(question.follow_ups, key=overlap)
    return best if overlap(best) else question.follow_ups[0]
