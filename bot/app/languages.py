"""Each server's reply language, chosen by its moderators (/isnad language).

Discord tells the bot each member's client locale, but its locale list (and
discord.Locale) has no Arabic, so an Arabic-speaking newsroom would get
English replies from the locale alone. A moderator sets the server's language
instead; it is kept in the archive's settings ("language:<server id>"), so it
survives restarts and is shared by every bot process on a PostgreSQL archive.
Any chat platform's servers (Discord guilds, a Telegram group) work the same.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from bot.i18n import LANGUAGES

SETTING_PREFIX = "language:"


class Settings(Protocol):
    def get_setting(self, key: str, default: Any = None) -> Any: ...
    def set_setting(self, key: str, value: Any) -> None: ...


class ServerLanguages:
    """Cached reads: replies must start within Discord's 3 s, and another
    process's change shows here within `ttl` seconds. Thread-safe."""

    def __init__(self, settings: Settings, *, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.ttl = ttl
        self._clock = clock
        self._cache: dict[int, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def cached(self, server_id: int | None) -> tuple[bool, str | None]:
        """(True, language) when the answer is known without reading the store."""
        if server_id is None:
            return True, None
        with self._lock:
            hit = self._cache.get(server_id)
        if hit is not None and self._clock() - hit[0] < self.ttl:
            return True, hit[1]
        return False, None

    def get(self, server_id: int | None) -> str | None:
        known, lang = self.cached(server_id)
        if known or server_id is None:
            return lang
        value = self.settings.get_setting(f"{SETTING_PREFIX}{server_id}")
        lang = value if value in LANGUAGES else None
        with self._lock:
            self._cache[server_id] = (self._clock(), lang)
        return lang

    def set(self, server_id: int, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown reply language {lang!r}")
        self.settings.set_setting(f"{SETTING_PREFIX}{server_id}", lang)
        with self._lock:
            self._cache[server_id] = (self._clock(), lang)
