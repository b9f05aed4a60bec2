#!/usr/bin/env bash
# What the request-quota check costs per KMS Encrypt, counted in instructions rather than timed.
#
#   scripts/quota-cost.sh [TRENT_BINARY] [REQUESTS]
#
# Runs `trent server` under valgrind's callgrind twice, once with `[quotas] enabled = false`
# and once with AWS's default table (nothing is throttled at this rate, so every request pays
# the check), drives each with REQUESTS sequential Encrypt calls of 64 bytes from boto3 after a
# warm-up, and reports the server's instructions per request over exactly those calls
# (callgrind's counters are zeroed before them and dumped after). Instruction counts do not
# depend on what else the machine runs, which timed runs on this shared 2-core VM cannot
# resolve below about 10% (BENCHMARKS.md). Set QUOTA_COST_DIR to keep the callgrind files
# (`callgrind_annotate --inclusive=yes` on the quotas-on one shows `RequestQuotas::admit` and
# `settle`).
#
# Needs valgrind and boto3 (`.venv/bin` on PATH). Takes about a minute per run.
set -euo pipefail
. "$(dirname "$0")/callgrind-server.sh"

binary=${1:-target/release/trent}
requests=${2:-2000}
work=${QUOTA_COST_DIR:-$(mktemp -d)}
[ -n "${QUOTA_COST_DIR:-}" ] || trap 'rm -rf "$work"' EXIT

run_one() {
    local mode=$1 enabled=$2
    local dir=$work/$mode
    callgrind_server_start "$binary" "$dir" "$enabled"
    callgrind_client "$requests" <<'EOF'
from callgrind_client import clients, measure
(kms,) = clients("kms")
key = kms.create_key()["KeyMetadata"]["KeyId"]
plaintext = b"x" * 64
measure({"measured": lambda: kms.encrypt(KeyId=key, Plaintext=plaintext)})
EOF
    callgrind_server_stop
    local total
    total=$(callgrind_dump_total "$dir" measured)
    printf '%s\t%s\n' "$mode" "$total"
}

off=$(run_one off false)
on=$(run_one on true)
python3 - "$requests" "$off" "$on" <<'EOF'
import sys
n = int(sys.argv[1])
rows = [line.split("\t") for line in sys.argv[2:]]
per = {mode: int(total) / n for mode, total in rows}
print(f"{n} sequential Encrypt requests of 64 bytes per run, server instructions per request (callgrind)")
print(f"quotas off: {per['off']:,.0f}")
print(f"quotas on:  {per['on']:,.0f}  ({(per['on'] - per['off']) / per['off'] * 100:+.2f}%)")
print(f"the check: {per['on'] - per['off']:,.0f} instructions per request")
EOF
