#!/usr/bin/env bash
# Is lr-find's suggestion near the best rate? On MNIST-1D with the baseline MLP and Adam: the
# LR range test's suggestion, and a grid of short runs (10 epochs, constant rate) over rates a
# factor ~3 apart, each scored by validation accuracy. Prints both.
#
#   bash bench/lr_find_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p tuneup
T=$PWD/target/release/tuneup
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
data=$(cd ../shared/data/mnist1d && pwd)/mnist1d_train.csv
make_exp() { # lr epochs
  cat > "$dir/e.toml" <<TOML
task = "classification"
seed = 1
[data]
train = "$data"
[model]
kind = "mlp"
hidden = [256, 128]
[optimizer]
kind = "adam"
lr = $1
[train]
epochs = $2
TOML
}
make_exp 0.001 10
"$T" lr-find "$dir/e.toml" --json 2>/dev/null | python3 -c "import json,sys; s=json.load(sys.stdin)['suggestion']; print(f\"lr-find: valley {s['valley']:.2e}, steepest {s['steepest']:.2e}\")"
for lr in 0.0001 0.0003 0.001 0.003 0.01 0.03 0.1; do
  make_exp "$lr" 10
  "$T" --store "$dir/s.db" train "$dir/e.toml" --json 2>/dev/null | python3 -c "import json,sys; j=json.load(sys.stdin); print(f\"grid: lr {float('$lr'):.0e}  val accuracy {j['metric']['value']:.4f}  train error {j['train_error']:.4f}\")" || echo "grid: lr $lr failed"
done
