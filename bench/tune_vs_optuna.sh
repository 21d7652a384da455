#!/usr/bin/env bash
# tuneup's samplers against Optuna's, side by side in the same run, with ../shared/peers/
# optuna_bench.py as the peer (same functions, domains and seeds):
#   1. sampler overhead: ms per ask+tell, TPE, 10-dimensional float space, windows ending at 100,
#      1,000 and 5,000 trials;
#   2. sample efficiency: median best value over 20 seeds after 50, 100 and 200 trials on
#      Branin, Hartmann-6, Rosenbrock-10 (log10(1 + f)) and the mixed space; TPE and random.
#
#   python3 -m venv /tmp/optuna-venv && /tmp/optuna-venv/bin/pip install optuna==5.0.0
#   bash bench/tune_vs_optuna.sh            # about 10 minutes on 2 cores
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${OPTUNA_PY:-/tmp/optuna-venv/bin/python}
PEER=../shared/peers/optuna_bench.py
cargo build --release -q -p tuneup-core --example tune_bench
T=target/release/examples/tune_bench
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
TRIALS=${TRIALS:-5000}
SEEDS=${SEEDS:-20}
echo "== overhead (TPE, $TRIALS trials)" >&2
"$T" overhead --sampler tpe --trials "$TRIALS" > "$out/overhead_tuneup.jsonl"
"$PY" "$PEER" overhead --sampler tpe --trials "$TRIALS" > "$out/overhead_optuna.jsonl"
for f in branin hartmann6 rosenbrock mixed; do
  for s in tpe random; do
    echo "== efficiency $f $s" >&2
    "$T" efficiency --sampler "$s" --function "$f" --at 50,100,200 --seeds "$SEEDS" >> "$out/eff_tuneup.jsonl"
    for n in 50 100 200; do
      "$PY" "$PEER" efficiency --sampler "$s" --function "$f" --trials "$n" --seeds "$SEEDS" >> "$out/eff_optuna.jsonl"
    done
  done
done
python3 - "$out" <<'PYEOF'
import json, sys, pathlib
d = pathlib.Path(sys.argv[1])
rows = lambda f: [json.loads(l) for l in (d / f).read_text().splitlines() if l.strip()]
ot, oo = rows("overhead_tuneup.jsonl"), rows("overhead_optuna.jsonl")
print("Sampler overhead, TPE, ms per trial over the window ending at N trials")
print(f"{'N':>6} {'tuneup':>10} {'optuna':>10} {'optuna/tuneup':>14}")
for t in ot:
    o = next((x for x in oo if x["trials"] == t["trials"]), None)
    if o and t["trials"] >= 100:
        print(f"{t['trials']:>6} {t['ms_per_trial_window']:>10.3f} {o['ms_per_trial_window']:>10.3f} {o['ms_per_trial_window'] / max(t['ms_per_trial_window'], 1e-9):>14.1f}")
tt = {(r["function"], r["sampler"], r["trials"]): r["median_best"] for r in rows("eff_tuneup.jsonl")}
to = {(r["function"], r["sampler"], r["trials"]): r["median_best"] for r in rows("eff_optuna.jsonl")}
print()
print("Median best value over seeds (minimise; lower is better)")
print(f"{'function':<11} {'N':>4} {'tuneup tpe':>11} {'optuna tpe':>11} {'tuneup rnd':>11} {'optuna rnd':>11}")
for f in ["branin", "hartmann6", "rosenbrock", "mixed"]:
    for n in [50, 100, 200]:
        g = lambda m, s: m.get((f, s, n), float("nan"))
        print(f"{f:<11} {n:>4} {g(tt,'tpe'):>11.4f} {g(to,'tpe'):>11.4f} {g(tt,'random'):>11.4f} {g(to,'random'):>11.4f}")
PYEOF
