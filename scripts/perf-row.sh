#!/usr/bin/env bash
# Where the server's CPU goes during one `trent bench` row, by thread and symbol: a `perf` sample
# of the server child, to compare two operations or two builds with scripts/perf-compare.py.
#
#   scripts/perf-row.sh TRENT_BINARY OP OUT [EVENTS_PER_REQUEST] [CONCURRENCY]
#
# Starts `trent bench --server-cpus 0 --client-cpus 1` of OP for 11 s and, 5 s in, samples the
# server child at 4,999 Hz for 4 s without call graphs (`OUT.data`). The requests served in those
# 4 s go to `OUT.req`: the audit events committed (the /metrics counter) divided by
# EVENTS_PER_REQUEST (1 for KMS calls; 2 for GetSecretValue and a decrypted GetParameter
# SecureString, which also record the on-behalf Decrypt). `perf` itself slows the server, so
# compare rows taken the same way, never with thread-cpu.sh's figures. Needs `perf` (Debian's
# linux-perf) and the right to sample a process (root, or perf_event_paranoid <= 1).
set -euo pipefail
bin=$1 op=$2 out=$3 per=${4:-1} c=${5:-64}
# shellcheck source=scripts/bench-row.sh
source "$(dirname "$0")/bench-row.sh"
bench_row_start "$bin" "$op" "$c" "$out.bench"
before=$(bench_row_metric trent_audit_commit_events_sum)
perf record -F 4999 -p "$server_pid" -o "$out.data" -- sleep 4 >/dev/null 2>&1
after=$(bench_row_metric trent_audit_commit_events_sum)
wait "$bench_pid"
echo $(((after - before) / per)) >"$out.req"
echo "$op: $(cat "$out.req") requests sampled; $out.data"
