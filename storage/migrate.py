"""Copy a whole archive between backends (TinyDB <-> PostgreSQL) without loss.

`migrate(src, dst)` copies every source with its original id, added_by,
added_at and content hash, the audit trail (as it was, with no new "add"
events) and the settings, into an empty destination; then reads both sides
back and compares counts and a SHA-256 digest of every source's to_dict()
(in archive order), plus the events and settings themselves.
A copy that does not verify is reported (MigrationReport.ok is False), never
silently accepted; the source archive is only read.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from storage.errors import ArchiveError
from storage.records import Source
from storage.store import ArchiveStore, AuditEvent


@dataclass(frozen=True)
class ArchiveFingerprint:
    """What must be equal on both sides after a copy."""

    sources: int
    passages: int
    posts: int
    events: int
    settings: int
    digest: str  # SHA-256 over every source's to_dict(), in archive order
    events_digest: str
    settings_digest: str


@dataclass
class MigrationReport:
    source: ArchiveFingerprint
    destination: ArchiveFingerprint
    problems: list[str] = field(default_factory=list)
    described: tuple[str, str] = ("", "")  # (from, to) as shown to a user, no passwords

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "from": self.described[0],
            "to": self.described[1],
            "copied": {k: v for k, v in asdict(self.source).items() if not k.endswith("digest")},
            "digest": self.source.digest,
            "problems": list(self.problems),
        }

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        s = self.source
        counts = f"{s.sources} sources ({s.passages} passages, {s.posts} posts), {s.events} events, {s.settings} settings"
        if self.ok:
            return f"copied {counts}; verified: counts and digest {s.digest[:16]} match"
        return f"copied {counts}, but the copy does NOT match: " + "; ".join(self.problems)


def migrate_between(
    src_target: str, dst_target: str, *, progress: Callable[[int], None] | None = None
) -> MigrationReport:
    """`isnad migrate --from SRC --to DST`: open both archives (file path,
    tinydb://PATH or postgresql://…), copy, verify, close them."""
    from storage.backends import describe, is_postgres_url, open_store

    if src_target == dst_target:
        raise ArchiveError("--from and --to name the same archive")
    if not is_postgres_url(src_target):
        path = Path(src_target.removeprefix("tinydb://")).expanduser()
        if not path.is_file():  # opening it would create an empty archive and copy nothing
            raise ArchiveError(f"no archive at {path} to copy from")
    src = open_store(src_target)
    try:
        dst = open_store(dst_target)
        try:
            report = migrate(src, dst, progress=progress)
        finally:
            dst.close()
    finally:
        src.close()
    report.described = (describe(src_target), describe(dst_target))
    return report


def migrate(
    src: ArchiveStore, dst: ArchiveStore, *, progress: Callable[[int], None] | None = None
) -> MigrationReport:
    """Copy src into the empty dst and verify the copy (see the module docstring)."""
    if _has_content(dst):
        raise ArchiveError("the destination archive is not empty; migrate copies into an empty archive only")
    settings = all_settings(src)
    _restore(dst, src.sources(), src.events(), settings, progress)
    before, after = fingerprint(src), fingerprint(dst)
    problems = [
        f"{name}: {getattr(before, name)} in the source, {getattr(after, name)} in the copy"
        for name in ("sources", "passages", "posts", "events", "settings", "digest", "events_digest", "settings_digest")
        if getattr(before, name) != getattr(after, name)
    ]
    return MigrationReport(before, after, problems)


def fingerprint(store: ArchiveStore) -> ArchiveFingerprint:
    digest = hashlib.sha256()
    sources = passages = posts = 0
    for source in store.sources():
        digest.update(_canonical(source.to_dict()))
        sources += 1
        passages += len(source.passages)
        posts += len(source.posts)
    events = store.events()
    settings = all_settings(store)
    return ArchiveFingerprint(
        sources=sources,
        passages=passages,
        posts=posts,
        events=len(events),
        settings=len(settings),
        digest=digest.hexdigest(),
        events_digest=hashlib.sha256(b"".join(_canonical(e.__dict__) for e in events)).hexdigest(),
        settings_digest=hashlib.sha256(_canonical(settings)).hexdigest(),
    )


def all_settings(store: ArchiveStore) -> dict[str, Any]:
    """Every setting of a store (the ArchiveStore interface reads one key at a time)."""
    if hasattr(store, "settings"):  # PostgresStore
        return dict(store.settings())
    from storage.tinydb_store import TinyDBStore

    if isinstance(store, TinyDBStore):
        return {key: doc["value"] for key, doc in store._raw("settings").items()}
    raise ArchiveError(f"cannot list the settings of a {type(store).__name__}")


def _has_content(store: ArchiveStore) -> bool:
    return next(iter(store.sources()), None) is not None or bool(store.events())


def _restore(
    dst: ArchiveStore,
    sources: Iterable[Source],
    events: list[AuditEvent],
    settings: dict[str, Any],
    progress: Callable[[int], None] | None,
) -> None:
    if hasattr(dst, "restore"):  # PostgresStore: one transaction
        dst.restore(sources, events, settings, progress=progress)
        return
    from storage.tinydb_store import TinyDBStore

    if not isinstance(dst, TinyDBStore):
        raise ArchiveError(f"cannot copy into a {type(dst).__name__}")
    copied = list(sources)
    _restore_tinydb(dst, copied, events, settings)
    if progress:
        progress(len(copied))


def _restore_tinydb(dst: Any, sources: list[Source], events: list[AuditEvent], settings: dict[str, Any]) -> None:
    """Write the copy into a TinyDBStore in one atomic file write.

    TinyDBStore.add_many stamps new "add" events and fills empty added_at; a
    copy must not, so this writes through its tables directly (the same calls
    add_many makes). Ask: move this into TinyDBStore as a public restore().
    """
    from tinydb.table import Document

    seen_ids: set[str] = set()
    seen_hashes: set[str] = set()
    for source in sources:
        if source.id in seen_ids or (source.content_hash and source.content_hash in seen_hashes):
            raise ArchiveError(f"cannot copy: source {source.id} is there twice; nothing was copied")
        seen_ids.add(source.id)
        seen_hashes.add(source.content_hash)
    with dst._storage.batch():
        if sources:
            dst._sources.insert_multiple(Document(s.to_dict(), doc_id=s.id) for s in sources)
        if events:
            dst._insert_events(dict(e.__dict__) for e in events)
        for key, value in settings.items():
            dst._settings.upsert(Document({"value": value}, doc_id=key))
        # A new revision: an index saved for this file before (a `verify` or a
        # bot start on the empty archive) must not count as current for the copy.
        dst._bump_revision()
    dst._hashes_generation = -1  # its content-hash index must be rebuilt


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
