# Sourced by the benchmarks that need PostgreSQL: a throwaway server of
# Debian's postgresql package on a free loopback port (fsync on, as in
# production), removed at exit, and helpers to reach it. Sets `work` (a
# temporary folder the server's account owns) and `port`. Run as root: the
# server runs as the postgres account.
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d)
chown postgres "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg() { su postgres -s /bin/sh -c "$*"; }
as_pg "$pgbin/initdb -D $work/data -A trust -U postgres >/dev/null"
as_pg "$pgbin/pg_ctl -D $work/data -l $work/log -o '-p $port -k $work -c listen_addresses=127.0.0.1' start >/dev/null"
trap 'as_pg "$pgbin/pg_ctl -D $work/data -m immediate stop" >/dev/null 2>&1; rm -rf "$work"' EXIT
psql() { PGOPTIONS="-c client_min_messages=warning" command psql -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
url() { echo "postgres://postgres@127.0.0.1:$port/$1"; }
fresh() { psql -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"; }
best() { sort -n | head -1; }
