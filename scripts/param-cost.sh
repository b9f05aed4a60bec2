#!/usr/bin/env bash
# What one GetParameter (String, and SecureString with decryption) and one GetParametersByPath
# (a page of ten) cost the server next to one KMS Encrypt, counted in instructions rather
# than timed.
#
#   scripts/param-cost.sh [TRENT_BINARY] [REQUESTS]
#
# Runs `trent server` under valgrind's callgrind (audit on, quotas off), creates a KMS key, a
# 64-character String parameter, a 64-character SecureString under the account's AWS managed
# key `alias/aws/ssm`, and ten String parameters below one path (the rows of `trent bench
# --ops get-parameter,get-parameter-secure,get-parameters-by-path`), warms each call up, then
# drives REQUESTS sequential calls of each from boto3, zeroing callgrind's counters before
# each series and dumping them after, and reports the server's instructions per request.
# Instruction counts do not depend on what else the machine runs (BENCHMARKS.md); they do not
# count the time a request waits (fsync, a thread hand-off, the SQLite worker). Run it on two
# binaries to compare them. Set PARAM_COST_DIR to keep the callgrind files
# (`callgrind_annotate --inclusive=yes FILE` shows where the instructions went).
#
# Needs valgrind and boto3 (`.venv/bin` on PATH).
set -euo pipefail
. "$(dirname "$0")/callgrind-server.sh"

binary=${1:-target/release/trent}
requests=${2:-1000}
work=${PARAM_COST_DIR:-$(mktemp -d)}
[ -n "${PARAM_COST_DIR:-}" ] || trap 'rm -rf "$work"' EXIT

callgrind_server_start "$binary" "$work" false
callgrind_client "$requests" <<'PY'
from callgrind_client import clients, measure
kms, ssm = clients("kms", "ssm")
key = kms.create_key()["KeyMetadata"]["KeyId"]
value = "z" * 64
ssm.put_parameter(Name="/cost/string", Value=value, Type="String")
ssm.put_parameter(Name="/cost/secure", Value=value, Type="SecureString")
for i in range(10):
    ssm.put_parameter(Name=f"/cost/path/p{i:02}", Value=value, Type="String")
plaintext = b"x" * 64
measure({
    "encrypt": lambda: kms.encrypt(KeyId=key, Plaintext=plaintext),
    "get-parameter": lambda: ssm.get_parameter(Name="/cost/string"),
    "get-parameter-secure": lambda: ssm.get_parameter(Name="/cost/secure", WithDecryption=True),
    "get-parameters-by-path": lambda: ssm.get_parameters_by_path(Path="/cost/path", MaxResults=10),
})
PY
callgrind_server_stop
total() {
    callgrind_dump_total "$work" "$1"
}
python3 - "$requests" "$(total encrypt)" "$(total get-parameter)" "$(total get-parameter-secure)" \
    "$(total get-parameters-by-path)" <<'PY'
import sys
n, encrypt = int(sys.argv[1]), int(sys.argv[2])
print(f"{n} sequential requests of each, server instructions per request (callgrind)")
print(f"{'Encrypt':<34}{encrypt / n:>12,.0f}")
for label, total in [("GetParameter String", sys.argv[3]), ("GetParameter SecureString (decrypt)", sys.argv[4]),
                     ("GetParametersByPath (10)", sys.argv[5])]:
    total = int(total)
    print(f"{label:<34}{total / n:>12,.0f}  ({total / encrypt:.2f}x Encrypt)")
PY
