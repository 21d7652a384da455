#!/usr/bin/env bash
# Training throughput, tuneup (burn flex) side by side with PyTorch, in the same run.
# Models and protocol: ../shared/peers/torch_throughput.py (MLP 784-512-512-10 and the small CNN,
# batch 128, Adam). Installs torch into /tmp/torch-venv when absent (a ~3 GB download).
#
#   bash bench/throughput.sh [--windows 7] [--seconds 2]
set -euo pipefail
cd "$(dirname "$0")/.."
peer=../shared/peers/torch_throughput.py
[ -f "$peer" ] || { echo "missing $peer (the shared folder beside the checkout)" >&2; exit 2; }
venv=${TORCH_VENV:-/tmp/torch-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  echo "installing torch==2.15.0 into $venv ..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q torch==2.15.0
fi
cargo build --release -q -p tuneup-train --example throughput
bin=target/release/examples/throughput
# glibc malloc slows every framework here; give PyTorch the same tunables the peer script names
# (tuneup uses mimalloc).
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295
for model in mlp cnn; do
  ours=$("$bin" "$model" "$@")
  theirs=$("$venv/bin/python" -W ignore::UserWarning "$peer" "$model" --threads "$(nproc)" "$@")
  echo "$ours"
  echo "$theirs"
  python3 - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{a['model']}: tuneup {a['samples_per_s']:.0f} samples/s, torch {b['samples_per_s']:.0f} samples/s, "
      f"ratio tuneup/torch = {a['samples_per_s'] / b['samples_per_s']:.2f}")
PY
done
