"""Read a user's interview-prep notes into `Parsed` questions (the first stage of `coach bank
import`).

It reads the layouts prep notes use (``Q12:`` / ``Q12.`` / ``## Q12:`` headings, ``Model Answer:``,
``Direct answer:`` + ``Deep answer:``, ``Answer`` sections, follow-up and mistake lists,
``Scoring:`` lines, quick-fire lines, rapid-fire lists, quoted narrative titles). It is a line
classifier plus a small state machine: nothing in the file is ever executed or evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from coach.bank.model import Difficulty, Rubric

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

