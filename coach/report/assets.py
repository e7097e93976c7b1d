"""The report's one stylesheet and one script, inlined into the page (no network, ever).

The page's Content-Security-Policy allows exactly these two by hash, so nothing else can run
even if some text escaped escaping.
"""

from __future__ import annotations

CSS = """
:root { --fg:#1d2330; --muted:#667085; --bg:#f6f7f9; --card:#fff; --line:#e3e6eb;
  --accent:#2f6fdf; --strong:#1f9d55; --lean:#d69e2e; --weak:#d64545; --filler:#fff0b3;
  --hedge:#f3e0ff; --concept:#d8f5e3; --flag:#ffd9d9; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
  color:var(--fg); background:var(--bg); }
header.top { padding:18px 28px 8px; }
header.top h1 { margin:0; font-size:22px; }
header.top p { margin:2px 0 0; color:var(--muted); }
main { padding:0 28px 40px; max-width:1280px; }
h2 { font-size:19px; margin:18px 0 6px; }
h3 { font-size:15px; margin:14px 0 8px; text-transform:uppercase; letter-spacing:.04em;
  color:var(--muted); }
a { color:var(--accent); text-decoration:none; }
a:hover { text-decoration:underline; }
.card > h3:first-child { margin-top:0; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px;
  padding:14px 16px; }
.grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(360px, 1fr)); gap:14px;
  margin:14px 0; }
.cols { display:grid; grid-template-columns:1fr 1fr; gap:14px; margin:14px 0; }
.cols.three { grid-template-columns:repeat(auto-fit, minmax(300px, 1fr)); }
@media (max-width: 900px) { .cols { grid-template-columns:1fr; } }
.stats { display:flex; gap:14px; flex-wrap:wrap; margin:14px 0; }
.stat { flex:1 1 150px; }
.stat b { display:block; font-size:26px; }
.stat span { color:var(--muted); font-size:13px; }
svg.chart { width:100%; height:auto; display:block; }
svg .grid { stroke:var(--line); stroke-width:1; }
svg .axis { fill:var(--muted); font-size:11px; }
svg .value { fill:var(--fg); font-size:11px; }
svg .empty { fill:var(--muted); font-size:13px; }
svg .band { fill:#e7f3ec; }
svg .series { fill:none; stroke:var(--accent); stroke-width:2.5; }
svg .dot { fill:#fff; stroke:var(--accent); stroke-width:2; cursor:pointer; }
svg .bar.strong { fill:var(--strong); } svg .bar.lean { fill:var(--lean); }
svg .bar.weak { fill:var(--weak); } svg .track { fill:var(--line); }
table { border-collapse:collapse; width:100%; background:var(--card); font-size:14px; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); }
th { color:var(--muted); font-weight:600; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:13px;
  font-weight:600; color:#fff; background:var(--muted); }
.badge.strong { background:var(--strong); } .badge.lean { background:var(--lean); }
.badge.no_hire { background:var(--weak); }
ul.plain { list-style:none; padding:0; margin:0; }
ul.plain li { padding:3px 0; border-bottom:1px dashed var(--line); }
.muted { color:var(--muted); }
.meta { color:var(--muted); margin:0 0 10px; }
audio { width:100%; margin:6px 0 4px; }
.transcript p.words { line-height:2; margin:0; }
.w { cursor:pointer; border-radius:3px; padding:1px 1px; }
.w:hover { background:#e8efff; }
.w.now { outline:2px solid var(--accent); }
.w.filler { background:var(--filler); font-style:italic; }
.w.hedge { background:var(--hedge); }
.w.repeat { text-decoration:underline wavy var(--lean); }
.w.concept { background:var(--concept); font-weight:600; }
.w.flag { background:var(--flag); text-decoration:underline var(--weak); }
.cmark { cursor:pointer; font-size:11px; color:#176b3a; background:var(--concept);
  border:1px solid #9fdcb6; border-radius:8px; padding:0 5px; margin:0 2px;
  white-space:nowrap; }
.pause { font-size:11px; color:var(--weak); border:1px dashed var(--weak); border-radius:8px;
  padding:0 4px; margin:0 2px; white-space:nowrap; }
.legend { font-size:12px; color:var(--muted); margin-top:10px; }
.legend span { margin-right:10px; }
.model p { margin:0 0 8px; }
.meter { display:flex; align-items:center; gap:8px; margin:3px 0; }
.meter .mlabel { width:90px; color:var(--muted); font-size:13px; }
.meter svg { width:200px; height:12px; }
.meter .mvalue { font-variant-numeric:tabular-nums; font-size:13px; }
.ok { color:var(--strong); } .miss { color:var(--weak); }
.at { cursor:pointer; color:var(--accent); font-variant-numeric:tabular-nums; }
pre.compare { white-space:pre-wrap; font:13px/1.5 ui-monospace, monospace; margin:0; }
nav.crumbs { margin:14px 0 0; font-size:14px; }
html.js .page[hidden] { display:none; }
"""

JS = """
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var pages = Array.prototype.slice.call(document.querySelectorAll(".page"));
  function show() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (!target || !target.classList.contains("page")) {
      target = document.getElementById("dashboard");
    }
    pages.forEach(function (p) {
      p.hidden = p !== target;
      if (p !== target) {
        var a = p.querySelector("audio");
        if (a && !a.paused) { a.pause(); }
      }
    });
    window.scrollTo(0, 0);
  }
  window.addEventListener("hashchange", show);
  show();

  // Click a word (or a concept, or a time): play the recording from that moment.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-t]");
    if (!el) { return; }
    var page = el.closest(".page");
    var audio = page ? page.querySelector("audio") : null;
    if (!audio) { return; }
    audio.currentTime = parseFloat(el.getAttribute("data-t"));
    var played = audio.play();
    if (played && played.catch) { played.catch(function () {}); }
  });

  // While it plays, outline the word being said.
  pages.forEach(function (page) {
    var audio = page.querySelector("audio");
    if (!audio) { return; }
    var words = Array.prototype.slice.call(page.querySelectorAll(".w[data-t]"));
    var times = words.map(function (w) { return parseFloat(w.getAttribute("data-t")); });
    var current = null;
    audio.addEventListener("timeupdate", function () {
      var t = audio.currentTime, lo = 0, hi = times.length - 1, found = -1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (times[mid] <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
      }
      var next = found >= 0 ? words[found] : null;
      if (next !== current) {
        if (current) { current.classList.remove("now"); }
        if (next) { next.classList.add("now"); }
        current = next;
      }
    });
  });
})();
"""
