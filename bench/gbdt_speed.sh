#!/usr/bin/env bash
# Training time of the gbdt kind against scikit-learn's HistGradientBoosting, side by side in
# one run, on the largest tables (bench/gbdt_speed.py says what is timed).
#
#   bash bench/gbdt_speed.sh            # ROUNDS=200 REPEATS=3 by default
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-/tmp/peer-venv}
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q scikit-learn pandas; }
cargo build --release -q -p tuneup
data=$(cd ../shared/data && pwd)
for t in "messy/credit_data.csv Status" "tabular/digits_8x8.csv label"; do
  set -- $t
  dir=$(mktemp -d)
  "$VENV/bin/python" bench/gbdt_speed.py "$PWD/target/release/tuneup" "$data/$1" "$2" "${ROUNDS:-200}" "${REPEATS:-3}" "$dir"
  rm -rf "$dir"
done
