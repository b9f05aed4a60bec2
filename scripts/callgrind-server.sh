# Sourced by scripts/quota-cost.sh, scripts/secret-cost.sh and scripts/param-cost.sh:
# `trent server` under valgrind's callgrind, so that a script can zero and dump its counters
# around a series of requests (`callgrind_control -z` / `-d NAME` on $cg_pid) and read the
# instructions they cost.

# callgrind_server_start BINARY DIR QUOTAS: starts BINARY's server on a free loopback port with
# DIR/data as its data directory and `[quotas] enabled = QUOTAS` (true or false), waits until it
# answers, and sets cg_port and cg_pid (valgrind execs the tool, so the pid is the server's).
callgrind_server_start() {
    local binary=$1 dir=$2 quotas=$3
    mkdir -p "$dir"
    mkdir -m 700 "$dir/data"
    cg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf 'listen = "127.0.0.1:%s"\n\n[quotas]\nenabled = %s\n' "$cg_port" "$quotas" >"$dir/trent.toml"
    valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out.%p" \
        "$binary" server --log warn --config "$dir/trent.toml" --data-dir "$dir/data" \
        >"$dir/out" 2>"$dir/err" &
    cg_pid=$!
    for _ in $(seq 1 1200); do
        [ -f "$dir/data/credentials" ] && (exec 3<>"/dev/tcp/127.0.0.1/$cg_port") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "the server under callgrind did not start; see $dir/err" >&2
    return 1
}

# callgrind_server_stop: stops the server started last (callgrind writes its final file).
callgrind_server_stop() {
    kill "$cg_pid"
    wait "$cg_pid" 2>/dev/null || true
}

# callgrind_total DUMP: the total instructions counted in one callgrind file.
callgrind_total() {
    callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(/,/, "", $1); print $1; exit}'
}
