#!/usr/bin/env bash
# Install everything on a fresh machine (only Python 3.11 needed), then label every paragraph
# of the five seed reports with the shipped default model.
# Writes out/seeds_predictions.csv and prints the share of units per theme for each report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
mkdir -p out
.venv/bin/themes predict seeds/ -o out/seeds_predictions.csv --top-terms 5
echo "paragraph-level labels: out/seeds_predictions.csv" >&2
