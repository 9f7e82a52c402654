#!/usr/bin/env bash
# Install everything on a fresh machine (only Python 3.11 needed), then run the test suite.
#   scripts/test.sh           every test, the slow tier too (what CI runs)
#   scripts/test.sh --quick   the fast tier only (no corpus-scale or packaging tests)
#   scripts/test.sh --cov     also measure line coverage of theme_classifier (pytest-cov), listing
#                             the lines not run per file; combines with --quick
# Other arguments go to pytest, e.g. scripts/test.sh -k reading
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
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
