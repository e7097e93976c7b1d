"""Nothing leaked (issue 8): no network at run time, private files, escaped reports, and no code
path that hands a user's string to a shell or runs what a file says.

The network test runs the real `coach` with every socket call replaced by one that records the
attempt and fails (a ``sitecustomize`` first on PYTHONPATH, so child Python processes get it
too), through transcription (tiny.en and base), scoring, a practice round and the HTML
report.
The browser test of the report (tests/test_report_html_browser.py) checks in Chromium that
`<script>` from transcripts and bank files renders as text; here the same at the HTML level.
"""

from __future__ import annotations

import ast
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT
from tests.test_bad_input import shim

KV = "kv-cache-why-critical-inference"
PACKAGE = ROOT / "coach"

NO_NETWORK = '''
import os, socket

_LOG = os.environ["COACH_TEST_NET_LOG"]


def _blocked(what):
    def fail(*args, **kwargs):
        with open(_LOG, "a") as log:
            log.write(f"{os.getpid()} {what} {args[1:] if what.startswith('socket.') else args}\\n")
        raise OSError(101, f"network blocked by the test ({what})")
    return fail


for name in ("connect", "connect_ex", "sendto", "sendmsg"):
    setattr(socket.socket, name, _blocked(f"socket.{name}"))
socket.create_connection = _blocked("create_connection")
socket.getaddrinfo = _blocked("getaddrinfo")
socket.gethostbyname = _blocked("gethostbyname")
'''


def coach(args: list[str], home: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "coach", *args], capture_output=True,
                          text=True, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=300,
                          env={**os.environ, "COACH_HOME": str(home), **env})


def _user_bank_with_markup(home: Path) -> None:
    """A bank entry whose text is markup, and an answer that says markup."""
    (home / "bank").mkdir(parents=True)
    (home / "bank" / "hostile.toml").write_text(
        (ROOT / "tests" / "data" / "hostile-bank.toml").read_text())


def test_transcribe_score_practise_and_report_with_the_network_blocked(
        tmp_path: Path) -> None:
    home = tmp_path / "home"
    log = tmp_path / "network.log"
    blocker = tmp_path / "no-network"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(NO_NETWORK)
    env = {"PYTHONPATH": os.pathsep.join([str(blocker), str(ROOT)]),
           "COACH_TEST_NET_LOG": str(log)}
    # The shim itself works: a connection attempt is logged and fails.
    probe = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection("
                            "('example.com', 80))"], env={**os.environ, **env},
                           capture_output=True, text=True)
    assert probe.returncode != 0 and "network blocked by the test" in probe.stderr
    log.unlink()

    answer = str(FIXTURES / "kv_cache_fillers.flac")
    _user_bank_with_markup(home)
    steps = [
        ["transcribe", str(FIXTURES / "attention_clean.flac"), "--model", "base"],
        ["score", answer, "-q", KV, "--json"],
        ["drill", "--id", KV, "--no-speak", "--input-file", answer, "--speed", "4",
         "--silence", "0"],
        ["report", "--out", str(tmp_path / "report.html")],
    ]
    for args in steps:
        out = coach(args, home, env)
        assert out.returncode == 0, (args, out.stderr)
        assert "Traceback" not in out.stderr and "network blocked" not in out.stderr, out.stderr
    assert not log.exists(), f"network use at run time:\n{log.read_text()}"
    html = (tmp_path / "report.html").read_text()
    assert "KV cache" in html and "<audio" in html


def test_everything_coach_writes_is_private(tmp_path: Path) -> None:
    """A practice round with speech written to files, a report and an export: every folder
    under the data dir is 0700 and every file 0600."""
    home = tmp_path / "home"
    env = shim(tmp_path, "fake-mic")  # no output device: the spoken question goes to a file
    typed = tmp_path / "answer.txt"
    typed.write_text("The KV cache keeps keys and values so decoding does not redo them.\n")
    steps = [
        ["drill", "--id", KV, "--input-file", str(FIXTURES / "kv_cache_fillers.flac"),
         "--speed", "4", "--silence", "0"],
        ["score", "--text-file", str(typed), "-q", KV],
        ["report"],
        ["export", "--out", str(home / "attempts.json")],
    ]
    for args in steps:
        out = coach(args, home, env)
        assert out.returncode == 0, (args, out.stderr)
    assert list((home / "speech").glob("*.wav")), "the spoken question was not written"
    assert (home / "cache" / "embeddings-minilm-l6-v2.npz").exists()
    loose = [f"{p.relative_to(home)} {stat.filemode(p.stat().st_mode)}"
             for p in [home, *home.rglob("*")]
             if stat.S_IMODE(p.stat().st_mode) != (0o700 if p.is_dir() else 0o600)]
    assert loose == [], loose


def test_a_data_dir_on_a_shared_machine_is_created_private(tmp_path: Path) -> None:
    """Under a permissive umask too: coach sets its own."""
    home = tmp_path / "deep" / "home"
    out = subprocess.run(["sh", "-c", f'umask 000 && exec "{sys.executable}" -m coach history'],
                         capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "COACH_HOME": str(home)}, timeout=300)
    assert out.returncode == 0, out.stderr
    assert (home / "coach.db").exists()
    for p in [home, *home.rglob("*")]:
        assert stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600), p


def test_the_report_shows_markup_from_transcripts_and_bank_files_as_text(
        tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from coach.bank.load import load_file
    from coach.report.page import render_html
    from coach.schedule import make_plan
    from coach.score.engine import score_answer
    from coach.score.text import from_text
    from coach.store import Store
    from tests.fakes import BagOfWordsEmbedder

    (q,), problems = load_file(ROOT / "tests" / "data" / "hostile-bank.toml")
    assert problems == []
    said = ("Escaping matters: <script>window.__pwned = 'transcript'</script> and "
            "<img src=x onerror=\"window.__pwned='img'\"> must show as text. A CSP helps too.")
    report = score_answer(from_text(said), q, BagOfWordsEmbedder())
    t0 = datetime(2025, 3, 3, tzinfo=timezone.utc)
    with Store(tmp_path / "home") as store:
        aid = store.begin_attempt(q.id, q.topic, q.mode.value, t0, None, {}, {}, "")
        store.finish_attempt(aid, report.transcript, report.to_dict())
        attempts = store.attempts()
    html = render_html(attempts, {q.id: q}, make_plan(attempts, [q.id], t0), {}, t0)
    assert "__pwned" in html  # the text is there...
    for raw in ("<script>window.__pwned", "<img src=x", "<b>bold</b>"):
        assert raw not in html  # ...but never as markup
    assert "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert html.count("<script>") == 1  # coach's own, allowed by its hash in the CSP


# --- the source itself ---------------------------------------------------------------------

#: Calls that run a shell, evaluate text as code or unpickle: never in coach.
FORBIDDEN_CALLS = {"os.system", "os.popen", "eval", "exec", "compile", "pickle.load",
                   "pickle.loads", "marshal.loads", "yaml.load", "yaml.unsafe_load",
                   "torch.load", "__import__"}
#: Modules that talk to the network. coach has no reason to import any of them.
NETWORK_MODULES = {"socket", "http", "urllib.request", "requests", "httpx", "aiohttp",
                   "huggingface_hub", "ftplib", "smtplib", "telnetlib", "xmlrpc"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return ""


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_shell_no_eval_no_network_in_the_source(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in FORBIDDEN_CALLS:
                found.append(f"{where}: {name}()")
            for kw in node.keywords:
                if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant)
                                              and kw.value.value is False):
                    found.append(f"{where}: shell=... in {name}()")
                if kw.arg == "allow_pickle" and not (isinstance(kw.value, ast.Constant)
                                                     and kw.value.value is False):
                    found.append(f"{where}: allow_pickle in {name}()")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) \
                else [node.module or ""]
            for n in names:
                if any(n == m or n.startswith(m + ".") for m in NETWORK_MODULES):
                    found.append(f"{where}: imports {n}")
    assert found == []
