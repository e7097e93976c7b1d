"""Turn a user's own prep document into a bank file they can edit.

Three stages, each in its own module and each a plain function that is tested on its own:

1. `coach.bank.notes.parse_document` reads the document into `Parsed` questions;
2. `coach.bank.keyphrases.key_concepts_batch` derives 4-8 key concepts per answer;
3. here, `build_questions` infers mode and archetype and makes ids unique, then
   `coach.bank.toml_writer.to_toml` writes the entries and `import_file` puts the file in the
   user bank dir.

The imported text is the user's own material, so the shipped bank's originality rule does not
apply to it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from coach.bank.keyphrases import STOPWORDS, key_concepts_batch
from coach.bank.model import (
    Archetype,
    Concept,
    Difficulty,
    Mode,
    Question,
    RedFlag,
)
from coach.bank.notes import Parsed, parse_document
from coach.bank.toml_writer import to_toml
from coach.errors import CoachError

if TYPE_CHECKING:

    from coach.embed import Embedder

MAX_INPUT_BYTES = 2 * 1024 * 1024

# --------------------------------------------------------------------------------------------
# Mode, archetype, ids
# --------------------------------------------------------------------------------------------

_QUICK_HINT = re.compile(r"rapid[- ]?fire|quick[- ]?fire|lightning|warm[- ]?up", re.I)
_DEEP_HINT = re.compile(r"deep[- ]?dive|senior|staff|on[- ]?site|system design", re.I)
_SCREEN_HINT = re.compile(r"screen", re.I)
_DEEP_WORDING = re.compile(r"\b(design|walk (me )?through|derive|architect)\b", re.I)
#: Checked in order: the first matching pattern names the archetype.
_ARCHETYPES = (
    (Archetype.DESIGN, re.compile(r"\b(design|build|architect)\w*\b", re.I)),
    (Archetype.TRADEOFF, re.compile(r"\bvs\.?\b|\bversus\b|\bcompare\b|\btrade[- ]?offs?\b|"
                                    r"\bwhen (would|should|do) you (choose|use|pick)\b|"
                                    r"\bchoose between\b|\bwhich is better\b", re.I)),
    (Archetype.DEBUG, re.compile(r"\b(debug|diagnos|investigat|troubleshoot|regress|spike|"
                                 r"stall|broke|malformed|fails?\b|not learning|disagree|"
                                 r"plateau|NaN)", re.I)),
    (Archetype.WHY, re.compile(r"^\W*why\b", re.I)),
    (Archetype.TRAIN, re.compile(r"\b(train|fine-tun|pre-?train)\w*\b", re.I)),
)


def infer_mode(p: Parsed) -> Mode:
    """Rapid/quick-fire sections are quickfire; design or walk-through questions, deep-dive
    sections and long answers are deep; everything else is a screening question."""
    if p.ref.startswith(("QF", "RF")) or _QUICK_HINT.search(p.section):
        return Mode.QUICKFIRE
    if _DEEP_WORDING.search(p.question) or _DEEP_HINT.search(p.section):
        return Mode.DEEP
    if _SCREEN_HINT.search(p.section):
        return Mode.SCREENING
    return Mode.DEEP if len(p.answer.split()) > 350 else Mode.SCREENING


def infer_archetype(question: str) -> Archetype:
    for archetype, pattern in _ARCHETYPES:
        if pattern.search(question):
            return archetype
    return Archetype.EXPLAIN


def slug(text: str, max_words: int = 7, *, keep_stopwords: bool = False) -> str:
    """``'Why Does GQA Help?'`` -> ``'gqa-help'`` (file names keep every word)."""
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower())
             if keep_stopwords or w not in STOPWORDS]
    return "-".join(words[:max_words])


def unique_id(base: str, taken: set[str]) -> str:
    qid, n = base, 2
    while qid in taken:
        qid = f"{base}-{n}"
        n += 1
    taken.add(qid)
    return qid


def _sentence_case(question: str) -> str:
    """'Why Does GQA Help?' -> 'Why does GQA help?' (acronyms and CamelCase kept)."""
    words = question.split()
    caps = sum(1 for w in words[1:] if w[:1].isupper())
    if len(words) < 3 or caps * 3 < (len(words) - 1) * 2:
        return question
    out = [words[0]]
    for w in words[1:]:
        keep = any(c.isupper() for c in w[1:]) or w.isupper() or w == "I"
        out.append(w if keep else w.lower())
    return " ".join(out)


# --------------------------------------------------------------------------------------------
# Building entries
# --------------------------------------------------------------------------------------------

#: The model answer written for a question the document left unanswered.
NO_ANSWER = ("No answer was found for this question in {name}. Write the answer you want to "
             "practise here, then update the concepts below and run `coach bank check`.")


def build_questions(parsed: Sequence[Parsed], *, topic: str, source: str, taken: set[str],
                    embedder: Embedder) -> list[Question]:
    """`Question` entries ready to write: concepts derived, ids unique against ``taken``."""
    concepts = key_concepts_batch([(p.question or "", p.answer) for p in parsed], embedder)
    out = []
    for p, cs in zip(parsed, concepts, strict=True):
        question = p.question or _untitled_question(cs)
        mode = infer_mode(p)
        out.append(Question(
            id=unique_id(slug(question) or "question", taken),
            topic=topic,
            question=_sentence_case(question),
            mode=mode,
            archetype=infer_archetype(question),
            difficulty=p.difficulty or (Difficulty.EASY if mode is Mode.QUICKFIRE
                                        else Difficulty.MEDIUM),
            model_answer=p.answer or NO_ANSWER.format(name=source),
            concepts=cs,
            sources=(f"user:{source}:{p.ref}",),
            roles=p.roles,
            weak_answer=p.weak_answer,
            follow_ups=p.follow_ups,
            red_flags=tuple(_red_flag(r) for r in p.red_flags),
            rubric=p.rubric,
            line=p.line,
        ))
    return out


def _untitled_question(concepts: Sequence[Concept]) -> str:
    labels = [c.label for c in concepts if c.core][:3] or [c.label for c in concepts][:3]
    listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return f"Explain {listed}."


def _red_flag(text: str) -> RedFlag:
    statement = text.strip()
    cues = tuple(q.strip() for q in re.findall(r'["“]([^"”]{3,60})["”]', statement))
    words = re.sub(r'["“”]', "", statement).split()
    label = " ".join(words[:8]).rstrip(".,;:") + (" …" if len(words) > 8 else "")
    return RedFlag(label=label, statement=statement, cues=cues)


# --------------------------------------------------------------------------------------------
# Reading the input and writing the bank file
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    path: Path
    questions: tuple[Question, ...]
    parsed: tuple[Parsed, ...]

    @property
    def unanswered(self) -> tuple[Parsed, ...]:
        return tuple(p for p in self.parsed if not p.answer)

    @property
    def untitled(self) -> tuple[Parsed, ...]:
        return tuple(p for p in self.parsed if p.untitled)


def read_document(path: Path) -> str:
    """The text of a prep document, or one clear `CoachError` saying why it cannot be used."""
    try:
        if path.is_dir():
            raise CoachError(f"{path} is a folder", hint="give a text or Markdown file")
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise CoachError(f"{path} is {size // 1024} KiB; the limit is "
                             f"{MAX_INPUT_BYTES // 1024 // 1024} MiB", hint="split the file")
        data = path.read_bytes()
    except FileNotFoundError:
        raise CoachError(f"no such file: {path}", hint="check the path") from None
    except OSError as exc:
        raise CoachError(f"cannot read {path}: {exc.strerror}") from None
    if b"\x00" in data[:8192]:
        raise CoachError(f"{path} is not a text file",
                         hint="export your notes as plain text or Markdown")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CoachError(f"{path} is not UTF-8 text", hint="save it as UTF-8") from None
    if not text.strip():
        raise CoachError(f"{path} is empty", hint="add your questions and answers first")
    return text


def parse_file(path: Path) -> list[Parsed]:
    parsed = parse_document(read_document(path))
    if not parsed:
        raise CoachError(
            f"no questions found in {path}",
            hint="start each question on its own line like 'Q1: ...' or '## Q1: ...', and "
                 "its answer with 'Answer:' or 'Model Answer:'",
        )
    return parsed


def default_topic(path: Path) -> str:
    """The file name as a slug: ``my_prep.md`` -> ``my-prep``."""
    return slug(path.stem, max_words=6, keep_stopwords=True) or "imported"


def target_path(path: Path, out: Path | None = None) -> Path:
    """Where ``coach bank import`` writes: ``--out`` (a file or folder), else the user bank."""
    from coach.paths import user_bank_dir

    name = f"{slug(path.stem, 8, keep_stopwords=True) or 'imported'}.toml"
    if out is None:
        return user_bank_dir() / name
    return out / name if out.is_dir() else out


def import_file(path: Path, *, embedder: Embedder, existing: Iterable[Question] = (),
                topic: str | None = None, out: Path | None = None,
                force: bool = False) -> ImportResult:
    """Parse ``path`` and write its questions as a bank file (default: the user bank dir).

    Ids are made unique against ``existing`` (except entries of the file being replaced).
    Refuses to overwrite a file unless ``force``. The file is written privately (0600) and
    atomically, and only after it has been read back and checked.
    """
    parsed = parse_file(path)
    topic = topic or default_topic(path)
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", topic):
        raise CoachError(f"topic {topic!r} must be a slug: lowercase letters, digits, hyphens",
                         hint="e.g. --topic my-prep")
    target = target_path(path, out)
    if target.exists() and not force:
        raise CoachError(f"{target} already exists", hint="add --force to replace it")
    replaced = target.resolve()
    taken = {q.id for q in existing if not q.file or Path(q.file).resolve() != replaced}
    questions = build_questions(parsed, topic=topic, source=path.name, taken=taken,
                                embedder=embedder)
    written = _write_private(target, to_toml(questions, path.name))
    return ImportResult(written, tuple(questions), tuple(parsed))


def _write_private(target: Path, text: str) -> Path:
    import errno
    import os

    from coach.bank.load import load_file

    tmp = target.with_name(f".{target.name}.tmp")
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)  # so the file below is created, with our permissions
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())  # a full disk shows up here, not after the rename
        _, problems = load_file(tmp)  # an emitter bug must never leave a broken file behind
        if problems:
            tmp.unlink()
            raise CoachError(f"internal error: the imported file does not check: {problems[0]}")
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)  # never leave half a file behind
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
        raise CoachError(f"cannot write {target}: {exc.strerror}",
                         hint="free some disk space, or pass --out with a path on another disk"
                         if full else "pass --out with a writable path") from None
    return target
