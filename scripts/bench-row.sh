# Sourced by scripts/thread-cpu.sh and scripts/perf-row.sh: one `trent bench` row to look at
# from outside while it runs.
#
# bench_row_start BINARY OP CONCURRENCY LOG: starts `trent bench --server-cpus 0 --client-cpus 1`
# of OP for 11 s (output to LOG), waits 5 s into it and sets bench_pid (the bench), server_pid
# (the server child it started) and server_port.
bench_row_start() {
    local bin=$1 op=$2 c=$3 log=$4
    "$bin" bench --server-cpus 0 --client-cpus 1 --seconds 11 --concurrency "$c" --ops "$op" >"$log" 2>&1 &
    bench_pid=$!
    sleep 5
    server_pid=$(pgrep -n -f "^$bin server")
    server_port=$(ss -ltnp | grep "pid=$server_pid," | awk '{print $4}' | sed 's/.*://' | head -1)
}

# bench_row_metric NAME: the value of the server's /metrics series NAME (labels ignored), whole.
bench_row_metric() {
    curl -s "http://127.0.0.1:$server_port/metrics" |
        awk -v name="$1" '{series = $1; sub(/\{.*/, "", series)} series == name {printf "%d\n", $2}'
}
