#!/usr/bin/env bash
# Create .venv (if missing) and install the package with its test extras.
# Shared by demo.sh and test.sh so a fresh machine with only Python 3.11 needs nothing else.
# pip's output goes to .venv/install.log and is shown only if the install fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
log=.venv/install.log
if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip \
       && .venv/bin/python -m pip install --disable-pip-version-check -e '.[test]'; } > "$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "install failed; full log in $log" >&2
  exit 1
fi
# Byte-compile the package, as a regular (non-editable) install does: with PYTHONDONTWRITEBYTECODE
# set, an editable install would otherwise compile every module again at each start of themes.
.venv/bin/python -m compileall -q theme_classifier >> "$log" 2>&1 || true
