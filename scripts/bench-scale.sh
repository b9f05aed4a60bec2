#!/usr/bin/env bash
# Issue 13's scale check on PostgreSQL: the same rows (Encrypt, Decrypt, ListKeys' first page,
# GetSecretValue, GetParameter) on an account holding 1,000 keys, secrets and parameters, and
# on one holding N of each (1,000,000 by default), alternating small and large in each round.
#
#   scripts/bench-scale.sh [TRENT_BINARY] [N] [ROUNDS] [SECONDS] [CONCURRENCY] [OPS]
#
# PostgreSQL comes from TRENT_BENCH_POSTGRES_URL (default: the machine's,
# postgres://postgres@127.0.0.1:5432/test). Each account gets a schema of its own, populated
# once before the rounds and dropped at the end. Populating through the API takes about 13
# minutes per million keys on SQLite (BENCHMARKS.md) and longer on PostgreSQL, so the
# population here is written by SQL, in one multi-row INSERT ... SELECT per table: each filler
# row is a copy of a real row made through the API (a key, a secret with its version, a
# parameter with its version) under a new key id or name. Filler keys are listed and looked up
# like any other but never used for cryptography (their wrapped material is bound to the
# template key's ARN and would not unwrap under theirs); the measured key, secret and
# parameters are the ones `trent bench` creates itself. One server per account, pinned to
# CPU 0, and the load generator pinned to CPU 1, as scripts/bench-storage.sh does.
set -euo pipefail

binary=${1:-target/release/trent}
large=${2:-1000000}
rounds=${3:-3}
seconds=${4:-5}
concurrency=${5:-1,64}
ops=${6:-encrypt,decrypt,list-keys,get-secret-value,get-parameter}
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"

# sql SCHEMA STATEMENTS: runs STATEMENTS with SCHEMA first on the search path; prints the rows.
sql() {
    PGOPTIONS="--client-min-messages=warning -c search_path=$1" psql -qAtX -v ON_ERROR_STOP=1 "$pg" -c "$2"
}

# as_admin DIR COMMAND...: runs COMMAND with DIR's administrator credentials.
as_admin() {
    local dir=$1
    shift
    AWS_ACCESS_KEY_ID=$(sed -n 's/^aws_access_key_id = //p' "$dir/data/credentials") \
        AWS_SECRET_ACCESS_KEY=$(sed -n 's/^aws_secret_access_key = //p' "$dir/data/credentials") \
        "$@"
}

# columns SCHEMA TABLE COLUMN EXPR: TABLE's columns in order, COLUMN replaced by EXPR.
columns() {
    sql "$1" "SELECT string_agg(CASE WHEN column_name = '$3' THEN '$4' ELSE quote_ident(column_name) END, ', '
              ORDER BY ordinal_position) FROM information_schema.columns
              WHERE table_schema = '$1' AND table_name = '$2'"
}

# populate PORT DIR SCHEMA COUNT: COUNT filler keys, secrets and parameters (less the templates).
populate() {
    local port=$1 dir=$2 schema=$3 count=$4 endpoint="http://127.0.0.1:$1" key n
    n=$((count - 1))
    key=$(as_admin "$dir" "$binary" kms create-key --endpoint-url "$endpoint" --output json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["KeyMetadata"]["KeyId"])')
    as_admin "$dir" "$binary" secrets create --endpoint-url "$endpoint" --name fill/template --secret-string filler >/dev/null
    as_admin "$dir" "$binary" params put --endpoint-url "$endpoint" /fill/template --value filler --type String >/dev/null
    local started=$SECONDS
    sql "$schema" "
        CREATE TEMP TABLE ids AS SELECT gen_random_uuid()::text AS id FROM generate_series(1, $n);
        INSERT INTO kms_keys SELECT $(columns "$schema" kms_keys key_id ids.id) FROM kms_keys, ids WHERE key_id = '$key';
        INSERT INTO kms_key_materials SELECT $(columns "$schema" kms_key_materials key_id ids.id)
            FROM kms_key_materials, ids WHERE key_id = '$key';
        CREATE TEMP TABLE names AS SELECT 'fill/' || i AS secret, '/fill/p' || i AS param FROM generate_series(1, $n) AS i;
        INSERT INTO secrets SELECT $(columns "$schema" secrets name names.secret) FROM secrets, names WHERE name = 'fill/template';
        INSERT INTO secret_versions SELECT $(columns "$schema" secret_versions name names.secret)
            FROM secret_versions, names WHERE name = 'fill/template';
        INSERT INTO ssm_parameters SELECT $(columns "$schema" ssm_parameters name names.param)
            FROM ssm_parameters, names WHERE name = '/fill/template';
        INSERT INTO ssm_parameter_versions SELECT $(columns "$schema" ssm_parameter_versions name names.param)
            FROM ssm_parameter_versions, names WHERE name = '/fill/template';
        ANALYZE;" >/dev/null
    echo "populated $schema with $count keys, secrets and parameters in $((SECONDS - started)) s: $(sql "$schema" \
        "SELECT (SELECT count(*) FROM kms_keys) || ' keys, ' || (SELECT count(*) FROM secrets) || ' secrets, '
                || (SELECT count(*) FROM ssm_parameters) || ' parameters'")"
}

# bench PORT DIR: one `trent bench` against that server; prints its table rows.
bench() {
    as_admin "$2" taskset -c 1 "$binary" bench --endpoint-url "http://127.0.0.1:$1" --seconds "$seconds" --concurrency "$concurrency" \
        --ops "$ops" 2>/dev/null | grep '^| [A-Z]'
}

echo "N=$large rounds=$rounds seconds=$seconds concurrency=$concurrency ops=$ops binary=$binary"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A port pid
for size in 1000 "$large"; do
    new_schema "scale_$size"
    mkdir -p "$work/$size"
    # No request quotas: GetParameter's default (40 per second) would measure the quota.
    printf '[quotas]\nenabled = false\n' >"$work/$size/trent.toml"
    read -r port[$size] pid[$size] < <(start "$work/$size" "$schema_url" --config "$work/$size/trent.toml")
    pids+=("${pid[$size]}")
    populate "${port[$size]}" "$work/$size" "$schema" "$size"
done
for round in $(seq 1 "$rounds"); do
    for size in 1000 "$large"; do
        echo "# round $round, $size of each"
        bench "${port[$size]}" "$work/$size" | sed "s/^/$size /"
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
