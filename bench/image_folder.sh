#!/usr/bin/env bash
# An image folder of mixed sizes and modes trains and predicts: MNIST digits resized at random
# (20-96 px, aspect changed) and saved as grey PNG, RGB JPEG, RGBA PNG and palette PNG
# (bench/image_folder.py), N=4000 to train in Kaggle's layout, M=1000 to predict from a flat
# folder. `tuneup init` reports the sizes and proposes data.image_size; its baseline CNN trains
# (4 epochs); `tuneup predict` labels the test pictures; prints the accuracy of those
# predictions against the test labels, and the times.
#
#   bash bench/image_folder.sh [N] [M]
#
# Pillow runs in a venv under /tmp (made here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-4000}; M=${2:-1000}
VENV=${VENV:-/tmp/peer-venv}
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q pillow numpy; }
cargo build --release -q -p tuneup
T=$PWD/target/release/tuneup
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$VENV/bin/python" bench/image_folder.py "$(cd ../shared/data/mnist && pwd)" "$dir" "$N" "$M"
cd "$dir"
"$T" init train -o digits.toml
sed -i 's/^epochs = .*/epochs = 4/' digits.toml
start=$(date +%s)
id=$("$T" train digits.toml --json 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['run_id']); print('validation accuracy %.4f' % d['val']['metric'], file=sys.stderr)")
echo "trained run $id in $(( $(date +%s) - start )) s"
"$T" predict "$id" test -o pred.csv
python3 - <<'PY'
import csv
truth = {r["id"]: r["label"] for r in csv.DictReader(open("test_labels.csv"))}
rows = list(csv.reader(open("pred.csv")))[1:]
right = sum(truth[r[0]] == r[1] for r in rows)
print(f"predicted {len(rows)} test pictures: accuracy {right / len(rows):.4f}")
PY
