#!/usr/bin/env bash
# Knowledge distillation on MNIST-1D: a teacher (1-D CNN, 64 channels, batch norm, hidden 128:
# 76k parameters) and a student under an 8,000-parameter budget (the MNIST-1D paper's 1-D CNN:
# 7,460 parameters), the student trained alone and distilled from the teacher (alpha 0.5, T 4),
# seeds 1-3, both with random shifts of up to 3 steps. Test accuracy on the published test file.
# (A much smaller student, 8 channels / 1,034 parameters, is hurt by T = 4: see the README.)
#
#   bash bench/distill.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p tuneup
T=$PWD/target/release/tuneup
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
data=$(cd ../shared/data/mnist1d && pwd)
exp() { # seed, model lines, budget line
  cat <<TOML
$3
task = "classification"
seed = $1
[data]
train = "$data/mnist1d_train.csv"
test = "$data/mnist1d_test.csv"
target = "label"
shape = [1, 40]
split_seed = 0
[model]
kind = "conv1d"
$2
[optimizer]
kind = "adam"
lr = 0.005
[augment]
shift = 3
[train]
epochs = 60
batch_size = 100
TOML
}
acc() { python3 -c "import json,sys; j=json.load(sys.stdin); print(j['run_id'], j['test']['metric'], j['params'])"; }
exp 1 $'channels = [64, 64, 64]\nhidden = 128\nnorm = "batch"' "" > "$dir/teacher.toml"
read -r tid tacc tparams < <("$T" --store "$dir/s.db" train "$dir/teacher.toml" --json 2>/dev/null | acc)
echo "teacher: run $tid, $tparams parameters, test accuracy $tacc"
printf "%-6s %14s %14s\n" seed alone distilled
alone=(); dist=()
for seed in 1 2 3; do
  exp "$seed" 'channels = [25, 25, 25]' 'max_params = 8000' > "$dir/student.toml"
  read -r _ a sp < <("$T" --store "$dir/s.db" train "$dir/student.toml" --json 2>/dev/null | acc)
  read -r _ d _ < <("$T" --store "$dir/s.db" distill --teacher "$tid" "$dir/student.toml" --json 2>/dev/null | acc)
  printf "%-6s %14.4f %14.4f\n" "$seed" "$a" "$d"
  alone+=("$a"); dist+=("$d")
done
python3 - "${alone[@]}" "${dist[@]}" <<'PY'
import sys, statistics as st
v = list(map(float, sys.argv[1:])); a, d = v[:3], v[3:]
print(f"{'mean':<6} {st.mean(a):>14.4f} {st.mean(d):>14.4f}")
print(f"{'spread':<6} {max(a) - min(a):>14.4f} {max(d) - min(d):>14.4f}   (max - min over seeds)")
PY
echo "student: $sp parameters (budget 8,000)"
