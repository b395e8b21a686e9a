"""The archive as the bot uses it: store + verifier + query log, off the event loop.

Discord's gateway heartbeat runs on the event loop, so every search, parse and
write runs in a thread. Writes go through one single-thread executor, so two
moderators adding files at once never interleave whole-file rewrites. The
verifier's in-memory index is shared by searches and by index updates after a
write; `_index_lock` keeps a search from reading it half-updated.
"""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

from bot.config import Config
from bot.querylog import LoggedMatch, QueryEntry, QueryLog, now_utc, querylog_path_for
from storage.errors import ImportFormatError
from storage.records import Source, content_hash
from storage.store import ArchiveStats, ArchiveStore, AuditEvent
from verifiers.report import Report

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class AddOutcome:
    added: list[Source] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "what: why", shown to the user


def open_store(config: Config) -> ArchiveStore:
    """The configured archive (the default one in the user's data dir when unset)."""
    path = Path(config.storage.path).expanduser() if config.storage.path else None
    try:
        from storage import sample
    except ImportError:
        sample = None
    opener = getattr(sample, "open_default_store", None) or getattr(sample, "open_store", None)
    if opener is not None:
        return opener(path)
    from storage.tinydb_store import TinyDBStore

    return TinyDBStore(path)


def make_verifier(store: ArchiveStore, config: Config) -> Any:
    from verifiers.engine import Verifier

    threshold = config.matching.threshold
    return Verifier(store) if threshold is None else Verifier(store, threshold=threshold)


class Archive:
    def __init__(self, store: ArchiveStore, verifier: Any, querylog: QueryLog, config: Config) -> None:
        self.store = store
        self.verifier = verifier
        self.querylog = querylog
        self.config = config
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="isnad-writer")
        self._index_lock = asyncio.Lock()

    @classmethod
    def open(cls, config: Config) -> "Archive":
        store = open_store(config)
        path = getattr(store, "path", None)
        return cls(store, make_verifier(store, config), QueryLog(querylog_path_for(path)), config)

    async def _write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, lambda: fn(*args, **kwargs))

    # --- reads ---------------------------------------------------------------

    async def verify(self, text: str) -> Report:
        async with self._index_lock:
            return await asyncio.to_thread(self.verifier.verify, text, limit=self.config.matching.limit)

    async def stats(self) -> ArchiveStats:
        return await asyncio.to_thread(self.store.stats)

    async def sources(self) -> list[Source]:
        return await asyncio.to_thread(lambda: list(self.store.sources()))

    async def get(self, source_id: str) -> Source | None:
        return await asyncio.to_thread(self.store.get, source_id)

    async def events(self, source_id: str | None = None) -> list[AuditEvent]:
        return await asyncio.to_thread(self.store.events, source_id)

    async def get_setting(self, key: str, default: Any = None) -> Any:
        return await asyncio.to_thread(self.store.get_setting, key, default)

    # --- writes --------------------------------------------------------------

    async def set_setting(self, key: str, value: Any) -> None:
        await self._write(self.store.set_setting, key, value)

    async def add_sources(self, sources: list[Source], *, by: str) -> AddOutcome:
        outcome = await self._write(_add_sources, self.store, sources, by)
        if outcome.added:
            async with self._index_lock:
                await asyncio.to_thread(self.verifier.add_sources, outcome.added)
        return outcome

    async def remove(self, source_id: str, *, by: str) -> Source | None:
        removed = await self._write(self.store.remove, source_id, by=by)
        if removed is not None:
            async with self._index_lock:
                await asyncio.to_thread(self.verifier.remove_source, source_id)
        return removed

    async def record_query(self, report: Report, *, guild_id: int | None, channel_id: int | None, via: str) -> None:
        entry = query_entry(report, guild_id=guild_id, channel_id=channel_id, via=via)
        await asyncio.to_thread(self.querylog.record, entry)

    async def close(self) -> None:
        """Flush: wait for queued writes, then close the store."""
        await asyncio.get_running_loop().run_in_executor(self._writer, self.store.close)
        self._writer.shutdown(wait=True)
        self.querylog.close()


def query_entry(report: Report, *, guild_id: int | None, channel_id: int | None, via: str) -> QueryEntry:
    best = None
    if report.matches:
        m = report.matches[0]
        best = LoggedMatch(source_id=m.source_id, title=m.title or m.publisher or m.source_id,
                           score=round(m.score, 1), url=m.url, date=m.date.iso(), handle=m.handle)
    conflicts = [{"title": c.match.title or c.match.publisher or c.match.source_id, "reason": c.reason}
                 for c in report.conflicts]
    return QueryEntry(at=now_utc().isoformat(), guild_id=guild_id, channel_id=channel_id,
                      claim=report.query[:1000], best=best, conflicts=conflicts, via=via)


def _add_sources(store: ArchiveStore, sources: list[Source], by: str) -> AddOutcome:
    """Ingest parsed sources (ids assigned as storage.ingest does) and say what happened."""
    try:
        from storage.ingest import ingest_sources
    except ImportError:
        ingest_sources = None
    if ingest_sources is not None:
        report = ingest_sources(store, sources, by=by)
        added = [s for s in (store.get(item.id) for item in report.added) if s is not None]
        skipped = [_skip_text(item) for item in report.skipped]
        return AddOutcome(added=added, skipped=skipped)
    for source in sources:  # storage.ingest not there yet: its documented id rule
        if not source.content_hash:
            source.content_hash = content_hash(_text_of(source))
        if not source.id:
            source.id = "src-" + source.content_hash[:12]
    result = store.add_many(sources, by=by)
    return AddOutcome(added=list(result.added), skipped=[f"{what}: {why}" for what, why in result.skipped])


def _text_of(source: Source) -> str:
    return "\n".join([p.text for p in source.passages] + [p.text for p in source.posts])


def _skip_text(item: Any) -> str:
    if isinstance(item, (tuple, list)):
        return ": ".join(str(x) for x in item if x not in (None, ""))
    return str(item)  # SkippedItem says where and why


def parse_upload(data: bytes, filename: str, allowed: tuple[str, ...]) -> tuple[list[Source], list[str]]:
    """Parse an uploaded file with the storage importers registry.

    Raises ImportFormatError with a one-line message for an unknown or
    unavailable type; returns the sources and the problems skipped.
    """
    from storage import importers

    ext = Path(filename).suffix.lower().lstrip(".")
    if ext not in allowed:
        raise UnsupportedType(ext, allowed)
    fmt = importers.detect_format(filename, data[:4096])
    parser = importers.get_parser(fmt)  # ImportFormatError when its module is missing
    result = parser(data, filename)
    problems = [(f"line {p.line}: " if p.line else "") + p.reason for p in result.problems]
    return list(result.sources), problems


class UnsupportedType(ImportFormatError):
    def __init__(self, ext: str, allowed: tuple[str, ...]) -> None:
        super().__init__(f".{ext} files are not accepted")
        self.ext = ext
        self.allowed = allowed
