#!/usr/bin/env bash
# Import benchmarks, whole-process timings of a release build.
#
#   benches/import.sh            # CARGO_TARGET_DIR is honoured
#
# Figures:
#   (1) one argon2id hash at the defaults, single thread (benches/argon2.rs)
#   (2) `import` of 1,000 users with plain passwords at the defaults: wall time
#   (3) (2) / (1,000 x (1) / cores): how close the import is to the hashing ceiling
#   (4) `import` of 100,000 users with pre-hashed passwords: users per second
#   (4b) the same with five custom fields (one of each type, one unique) in the file
#   (4c) the same with two groups (of 1,000, made by a fixture first) and one direct
#        permission per user
#   (5) peak RSS (/usr/bin/time -v) of (4) against the same import of 10,000
# Needs hyperfine, jq and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}

bench_exe=$(cargo build --release --bin userdb --bench argon2 --message-format=json 2>/dev/null |
    jq -r 'select(.reason == "compiler-artifact" and .target.name == "argon2" and .executable != null) | .executable')
bin="$target/release/userdb"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The defaults: no USERDB_* from the caller's environment.
run() { env -i PATH="$PATH" HOME="$work" USER=bench "$@"; }

# A real Django argon2 hash (tests/data/django-hash-vectors.jsonl): kept as it is.
hash=$(head -1 tests/data/django-hash-vectors.jsonl | jq -r .encoded)
gen_plain() { awk -v n="$1" 'BEGIN { print "email,first_name,password"; for (i = 0; i < n; i++) printf "user%d@example.com,User %d,correct horse battery staple %d\n", i, i, i }'; }
gen_hashed() { awk -v n="$1" -v h="$hash" 'BEGIN { print "email,first_name,last_name,is_staff,date_joined,password_hash"; for (i = 0; i < n; i++) printf "user%d@example.com,User,%d,false,2025-01-02T03:04:05Z,\"%s\"\n", i, i, h }'; }
# (4b): the fields of README's example, every one given.
gen_fields() { awk -v n="$1" -v h="$hash" 'BEGIN { print "email,first_name,last_name,is_staff,date_joined,password_hash,department,employee_no,born,vip,nickname"; for (i = 0; i < n; i++) printf "user%d@example.com,User,%d,false,2025-01-02T03:04:05Z,\"%s\",%s,%d,19%02d-0%d-1%d,%s,Nick %d\n", i, i, h, (i % 2 ? "Sales" : "Ops"), i, i % 100, i % 9 + 1, i % 10, (i % 3 ? "false" : "true"), i }'; }
# (4c): 1,000 groups with a permission each, then users in two of them.
gen_groups() { awk -v n="$1" 'BEGIN { printf "["; for (i = 0; i < n; i++) printf "%s{\"model\": \"auth.group\", \"pk\": %d, \"fields\": {\"name\": \"group %d\", \"permissions\": [[\"view_thing%d\", \"app\", \"thing%d\"]]}}", (i ? ",\n" : "\n"), i + 1, i, i, i; print "\n]" }'; }
gen_members() { awk -v n="$1" -v h="$hash" 'BEGIN { print "email,first_name,last_name,is_staff,date_joined,password_hash,groups,user_permissions"; for (i = 0; i < n; i++) printf "user%d@example.com,User,%d,false,2025-01-02T03:04:05Z,\"%s\",\"group %d,group %d\",app.change_thing%d\n", i, i, h, i % 1000, (i * 7 + 1) % 1000, i % 1000 }'; }
cat > "$work/fields.toml" <<'TOML'
[fields.department]
type = "choice"
choices = ["Sales", "Ops"]
required = true
[fields.employee_no]
type = "integer"
unique = true
[fields.born]
type = "date"
[fields.vip]
type = "boolean"
default = false
[fields.nickname]
type = "text"
TOML
gen_plain 1000 > "$work/plain-1k.csv"
gen_fields 100000 > "$work/fields-100k.csv"
gen_hashed 10000 > "$work/hashed-10k.csv"
gen_hashed 100000 > "$work/hashed-100k.csv"
gen_groups 1000 > "$work/groups-1k.json"
gen_members 100000 > "$work/members-100k.csv"
cores=$(nproc)

echo "== (1) one argon2id hash, defaults, single thread"
"$bench_exe" --bench | tee "$work/hash.txt"
hash_ms=$(awk '/hash_ms_reused_median/ { print $2 }' "$work/hash.txt")
ceiling=$(awk '/hashes_per_s_all_cores/ { print $2 }' "$work/hash.txt")

echo
echo "== (2) import of 1,000 plain-text users (defaults, $cores hashing threads)"
hyperfine --runs 3 --prepare "rm -f $work/db.sqlite3*" --export-json "$work/plain.json" \
    "env -i PATH=$PATH HOME=$work USER=bench $bin --db $work/db.sqlite3 import $work/plain-1k.csv"
plain_s=$(jq '.results[0].mean' "$work/plain.json")
plain_min=$(jq '.results[0].min' "$work/plain.json")
plain_cpu=$(jq '.results[0].user + .results[0].system' "$work/plain.json")

echo
echo "== (3) ratio of (2) to 1,000 x (1) / cores (goal <= 1.15)"
awk -v t="$plain_s" -v h="$hash_ms" -v c="$cores" 'BEGIN {
    ideal = 1000 * h / 1000 / c
    printf "ideal %.3f s (1000 x %.2f ms / %d cores), measured %.3f s, ratio %.3f\n", ideal, h, c, t, t / ideal }'
awk -v t="$plain_min" -v h="$hash_ms" -v c="$cores" 'BEGIN {
    printf "best run %.3f s, ratio %.3f\n", t, t / (h / c) }'
# On a shared machine wall time measures the neighbours too; CPU time does not:
# the import's whole CPU time against 1,000 single-thread hashes.
awk -v cpu="$plain_cpu" -v h="$hash_ms" 'BEGIN {
    printf "CPU time (user + system) %.3f s against 1000 x %.2f ms = %.3f s: ratio %.3f\n", cpu, h, h, cpu / h }'
awk -v t="$plain_s" -v r="$ceiling" 'BEGIN {
    printf "against the measured all-cores ceiling (%.1f hashes/s): ideal %.3f s, ratio %.3f\n", r, 1000 / r, t * r / 1000 }'

echo
echo "== (4) import of 100,000 users with pre-hashed passwords (goal > 100,000 users/s)"
hyperfine --runs 5 --prepare "rm -f $work/db.sqlite3*" --export-json "$work/hashed.json" \
    "env -i PATH=$PATH HOME=$work USER=bench $bin --db $work/db.sqlite3 import $work/hashed-100k.csv"
hashed_s=$(jq '.results[0].mean' "$work/hashed.json")
awk -v t="$hashed_s" 'BEGIN { printf "%.0f users/s (mean %.3f s)\n", 100000 / t, t }'

echo
echo "== (4b) the same with five custom fields per user (one unique)"
hyperfine --runs 5 --prepare "rm -f $work/db.sqlite3*" --export-json "$work/fields.json" \
    "env -i PATH=$PATH HOME=$work USER=bench USERDB_CONFIG=$work/fields.toml $bin --db $work/db.sqlite3 import $work/fields-100k.csv"
fields_s=$(jq '.results[0].mean' "$work/fields.json")
awk -v t="$fields_s" 'BEGIN { printf "%.0f users/s (mean %.3f s)\n", 100000 / t, t }'

echo
echo "== (4c) the same with two groups (of 1,000) and one direct permission per user"
hyperfine --runs 5 --prepare "rm -f $work/db.sqlite3*; env -i PATH=$PATH HOME=$work USER=bench $bin --db $work/db.sqlite3 import $work/groups-1k.json" \
    --export-json "$work/members.json" \
    "env -i PATH=$PATH HOME=$work USER=bench $bin --db $work/db.sqlite3 import $work/members-100k.csv"
members_s=$(jq '.results[0].mean' "$work/members.json")
awk -v t="$members_s" 'BEGIN { printf "%.0f users/s (mean %.3f s)\n", 100000 / t, t }'

echo
echo "== (5) peak memory: 10,000 vs 100,000 pre-hashed users (goal: flat)"
for n in 10k 100k; do
    rm -f "$work"/db.sqlite3*
    run /usr/bin/time -v "$bin" --db "$work/db.sqlite3" import "$work/hashed-$n.csv" 2> "$work/time-$n.txt" >/dev/null
    printf "%-5s max RSS %s KiB\n" "$n" "$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time-$n.txt")"
done
rm -f "$work"/db.sqlite3*
run /usr/bin/time -v "$bin" --db "$work/db.sqlite3" import "$work/plain-1k.csv" 2> "$work/time-plain.txt" >/dev/null
printf "%-5s max RSS %s KiB (1,000 plain passwords, %d argon2 blocks of 19 MiB)\n" "plain" \
    "$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time-plain.txt")" "$cores"
