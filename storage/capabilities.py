"""What some archive backends can do beyond ArchiveStore, as small protocols.

Callers ask `isinstance(store, ChangeFeed)` instead of probing attributes, so
a backend states a capability by implementing its methods, and a type checker
sees the calls.

- ChangeFeed: other processes' writes can be followed (PostgreSQL's change log;
  TinyDB's audit events, read again when another process replaces the file).
- QueryLogStore: the archive keeps the bot's query log itself (PostgreSQL).
- SettingsDump: every setting at once (copying an archive).
- Restorable: a whole archive written in one transaction (copying into it).
- ArchiveFile: the archive is one local file (TinyDB); things kept beside it
  (the query log) are named after it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol, runtime_checkable

from storage.records import Source
from storage.store import AuditEvent


class Change(NamedTuple):
    """One entry of a change log."""

    cursor: int
    action: str  # "add" | "remove"
    source_id: str


class Watcher(Protocol):
    def wait_for(self, cursor: int, timeout: float) -> bool: ...
    def stop(self) -> None: ...


@runtime_checkable
class ChangeFeed(Protocol):
    def latest_cursor(self) -> int | None:
        """The newest change's cursor (0 for none): where to start following;
        None where there is nothing to follow (an in-memory TinyDB archive,
        which no other process can change)."""
        ...

    def watch(self, callback: Callable[[Change], None], *, since: int | None = None,
              poll_interval: float = 5.0) -> Watcher: ...


@runtime_checkable
class QueryLogStore(Protocol):
    def log_query(self, record: dict[str, Any]) -> None: ...

    def queries_since(self, ts: datetime | str | None,
                      until: datetime | str | None = None) -> list[dict[str, Any]]: ...

    def prune_queries(self, before: datetime | str) -> int: ...


@runtime_checkable
class SettingsDump(Protocol):
    def settings(self) -> dict[str, Any]: ...


@runtime_checkable
class Restorable(Protocol):
    def restore(self, sources: Iterable[Source], events: Iterable[AuditEvent], settings: dict[str, Any], *,
                progress: Callable[[int], None] | None = None) -> None: ...


@runtime_checkable
class ArchiveFile(Protocol):
    path: Path | None
