#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks.
#   eval "$(bash .ci/postgres.sh start)"   # sets PG_URL (postgres://tuneup:tuneup-test@127.0.0.1:PORT) and PG_DIR
#   bash .ci/postgres.sh stop "$PG_DIR"
# Uses the machine's initdb / pg_ctl (PostgreSQL 15 on the image); runs the server as the
# `postgres` user when started as root.
set -euo pipefail

case "${1:-}" in
start)
    dir=$(mktemp -d /tmp/tuneup-ci-pg.XXXXXX)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    run=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$dir"
        run=(runuser -u postgres --)
    fi
    printf 'tuneup-test' > "$dir/pw"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/pw"
    "${run[@]}" initdb -D "$dir/data" -U tuneup --pwfile="$dir/pw" \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    "${run[@]}" pg_ctl -D "$dir/data" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "PG_URL=postgres://tuneup:tuneup-test@127.0.0.1:$port; PG_DIR=$dir; export PG_URL PG_DIR"
    ;;
stop)
    dir=${2:?the folder start printed}
    run=()
    [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
    "${run[@]}" pg_ctl -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
