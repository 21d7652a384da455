#!/usr/bin/env bash
# The improve loop's judge on null cases (crates/tuneup-lab/examples/judge_null.rs): one
# experiment trained with SEEDS seeds, every ordered pair judged at z >= Z; prints the false
# acceptance rate for accuracy (McNemar), macro F1 (paired bootstrap) and RMSE (per sample).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -p tuneup-lab --example judge_null -- "${1:-8}" "${2:-1.0}"
