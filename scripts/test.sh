#!/usr/bin/env bash
# Install everything on a fresh machine (only Python 3.11 needed), then run the test suite.
#   scripts/test.sh           every test, the slow tier too (what CI runs)
#   scripts/test.sh --quick   the fast tier only (no corpus-scale or packaging tests)
# Other arguments go to pytest, e.g. scripts/test.sh -k reading
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
args=()
for arg in "$@"; do
  if [ "$arg" = "--quick" ]; then args+=(-m "not slow"); else args+=("$arg"); fi
done
exec .venv/bin/python -m pytest -q "${args[@]}"
