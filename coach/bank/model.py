"""Typed values for bank entries: what the scorer judges an answer against."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Mode(str, Enum):
    QUICKFIRE = "quickfire"
    SCREENING = "screening"
    DEEP = "deep"


#: Target answer length per mode when an entry does not set ``target_s``.
DEFAULT_TARGET_S = {Mode.QUICKFIRE: 30, Mode.SCREENING: 120, Mode.DEEP: 300}


class Archetype(str, Enum):
    """Which answer shape the structure scorer expects (seed 004's archetypes)."""

    EXPLAIN = "explain"
    WHY = "why"
    DESIGN = "design"
    TRAIN = "train"
    DEBUG = "debug"
    TRADEOFF = "tradeoff"


class Difficulty(str, Enum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class Weight(str, Enum):
    CORE = "core"
    BONUS = "bonus"


#: How much a concept of each weight counts towards coverage.
WEIGHT_VALUE = {Weight.CORE: 1.0, Weight.BONUS: 0.4}


@dataclass(frozen=True)
class Concept:
    label: str
    description: str
    aliases: tuple[str, ...] = ()
    mishearings: tuple[str, ...] = ()
    weight: Weight = Weight.CORE
    #: The same idea said in everyday words, without the term: extra semantic prototypes, so
    #: a candidate who explains it without naming it is still credited.
    plain: tuple[str, ...] = ()

    @property
    def core(self) -> bool:
        return self.weight is Weight.CORE


@dataclass(frozen=True)
class RedFlag:
    """A misconception, said the way a candidate who holds it would say it."""

    label: str
    statement: str
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rubric:
    strong: str = ""
    lean: str = ""
    no_hire: str = ""


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    question: str
    mode: Mode
    archetype: Archetype
    difficulty: Difficulty
    model_answer: str
    concepts: tuple[Concept, ...]
    sources: tuple[str, ...]
    target_s: int = 0
    roles: tuple[str, ...] = ()
    weak_answer: str = ""
    follow_ups: tuple[str, ...] = ()
    red_flags: tuple[RedFlag, ...] = ()
    rubric: Rubric = field(default_factory=Rubric)
    #: Where the entry was read from, for error messages and `bank show`.
    file: str = ""
    line: int = 0

    def __post_init__(self) -> None:
        if not self.target_s:
            object.__setattr__(self, "target_s", DEFAULT_TARGET_S[self.mode])

    @property
    def core_concepts(self) -> tuple[Concept, ...]:
        return tuple(c for c in self.concepts if c.core)

    def key_terms(self, limit: int = 12) -> list[str]:
        """Short technical terms worth biasing the recogniser towards (core first).

        Spelled as the model answer spells them ("KV cache", not the alias "kv cache"): the
        prompt's casing carries into the transcript.
        """
        import re

        terms: list[str] = []
        ordered = sorted(self.concepts, key=lambda c: not c.core)
        for concept in ordered:
            for alias in concept.aliases:
                if len(alias.split()) <= 3 and alias.lower() not in {t.lower() for t in terms}:
                    found = re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", self.model_answer,
                                      re.IGNORECASE)
                    terms.append(found.group(0) if found else alias)
                    break
        return terms[:limit]
