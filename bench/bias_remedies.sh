#!/usr/bin/env bash
# A too-small model on MNIST-1D (an MLP with one hidden layer of 16 units, Adam 1e-3, 20
# epochs), then the bias remedies one at a time: a bigger model (width_mult = 4), a better
# schedule (cosine annealing, or one-cycle peaking at 0.01), and a bigger model with one-cycle. Mean training / validation error over seeds 1-3.
#
#   bash bench/bias_remedies.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p tuneup
T=$PWD/target/release/tuneup
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
data=$(cd ../shared/data/mnist1d && pwd)/mnist1d_train.csv
printf "%-22s %12s %12s\n" variant "train err" "val err"
for variant in baseline bigger cosine one_cycle both; do
  width=1; sched=constant
  extra=""
  case $variant in bigger) width=4;; cosine) sched=cosine;; one_cycle) sched=one_cycle; extra="max_lr = 0.01";; both) width=4; sched=one_cycle; extra="max_lr = 0.01";; esac
  tr=0; va=0
  for seed in 1 2 3; do
    cat > "$dir/e.toml" <<TOML
task = "classification"
seed = $seed
[data]
train = "$data"
[model]
kind = "mlp"
hidden = [16]
width_mult = $width
[optimizer]
kind = "adam"
lr = 0.003
[schedule]
kind = "$sched"
$extra
[train]
epochs = 20
TOML
    read -r a b < <("$T" --store "$dir/s.db" train "$dir/e.toml" --json 2>/dev/null | python3 -c "import json,sys; j=json.load(sys.stdin); print(j['train_error'], j['val_error'])")
    tr=$(python3 -c "print($tr + $a / 3)"); va=$(python3 -c "print($va + $b / 3)")
  done
  printf "%-22s %12.4f %12.4f\n" "$variant" "$tr" "$va"
done
