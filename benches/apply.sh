#!/usr/bin/env bash
# `userdb apply` against import and export, whole-process timings of a release
# build (issue 15's two figures):
#
#   benches/apply.sh [N]        # N users, 10,000 by default
#
#   (1) apply of a file of N users with pre-hashed passwords into a new
#       database, beside `import` of the same N users (JSON Lines): apply must
#       be at least as fast;
#   (2) a no-op re-apply of the same file, beside `export --format jsonl` of
#       the same database: apply must take at most 3x as long.
# Needs hyperfine and jq.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
n=${1:-10000}
cargo build --release --quiet --bin userdb
bin="$target/release/userdb"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hash=$(head -1 tests/data/django-hash-vectors.jsonl | jq -r .encoded)
awk -v n="$n" -v h="$hash" 'BEGIN {
    print "[[groups]]\nname = \"staff\"\npermissions = [\"blog.add_post\"]\n"
    for (i = 0; i < n; i++)
        printf "[[users]]\nemail = \"user%d@example.com\"\nfirst_name = \"User\"\nlast_name = \"%d\"\npassword_hash = \"%s\"\n\n", i, i, h
}' > "$work/users.toml"
awk -v n="$n" -v h="$hash" 'BEGIN {
    for (i = 0; i < n; i++)
        printf "{\"email\":\"user%d@example.com\",\"first_name\":\"User\",\"last_name\":\"%d\",\"password_hash\":\"%s\"}\n", i, i, h
}' > "$work/users.jsonl"
run() { env -i PATH="$PATH" HOME="$work" USER=bench "$bin" --db "$work/db.sqlite3" "$@"; }
export -f run
export bin work

echo "== (1) $n new users with pre-hashed passwords: apply vs import"
hyperfine --runs 10 --prepare "rm -f $work/db.sqlite3*" --export-json "$work/create.json" \
    "env -i PATH=$PATH HOME=$work USER=bench $bin --db $work/db.sqlite3 apply $work/users.toml" \
    "env -i PATH=$PATH HOME=$work USER=bench $bin --db $work/db.sqlite3 import $work/users.jsonl"
jq -r '"apply / import = \(.results[0].median / .results[1].median * 100 | round / 100) (limit <= 1)"' \
    "$work/create.json"

echo
echo "== (2) a no-op re-apply of the same $n users vs export --format jsonl"
rm -f "$work"/db.sqlite3*
run apply "$work/users.toml" >/dev/null 2>&1
hyperfine --warmup 2 --runs 20 --export-json "$work/noop.json" \
    "env -i PATH=$PATH HOME=$work USER=bench $bin --db $work/db.sqlite3 apply $work/users.toml" \
    "env -i PATH=$PATH HOME=$work USER=bench $bin --db $work/db.sqlite3 export --format jsonl"
jq -r '"no-op apply / export = \(.results[0].median / .results[1].median * 100 | round / 100) (limit <= 3)"' \
    "$work/noop.json"
