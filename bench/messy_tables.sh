#!/usr/bin/env bash
# tuneup on the messy tables of ../shared/data/messy, from the raw file, against scikit-learn's
# one-hot linear model and HistGradientBoosting on the same rows (bench/messy_tables.py says
# how each is fitted). For each table: a seeded, stratified 20% test hold-out, then
# `tuneup improve train.csv --target COL --test test.csv --budget $BUDGET` (default 5m) and the
# peers; prints the test scores side by side (higher is better for accuracy / f1_macro, lower
# for rmse).
#
#   bash bench/messy_tables.sh            # BUDGET=90s bash bench/messy_tables.sh: a quick look
#
# The peers run in a venv under /tmp (made here when missing): scikit-learn and pandas.
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET=${BUDGET:-5m}
VENV=${VENV:-/tmp/peer-venv}
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q scikit-learn pandas; }
cargo build --release -q -p tuneup
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$VENV/bin/python" bench/messy_tables.py "$PWD/target/release/tuneup" "$(cd ../shared/data/messy && pwd)" "$BUDGET" "$dir"
