#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the run store's tests, from Debian's postgresql package.
#   tests/services/postgres.sh start DIR   starts one with its data in DIR and prints its SQLAlchemy URL
#   tests/services/postgres.sh stop DIR    stops it
# .ci/run starts one before the tests and exports the URL as KTOKOVO_TEST_POSTGRES_URL; without that variable
# the tests start their own with this script.
set -euo pipefail
command=${1:?start or stop}
dir=${2:?a data directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
    echo "PostgreSQL's server is not installed: apt-get install postgresql (Debian); .ci/run does this" >&2
    exit 3
fi
as_owner() {  # the server refuses to run as root
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$command" in
start)
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
