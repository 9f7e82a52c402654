#!/usr/bin/env bash
# Create .venv (if missing) and install the package with its test extras.
# Shared by demo.sh and test.sh so a fresh machine with only Python 3.11 needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
