#!/usr/bin/env bash
# `tuneup init`'s baseline on each messy table of ../shared/data/messy, trained with seeds 1-3 on
# bench/messy_tables.py's seeded 20% test hold-out, and its test metric: how an encoding change
# moves the baselines (run it with TUNEUP=/path/to/another/tuneup to compare two binaries).
#
#   bash bench/messy_baselines.sh       # about 3 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-/tmp/peer-venv}
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q scikit-learn pandas; }
cargo build --release -q -p tuneup
T=${TUNEUP:-$PWD/target/release/tuneup}
bench=$PWD/bench
data=$(cd ../shared/data/messy && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for t in "credit_data Status" "attrition Attrition" "sacramento price" "creditcard card" "islr_credit Balance"; do
  set -- $t
  mkdir "$dir/$1" && cd "$dir/$1"
  "$VENV/bin/python" -c "import sys; sys.path.insert(0, '$bench'); from messy_tables import split; split('$data/$1.csv', '$2', '.')"
  "$T" init train.csv --target "$2" -o exp.toml > /dev/null 2>&1
  sed -i 's|^# test = "path/to/test.csv".*|test = "test.csv"|' exp.toml
  for s in 1 2 3; do
    sed "s/^seed = .*/seed = $s/" exp.toml > "e$s.toml"
    TUNEUP_STORE=$PWD/s.db "$T" train "e$s.toml" --json 2>/dev/null |
      python3 -c "import json, sys; d = json.load(sys.stdin); print('$1', 'seed $s', 'test', d['test']['metric'])"
  done
  cd - > /dev/null
done
