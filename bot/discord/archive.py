"""The archive as the bot uses it: store + verifier + query log, off the event loop.

Discord's gateway heartbeat runs on the event loop, so every search, parse and
write runs in a thread. Writes go through one single-thread executor, so two
moderators adding files at once never interleave whole-file rewrites. The
verifier's in-memory index is shared by searches and by index updates after a
write; `_index_lock` keeps a search from reading it half-updated.

A PostgreSQL archive is shared with other processes (another bot, `isnad
ingest` run by hand). Then the index follows the database's change log
(`store.watch`), for this process's own writes too: one path keeps the index
in step, and after a write we wait until the watcher has applied it, so a
moderator who adds a source can verify against it at once.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from bot.config import Config
from bot.querylog import LoggedMatch, QueryEntry, QueryLog, now_utc, querylog_path_for
from storage.errors import ImportFormatError
from storage.records import PartialDate, Source, content_hash
from storage.store import ArchiveStats, ArchiveStore, AuditEvent
from verifiers.report import Report

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class AddOutcome:
    added: list[Source] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "what: why", shown to the user


def open_store(config: Config) -> ArchiveStore:
    """The configured archive: [storage] url (PostgreSQL) first, else the
    TinyDB file at path (the default one in the user's data dir when unset)."""
    from storage.sample import open_archive

    return open_archive(config.storage.url or config.storage.path)


def make_verifier(store: ArchiveStore, config: Config) -> Any:
    from verifiers.aliases import load_aliases
    from verifiers.engine import Verifier

    load_aliases(config.aliases_path())  # the moderators' names, as the CLI loads them
    threshold = config.matching.threshold
    verifier = Verifier(store) if threshold is None else Verifier(store, threshold=threshold)
    verifier.crosslang.start_background()  # embeds for English-Arabic matching; answers meanwhile
    return verifier


class LinkedPosts:
    """The archived posts that carry a status id or links, without passages.

    verifiers.tweet_links scans `store.sources()` for the tweet a link names,
    synchronously, inside the coroutine the bot awaits on its event loop. A
    full read of a big (or remote) archive there would stall the gateway, so
    the bot hands it this small in-memory directory instead, kept in step with
    the index. It is read and changed on the event loop only.
    """

    def __init__(self, sources: Iterable[Source] = ()) -> None:
        self._by_source: dict[str, Source] = {}
        self.add(sources)

    def add(self, sources: Iterable[Source]) -> None:
        for source in sources:
            posts = [p for p in source.posts if p.status_id or p.urls]
            if posts:
                self._by_source[source.id] = replace(source, passages=[], posts=posts)

    def remove(self, source_id: str) -> None:
        self._by_source.pop(source_id, None)

    def sources(self) -> list[Source]:
        return list(self._by_source.values())


class Archive:
    def __init__(self, store: ArchiveStore, verifier: Any, querylog: QueryLog, config: Config, *,
                 start_cursor: int | None = None, linked: LinkedPosts | None = None) -> None:
        self.store = store
        self.verifier = verifier
        self.querylog = querylog
        self.config = config
        self.linked = linked if linked is not None else LinkedPosts(store.sources())
        # The change-log position the index was built from (PostgreSQL only):
        # taken before the verifier read the store, so nothing falls between.
        self.start_cursor = start_cursor
        self._watcher: Any = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="isnad-writer")
        self._index_lock = asyncio.Lock()

    @classmethod
    def open(cls, config: Config) -> Archive:
        store = open_store(config)
        try:
            cursor = store.latest_cursor() if hasattr(store, "latest_cursor") else None
            verifier = make_verifier(store, config)
            linked = LinkedPosts(store.sources())
            querylog = QueryLog(querylog_path_for(getattr(store, "path", None)), store=store)
        except BaseException:
            store.close()
            raise
        return cls(store, verifier, querylog, config, start_cursor=cursor, linked=linked)

    @property
    def shared(self) -> bool:
        """A database other processes write to: the index follows its change log."""
        return self.start_cursor is not None and hasattr(self.store, "watch")

    async def _write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, lambda: fn(*args, **kwargs))

    # --- reads ---------------------------------------------------------------

    async def verify(self, text: str, claim_date: PartialDate | None = None) -> Report:
        limit = self.config.matching.limit
        async with self._index_lock:
            return await asyncio.to_thread(self.verifier.verify, text, limit=limit, claim_date=claim_date)

    async def verify_claim(self, text: str, fetcher: Any) -> Report:
        """A claim, following a tweet or t.co link the archive lacks (oEmbed,
        checked redirects) and verifying the tweet's own text, dated by it."""
        from verifiers.tweet_links import verify_claim

        return await verify_claim(self.verify, text, self.linked, fetcher)  # type: ignore[arg-type]

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

    async def find_url(self, url: str) -> str | None:
        """The id of the source archived from this page, if any."""
        from storage.fetch import find_source_by_url

        return await asyncio.to_thread(find_source_by_url, self.store, url)

    # --- writes --------------------------------------------------------------

    async def set_setting(self, key: str, value: Any) -> None:
        await self._write(self.store.set_setting, key, value)

    async def add_sources(self, sources: list[Source], *, by: str) -> AddOutcome:
        outcome = await self._write(_add_sources, self.store, sources, by)
        if outcome.added:
            await self._index_added(outcome.added)
        return outcome

    async def add_fetched(self, source: Source, *, asked_url: str, by: str) -> AddOutcome:
        """A page fetched from `asked_url`; skipped when the page (by the asked
        or its canonical URL) is archived already. Checked inside the serial
        write, so two moderators adding the same link add it once."""
        outcome = await self._write(_add_fetched, self.store, source, asked_url, by)
        if outcome.added:
            await self._index_added(outcome.added)
        return outcome

    async def remove(self, source_id: str, *, by: str) -> Source | None:
        removed = await self._write(self.store.remove, source_id, by=by)
        if removed is not None:
            if self.shared:
                await self._caught_up()
            else:
                async with self._index_lock:
                    await asyncio.to_thread(self.verifier.remove_source, source_id)
                    self.linked.remove(source_id)
        return removed

    async def _index_added(self, added: list[Source]) -> None:
        if self.shared:
            await self._caught_up()
            return
        async with self._index_lock:
            await asyncio.to_thread(self.verifier.add_sources, added)
            self.linked.add(added)

    async def record_query(self, report: Report, *, guild_id: int | None, channel_id: int | None, via: str) -> None:
        entry = query_entry(report, guild_id=guild_id, channel_id=channel_id, via=via)
        await asyncio.to_thread(self.querylog.record, entry)

    # --- following other processes (PostgreSQL) -------------------------------------

    def follow_changes(self, loop: asyncio.AbstractEventLoop, *, poll_interval: float = 5.0) -> None:
        """Start applying the change log to the index, from `start_cursor` on.
        Changes between that cursor and the index build are applied again,
        which is harmless: each change re-reads the source (remove, then add)."""
        if not self.shared or self._watcher is not None:
            return

        def on_change(change: Any) -> None:  # the watcher's thread
            source = self.store.get(change.source_id) if change.action == "add" else None
            # Blocking here keeps changes in order: the next one waits until this one is applied.
            asyncio.run_coroutine_threadsafe(self._apply(change.source_id, source), loop).result(timeout=120)

        self._watcher = self.store.watch(on_change, since=self.start_cursor, poll_interval=poll_interval)

    async def _apply(self, source_id: str, source: Source | None) -> None:
        async with self._index_lock:
            def update() -> None:
                self.verifier.remove_source(source_id)
                if source is not None:
                    self.verifier.add_sources([source])

            await asyncio.to_thread(update)
            self.linked.remove(source_id)
            if source is not None:
                self.linked.add([source])

    async def _caught_up(self, timeout: float = 10.0) -> None:
        """Wait until the watcher has applied every change up to now (our own write included)."""
        if self._watcher is None:
            return
        cursor = await asyncio.to_thread(self.store.latest_cursor)
        if not await asyncio.to_thread(self._watcher.wait_for, cursor, timeout):
            log.warning("the index is still catching up with the archive's change %s", cursor)

    def stop_following(self) -> None:
        if self._watcher is not None:
            watcher, self._watcher = self._watcher, None
            watcher.stop()

    async def close(self) -> None:
        """Stop following changes, wait for queued writes, then close the store."""
        await asyncio.to_thread(self.stop_following)
        await asyncio.to_thread(self.verifier.crosslang.stop_background)  # saves what it embedded
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._writer, self.verifier.save)  # what was added while running
        await loop.run_in_executor(self._writer, self.store.close)
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


def _add_fetched(store: ArchiveStore, source: Source, asked_url: str, by: str) -> AddOutcome:
    from storage.fetch import find_source_by_url

    for url in dict.fromkeys(u for u in (asked_url, source.url) if u):
        known = find_source_by_url(store, url)
        if known:
            return AddOutcome(skipped=[f"{asked_url}: already archived as {known}"])
    return _add_sources(store, [source], by)


async def fetch_page(fetcher: Any, url: str) -> Source:
    """Download a page with the shared fetcher, then parse it (HTML or PDF) in
    a thread: storage.fetch.fetch_source does both on the event loop, and a
    long PDF takes seconds to parse. Raises FetchError / ImportFormatError."""
    from storage.fetch import kind_of

    result = await fetcher.get(url, accept="text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5")
    kind = kind_of(result)

    def parse() -> Source:
        if kind == "pdf":
            from storage.importers.pdf import parse_pdf

            return parse_pdf(result.body, url=result.final_url)
        from storage.importers.html import parse_html

        return parse_html(result.body, url=result.final_url, charset=result.charset)

    return await asyncio.to_thread(parse)


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
