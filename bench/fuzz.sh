#!/usr/bin/env bash
# Mutation fuzzing of every parser of outside input (crates/tuneup-core/tests/fuzz.rs) for
# longer than CI does: N inputs per target (default 200,000). A crashing input is kept under
# target/tmp/fuzz-crashes/ (`<target>-last.bin` when the process itself died).
set -euo pipefail
cd "$(dirname "$0")/.."
TUNEUP_FUZZ_ITERS="${1:-200000}" cargo test --release -p tuneup-core --test fuzz -- --nocapture --test-threads 1
