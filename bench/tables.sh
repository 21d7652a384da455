#!/usr/bin/env bash
# tuneup on every table of ../shared/data/tabular and ../shared/data/messy, from the raw file,
# against scikit-learn's HistGradientBoosting and random forest on the same rows (bench/tables.py
# says how each is fitted and which of tuneup's runs are scored). For each table: a seeded,
# stratified 20% test hold-out, `tuneup improve train.csv --target COL --test test.csv
# --budget $BUDGET` (default 5m), then the test scores side by side: the chain's final model,
# its best net, its best gbdt, HGB, RF (higher is better for accuracy / f1_macro, lower for rmse).
#
#   bash bench/tables.sh                  # about an hour (12 tables x 5 minutes, and the peers)
#   BUDGET=60s bash bench/tables.sh iris,wine   # a quick look at some tables
#   TUNEUP=/tmp/bin/tuneup bash bench/tables.sh # a copy of the binary (so a rebuild meanwhile
#                                               # cannot change it under the bench)
#
# The peers run in a venv under /tmp (made here when missing): scikit-learn and pandas.
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET=${BUDGET:-5m}
VENV=${VENV:-/tmp/peer-venv}
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q scikit-learn pandas; }
if [ -z "${TUNEUP:-}" ]; then cargo build --release -q -p tuneup; TUNEUP=$PWD/target/release/tuneup; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$VENV/bin/python" bench/tables.py "$TUNEUP" "$(cd ../shared/data && pwd)" "$BUDGET" "$dir" ${1:-}
