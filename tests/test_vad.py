"""Planning recogniser windows from VAD speech spans (pure: no model)."""

from __future__ import annotations

from coach.transcript import Span
from coach.vad import plan_chunks


def spans(*pairs: tuple[float, float]) -> tuple[Span, ...]:
    return tuple(Span(a, b) for a, b in pairs)


def test_windows_are_cut_only_in_silences_and_never_exceed_the_limit() -> None:
    speech = spans(*[(i * 4.0, i * 4.0 + 3.5) for i in range(20)])  # 80 s of 3.5-s phrases
    chunks = plan_chunks(speech, max_s=28.0, pad_s=0.0)
    assert all(c.end - c.start <= 28.0 for c in chunks)
    assert chunks[0].start == 0.0 and chunks[-1].end == speech[-1].end
    cut_points = {c.end for c in chunks[:-1]}
    assert cut_points <= {s.end for s in speech}  # every cut falls at the end of a phrase
    covered = sum(min(c.end, s.end) - max(c.start, s.start) for c in chunks for s in speech
                  if c.start < s.end and s.start < c.end)
    assert abs(covered - sum(s.seconds for s in speech)) < 1e-9  # no speech lost or doubled


def test_a_short_tail_joins_the_last_window_only_when_both_still_fit() -> None:
    speech = spans((0.4, 10.0), (10.5, 27.5), (28.2, 30.0))  # a 30-s answer
    assert len(plan_chunks(speech, max_s=28.0, pad_s=0.2)) == 2
    joined = plan_chunks(speech, max_s=28.0, pad_s=0.2, tail_max_s=29.6, duration_s=30.0)
    assert joined == [Span(0.2, 30.0)]
    longer = spans((0.4, 10.0), (10.5, 27.5), (28.2, 30.2))  # 29.8 s: cannot be one window
    assert len(plan_chunks(longer, max_s=28.0, pad_s=0.2, tail_max_s=29.6)) == 2


def test_one_span_longer_than_the_limit_is_split_evenly() -> None:
    chunks = plan_chunks(spans((0.0, 60.0)), max_s=28.0, pad_s=0.0)
    assert len(chunks) == 3 and all(abs((c.end - c.start) - 20.0) < 1e-9 for c in chunks)
