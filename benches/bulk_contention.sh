#!/usr/bin/env bash
# Sign-ins and token checks during bulk work (issue 27, part 1): an import of N
# pre-hashed users runs while `verify-token`, `authenticate` with the right
# password and `authenticate` with a wrong one, for another user, are run as
# whole processes every 100 ms; the same probes on an idle database first. On
# SQLite and on a throwaway PostgreSQL server started here (fsync on).
#
#   benches/bulk_contention.sh [N]      # N users imported, default 400000
#
#   USERDB_BIN=target/debug/userdb benches/bulk_contention.sh 20000
#       skips the release build (a smoke run of the script; debug figures)
#   INTERVAL=0.1                        seconds between probe rounds
#
# Prints, per engine and probe: runs, median and slowest (ms) idle and during
# the import, and slowest during / median idle (issue 27's goal: <= 3 for every
# probe on PostgreSQL, for verify-token on SQLite).
#
# The library's verify_token throughput with 1, 2 and 4 threads, each on its own
# PostgreSQL connection: USERDB_BENCH_PG_URL=postgres://... cargo bench --bench
# verify_token -- --threads (see benches/verify_token.rs).
# Needs jq and GNU time; run as root (the server runs as the postgres account).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-400000}
interval=${INTERVAL:-0.1}
if [ -n "${USERDB_BIN:-}" ]; then
    bin=$(realpath "$USERDB_BIN")
else
    cargo build --release --quiet --bin userdb
    bin=$(realpath "${CARGO_TARGET_DIR:-target}/release/userdb")
fi

. "$(dirname "$0")/pg_server.sh"

hash=$(head -1 tests/data/django-hash-vectors.jsonl | jq -r .encoded)
awk -v n="$n" -v h="$hash" 'BEGIN { print "email,first_name,last_name,is_staff,date_joined,password_hash"; for (i = 0; i < n; i++) printf "user%d@example.com,User,%d,false,2025-01-02T03:04:05Z,\"%s\"\n", i, i, h }' > "$work/users.csv"

pass="correct horse battery staple"
# The defaults. Each round's right password clears the wrong one's failure, so
# the address is never locked (a lock would refuse without a password check).
run() { env -i PATH="$PATH" HOME="$work" USER=bench USERDB_CONFIG=/dev/null USERDB_DB="$db" "$@"; }
now_ms() { date +%s%3N; }
# One probe: its wall time in ms appended to $work/<phase>-<probe>.ms. The
# answer is checked: a probe that fails when it should pass is a broken run.
probe() {
    local phase=$1 name=$2 expect=$3 stdin=$4; shift 4
    local start end code=0
    start=$(now_ms)
    printf '%s\n' "$stdin" | run "$bin" "$@" >/dev/null 2>"$work/probe.err" || code=$?
    end=$(now_ms)
    if [ "$code" != "$expect" ]; then
        echo "$name exited $code, not $expect: $(cat "$work/probe.err")" >&2
        exit 1
    fi
    echo $((end - start)) >> "$work/$phase-$name.ms"
}
round() {
    probe "$1" verify-token 0 "$token" verify-token
    probe "$1" auth-right 0 "$pass" authenticate probe@example.com --password-stdin
    probe "$1" auth-wrong 1 "wrong $pass" authenticate probe@example.com --password-stdin
}
stats() { sort -n "$1" | awk '{ a[NR] = $1 } END { printf "%d %d %d\n", NR, a[int((NR + 1) / 2)], a[NR] }'; }

for engine in sqlite postgres; do
    if [ "$engine" = sqlite ]; then
        db="$work/bench.sqlite3"
    else
        psql -c "CREATE DATABASE bench"
        db="postgres://postgres@127.0.0.1:$port/bench"
    fi
    rm -f "$work"/*.ms
    printf '%s\n' "$pass" | run "$bin" createuser probe@example.com --password-stdin >/dev/null 2>&1
    token=$(run "$bin" issue-token probe@example.com 2>/dev/null)
    for _ in $(seq 20); do round idle; sleep "$interval"; done

    start=$(now_ms)
    run "$bin" import "$work/users.csv" >/dev/null 2>"$work/import.err" &
    import_pid=$!
    while kill -0 "$import_pid" 2>/dev/null; do
        round during
        sleep "$interval"
    done
    wait "$import_pid" || { cat "$work/import.err" >&2; exit 1; }
    import_ms=$(($(now_ms) - start))

    echo "== $engine: import of $n users took $import_ms ms"
    printf '%-13s %5s %8s %8s %6s %8s %8s %18s\n' probe idle_n idle_med idle_max dur_n dur_med dur_max max_dur/med_idle
    for name in verify-token auth-right auth-wrong; do
        read -r in imed imax < <(stats "$work/idle-$name.ms")
        if [ -s "$work/during-$name.ms" ]; then
            read -r dn dmed dmax < <(stats "$work/during-$name.ms")
        else
            dn=0 dmed=0 dmax=0
        fi
        printf '%-13s %5d %8d %8d %6d %8d %8d %18s\n' "$name" "$in" "$imed" "$imax" "$dn" "$dmed" "$dmax" \
            "$(awk -v a="$dmax" -v b="$imed" 'BEGIN { printf "%.2f", (b ? a / b : 0) }')"
    done
done
