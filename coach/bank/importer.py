"""Turn a user's own prep document into a bank file they can edit.

Three stages, each a plain function so it can be tested on its own:

1. `parse_document(text)` reads the layouts interview-prep notes use (``Q12:`` / ``Q12.`` /
   ``## Q12:`` headings, ``Model Answer:``, ``Direct answer:`` + ``Deep answer:``, ``Answer``
   sections, follow-up and mistake lists, ``Scoring:`` lines, quick-fire lines, rapid-fire
   lists, quoted narrative titles) into `Parsed` values. It is a line classifier plus a small
   state machine: nothing in the file is ever executed or evaluated.
2. `key_concepts_batch(...)` derives 4-8 concepts per answer, KeyBERT-style: candidate phrases
   (n-grams between stopwords, acronyms) ranked by embedding similarity to the answer, picked
   with maximal marginal relevance so they do not repeat each other.
3. `build_questions` infers mode and archetype and makes ids unique; `to_toml` writes the
   entries with a small emitter (wrapped lines still read back exactly); `import_file` puts
   the file in the user bank dir.

The imported text is the user's own material, so the shipped bank's originality rule does not
apply to it.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

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
from coach.errors import CoachError

if TYPE_CHECKING:
    import numpy as np

    from coach.embed import Embedder

MAX_INPUT_BYTES = 2 * 1024 * 1024
MIN_CONCEPTS, MAX_CONCEPTS = 4, 10

# --------------------------------------------------------------------------------------------
# Parsed values
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    """One question found in a document, before concepts are derived."""

    ref: str  # "Q12", "QF3", "Q1F" (a follow-up with its own answer), "RF2", "N3", "S1", "X4"
    question: str
    answer: str = ""
    weak_answer: str = ""
    follow_ups: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()
    rubric: Rubric = field(default_factory=Rubric)
    difficulty: Difficulty | None = None
    roles: tuple[str, ...] = ()
    section: str = ""  # the heading it sat under, a hint for the mode
    line: int = 0
    #: The source had no heading for this question (found from a stray ``Difficulty:`` line);
    #: the question text is made up from the answer and should be checked.
    untitled: bool = False


@dataclass
class _Draft:
    ref: str
    question: str
    line: int
    section: str
    answer: list[str] = field(default_factory=list)
    loose: list[str] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)
    rubric: list[str] = field(default_factory=list)
    strengths: list[str] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)
    red_flags: list[str] = field(default_factory=list)
    difficulty: Difficulty | None = None
    roles: tuple[str, ...] = ()
    parent: _Draft | None = None
    untitled: bool = False

    def started(self) -> bool:
        """Has the answer part begun? A ``Difficulty:`` line after this starts a new question."""
        return bool(self.answer or self.follow_ups or self.weak or self.rubric)


# --------------------------------------------------------------------------------------------
# Lines
# --------------------------------------------------------------------------------------------

#: Label (lower case) -> which field its text fills. Only these names are structure; any other
#: "Something:" line (``Step 1:``, ``Memory calculation:``) is ordinary answer text.
LABELS = {
    **dict.fromkeys(
        ["answer", "model answer", "sample answer", "suggested answer", "strong answer",
         "stronger answer", "good answer", "best answer", "short answer", "direct answer",
         "deep answer", "long answer", "detailed answer", "strong answer framework",
         "answer outline", "key points", "your answer"], "answer"),
    **dict.fromkeys(["weak answer", "bad answer", "poor answer", "weaker answer",
                     "anti-pattern answer"], "weak"),
    **dict.fromkeys(["follow-ups", "follow-up", "follow ups", "followups", "follow-up variants",
                     "follow-up questions", "follow-up ladder"], "follow_ups"),
    **dict.fromkeys(["scoring", "rubric", "grading"], "rubric"),
    **dict.fromkeys(["why this answer is stronger", "why this works", "why it is stronger"],
                    "strengths"),
    **dict.fromkeys(["common mistakes and red flags", "common mistakes", "red flags", "mistakes",
                     "pitfalls", "common pitfalls", "anti-patterns", "red flag"], "red_flags"),
    "difficulty": "difficulty",
    **dict.fromkeys(["what interviewer is probing", "what the interviewer is probing",
                     "interviewer is probing", "sample code or pseudocode", "sample code",
                     "pseudocode", "deep dive", "see also", "figure", "references"], "skip"),
}
#: Fields whose text is a list (one item per bullet) rather than prose.
LIST_FIELDS = {"follow_ups", "red_flags", "strengths", "outline"}

_BULLET = re.compile(r"^(?:[-*+•·▪◦‣]|\d+\))\s+")
_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(.+)$")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_QREF = re.compile(r"^\[?(QF|RF|Q|Question)\s?(\d{1,3})\]?(?P<sep>\s*[:.)\-–—]\s*|\s+)(.*)$",
                   re.I)
_QREF_ANYWHERE = re.compile(r"\bQF?\d{1,3}\b")
_SUBQ = re.compile(r"^follow[- ]?up\s*:\s*(.+\?)\s*$", re.I)
_LABEL = re.compile(r"^([A-Za-z][A-Za-z /&'-]{1,45}?)\s*:\s*(.*)$")
_QUOTED = re.compile(r'^["“](?P<q>[^"“”]{8,})["”]$')
_DIFFICULTY = re.compile(r"\b(easy|medium|hard)\b", re.I)
_ROLES = re.compile(r"\broles?\s*:\s*(.+)$", re.I)
_COMPANY_TAG = re.compile(r"^\[[^\]]{1,40}\]\s*")
_LIST_HEADING = re.compile(r"rapid[- ]?fire|quick[- ]?fire|lightning|\bquestions\b", re.I)
_CODE = re.compile(r"^\s*[\w.\[\]]+\s*[-+*/]?=\s*\S|\w\(|[{}]\s*$|^\s*[)\]}]")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING_BAD = re.compile(r"[=\[\]{}|<>]")
_TEX = re.compile(r"\\text\{([^}]*)\}")
_SMALL_WORDS = {"a", "an", "and", "or", "of", "the", "to", "in", "on", "for", "by", "with",
                "vs", "at", "from", "is", "as", "into", "per", "your", "you", "what", "how"}


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based line number in the file
    text: str  # cleaned, without bullet or heading marks
    indent: int
    bullet: bool
    md_heading: bool
    emphasis: bool  # the line starts in bold (``**Q12**``)
    blank: bool

    @property
    def item(self) -> bool:
        """A list item inside prose: a bullet or a ``1.`` line."""
        return self.bullet or bool(_NUMBERED.match(self.text))


def _clean(text: str) -> str:
    """Drop Markdown emphasis and code marks and LaTeX ``\\text{}`` wrappers; keep the words."""
    text = _TEX.sub(r"\1", text).replace("---", "—")
    return text.replace("**", "").replace("`", "").strip()


def _lines(text: str) -> list[_Line]:
    """Cleaned lines with their layout. Fenced code blocks are dropped: code is not spoken."""
    out = []
    fenced = False
    for i, raw in enumerate(text.splitlines(), 1):
        if _FENCE.match(raw):
            fenced = not fenced
            continue
        if fenced:
            continue
        expanded = raw.expandtabs(4).replace("\u00a0", " ").rstrip()
        stripped = expanded.lstrip()
        indent = len(expanded) - len(stripped)
        if stripped.startswith(">"):
            stripped = stripped.lstrip("> ")
        md = _MD_HEADING.match(stripped)
        if md:
            stripped = md.group(2)
        bullet = _BULLET.match(stripped)
        if bullet and not md:
            stripped = stripped[bullet.end():]
        emphasis = stripped.startswith("**")
        cleaned = _clean(stripped)
        out.append(_Line(i, cleaned, indent, bool(bullet) and not md, bool(md), emphasis,
                         not cleaned))
    return out


def _is_title(text: str) -> bool:
    """A short line that reads like a heading: no sentence punctuation, mostly capitalised."""
    if not text or not (text[0].isupper() or text[0].isdigit()) or text[-1] in ".:;,?!\"”":
        return False
    if _HEADING_BAD.search(text) or len(text) > 80:
        return False
    words = re.findall(r"[A-Za-z][\w'/-]*", text)
    if not words or len(words) > 10:
        return False
    content = [w for w in words if w.lower() not in _SMALL_WORDS]
    capital = sum(1 for w in content if w[0].isupper())
    return capital * 2 >= len(content)


class _Parser:
    """Classifies each line and keeps track of which question and field it belongs to."""

    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        nonblank = [ln for ln in lines if not ln.blank]
        # Documents written with blank lines between paragraphs set headings apart with blank
        # lines too; requiring that keeps table rows and diagram labels from looking like titles.
        self.spaced = bool(lines) and (len(lines) - len(nonblank)) * 5 > len(lines)
        self.toc_refs = self._heading_refs()
        self.drafts: list[_Draft] = []
        self.current: _Draft | None = None
        self.field: tuple[_Draft, str] | None = None
        self.loose_open = False
        self.list_kind: str | None = None  # "RF" or "X" while reading a list of questions
        self.pending: tuple[str, int] | None = None  # the list item being read
        self.list_count = {"RF": 0, "X": 0, "S": 0}
        self.section = ""
        self.line_no = 0

    def _heading_refs(self) -> set[str]:
        """Refs with their own (non-bullet) heading: bullets naming them are a contents list."""
        refs = set()
        for ln in self.lines:
            m = self.qref(ln)
            if m and not ln.bullet:
                refs.add(_ref(m.group(1), m.group(2)))
        return refs

    @staticmethod
    def qref(ln: _Line) -> re.Match[str] | None:
        """``Q12: ...``, ``Q12. ...``, ``QF3 - ...``; a bare ``Q12 ...`` only as heading or bold."""
        m = _QREF.match(ln.text)
        if m is None:
            return None
        if not m.group("sep").strip() and not (ln.md_heading or ln.emphasis):
            return None
        return m

    def next_text(self, i: int) -> _Line | None:
        for ln in self.lines[i + 1:]:
            if not ln.blank:
                return ln
        return None

    def prev_blank(self, i: int) -> bool:
        return i == 0 or self.lines[i - 1].blank

    def next_blank(self, i: int) -> bool:
        return i + 1 >= len(self.lines) or self.lines[i + 1].blank

    def is_heading(self, i: int, ln: _Line) -> bool:
        if ln.bullet or ln.indent > 3:
            return False
        if ln.md_heading:
            nxt = self.next_text(i)
            # A "# comment" right above code is a comment, not a heading.
            return not (nxt and _CODE.search(nxt.text)) and "_" not in ln.text
        numbered = _NUMBERED.match(ln.text)
        text = numbered.group(2) if numbered else ln.text
        if numbered and self.in_prose_answer():
            return False
        if self.spaced and not (self.prev_blank(i) and self.next_blank(i)):
            return False
        if numbered:
            return len(text) <= 80 and text[-1] not in ".:;,?!" and not _HEADING_BAD.search(text)
        return _is_title(text)

    def in_prose_answer(self) -> bool:
        return self.field is not None and self.field[1] in ("answer", "weak")

    # -- events ---------------------------------------------------------------------------------

    def start(self, ref: str, question: str, line: int, *, current: bool = True) -> _Draft:
        draft = _Draft(ref, question, line, self.section)
        self.drafts.append(draft)
        if current:
            self.current = draft
            self.field = None
            self.loose_open = True
        return draft

    def open_field(self, kind: str, inline: str) -> None:
        if kind == "difficulty":
            self.set_difficulty(inline)
            return
        if self.current is None:
            self.field = None
            return
        self.field = (self.current, kind)
        self.loose_open = False
        if inline:
            self.add(inline, bullet=False)

    def set_difficulty(self, text: str) -> None:
        draft = self.current
        if draft is None or draft.started():
            # A difficulty line with no question heading above it: the heading is missing.
            draft = self.start("", "", self.line_no, current=True)
            draft.untitled = True
        level = _DIFFICULTY.search(text)
        if level:
            draft.difficulty = Difficulty(level.group(1).lower())
        roles = _ROLES.search(text)
        if roles:
            names = [r.strip() for r in re.split(r"[,/]", roles.group(1)) if r.strip()]
            draft.roles = tuple(r for r in names if r.lower() != "all")
        self.field = None

    def add(self, text: str, *, bullet: bool) -> None:
        assert self.field is not None
        draft, kind = self.field
        if kind == "skip":
            return
        if kind == "outline":
            draft.answer.append("- " + text)
        elif kind in LIST_FIELDS:
            getattr(draft, kind).append(text)
        else:
            target = {"answer": draft.answer, "weak": draft.weak, "rubric": draft.rubric}[kind]
            target.append(("- " if bullet else "") + text)

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> list[_Draft]:
        for i, ln in enumerate(self.lines):
            self.line_no = ln.number
            if ln.blank:
                if self.field is not None and self.field[1] in ("answer", "weak"):
                    self.add("", bullet=False)  # keeps the paragraph break
                continue
            self.step(i, ln)
        self.flush_item()
        return self.drafts

    def step(self, i: int, ln: _Line) -> None:
        text = ln.text
        # A list of questions (rapid-fire round, "questions you should be ready for").
        if self.list_kind:
            if ln.bullet:
                self.flush_item()
                if not _QREF_ANYWHERE.search(text):
                    self.pending = (text, ln.number)
                return
            if ln.indent > 0 and self.pending:
                self.pending = (f"{self.pending[0]} {text}", self.pending[1])  # wrapped item
                return
            self.flush_item()
            self.list_kind = None
        qref = self.qref(ln)
        if qref is not None:
            if not (ln.bullet and _ref(qref.group(1), qref.group(2)) in self.toc_refs):
                self.question_line(qref, ln.number)
            # else: a contents entry for a question that has its own heading
            return
        sub = _SUBQ.match(text)
        if sub and not ln.bullet and self.current is not None:
            parent = self.current.parent or self.current
            draft = self.start(parent.ref + "F" if parent.ref else "", sub.group(1), ln.number)
            draft.parent = parent
            return
        numbered = _NUMBERED.match(text) if not ln.bullet and ln.indent == 0 else None
        if numbered:
            title = numbered.group(2).strip()
            quoted = _QUOTED.match(title)
            if quoted or (title.endswith("?") and not self.in_prose_answer()):
                self.start("N" + numbered.group(1), quoted.group("q") if quoted else title,
                           ln.number)
                return
        if not ln.bullet:
            label = self.label(ln)
            if label is not None:
                self.open_field(*label)
                return
        quoted_q = _QUOTED.match(text)
        nxt = self.next_text(i)
        if quoted_q and not ln.bullet and nxt is not None and nxt.bullet \
                and not self.in_prose_answer():
            self.list_count["S"] += 1
            draft = self.start(f"S{self.list_count['S']}", quoted_q.group("q"), ln.number)
            self.field = (draft, "outline")
            return
        if self.is_heading(i, ln):
            self.heading(text, i)
            return
        self.text(ln)

    def label(self, ln: _Line) -> tuple[str, str] | None:
        """``Model Answer: text`` -> ("answer", "text"); a label alone on its line counts too."""
        whole = ln.text.rstrip(":").strip().lower()
        if whole in LABELS:
            return LABELS[whole], ""
        m = _LABEL.match(ln.text)
        if m and m.group(1).strip().lower() in LABELS:
            return LABELS[m.group(1).strip().lower()], m.group(2).strip()
        return None

    def heading(self, text: str, i: int) -> None:
        self.field = None
        self.loose_open = False
        self.section = text
        nxt = self.next_text(i)
        if _LIST_HEADING.search(text) and nxt is not None and nxt.bullet:
            self.list_kind = "RF" if re.search(r"rapid|quick|lightning", text, re.I) else "X"

    def text(self, ln: _Line) -> None:
        if self.field is not None:
            draft, kind = self.field
            if kind not in LIST_FIELDS or ln.bullet:
                self.add(ln.text, bullet=ln.item)
                return
            items: list[str] = draft.answer if kind == "outline" else getattr(draft, kind)
            if items and (ln.indent > 0 or not ln.text[0].isupper()):
                items[-1] += " " + ln.text  # a wrapped item
                return
            self.field = None  # a list ends at the first line that is not an item
        if self.current is not None and self.loose_open:
            self.current.loose.append(("- " if ln.item else "") + ln.text)

    def question_line(self, m: re.Match[str], line: int) -> None:
        ref = _ref(m.group(1), m.group(2))
        text = _COMPANY_TAG.sub("", m.group(4).strip())
        question, inline = _split_inline(text)
        draft = self.start(ref, question, line)
        if inline:
            self.field = (draft, "answer")
            self.add(inline, bullet=False)

    def flush_item(self) -> None:
        """A finished list item is a question, its inline answer or outline included."""
        if self.pending is None or self.list_kind is None:
            return
        text, line = self.pending
        self.pending = None
        self.list_count[self.list_kind] += 1
        question, outline = _split_outline(text)
        if not outline:
            question, outline = _split_inline(text)
        draft = self.start(f"{self.list_kind}{self.list_count[self.list_kind]}", question, line,
                           current=False)
        if outline:
            draft.answer.append(outline)


def _ref(prefix: str, number: str) -> str:
    prefix = prefix.upper()
    return ("Q" if prefix == "QUESTION" else prefix) + str(int(number))


def _split_inline(text: str) -> tuple[str, str]:
    """``What is X? X is ...`` -> question and inline answer (quick-fire style).

    The split happens only when a long stretch follows the question mark, so a two-part
    question ("What are ZeRO stages? Calculate the savings for 13B.") stays whole.
    """
    mark = text.find("?")
    if mark < 0:
        return text, ""
    rest = text[mark + 1:].strip().lstrip("-–— ").strip()
    if len(rest.split()) >= 12 and not rest.endswith("?"):
        return text[: mark + 1].strip(), rest
    return text, ""


def _split_outline(text: str) -> tuple[str, str]:
    """``Design a Q&A system. (RAG + prompting + safety.)`` -> question and answer outline."""
    m = re.match(r"^(.*?[.?!])?\s*\(([^()]{3,})\)\.?$", text)
    if m and m.group(1):
        return m.group(1).strip(), m.group(2).strip().rstrip(".")
    return text.strip(), ""


# --------------------------------------------------------------------------------------------
# From drafts to parsed questions
# --------------------------------------------------------------------------------------------


def _prose(parts: Iterable[str]) -> str:
    """Join answer lines: paragraphs on blank lines, bullet items as their own sentences."""
    parts = _unquote_parts(list(parts))
    paragraphs: list[list[str]] = [[]]
    for part in parts:
        if not part.strip():
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        item = part[2:] if part.startswith("- ") else part
        item = item.strip()
        if part.startswith("- ") and item and item[-1] not in ".!?:;":
            item += "."
        paragraphs[-1].append(item)
    text = "\n\n".join(" ".join(p) for p in paragraphs if p)
    text = re.sub(r"[ \t]+", " ", text).strip()
    return text[:1].upper() + text[1:]


def _unquote_parts(parts: list[str]) -> list[str]:
    """Drop the quotes around an answer written as one quotation (``Model Answer: "..."``)."""
    lines = [i for i, p in enumerate(parts) if p.strip()]
    if not lines:
        return parts
    first, last = lines[0], lines[-1]
    head = parts[first].removeprefix("- ").lstrip()
    tail = parts[last].rstrip()
    inner = "".join(parts)[1:-1]
    if head[:1] in "\"“" and tail[-1:] in "\"”" and inner.count('"') % 2 == 0:
        out = list(parts)
        out[first] = out[first].replace(head[:1], "", 1)
        out[last] = out[last].rstrip()[:-1]
        return out
    return parts


def _rubric(parts: list[str], strengths: list[str]) -> Rubric:
    """``Strong Hire = ... Lean Hire = ... No Hire = ...``; unmarked text describes "strong"."""
    text = " ".join(p.removeprefix("- ") for p in parts if p.strip())
    found = {}
    pieces = re.split(r"\b(Strong Hire|Lean Hire|No Hire)\s*[=:]\s*", text, flags=re.I)
    for name, value in zip(pieces[1::2], pieces[2::2], strict=True):
        found[name.lower().replace(" ", "_")] = value.strip().rstrip(".").strip() + "."
    strong = found.get("strong_hire", "" if found else text.strip())
    if not strong and strengths:
        joined = "; ".join(s.rstrip(".") for s in strengths) + "."
        strong = joined[:1].upper() + joined[1:]
    return Rubric(strong=strong, lean=found.get("lean_hire", ""), no_hire=found.get("no_hire", ""))


def _clean_follow_up(text: str) -> str:
    return re.sub(r"^level\s*\d+\s*:\s*", "", text, flags=re.I).strip()


def _finish(drafts: list[_Draft]) -> list[Parsed]:
    # A "Follow-up: ...?" line with no answer of its own is just a follow-up of its parent.
    kept = []
    for d in drafts:
        if d.parent is not None and not _prose(d.answer):
            d.parent.follow_ups.append(d.question)
            continue
        kept.append(d)
    used = {d.ref for d in kept if d.ref}
    out = []
    for i, d in enumerate(kept):
        ref = d.ref
        if not ref:
            ref = _gap_ref(kept, i, used)
            used.add(ref)
        answer = _prose(d.answer) or _prose(d.loose)
        out.append(Parsed(
            ref=ref,
            question=" ".join(d.question.split()),
            answer=answer,
            weak_answer=_prose(d.weak),
            follow_ups=tuple(f for f in (_clean_follow_up(x) for x in d.follow_ups) if f),
            red_flags=tuple(r.strip() for r in d.red_flags if r.strip()),
            rubric=_rubric(d.rubric, d.strengths),
            difficulty=d.difficulty,
            roles=d.roles,
            section=d.section,
            line=d.line,
            untitled=d.untitled,
        ))
    return out


def _gap_ref(drafts: list[_Draft], i: int, used: set[str]) -> str:
    """Name an untitled question after the numbering gap it fills (Q25 ... Q27 -> Q26)."""
    before = next((d.ref for d in reversed(drafts[:i]) if re.fullmatch(r"Q\d+", d.ref)), "")
    if before:
        guess = f"Q{int(before[1:]) + 1}"
        if guess not in used:
            return guess
    n = 1
    while f"U{n}" in used:
        n += 1
    return f"U{n}"


def parse_document(text: str) -> list[Parsed]:
    """Every question in a prep document, in order. Never executes anything from it."""
    return _finish(_Parser(_lines(text)).run())


# --------------------------------------------------------------------------------------------
# Key concepts: KeyBERT-style phrases, picked with maximal marginal relevance
# --------------------------------------------------------------------------------------------


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS = _wordset("""
a about above after again against all almost also although always am among an and another any
are aren't around as at be because been before being below between both but by can cannot could
did do does doing done down during each either else enough especially etc even ever every for
from further get gets getting give given gives go goes going got had has have having he her here
hers him his how however i i.e e.g if in instead into is isn't it it's its itself just least
less let like likely made make makes making many may me might more most much must my near need
needs never no nor not now of off often on once one only onto or other others otherwise our out
over own per perhaps quite rather really same see seen shall she should since so some something
sometimes still such than that the their them themselves then there these they this those
though through thus to too toward towards under until up upon us use used uses using usually
very via was we well were what whatever when where whether which while who whom whose why will
with within without would yes yet you your yours first second third two three four five six
typically approximately roughly simply already actually basically generally rather mostly
various several different certain specific main key important better best good large small
big new high low lot lots way ways thing things kind part case cases example examples step
steps answer question interviewer point points want wants say says said know knows think
e g i e vs versus ok okay maybe around based whole able explain describe discuss tell define
walk compare contrast mention talk
""")

#: Verbs (base forms). A phrase with one of these conjugated in it ("reduces KV-cache size") is
#: a clause, not a concept. Words that are also core ML nouns (cache, train, scale, mask, batch,
#: test) are deliberately absent.
_VERBS = _wordset("""
accept achieve act add adjust affect aggregate aim align allocate allow amplify appear apply
argue ask assume attend avoid become begin behave believe blame break bring build call capture
carry cause change check choose claim close collapse combine come compare compress compute
confirm connect consider contain continue control convert cost cover create cut decide decrease
define degrade depend derive determine differ diff drive drop eliminate enable encourage end
ensure estimate exceed exist expect explain explode expose extend fail fall feed fill find fit fix
flow focus follow force gain generate grow guarantee handle happen hide hold hurt identify ignore
implement improve include increase indicate inject inspect introduce isolate keep lead learn
leave lie limit live lock look lose lower map match matter mean measure miss move multiply
narrow normalize normalise note observe obtain occur offer operate optimise optimize outperform
output pass perform pick place plan play point prefer prepare prevent produce propagate prove
provide push put reach read recompute reduce refer reflect relate rely remain remove repeat
replace report represent require reserve resolve respond rest result retain return reuse
reveal run save seem select send serve set share shift show shrink sit skip slow solve sound
spend split stabilize stabilise stand start stay stop store stress struggle suffer suggest
support suppose surface sustain take target tend throw touch track transform translate treat
trigger try tune turn understand update vary verify wait want waste win work write yield
""")
#: Adjectives that dangle at the end of a run ("PagedAttention useful", "gradients zero").
_TRAILING = _wordset("""
superior wrong right possible necessary available expensive cheap efficient effective critical
essential crucial significant similar clear simple easy hard true false fine naive early late
zero flat separate
""")

#: Units that look like acronyms but are never a concept on their own.
_UNITS = _wordset("gb mb kb tb gib mib ms us ns sec min hr hz khz mhz ghz tflops pflops flops")

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_'][A-Za-z0-9]+)*|\d+(?:\.\d+)?[A-Za-z]+[0-9]*|\S")
_ACRONYM = re.compile(r"^(?=[A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*[A-Z])[A-Za-z][A-Za-z0-9-]{1,11}s?$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")


@dataclass(frozen=True)
class KeyphraseOptions:
    """How concepts are picked. Defaults follow KeyBERT's usual settings."""

    #: Candidates kept (by frequency) before embedding, to bound the embedding cost.
    max_candidates: int = 24
    #: MMR trade-off: 1.0 is pure relevance to the answer, lower favours diversity.
    diversity_lambda: float = 0.65
    #: Relevance multiplier for a single ordinary word ("search") against a phrase or an
    #: acronym ("hybrid search", "BM25"), which name a concept more precisely.
    single_word_factor: float = 0.9
    #: One concept per this many answer words, on top of the minimum of four.
    words_per_concept: int = 80
    max_concepts: int = 8
    #: Share of the picked phrases (the most relevant first) marked core.
    core_share: float = 0.6


def _surface(token: str) -> str:
    """Keep acronyms and mixed case (``KV``, ``LoRA``); lower-case ordinary words.

    >>> _surface("Per-GPU"), _surface("Frontier-Style"), _surface("QLoRA")
    ('per-GPU', 'frontier-style', 'QLoRA')
    """
    parts = token.split("-")
    return "-".join(p if any(c.isupper() for c in p[1:]) else p.lower() for p in parts)


def _chunks(text: str) -> list[list[str]]:
    """Runs of content words between stopwords and punctuation."""
    out: list[list[str]] = []
    run: list[str] = []
    for m in _TOKEN.finditer(text):
        tok = m.group()
        word = tok[0].isalpha() or (tok[0].isdigit() and any(c.isalpha() for c in tok))
        if not word or tok.lower() in _STOPWORDS or tok.lower().strip("'") in _STOPWORDS:
            if run:
                out.append(run)
            run = []
            continue
        run.append(_surface(tok))
    if run:
        out.append(run)
    return out


def _is_verb(word: str, *, first: bool = False) -> bool:
    """A conjugated verb ("reduces", "planned"); also a bare one opening a phrase ("check").

    Gerunds are left alone: in technical prose they are nouns ("learning rate", "caching").
    """
    w = word.lower()
    forms = set()
    if w.endswith("ies") or w.endswith("ied"):
        forms.add(w[:-3] + "y")
    if w.endswith("es") or w.endswith("ed"):
        forms.update({w[:-2], w[:-1]})
    if w.endswith("s") and not w.endswith("ss"):
        forms.add(w[:-1])
    if w.endswith("d"):
        forms.add(w[:-1])
    if first:
        forms.add(w)
    return bool(forms & _VERBS)


def _dangling(word: str) -> bool:
    """An adjective, adverb or participle left at the end ("adapters trained")."""
    w = word.lower()
    participle = w.endswith("ed") and not w.endswith("eed") and len(w) > 4
    return participle or w in _TRAILING or w.endswith(("ly", "able", "ible", "ful", "ous"))


def _phrase_ok(words: Sequence[str]) -> bool:
    """Noun-phrase-like: no conjugated verb anywhere, no adjective or adverb left dangling."""
    if _is_verb(words[0], first=True) or any(_is_verb(w) for w in words[1:]):
        return False
    if len(words) > 1 and words[-2].endswith("s") and _is_verb(words[-1], first=True):
        return False  # "models require"
    if len(words) == 1 and words[0].lower() in _UNITS:
        return False
    if len(words) > 1 and len(words[0]) >= 6 and words[0].lower().endswith("ly"):
        return False  # "slightly favoring dense"
    return not _dangling(words[-1]) and _good_phrase(words)


def _good_phrase(words: Sequence[str]) -> bool:
    if len(words) == 1:
        w = words[0]
        return bool(_ACRONYM.match(w)) or "_" in w or (len(w) >= 4 and not w.isdigit())
    return all(len(w) >= 2 for w in words)


def candidate_phrases(text: str, question: str = "", limit: int = 24) -> list[str]:
    """N-grams (1-3 words) of content words, most frequent and longest first.

    >>> candidate_phrases("The KV cache stores keys. The KV cache grows with length.")[:2]
    ['KV cache', 'KV']
    """
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    forms: dict[str, str] = {}
    q_words = {w.lower() for chunk in _chunks(question) for w in chunk}
    for chunk in _chunks(f"{question}. {text}"):
        for n in (1, 2, 3):
            for i in range(len(chunk) - n + 1):
                words = chunk[i : i + n]
                if not _phrase_ok(words):
                    continue
                phrase = " ".join(words)
                key = phrase.lower()
                counts[key] += 1
                first_seen.setdefault(key, len(first_seen))
                forms.setdefault(key, phrase)

    def weight(key: str) -> float:
        words = key.split()
        bonus = 1.5 if any(w in q_words for w in words) else 1.0
        if any(_ACRONYM.match(forms[key].split()[j]) for j in range(len(words))):
            bonus *= 1.3
        return counts[key] * (1 + 0.6 * (len(words) - 1)) * bonus

    ranked = sorted(counts, key=lambda k: (-weight(k), first_seen[k]))
    # Single words are frequent by nature; cap them so multi-word phrases get a fair hearing.
    singles = [k for k in ranked if " " not in k][: max(1, int(limit * 0.4))]
    kept = set(singles) | {k for k in ranked if " " in k}
    return [forms[k] for k in ranked if k in kept][:limit]


def _specific(phrase: str) -> bool:
    """A multi-word phrase, an acronym or an identifier, rather than one ordinary word."""
    return " " in phrase or "-" in phrase or "_" in phrase or phrase != phrase.lower() \
        or any(c.isdigit() for c in phrase)


def _overlaps(a: str, b: str) -> bool:
    """Would the two phrases read as the same concept? (One inside the other, or mostly shared.)"""
    def stems(p: str) -> set[str]:
        return {w.lower().rstrip("s")[:6] for w in re.split(r"[\s_/-]+", p) if w}

    sa, sb = stems(a), stems(b)
    shared = len(sa & sb)
    return shared > 0 and (sa <= sb or sb <= sa or shared * 2 >= len(sa | sb))


def _mmr(phrases: list[str], rel: np.ndarray, sims: np.ndarray, k: int, lam: float) -> list[int]:
    import numpy as np

    chosen: list[int] = []
    left = list(range(len(phrases)))
    while left and len(chosen) < k:
        penalty = sims[np.ix_(left, chosen)].max(axis=1) if chosen else np.zeros(len(left))
        scores = lam * rel[left] - (1 - lam) * penalty
        order = [left[i] for i in np.argsort(-scores, kind="stable")]
        pick = next((i for i in order if not any(_overlaps(phrases[i], phrases[j])
                                                 for j in chosen)), None)
        if pick is None:
            break
        chosen.append(pick)
        left.remove(pick)
    return chosen


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for para in text.split("\n\n"):
        out.extend(s.strip() for s in _SENTENCE.split(para) if len(s.split()) >= 3)
    return out or [text.strip()]


def _contains(sentence: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", sentence, re.I) is not None


def acronym_pairs(text: str) -> dict[str, str]:
    """Acronym -> expansion for every "long form (SF)" or "SF (long form)" in the text.

    Matching follows Schwartz & Hearst (2003): the acronym's letters must appear in order in
    the long form, the first one starting a word.

    >>> acronym_pairs("Grouped-query attention (GQA) shares keys; the ELBO (Evidence Lower Bound).")
    {'GQA': 'Grouped-query attention', 'ELBO': 'Evidence Lower Bound'}
    """
    pairs: dict[str, str] = {}
    for m in re.finditer(r"([^()]{2,80}?)\s*\(([^()]{2,60})\)", text):
        before, inside = m.group(1).strip(), m.group(2).strip()
        if _ACRONYM.match(inside):
            words = re.findall(r"[\w'-]+", before)[-(len(inside) + 2):]
            for start in range(len(words)):
                long = " ".join(words[start:])
                if _matches_acronym(inside, long) and not _matches_acronym(inside, " ".join(
                        words[start + 1:])):
                    pairs.setdefault(inside.rstrip("s") if inside.endswith("s") and
                                     inside[:-1].isupper() else inside, long)
                    break
        else:
            short = re.findall(r"[\w-]+", before)[-1:] if before else []
            if short and _ACRONYM.match(short[0]) and _matches_acronym(short[0], inside):
                pairs.setdefault(short[0], inside)
    return pairs


def _matches_acronym(short: str, long: str) -> bool:
    letters = [c.lower() for c in short if c.isalnum()]
    text = long.lower()
    if not letters or not text or len(long.split()) > len(letters) + 2:
        return False
    s, t = len(letters) - 1, len(text) - 1
    while s >= 0:
        while t >= 0 and (text[t] != letters[s] or (s == 0 and t > 0 and text[t - 1].isalnum())):
            t -= 1
        if t < 0:
            return False
        s, t = s - 1, t - 1
    return True


def _initials(phrase: str) -> str:
    return "".join(w[0] for w in re.split(r"[\s_/-]+", phrase) if w).lower()


def implied_pairs(text: str, phrases: Iterable[str]) -> dict[str, str]:
    """Acronym -> phrase when an acronym in the text spells a phrase's initials.

    Catches pairs a document never puts side by side: "GQA ... grouped-query attention".
    """
    acronyms = {t for t in re.findall(r"\b[A-Z][A-Za-z]*[A-Z]\b", text) if len(t) <= 6}
    out: dict[str, str] = {}
    for phrase in phrases:
        if len(phrase.split()) == 1 and "-" not in phrase:
            continue
        for acro in acronyms:
            letters = "".join(c for c in acro if c.isupper()).lower()
            if len(letters) >= 2 and _initials(phrase) == letters:
                out.setdefault(acro, phrase)
    return out


def _aliases(label: str, pairs: dict[str, str]) -> tuple[str, ...]:
    out: list[str] = []
    low = label.lower()
    for short, long in pairs.items():
        if re.search(rf"\b{re.escape(short.lower())}\b", low):
            out.append(re.sub(rf"\b{re.escape(short)}\b", long.lower(), label, flags=re.I))
        elif long.lower() in low:
            out.append(re.sub(re.escape(long), short, label, flags=re.I))
    spoken = label.replace("_", " ").replace("-", " ")
    if spoken != label:
        out.append(spoken)
    seen = {low}
    unique = []
    for a in out:
        if a.lower() not in seen:
            seen.add(a.lower())
            unique.append(a)
    return tuple(unique)


@dataclass(frozen=True)
class _Plan:
    """The concept-picking work for one question, batched across a whole document."""

    doc: str
    phrases: list[str]
    k: int


def key_concepts_batch(items: Sequence[tuple[str, str]], embedder: Embedder,
                       options: KeyphraseOptions | None = None) -> list[tuple[Concept, ...]]:
    """Concepts for many ``(question, answer)`` pairs with two embedding calls in all.

    Each phrase is ranked by cosine similarity to the whole answer and picked by MMR; the
    description is the answer sentence that best expresses it.
    """
    import numpy as np

    opts = options or KeyphraseOptions()
    plans = []
    for question, answer in items:
        body = answer or question
        phrases = candidate_phrases(body, question, opts.max_candidates)
        if len(phrases) < MIN_CONCEPTS:
            phrases += [p for p in _fallback_phrases(question) if p not in phrases]
        k = min(opts.max_concepts, MIN_CONCEPTS + len(answer.split()) // opts.words_per_concept)
        plans.append(_Plan(f"{question} {answer}".strip(), phrases, k))
    texts = [p.doc for p in plans] + [ph for p in plans for ph in p.phrases]
    vecs = embedder.embed(texts) if texts else np.zeros((0, 1), np.float32)
    doc_vecs, phrase_vecs = vecs[: len(plans)], vecs[len(plans):]
    picked: list[list[str]] = []
    offset = 0
    for i, plan in enumerate(plans):
        pv = phrase_vecs[offset : offset + len(plan.phrases)]
        offset += len(plan.phrases)
        rel = pv @ doc_vecs[i]
        rel = rel * np.array([1.0 if _specific(p) else opts.single_word_factor
                              for p in plan.phrases])
        order = _mmr(plan.phrases, rel, pv @ pv.T, plan.k, opts.diversity_lambda)
        chosen = [plan.phrases[j] for j in order]
        chosen += [p for p in plan.phrases if p not in chosen][: max(0, MIN_CONCEPTS - len(chosen))]
        picked.append(chosen)
    return _describe(items, picked, embedder, opts)


def _fallback_phrases(question: str) -> list[str]:
    """For a question with no answer: its content words, then placeholders to fill in."""
    out = list(dict.fromkeys(w for chunk in _chunks(question) for w in chunk if len(w) >= 3))
    n = 1
    while len(out) < MIN_CONCEPTS:
        out.append(f"key point {n} (edit me)")
        n += 1
    return out


def _describe(items: Sequence[tuple[str, str]], picked: list[list[str]], embedder: Embedder,
              opts: KeyphraseOptions) -> list[tuple[Concept, ...]]:
    """Pick each phrase's description: the sentence of the answer that best expresses it."""
    needs: dict[str, None] = {}
    choices: list[list[list[str]]] = []
    for (question, answer), phrases in zip(items, picked, strict=True):
        sentences = _sentences(answer) if answer else [question]
        per_phrase = []
        for phrase in phrases:
            hits = [s for s in sentences if _contains(s, phrase)] or sentences
            if len(hits) > 1:
                needs.update(dict.fromkeys([phrase, *hits]))
            per_phrase.append(hits)
        choices.append(per_phrase)
    keys = list(needs)
    vecs = embedder.embed(keys) if keys else None
    index = {k: i for i, k in enumerate(keys)}
    out = []
    for (question, answer), phrases, per_phrase in zip(items, picked, choices, strict=True):
        text = f"{question} {answer}"
        pairs = {**implied_pairs(text, candidate_phrases(text, limit=200)), **acronym_pairs(text)}
        n_core = max(1, math.ceil(len(phrases) * opts.core_share))
        concepts = []
        for rank, (phrase, hits) in enumerate(zip(phrases, per_phrase, strict=True)):
            best = hits[0]
            if len(hits) > 1 and vecs is not None:
                pv = vecs[index[phrase]]
                best = max(hits, key=lambda s: float(vecs[index[s]] @ pv))
            concepts.append(Concept(
                label=phrase,
                # A question with no usable text has no sentence to quote (tests/test_fuzz.py)
                description=_shorten(best).strip() or phrase,
                aliases=_aliases(phrase, pairs),
                weight=Weight.CORE if rank < n_core else Weight.BONUS,
            ))
        out.append(tuple(concepts))
    return out


def _shorten(sentence: str, limit: int = 45) -> str:
    words = sentence.split()
    return sentence if len(words) <= limit else " ".join(words[:limit]) + " …"


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
             if keep_stopwords or w not in _STOPWORDS]
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
# TOML
# --------------------------------------------------------------------------------------------

_WIDTH = 96


def toml_string(value: str, indent: int = 0) -> str:
    """A TOML basic string; long or multi-line text becomes a wrapped ``\"\"\"`` string.

    Wrapped lines end in a line-ending backslash, so the text reads back exactly.
    """
    escaped = _escape(value)
    if "\n" not in value and len(escaped) + indent <= _WIDTH - 10:
        return f'"{escaped}"'
    lines: list[str] = []
    for paragraph in value.split("\n"):
        lines.extend(_wrap(_escape(paragraph), _WIDTH - 2))
    # A line of text that starts like a table header ("[[question]]" in someone's notes) is
    # still text to TOML, but the loader finds entries by their header lines: escape it.
    lines = [re.sub(r"^(\s*)\[", r"\1\\u005b", line) for line in lines]
    return '"""\n' + "\n".join(lines) + '"""'


def _wrap(text: str, width: int) -> list[str]:
    """Greedy wrap where every line but the last ends in a space and a line-ending backslash.

    TOML drops the backslash, the newline and the next line's leading whitespace, so each
    break point keeps its space on the line before it and the text reads back unchanged.
    """
    lines: list[str] = []
    line = ""
    for piece in re.findall(r"\S+\s*|\s+", text):
        if line and len(line) + len(piece.rstrip()) > width and line.endswith(" "):
            lines.append(line + "\\")
            line = ""
        line += piece
    lines.append(line)
    return lines


def _escape(text: str) -> str:
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def _array(values: Sequence[str], key: str) -> str:
    items = [f'"{_escape(v)}"' for v in values]
    one_line = f"{key} = [{', '.join(items)}]"
    if len(one_line) <= _WIDTH:
        return one_line
    return f"{key} = [\n" + "".join(f"  {i},\n" for i in items) + "]"


def question_to_toml(q: Question) -> str:
    lines = ["[[question]]"]

    def put(key: str, value: str) -> None:
        lines.append(f"{key} = {toml_string(value, len(key) + 3)}")

    put("id", q.id)
    put("topic", q.topic)
    put("question", q.question)
    put("mode", q.mode.value)
    put("archetype", q.archetype.value)
    put("difficulty", q.difficulty.value)
    if q.roles:
        lines.append(_array(q.roles, "roles"))
    lines.append(_array(q.sources, "sources"))
    put("model_answer", q.model_answer)
    if q.weak_answer:
        put("weak_answer", q.weak_answer)
    if q.follow_ups:
        lines.append(_array(q.follow_ups, "follow_ups"))
    if q.rubric.strong or q.rubric.lean or q.rubric.no_hire:
        lines += ["", "[question.rubric]"]
        for key in ("strong", "lean", "no_hire"):
            if getattr(q.rubric, key):
                put(key, getattr(q.rubric, key))
    for c in q.concepts:
        lines += ["", "[[question.concepts]]"]
        put("label", c.label)
        put("description", c.description)
        lines.append(_array(c.aliases, "aliases"))
        if c.mishearings:
            lines.append(_array(c.mishearings, "mishearings"))
        put("weight", c.weight.value)
    for r in q.red_flags:
        lines += ["", "[[question.red_flags]]"]
        put("label", r.label)
        put("statement", r.statement)
        lines.append(_array(r.cues, "cues"))
    return "\n".join(lines) + "\n"


def to_toml(questions: Sequence[Question], source: str) -> str:
    head = (f"# Imported from {source} by `coach bank import`.\n"
            "# This file is yours: edit the answers and concepts, then run `coach bank check`.\n"
            "# Concepts were picked automatically from each answer.\n")
    parts = [head]
    for q in questions:
        if q.line:
            parts.append(f"\n# {source}, line {q.line}")
        parts.append("\n" + question_to_toml(q))
    return "".join(parts)


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
