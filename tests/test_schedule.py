"""Spaced repetition with FSRS on a fixed clock, and the weakest topics, questions, concepts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fsrs import Rating

from coach.bank.load import load_bank
from coach.review_text import render_plan
from coach.schedule import (
    Schedule,
    make_plan,
    missed_concepts,
    question_strengths,
    rating_for,
    topic_strengths,
)
from coach.store import Attempt, Store
from tests.data.history import SESSION, T0, fill

DAY = timedelta(days=1)


def attempt(aid: int, qid: str, day: float, verdict: str | None, coverage: float = 0.0,
            overall: float = 50.0, topic: str = "t", covered: tuple[str, ...] = (),
            missed: tuple[str, ...] = ()) -> Attempt:
    """A stored attempt reduced to what scheduling reads (unit tests of the arithmetic; the
    integration tests below use real scored attempts)."""
    report: dict[str, Any] | None = None
    if verdict is not None:
        report = {"verdict": verdict, "overall": overall,
                  "coverage": {"score": coverage, "covered": [{"concept": c} for c in covered],
                               "missed": list(missed)}}
    return Attempt(aid, qid, topic, "screening", T0 + day * DAY, None, verdict is not None, None,
                   report, {}, {}, "")


@pytest.mark.parametrize(("verdict", "coverage", "rating"), [
    ("strong", 1.0, Rating.Easy),
    ("strong", 0.85, Rating.Easy),
    ("strong", 0.84, Rating.Good),
    ("strong", 0.3, Rating.Good),
    ("lean", 0.9, Rating.Good),
    ("lean", 0.6, Rating.Good),
    ("lean", 0.59, Rating.Hard),
    ("no_hire", 0.87, Rating.Hard),
    ("no_hire", 0.6, Rating.Hard),
    ("no_hire", 0.38, Rating.Again),
    ("no_hire", 0.0, Rating.Again),
])
def test_rating_from_verdict_and_coverage(verdict: str, coverage: float, rating: Rating) -> None:
    assert rating_for(verdict, coverage) is rating


@pytest.mark.parametrize(("takes", "due", "stability"), [
    # (day, verdict, coverage) of each take -> golden FSRS-6 due date and stability
    ([(0, "no_hire", 0.2)], T0 + 1 * DAY, 0.212),
    ([(0, "no_hire", 0.7)], T0 + 1 * DAY, 1.293),
    ([(0, "lean", 0.7)], T0 + 2 * DAY, 2.307),
    ([(0, "strong", 0.9)], T0 + 8 * DAY, 8.296),
    ([(0, "lean", 0.7), (2, "lean", 0.7)], T0 + 13 * DAY, 10.964),
    ([(0, "no_hire", 0.2), (1, "lean", 0.7)], T0 + 3 * DAY, 1.887),
])
def test_fsrs_due_dates_on_a_fixed_clock(takes: list, due: datetime, stability: float) -> None:
    attempts = [attempt(i, "q", day, v, c) for i, (day, v, c) in enumerate(takes)]
    card = Schedule.from_attempts(attempts).cards["q"]
    assert card.due == due
    assert card.card.stability == pytest.approx(stability, abs=1e-3)
    assert card.reviews == len(takes)
    assert card.last_review == attempts[-1].started_at


def test_the_schedule_is_a_pure_replay_of_scored_attempts() -> None:
    attempts = [attempt(1, "a", 0, "lean", 0.7), attempt(2, "b", 0.5, "no_hire", 0.1),
                attempt(3, "a", 2, "strong", 1.0), attempt(4, "a", 3, None),  # interrupted
                attempt(5, "b", 3.5, None)]
    one = Schedule.from_attempts(attempts)
    again = Schedule.from_attempts(reversed(attempts))  # input order does not matter
    assert {k: c.due for k, c in one.cards.items()} == {k: c.due for k, c in again.cards.items()}
    assert one.cards["a"].reviews == 2 and one.cards["b"].reviews == 1  # partials ignored
    assert one.cards["a"].last_rating is Rating.Easy
    b_due = one.cards["b"].due
    assert b_due == T0 + 1.5 * DAY
    assert one.due(b_due - timedelta(seconds=1)) == []
    assert one.due(b_due) == ["b"]  # due exactly now counts
    assert one.due(T0 + 60 * DAY) == ["b", "a"]  # most overdue first
    assert one.retrievability("a", one.cards["a"].last_review) == pytest.approx(1.0)
    assert 0 < one.retrievability("a", T0 + 60 * DAY) < 0.9
    assert one.retrievability("never", T0) is None


def test_the_plan_buckets_due_reviews_by_the_callers_day() -> None:
    attempts = [attempt(1, "overdue", 0, "no_hire", 0.1),       # due 03-04 09:00 UTC
                attempt(2, "tonight", 0.3, "no_hire", 0.1),     # due 03-04 16:12
                attempt(3, "early", 0.85, "no_hire", 0.1),      # due 03-05 05:24
                attempt(4, "in-a-week", 0.6, "lean", 0.7),      # due 03-05 23:24
                attempt(5, "later", 0, "lean", 0.7),
                attempt(6, "later", 2, "lean", 0.7),            # due 03-16 09:00
                attempt(7, "retired", 0, "no_hire", 0.1)]       # no longer in the bank
    bank = ["overdue", "tonight", "early", "in-a-week", "later", "new-1", "new-2"]
    now = T0 + 1.25 * DAY  # 2025-03-04 15:00 UTC
    plan = make_plan(attempts, bank, now)
    assert [c.question_id for c in plan.overdue] == ["overdue"]
    assert [c.question_id for c in plan.today] == ["tonight"]
    assert [c.question_id for c in plan.week] == ["early", "in-a-week"]
    assert plan.never_practised == 2 and plan.attempts == 6
    # At the same instant in UTC-10 it is 05:00 on 4 March: the day ends at 10:00 UTC on the
    # 5th, so "early" falls due today there.
    hawaii = make_plan(attempts, bank, now.astimezone(timezone(timedelta(hours=-10))))
    assert [c.question_id for c in hawaii.overdue] == ["overdue"]
    assert [c.question_id for c in hawaii.today] == ["tonight", "early"]
    assert [c.question_id for c in hawaii.week] == ["in-a-week"]
    with pytest.raises(ValueError, match="timezone-aware"):
        make_plan(attempts, bank, datetime(2025, 3, 4))


def test_weakest_questions_topics_and_concepts() -> None:
    attempts = [
        attempt(1, "q1", 0, "no_hire", 0.2, 20, "t1", ("A",), ("B", "C")),
        attempt(2, "q1", 1, "lean", 0.6, 60, "t1", ("A", "B"), ("C",)),
        attempt(3, "q1", 2, "strong", 0.9, 80, "t1", ("A", "B"), ("C",)),
        attempt(4, "q1", 3, "strong", 0.9, 90, "t1", ("A", "B", "C"), ()),
        attempt(5, "q2", 0, "lean", 0.6, 55, "t2", ("D",), ("c",)),
        attempt(6, "q3", 0, "strong", 0.9, 95, "t1", ("E",), ()),
    ]
    qs = question_strengths(attempts)
    assert [(s.key, round(s.strength, 1), s.attempts) for s in qs] == [
        ("q2", 55.0, 1), ("q1", 76.7, 4), ("q3", 95.0, 1)]  # q1: mean of its last 3 takes
    ts = topic_strengths(attempts)
    assert [(s.key, round(s.strength, 1), s.questions) for s in ts] == [
        ("t2", 55.0, 1), ("t1", 85.8, 2)]
    mc = missed_concepts(attempts)
    # "C" and "c" are one concept: missed 4 times out of 5 takes that had it.
    assert [(m.label, m.missed, m.seen) for m in mc] == [("C", 4, 5), ("B", 1, 4)]
    assert mc[0].question_ids == ("q1", "q2") and mc[0].rate == pytest.approx(0.8)


# --- with real attempts -------------------------------------------------------------------


@pytest.fixture
def real_store(transcripts: dict, references: dict):
    with Store() as store:
        fill(store, transcripts, references)
        yield store


def test_real_attempts_are_rated_and_scheduled(real_store: Store) -> None:
    from coach.schedule import due_questions, weakest_concepts, weakest_questions, weakest_topics

    bank = load_bank()
    attempts = real_store.attempts()
    assert len(attempts) == len(SESSION)
    schedule = Schedule.from_attempts(attempts)
    kv, attn = attempts[0].question_id, attempts[1].question_id
    assert set(schedule.cards) == {kv, attn} and schedule.cards[kv].reviews == 3
    assert schedule.cards[kv].last_rating is rating_for(attempts[3].verdict, attempts[3].coverage)
    # Nothing is due right after the last take; everything is due two months later.
    last = attempts[-1].started_at
    assert kv not in due_questions(real_store, bank, last)
    later = last + 60 * DAY
    assert sorted(due_questions(real_store, bank, later)) == sorted([kv, attn])
    assert due_questions(real_store, bank, later) == schedule.due(later)
    strengths = {s.key: s.strength for s in question_strengths(attempts)}
    assert weakest_questions(real_store, bank) == sorted(strengths, key=strengths.get)
    assert set(weakest_topics(real_store, bank)) == {attempts[0].topic, attempts[1].topic}
    missed = weakest_concepts(real_store, bank)
    assert missed and all(m.missed >= 1 and m.seen >= m.missed for m in missed)
    assert [m.missed for m in missed] == sorted((m.missed for m in missed), reverse=True)


def test_plan_output_with_real_attempts_on_a_fixed_clock(real_store: Store) -> None:
    bank = load_bank()
    attempts = real_store.attempts()
    now = attempts[-1].started_at + 30 * DAY
    plan = make_plan(attempts, [q.id for q in bank.questions], now)
    text = render_plan(plan, tz=timezone.utc)
    assert text.startswith(f"Due now ({len(plan.overdue)})")
    for heading in ("Later today", "This week", "Weakest topics", "Weakest questions",
                    "Concepts missed most often", "coach drill --due"):
        assert heading in text
    assert attempts[0].question_id in text and "overdue" in text
    assert f"{len(bank.questions) - 2} question(s) never practised." in text
    empty = render_plan(make_plan([], [q.id for q in bank.questions], now))
    assert empty.startswith("No attempts yet") and "coach drill" in empty
