# Sourced by scripts/bench-storage.sh and scripts/bench-scale.sh (after they set `binary`): a
# work directory, the servers and PostgreSQL schemas a run starts and makes (stopped, dropped
# and removed on exit), and how to start a `trent server` pinned to CPU 0.

pg=${TRENT_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
# TRENT_BENCH_KEEP=DIR: the work directory is DIR and is kept on exit with its schemas, so that
# a later run with the same DIR takes up what this one made (scripts/bench-scale.sh then skips
# the fills it finds done).
keep=${TRENT_BENCH_KEEP:-}
if [ -n "$keep" ]; then
    mkdir -p "$keep"
    work=$(cd "$keep" && pwd)
else
    work=$(mktemp -d)
fi
pids=()
schemas=()

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "$keep" ] && return
    for schema in "${schemas[@]}"; do PGOPTIONS=--client-min-messages=warning psql -q "$pg" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start DIR STORAGE [SERVER ARGS...]: starts a server on DIR/data (which may already hold the
# root.key of a second node), prints "PORT PID".
start() {
    local dir=$1 storage=$2 port
    shift 2
    port=$(free_port)
    mkdir -p -m 700 "$dir/data"
    taskset -c 0 "$binary" server --listen "127.0.0.1:$port" --data-dir "$dir/data" --storage "$storage" "$@" \
        --log warn >"$dir/out" 2>"$dir/err" &
    local pid=$!
    for _ in $(seq 1 600); do
        [ -f "$dir/data/credentials" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.05
    done
    echo "$port $pid"
}

# new_schema NAME: makes the schema trent_bench_<pid>_NAME (dropped on exit) and sets
# `schema` to its name and `schema_url` to the PostgreSQL URL that puts it first on the search
# path. Not in a subshell: the schema must be remembered for the cleanup. With
# TRENT_BENCH_KEEP, the schema is trent_bench_keep_NAME, kept, and made only if missing.
new_schema() {
    if [ -n "$keep" ]; then
        schema="trent_bench_keep_$1"
        PGOPTIONS=--client-min-messages=warning psql -q "$pg" -c "CREATE SCHEMA IF NOT EXISTS $schema" >/dev/null
    else
        schema="trent_bench_$$_$1"
        PGOPTIONS=--client-min-messages=warning psql -q "$pg" -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null
    fi
    schemas+=("$schema")
    # libpq's URI options: this schema first on the search path.
    local sep='?'
    [[ $pg == *\?* ]] && sep='&'
    schema_url="${pg}${sep}options=-c%20search_path%3D$schema"
}
