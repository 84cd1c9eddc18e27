#!/usr/bin/env bash
# How long can a server that trickles its greeting hold `send-otp`?
# Starts a TCP server on loopback that sends a banner continuation line every
# 2 s and never finishes, then times one send-otp against it with the default
# [email] timeout (30s) unless TIMEOUT is given.
#   benches/smtp_deadline.sh            # uses target/release/userdb (cargo build --release first)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${USERDB_BIN:-target/release/userdb}
timeout=${TIMEOUT:-30s}
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
python3 - "$dir/port" <<'PY' &
import socket, sys, threading, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
def trickle(c):
    try:
        while True:
            c.sendall(b"220-still warming up\r\n"); time.sleep(2)
    except OSError:
        pass
while True:
    c, _ = s.accept(); threading.Thread(target=trickle, args=(c,), daemon=True).start()
PY
server=$!
while [ ! -s "$dir/port" ]; do sleep 0.05; done
export USERDB_DB="$dir/users.sqlite3" USERDB_SECRET_KEY=$(printf 'k%.0s' {1..40}) \
  USERDB_EMAIL_HOST=127.0.0.1 USERDB_EMAIL_PORT=$(cat "$dir/port") USERDB_EMAIL_SECURITY=none \
  USERDB_EMAIL_TIMEOUT=$timeout
"$bin" createuser ada@example.com --no-password 2>/dev/null
start=$(date +%s.%N)
"$bin" send-otp ada@example.com && rc=0 || rc=$?
end=$(date +%s.%N)
echo "send-otp held for $(echo "$end - $start" | bc) s with [email] timeout = $timeout (exit $rc)"
