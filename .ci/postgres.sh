#!/usr/bin/env bash
# A throwaway PostgreSQL server for the storage tests.
#
#   source .ci/postgres.sh     # from .ci/run, before pytest
#
# Installs PostgreSQL from Debian's packages when it is missing, starts a new
# cluster in a temporary directory (trust auth, 127.0.0.1 on a free port, its
# unix socket inside that directory, fsync off: nothing here needs to survive
# a crash), and exports ISNAD_TEST_PG_URL for tests/pg.py. The server stops
# when the shell that sourced this script exits. Run as root (CI), the server
# runs as the `postgres` user, since PostgreSQL refuses to run as root.
# Executed instead of sourced, it prints the URL and leaves the server running.

_isnad_pg_main() {
    local bindir
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$bindir" ]; then
        echo "postgres.sh: installing PostgreSQL (apt-get)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
        bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi

    local dir port as_pg=()
    dir=$(mktemp -d /tmp/isnad-pg.XXXXXX)
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$dir"
        as_pg=(runuser -u postgres --)
    fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

    "${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; return 1; }
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        >/dev/null || { cat "$dir/server.log" >&2; return 1; }

    export ISNAD_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    export ISNAD_TEST_PG_DIR="$dir"
    _ISNAD_PG_STOP=("${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop)
    echo "postgres.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') at $ISNAD_TEST_PG_URL (data in $dir)" >&2
}

isnad_pg_stop() {
    if [ -n "${_ISNAD_PG_STOP+x}" ]; then
        "${_ISNAD_PG_STOP[@]}" >/dev/null 2>&1 || true
        rm -rf "${ISNAD_TEST_PG_DIR:?}"
        unset _ISNAD_PG_STOP ISNAD_TEST_PG_URL ISNAD_TEST_PG_DIR
    fi
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    _isnad_pg_main && trap isnad_pg_stop EXIT
else
    set -euo pipefail
    _isnad_pg_main
    echo "$ISNAD_TEST_PG_URL"
fi
