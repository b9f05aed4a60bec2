#!/usr/bin/env bash
# The server's CPU per request, by thread, during one `trent bench` row: its own time, not the
# throughput, which on this shared 2-core VM moves by tens of percent from run to run.
#
#   scripts/thread-cpu.sh TRENT_BINARY OP [EVENTS_PER_REQUEST] [CONCURRENCY]
#
# Starts `trent bench --server-cpus 0 --client-cpus 1` of OP for 11 s, and 5 s in reads every
# thread's utime+stime of the server child (/proc/PID/task/*/stat, summed by thread name), its
# /metrics audit event and commit counts, its threads' context switches and CPU 0's idle time,
# twice 4 s apart. Requests are the audit events committed divided by EVENTS_PER_REQUEST (1 for
# KMS calls; 2 for GetSecretValue and a decrypted GetParameter SecureString, which also record
# the on-behalf Decrypt). Prints the requests per second, CPU 0's idle share, audit events per
# group commit, context switches per request and each busy thread's microseconds per request
# (user + kernel, with the kernel's part in parentheses).
set -euo pipefail
bin=$1 op=$2 per=${3:-1} c=${4:-64}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck source=scripts/bench-row.sh
source "$(dirname "$0")/bench-row.sh"
bench_row_start "$bin" "$op" "$c" "$log"
pid=$server_pid
snap() {
    for t in /proc/"$pid"/task/*; do
        echo "$(tr ' ' _ <"$t"/comm) $(awk '{print $14, $15}' "$t"/stat)"
    done | awk '{u[$1] += $2; s[$1] += $3} END {for (k in u) {print k, u[k] + s[k]; print "SYS:" k, s[k]}}'
    echo "EVENTS $(bench_row_metric trent_audit_commit_events_sum)"
    echo "COMMITS $(bench_row_metric trent_audit_commit_events_count)"
    awk '/^cpu0 / {print "IDLE", $5 + $6}' /proc/stat
    cat /proc/"$pid"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print "CS", s}'
}
a=$(snap)
sleep 4
b=$(snap)
wait "$bench_pid"
python3 - "$a" "$b" "$per" "$op" "$(getconf CLK_TCK)" <<'PY'
import sys
a, b, per, op, hz = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], float(sys.argv[5])
parse = lambda s: {l.split()[0]: float(l.split()[1]) for l in s.splitlines()}
a, b = parse(a), parse(b)
requests = (b.pop("EVENTS") - a.pop("EVENTS")) / per
idle = (b.pop("IDLE") - a.pop("IDLE")) / hz / 4 * 100
commits = b.pop("COMMITS") - a.pop("COMMITS")
switches = b.pop("CS") - a.pop("CS")
per_request = {k: (v - a.get(k, 0)) / hz * 1e6 / requests for k, v in b.items() if k in a or v}
system = {k[4:]: v for k, v in per_request.items() if k.startswith("SYS:")}
threads = {k: v for k, v in per_request.items() if not k.startswith("SYS:")}
line = [f"{op}: {requests / 4:.0f} req/s, CPU 0 idle {idle:.0f}%"]
line.append(f"{requests * per / max(commits, 1):.1f} events/commit, {switches / requests:.2f} context switches/request")
line += [f"{k} {us:.1f} (kernel {system.get(k, 0):.1f})" for k, us in sorted(threads.items()) if us > 0.5]
line.append(f"total {sum(threads.values()):.1f} µs/request")
print("  ".join(line))
PY
