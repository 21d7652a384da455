#!/usr/bin/env bash
# What augmentation costs an epoch: the MNIST CNN of examples/mnist.toml, one epoch on the
# 48,000-sample training split, (a) without augmentation, (b) with shift, rotation, zoom and
# random erasing built by one loader thread beside training, (c) the same built on the training
# thread (workers = 0). Prints each epoch's training time (the epoch's batches, without the
# evaluation that follows) and the slowdowns against (a).
#
#   bash bench/augment_overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p tuneup
T=$PWD/target/release/tuneup
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
data=$(cd ../shared/data/mnist && pwd)
run() { # name, workers, augment lines
  cat > "$dir/$1.toml" <<TOML
task = "classification"
seed = 42
[data]
train = "$data"
[model]
kind = "cnn"
channels = [32, 64]
hidden = 128
[optimizer]
kind = "adam"
[augment]
$3
[train]
epochs = 1
batch_size = 128
workers = $2
TOML
  id=$("$T" --store "$dir/s.db" train "$dir/$1.toml" --json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['run_id'])")
  "$T" --store "$dir/s.db" show "$id" --json | python3 -c "import json,sys; e=json.load(sys.stdin)['epochs'][0]; print(e['fit_seconds'])"
}
aug="shift = 2
rotate = 10.0
scale = 0.1
erase = 0.25"
plain=$(run plain 1 "")
worker=$(run worker 1 "$aug")
inline=$(run inline 0 "$aug")
python3 - "$plain" "$worker" "$inline" <<'PY'
import sys
p, w, i = map(float, sys.argv[1:])
print(f"{'variant':<44} {'fit s':>8} {'vs plain':>9}")
print(f"{'no augmentation':<44} {p:>8.1f} {'':>9}")
print(f"{'augmentation, 1 loader thread (default)':<44} {w:>8.1f} {100*(w/p-1):>+8.1f}%")
print(f"{'augmentation, on the training thread':<44} {i:>8.1f} {100*(i/p-1):>+8.1f}%")
PY
