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
    TRENT_ENDPOINT="http://127.0.0.1:$cg_port" TRENT_CREDENTIALS="$dir/data/credentials" \
        TRENT_PID=$cg_pid TRENT_REQUESTS=$requests python3 - <<'EOF'
import configparser, os, subprocess, boto3
creds = configparser.ConfigParser()
creds.read(os.environ["TRENT_CREDENTIALS"])
profile = creds[creds.sections()[0]]
kms = boto3.client(
    "kms", endpoint_url=os.environ["TRENT_ENDPOINT"], region_name="us-east-1",
    aws_access_key_id=profile["aws_access_key_id"], aws_secret_access_key=profile["aws_secret_access_key"],
)
key = kms.create_key()["KeyMetadata"]["KeyId"]
plaintext = b"x" * 64
for _ in range(200):  # warm-up: caches, buckets, connection
    kms.encrypt(KeyId=key, Plaintext=plaintext)
pid = os.environ["TRENT_PID"]
subprocess.run(["callgrind_control", "-z", pid], check=True, stdout=subprocess.DEVNULL)
for _ in range(int(os.environ["TRENT_REQUESTS"])):
    kms.encrypt(KeyId=key, Plaintext=plaintext)
subprocess.run(["callgrind_control", "-d", "measured", pid], check=True, stdout=subprocess.DEVNULL)
EOF
    callgrind_server_stop
    local dump
    dump=$(ls "$dir"/callgrind.out.*.* 2>/dev/null | head -1)
    local total
    total=$(callgrind_total "$dump")
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
