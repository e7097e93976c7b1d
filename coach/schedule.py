"""What to practise next: FSRS spaced repetition over questions, and the weakest spots.

Each scored attempt is one FSRS review of its question, rated from the verdict and coverage
(`rating_for`). Cards are not stored: they are replayed from the attempts, oldest first, so the
schedule always agrees with the history and a changed rating rule applies to the past too.
Fuzzing is off and learning steps are empty: the same history gives the same due dates, and a
failed answer comes back the next day rather than in ten minutes (the drill already offers an
immediate retry).

    >>> schedule = Schedule.from_attempts(store.attempts())   # doctest: +SKIP
    >>> schedule.due(datetime.now(timezone.utc))
    ['kv-cache-why-critical-inference', ...]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from statistics import fmean
from typing import TYPE_CHECKING

from fsrs import Card, Rating, Scheduler

from coach.store import Attempt

if TYPE_CHECKING:
    from coach.bank.load import Bank
    from coach.store import Store

DESIRED_RETENTION = 0.9
#: Coverage at or above which a Strong answer is an easy recall.
EASY_COVERAGE = 0.85
#: Coverage at or above which the content was recalled even if the verdict was held back
#: (a Lean is then a Good recall, a No Hire a Hard one rather than a lapse).
RECALLED_COVERAGE = 0.6
#: How many recent attempts at a question make its current strength.
STRENGTH_WINDOW = 3


def rating_for(verdict: str, coverage: float) -> Rating:
    """The FSRS rating of one scored attempt.

    | verdict | coverage ≥ 0.85 | ≥ 0.6 | lower |
    |---------|-----------------|-------|-------|
    | strong  | Easy            | Good  | Good  |
    | lean    | Good            | Good  | Hard  |
    | no_hire | Hard            | Hard  | Again |
    """
    if verdict == "strong":
        return Rating.Easy if coverage >= EASY_COVERAGE else Rating.Good
    if verdict == "lean":
        return Rating.Good if coverage >= RECALLED_COVERAGE else Rating.Hard
    return Rating.Hard if coverage >= RECALLED_COVERAGE else Rating.Again


def scheduler() -> Scheduler:
    return Scheduler(desired_retention=DESIRED_RETENTION, learning_steps=(),
                     relearning_steps=(), enable_fuzzing=False)


@dataclass(frozen=True)
class QuestionCard:
    """The FSRS state of one practised question."""

    question_id: str
    topic: str
    card: Card
    reviews: int
    last_rating: Rating
    last_review: datetime
    last_overall: float

    @property
    def due(self) -> datetime:
        return self.card.due


def _scored(attempts: Iterable[Attempt]) -> list[Attempt]:
    scored = [a for a in attempts if a.scored]
    return sorted(scored, key=lambda a: (a.started_at, a.id))


@dataclass(frozen=True)
class Schedule:
    cards: Mapping[str, QuestionCard]

    @classmethod
    def from_attempts(cls, attempts: Iterable[Attempt]) -> Schedule:
        """Replay every scored attempt, oldest first, as a review of its question."""
        sched = scheduler()
        cards: dict[str, QuestionCard] = {}
        for a in _scored(attempts):
            prev = cards.get(a.question_id)
            # A stable id per question keeps cards deterministic (Card() would use the clock).
            card = prev.card if prev else Card(card_id=len(cards) + 1)
            rating = rating_for(a.verdict or "", a.coverage or 0.0)
            card, _ = sched.review_card(card, rating, a.started_at)
            cards[a.question_id] = QuestionCard(
                a.question_id, a.topic, card, (prev.reviews if prev else 0) + 1, rating,
                a.started_at, float(a.overall or 0.0))
        return cls(cards)

    def due(self, now: datetime) -> list[str]:
        """Questions due at ``now``, most overdue first."""
        return [c.question_id for c in self.due_between(None, now)]

    def due_between(self, start: datetime | None, end: datetime) -> list[QuestionCard]:
        """Cards falling due after ``start`` (None: any time before) and by ``end``."""
        hits = [c for c in self.cards.values()
                if c.due <= end and (start is None or c.due > start)]
        return sorted(hits, key=lambda c: (c.due, c.question_id))

    def retrievability(self, question_id: str, now: datetime) -> float | None:
        card = self.cards.get(question_id)
        if card is None:
            return None
        return float(scheduler().get_card_retrievability(card.card, now))


# --- weakest spots ----------------------------------------------------------------------


@dataclass(frozen=True)
class Strength:
    """How well a question or topic is going: mean overall of recent attempts (0-100)."""

    key: str  # question id or topic
    strength: float
    attempts: int
    questions: int = 1


@dataclass(frozen=True)
class MissedConcept:
    label: str
    missed: int  # attempts that missed it
    seen: int  # scored attempts at questions that have it
    question_ids: tuple[str, ...]

    @property
    def rate(self) -> float:
        return self.missed / self.seen if self.seen else 0.0


def question_strengths(attempts: Iterable[Attempt]) -> list[Strength]:
    """Per question, the mean overall of its last `STRENGTH_WINDOW` scored attempts; weakest
    first (ties: fewer attempts first)."""
    by_q: dict[str, list[Attempt]] = defaultdict(list)
    for a in _scored(attempts):
        by_q[a.question_id].append(a)
    out = [Strength(qid, fmean(float(a.overall or 0.0) for a in xs[-STRENGTH_WINDOW:]), len(xs))
           for qid, xs in by_q.items()]
    return sorted(out, key=lambda s: (s.strength, s.attempts, s.key))


def topic_strengths(attempts: Iterable[Attempt]) -> list[Strength]:
    """Per topic, the mean strength of its practised questions; weakest first."""
    attempts = list(attempts)
    topic_of = {a.question_id: a.topic for a in attempts}
    by_topic: dict[str, list[Strength]] = defaultdict(list)
    for s in question_strengths(attempts):
        by_topic[topic_of[s.key]].append(s)
    out = [Strength(t, fmean(s.strength for s in qs), sum(s.attempts for s in qs), len(qs))
           for t, qs in by_topic.items()]
    return sorted(out, key=lambda s: (s.strength, s.key))


def missed_concepts(attempts: Iterable[Attempt]) -> list[MissedConcept]:
    """Key concepts missed most often across attempts (same label = same concept)."""
    missed: dict[str, int] = defaultdict(int)
    seen: dict[str, int] = defaultdict(int)
    questions: dict[str, set[str]] = defaultdict(set)
    label_of: dict[str, str] = {}
    for a in _scored(attempts):
        cov = (a.report or {}).get("coverage", {})
        hit = {c["concept"] for c in cov.get("covered", [])}
        for label in {*hit, *cov.get("missed", [])}:
            key = label.casefold()
            label_of.setdefault(key, label)
            seen[key] += 1
            if label not in hit:
                missed[key] += 1
                questions[key].add(a.question_id)
    out = [MissedConcept(label_of[k], n, seen[k], tuple(sorted(questions[k])))
           for k, n in missed.items()]
    return sorted(out, key=lambda m: (-m.missed, -m.rate, m.label.casefold()))


# --- the plan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    now: datetime
    overdue: tuple[QuestionCard, ...]  # due at ``now``
    today: tuple[QuestionCard, ...]  # falling due later today (in ``now``'s time zone)
    week: tuple[QuestionCard, ...]  # falling due after today, within 7 days
    weakest_topics: tuple[Strength, ...]
    weakest_questions: tuple[Strength, ...]
    missed_concepts: tuple[MissedConcept, ...]
    never_practised: int
    attempts: int


def make_plan(attempts: Sequence[Attempt], question_ids: Iterable[str] | None,
              now: datetime, limit: int = 5) -> Plan:
    """Due today and this week, and the weakest topics, questions and concepts.

    ``question_ids`` is the bank: only questions still in it are planned (None: all). Days end
    at midnight in ``now``'s time zone, so pass a local time to plan by the user's day.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    known = set(question_ids) if question_ids is not None else None
    kept = [a for a in attempts if known is None or a.question_id in known]
    schedule = Schedule.from_attempts(kept)
    end_of_day = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=now.tzinfo)
    week_end = now + timedelta(days=7)
    practised = {a.question_id for a in _scored(kept)}
    return Plan(
        now=now,
        overdue=tuple(schedule.due_between(None, now)),
        today=tuple(schedule.due_between(now, end_of_day)),
        week=tuple(schedule.due_between(end_of_day, week_end)),
        weakest_topics=tuple(topic_strengths(kept)[:limit]),
        weakest_questions=tuple(question_strengths(kept)[:limit]),
        missed_concepts=tuple(missed_concepts(kept)[:limit]),
        never_practised=len(known - practised) if known is not None else 0,
        attempts=len(kept),
    )


# --- for `coach drill --due / --weakest` -----------------------------------------------------


def due_questions(store: Store, bank: Bank, now: datetime) -> list[str]:
    """Bank questions due for review at ``now``, most overdue first."""
    ids = {q.id for q in bank.questions}
    schedule = Schedule.from_attempts(a for a in store.attempts() if a.question_id in ids)
    return schedule.due(now.astimezone(timezone.utc))


def weakest_questions(store: Store, bank: Bank) -> list[str]:
    """Practised bank questions, weakest first (mean overall of the last few attempts)."""
    ids = {q.id for q in bank.questions}
    return [s.key for s in question_strengths(store.attempts()) if s.key in ids]


def weakest_topics(store: Store, bank: Bank) -> list[str]:
    """Practised bank topics, weakest first."""
    topics = {q.topic for q in bank.questions}
    return [s.key for s in topic_strengths(store.attempts()) if s.key in topics]


def weakest_concepts(store: Store, bank: Bank) -> list[MissedConcept]:
    """Concepts of bank questions missed most often."""
    ids = {q.id for q in bank.questions}
    return missed_concepts(a for a in store.attempts() if a.question_id in ids)
