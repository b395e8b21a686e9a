"""Versioned schema migrations for the PostgreSQL archive.

Each migration is a numbered SQL file in this package (`001_initial.sql`,
`002_….sql`, …). `apply_migrations` runs the ones a database has not had yet,
in order, in one transaction, and records each in `schema_version`; a failure
leaves the database as it was. Concurrent openers serialize on an advisory
lock, so two processes starting together cannot both migrate.

A database whose schema is newer than the newest file here was written by a
newer Isnad: SchemaVersionError, nothing touched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import psycopg
from psycopg import errors as pg_errors

from storage.errors import ForeignFileError, SchemaVersionError

# An arbitrary constant: the advisory lock every Isnad process takes to migrate.
MIGRATION_LOCK = 0x15_AD_0001

_FILE_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """The migrations shipped with this code, in version order."""
    found = []
    for entry in resources.files(__package__).iterdir():
        match = _FILE_RE.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"storage/migrations: versions must be 1..n without gaps, found {versions}")
    return found


def latest_version() -> int:
    return len(available_migrations())


def apply_migrations(
    conn: psycopg.Connection, migrations: list[Migration] | None = None, *, where: str = "the database"
) -> list[int]:
    """Bring the schema up to date; returns the versions applied (often none)."""
    migrations = available_migrations() if migrations is None else migrations
    known = migrations[-1].version if migrations else 0
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        current = _current_version(conn, where)
        if current > known:
            raise SchemaVersionError(
                f"{where} was written by a newer Isnad (archive schema {current}; this version knows "
                f"schema {known} and older). Upgrade Isnad to use it; nothing was changed."
            )
        applied = []
        for migration in migrations:
            if migration.version <= current:
                continue
            try:
                conn.execute(migration.sql)  # no parameters: may hold several statements
            except pg_errors.DuplicateTable as exc:
                raise ForeignFileError(
                    f"{where} already has tables that are not an Isnad archive ({exc.diag.message_primary}). "
                    "Nothing was changed; use an empty database."
                ) from None
            conn.execute(
                "INSERT INTO schema_version (version, name) VALUES (%s, %s)", (migration.version, migration.name)
            )
            applied.append(migration.version)
    return applied


def current_version(conn: psycopg.Connection) -> int:
    """The schema version recorded in the database (0 = not an Isnad archive yet)."""
    row = conn.execute(
        "SELECT to_regclass('schema_version') IS NOT NULL"
    ).fetchone()
    if not row or not row[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def _current_version(conn: psycopg.Connection, where: str) -> int:
    conn.execute(
        """CREATE TABLE IF NOT EXISTS schema_version (
               version    integer     PRIMARY KEY,
               name       text        NOT NULL,
               applied_at timestamptz NOT NULL DEFAULT now()
           )"""
    )
    return current_version(conn)
