#!/usr/bin/env bash
# Install everything on a fresh machine (only Python 3.11 needed), then run the tests.
# Extra arguments go to pytest, e.g. scripts/test.sh -k reading
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/python -m pytest -q "$@"
