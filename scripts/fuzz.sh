#!/usr/bin/env bash
# Runs Trent's libFuzzer targets (fuzz/, bodies in crates/trent-fuzz) for SECONDS each.
#
#   scripts/fuzz.sh [--dev] SECONDS [TARGET...]     every target, or only the ones named
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). The machine's stable toolchain is enough:
# RUSTC_BOOTSTRAP=1 unlocks the nightly flags cargo-fuzz passes (-Zsanitizer=address and the
# coverage instrumentation). Targets build once, in release with debug assertions and
# AddressSanitizer; `--dev` builds them unoptimised instead, in a third of the time, for a short
# smoke run (CI: `scripts/fuzz.sh --dev 15`) where fewer executions per second matter less than
# the build. Each run starts from the committed corpus (fuzz/corpus/TARGET), which it
# only reads; what libFuzzer discovers goes to a scratch corpus that is deleted afterwards.
# A crash, a leak, a timeout (10 s per input) or an allocation over 512 MB fails the target:
# its input is left in fuzz/artifacts/TARGET/ and the script exits 1 after running the rest.
# Make each such input a regression: copy it to fuzz/corpus/TARGET/regress-NAME (`cargo test`
# replays it) and add a unit test naming the hole next to the fix.
set -euo pipefail

profile=(--debug-assertions)
if [[ "${1:-}" == "--dev" ]]; then
    profile=(--dev --debug-assertions)
    shift
fi
if [[ $# -lt 1 || ! "$1" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 [--dev] SECONDS [TARGET...]" >&2
    exit 2
fi
seconds="$1"
shift
cd "$(dirname "$0")/../fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
    exit 2
fi
export RUSTC_BOOTSTRAP=1

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo "== building ${#targets[@]} targets (${profile[*]}, AddressSanitizer)"
for target in "${targets[@]}"; do
    cargo fuzz build "${profile[@]}" "$target"
done

failed=()
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target"
    log="$scratch/$target.log"
    echo "== $target: ${seconds}s"
    if cargo fuzz run "${profile[@]}" "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=16384 \
        >"$log" 2>&1; then
        grep -E '^(Done|#[0-9]+ *DONE)' "$log" | tail -n 1 || tail -n 1 "$log"
    else
        tail -n 80 "$log"
        failed+=("$target")
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "== failed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "== all ${#targets[@]} targets ran ${seconds}s without a finding"
