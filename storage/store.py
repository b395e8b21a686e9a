"""The small interface every archive backend implements.

The verifiers and the bot only talk to this interface, so a second backend
(PostgreSQL) can replace TinyDB without touching them.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.records import PartialDate, Passage, Post, Source


@dataclass(frozen=True)
class AuditEvent:
    """Who added or removed what, and when (ISO 8601 UTC)."""

    action: str  # "add" | "remove"
    source_id: str
    by: str
    at: str
    detail: str = ""


@dataclass(frozen=True)
class ArchiveStats:
    sources: int
    passages: int
    posts: int
    earliest: PartialDate | None
    latest: PartialDate | None


@dataclass
class AddResult:
    """What one add_many call did: ids added, and (id or title, reason) skipped."""

    added: list[Source] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


class ArchiveStore(ABC):
    """An archive of sources. Implementations must make every write atomic."""

    @abstractmethod
    def add_many(self, sources: Iterable[Source], *, by: str = "") -> AddResult:
        """Add sources in one write. A source whose content hash or id is already
        archived is skipped with a reason, never overwritten."""

    def add(self, source: Source, *, by: str = "") -> bool:
        return bool(self.add_many([source], by=by).added)

    @abstractmethod
    def get(self, source_id: str) -> Source | None: ...

    @abstractmethod
    def remove(self, source_id: str, *, by: str = "") -> Source | None:
        """Remove a source; returns it, or None if there was no such source."""

    @abstractmethod
    def sources(self) -> Iterator[Source]:
        """Every source, in the order they were added."""

    @abstractmethod
    def find_by_hash(self, content_hash: str) -> str | None:
        """The id of the source with this content hash, if any."""

    def find_by_url(self, url: str) -> str | None:
        """The id of the earliest archived source whose page is this URL
        (compared by storage.urls.url_key), if any. This default reads every
        source; the TinyDB and PostgreSQL stores answer from an index."""
        from storage.urls import url_key

        wanted = url_key(url)
        if not wanted:
            return None
        return next((s.id for s in self.sources() if s.url and url_key(s.url) == wanted), None)

    @abstractmethod
    def events(self, source_id: str | None = None) -> list[AuditEvent]:
        """The audit trail, oldest first, optionally for one source."""

    @abstractmethod
    def get_setting(self, key: str, default: Any = None) -> Any: ...

    @abstractmethod
    def set_setting(self, key: str, value: Any) -> None:
        """Small JSON-able settings that must survive restarts (digest config)."""

    def stats(self) -> ArchiveStats:
        sources = list(self.sources())
        dates = sorted(s.date for s in sources if s.date.known)
        return ArchiveStats(
            sources=len(sources),
            passages=sum(len(s.passages) for s in sources),
            posts=sum(len(s.posts) for s in sources),
            earliest=dates[0] if dates else None,
            latest=dates[-1] if dates else None,
        )

    def close(self) -> None:  # noqa: B027 (a default: a store with nothing to release keeps it)
        """Flush and release the store. Safe to call twice."""

    # --- for the search index (verifiers/index.py); defaults work on any backend ---

    def revision(self) -> str | None:
        """A token that changes whenever a source is added or removed, or None
        when the backend cannot tell (the index then compares `source_hashes`)."""
        return None

    def source_hashes(self) -> dict[str, str]:
        """source id -> content hash, for every source (to find what changed)."""
        return {s.id: s.content_hash for s in self.sources()}

    def get_item(self, item_id: str) -> tuple[Source, Passage | Post] | None:
        """One passage ("<source id>:p<n>") or post (":t<n>") with its source.
        The returned source's own passages/posts lists may be left empty."""
        source_id, _, local = item_id.rpartition(":")
        source = self.get(source_id)
        if source is None or local[:1] not in ("p", "t"):
            return None
        items = source.passages if local[0] == "p" else source.posts
        for item in items:
            if item.id == item_id:
                return source, item
        return None

    def get_items(self, item_ids: Iterable[str]) -> dict[str, tuple[Source, Passage | Post]]:
        """Several passages or posts at once (the verifier's candidates for one
        claim); ids not in the archive are left out. Backends with round trips
        override this to answer in one."""
        found = {item_id: self.get_item(item_id) for item_id in item_ids}
        return {item_id: got for item_id, got in found.items() if got is not None}

    def index_path(self) -> Path | None:
        """Where this archive's search index is kept on disk; None: rebuilt in memory at each start."""
        return None
