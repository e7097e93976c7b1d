"""Fillers told apart from the same words used for their meaning (table-driven)."""

from __future__ import annotations

import pytest

from coach.score.fillers import find_fillers
from coach.transcript import Word


def words(text: str) -> list[Word]:
    return [Word(" " + w, i * 0.3, i * 0.3 + 0.25) for i, w in enumerate(text.split())]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Um, the cache grows.", ["Um"]),
        ("The cache, uh, grows and er dominates memory.", ["uh", "er"]),
        ("Hmm. I would start with the data.", ["Hmm"]),
        ("It looks like a memory problem.", []),
        ("I like this design.", []),
        ("It works like a dictionary lookup.", []),
        ("And like, the cache just grows.", ["like"]),
        ("The cache is like, huge at long context.", ["like"]),
        ("It was like really slow.", ["like"]),
        ("It is a kind of model that routes tokens.", []),
        ("What kind of data do you have?", []),
        ("It kind of helps with stability.", ["kind of"]),
        ("This sort of works.", []),
        ("It sort of works.", ["sort of"]),
        ("The trade-off is, you know, memory.", ["you know"]),
        ("Do you know the answer?", []),
        ("I mean, it depends on the batch.", ["I mean"]),
        ("I mean the second layer, not the first.", []),
        ("Basically, we cache keys and values.", ["Basically"]),
        ("This basically means fewer recomputations.", []),
        ("It actually helps a lot.", []),
        ("Actually, the real problem is memory.", ["Actually"]),
        ("So, the mechanism is simple.", ["So"]),
        ("So the mechanism is simple.", []),
        ("It grows so fast.", []),
        ("so um we keep them", ["so", "um"]),
        ("", []),
    ],
)
def test_filler_table(text: str, expected: list[str]) -> None:
    assert [f.text for f in find_fillers(words(text))] == expected


def test_fillers_carry_their_timestamps() -> None:
    ws = words("The trade-off is, you know, memory.")
    (f,) = find_fillers(ws)
    assert (f.start, f.end, f.index) == (ws[3].start, ws[4].end, 3)
    assert f.kind == "discourse"
