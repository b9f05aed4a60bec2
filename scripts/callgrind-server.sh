# Sourced by scripts/quota-cost.sh, scripts/secret-cost.sh and scripts/param-cost.sh:
# `trent server` under valgrind's callgrind, so that a script can zero and dump its counters
# around a series of requests (`callgrind_control -z` / `-d NAME` on $cg_pid) and read the
# instructions they cost. The client side, in Python, is scripts/callgrind_client.py.

# The folder of these scripts, for callgrind_client.py.
cg_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# callgrind_server_start BINARY DIR QUOTAS: starts BINARY's server on a free loopback port with
# DIR/data as its data directory and `[quotas] enabled = QUOTAS` (true or false), waits until it
# answers, and sets cg_port, cg_dir and cg_pid (valgrind execs the tool, so the pid is the
# server's).
callgrind_server_start() {
    local binary=$1 dir=$2 quotas=$3
    cg_dir=$dir
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

# callgrind_client REQUESTS: runs the Python on stdin against the server started last, with
# callgrind_client.py importable (`from callgrind_client import clients, measure`) and the
# server's endpoint, credentials file and pid and REQUESTS in its environment.
callgrind_client() {
    TRENT_ENDPOINT="http://127.0.0.1:$cg_port" TRENT_CREDENTIALS="$cg_dir/data/credentials" \
        TRENT_PID=$cg_pid TRENT_REQUESTS=$1 PYTHONPATH="$cg_lib${PYTHONPATH:+:$PYTHONPATH}" python3 -
}

# callgrind_total DUMP: the total instructions counted in one callgrind file.
callgrind_total() {
    callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(/,/, "", $1); print $1; exit}'
}

# callgrind_dump_total DIR NAME: the total instructions of the dump named NAME
# (`callgrind_control -d NAME`) among DIR's callgrind files.
callgrind_dump_total() {
    callgrind_total "$(grep -l "^desc: Trigger: dump $2\$" "$1"/callgrind.out.* | head -1)"
}
