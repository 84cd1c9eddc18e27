#!/usr/bin/env bash
# PostgreSQL figures from one run, against a throwaway server started here
# (Debian's postgresql package; fsync stays on, as in production):
#
#   benches/postgres.sh            # CARGO_TARGET_DIR is honoured
#
#   (1) psql's \copy of 100,000 pre-hashed users into a table equivalent to
#       userdb's `users` (same columns, primary key and unique email_key index)
#   (2) `userdb import` of the same 100,000 users (whole process, release build),
#       and its ratio to (1); SQLite's import of the same file beside it
#   (3) whole-process `verify-token` with 100,000 users, PostgreSQL on loopback
#       beside SQLite (hyperfine)
#   (4) the library's verify_token throughput with 1, 2 and 4 threads, each on
#       its own connection to the server, and the ratio to one thread
# Needs jq and hyperfine; run as root (the server runs as the postgres account).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
bin="$target/release/userdb"
cargo build --release --quiet

. "$(dirname "$0")/pg_server.sh"
secs() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }

hash=$(head -1 tests/data/django-hash-vectors.jsonl | jq -r .encoded)
awk -v n=100000 -v h="$hash" 'BEGIN { print "email,first_name,last_name,is_staff,date_joined,password_hash"; for (i = 0; i < n; i++) printf "user%d@example.com,User,%d,false,2025-01-02T03:04:05Z,\"%s\"\n", i, i, h }' > "$work/users.csv"
awk -v n=100000 -v h="$hash" 'BEGIN { for (i = 0; i < n; i++) printf "user%d@example.com,user%d@example.com,User,%d,false,2025-01-02T03:04:05Z,\"%s\"\n", i, i, i, h }' > "$work/copy.csv"
chmod 644 "$work/users.csv" "$work/copy.csv"

echo "== (1) \\copy of 100,000 users into an equivalent table (best of 3)"
copy_s=$(for _ in 1 2 3; do
    fresh copybench
    psql -d copybench -c "CREATE TABLE users (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        email TEXT NOT NULL, email_key TEXT NOT NULL UNIQUE,
        password TEXT NOT NULL, first_name TEXT NOT NULL DEFAULT '', last_name TEXT NOT NULL DEFAULT '',
        is_active BOOLEAN NOT NULL DEFAULT TRUE, is_staff BOOLEAN NOT NULL DEFAULT FALSE,
        is_superuser BOOLEAN NOT NULL DEFAULT FALSE, date_joined TIMESTAMPTZ NOT NULL,
        last_login TIMESTAMPTZ, email_verified_at TIMESTAMPTZ)"
    start=$(date +%s.%N)
    psql -d copybench -c "\\copy users (email, email_key, first_name, last_name, is_staff, date_joined, password) FROM '$work/copy.csv' CSV"
    end=$(date +%s.%N)
    echo "$end - $start" | bc
done | best)
echo "copy_s $copy_s"

echo "== (2) userdb import of the same file (best of 3)"
import_s=$(for _ in 1 2 3; do
    fresh importbench
    secs env -i PATH="$PATH" HOME="$work" USERDB_DB="$(url importbench)" "$bin" import "$work/users.csv"
done | best)
sqlite_s=$(for i in 1 2 3; do
    secs env -i PATH="$PATH" HOME="$work" USERDB_DB="$work/import-$i.sqlite3" "$bin" import "$work/users.csv"
done | best)
echo "import_postgres_s $import_s"
echo "import_sqlite_s $sqlite_s"
echo "import_over_copy $(echo "scale=2; $import_s / $copy_s" | bc) (the limit is 3)"

echo "== (3) verify-token with 100,000 users: SQLite file and PostgreSQL on loopback"
db="$work/verify.sqlite3"
USERDB_BENCH_FIXTURE="$db" cargo bench --quiet --bench verify_token >/dev/null
fresh verifybench
env -i PATH="$PATH" HOME="$work" USERDB_DB="$db" "$bin" copy --to "$(url verifybench)"
token=$(cat "$db.token")
# The probes run with a scratch home; cargo (step 4) needs the real one.
real_home=$HOME
export USERDB_TOKEN="$token" HOME="$work" USERDB_CONFIG=/dev/null
hyperfine -N --warmup 5 --runs 50 \
    -n sqlite "env USERDB_DB=$db $bin verify-token" \
    -n postgres "env USERDB_DB=$(url verifybench) $bin verify-token"

echo "== (4) verify_token in process: 1, 2 and 4 threads, each on its own connection"
HOME="$real_home" USERDB_BENCH_PG_URL="$(url verifybench)" USERDB_BENCH_TOKENS="$db.tokens" \
    cargo bench --quiet --bench verify_token
