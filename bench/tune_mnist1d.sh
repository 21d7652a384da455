#!/usr/bin/env bash
# A real study: examples/mnist1d_tune.toml (the MNIST-1D MLP's learning rate, width, dropout
# and weight decay, TPE) for the same wall time with ASHA pruning and without. Prints trials
# run, trials pruned, the best validation accuracy and that trial's test accuracy.
#
#   bash bench/tune_mnist1d.sh [BUDGET]     # default 4m per study, about 9 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET=${1:-4m}
cargo build --release -q -p tuneup
T=$PWD/target/release/tuneup
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp examples/mnist1d_tune.toml "$dir/pruned.toml"
sed 's/^pruner = .*/pruner = "none"/' examples/mnist1d_tune.toml > "$dir/unpruned.toml"
sed -i "s#\.\./\.\./shared#$PWD/../shared#" "$dir/pruned.toml" "$dir/unpruned.toml"
for s in pruned unpruned; do
  "$T" --store "$dir/s.db" tune "$dir/$s.toml" --trials 1000 --timeout "$BUDGET" > /dev/null 2> "$dir/$s.log"
done
for s in pruned unpruned; do
  "$T" --store "$dir/s.db" study "$s" --json > "$dir/$s.json"
done
python3 - "$dir" "$T" <<'PYEOF'
import json, subprocess, sys
d, T = sys.argv[1], sys.argv[2]
print(f"{'study':<10} {'trials':>6} {'complete':>8} {'pruned':>6} {'best val':>9} {'its test':>9}  best params")
for s in ["pruned", "unpruned"]:
    j = json.load(open(f"{d}/{s}.json"))
    tr = j["trials"]
    b = j["best"]
    run = json.loads(subprocess.run([T, "--store", f"{d}/s.db", "show", str(b["run_id"]), "--json"],
                                    capture_output=True, text=True, check=True).stdout)
    test = run["test"]["metric"] if run.get("test") else float("nan")
    params = ", ".join(f"{k.split('.')[-1]}={v:.3g}" for k, v in b["params"].items())
    print(f"{s:<10} {len(tr):>6} {sum(t['state']=='complete' for t in tr):>8} {sum(t['state']=='pruned' for t in tr):>6} {b['value']:>9.4f} {test:>9.4f}  {params}")
PYEOF
