#!/bin/sh
# Wall time of the whole `userdb verify-token` process (release build) against a
# database of 100,000 users with one token each, measured with hyperfine.
#
#   benches/verify_token_process.sh [WORK_DIR]
#
# Builds the release binary, builds the fixture with the criterion bench's fixture
# mode (one transaction of direct inserts), then times:
#   1. a valid token (index probe + last_used_at and a token_used audit row, one
#      write transaction),
#   2. a well-formed unknown token (index probe, no write),
#   3. a mistyped token (checksum only: the database is not opened).
# The token is passed in USERDB_TOKEN (hyperfine -N runs without a shell, so no
# stdin redirection).
set -eu
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
work="${1:-$(mktemp -d)}"
db="$work/verify-token-bench.sqlite3"

cargo build --release --quiet
USERDB_BENCH_FIXTURE="$db" cargo bench --quiet --bench verify_token
bin="$target/release/userdb"
valid="$(cat "$db.token")"
unknown="$(cat "$db.unknown-token")"
# The valid token with one character changed: the checksum no longer matches.
malformed="$(printf '%s' "$valid" | sed 's/^\(udb_.\)./\1-/')"

# Isolate from the caller's configuration.
export USERDB_DB="$db" USERDB_CONFIG=/dev/null
unset USERDB_NOW 2>/dev/null || true

# Sanity: the valid token is accepted, the others are not.
USERDB_TOKEN="$valid" "$bin" verify-token >/dev/null
for bad in "$unknown" "$malformed"; do
    if USERDB_TOKEN="$bad" "$bin" verify-token 2>/dev/null; then
        echo "a bad token was accepted" >&2
        exit 1
    fi
done

echo "== valid token: index probe + last_used_at and token_used (one write transaction)"
USERDB_TOKEN="$valid" hyperfine -N --warmup 5 --runs 50 "$bin verify-token"
echo "== unknown, well-formed token: index probe, no write (exit 1)"
USERDB_TOKEN="$unknown" hyperfine -N -i --warmup 5 --runs 50 "$bin verify-token"
echo "== mistyped token: checksum only, the database is not opened (exit 1)"
USERDB_TOKEN="$malformed" hyperfine -N -i --warmup 5 --runs 50 "$bin verify-token"
