#!/usr/bin/env bash
# Encrypt on the embedded SQLite storage vs PostgreSQL, and one node vs two nodes on one
# PostgreSQL database, in one run on this machine.
#
#   scripts/bench-storage.sh [TRENT_BINARY] [ROUNDS] [SECONDS] [CONCURRENCY] [OPS]
#
# PostgreSQL comes from TRENT_BENCH_POSTGRES_URL (default: the machine's,
# postgres://postgres@127.0.0.1:5432/test); the script makes a schema of its own for each
# server set and drops it afterwards. Each round measures, in this order so that drift from
# other load hits every variant alike:
#   sqlite    one `trent server` on SQLite files, pinned to CPU 0;
#   postgres  one `trent server` on PostgreSQL, pinned to CPU 0;
#   2 nodes   two `trent server`s on one PostgreSQL schema (the second started with a copy of
#             the first's data directory, the same root key, less its node id), both pinned to CPU 0, each driven
#             by its own `trent bench` at half the concurrency, their rates added.
# The load generator (`trent bench --endpoint-url`) is pinned to CPU 1. PostgreSQL itself is
# not pinned: on this 2-core machine it competes with both, so the PostgreSQL rows show what
# a database round trip per request costs on one box, not what a separate database server
# gives; and two nodes on the one core CPU 0 show the overhead of a second node, not scaling.
set -euo pipefail

binary=${1:-target/release/trent}
rounds=${2:-3}
seconds=${3:-6}
concurrency=${4:-64}
ops=${5:-encrypt}
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"

# bench PORT DIR CONCURRENCY: one `trent bench` against that server; prints its table rows.
bench() {
    local port=$1 dir=$2 c=$3 id secret
    id=$(sed -n 's/^aws_access_key_id = //p' "$dir/data/credentials")
    secret=$(sed -n 's/^aws_secret_access_key = //p' "$dir/data/credentials")
    AWS_ACCESS_KEY_ID=$id AWS_SECRET_ACCESS_KEY=$secret taskset -c 1 "$binary" bench \
        --endpoint-url "http://127.0.0.1:$port" --seconds "$seconds" --concurrency "$c" --ops "$ops" 2>/dev/null |
        grep '^| [A-Z]'
}

report() {
    # | op | concurrency | quotas | transport | requests/s | p50 | p99 | errors |
    local label=$1
    awk -F'|' -v label="$label" '{gsub(/ /, "", $6); gsub(/ /, "", $8); gsub(/ /, "", $9);
        printf "%-10s %-18s req/s %8s  p99 ms %7s  errors %s\n", label, $2, $6, $8, $9}'
}

echo "rounds=$rounds seconds=$seconds concurrency=$concurrency ops=$ops binary=$binary"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
    echo "# round $round"
    # SQLite.
    read -r port pid < <(start "$work/sqlite$round" sqlite)
    pids+=("$pid")
    bench "$port" "$work/sqlite$round" "$concurrency" | report sqlite
    kill "$pid"; wait "$pid" 2>/dev/null || true

    # PostgreSQL, one node.
    new_schema "one$round"
    read -r port pid < <(start "$work/pg$round" "$schema_url")
    pids+=("$pid")
    bench "$port" "$work/pg$round" "$concurrency" | report postgres
    kill "$pid"; wait "$pid" 2>/dev/null || true

    # PostgreSQL, two nodes on one schema and one root key.
    new_schema "two$round"
    read -r port1 pid1 < <(start "$work/n1_$round" "$schema_url")
    pids+=("$pid1")
    mkdir -p "$work/n2_$round"
    cp -a "$work/n1_$round/data" "$work/n2_$round/data"
    # Its own node id (and audit chain): two running nodes may not share one.
    rm -f "$work/n2_$round/data/node_id"
    read -r port2 pid2 < <(start "$work/n2_$round" "$schema_url")
    pids+=("$pid2")
    half=$(( (concurrency + 1) / 2 ))
    bench "$port1" "$work/n1_$round" "$half" >"$work/n1_$round/rows" &
    b1=$!
    bench "$port2" "$work/n2_$round" "$half" >"$work/n2_$round/rows" &
    b2=$!
    wait "$b1" "$b2"
    report "node 1/2" <"$work/n1_$round/rows"
    report "node 2/2" <"$work/n2_$round/rows"
    paste -d'|' "$work/n1_$round/rows" "$work/n2_$round/rows" | awk -F'|' '{a=$6; b=$16; gsub(/ /,"",a); gsub(/ /,"",b);
        printf "%-10s %-18s req/s %8.0f\n", "2 nodes", $2, a + b}'
    kill "$pid1" "$pid2"; wait "$pid1" "$pid2" 2>/dev/null || true
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
