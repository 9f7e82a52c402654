#!/usr/bin/env bash
# Install everything on a fresh machine (only Python 3.11 needed), then run the test suite.
#   scripts/test.sh           every test, the slow tier too (what CI runs; as root with apt-get,
#                             it installs Chromium for the browser tests if it is missing)
#   scripts/test.sh --quick   the fast tier only (no corpus-scale or packaging tests)
#   scripts/test.sh --cov     also measure line coverage of theme_classifier (pytest-cov), listing
#                             the lines not run per file; combines with --quick
# Other arguments go to pytest, e.g. scripts/test.sh -k reading
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
# The browser tests of the report pages (slow tier) drive Debian's Chromium. CI runs this as root
# on a fresh Debian machine, so install it there; elsewhere those tests skip, saying why.
if [ ! -x /usr/bin/chromium ] && [[ " $* " != *" --quick "* ]] && command -v apt-get > /dev/null \
   && [ "$(id -u)" = 0 ]; then
  log=.venv/chromium-install.log
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } > "$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "installing chromium failed; full log in $log" >&2
    exit 1
  fi
fi
# One BLAS thread: the logistic regressions here are small, and OpenBLAS threads spinning on
# two cores made training tests several times slower (set OPENBLAS_NUM_THREADS to override).
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
args=()
for arg in "$@"; do
  case "$arg" in
    --quick) args+=(-m "not slow") ;;
    --cov) args+=(--cov=theme_classifier --cov-report=term-missing:skip-covered) ;;
    *) args+=("$arg") ;;
  esac
done
exec .venv/bin/python -m pytest -q "${args[@]}"
