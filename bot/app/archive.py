"""Which archive the user means, decided in one place for every command.

The documented order: `--db` → `$ISNAD_DB` → `[storage] url` → `[storage] path`
→ the default file in the user's data directory (seeded with the sample).
`isnad ingest`, `isnad verify` and `isnad run` all resolve it here, so with
`$ISNAD_DB` and `storage.url` both set they all use `$ISNAD_DB`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Config
    from storage.store import ArchiveStore


def resolve_archive(config: Config, db: str | None = None) -> str | None:
    """The archive named by the user: a path, a postgresql:// URL, or None for the default."""
    return db or config.db_env or config.storage.url or config.storage.path or None


def open_store(config: Config, db: str | None = None) -> ArchiveStore:
    from storage.sample import open_archive

    return open_archive(resolve_archive(config, db))
