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

binary=${1:-target/release/trent}
requests=${2:-2000}
work=${QUOTA_COST_DIR:-$(mktemp -d)}
[ -n "${QUOTA_COST_DIR:-}" ] || trap 'rm -rf "$work"' EXIT

run_one() {
    local mode=$1 enabled=$2
    local dir=$work/$mode
    mkdir -p "$dir"
    mkdir -m 700 "$dir/data"
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf 'listen = "127.0.0.1:%s"\n\n[quotas]\nenabled = %s\n' "$port" "$enabled" >"$dir/trent.toml"
    valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out.%p" \
        "$binary" server --log warn --config "$dir/trent.toml" --data-dir "$dir/data" \
        >"$dir/out" 2>"$dir/err" &
    local pid=$!
    for _ in $(seq 1 1200); do
        [ -f "$dir/data/credentials" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    # The server process is valgrind's child under the same pid (valgrind execs the tool).
    TRENT_ENDPOINT="http://127.0.0.1:$port" TRENT_CREDENTIALS="$dir/data/credentials" \
        TRENT_PID=$pid TRENT_REQUESTS=$requests python3 - <<'EOF'
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
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    local dump
    dump=$(ls "$dir"/callgrind.out.*.* 2>/dev/null | head -1)
    local total
    total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(/,/, "", $1); print $1; exit}')
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
