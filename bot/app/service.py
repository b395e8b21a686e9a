"""IsnadService: the application every front end uses.

It owns the archive's store, the verifier (the retrieval index in memory), the
query log and, on an archive with a change feed (PostgreSQL or a TinyDB file),
the following of other processes' changes. Its methods are synchronous and thread-safe: an event-loop front end
(Discord) calls them through bot.app.aio.AsyncIsnad, which runs them off the
loop; the CLI and `isnad chat` call them directly.

Locks: `_index_lock` keeps a search from reading the index half-updated (the
verifier is shared by searches and by updates after a write); `_write_lock`
makes writes one at a time, so two moderators adding files at once never
interleave whole-file rewrites.

An archive with a change feed (PostgreSQL, or a TinyDB file) is shared with
other processes (another bot, `isnad ingest` run by hand). Then the index
follows its changes (`store.watch`), for this process's own writes too: one path keeps the index
in step, and after a write we wait until the watcher has applied it, so a
moderator who adds a source can verify against it at once.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from bot.app.archive import open_store
from bot.app.digest import DigestBook, DigestContent, DigestScope, build_content
from bot.app.languages import ServerLanguages
from bot.app.policy import PaceLimit, check_claim
from bot.app.sources import AddOutcome, add_parsed, download, parse_fetched
from bot.querylog import LoggedMatch, QueryEntry, QueryLog, querylog_path_for
from storage.capabilities import ArchiveFile, Change, ChangeFeed, Watcher
from storage.clock import utc_now
from storage.ingest import IngestReport, SkippedItem
from storage.records import PartialDate, Source
from storage.store import ArchiveStats, ArchiveStore, AuditEvent
from verifiers.report import Match, Note, Report

if TYPE_CHECKING:
    from datetime import datetime

    from bot.config import Config
    from storage.fetch import Fetcher, FetchSettings
    from verifiers.engine import Verifier
    from verifiers.screenshot import ImageReport

log = logging.getLogger(__name__)


def make_verifier(store: ArchiveStore, config: Config) -> Verifier:
    """The verifier over `store`, with the moderators' aliases and the configured threshold."""
    from bot.config import ConfigError
    from verifiers.aliases import load_aliases
    from verifiers.engine import DEFAULT_WORKERS, Verifier

    try:
        # The moderators' names: the saved index is built with them. load_aliases also
        # makes them the table of verifiers.stance and verifiers.conflicts.
        aliases = load_aliases(config.aliases_path())
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    matching = config.matching
    # No threshold configured: each language's own calibrated cuts (Verifier.cuts).
    return Verifier(store, aliases=aliases, workers=matching.workers or DEFAULT_WORKERS,
                    threshold=matching.threshold)


class IsnadService:
    def __init__(self, store: ArchiveStore, verifier: Verifier | None, querylog: QueryLog, config: Config, *,
                 start_cursor: int | None = None) -> None:
        self.store = store
        self._verifier = verifier  # built on first use when None (listing sources needs no index)
        self._verifier_lock = threading.Lock()
        self.querylog = querylog
        self.config = config
        # The change-log position the index was built from (an archive with a change feed):
        # taken before the verifier read the store, so nothing falls between.
        self.start_cursor = start_cursor
        pace = config.pace
        self.pace = PaceLimit(member_per_minute=pace.member_per_minute, member_burst=pace.member_burst,
                              server_per_minute=pace.server_per_minute, server_burst=pace.server_burst,
                              max_wait=pace.max_wait_seconds)
        self.languages = ServerLanguages(self)
        self.digests = DigestBook(self)
        self._watcher: Watcher | None = None
        self._index_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closed = False

    @classmethod
    def open(cls, config: Config, db: str | None = None, *, index: bool = True) -> IsnadService:
        """The archive the user named (bot.app.archive.resolve_archive). With
        `index`, the search index is loaded (or built) now, else on first use."""
        store = open_store(config, db)
        try:
            cursor = store.latest_cursor() if isinstance(store, ChangeFeed) else None
            verifier = make_verifier(store, config) if index else None
            querylog = QueryLog(querylog_path_for(store.path if isinstance(store, ArchiveFile) else None), store=store)
        except BaseException:
            store.close()
            raise
        return cls(store, verifier, querylog, config, start_cursor=cursor)

    @property
    def verifier(self) -> Verifier:
        """The verifier and its index (loaded, caught up or built on first use)."""
        if self._verifier is None:
            with self._verifier_lock:
                if self._verifier is None:
                    self._verifier = make_verifier(self.store, self.config)
        return self._verifier

    @property
    def shared(self) -> bool:
        """An archive with a change feed (PostgreSQL, or a TinyDB file): the index can follow
        other processes' writes."""
        return self.start_cursor is not None and isinstance(self.store, ChangeFeed)

    @property
    def following(self) -> bool:
        """The index follows the archive's change feed (a running bot): it then indexes our own writes too."""
        return self._watcher is not None

    # --- verifying ---------------------------------------------------------------

    def check_claim(self, text: str, user: Hashable | None = None, server: Hashable | None = None) -> float:
        """The claim policy: raises bot.app.policy.ClaimRefused for an empty or
        too long claim. With `user`, books the claim's turn under the pace
        limits and returns the seconds it must wait in the queue (0 = now);
        refused only when the queue is longer than [pace] max_wait_seconds."""
        check_claim(text, self.config.discord.max_claim_length)
        return self.pace.reserve(user, server) if user is not None else 0.0

    def verify(self, text: str, *, claim_date: PartialDate | None = None, limit: int | None = None,
               min_score: float | None = None, claim_handle: str | None = None, all_passages: bool = False) -> Report:
        """`all_passages`: every matching passage and post, not one per source (verifiers.engine)."""
        limit = self.config.matching.limit if limit is None else limit
        with self._index_lock:
            return self.verifier.verify(text, limit=limit, min_score=min_score, claim_date=claim_date,
                                        claim_handle=claim_handle, all_passages=all_passages)

    def verify_image(self, data: bytes, *, name: str = "the image", limit: int | None = None,
                     min_score: float | None = None) -> ImageReport:
        """A claim sent as an image (a tweet screenshot): read it (OCR), then
        verify the tweet with its handle and date. Raises storage.images.ImageError,
        verifiers.ocr.OcrUnavailable, verifiers.screenshot.NoTextInImage."""
        from storage.images import check_kind, read_image
        from verifiers.ocr import ensure_available
        from verifiers.screenshot import verify_screenshot

        ocr = self.config.ocr
        check_kind(data, name=name, max_bytes=ocr.max_bytes)  # a file that is no image: said first
        ensure_available(self.config.ocr.settings())  # then, before decoding, what to install
        image = read_image(data, name=name, max_bytes=ocr.max_bytes, max_pixels=ocr.max_pixels)

        def verify(text: str, claim_date: PartialDate | None, handle: str | None) -> Report:
            return self.verify(text, claim_date=claim_date, claim_handle=handle, limit=limit, min_score=min_score)

        return verify_screenshot(image, verify, settings=self.config.ocr.settings(),
                                 max_length=self.config.discord.max_claim_length)

    def verify_many(self, texts: list[str], *, limit: int | None = None, min_score: float | None = None,
                    all_passages: bool = False) -> list[Report]:
        limit = self.config.matching.limit if limit is None else limit
        with self._index_lock:
            return self.verifier.verify_many(texts, limit=limit, min_score=min_score, all_passages=all_passages)

    async def verify_claim(self, text: str, fetcher: Fetcher | None, *, limit: int | None = None,
                           min_score: float | None = None) -> Report:
        """A claim, following a tweet or t.co link the archive lacks (oEmbed,
        checked redirects) and verifying the tweet's own text, dated by it.
        `fetcher=None` stays offline. The searches run in a thread."""
        from verifiers.tweet_links import verify_claim

        async def verify(claim: str, claim_date: PartialDate | None) -> Report:
            return await asyncio.to_thread(self.verify, claim, claim_date=claim_date, limit=limit,
                                           min_score=min_score)

        return await verify_claim(verify, text, self._find_linked, fetcher)

    async def _find_linked(self, url: str) -> list[Match]:
        """Archived posts carrying this link, from the index's link tables (in a thread: it reads the store)."""
        def find() -> list[Match]:
            with self._index_lock:
                return self.verifier.find_linked(url)

        return await asyncio.to_thread(find)

    def verify_claim_now(self, text: str, fetch: FetchSettings | None, *, limit: int | None = None,
                         min_score: float | None = None, all_passages: bool = False) -> Report:
        """verify_claim for synchronous front ends (the CLI, `isnad chat`): a
        claim with a tweet or t.co link gets a fetcher made for the call, unless
        `fetch` is None (offline)."""
        return self.verify_claims_now([text], fetch, limit=limit, min_score=min_score, all_passages=all_passages)[0]

    def verify_claims_now(self, texts: list[str], fetch: FetchSettings | None, *, limit: int | None = None,
                          min_score: float | None = None, all_passages: bool = False) -> list[Report]:
        """Many claims, in order: all verified as text together (a big batch in
        worker processes, verify_many), then the links of those that carry
        tweet or t.co links completed: an archived one is an exact match
        already; another is followed on the web with one fetcher, unless
        `fetch` is None (offline)."""
        from verifiers.tweet_links import tweet_links

        reports = self.verify_many(texts, limit=limit, min_score=min_score, all_passages=all_passages)
        linked = [i for i, text in enumerate(texts) if tweet_links(text)]
        if not linked:
            return reports
        pairs = [(texts[i], reports[i]) for i in linked]
        followed = asyncio.run(self._follow_links(pairs, fetch, limit=limit, min_score=min_score,
                                                  all_passages=all_passages))
        for i, report in zip(linked, followed):
            reports[i] = report
        return reports

    async def _follow_links(self, pairs: list[tuple[str, Report]], fetch: FetchSettings | None, *,
                            limit: int | None, min_score: float | None, all_passages: bool) -> list[Report]:
        from verifiers.tweet_links import follow_links

        async def verify(claim: str, claim_date: PartialDate | None) -> Report:
            return await asyncio.to_thread(self.verify, claim, claim_date=claim_date, limit=limit,
                                           min_score=min_score, all_passages=all_passages)

        async def each(fetcher: Fetcher | None) -> list[Report]:
            return [await follow_links(report, text, verify, self._find_linked, fetcher) for text, report in pairs]

        if fetch is None or all(any(m.exact for m in report.matches) for _, report in pairs):
            return await each(None)  # offline, or every link archived: no HTTP client needed
        from storage.fetch import Fetcher

        async with Fetcher(fetch) as fetcher:
            return await each(fetcher)

    def record_query(self, report: Report, *, guild_id: int | None = None, channel_id: int | None = None,
                     via: str, category_id: int | None = None, private: bool = False) -> None:
        """Log an asked claim for digests; a failure is logged, never raised
        (the log is for digests: a full disk must not cost the answer). A
        private claim, or one asked outside a server (a DM), is not logged at
        all: it can never reach a digest."""
        if private or guild_id is None:
            return
        try:
            entry = query_entry(report, guild_id=guild_id, channel_id=channel_id, via=via)
            entry.category_id = category_id
            self.querylog.record(entry)
        except OSError:
            log.exception("could not record the query")

    def prune_queries(self, now: datetime | None = None) -> int:
        """Forget asked claims older than `[digest] query_retention_days`; how many went."""
        from datetime import timedelta

        days = self.config.digest.query_retention_days
        if days <= 0:
            return 0
        before = (now or utc_now()) - timedelta(days=days)
        with self._write_lock:
            dropped = self.querylog.prune(before)
        if dropped:
            log.info("pruned %d asked claims older than %s days from the query log", dropped, days)
        return dropped

    # --- reading the archive -----------------------------------------------------------

    def stats(self) -> ArchiveStats:
        return self.store.stats()

    def sources(self) -> list[Source]:
        return list(self.store.sources())

    def find_sources(self, typed: str, limit: int) -> list[Source]:
        """The first `limit` sources whose id or title (else link, else publisher) contains `typed`
        (any case; all when empty): read one at a time and no further, for an autocomplete that
        asks at every keystroke."""
        typed = typed.strip().casefold()
        found: list[Source] = []
        for source in self.store.sources():
            label = source.title or source.url or source.publisher or ""
            if not typed or typed in source.id.casefold() or typed in label.casefold():
                found.append(source)
                if len(found) == limit:
                    break
        return found

    def get(self, source_id: str) -> Source | None:
        return self.store.get(source_id)

    def events(self, source_id: str | None = None) -> list[AuditEvent]:
        return self.store.events(source_id)

    def get_setting(self, key: str, default: Any = None) -> Any:
        return self.store.get_setting(key, default)

    def find_url(self, url: str) -> str | None:
        """The id of the source archived from this page, if any (the store's URL index)."""
        return self.store.find_by_url(url)

    def digest_content(self, guild_id: int | None, start: datetime | None, end: datetime,
                       scope: DigestScope | None = None) -> DigestContent:
        """What a digest for the period (start, end] holds: sources added, and
        the claims asked in the digest's scope (bot.app.digest.DigestScope)."""
        entries = self.querylog.between(start, end, guild_id)
        if scope is not None:
            entries = [e for e in entries if scope.admits(e)]
        return build_content(self.store.events(), self.store.get, entries, start, end,
                             self.config.digest.max_claims)

    # --- writing -----------------------------------------------------------------

    def set_setting(self, key: str, value: Any) -> None:
        with self._write_lock:
            self._check_open()
            self.store.set_setting(key, value)

    def add_sources(self, sources: list[Source], *, by: str) -> AddOutcome:
        """Add parsed sources with the audit trail (`by`), then index them."""
        for source in sources:
            source.added_by = source.added_by or by
        with self._write_lock:
            self._check_open()
            outcome = add_parsed(self.store, sources, by)
            self._index_added(outcome.added)
        return outcome

    def add_files(self, paths: list[str], *, fmt: str = "auto", by: str,
                  progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Import files and folders (text, JSONL, HTML, PDF) in bulk, then index what was added."""
        from storage.ingest import ingest_paths

        with self._write_lock:
            self._check_open()
            report = ingest_paths(self.store, paths, fmt=fmt, by=by, progress=progress)
            added = [s for s in (self.store.get(item.id) for item in report.added) if s is not None]
            self._index_added(added)
        return report

    def add_fetched(self, source: Source, *, asked_url: str, by: str) -> AddOutcome:
        """A page fetched from `asked_url`; skipped when the page (by the asked
        or its canonical URL) is archived already. Checked inside the serial
        write, so two moderators adding the same link add it once."""
        source.added_by = source.added_by or by
        with self._write_lock:
            self._check_open()
            for url in dict.fromkeys(u for u in (asked_url, source.url) if u):
                known = self.find_url(url)
                if known:
                    detail = f" ({source.url})" if url != asked_url else ""
                    reason = f"already archived as {known}{detail}"
                    return AddOutcome(skipped=[SkippedItem.duplicate(asked_url, None, reason)])
            outcome = add_parsed(self.store, [source], by)
            self._index_added(outcome.added)
        return outcome

    async def add_url(self, url: str, fetcher: Fetcher, *, by: str) -> AddOutcome:
        """Fetch an article (HTML or PDF) through the safe fetcher and add it.
        A page already archived is not downloaded again. Raises ArchiveError
        (refused, unreachable, too big, not HTML or PDF) with the reason."""
        url = url.strip()
        known = await asyncio.to_thread(self.find_url, url)
        if known:
            return AddOutcome(skipped=[SkippedItem.duplicate(url, None, f"already archived as {known}")])
        body, final_url, kind, charset = await download(fetcher, url)
        source, notes = await asyncio.to_thread(parse_fetched, body, final_url, kind, charset)
        outcome = await asyncio.to_thread(self.add_fetched, source, asked_url=url, by=by)
        outcome.notes = notes if outcome.added else []
        return outcome

    def remove(self, source_id: str, *, by: str) -> Source | None:
        with self._write_lock:
            self._check_open()
            removed = self.store.remove(source_id, by=by)
            if removed is not None:
                if self.following:
                    self._caught_up()
                else:
                    with self._index_lock:
                        self.verifier.remove_source(source_id)
        return removed

    def _index_added(self, added: list[Source]) -> None:
        if not added:
            return
        if self.following:
            self._caught_up()
            return
        with self._index_lock:
            self.verifier.add_sources(added)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the archive is closed")

    # --- following other processes (a change feed) -------------------------------------

    def follow_changes(self, *, poll_interval: float = 5.0) -> None:
        """Start applying the change log to the index, from `start_cursor` on.
        Changes between that cursor and the index build are applied again,
        which is harmless: each change re-reads the source (remove, then add)."""
        if not self.shared or self._watcher is not None:
            return
        assert isinstance(self.store, ChangeFeed)

        def on_change(change: Change) -> None:  # the watcher's thread, one change at a time, in order
            source = self.store.get(change.source_id) if change.action == "add" else None
            with self._index_lock:
                self.verifier.remove_source(change.source_id)
                if source is not None:
                    self.verifier.add_sources([source])

        self._watcher = self.store.watch(on_change, since=self.start_cursor, poll_interval=poll_interval)

    def _caught_up(self, timeout: float = 10.0) -> None:
        """Wait until the watcher has applied every change up to now (our own write included)."""
        if self._watcher is None or not isinstance(self.store, ChangeFeed):
            return
        cursor = self.store.latest_cursor()  # None only in memory, which has no watcher
        if cursor is not None and not self._watcher.wait_for(cursor, timeout):
            log.warning("the index is still catching up with the archive's change %s", cursor)

    def stop_following(self) -> None:
        if self._watcher is not None:
            watcher, self._watcher = self._watcher, None
            watcher.stop()

    def start_embedding(self) -> None:
        """Embed the archive in the background for English-Arabic matching (a
        bot or a chat session: one that lasts); answers go on meanwhile."""
        self.verifier.crosslang.start_background()

    def close(self) -> None:
        """Stop following changes and embedding, wait for a write under way,
        save the index, close the store."""
        self.stop_following()
        if self._verifier is not None:
            self._verifier.crosslang.stop_background()  # saves what it embedded
        with self._write_lock:
            if self._closed:
                return
            self._closed = True
            if self._verifier is not None and self._verifier.unsaved:
                with self._index_lock:
                    self._verifier.save()  # what was added while running
            self.store.close()
        self.querylog.close()


def query_entry(report: Report, *, guild_id: int | None, channel_id: int | None, via: str) -> QueryEntry:
    best = None
    if report.matches:
        m = report.matches[0]
        best = LoggedMatch(source_id=m.source_id, title=m.title or m.publisher or m.source_id,
                           score=round(m.score, 1), url=m.url, date=m.date.iso(), handle=m.handle)
    # A reason that is a verifiers.report.Note keeps its code and values, so
    # an Arabic digest can word it in Arabic (bot.i18n.note_text).
    conflicts = [{"title": c.match.title or c.match.publisher or c.match.source_id, "reason": str(c.reason),
                  **({"code": c.reason.code, "params": dict(c.reason.params)} if isinstance(c.reason, Note) else {})}
                 for c in report.conflicts]
    return QueryEntry(at=utc_now().isoformat(), guild_id=guild_id, channel_id=channel_id,
                      claim=report.query[:1000], best=best, conflicts=conflicts, via=via)

