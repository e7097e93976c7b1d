"""The shape of an answer: which moves it makes, in what order, how it opens and ends.

Each archetype (seed 004) expects its own sequence of moves:

- explain / why: problem -> mechanism -> trade-off -> limitation (then a conclusion);
- design: clarify -> frame -> data -> model -> serving -> monitoring;
- debug: data -> model -> evaluation -> distribution shift (then the action);
- trade-off: axes -> what the business cares about -> recommendation;
- train: goal and evals -> baseline -> data -> ablations / stages -> evaluation.

Sentences are labelled by cue phrases. The mechanism of an explanation is the part that explains
the question's core concepts, so a sentence that explains a core concept (per the coverage
result) is a mechanism sentence. A list of terms with no connecting explanation is a structure
failure however many terms it names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from coach.bank.model import Archetype
from coach.score.coverage import CONNECTIVES, CoverageResult
from coach.score.text import Sentence, norm_tokens


def _cues(*words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")", re.IGNORECASE)


PROBLEM = _cues(r"problem", r"issue", r"challenge", r"bottleneck", r"the goal", r"we want",
                r"we need", r"need(?:s)? to", r"without (?:it|this|a|the|any)", r"otherwise",
                r"the reason", r"motivat", r"is about", r"solves?", r"address", r"the point",
                r"the idea is", r"is there to", r"exists? because", r"purpose")
MECHANISM = _cues(r"works by", r"the way it works", r"mechanis", r"comput", r"calculat",
                  r"at each (?:step|layer|token)", r"during", r"we (?:store|project|multiply|"
                  r"split|add|use|keep|take|apply|learn|train|sample|map)",
                  r"it (?:stores|uses|splits|adds|keeps|maps|learns|takes|applies|replaces)",
                  r"step by step", r"first,? (?:we|you|it)", r"then (?:we|you|it)")
TRADEOFF = _cues(r"trade ?-?offs?", r"the cost", r"costs?\b", r"the catch", r"at the expense",
                 r"in exchange", r"price", r"downside", r"on the other hand", r"versus",
                 r"compared (?:to|with)", r"cheaper", r"more expensive", r"overhead",
                 r"in return", r"but (?:it|you|that|this) (?:costs?|uses?|needs?|adds?|loses?)",
                 r"balance", r"gain", r"sacrific")
LIMITATION = _cues(r"limitation", r"limits?\b", r"caveat", r"does(?:n't| not) (?:help|solve|"
                   r"fix|work|remove|change)", r"fails? (?:when|if)", r"breaks? down",
                   r"only (?:helps|works|applies|matters)", r"not a free", r"risk", r"drawback",
                   r"weakness", r"can still", r"still (?:need|have|has|is|are)", r"won't",
                   r"falls short", r"edge case", r"however", r"the danger", r"watch out")
CONCLUSION = _cues(r"so overall", r"overall", r"in short", r"to sum", r"in summary",
                   r"bottom line", r"that'?s why", r"that is why", r"so the (?:answer|reason|key"
                   r"|point)", r"takeaway", r"in the end", r"so in practice", r"net,",
                   r"which is why", r"the short version", r"so basically")
RECOMMEND = _cues(r"i'?d (?:go|pick|choose|start|recommend|use|default|lean|prefer)",
                  r"i would (?:go|pick|choose|start|recommend|use|default|lean|prefer)",
                  r"my (?:choice|recommendation|default|pick)", r"recommend", r"default to",
                  r"start with", r"go with", r"i'?d rather")

#: A closing sentence that starts "So, ..." sums up (fillers aside: "So, you know, ...").
SUMMING_UP = re.compile(r"^\W*(?:and )?(?:so|overall|basically)\b", re.IGNORECASE)
#: A sentence that only carries the one before it on.
CONTINUES = re.compile(r"^\W*(?:and|but|which)\b", re.IGNORECASE)
_FILLER_WORDS = re.compile(r"\b(?:um+|uh+|er|ah|hmm|you know|i mean|like)\b[,.]?\s*", re.IGNORECASE)

MOVES: dict[Archetype, tuple[tuple[str, re.Pattern[str] | None], ...]] = {
    Archetype.EXPLAIN: (("problem", PROBLEM), ("mechanism", MECHANISM), ("tradeoff", TRADEOFF),
                        ("limitation", LIMITATION)),
    Archetype.DESIGN: (
        ("clarify", _cues(r"clarif", r"ask", r"requirements?", r"constraints?", r"scope",
                          r"how many", r"scale", r"latency budget", r"slas?\b", r"slos?\b",
                          r"assum", r"first i'?d want", r"understand")),
        ("frame", _cues(r"frame", r"framing", r"formulat", r"treat (?:it|this) as", r"objective",
                        r"metric", r"success", r"optimi[sz]e for", r"north star", r"kpi",
                        r"define")),
        ("data", _cues(r"data", r"labels?", r"logs?\b", r"collect", r"annotat", r"features?",
                       r"corpus", r"documents?", r"examples?", r"chunk", r"index")),
        ("model", _cues(r"model", r"baseline", r"architecture", r"fine ?-?tun", r"train",
                        r"retriev", r"rerank", r"classifier", r"embedding")),
        ("serving", _cues(r"serv(?:e|ing)", r"deploy", r"inference", r"latency", r"throughput",
                          r"cach", r"batch", r"\bapi", r"endpoint", r"gpus?", r"real ?-?time",
                          r"fallback", r"failover")),
        ("monitoring", _cues(r"monitor", r"drift", r"alert", r"dashboard", r"a ?/ ?b",
                             r"ab test", r"roll ?back", r"feedback", r"observab", r"track",
                             r"regression", r"canary", r"guardrail", r"human review")),
    ),
    Archetype.DEBUG: (
        ("data", _cues(r"data", r"labels?", r"split", r"pipeline", r"preprocess", r"tokeni[sz]",
                       r"inputs?", r"features?", r"leak", r"schema", r"prompt")),
        ("model", _cues(r"gradients?", r"loss", r"learning rate", r"optimi[sz]er", r"weights?",
                        r"architecture", r"\bnan", r"overfit", r"underfit", r"shapes?",
                        r"initiali[sz]", r"checkpoint", r"the model", r"version", r"config")),
        ("evaluation", _cues(r"eval", r"metric", r"benchmark", r"offline", r"test set",
                             r"held ?-?out", r"validation", r"measur", r"slices?", r"compare")),
        ("shift", _cues(r"distribution", r"shift", r"drift", r"production traffic", r"real users",
                        r"skew", r"online", r"in production", r"out of distribution",
                        r"new (?:users|traffic|data)", r"seasonal", r"live traffic")),
    ),
    Archetype.TRADEOFF: (
        ("axes", _cues(r"axes", r"axis", r"dimensions?", r"on one hand", r"on the other",
                       r"versus", r"compared", r"cost", r"latency", r"quality", r"accuracy",
                       r"memory", r"throughput", r"complexity", r"trade ?-?offs?", r"whereas",
                       r"better (?:at|for)", r"worse")),
        ("business", _cues(r"business", r"users?", r"product", r"customers?", r"slas?\b",
                           r"budget", r"revenue", r"requirements?", r"use case", r"depends on",
                           r"what matters", r"care about", r"priorit", r"constraints?",
                           r"if (?:you|we) (?:need|have|care)")),
        ("recommendation", RECOMMEND),
    ),
    Archetype.TRAIN: (
        ("goal", _cues(r"goal", r"objective", r"evals?\b", r"evaluation", r"benchmark",
                       r"success", r"target", r"what (?:we|i) want", r"capabilit")),
        ("baseline", _cues(r"baseline", r"recipe", r"start (?:with|from)", r"default",
                           r"standard", r"proven", r"known", r"conservative", r"architecture",
                           r"base model")),
        ("data", _cues(r"data", r"mixture", r"dedup", r"contamina", r"curat", r"filter",
                       r"examples?", r"synthetic", r"tokens")),
        ("ablation", _cues(r"ablat", r"stages?", r"phases?", r"experiment", r"sweep",
                           r"small(?:er)? scale", r"schedule", r"warm ?-?up", r"curriculum",
                           r"post ?-?training", r"\bsft\b", r"rlhf", r"\bdpo\b", r"iterat")),
        ("evaluation", _cues(r"eval", r"held ?-?out", r"regression", r"measur", r"benchmark",
                             r"check", r"compare", r"a ?/ ?b")),
    ),
}
MOVES[Archetype.WHY] = MOVES[Archetype.EXPLAIN]
#: What a good answer of each archetype ends on.
ENDING = {Archetype.TRADEOFF: RECOMMEND, Archetype.DEBUG: _cues(
    r"roll ?back", r"fix", r"mitigat", r"so i'?d", r"so i would", r"the fix", r"once",
    r"then i'?d", r"finally", r"prevent")}


@dataclass(frozen=True)
class Move:
    move: str
    start: float
    sentence: int


@dataclass(frozen=True)
class StructureResult:
    score: float  # 0..1
    archetype: str
    expected: tuple[str, ...]
    moves: tuple[Move, ...]  # first occurrence of each move present, in answer order
    missing: tuple[str, ...]
    order_ok: bool
    direct_first: bool
    ends_on_conclusion: bool
    list_like: bool  # a list of terms with no connecting explanation
    sentence_moves: tuple[tuple[str, ...], ...]  # moves found in each sentence


def _list_sentence(s: Sentence) -> bool:
    """A run of short comma-separated items with no connective: "KV cache, GQA, paging"."""
    parts = [p for p in re.split(r"[,;]| and ", s.text) if p.strip()]
    toks = norm_tokens(s.text)
    short = sum(1 for p in parts if len(norm_tokens(p)) <= 4)
    return len(parts) >= 3 and short >= 0.75 * len(parts) and not any(
        t in CONNECTIVES for t in toks if t not in {"and"})


def _order_ok(found: Sequence[Move], expected: Sequence[str]) -> bool:
    rank = {m: i for i, m in enumerate(expected)}
    seq = [rank[m.move] for m in sorted(found, key=lambda m: m.sentence) if m.move in rank]
    pairs = [(a, b) for i, a in enumerate(seq) for b in seq[i + 1:]]
    if not pairs:
        return True
    return sum(a < b for a, b in pairs) / len(pairs) >= 0.7


def score_structure(sents: Sequence[Sentence], archetype: Archetype,
                    coverage: CoverageResult) -> StructureResult:
    spec = MOVES[archetype]
    expected = tuple(name for name, _ in spec)
    if not sents:
        return StructureResult(0.0, archetype.value, expected, (), expected, False, False, False,
                               False, ())
    explained_core = {c.sentence for c in coverage.concepts
                      if c.covered and c.core and c.explained and c.sentence is not None}
    labels: list[tuple[str, ...]] = []
    for s in sents:
        found = [name for name, pattern in spec if pattern is not None and pattern.search(s.text)]
        if "mechanism" in expected and s.index in explained_core and "mechanism" not in found:
            found.append("mechanism")
        if CONCLUSION.search(s.text) or (archetype in ENDING and ENDING[archetype].search(s.text)):
            found.append("conclusion")
        labels.append(tuple(found))
    first: dict[str, Move] = {}
    for s, moves_here in zip(sents, labels, strict=True):
        for name in moves_here:
            first.setdefault(name, Move(name, s.start, s.index))
    moves = tuple(sorted(first.values(), key=lambda m: (m.sentence, expected.index(m.move)
                                                          if m.move in expected else 99)))
    present = [m for m in expected if m in first]
    missing = tuple(m for m in expected if m not in first)
    order_ok = _order_ok([first[m] for m in present], expected)
    opening = {0, 1} if len(norm_tokens(sents[0].text)) < 12 else {0}
    core_hits = [c for c in coverage.concepts if c.core and c.covered]
    direct_first = any(c.sentence in opening for c in core_hits)
    # The closing thought: the last sentence, with the one before when the last is short or
    # only carries it on ("So the cache trades memory for compute. And managing it is...":
    # streamed recognition often splits a closing sentence at "and").
    last = len(sents) - 1
    carried_on = len(norm_tokens(sents[last].text)) < 8 or bool(CONTINUES.search(sents[last].text))
    close_from = last - 1 if last > 0 and carried_on else last
    tail = tuple(m for i in range(close_from, last + 1) for m in labels[i])
    ends = "conclusion" in tail or (archetype is Archetype.TRADEOFF and "recommendation" in tail) \
        or (len(sents) > 2 and any(SUMMING_UP.search(_FILLER_WORDS.sub("", sents[i].text))
                                   for i in range(close_from, last + 1)))
    list_words = sum(len(norm_tokens(s.text)) for s in sents if _list_sentence(s))
    total_words = sum(len(norm_tokens(s.text)) for s in sents)
    covered = len(coverage.covered)
    list_like = (covered >= 2 and coverage.named_only >= max(2, covered * 0.5)) or (
        list_words >= 0.3 * total_words and covered >= 2)
    score = (0.55 * len(present) / len(expected) + 0.15 * order_ok + 0.15 * direct_first
             + 0.15 * ends)
    if list_like:
        score *= 0.4
    return StructureResult(round(score, 4), archetype.value, expected, moves, missing, order_ok,
                           direct_first, ends, list_like, tuple(labels))
