#!/usr/bin/env bash
# Many workers on one store: WORKERS processes x COUNT trials each of one study (a free Branin
# objective, the random sampler by default, so the store is what is measured), on SQLite and on
# PostgreSQL, and Optuna 5.0's RDB storage on the same PostgreSQL server, side by side in one
# run. Checks that every store holds exactly WORKERS x COUNT distinct trials, reports asks
# (ask + tell) per second and the ratios, then times `tuneup study` on a 10,000-trial study on
# both stores.
#
#   python3 -m venv /tmp/optuna-venv && /tmp/optuna-venv/bin/pip install optuna==5.0.0 psycopg2-binary
#   bash bench/store_workers.sh [WORKERS] [COUNT] [random|tpe]     # 8 1000 random: about 8 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
WORKERS=${1:-8}
COUNT=${2:-1000}
SAMPLER=${3:-random}
PY=${OPTUNA_PY:-/tmp/optuna-venv/bin/python}
cargo build --release -q -p tuneup-store --example store_asks
cargo build --release -q -p tuneup
ASK=target/release/examples/store_asks
TUNEUP=$(pwd)/target/release/tuneup
work=$(mktemp -d)
eval "$(bash .ci/postgres.sh start)"
trap 'bash .ci/postgres.sh stop "$PG_DIR"; rm -rf "$work"' EXIT
psql -q "$PG_URL/postgres" -c "CREATE DATABASE tuneup_bench" -c "CREATE DATABASE optuna_bench" -c "CREATE DATABASE tuneup_big"

run_tuneup() { # STORE LABEL
    local store=$1 label=$2 t0 t1
    "$ASK" "$store" warm 1 "$SAMPLER" >/dev/null   # creates the schema and a study
    t0=$(date +%s.%N)
    for _ in $(seq "$WORKERS"); do "$ASK" "$store" bench "$COUNT" "$SAMPLER" > /dev/null & done
    wait
    t1=$(date +%s.%N)
    local check
    check=$("$ASK" check "$store" bench)
    python3 -c "import json,sys; c=json.loads(sys.argv[1]); s=float(sys.argv[3])-float(sys.argv[2]); c.update(peer='tuneup', store=sys.argv[4], asks=$WORKERS*$COUNT, seconds=round(s,3)); print(json.dumps(c))" "$check" "$t0" "$t1" "$label"
}
if [ "${PART:-all}" != study ]; then {
    run_tuneup "$work/bench.db" sqlite
    run_tuneup "$PG_URL/tuneup_bench" postgres
    "$PY" bench/store_workers.py "postgresql+psycopg2://${PG_URL#postgres://}/optuna_bench" bench "$WORKERS" "$COUNT" "$SAMPLER"
} | tee "$work/rows.jsonl" >&2
fi

# `tuneup study` on a 10,000-trial study, both stores (trials taken by 4 workers x 2,500).
# PART=workers or PART=study runs one half.
[ "${PART:-all}" = workers ] || for store in "$work/big.db" "$PG_URL/tuneup_big"; do
    for _ in 1 2 3 4; do "$ASK" "$store" big 2500 random > /dev/null & done
    wait
    best=999
    for _ in 1 2 3; do
        t0=$(date +%s.%N)
        "$TUNEUP" --store "$store" study big > /dev/null
        t1=$(date +%s.%N)
        best=$(python3 -c "print(min($best, $t1 - $t0))")
    done
    kind=sqlite; [[ $store == postgres* ]] && kind=postgres
    echo "{\"study_10k\": \"$kind\", \"seconds\": $best, \"check\": $("$ASK" check "$store" big)}" >> "$work/rows.jsonl"
done

python3 - "$work/rows.jsonl" "$WORKERS" "$COUNT" "$SAMPLER" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
w, c, sampler = sys.argv[2], sys.argv[3], sys.argv[4]
print(f"{w} workers x {c} trials, {sampler} sampler, free objective (Branin)")
print(f"{'store':<22} {'trials':>7} {'distinct':>9} {'complete':>9} {'seconds':>8} {'asks/s':>8}")
rate = {}
for r in rows:
    if "study_10k" in r:
        continue
    name = r.get("store", "optuna rdb (" + r.get("version", "") + ")")
    if r["peer"] == "optuna":
        name = f"optuna {r['version']} postgres"
    rate[name] = r["asks"] / r["seconds"]
    print(f"{name:<22} {r['trials']:>7} {r['distinct']:>9} {r['complete']:>9} {r['seconds']:>8.2f} {rate[name]:>8.0f}")
opt = next((v for k, v in rate.items() if k.startswith("optuna")), None)
if opt:
    for k in ("sqlite", "postgres"):
        if k in rate:
            print(f"tuneup {k} / optuna postgres: {rate[k] / opt:.2f}x asks per second")
print()
for r in rows:
    if "study_10k" in r:
        print(f"`tuneup study` on {r['check']['trials']} trials ({r['study_10k']}): {r['seconds']:.3f} s (best of 3)")
PYEOF
