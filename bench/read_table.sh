#!/usr/bin/env bash
# Reading a 1,000,000-row, 50-column CSV (40 floats with 2% empty cells, 5 integer columns, 5
# text categories; about 330 MB): tuneup's reader (every column sniffed, then every row read
# strictly into typed columns, then the column kinds inferred) against pandas' read_csv (its C
# engine, default settings), in the same run; best of 3 each, and the ratio.
#
#   bash bench/read_table.sh [ROWS]
#
# pandas runs in a venv under /tmp (made here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
VENV=${VENV:-/tmp/peer-venv}
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q pandas; }
cargo build --release -q -p tuneup-core --example read_table
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$VENV/bin/python" bench/read_table.py make "$dir/t.csv" "$ROWS"
ls -l "$dir/t.csv" | awk '{printf "file: %.0f MB\n", $5 / 1e6}'
best() { python3 -c "import json,sys; v=[json.loads(l) for l in sys.stdin]; print(min(x['$1'] + x.get('infer_s', 0) for x in v))"; }
ours=$(for i in 1 2 3; do target/release/examples/read_table "$dir/t.csv"; done | best read_s)
theirs=$(for i in 1 2 3; do "$VENV/bin/python" bench/read_table.py pandas "$dir/t.csv"; done | best read_s)
python3 -c "print(f'tuneup {$ours:.2f} s   pandas {$theirs:.2f} s   ratio {$ours / $theirs:.2f}x')"
