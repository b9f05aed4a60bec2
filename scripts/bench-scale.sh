#!/usr/bin/env bash
# Issue 13's scale check: the same rows (Encrypt, GetParameter, GetSecretValue, ListKeys' first
# page and a later one) on an account holding 1,000 keys, secrets and parameters, and on one
# holding N of each (1,000,000 by default), alternating small and large in each round (each
# going first in every other round), on SQLite or on PostgreSQL.
#
#   scripts/bench-scale.sh [TRENT_BINARY] [N] [ROUNDS] [SECONDS] [CONCURRENCY] [OPS] [STORAGE]
#
# STORAGE is `sqlite` or `postgres` (the default); PostgreSQL comes from
# TRENT_BENCH_POSTGRES_URL (default: the machine's, postgres://postgres@127.0.0.1:5432/test),
# one schema per account, dropped at the end (kept, with the work directory, under
# TRENT_BENCH_KEEP=DIR: a later run with the same DIR skips the fills; ROUNDS 0 only fills). Each account is filled once before the rounds by
# `trent admin fill` (its fill times are printed): keys, secrets and parameters made by the
# domain code as CreateKey, CreateSecret and PutParameter make them, written 10,000 per
# transaction by the store's own row writers, with every constraint, index and trigger in
# force. On PostgreSQL the tables are then `VACUUM ANALYZE`d, as autovacuum would do after such
# a load anyway (so that it does not do so during the rounds). One server per account, pinned
# to CPU 0, and the load generator pinned to CPU 1, as scripts/bench-storage.sh does.
# TRENT_BENCH_FILL=keys (or any comma-separated subset of keys,secrets,parameters) fills only
# those, for a check of one service's rows in less time.
set -euo pipefail

binary=${1:-target/release/trent}
large=${2:-1000000}
rounds=${3:-2}
seconds=${4:-5}
concurrency=${5:-1,64}
ops=${6:-encrypt,get-parameter,get-secret-value,list-keys,list-keys-later}
storage=${7:-postgres}
TRENT_BENCH_FILL=${TRENT_BENCH_FILL:-keys,secrets,parameters}
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"

# as_admin DIR COMMAND...: runs COMMAND with DIR's administrator credentials.
as_admin() {
    local dir=$1
    shift
    AWS_ACCESS_KEY_ID=$(sed -n 's/^aws_access_key_id = //p' "$dir/data/credentials") \
        AWS_SECRET_ACCESS_KEY=$(sed -n 's/^aws_secret_access_key = //p' "$dir/data/credentials") \
        "$@"
}

# bench PORT DIR: one `trent bench` against that server; prints its table rows.
bench() {
    as_admin "$2" taskset -c 1 "$binary" bench --endpoint-url "http://127.0.0.1:$1" --seconds "$seconds" --concurrency "$concurrency" \
        --ops "$ops" 2>/dev/null | grep '^| [A-Z]'
}

echo "storage=$storage N=$large rounds=$rounds seconds=$seconds concurrency=$concurrency ops=$ops binary=$binary"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A port pid
for size in 1000 "$large"; do
    mkdir -p "$work/$size"
    # No request quotas: GetParameter's default (40 per second) would measure the quota.
    printf '[quotas]\nenabled = false\n' >"$work/$size/trent.toml"
    if [ "$storage" = sqlite ]; then
        url=sqlite
    else
        new_schema "scale_$size"
        url=$schema_url
    fi
    read -r port[$size] pid[$size] < <(start "$work/$size" "$url" --config "$work/$size/trent.toml")
    pids+=("${pid[$size]}")
    if [ -f "$work/$size/filled" ]; then
        echo "$size of each: filled by an earlier run ($work/$size)"
        continue
    fi
    echo "load average before filling $size: $(cut -d' ' -f1-3 /proc/loadavg)"
    fill=()
    for kind in ${TRENT_BENCH_FILL//,/ }; do fill+=("--$kind" "$size"); done
    "$binary" admin fill --data-dir "$work/$size/data" --storage "$url" --config "$work/$size/trent.toml" "${fill[@]}"
    if [ "$storage" != sqlite ]; then
        started=$SECONDS
        PGOPTIONS="--client-min-messages=warning -c search_path=$schema" psql -qX "$pg" -c "VACUUM ANALYZE" >/dev/null
        echo "VACUUM ANALYZE of $schema: $((SECONDS - started)) s; its tables and indexes: $(psql -qAtX "$pg" -c \
            "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c JOIN pg_namespace n
             ON n.oid = c.relnamespace WHERE n.nspname = '$schema' AND c.relkind = 'r'")"
    else
        du -sh "$work/$size/data" | sed 's/^/data directory: /'
    fi
    touch "$work/$size/filled"
done
if [ "$rounds" = 0 ]; then
    echo "filled; no rounds asked"
    exit 0
fi
# The two accounts take turns going first, so that what one leaves behind (the database's
# dirty pages and WAL of its audit records, a warm cache) does not always fall on the same one.
order=(1000 "$large")
for round in $(seq 1 "$rounds"); do
    for size in "${order[@]}"; do
        echo "# round $round, $size of each, load average $(cut -d' ' -f1-3 /proc/loadavg)"
        bench "${port[$size]}" "$work/$size" | sed "s/^/$size /"
    done
    order=("${order[1]}" "${order[0]}")
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
