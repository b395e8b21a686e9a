"""The platform-neutral application: what every front end (the CLI, `isnad
chat`, Discord) asks of Isnad, in one place.

- `service.IsnadService`: the archive (store, verifier, query log), verifying
  a claim under the claim policy, adding sources (URL, file, paste) with the
  audit trail, listing/showing/removing them, settings, digests' content and
  following other processes' changes. Synchronous and thread-safe.
- `aio.AsyncIsnad`: the same verbs as coroutines for event-loop front ends
  (Discord): reads in threads, writes in one writer thread.
- `archive.resolve_archive`: which archive a user means (--db, $ISNAD_DB,
  storage.url, storage.path, the default).
- `policy`: the claim policy (empty, too long) and pace limits.
- `sources`, `digest`, `languages`: adding sources, digests' content and
  schedule arithmetic, each server's reply language.
"""
from bot.app.service import IsnadService

__all__ = ["IsnadService"]
