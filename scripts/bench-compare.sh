#!/usr/bin/env bash
# Compares the KMS request path of two `trent` binaries in one run on this machine.
#
#   scripts/bench-compare.sh OLD_TRENT NEW_TRENT [ROUNDS] [SECONDS] [CONCURRENCY]
#
# Each round starts each binary's server on a fresh data directory, pinned to CPU 0, and drives
# it with NEW_TRENT's `trent bench --endpoint-url` pinned to CPU 1 (the same client for both), for
# Encrypt of 64 bytes at CONCURRENCY requests in flight. Rounds alternate OLD and NEW so drift
# from other load hits both alike. For every run it prints requests per second (from the bench)
# and the server's CPU time per request (user + system from /proc, over the measured interval's
# requests): the second figure depends far less on what else the machine runs.
set -euo pipefail

old=${1:?old trent binary}
new=${2:?new trent binary}
rounds=${3:-3}
seconds=${4:-8}
concurrency=${5:-64}
ticks=$(getconf CLK_TCK)

run_one() {
    local label=$1 binary=$2
    local dir
    dir=$(mktemp -d)
    mkdir -m 700 "$dir/data"
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    taskset -c 0 "$binary" server --listen "127.0.0.1:$port" --data-dir "$dir/data" --log warn \
        >"$dir/out" 2>"$dir/err" &
    local pid=$!
    for _ in $(seq 1 600); do
        [ -f "$dir/data/credentials" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.05
    done
    local id secret
    id=$(sed -n 's/^aws_access_key_id = //p' "$dir/data/credentials")
    secret=$(sed -n 's/^aws_secret_access_key = //p' "$dir/data/credentials")
    local before after
    before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    local out
    out=$(AWS_ACCESS_KEY_ID=$id AWS_SECRET_ACCESS_KEY=$secret taskset -c 1 "$new" bench \
        --endpoint-url "http://127.0.0.1:$port" --seconds "$seconds" --concurrency "$concurrency" --ops encrypt)
    after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
    # The bench's table row: | Encrypt | concurrency | quotas | requests/s | p50 | p99 | errors |
    local rps
    rps=$(printf '%s\n' "$out" | awk -F'|' '/^\| Encrypt/ {gsub(/ /, "", $5); print $5; exit}')
    # Requests served over warm-up and measurement together (one second of warm-up).
    local served
    served=$(python3 -c "print(round(float('$rps') * ($seconds + 1)))")
    local cpu_us
    cpu_us=$(python3 -c "print(round(($after - $before) / $ticks * 1e6 / max($served, 1), 1))")
    printf '%s\t%s req/s\t%s µs CPU/request (server)\n' "$label" "$rps" "$cpu_us"
}

for round in $(seq 1 "$rounds"); do
    run_one "old#$round" "$old"
    run_one "new#$round" "$new"
done
