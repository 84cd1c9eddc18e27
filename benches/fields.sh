#!/bin/sh
# Custom field queries on a database of 100,000 users, each with three custom
# fields (a choice, a unique integer, a date), measured with hyperfine (release).
#
#   benches/fields.sh [WORK_DIR]
#
# Times whole processes:
#   1. list-users --where on the unique field (index probe),
#   2. list-users --where on a choice shared by a fifth of the users, first 20,
#   3. show-user (the user's fields come with it: one primary-key probe),
#   4. list-users --search on the same user, a scan, for contrast,
#   5. createuser with --set on the unique field (checked, written, indexed).
set -eu
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
work="${1:-$(mktemp -d)}"
n=100000

cargo build --release --quiet
bin="$target/release/userdb"

cat > "$work/fields.toml" <<'TOML'
[fields.department]
type = "choice"
choices = ["Sales", "Ops", "R&D", "Support", "Legal"]
[fields.employee_no]
type = "integer"
unique = true
[fields.born]
type = "date"
TOML
export USERDB_DB="$work/fields-bench.sqlite3" USERDB_CONFIG="$work/fields.toml"
unset USERDB_NOW 2>/dev/null || true
rm -f "$USERDB_DB" "$USERDB_DB-wal" "$USERDB_DB-shm"

awk -v n="$n" 'BEGIN {
    split("Sales Ops R&D Support Legal", d, " ");
    print "email,first_name,department,employee_no,born";
    for (i = 1; i <= n; i++)
        printf "u%d@example.com,User%d,%s,%d,19%02d-%02d-%02d\n", i, i, d[i % 5 + 1], i, i % 100, i % 12 + 1, i % 28 + 1;
}' > "$work/fields-users.csv"
echo "== import of $n users with three custom fields (no passwords)"
hyperfine -N --runs 1 --prepare "rm -f $USERDB_DB $USERDB_DB-wal $USERDB_DB-shm" \
    "$bin import $work/fields-users.csv --format csv"
"$bin" import "$work/fields-users.csv" --format csv >/dev/null 2>&1 || true
test "$("$bin" --json list-users --where employee_no=77777 | grep -c '"employee_no": 77777')" = 1

echo "== list-users --where employee_no=77777 (unique field: index probe)"
hyperfine -N --warmup 5 --runs 50 "$bin --json list-users --where employee_no=77777"
echo "== list-users --where department=Legal --limit 20 (20,000 match)"
hyperfine -N --warmup 5 --runs 50 "$bin --json list-users --where department=Legal --limit 20"
echo "== show-user u77777@example.com (with its fields)"
hyperfine -N --warmup 5 --runs 50 "$bin --json show-user u77777@example.com"
echo "== list-users --search u77777@ (a scan of every user, for contrast)"
hyperfine -N --warmup 3 --runs 20 "$bin --json list-users --search u77777@"
echo "== createuser --set employee_no=… (unique check, write, index)"
"$bin" createuser new@example.com --no-password --set department=Ops --set employee_no=200000 2>/dev/null
hyperfine -N --warmup 3 --runs 30 \
    --prepare "$bin delete-user new@example.com --yes" \
    "$bin createuser new@example.com --no-password --set department=Ops --set employee_no=200000 --set born=2000-01-01"
