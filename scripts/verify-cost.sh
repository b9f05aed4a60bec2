#!/usr/bin/env bash
# What one KMS Verify (and Sign) with an RSA_2048, ECC_NIST_P256, ECC_NIST_EDWARDS25519 and ML_DSA_65 key
# costs the server next to one Encrypt, counted in instructions rather than timed.
#
#   scripts/verify-cost.sh [TRENT_BINARY] [REQUESTS]
#
# Runs `trent server` under valgrind's callgrind (audit on, quotas off), creates a symmetric key
# and one SIGN_VERIFY key of each spec, signs a 64-byte message with each at set-up, warms each
# call up, then drives REQUESTS sequential calls of each row from boto3 (the rows of `trent
# bench --ops encrypt,verify-ecc-p256,verify-ed25519,...`), zeroing callgrind's counters before
# each series and dumping them after, and reports the server's instructions per request.
# Instruction counts do not depend on what else the machine runs (BENCHMARKS.md); they do not
# count the time a request waits (fsync, a thread hand-off). Set VERIFY_COST_DIR to keep the
# callgrind files: `callgrind_annotate --inclusive=yes FILE` shows what the signature primitive
# itself costs (aws-lc's `RSA_sign_pss_mgf1`, `ECDSA_do_verify`, `ED25519_verify`, `ml_dsa_*verify*`) inside the
# request.
#
# Needs valgrind and boto3 (`.venv/bin` on PATH). The warm-up is callgrind_client.py's.
set -euo pipefail
. "$(dirname "$0")/callgrind-server.sh"

binary=${1:-target/release/trent}
requests=${2:-500}
work=${VERIFY_COST_DIR:-$(mktemp -d)}
[ -n "${VERIFY_COST_DIR:-}" ] || trap 'rm -rf "$work"' EXIT

callgrind_server_start "$binary" "$work" false
callgrind_client "$requests" <<'PY'
from callgrind_client import clients, measure
(kms,) = clients("kms")
key = kms.create_key()["KeyMetadata"]["KeyId"]
message = b"m" * 64
calls = {"encrypt": lambda: kms.encrypt(KeyId=key, Plaintext=message)}
for name, spec, algorithm in [("rsa2048", "RSA_2048", "RSASSA_PSS_SHA_256"),
                              ("ecc-p256", "ECC_NIST_P256", "ECDSA_SHA_256"),
                              ("ed25519", "ECC_NIST_EDWARDS25519", "ED25519_SHA_512"),
                              ("ml-dsa65", "ML_DSA_65", "ML_DSA_SHAKE_256")]:
    signing = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    signature = kms.sign(KeyId=signing, Message=message, SigningAlgorithm=algorithm)["Signature"]
    calls[f"sign-{name}"] = (lambda k=signing, a=algorithm:
                             kms.sign(KeyId=k, Message=message, SigningAlgorithm=a))
    calls[f"verify-{name}"] = (lambda k=signing, a=algorithm, s=signature:
                               kms.verify(KeyId=k, Message=message, Signature=s, SigningAlgorithm=a))
measure(calls)
PY
callgrind_server_stop
rows=(encrypt sign-rsa2048 verify-rsa2048 sign-ecc-p256 verify-ecc-p256 sign-ed25519 verify-ed25519 sign-ml-dsa65 verify-ml-dsa65)
totals=()
for row in "${rows[@]}"; do totals+=("$row=$(callgrind_dump_total "$work" "$row")"); done
python3 - "$requests" "${totals[@]}" <<'PY'
import sys
n = int(sys.argv[1])
rows = dict(arg.split("=") for arg in sys.argv[2:])
encrypt = int(rows["encrypt"])
print(f"{n} sequential requests of each, server instructions per request (callgrind)")
for name, total in rows.items():
    total = int(total)
    print(f"{name:<18}{total / n:>12,.0f}  ({total / encrypt:.2f}x Encrypt)")
PY
