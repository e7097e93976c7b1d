"""The HTML report: one self-contained file with a progress dashboard and a page per attempt.

`render_html` is pure: attempts, bank questions, the plan and the audio sources in; a string
out. Every piece of text from a transcript, a report or a bank file goes through `esc`; data
lives in attributes, never inside the script.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from html import escape
from typing import Any

from coach.bank.model import Question
from coach.report.assets import CSS, JS
from coach.report.audio import AudioSource
from coach.report.charts import Band, Point, bar_chart, line_chart, meter
from coach.review import Comparison, MarkedWord, compare, mark_words, render_comparison
from coach.review_text import VERDICTS, mmss, verdict_text, when
from coach.schedule import Plan, topic_strengths
from coach.store import Attempt

WEAK_LIMIT = 5


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _badge(a: Attempt) -> str:
    if not a.scored or a.verdict is None:
        return f'<span class="badge">{esc(verdict_text(a))}</span>'
    return f'<span class="badge {esc(a.verdict)}">{esc(VERDICTS.get(a.verdict, a.verdict))}</span>'


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v * 100:.0f}%"


def _num(v: float | None, spec: str = ".0f") -> str:
    return "–" if v is None else format(v, spec)


# --- dashboard ----------------------------------------------------------------------------


def _series(scored: Sequence[Attempt], value: Any, tz: tzinfo | None, fmt: str) -> list[Point]:
    points = []
    for a in scored:
        v = value(a)
        if v is None:
            continue
        day = a.started_at.astimezone(tz)
        points.append(Point(f"#{a.id} {when(a.started_at, tz)} {a.question_id}: {fmt.format(v)}",
                            float(v), f"#attempt-{a.id}", day.strftime("%m-%d")))
    return points


def _dashboard(attempts: Sequence[Attempt], questions: Mapping[str, Question], plan: Plan,
               tz: tzinfo | None) -> str:
    scored = [a for a in attempts if a.scored]
    spoken = [a for a in scored if not a.estimated]
    recent = [a.overall or 0.0 for a in scored[-5:]]
    stats = [
        (str(len(attempts)), f"attempts at {len({a.question_id for a in attempts})} question(s)"),
        (_num(scored[-1].overall) if scored else "–", "latest overall"),
        (_num(sum(recent) / len(recent)) if recent else "–", "mean of the last 5"),
        (str(len(plan.overdue)), "due for review now"),
    ]
    out = ['<section class="page" id="dashboard">', '<div class="stats">']
    out += [f'<div class="card stat"><b>{esc(v)}</b><span>{esc(label)}</span></div>'
            for v, label in stats]
    out.append("</div>")
    charts = [
        line_chart("Overall score", _series(scored, lambda a: a.overall, tz, "{:.0f}"), 100.0,
                   bands=[Band(70, 100, "Strong Hire: 70 and above")], css="overall"),
        line_chart("Coverage of key ideas (%)",
                   _series(scored, lambda a: None if a.coverage is None else a.coverage * 100,
                           tz, "{:.0f}%"), 100.0, "%", css="coverage"),
        line_chart("Fillers per minute", _series(spoken, lambda a: a.fillers_per_min, tz,
                                                 "{:.1f}/min"),
                   bands=[Band(0, 5, "listeners barely notice 5 or fewer per minute")],
                   css="fillers"),
        line_chart("Pace (words per minute)", _series(spoken, lambda a: a.wpm, tz, "{:.0f} wpm"),
                   bands=[Band(120, 160, "comfortable: 120-160 wpm")], css="wpm"),
    ]
    topics = topic_strengths(scored)
    bars = [(s.key, s.strength, f"{s.key}: {s.strength:.0f} over {s.questions} question(s), "
             f"{s.attempts} attempt(s)") for s in sorted(topics, key=lambda s: s.key)]
    charts.append(bar_chart("Strength per topic (mean recent overall)", bars))
    titles = ["Overall score", "Coverage of key ideas", "Fillers per minute",
              "Pace (words per minute)", "Strength per topic"]
    out.append('<div class="grid">')
    out += [f'<div class="card"><h3>{esc(t)}</h3>{svg}</div>'
            for t, svg in zip(titles, charts, strict=True)]
    out.append("</div>")
    out.append('<div class="cols three">')
    out.append('<div class="card"><h3>Weakest topics</h3><ul class="plain weakest">')
    out += [f"<li><b>{esc(s.key)}</b> · {s.strength:.0f} <span class=\"muted\">over "
            f"{s.questions} question(s), {s.attempts} attempt(s)</span></li>"
            for s in topics[:WEAK_LIMIT]] or ['<li class="muted">no scored attempts yet</li>']
    out.append("</ul></div>")
    out.append('<div class="card"><h3>Concepts missed most often</h3><ul class="plain">')
    out += [f"<li>{esc(m.label)} <span class=\"muted\">missed {m.missed} of {m.seen} · "
            f"{esc(', '.join(m.question_ids))}</span></li>" for m in plan.missed_concepts] \
        or ['<li class="muted">none missed yet</li>']
    out.append("</ul></div>")
    due = [*plan.overdue, *plan.today, *plan.week]
    out.append('<div class="card"><h3>Due for review this week</h3><ul class="plain">')
    out += [f"<li>{esc(c.question_id)} <span class=\"muted\">"
            f"{'due now' if c.due <= plan.now else 'due ' + esc(when(c.due, tz))} · last "
            f"{c.last_overall:.0f}</span></li>" for c in due] \
        or ['<li class="muted">nothing due this week</li>']
    out.append("</ul></div></div>")
    out.append('<div class="card"><h3>All attempts</h3><table class="attempts"><thead><tr>'
               '<th>#</th><th>date</th><th>question</th><th>verdict</th>'
               '<th class="num">overall</th><th class="num">coverage</th>'
               '<th class="num">fillers/min</th><th class="num">wpm</th>'
               '<th class="num">time / target</th></tr></thead><tbody>')
    for a in reversed(attempts):
        q = questions.get(a.question_id)
        title = q.question if q else a.question_id
        time = "–" if a.duration_s is None else f"{mmss(a.duration_s)} / {mmss(a.target_s)}"
        out.append(
            f'<tr><td><a href="#attempt-{a.id}">{a.id}</a></td>'
            f"<td>{esc(when(a.started_at, tz))}</td>"
            f'<td><a href="#attempt-{a.id}" title="{esc(title)}">{esc(a.question_id)}</a></td>'
            f"<td>{_badge(a)}</td><td class=\"num\">{_num(a.overall)}</td>"
            f"<td class=\"num\">{_pct(a.coverage)}</td>"
            f"<td class=\"num\">{_num(a.fillers_per_min, '.1f')}</td>"
            f"<td class=\"num\">{_num(a.wpm)}</td><td class=\"num\">{esc(time)}</td></tr>")
    out.append("</tbody></table></div></section>")
    return "\n".join(out)


# --- one attempt --------------------------------------------------------------------------


def _words_html(words: Sequence[MarkedWord]) -> str:
    parts = []
    for w in words:
        if w.pause_before:
            parts.append(f'<span class="pause" title="long pause">{w.pause_before:.1f} s</span>')
        for label in w.concepts:
            parts.append(f'<span class="cmark" data-t="{w.start:.3f}" title="covered here">'
                         f"+ {esc(label)}</span>")
        classes = ["w"]
        for flag, name in ((w.filler, "filler"), (w.hedge, "hedge"), (w.repeat, "repeat"),
                           (w.concept_words, "concept"), (w.red_flag, "flag")):
            if flag:
                classes.append(name)
        parts.append(f'<span class="{" ".join(classes)}" data-t="{w.start:.3f}">'
                     f"{esc(w.text)}</span>")
    return " ".join(parts)


def _at(t: float | None, estimated: bool) -> str:
    if t is None or estimated:
        return ""
    return f' <span class="at" data-t="{t:.3f}">{mmss(t)}</span>'


def _breakdown(a: Attempt) -> str:
    r = a.report or {}
    if not a.scored:
        why = "no speech was heard" if r.get("no_speech") else \
            "the answer was interrupted before it was scored"
        return f'<div class="card"><h3>Score</h3><p class="muted">Not scored: {why}.</p></div>'

    cov, st, de, ti = (r.get(k, {}) for k in ("coverage", "structure", "delivery", "timing"))
    est = a.estimated
    out = ['<div class="card breakdown"><h3>Score breakdown</h3>',
           f'<p>{_badge(a)} <b>{_num(a.overall)}</b>/100</p>',
           meter("coverage", cov.get("score", 0.0)), meter("structure", st.get("score", 0.0)),
           meter("delivery", de.get("score", 0.0)), meter("time", ti.get("score", 0.0))]
    held = r.get("held_back", r.get("gates"))  # attempts stored before "held_back" existed
    if held:
        out.append(f"<p class=\"miss\">Held back: it {esc('; '.join(held))}.</p>")
    out.append('<h3>Key ideas</h3><ul class="plain concepts">')
    how_text = {"alias": "said", "misheard": "heard as", "semantic": "in other words"}
    for c in cov.get("covered", []):
        how = how_text.get(c.get("how"), c.get("how"))
        if c.get("how") == "misheard":
            how = f"heard as “{c.get('heard_as')}”"
        named = "" if c.get("explained", True) else " · named, not explained"
        out.append(f'<li class="ok">✓ {esc(c["concept"])} <span class="muted">'
                   f"({esc(how)}{named})</span>{_at(c.get('start'), est)}</li>")
    out += [f'<li class="miss">✗ {esc(label)} <span class="muted">(missed)</span></li>'
            for label in cov.get("missed", [])]
    out.append("</ul>")
    if cov.get("red_flags"):
        out.append('<h3>Misconceptions</h3><ul class="plain">')
        out += [f'<li class="miss">! {esc(f["label"])}: “{esc(f["evidence"])}”'
                f"{_at(f.get('start'), est)}</li>" for f in cov["red_flags"]]
        out.append("</ul>")
    moves = " → ".join(esc(m["move"]) for m in st.get("moves", [])) or "none"
    fillers = de.get("fillers", {})
    flagged = [p for p in de.get("pauses", []) if p.get("flagged")]
    out += [
        "<h3>Structure</h3>",
        f"<p>heard: {moves}"
        + (f"; missing: {esc(', '.join(st['missing']))}" if st.get("missing") else "")
        + ("; reads as a list of terms" if st.get("list_like") else "") + "</p>",
        "<h3>Delivery</h3>",
        f"<p>{fillers.get('count', 0)} fillers ({_num(fillers.get('per_minute'), '.1f')}/min), "
        f"{len(de.get('repetitions', []))} repeats, {len(de.get('hedges', []))} hedges, "
        f"{len(flagged)} long pauses</p>",
        "<h3>Time and pace</h3>",
        f"<p>{mmss(ti.get('duration_s'))} of {mmss(ti.get('target_s'))} target "
        f"({esc(str(ti.get('verdict', '')).replace('_', ' '))}), {_num(ti.get('wpm'))} wpm "
        f"{esc(ti.get('pace', ''))}{' (estimated: typed answer)' if est else ''}</p>",
    ]
    if r.get("tips"):
        out.append("<h3>What to fix next</h3><ol>")
        out += [f"<li>{esc(t)}</li>" for t in r["tips"]]
        out.append("</ol>")
    out.append("</div>")
    return "\n".join(out)


def _attempt_page(a: Attempt, q: Question | None, audio: AudioSource | None,
                  comparison: Comparison | None, tz: tzinfo | None) -> str:
    mode = a.mode
    out = [f'<section class="page attempt" id="attempt-{a.id}">',
           '<nav class="crumbs"><a href="#dashboard">← progress</a></nav>',
           f"<h2>{esc(q.question if q else a.question_id)}</h2>",
           f'<p class="meta">#{a.id} · {esc(a.question_id)} · {esc(a.topic)} · {esc(mode)} · '
           f"{esc(when(a.started_at, tz))} · {_badge(a)}"
           + (f" <b>{_num(a.overall)}</b>/100" if a.scored else "") + "</p>"]
    if audio is not None:
        note = "" if audio.embedded else \
            '<p class="muted">The recording is linked, not embedded: keep the report beside ' \
            "the recordings folder to play it.</p>"
        out.append(f'<audio controls preload="metadata" src="{esc(audio.src)}"></audio>{note}')
    elif a.audio_path is not None:
        out.append('<p class="muted">The recording is not available.</p>')
    else:
        out.append('<p class="muted">Typed answer: no recording.</p>')
    words = mark_words(a)
    legend = ('<p class="legend"><span class="w filler">filler</span> <span class="w hedge">'
              'hedge</span> <span class="w repeat">repeat</span> <span class="pause">pause'
              '</span> <span class="cmark">+ idea covered</span> <span class="w concept">'
              'key term</span> <span class="w flag">misconception</span> · click a word to '
              "play from there</p>")
    transcript = _words_html(words) if words else '<span class="muted">(no transcript)</span>'
    model = q.model_answer if q else ""
    model_html = "".join(f"<p>{esc(p.strip())}</p>" for p in model.split("\n\n") if p.strip()) \
        or '<p class="muted">This question is no longer in the bank.</p>'
    out += ['<div class="cols">',
            f'<div class="card transcript"><h3>Your answer</h3><p class="words">{transcript}'
            f"</p>{legend}</div>",
            f'<div class="card model"><h3>Model answer</h3>{model_html}</div>',
            "</div>", '<div class="cols">', _breakdown(a)]
    if comparison is not None:
        out.append(f'<div class="card"><h3>Against the last take</h3><pre class="compare">'
                   f"{esc(render_comparison(comparison))}</pre>"
                   f'<p><a href="#attempt-{comparison.previous_id}">see attempt '
                   f"#{comparison.previous_id}</a></p></div>")
    else:
        out.append('<div class="card"><h3>Against the last take</h3><p class="muted">'
                   "First scored attempt at this question.</p></div>")
    out.append("</div></section>")
    return "\n".join(out)


def render_html(attempts: Sequence[Attempt], questions: Mapping[str, Question], plan: Plan,
                audio: Mapping[int, AudioSource], generated_at: datetime,
                tz: tzinfo | None = None) -> str:
    """The whole report. ``attempts`` oldest first; ``questions`` by id (the bank)."""
    attempts = sorted(attempts, key=lambda a: (a.started_at, a.id))
    pages = []
    last_scored: dict[str, Attempt] = {}
    for a in attempts:
        prev = last_scored.get(a.question_id)
        comparison = compare(prev, a) if prev is not None and a.scored else None
        pages.append(_attempt_page(a, questions.get(a.question_id), audio.get(a.id), comparison,
                                   tz))
        if a.scored:
            last_scored[a.question_id] = a
    span = (f" · {esc(when(attempts[0].started_at, tz)[:10])} to "
            f"{esc(when(attempts[-1].started_at, tz)[:10])}") if attempts else ""
    csp = (f"default-src 'none'; style-src {_csp_hash(CSS)}; script-src {_csp_hash(JS)}; "
           "img-src data:; media-src data: file: 'self'; base-uri 'none'; form-action 'none'")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>coach · progress report</title>",
        f"<style>{CSS}</style></head><body>",
        '<header class="top"><h1><a href="#dashboard">coach · progress</a></h1>',
        f"<p>{len(attempts)} attempt(s){span} · generated {esc(when(generated_at, tz))}</p>"
        "</header><main>",
        _dashboard(attempts, questions, plan, tz),
        *pages,
        f"</main><script>{JS}</script></body></html>",
    ])
