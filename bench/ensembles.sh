#!/usr/bin/env bash
# Ensembles against their best member, on the test set. For each of three splits (split seeds
# 0, 1, 2; digits: a stratified 20% test hold-out, then a 20% validation hold-out; MNIST-1D: the
# published test file, a 20% validation hold-out), five members are trained (one model, five
# seeds: digits a small CNN with batch norm and shifts, MNIST-1D an MLP with shifts and time
# warps) and combined by soft voting, hard voting and weights fitted on the validation
# predictions.
#
#   bash bench/ensembles.sh            # both data sets (about 10 minutes on 2 cores)
#   bash bench/ensembles.sh digits     # one of them
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p tuneup
T=$PWD/target/release/tuneup
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
which=${1:-all}
python3 - "$T" "$dir" "$PWD" "$which" <<'PY'
import json, subprocess, sys, statistics as st
T, d, root, which = sys.argv[1:]
sets = {
  "digits": dict(data=f'train = "{root}/data/digits_8x8.csv"\nshape = [1, 8, 8]\ntest_fraction = 0.2', epochs=40, members=[
    # One configuration, five seeds (a deep ensemble).
    *[(f"seed {i + 1}", 'kind = "cnn"\nchannels = [16, 32]\nhidden = 64\nnorm = "batch"', "", "shift = 1") for i in range(5)],
  ]),
  "mnist1d": dict(data=f'train = "{root}/../shared/data/mnist1d/mnist1d_train.csv"\ntest = "{root}/../shared/data/mnist1d/mnist1d_test.csv"\ntarget = "label"', epochs=60, members=[
    # One strong configuration, five seeds (a deep ensemble: init, batch order and
    # augmentation differ).
    *[(f"seed {i + 1}", 'kind = "mlp"\nhidden = [512, 512]\ndropout = 0.3', "", "shift = 3\ntime_warp = 0.05") for i in range(5)],
  ]),
}
def run(args):
    out = subprocess.run([T, "--store", f"{d}/s.db"] + args, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stderr)
    return json.loads(out.stdout)
for name, cfg in sets.items():
    if which not in ("all", name):
        continue
    rows = []
    for split in (0, 1, 2):
        ids, accs = [], []
        for i, m in enumerate(cfg["members"]):
            label, model, train = m[0], m[1], m[2]
            aug = m[3] if len(m) > 3 else ""
            path = f"{d}/{name}-{split}-{i}.toml"
            with open(path, "w") as f:
                f.write(f'task = "classification"\nseed = {10 * split + i + 1}\n[data]\n{cfg["data"]}\n'
                        f'split_seed = {split}\n[model]\n{model}\n[optimizer]\nkind = "adam"\n'
                        f'[augment]\n{aug}\n[train]\nepochs = {cfg["epochs"]}\nbatch_size = 64\n{train}\n')
            j = run(["train", path, "--json"])
            ids.append(str(j["run_id"])); accs.append(j["test"]["metric"])
        ens = {m: run(["ensemble", *ids, "--method", m, "--json"])["test"]["metric"] for m in ("soft", "hard", "weighted")}
        rows.append((split, accs, ens))
    print(f"\n{name}: test accuracy of each member and of the ensembles (5 members)")
    labels = [m[0] for m in cfg["members"]]
    print("split  " + "  ".join(f"{l[:16]:>16}" for l in labels) + f"  {'best member':>11}  {'soft':>7}  {'hard':>7}  {'weighted':>8}")
    for split, accs, ens in rows:
        print(f"{split:>5}  " + "  ".join(f"{a:>16.4f}" for a in accs) + f"  {max(accs):>11.4f}  {ens['soft']:>7.4f}  {ens['hard']:>7.4f}  {ens['weighted']:>8.4f}")
    mean = lambda xs: st.mean(xs)
    print(f" mean  " + "  ".join(f"{mean([r[1][i] for r in rows]):>16.4f}" for i in range(len(labels)))
          + f"  {mean([max(r[1]) for r in rows]):>11.4f}  {mean([r[2]['soft'] for r in rows]):>7.4f}  {mean([r[2]['hard'] for r in rows]):>7.4f}  {mean([r[2]['weighted'] for r in rows]):>8.4f}")
PY
