#!/usr/bin/env bash
# Text classification from raw e-mails: `tuneup improve` (from the raw file, BUDGET, default
# 10m) against scikit-learn's TF-IDF (word 1-2-grams) + logistic regression on the same
# stratified 80 / 20 split of ../shared/data/text/spam_assassin.csv.gz (bench/text.py).
#
#   bash bench/text.sh                # about 12 minutes
#   BUDGET=3m bash bench/text.sh
#
# The peer runs in a venv under /tmp (made here when missing): scikit-learn and pandas.
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET=${BUDGET:-10m}
VENV=${VENV:-/tmp/peer-venv}
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q scikit-learn pandas; }
EXE=${TUNEUP:-}
if [ -z "$EXE" ]; then cargo build --release -q -p tuneup; EXE="$PWD/target/release/tuneup"; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$VENV/bin/python" bench/text.py "$EXE" "$(cd ../shared/data && pwd)" "$BUDGET" "$dir"
