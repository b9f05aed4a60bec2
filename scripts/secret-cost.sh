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
TRENT_ENDPOINT="http://127.0.0.1:$cg_port" TRENT_CREDENTIALS="$work/data/credentials" \
    TRENT_PID=$cg_pid TRENT_REQUESTS=$requests python3 - <<'EOF'
import configparser, os, subprocess, boto3
creds = configparser.ConfigParser()
creds.read(os.environ["TRENT_CREDENTIALS"])
profile = creds[creds.sections()[0]]
args = dict(endpoint_url=os.environ["TRENT_ENDPOINT"], region_name="us-east-1",
            aws_access_key_id=profile["aws_access_key_id"], aws_secret_access_key=profile["aws_secret_access_key"])
kms = boto3.client("kms", **args)
sm = boto3.client("secretsmanager", **args)
key = kms.create_key()["KeyMetadata"]["KeyId"]
sm.create_secret(Name="cost/secret", SecretString="s" * 64)
plaintext = b"x" * 64
calls = {
    "encrypt": lambda: kms.encrypt(KeyId=key, Plaintext=plaintext),
    "get-secret-value": lambda: sm.get_secret_value(SecretId="cost/secret"),
}
pid, n = os.environ["TRENT_PID"], int(os.environ["TRENT_REQUESTS"])
for name, call in calls.items():
    for _ in range(200):  # warm-up: caches, connection
        call()
    subprocess.run(["callgrind_control", "-z", pid], check=True, stdout=subprocess.DEVNULL)
    for _ in range(n):
        call()
    subprocess.run(["callgrind_control", "-d", name, pid], check=True, stdout=subprocess.DEVNULL)
EOF
callgrind_server_stop
total() {
    callgrind_total "$(grep -l "^desc: Trigger: dump $1\$" "$work"/callgrind.out.* | head -1)"
}
python3 - "$requests" "$(total encrypt)" "$(total get-secret-value)" <<'EOF'
import sys
n, encrypt, gsv = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
print(f"{n} sequential requests of each, server instructions per request (callgrind)")
print(f"Encrypt:        {encrypt / n:,.0f}")
print(f"GetSecretValue: {gsv / n:,.0f}  ({gsv / encrypt:.2f}x Encrypt)")
EOF
