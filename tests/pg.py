"""Find or start the PostgreSQL server the storage tests run against.

Where the server comes from, first match wins:
1. `$ISNAD_TEST_PG_URL` (exported by `source .ci/postgres.sh`, or set by hand to
   any server where the URL's user may CREATE DATABASE);
2. PostgreSQL's binaries installed (Debian's /usr/lib/postgresql/*/bin): a
   throwaway cluster is started for this test session and stopped at exit;
3. neither: tests that need PostgreSQL skip, saying how to get one.

Every test gets its own new database (`fresh_database`), so tests never see
each other's rows or notifications, and it is dropped afterwards.
"""
from __future__ import annotations

import atexit
import functools
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

SKIP_MESSAGE = (
    "no PostgreSQL server for the tests: set ISNAD_TEST_PG_URL, run `source .ci/postgres.sh`, "
    "or install PostgreSQL (apt-get install postgresql)"
)


@functools.cache
def server_url() -> str | None:
    """The admin URL of the test server, starting one if need be; None if there is none."""
    url = os.environ.get("ISNAD_TEST_PG_URL")
    if url:
        return url
    return _start_throwaway_cluster()


def require_server() -> str:
    url = server_url()
    if url is None:
        pytest.skip(SKIP_MESSAGE)
    return url


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new empty database on the test server; yields its URL, drops it after."""
    import psycopg

    admin = require_server()
    name = f"isnad_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_dbname(admin, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_dbname(url: str, dbname: str) -> str:
    """The same server URL pointing at another database."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


def _start_throwaway_cluster() -> str | None:
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key)
    if not bindirs or not os.path.exists(os.path.join(bindirs[-1], "initdb")):
        return None
    bindir = bindirs[-1]
    workdir = tempfile.mkdtemp(prefix="isnad-pg-test.")
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(workdir, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data = os.path.join(workdir, "data")
    port = _free_port()
    subprocess.run(
        [*prefix, f"{bindir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
        check=True, capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {workdir} -c fsync=off -c synchronous_commit=off"
    subprocess.run(
        [*prefix, f"{bindir}/pg_ctl", "-D", data, "-l", f"{workdir}/server.log", "-w", "-t", "60", "-o", options, "start"],
        check=True, capture_output=True,
    )

    def stop() -> None:
        stopped = subprocess.run(
            [*prefix, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-t", "10", "stop"], capture_output=True
        )
        if stopped.returncode != 0:  # never leave a server behind: signal the postmaster itself
            try:
                with open(os.path.join(data, "postmaster.pid")) as handle:
                    os.kill(int(handle.readline()), signal.SIGQUIT)
            except (OSError, ValueError):
                pass
        shutil.rmtree(workdir, ignore_errors=True)

    atexit.register(stop)
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def _version_key(path: str) -> tuple[int, ...]:
    version = path.split("/")[-2]
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
