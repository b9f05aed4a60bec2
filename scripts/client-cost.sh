#!/usr/bin/env bash
# What one request costs `trent bench`'s own load generator (the client side: building the
# body, SigV4 signing, HTTP/1.1 over hyper, reading the answer), counted in instructions rather
# than timed. In the in-process two-core runs of BENCHMARKS.md the client shares the cores with
# the server, so every instruction it spends is taken from the server.
#
#   scripts/client-cost.sh [TRENT_BINARY] [OPS] [SHORT_SECONDS] [LONG_SECONDS]
#
# Starts `trent server` natively (audit on, quotas off), then for each operation of OPS
# (default `encrypt,get-secret-value,get-parameter-secure`) runs `trent bench --endpoint-url`
# against it under valgrind's callgrind twice, for SHORT_SECONDS (default 2) and LONG_SECONDS
# (default 8) of measurement at 64 in flight, and reads how many requests each run made from
# the server's `/metrics`. The difference of the two runs' instructions over the difference of
# their requests is the client's cost per request, without its start-up, the row's set-up
# (CreateKey, CreateSecret) or its warm-up, whatever the machine's load (which only changes how
# many requests fit in the seconds). Set CLIENT_COST_DIR to keep the callgrind files.
#
# Needs valgrind and curl.
set -euo pipefail

binary=${1:-target/release/trent}
ops=${2:-encrypt,get-secret-value,get-parameter-secure}
short=${3:-2}
long=${4:-8}
work=${CLIENT_COST_DIR:-$(mktemp -d)}
server_pid=
cleanup() {
    [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
    [ -n "${CLIENT_COST_DIR:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work"
mkdir -m 700 "$work/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listen = "127.0.0.1:%s"\n\n[quotas]\nenabled = false\n' "$port" >"$work/trent.toml"
"$binary" server --log warn --config "$work/trent.toml" --data-dir "$work/data" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 600); do
    [ -f "$work/data/credentials" ] && curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
    sleep 0.1
done
[ -f "$work/data/credentials" ] || { echo "the server did not start; see $work/server.err" >&2; exit 1; }
AWS_ACCESS_KEY_ID=$(awk -F' *= *' '/^aws_access_key_id/ {print $2; exit}' "$work/data/credentials")
AWS_SECRET_ACCESS_KEY=$(awk -F' *= *' '/^aws_secret_access_key/ {print $2; exit}' "$work/data/credentials")
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

# Every request the server has answered so far.
served() {
    curl -sf "http://127.0.0.1:$port/metrics" | awk '/^trent_requests_total/ {n += $NF} END {print n + 0}'
}

# run OP SECONDS: the client's instructions and the requests it made, on one line.
run() {
    local op=$1 seconds=$2 before after out
    out="$work/callgrind.$op.$seconds"
    before=$(served)
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$binary" bench --endpoint-url "http://127.0.0.1:$port" --ops "$op" --concurrency 64 --seconds "$seconds" \
        >"$work/bench.$op.$seconds.out" 2>"$work/bench.$op.$seconds.err"
    after=$(served)
    echo "$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(/,/, "", $1); print $1; exit}') $((after - before))"
}

echo "trent bench's client at 64 in flight, instructions per request (callgrind, ${long} s - ${short} s runs)"
for op in ${ops//,/ }; do
    read -r i1 r1 < <(run "$op" "$short")
    read -r i2 r2 < <(run "$op" "$long")
    python3 -c "import sys; i1, r1, i2, r2 = map(int, sys.argv[2:]); print(f'{sys.argv[1]:<22} {(i2 - i1) / (r2 - r1):>9,.0f}  ({r2 - r1} requests)')" \
        "$op" "$i1" "$r1" "$i2" "$r2"
done
