"""Each server's reply language, chosen by its moderators (/isnad language).

Discord tells the bot each member's client locale, but its locale list (and
discord.Locale) has no Arabic, so an Arabic-speaking newsroom would get
English replies from the locale alone. A moderator sets the server's language
instead; it is kept in the archive's settings ("language:<guild id>"), so it
survives restarts and is shared by every bot process on a PostgreSQL archive.
A member whose locale is Arabic (should Discord ever send one) gets Arabic
whatever the server's setting.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

LANGUAGES = ("ar", "en")
SETTING_PREFIX = "language:"


class ServerLanguages:
    """Cached reads: replies must start within Discord's 3 s, and another
    process's change shows here within `ttl` seconds."""

    def __init__(self, archive: Any, *, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.archive = archive
        self.ttl = ttl
        self._clock = clock
        self._cache: dict[int, tuple[float, str | None]] = {}

    async def get(self, guild_id: int | None) -> str | None:
        if guild_id is None:
            return None
        cached = self._cache.get(guild_id)
        if cached is not None and self._clock() - cached[0] < self.ttl:
            return cached[1]
        value = await self.archive.get_setting(f"{SETTING_PREFIX}{guild_id}")
        lang = value if value in LANGUAGES else None
        self._cache[guild_id] = (self._clock(), lang)
        return lang

    async def set(self, guild_id: int, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown reply language {lang!r}")
        await self.archive.set_setting(f"{SETTING_PREFIX}{guild_id}", lang)
        self._cache[guild_id] = (self._clock(), lang)
