"""Inline SVG charts for the HTML report: pure functions from numbers to markup, no scripts.

Every label passes through `html.escape`; numbers are formatted here, never taken as text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

W, H = 480, 200
PAD_L, PAD_R, PAD_T, PAD_B = 40, 22, 14, 28


@dataclass(frozen=True)
class Point:
    label: str  # shown on hover, e.g. "#3 2025-01-03: 63"
    value: float
    href: str = ""  # e.g. "#attempt-3"
    tick: str = ""  # x-axis label, e.g. "01-03"


@dataclass(frozen=True)
class Band:
    """A shaded reference range, e.g. the comfortable 120-160 wpm."""

    low: float
    high: float
    label: str


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def line_chart(title: str, points: Sequence[Point], y_max: float | None = None,
               unit: str = "", bands: Sequence[Band] = (), css: str = "") -> str:
    """A line over attempts in order (evenly spaced), with optional reference bands."""
    head = (f'<svg class="chart line {escape(css)}" viewBox="0 0 {W} {H}" role="img" '
            f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape(title)}</title>")
    if not points:
        return (head + f'<text class="empty" x="{W / 2}" y="{H / 2}" text-anchor="middle">'
                "no scored attempts yet</text></svg>")
    top = y_max if y_max is not None else _nice_top(max(
        [p.value for p in points] + [b.high for b in bands]) * 1.1)
    inner_w, inner_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def x(i: int) -> float:
        return PAD_L + (inner_w / 2 if len(points) == 1 else inner_w * i / (len(points) - 1))

    def y(v: float) -> float:
        return PAD_T + inner_h * (1 - max(0.0, min(v, top)) / top)

    parts = [head]
    for b in bands:
        y0, y1 = y(b.high), y(b.low)
        parts.append(f'<rect class="band" x="{PAD_L}" y="{y0:.1f}" width="{inner_w}" '
                     f'height="{max(0.0, y1 - y0):.1f}"><title>{escape(b.label)}</title></rect>')
    for k in range(5):
        v = top * k / 4
        parts.append(f'<line class="grid" x1="{PAD_L}" x2="{W - PAD_R}" y1="{y(v):.1f}" '
                     f'y2="{y(v):.1f}"/><text class="axis" x="{PAD_L - 6}" y="{y(v) + 4:.1f}" '
                     f'text-anchor="end">{v:g}{escape(unit)}</text>')
    ticks = sorted({0, len(points) - 1, *range(0, len(points), max(1, len(points) // 5))})
    for i in ticks:
        if points[i].tick:
            parts.append(f'<text class="axis" x="{x(i):.1f}" y="{H - 8}" '
                         f'text-anchor="middle">{escape(points[i].tick)}</text>')
    coords = " ".join(f"{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(points))
    parts.append(f'<polyline class="series" points="{coords}"/>')
    for i, p in enumerate(points):
        dot = (f'<circle class="dot" cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="4">'
               f"<title>{escape(p.label)}</title></circle>")
        parts.append(f'<a href="{escape(p.href)}">{dot}</a>' if p.href else dot)
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(title: str, bars: Sequence[tuple[str, float, str]], x_max: float = 100.0) -> str:
    """Horizontal bars: (label, value, hover text), in the order given."""
    row = 26
    height = max(1, len(bars)) * row + 10
    label_w = 170
    inner = W - label_w - 50
    parts = [f'<svg class="chart bar" viewBox="0 0 {W} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
             f"<title>{escape(title)}</title>"]
    if not bars:
        parts.append(f'<text class="empty" x="{W / 2}" y="{height / 2 + 4}" '
                     'text-anchor="middle">no scored attempts yet</text>')
    for i, (label, value, hover) in enumerate(bars):
        top = 5 + i * row
        width = inner * max(0.0, min(value, x_max)) / x_max
        short = label if len(label) <= 26 else label[:25] + "…"
        level = "strong" if value >= 70 else "lean" if value >= 50 else "weak"
        parts.append(
            f'<text class="axis" x="{label_w - 8}" y="{top + 15}" text-anchor="end">'
            f"{escape(short)}</text>"
            f'<rect class="bar {level}" x="{label_w}" y="{top + 3}" width="{width:.1f}" '
            f'height="{row - 8}"><title>{escape(hover)}</title></rect>'
            f'<text class="value" x="{label_w + width + 6:.1f}" y="{top + 15}">{value:.0f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def meter(label: str, value: float) -> str:
    """One 0-1 score as a small horizontal bar (SVG, so no inline styles are needed)."""
    v = max(0.0, min(1.0, value))
    level = "strong" if v >= 0.7 else "lean" if v >= 0.5 else "weak"
    return (f'<div class="meter"><span class="mlabel">{escape(label)}</span>'
            f'<svg viewBox="0 0 200 12" class="mbar" role="img" aria-label="{escape(label)} '
            f'{v * 100:.0f}"><rect class="track" x="0" y="0" width="200" height="12"/>'
            f'<rect class="bar {level}" x="0" y="0" width="{200 * v:.1f}" height="12"/></svg>'
            f'<span class="mvalue">{v * 100:.0f}</span></div>')
