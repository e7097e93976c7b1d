#!/usr/bin/env bash
# Install coach into ./.venv on a Debian-like machine. Idempotent; safe to re-run.
#   bash scripts/setup.sh          # the app
#   bash scripts/setup.sh --dev    # the app + test tools
# System libraries (espeak-ng for speech, libportaudio2 for the microphone) are installed with
# apt-get when missing and when we may (root, or passwordless sudo); otherwise we say what to run.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[[ "${1:-}" == "--dev" ]] && dev=1

say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1; fi
}

need=()
command -v python3 >/dev/null || need+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
{ ldconfig -p 2>/dev/null || true; } | grep -q 'libportaudio.so.2' || need+=(libportaudio2)
# The test suite drives a real headless Chromium (Debian's) for the HTML report.
((dev)) && ! command -v chromium >/dev/null && need+=(chromium)
if ((${#need[@]})); then
  if command -v apt-get >/dev/null && as_root true; then
    say "installing system packages: ${need[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${need[@]}" >/dev/null
  else
    say "missing system packages: ${need[*]}; install them with: sudo apt-get install ${need[*]}"
    say "(coach still runs: --no-speak without espeak-ng, --input-file without a microphone)"
  fi
fi

python3 - <<'PY' || { say "coach needs Python 3.10 or newer"; exit 1; }
import sys
sys.exit(sys.version_info < (3, 10))
PY

[[ -x .venv/bin/python ]] || python3 -m venv .venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
# The CPU build of torch first: an unpinned torch (pulled in by sentence-transformers) would
# fetch a multi-GB CUDA build.
.venv/bin/python -m pip install -q torch==2.13.0
if ((dev)); then
  .venv/bin/python -m pip install -q -e ".[dev,voice]"
else
  .venv/bin/python -m pip install -q -e ".[voice]"
fi
say "installed: $(.venv/bin/coach --version)"
