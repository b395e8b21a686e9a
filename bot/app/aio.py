"""IsnadService for event-loop front ends (Discord; a Telegram or Slack bot).

A chat gateway's heartbeat runs on the event loop, so every search, parse and
write runs in a thread: reads in the default pool, writes in one writer thread
(so they queue in order, and `close` waits for the queued ones). It also owns
the process's one HTTP client (oEmbed, t.co hops, adding a URL), which belongs
to the loop it was made on.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from bot.app.digest import DigestContent, DigestScope, DigestSettings
from bot.app.service import IsnadService
from bot.app.sources import AddOutcome
from storage.records import Source
from storage.store import ArchiveStats, AuditEvent
from verifiers.report import Report

if TYPE_CHECKING:
    from bot.config import Config
    from storage.fetch import Fetcher
    from verifiers.screenshot import ImageReport

T = TypeVar("T")


class AsyncIsnad:
    def __init__(self, service: IsnadService, fetcher: Fetcher | None = None) -> None:
        self.service = service
        self.fetcher = fetcher
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="isnad-writer")

    @classmethod
    async def open(cls, config: Config, *, fetch: bool = True) -> AsyncIsnad:
        """Open the configured archive (in a thread: building an index takes a while)
        and, with `fetch`, the HTTP client for links."""
        service = await asyncio.to_thread(IsnadService.open, config, index=True)
        service.start_embedding()
        fetcher = None
        if fetch:
            from storage.fetch import Fetcher

            fetcher = Fetcher(config.fetch_settings())
        return cls(service, fetcher)

    @property
    def config(self) -> Config:
        return self.service.config

    async def _write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, lambda: fn(*args, **kwargs))

    # --- verifying ---------------------------------------------------------------

    def check_claim(self, text: str, user: Hashable | None = None, server: Hashable | None = None) -> float:
        """The claim policy and pace limits (quick: no thread): the seconds the
        claim waits its turn. Raises ClaimRefused."""
        return self.service.check_claim(text, user, server)

    def check_pace(self, user: Hashable, server: Hashable | None = None) -> float:
        """The pace limits alone (an image claim has no text to check yet): the
        seconds the claim waits its turn. Raises ClaimRefused."""
        return self.service.pace.reserve(user, server)

    async def verify_claim(self, text: str) -> Report:
        return await self.service.verify_claim(text, self.fetcher)

    async def verify_image(self, data: bytes, *, name: str = "the image") -> ImageReport:
        """A tweet screenshot as a claim (OCR and search run in a thread)."""
        return await asyncio.to_thread(self.service.verify_image, data, name=name)

    async def record_query(self, report: Report, *, guild_id: int | None, channel_id: int | None, via: str,
                           category_id: int | None = None, private: bool = False) -> None:
        await asyncio.to_thread(self.service.record_query, report, guild_id=guild_id, channel_id=channel_id, via=via,
                                category_id=category_id, private=private)

    async def prune_queries(self) -> int:
        return await self._write(self.service.prune_queries)

    # --- reading -----------------------------------------------------------------

    async def stats(self) -> ArchiveStats:
        return await asyncio.to_thread(self.service.stats)

    async def sources(self) -> list[Source]:
        return await asyncio.to_thread(self.service.sources)

    async def find_sources(self, typed: str, limit: int) -> list[Source]:
        return await asyncio.to_thread(self.service.find_sources, typed, limit)

    async def get(self, source_id: str) -> Source | None:
        return await asyncio.to_thread(self.service.get, source_id)

    async def events(self, source_id: str | None = None) -> list[AuditEvent]:
        return await asyncio.to_thread(self.service.events, source_id)

    async def find_url(self, url: str) -> str | None:
        """The id of the source archived from this page, if any."""
        return await asyncio.to_thread(self.service.find_url, url)

    async def server_language(self, server_id: int | None) -> str | None:
        """The reply language a server's moderators chose, if any (cached)."""
        known, lang = self.service.languages.cached(server_id)
        return lang if known else await asyncio.to_thread(self.service.languages.get, server_id)

    async def digest_settings(self, guild_id: int) -> DigestSettings | None:
        return await asyncio.to_thread(self.service.digests.get, guild_id)

    async def all_digest_settings(self) -> list[DigestSettings]:
        return await asyncio.to_thread(self.service.digests.all)

    async def digest_content(self, guild_id: int, start: datetime | None, end: datetime,
                             scope: DigestScope | None = None) -> DigestContent:
        return await asyncio.to_thread(self.service.digest_content, guild_id, start, end, scope)

    # --- writing -----------------------------------------------------------------

    async def set_server_language(self, server_id: int, lang: str) -> None:
        await self._write(self.service.languages.set, server_id, lang)

    async def save_digest(self, settings: DigestSettings) -> None:
        await self._write(self.service.digests.save, settings)

    async def update_digest(self, settings: DigestSettings) -> None:
        await self._write(self.service.digests.update, settings)

    async def remove_digest(self, guild_id: int) -> bool:
        return await self._write(self.service.digests.remove, guild_id)

    async def add_sources(self, sources: list[Source], *, by: str) -> AddOutcome:
        return await self._write(self.service.add_sources, sources, by=by)

    async def add_url(self, url: str, *, by: str) -> AddOutcome:
        assert self.fetcher is not None, "opened without fetching"
        return await self.service.add_url(url, self.fetcher, by=by)

    async def remove(self, source_id: str, *, by: str) -> Source | None:
        return await self._write(self.service.remove, source_id, by=by)

    # --- life cycle --------------------------------------------------------------

    def follow_changes(self) -> None:
        """Apply other processes' additions and removals to the index (an archive with a change
        feed: PostgreSQL or a TinyDB file)."""
        self.service.follow_changes()

    async def close(self) -> None:
        """Close the HTTP client, wait for queued writes, then close the service."""
        if self.fetcher is not None:
            fetcher, self.fetcher = self.fetcher, None
            await fetcher.aclose()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._writer, self.service.close)
        self._writer.shutdown(wait=True)
