"""Open an archive from what the user configured: a file path or a URL.

    ~/isnad/archive.json, tinydb://~/isnad/archive.json   -> TinyDBStore (one JSON file)
    postgresql://user@host:5432/isnad  (or postgres://)   -> PostgresStore (shared by processes)
    memory:                                               -> TinyDBStore(None), nothing saved

The PostgreSQL backend is imported only when asked for, so a TinyDB user
never needs psycopg to import anything.
"""
from __future__ import annotations

import re
from os import PathLike
from pathlib import Path

from storage.errors import ArchiveError
from storage.store import ArchiveStore

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_postgres_url(target: str | PathLike[str] | None) -> bool:
    return isinstance(target, str) and _scheme(target) in POSTGRES_SCHEMES


def open_store(target: str | PathLike[str] | None) -> ArchiveStore:
    """The store `target` names; ArchiveError (one line) if it cannot be opened."""
    if target is None or target == "memory:":
        from storage.tinydb_store import TinyDBStore

        return TinyDBStore(None)
    if isinstance(target, PathLike):
        target = str(target)
    if _scheme(target) in POSTGRES_SCHEMES:
        from storage.postgres_store import PostgresStore

        return PostgresStore(target)
    from storage.tinydb_store import TinyDBStore

    return TinyDBStore(archive_file_path(target))


def archive_file_path(target: str) -> Path:
    """The TinyDB file a user-given location names (a path or tinydb://PATH),
    or an ArchiveError, before anything is created: an unknown URL scheme, or
    `memory:` where an archive must persist (what is acknowledged there is
    gone when the process exits)."""
    scheme = _scheme(target)
    if target.strip().lower() == "memory:":
        raise ArchiveError(
            "memory: keeps nothing after this command; give an archive file path or a postgresql:// URL"
        )
    if scheme == "tinydb":
        target = target[len("tinydb://"):]
    elif scheme is not None:
        raise ArchiveError(
            f"unknown archive URL scheme {scheme!r}: use a file path, tinydb://PATH or postgresql://…"
        )
    if not target.strip():
        raise ArchiveError("the archive location is empty: give a file path or a postgresql:// URL")
    if "\x00" in target:
        raise ArchiveError("the archive location contains a NUL character")
    return Path(target).expanduser()


def describe(target: str | PathLike[str] | None) -> str:
    """The target as shown to a user (a database URL without its password)."""
    if is_postgres_url(target):
        from storage.postgres_store import describe_url

        return describe_url(str(target))
    return "an in-memory archive" if target in (None, "memory:") else str(target)


def _scheme(target: str) -> str | None:
    match = _SCHEME_RE.match(target)
    return match.group(1).lower() if match else None
