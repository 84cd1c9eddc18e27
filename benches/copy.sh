#!/usr/bin/env bash
# `userdb copy` against `userdb import` of the same users into the same engine,
# against a throwaway server started here (Debian's postgresql package; fsync
# stays on, as in production), release build, whole processes:
#
#   benches/copy.sh [USERS]        # 100000 unless given; CARGO_TARGET_DIR is honoured
#
#   (1) import of USERS pre-hashed users into an empty PostgreSQL database and
#       into a new SQLite file (best of 3 each)
#   (2) copy of that SQLite file to an empty PostgreSQL database, and of that
#       PostgreSQL database to a new SQLite file (best of 3 each)
#   (3) the ratios copy / import into the same engine (the goal is ≤ 1.5)
# Needs jq and bc; run as root (the server runs as the postgres account).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
target=${CARGO_TARGET_DIR:-target}
bin="$target/release/userdb"
cargo build --release --quiet

. "$(dirname "$0")/pg_server.sh"
secs() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
userdb=(env -i PATH="$PATH" HOME="$work" USERDB_CONFIG=/dev/null "$bin")

hash=$(head -1 tests/data/django-hash-vectors.jsonl | jq -r .encoded)
awk -v n="$n" -v h="$hash" 'BEGIN { print "email,first_name,last_name,is_staff,date_joined,password_hash"; for (i = 0; i < n; i++) printf "user%d@example.com,User,%d,false,2025-01-02T03:04:05Z,\"%s\"\n", i, i, h }' > "$work/users.csv"

echo "== (1) import of $n users (best of 3)"
import_pg=$(for _ in 1 2 3; do
    fresh importbench
    secs "${userdb[@]}" --db "$(url importbench)" import "$work/users.csv"
done | best)
import_sqlite=$(for i in 1 2 3; do
    secs "${userdb[@]}" --db "$work/import-$i.sqlite3" import "$work/users.csv"
done | best)
echo "import_postgres_s $import_pg"
echo "import_sqlite_s $import_sqlite"

echo "== (2) copy of the same $n users (and their $n audit rows), best of 3"
# The sources: the file imported above, and a database filled from it.
fresh source
"${userdb[@]}" --db "$work/import-1.sqlite3" copy --to "$(url source)" >/dev/null 2>&1
to_pg=$(for _ in 1 2 3; do
    fresh copybench
    secs "${userdb[@]}" --db "$work/import-1.sqlite3" copy --to "$(url copybench)"
done | best)
to_sqlite=$(for i in 1 2 3; do
    secs "${userdb[@]}" --db "$(url source)" copy --to "$work/copy-$i.sqlite3"
done | best)
echo "copy_sqlite_to_postgres_s $to_pg"
echo "copy_postgres_to_sqlite_s $to_sqlite"

echo "== (3) copy / import into the same engine (the goal is ≤ 1.5)"
echo "sqlite_to_postgres_over_import_postgres $(echo "scale=2; $to_pg / $import_pg" | bc)"
echo "postgres_to_sqlite_over_import_sqlite $(echo "scale=2; $to_sqlite / $import_sqlite" | bc)"
