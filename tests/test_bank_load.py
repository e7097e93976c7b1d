"""Loading and checking bank files: every problem named by file, line and field."""

from __future__ import annotations

from pathlib import Path

from coach.bank.load import load_bank, load_file

GOOD = """
[[question]]
id = "{id}"
topic = "attention-transformers"
question = "Why scale attention scores?"
mode = "screening"
archetype = "why"
difficulty = "medium"
sources = ["001:Q1F"]
model_answer = "Because the dot products grow with the dimension."
{concepts}
"""
CONCEPT = """
[[question.concepts]]
label = "c{i}"
description = "Concept number {i}."
aliases = ["alias {i}"]
weight = "core"
"""


def entry(qid: str, n_concepts: int = 4, **replace: str) -> str:
    text = GOOD.format(id=qid, concepts="".join(CONCEPT.format(i=i) for i in range(n_concepts)))
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def test_good_entry_loads_with_defaults(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text(entry("scale-scores"))
    qs, problems = load_file(f)
    assert problems == []
    (q,) = qs
    assert q.target_s == 120 and q.line == 2 and len(q.concepts) == 4


def test_one_bad_entry_does_not_stop_the_others(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text(entry("first-one") + entry("Bad.Id") + entry("third-one"))
    qs, problems = load_file(f)
    assert [q.id for q in qs] == ["first-one", "third-one"]
    assert [str(p) for p in problems] == [
        f"{f}:{GOOD.count(chr(10)) + 4 * CONCEPT.count(chr(10)) + 3}: id: 'Bad.Id' must be a "
        "slug: lowercase letters, digits and hyphens"
    ]


def test_syntax_error_in_one_entry_keeps_the_rest(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    broken = entry("broken-one").replace('model_answer = "Because', 'model_answer = "Because\n')
    f.write_text(entry("first-one") + broken + entry("third-one"))
    qs, problems = load_file(f)
    assert [q.id for q in qs] == ["first-one", "third-one"]
    assert len(problems) == 1 and "invalid TOML" in problems[0].message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text(entry("x-one", n_concepts=2).replace('mode = "screening"', 'mode = "fast"')
                 .replace('archetype = "why"', 'archetype = "story"'))
    _, problems = load_file(f)
    fields = {p.field: p for p in problems}
    assert set(fields) == {"mode", "archetype", "concepts"}
    assert fields["mode"].line == 6 and "'fast' is not one of" in fields["mode"].message
    assert fields["concepts"].message == "has 2 concepts; an entry needs 4 to 10"


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(entry("same-id"))
    (tmp_path / "b.toml").write_text(entry("same-id"))
    bank = load_bank([tmp_path])
    assert len(bank.questions) == 1
    (p,) = bank.problems
    assert p.field == "id" and "duplicate id 'same-id'" in p.message and "a.toml:2" in p.message


def test_path_separators_in_ids_are_rejected(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text(entry("../etc/passwd"))
    qs, problems = load_file(f)
    assert qs == [] and problems[0].field == "id"


def test_unknown_fields_and_bad_weights(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text(entry("x-two").replace('weight = "core"', 'weight = "heavy"', 1)
                 .replace('difficulty = "medium"', 'difficulty = "medium"\ncolour = "red"'))
    _, problems = load_file(f)
    assert {p.field for p in problems} == {"colour", "concepts[0].weight"}


def test_huge_and_non_utf8_files(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (6 * 1024 * 1024))
    assert "the limit is 5 MiB" in load_file(big)[1][0].message
    latin = tmp_path / "latin.toml"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    assert "not UTF-8" in load_file(latin)[1][0].message
