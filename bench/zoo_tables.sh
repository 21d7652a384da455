#!/usr/bin/env bash
# The zoo's results tables shipped in bench/zoo/: every zoo model that fits the data, trained
# for the same time budget on this machine (2 cores), by `tuneup zoo bench`.
#   MNIST-1D: examples/mnist1d_cnn.toml's data and optimizer (shift augmentation), 30 s a model;
#   MNIST: examples/mnist.toml's data and optimizer, 2 minutes a model.
#
#   credit_data: bench/zoo/credit_data.toml (`tuneup init --target Status`'s baseline), 30 s a model.
#
#   bash bench/zoo_tables.sh        # about 37 minutes (MobileNet takes one 10-minute epoch)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p tuneup
T=$PWD/target/release/tuneup
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$T" --store "$dir/s.db" zoo bench examples/mnist1d_cnn.toml --budget 30s -o bench/zoo/mnist1d.csv
"$T" --store "$dir/s.db" zoo bench examples/mnist.toml --budget 2m -o bench/zoo/mnist.csv
# A table (credit_data: text categories, missing cells), the models for tables, 30 s a model.
"$T" --store "$dir/s.db" zoo bench bench/zoo/credit_data.toml --budget 30s --models mlp,resmlp,tabular,gbdt -o bench/zoo/credit_data.csv
