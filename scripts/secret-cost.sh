#!/usr/bin/env bash
# What one GetSecretValue costs the server next to one KMS Encrypt, counted in instructions
# rather than timed.
#
#   scripts/secret-cost.sh [TRENT_BINARY] [REQUESTS]
#
# Runs `trent server` under valgrind's callgrind (audit on, quotas off), creates a KMS key and
# a 64-character secret under the account's AWS managed key, warms both up, then drives REQUESTS
# sequential Encrypt calls of 64 bytes and REQUESTS sequential GetSecretValue calls from boto3,
# zeroing callgrind's counters before each series and dumping them after, and reports the
# server's instructions per request of each. Instruction counts do not depend on what else the
# machine runs, which timed runs on this shared 2-core VM cannot resolve (BENCHMARKS.md); they
# do not count the time a request waits (fsync, a thread hand-off). Run it on two binaries to
# compare them. Set SECRET_COST_DIR to keep the callgrind files.
#
# Needs valgrind and boto3 (`.venv/bin` on PATH).
set -euo pipefail
. "$(dirname "$0")/callgrind-server.sh"

binary=${1:-target/release/trent}
requests=${2:-1000}
work=${SECRET_COST_DIR:-$(mktemp -d)}
[ -n "${SECRET_COST_DIR:-}" ] || trap 'rm -rf "$work"' EXIT

callgrind_server_start "$binary" "$work" false
callgrind_client "$requests" <<'EOF'
from callgrind_client import clients, measure
kms, sm = clients("kms", "secretsmanager")
key = kms.create_key()["KeyMetadata"]["KeyId"]
sm.create_secret(Name="cost/secret", SecretString="s" * 64)
plaintext = b"x" * 64
measure({
    "encrypt": lambda: kms.encrypt(KeyId=key, Plaintext=plaintext),
    "get-secret-value": lambda: sm.get_secret_value(SecretId="cost/secret"),
})
EOF
callgrind_server_stop
total() {
    callgrind_dump_total "$work" "$1"
}
python3 - "$requests" "$(total encrypt)" "$(total get-secret-value)" <<'EOF'
import sys
n, encrypt, gsv = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
print(f"{n} sequential requests of each, server instructions per request (callgrind)")
print(f"Encrypt:        {encrypt / n:,.0f}")
print(f"GetSecretValue: {gsv / n:,.0f}  ({gsv / encrypt:.2f}x Encrypt)")
EOF
