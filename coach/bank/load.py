"""Read bank TOML files into `Question` values, reporting every problem with file, line, field.

One bad entry never stops the others: a file that fails to parse as a whole is split at its
``[[question]]`` headers and each entry is parsed on its own.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.bank.model import (
    Archetype,
    Concept,
    Difficulty,
    Mode,
    Question,
    RedFlag,
    Rubric,
    Weight,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MAX_FILE_BYTES = 5 * 1024 * 1024
MIN_CONCEPTS, MAX_CONCEPTS = 4, 10
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HEADER = re.compile(r"^\s*\[\[\s*question\s*\]\]\s*(#.*)?$")
_TOML_LINE = re.compile(r"at line (\d+)")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Bank:
    questions: tuple[Question, ...]
    problems: tuple[Problem, ...]
    files: tuple[str, ...]

    def get(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)

    def topics(self) -> list[str]:
        return sorted({q.topic for q in self.questions})


@dataclass
class _Chunk:
    """The text of one ``[[question]]`` entry and where it starts in its file."""

    lines: list[str]
    start: int  # 1-based line of the header

    def line_of(self, field_path: str) -> int:
        """Best-effort line of a field such as ``concepts[2].aliases`` within the entry."""
        parts = field_path.split(".")
        offset = 0
        head = parts[0]
        m = re.match(r"(\w+)\[(\d+)\]$", head)
        if m:
            table, index = m.group(1), int(m.group(2))
            header = re.compile(rf"^\s*\[\[\s*question\.{table}\s*\]\]")
            seen = -1
            for i, text in enumerate(self.lines):
                if header.match(text):
                    seen += 1
                    if seen == index:
                        offset = i
                        break
            else:
                return self.start
            if len(parts) == 1:
                return self.start + offset
            head = parts[1]
        elif len(parts) > 1:
            header = re.compile(rf"^\s*\[\s*question\.{head}\s*\]")
            for i, text in enumerate(self.lines):
                if header.match(text):
                    offset = i
                    break
            head = parts[1]
        key = re.compile(rf"^\s*(?:{re.escape(head)}\s*=|\[\[?\s*question\.{re.escape(head)}\b)")
        for i in range(offset, len(self.lines)):
            if key.match(self.lines[i]):
                return self.start + i
        return self.start + offset


def _split(text: str) -> list[_Chunk]:
    # TOML's lines end at "\n" only: str.splitlines() would also break at \f, \x1c, \u2028...
    # and number the lines differently from the parser and from editors.
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _HEADER.match(line)]
    if not starts:  # an empty file, or only comments (tests/test_fuzz.py found this)
        return []
    return [
        _Chunk(lines[s:e], s + 1)
        for s, e in zip(starts, [*starts[1:], len(lines)], strict=True)
    ]


class _Entry:
    """Validates one raw entry, collecting every problem rather than stopping at the first."""

    def __init__(self, raw: dict[str, Any], chunk: _Chunk, file: str) -> None:
        self.raw = raw
        self.chunk = chunk
        self.file = file
        self.problems: list[Problem] = []

    def bad(self, field_path: str, message: str) -> None:
        self.problems.append(
            Problem(self.file, self.chunk.line_of(field_path), field_path, message)
        )

    def text(self, data: dict[str, Any], key: str, path: str, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.bad(path, "missing")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.bad(path, "must be a non-empty string")
            return ""
        return _prose(value)

    def texts(self, data: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.bad(path, "must be a list of strings")
            return ()
        return tuple(v.strip() for v in value if v.strip())

    def choice(self, key: str, enum: type[Any]) -> Any:
        value = self.raw.get(key)
        allowed = ", ".join(e.value for e in enum)
        if value is None:
            self.bad(key, f"missing (one of: {allowed})")
            return None
        try:
            return enum(value)
        except ValueError:
            self.bad(key, f"{value!r} is not one of: {allowed}")
            return None

    def build(self) -> Question | None:
        raw = self.raw
        known = {
            "id", "topic", "question", "mode", "target_s", "archetype", "difficulty", "roles",
            "sources", "model_answer", "weak_answer", "follow_ups", "concepts", "red_flags",
            "rubric",
        }
        for key in sorted(set(raw) - known):
            self.bad(key, "unknown field")
        qid = self.text(raw, "id", "id")
        if qid and not _SLUG.match(qid):
            self.bad("id", f"{qid!r} must be a slug: lowercase letters, digits and hyphens")
        topic = self.text(raw, "topic", "topic")
        if topic and not _SLUG.match(topic):
            self.bad("topic", f"{topic!r} must be a slug: lowercase letters, digits and hyphens")
        question = self.text(raw, "question", "question")
        mode = self.choice("mode", Mode)
        archetype = self.choice("archetype", Archetype)
        difficulty = self.choice("difficulty", Difficulty)
        target = raw.get("target_s", 0)
        if not isinstance(target, int) or isinstance(target, bool) or not 0 <= target <= 3600:
            self.bad("target_s", "must be a whole number of seconds from 1 to 3600")
            target = 0
        model_answer = self.text(raw, "model_answer", "model_answer")
        sources = self.texts(raw, "sources", "sources")
        if "sources" in raw and not sources:
            self.bad("sources", "must name at least one source")
        concepts = self.concepts()
        red_flags = self.red_flags()
        rubric_raw = raw.get("rubric", {})
        rubric = Rubric()
        if not isinstance(rubric_raw, dict):
            self.bad("rubric", "must be a table with strong, lean, no_hire")
        else:
            for key in sorted(set(rubric_raw) - {"strong", "lean", "no_hire"}):
                self.bad(f"rubric.{key}", "unknown field")
            rubric = Rubric(
                strong=self.text(rubric_raw, "strong", "rubric.strong", required=False),
                lean=self.text(rubric_raw, "lean", "rubric.lean", required=False),
                no_hire=self.text(rubric_raw, "no_hire", "rubric.no_hire", required=False),
            )
        if self.problems or mode is None or archetype is None or difficulty is None:
            return None
        return Question(
            id=qid,
            topic=topic,
            question=question,
            mode=mode,
            archetype=archetype,
            difficulty=difficulty,
            model_answer=model_answer,
            concepts=concepts,
            sources=sources,
            target_s=target,
            roles=self.texts(raw, "roles", "roles"),
            weak_answer=self.text(raw, "weak_answer", "weak_answer", required=False),
            follow_ups=self.texts(raw, "follow_ups", "follow_ups"),
            red_flags=red_flags,
            rubric=rubric,
            file=self.file,
            line=self.chunk.start,
        )

    def concepts(self) -> tuple[Concept, ...]:
        raw = self.raw.get("concepts")
        if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
            self.bad("concepts", "missing: add 4 to 10 [[question.concepts]] tables")
            return ()
        if not MIN_CONCEPTS <= len(raw) <= MAX_CONCEPTS:
            self.bad("concepts", f"has {len(raw)} concepts; an entry needs 4 to 10")
        out = []
        for i, c in enumerate(raw):
            path = f"concepts[{i}]"
            known = {"label", "description", "aliases", "mishearings", "weight", "plain"}
            for key in sorted(set(c) - known):
                self.bad(f"{path}.{key}", "unknown field")
            weight = c.get("weight", "core")
            if weight not in ("core", "bonus"):
                self.bad(f"{path}.weight", f"{weight!r} is not one of: core, bonus")
                weight = "core"
            out.append(
                Concept(
                    label=self.text(c, "label", f"{path}.label"),
                    description=self.text(c, "description", f"{path}.description"),
                    aliases=self.texts(c, "aliases", f"{path}.aliases"),
                    mishearings=self.texts(c, "mishearings", f"{path}.mishearings"),
                    weight=Weight(weight),
                    plain=self.texts(c, "plain", f"{path}.plain"),
                )
            )
        if out and not any(c.core for c in out):
            self.bad("concepts", "needs at least one concept with weight = \"core\"")
        return tuple(out)

    def red_flags(self) -> tuple[RedFlag, ...]:
        raw = self.raw.get("red_flags", [])
        if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
            self.bad("red_flags", "must be [[question.red_flags]] tables")
            return ()
        out = []
        for i, r in enumerate(raw):
            path = f"red_flags[{i}]"
            for key in sorted(set(r) - {"label", "statement", "cues"}):
                self.bad(f"{path}.{key}", "unknown field")
            out.append(
                RedFlag(
                    label=self.text(r, "label", f"{path}.label"),
                    statement=self.text(r, "statement", f"{path}.statement"),
                    cues=self.texts(r, "cues", f"{path}.cues"),
                )
            )
        return tuple(out)


def _prose(text: str) -> str:
    """Collapse hand-wrapped lines; a blank line stays a paragraph break."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _parse_error_line(exc: Exception, default: int) -> int:
    m = _TOML_LINE.search(str(exc))
    return int(m.group(1)) + default - 1 if m else default


_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def _syntax_problem(name: str, lines: list[str], exc: Exception, first: int) -> Problem:
    """A TOML syntax error as file line (not entry line) and, when the line sets a key, the
    field it was setting."""
    line = _parse_error_line(exc, first)
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    key = _KEY.match(text)
    message = _TOML_LINE.sub(f"at line {line}", str(exc))
    return Problem(name, line, key.group(1) if key else "", f"invalid TOML: {message}")


def load_file(path: Path) -> tuple[list[Question], list[Problem]]:
    """Load one bank file. Never raises for bad content: problems are returned."""
    name = str(path)
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        # Only TOML is read, with tomllib (data only: nothing in a file is ever executed).
        return [], [Problem(name, 1, "", f"bank files are TOML, not "
                            f"{path.suffix.lstrip('.').upper()}: convert it to a .toml file "
                            "(bank/README.md shows the format)")]
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return [], [Problem(name, 1, "", f"file is {size // 1024} KiB; the limit is "
                                f"{MAX_FILE_BYTES // 1024 // 1024} MiB: split it by topic")]
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return [], [Problem(name, 1, "", "not UTF-8 text: save the file as UTF-8")]
    except OSError as exc:
        return [], [Problem(name, 1, "", f"cannot read: {exc.strerror}")]
    chunks = _split(text)
    problems: list[Problem] = []
    raws: list[tuple[dict[str, Any], _Chunk]] = []
    try:
        doc = tomllib.loads(text)
        entries = doc.get("question", [])
        extra = sorted(set(doc) - {"question"})
        if extra:
            problems.append(Problem(name, 1, extra[0], "unknown top-level key; entries go in "
                                    "[[question]] tables"))
        if not isinstance(entries, list) or len(entries) != len(chunks):
            return [], [*problems, Problem(name, 1, "question", "entries must be [[question]] "
                                           "tables, each starting on its own header line")]
        raws = list(zip(entries, chunks, strict=True))
    except tomllib.TOMLDecodeError as whole:
        all_lines = text.split("\n")
        if not chunks:
            return [], [_syntax_problem(name, all_lines, whole, 1)]
        for chunk in chunks:
            try:
                part = tomllib.loads("\n".join(chunk.lines))
                raws.append((part["question"][0], chunk))
            except tomllib.TOMLDecodeError as exc:
                problems.append(_syntax_problem(name, all_lines, exc, chunk.start))
    questions = []
    for raw, chunk in raws:
        entry = _Entry(raw, chunk, name)
        q = entry.build()
        problems.extend(entry.problems)
        if q is not None:
            questions.append(q)
    return questions, problems


def bank_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for d in dirs:
        if d.is_file():
            files.append(d)
        elif d.is_dir():
            # YAML files are listed too, so a user who wrote one hears why it does not load.
            files.extend(sorted(f for f in d.iterdir()
                                if f.suffix.lower() in (".toml", ".yaml", ".yml")))
    return files


def load_bank(paths: Iterable[Path] | None = None) -> Bank:
    """Load the shipped bank plus the user's own files (or the given files/folders)."""
    if paths is None:
        from coach.paths import shipped_bank_dir, user_bank_dir

        paths = [shipped_bank_dir(), user_bank_dir()]
    files = bank_files(paths)
    questions: list[Question] = []
    problems: list[Problem] = []
    seen: dict[str, Question] = {}
    for f in files:
        qs, ps = load_file(f)
        problems.extend(ps)
        for q in qs:
            first = seen.get(q.id)
            if first is not None:
                problems.append(Problem(q.file, q.line, "id", f"duplicate id {q.id!r} (first "
                                        f"defined at {first.file}:{first.line}): rename one"))
                continue
            seen[q.id] = q
            questions.append(q)
    return Bank(tuple(questions), tuple(problems), tuple(str(f) for f in files))
