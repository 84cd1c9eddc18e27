#!/bin/sh
# Runs every fuzz target for N seconds (default 60), one after the other, on
# fuzz/corpus/<target> (kept, not committed) seeded from fuzz/seeds/<target>.
# Crashes are written to fuzz/artifacts/<target>/; the script carries on and
# exits 1 if any target failed.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# cargo-fuzz needs nightly features: the stable toolchain allows them with
# RUSTC_BOOTSTRAP=1, set here. SANITIZER=none skips AddressSanitizer.
set -u
cd "$(dirname "$0")" || exit 2
secs=${1:-60}
[ $# -gt 0 ] && shift
export RUSTC_BOOTSTRAP=1
targets=${*:-$(cargo fuzz list)}
failed=""
for target in $targets; do
    mkdir -p "corpus/$target"
    seeds=""
    [ -d "seeds/$target" ] && seeds="seeds/$target"
    echo "== $target: ${secs}s"
    # shellcheck disable=SC2086 # $seeds is one directory or nothing
    if ! cargo fuzz run --sanitizer "${SANITIZER:-address}" "$target" "corpus/$target" $seeds -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1; then
        failed="$failed $target"
    fi
done
if [ -n "$failed" ]; then
    echo "failed:$failed (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
