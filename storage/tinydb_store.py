"""The archive on TinyDB 4.9, made crash-safe and fast enough for a newsroom.

TinyDB's stock JSONStorage re-reads and re-parses the whole file on every call
and rewrites it in place, so a crash mid-write corrupts it (docs/field-notes.md §4). Here:

* `AtomicJSONStorage` parses the file once at open and serves every read from
  that in-memory document. Every write goes to a temporary file in the same
  directory, is fsync'ed, `os.replace`d over the archive, and the directory is
  fsync'ed: a `kill -9` at any moment leaves the old or the new archive.
* One writer at a time, across processes: every write holds an exclusive
  `flock` on `<archive>.lock` from re-reading the file through the atomic
  replace, so a write is always built on the newest file and two writers
  (the bot and a CLI `ingest`, or three `ingest`s) never drop each other's
  sources. A writer that cannot get the lock within `ISNAD_LOCK_TIMEOUT`
  seconds (10) fails with one line naming the holder. Readers never lock:
  before each read the storage checks the file's identity (device, inode,
  size, mtime, ctime) and re-reads it when another process replaced it. The identity
  noted is always that of the bytes read (fstat of the same descriptor), so
  a replace landing mid-read is seen by the next write, never overwritten.
* `watch()` follows other processes' writes (the audit events are the change
  log), so a running bot's index picks up a CLI `ingest` within a second.
* A symlinked archive is written through to its target.
* `batch()` groups several table updates into one file write, so `add_many`
  writes sources and their audit events together, once.

File layout (TinyDB's own: table name -> doc id -> document):
  meta      {"1": {"format": "isnad-archive", "schema": 1}}
  sources   {<source id>: Source.to_dict()}   (doc ids are the source ids)
  events    {<n>: {"action", "source_id", "by", "at", "detail"}}
  settings  {<key>: {"value": ...}}

A file that is empty, not JSON, or not ours is never written to: opening it
raises an ArchiveError and the bytes stay as they were. An empty (0-byte) file
is treated as corrupt, not as new: this module never leaves an empty archive
(new archives are created with their meta record in one atomic write), so an
empty file means something else truncated it, and guessing would risk data.
"""
from __future__ import annotations

import copy
import json
import logging
import os
import shutil
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from storage.capabilities import Change
from storage.clock import utc_stamp
from storage.errors import ArchiveError, CorruptArchiveError, ForeignFileError, SchemaVersionError
from storage.files import atomic_write, flock_exclusive
from storage.records import PartialDate, Passage, Post, Source
from storage.store import AddResult, ArchiveStats, ArchiveStore, AuditEvent
from storage.urls import url_key
from storage.watching import ThreadedWatcher

log = logging.getLogger(__name__)

FORMAT = "isnad-archive"
SCHEMA_VERSION = 1

# Migrations from schema v to v+1: each takes the parsed document of a v file
# and returns the v+1 document (meta is rewritten by the caller). Schema 1 is
# the first released layout, so there are none yet; tests register fakes.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

_TABLES = ("meta", "sources", "events", "settings")

# How long a writer waits for another process's write to finish before giving
# up with an error naming it. A write of a big archive takes about a second;
# ISNAD_LOCK_TIMEOUT (seconds) overrides it.
DEFAULT_LOCK_TIMEOUT = 10.0


def lock_timeout_from_env() -> float:
    raw = os.environ.get("ISNAD_LOCK_TIMEOUT", "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT
    return value if value >= 0 and value == value and value != float("inf") else DEFAULT_LOCK_TIMEOUT


# --- reading and writing the file ------------------------------------------------


def _unreadable(path: Path, why: str) -> CorruptArchiveError:
    return CorruptArchiveError(f"{path} is not a readable Isnad archive ({why}). It was left untouched.")


def _parse_archive(path: Path, raw: bytes) -> dict[str, Any]:
    """Bytes -> the archive document, or an ArchiveError naming the file."""
    if not raw.strip():
        raise _unreadable(path, "the file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _unreadable(path, f"not UTF-8 text, bad byte at offset {exc.start}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _unreadable(path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    meta = _find_meta(data)
    if meta is None:
        raise ForeignFileError(
            f"{path} holds JSON but is not an Isnad archive (no Isnad format record). "
            "It was left untouched; choose another file."
        )
    schema = meta.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 0:
        raise _unreadable(path, f"its schema version {schema!r} is not a number")
    if schema > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{path} was written by a newer Isnad (archive schema {schema}; this version reads "
            f"schema {SCHEMA_VERSION} and older). Upgrade Isnad to open it; the file was left untouched."
        )
    _check_shape(path, data)
    return data


def _find_meta(data: Any) -> dict[str, Any] | None:
    if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
        return None
    for doc in data["meta"].values():
        if isinstance(doc, dict) and doc.get("format") == FORMAT:
            return doc
    return None


def _check_shape(path: Path, data: dict[str, Any]) -> None:
    """Cheap structural checks, so a hand-damaged archive fails at open with a
    clear message instead of deep inside a later command."""
    for name in _TABLES:
        table = data.get(name, {})
        if not isinstance(table, dict) or not all(isinstance(d, dict) for d in table.values()):
            raise _unreadable(path, f"its {name!r} table is damaged")
    for key, doc in data.get("sources", {}).items():
        if doc.get("id") != key or not isinstance(doc.get("passages", []), list):
            raise _unreadable(path, f"source record {key!r} is damaged")


def _migrate(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    version = _find_meta(data)["schema"]  # type: ignore[index]
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise SchemaVersionError(
                f"{path} uses archive schema {version}, which this Isnad cannot upgrade. It was left untouched."
            )
        try:
            data = step(data)
        except Exception as exc:  # a migration bug must not cost the user the file
            raise ArchiveError(
                f"{path}: upgrading from archive schema {version} failed ({exc}). It was left untouched."
            ) from exc
        version += 1
        data["meta"] = {"1": {"format": FORMAT, "schema": version}}
    return data


def _new_document() -> dict[str, Any]:
    return {"meta": {"1": {"format": FORMAT, "schema": SCHEMA_VERSION}}}


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def _remove_stale_temp_files(path: Path) -> None:
    """Delete temp files left by writers that were killed mid-write.

    Our temp files are named .<archive name>.<pid>.<random>.tmp; a file whose
    writer process is gone (or is this process) is stale.
    """
    prefix = _temp_prefix(path)
    for tmp in path.parent.glob(f"{prefix}*.tmp"):
        pid_text = tmp.name[len(prefix):].split(".", 1)[0]
        if pid_text.isdigit() and _pid_alive(int(pid_text)) and int(pid_text) != os.getpid():
            continue
        with suppress(OSError):
            tmp.unlink()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a crash leaves the old or the new file
    (temporary files named so that _remove_stale_temp_files finds a dead writer's)."""
    atomic_write(path, text, temp_prefix=f"{_temp_prefix(path)}{os.getpid()}.")


Identity = tuple[int, int, int, int, int]


def _identity_of(st: os.stat_result) -> Identity:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _identity(path: Path) -> Identity | None:
    """Which file is at `path` now (device, inode, size, mtime, ctime): the
    archive is only ever replaced, never edited in place, so a new identity
    means another write."""
    try:
        st = path.stat()
    except OSError:
        return None
    return _identity_of(st)


def _read_with_identity(path: Path) -> tuple[bytes, Identity]:
    """The file's bytes and the identity of the very file they came from.

    Both come from one open descriptor (fstat, then read). Stat'ing the path
    after reading it instead would race with another process's atomic
    replace: the identity would be the newer file's while the bytes are the
    older one's, the storage would take the newer write as already seen, and
    its next write, built on the older bytes, would silently drop it (an
    acknowledged `isnad ingest` lost under load; docs/reliability.md)."""
    with open(path, "rb") as handle:
        st = os.fstat(handle.fileno())
        raw = handle.read()
    return raw, _identity_of(st)


# --- one writer at a time -----------------------------------------------------------


class ArchiveLockedError(ArchiveError):
    """Another process held the archive's write lock for longer than we wait."""


def lock_path_for(path: Path) -> Path:
    """`<archive>.lock` beside the archive: the lock every writer takes."""
    return path.with_name(path.name + ".lock")


def _this_command() -> str:
    """What to tell a waiting writer about us: our pid and command line."""
    command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv)) or "python"
    command = "".join(ch if ch.isprintable() else " " for ch in command)
    return f"pid {os.getpid()}: {command[:160]}"


class WriteLock:
    """An exclusive `fcntl.flock` on `<archive>.lock`, re-entrant in one process.

    Held by a writer from re-reading the archive through the atomic replace,
    so two processes never write from the same old state (the second would
    drop the first one's sources). The kernel releases it when the holder
    dies, kill -9 included. The file also names its holder (pid and command)
    so a writer that gives up can say who it waited for. Readers never lock:
    the atomic replace already shows them a whole file.
    """

    def __init__(self, archive: Path, timeout: float) -> None:
        self.archive = archive
        self.path = lock_path_for(archive)
        self.timeout = timeout
        self._fd: int | None = None
        self._depth = 0
        self._thread_lock = threading.RLock()  # threads of one process (the bot's writer and watcher)

    def acquire(self) -> None:
        self._thread_lock.acquire()
        if self._depth:
            self._depth += 1
            return
        try:
            self._fd = self._take()
        except BaseException:
            self._thread_lock.release()
            raise
        self._depth = 1

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fd, self._fd = self._fd, None
            with suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing the descriptor releases the flock
        self._thread_lock.release()

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _take(self) -> int:
        mode = 0o600
        with suppress(OSError):
            mode = self.archive.stat().st_mode & 0o666
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, mode)
        except OSError as exc:
            raise ArchiveError(
                f"cannot write {self.archive}: cannot create its lock file {self.path.name} "
                f"({exc.strerror or exc}). Nothing was changed."
            ) from None
        try:
            locked = flock_exclusive(fd, self.timeout)
        except OSError as exc:
            os.close(fd)
            raise ArchiveError(f"cannot lock {self.path}: {exc.strerror or exc}. Nothing was changed.") from None
        if not locked:
            holder = self._holder(fd)
            os.close(fd)
            raise ArchiveLockedError(
                f"{self.archive} is being written by another Isnad process ({holder}); "
                f"gave up after waiting {self.timeout:g} s. Nothing was changed; try again "
                "when it has finished (ISNAD_LOCK_TIMEOUT sets the wait)."
            ) from None
        with suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, (_this_command() + "\n").encode("utf-8", "replace"), 0)
        return fd

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            text = os.pread(fd, 400, 0).decode("utf-8", "replace").strip()
        except OSError:
            text = ""
        return text.splitlines()[0] if text else "holder unknown"


# --- the TinyDB storage ------------------------------------------------------------


class AtomicJSONStorage(Storage):
    """A TinyDB storage holding the parsed archive in memory.

    `read()` returns the cached document itself (no copy: TinyDB builds new
    table dicts on every update, and the store copies what it hands out).
    `write()` replaces the file atomically, or only marks the cache dirty inside
    `batch()`. With `path=None` nothing touches the disk.
    """

    def __init__(self, path: Path | None, data: dict[str, Any], lock: WriteLock | None = None,
                 identity: Identity | None = None) -> None:
        """`identity`: that of the file `data` was read from (not of whatever
        is at `path` by now: see _read_with_identity)."""
        self.path = path
        self._lock: WriteLock | threading.RLock = lock if lock is not None else threading.RLock()
        self._data = data
        self._batch_depth = 0
        self._dirty = False
        self._identity = identity
        self.generation = 0  # bumped whenever the cache is replaced from disk
        self._fragments: dict[str, tuple[dict[str, Any], str]] = {}  # source id -> (doc, its JSON)

    # TinyDB's interface
    def read(self) -> dict[str, Any]:
        if self._batch_depth == 0:
            self.refresh_if_changed()
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        if self._batch_depth:
            self._dirty = True
        else:
            with self._lock:
                self._flush()

    def close(self) -> None:
        pass  # every write is already on disk

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group updates into one file write; on an error, nothing is written
        and the cache goes back to what the file holds.

        The outermost batch holds the archive's write lock throughout: the
        file is re-read under it, so what is written is built on the newest
        state and no other process's write can be lost."""
        with self._lock:
            if self._batch_depth == 0:
                self.refresh_if_changed()
            self._batch_depth += 1
            try:
                yield
            except BaseException:
                self._batch_depth -= 1
                if self._batch_depth == 0 and self._dirty:
                    self._dirty = False
                    self._reload()
                raise
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._dirty:
                self._dirty = False
                self._flush()

    @property
    def thread_lock(self) -> threading.RLock:
        """Held by a batch in this process (not the file lock): taking it waits
        for a write in another thread to finish, so no half-made change is read."""
        return self._lock._thread_lock if isinstance(self._lock, WriteLock) else self._lock

    def refresh_if_changed(self) -> None:
        """Re-read the file if another process replaced it since we last did.

        Only while no other thread of ours is writing: a re-read finishing in
        the middle of that write would swap the document it is building on
        for the file's, and the write would save the file's state without its
        own change (acknowledged, then lost). That thread re-reads the file
        itself, under the write lock, so a reader loses nothing by skipping."""
        if self.path is None or _identity(self.path) == self._identity:
            return
        if not self.thread_lock.acquire(blocking=False):
            return  # readers never wait for a write
        try:
            if _identity(self.path) != self._identity:
                self._reload()
        finally:
            self.thread_lock.release()

    def _reload(self) -> None:
        if self.path is None:  # nothing to go back to; updates are applied in memory only
            return
        try:
            raw, identity = _read_with_identity(self.path)
        except OSError as exc:
            raise ArchiveError(
                f"{self.path} was moved or deleted while Isnad had it open ({exc.strerror or exc})."
            ) from exc
        self._data = _migrate(self.path, _parse_archive(self.path, raw))
        self._identity = identity
        self.generation += 1

    def _flush(self) -> None:
        if self.path is None:
            return
        if _identity(self.path) != self._identity:
            self._reload()
            raise ArchiveError(
                f"{self.path} was changed by another Isnad process during this change; "
                "nothing was saved. Try again."
            )
        text = self._serialize()
        try:
            _write_atomically(self.path, text)
        except OSError as exc:
            self._reload()  # the file still holds the last good state
            raise ArchiveError(f"cannot write {self.path}: {exc.strerror or exc}. Nothing was changed.") from exc
        self._identity = _identity(self.path)


    def _serialize(self) -> str:
        """The whole document as JSON, reusing each source's JSON from the
        previous write: sources are never edited in place (only added or
        removed), so a document object seen before serializes the same.
        Saves most of the time of a write on a large archive."""
        parts = []
        for name, table in self._data.items():
            if name == "sources" and isinstance(table, dict):
                body = "{" + ",".join([self._source_json(key, doc) for key, doc in table.items()]) + "}"
                if len(self._fragments) > len(table):  # forget removed sources
                    self._fragments = {k: v for k, v in self._fragments.items() if k in table}
            else:
                body = _dumps(table)
            parts.append(f"{_dumps(name)}:{body}")
        return "{" + ",".join(parts) + "}"

    def _source_json(self, key: str, doc: dict[str, Any]) -> str:
        """'"<key>":{...}' for one source, from the cache when it is the same object."""
        cached = self._fragments.get(key)
        if cached is not None and cached[0] is doc:
            return cached[1]
        text = f"{_dumps(key)}:{_dumps(doc)}"
        self._fragments[key] = (doc, text)
        return text


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _KeyedTable(Table):
    """A TinyDB table whose document ids are our own string keys (source ids,
    setting names), so a lookup by id is one dict access."""

    document_id_class = str  # type: ignore[assignment]


# --- the store --------------------------------------------------------------------


class TinyDBStore(ArchiveStore):
    """The archive in one JSON file (or in memory with `path=None`).

    Any number of processes may open it; writes take turns under the file
    lock (see the module docstring). `lock_timeout`: seconds a write waits
    for another process's (default: ISNAD_LOCK_TIMEOUT, else 10).
    """

    def __init__(self, path: Path | str | None, *, lock_timeout: float | None = None) -> None:
        self.path = _write_target(Path(path)) if path is not None else None
        timeout = lock_timeout_from_env() if lock_timeout is None else lock_timeout
        self._lock = WriteLock(self.path, timeout) if self.path is not None else None
        data, identity = self._open_document()
        self._storage = AtomicJSONStorage(self.path, data, self._lock, identity)
        self._db = TinyDB(storage=_Existing(self._storage))
        self._sources = _KeyedTable(self._storage, "sources")
        self._events = self._db.table("events")
        self._settings = _KeyedTable(self._storage, "settings")
        self._hashes: dict[str, str] = {}
        self._hashes_generation = -1
        self._urls: dict[str, str] = {}
        self._urls_generation = -1
        self._closed = False
        self._watchers: list[FileWatcher] = []

    def _open_document(self) -> tuple[dict[str, Any], Identity | None]:
        """The archive document and the identity of the file it was read from
        (or written to, under the lock)."""
        path = self.path
        if path is None or self._lock is None:
            return _new_document(), None
        if path.is_dir():
            raise ArchiveError(f"{path} is a directory, not an Isnad archive file.")
        if not path.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ArchiveError(f"cannot create the folder for {path}: {exc.strerror or exc}.") from None
            with self._lock:  # two processes creating it at once: the second opens the first's
                if not path.exists():
                    _remove_stale_temp_files(path)
                    data = _new_document()
                    try:
                        _write_atomically(path, json.dumps(data))
                    except OSError as exc:
                        raise ArchiveError(f"cannot create {path}: {exc.strerror or exc}.") from None
                    return data, _identity(path)  # under the lock: the file just written
        _remove_stale_temp_files(path)
        identity: Identity | None
        data, identity = self._read_document(path)
        old_schema = _find_meta(data)["schema"]  # type: ignore[index]
        if old_schema < SCHEMA_VERSION:
            with self._lock:
                data, _ = self._read_document(path)
                data = _migrate(path, data)
                # The old layout stays available to an older Isnad, and to the user.
                shutil.copy2(path, path.with_name(f"{path.name}.schema{old_schema}.bak"))
                _write_atomically(path, _dumps(data))
                identity = _identity(path)
        return data, identity

    @staticmethod
    def _read_document(path: Path) -> tuple[dict[str, Any], Identity]:
        try:
            raw, identity = _read_with_identity(path)
        except OSError as exc:
            raise ArchiveError(f"cannot read {path}: {exc.strerror or exc}.") from exc
        return _parse_archive(path, raw), identity

    # --- writes ---

    def add_many(self, sources: Iterable[Source], *, by: str = "") -> AddResult:
        self._check_open()
        result = AddResult()
        now = utc_stamp()
        with self._storage.batch():  # checked and written against the same state
            hashes = self._hash_index()
            ids = self._raw("sources")
            batch_ids: set[str] = set()
            batch_hashes: dict[str, str] = {}
            for source in sources:
                reason = self._rejection(source, ids, hashes, batch_ids, batch_hashes)
                if reason:
                    result.skipped.append((source.id or source.title, reason))
                    continue
                stored = source.stamped(by=by, at=now)
                batch_ids.add(stored.id)
                if stored.content_hash:
                    batch_hashes[stored.content_hash] = stored.id
                result.added.append(stored)
            if result.added:
                # Documents are keyed by source id (_KeyedTable); TinyDB's types say int.
                self._sources.insert_multiple(Document(s.to_dict(), doc_id=s.id) for s in result.added)  # type: ignore[arg-type]
                self._insert_events(
                    _event("add", s.id, by, now, f"{len(s.passages)} passages, {len(s.posts)} posts")
                    for s in result.added
                )
                self._bump_revision()
        hashes.update(batch_hashes)
        # The URL index is built on the first lookup (by the bot's link check;
        # a file import never looks one up), then kept current here. Not built
        # or stale: left for that lookup, rather than rebuilt from every source
        # at each add.
        if self._urls_generation == self._storage.generation:
            for stored in result.added:
                if stored.url:
                    self._urls.setdefault(url_key(stored.url), stored.id)
        return result

    @staticmethod
    def _rejection(
        source: Source, ids: dict, hashes: dict[str, str], batch_ids: set[str], batch_hashes: dict[str, str]
    ) -> str:
        if not source.id:
            return "it has no id"
        if source.id in ids:
            return f"id {source.id} is already in the archive"
        if source.id in batch_ids:
            return f"id {source.id} appears twice in this import"
        if source.content_hash in hashes:
            return f"same content as {hashes[source.content_hash]}, already in the archive"
        if source.content_hash in batch_hashes:
            return f"same content as {batch_hashes[source.content_hash]} in this import"
        return ""

    def remove(self, source_id: str, *, by: str = "") -> Source | None:
        self._check_open()
        with self._storage.batch():
            doc = self._raw("sources").get(source_id)
            if doc is None:
                return None
            source = _source_from_doc(doc)
            self._sources.remove(doc_ids=[source_id])  # type: ignore[list-item]  # keyed by id
            self._insert_events([_event("remove", source_id, by, utc_stamp(), source.title)])
            self._bump_revision()
        self._hash_index().pop(source.content_hash, None)
        if source.url:
            self._urls_generation = -1  # another source may have the same page: rebuilt on the next lookup
        return source

    def set_setting(self, key: str, value: Any) -> None:
        self._check_open()
        try:
            json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise ArchiveError(f"setting {key!r} cannot be saved: {exc}") from exc
        value = copy.deepcopy(value)  # the caller's object must not alias the cache
        with self._storage.batch():  # under the write lock, on the newest file
            self._settings.upsert(Document({"value": value}, doc_id=key))  # type: ignore[arg-type]  # keyed by name

    # --- reads ---

    def get(self, source_id: str) -> Source | None:
        self._check_open()
        doc = self._raw("sources").get(source_id)
        return _source_from_doc(doc) if doc is not None else None

    def sources(self) -> Iterator[Source]:
        self._check_open()
        for doc in list(self._raw("sources").values()):
            yield _source_from_doc(doc)

    def find_by_hash(self, content_hash: str) -> str | None:
        self._check_open()
        return self._hash_index().get(content_hash)

    def find_by_url(self, url: str) -> str | None:
        self._check_open()
        return self._url_index().get(url_key(url)) if url.strip() else None

    def events(self, source_id: str | None = None) -> list[AuditEvent]:
        self._check_open()
        docs = self._raw("events").values()
        return [AuditEvent(**doc) for doc in docs if source_id is None or doc.get("source_id") == source_id]

    def get_setting(self, key: str, default: Any = None) -> Any:
        self._check_open()
        doc = self._raw("settings").get(key)
        return copy.deepcopy(doc["value"]) if doc is not None else default

    def stats(self) -> ArchiveStats:
        """Counted on the raw documents: no Source objects are built."""
        self._check_open()
        docs = list(self._raw("sources").values())
        dates = sorted(PartialDate.from_iso(d.get("date")) for d in docs if d.get("date"))
        return ArchiveStats(
            sources=len(docs),
            passages=sum(len(d.get("passages", [])) for d in docs),
            posts=sum(len(d.get("posts", [])) for d in docs),
            earliest=dates[0] if dates else None,
            latest=dates[-1] if dates else None,
        )

    # --- for the search index ---

    def revision(self) -> str | None:
        """A random token rewritten with every add or remove (in the meta record,
        in the same atomic write), so a saved index can tell it is current."""
        self._check_open()
        meta = self._raw("meta").get("1", {})
        return meta.get("revision") or "none"

    def source_hashes(self) -> dict[str, str]:
        self._check_open()
        return {key: doc.get("content_hash", "") for key, doc in self._raw("sources").items()}

    def get_item(self, item_id: str) -> tuple[Source, Passage | Post] | None:
        """One passage or post without building the whole source (its lists stay empty)."""
        self._check_open()
        source_id, _, local = item_id.rpartition(":")
        doc = self._raw("sources").get(source_id)
        if doc is None or local[:1] not in ("p", "t") or not local[1:].isdigit():
            return None
        wanted = int(local[1:])
        raws = doc.get("passages" if local[0] == "p" else "posts", [])
        # Items are stored in index order, so the n-th is usually at position n.
        candidates = ([raws[wanted]] if wanted < len(raws) else []) + raws
        raw = next((r for r in candidates if r.get("index") == wanted), None)
        if raw is None:
            return None
        source = Source.from_dict({**doc, "passages": [], "posts": []})
        if local[0] == "p":
            return source, Passage(**raw)
        post = dict(raw, urls=list(raw.get("urls", [])), hashtags=list(raw.get("hashtags", [])))
        post["date"] = PartialDate.from_iso(post.get("date"))
        return source, Post(**post)

    # --- following other processes' writes (the bot) ---

    def latest_cursor(self) -> int | None:
        """The newest audit event's number (0 for none), re-reading the file
        if another process replaced it; None for an in-memory archive, which
        nobody else can change. Every add and remove writes one event in the
        same atomic write, so the events are this archive's change log."""
        self._check_open()
        if self.path is None:
            return None
        with self._storage.thread_lock:
            return _latest_event(self._raw("events"))

    def watch(
        self, callback: Callable[[Change], None], *, since: int | None = None, poll_interval: float = 5.0
    ) -> FileWatcher:
        """Call `callback(change)` in a background thread for every add or
        remove after `since` (default: from now on), this process's own and
        other processes' (a CLI `isnad ingest` while the bot runs), until the
        watcher is stopped or the store closed. The same protocol as
        PostgresStore.watch, so the bot follows either archive the same way.
        The file is checked (one stat) several times a second, whatever
        `poll_interval` says: that is PostgreSQL's fallback for a lost
        notification, and a stat is this file's notification."""
        self._check_open()
        if self.path is None:
            raise ArchiveError("an in-memory archive has no other writers to follow")
        start = self.latest_cursor() if since is None else since
        watcher = FileWatcher(self, callback, start or 0, poll_interval=min(poll_interval, 0.25))
        self._watchers.append(watcher)
        watcher.start()
        return watcher

    def index_path(self) -> Path | None:
        """`<archive>.index/` beside the archive file; None for an in-memory archive."""
        return self.path.with_name(self.path.name + ".index") if self.path is not None else None

    def close(self) -> None:
        for watcher in self._watchers:
            watcher.stop()
        self._watchers.clear()
        self._closed = True

    def __enter__(self) -> TinyDBStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self._raw("sources"))

    # --- helpers ---

    def _raw(self, table: str) -> dict[str, Any]:
        return self._storage.read().get(table, {})

    def _hash_index(self) -> dict[str, str]:
        """content hash -> source id, rebuilt when the cache was re-read."""
        sources = self._raw("sources")  # may refresh the cache first
        if self._hashes_generation != self._storage.generation:
            self._hashes = {d["content_hash"]: k for k, d in sources.items() if d.get("content_hash")}
            self._hashes_generation = self._storage.generation
        return self._hashes

    def _url_index(self) -> dict[str, str]:
        """url key -> id of the earliest source with that page URL, rebuilt when the cache was re-read."""
        sources = self._raw("sources")
        if self._urls_generation != self._storage.generation:
            urls: dict[str, str] = {}
            for key, doc in sources.items():
                if doc.get("url"):
                    urls.setdefault(url_key(doc["url"]), key)
            self._urls, self._urls_generation = urls, self._storage.generation
        return self._urls

    def _insert_events(self, events: Iterable[dict[str, str]]) -> None:
        # TinyDB caches the next event id; after the cache was re-read from a
        # file another process wrote, that id may be taken. Recount it.
        self._events._next_id = None
        self._events.insert_multiple(events)

    def _bump_revision(self) -> None:
        meta = _KeyedTable(self._storage, "meta")
        meta.update({"revision": uuid.uuid4().hex}, doc_ids=["1"])  # type: ignore[list-item]  # keyed by name

    def _check_open(self) -> None:
        if self._closed:
            raise ArchiveError("the archive was closed")


def _write_target(path: Path) -> Path:
    """The file to write: a symlinked archive is written through to its target
    (an atomic replace of the link itself would turn it into a plain file)."""
    if path.is_symlink():
        return path.resolve()
    return path


def _latest_event(events: dict[str, Any]) -> int:
    return max((int(k) for k in events if str(k).isdigit()), default=0)


def _changes_after(events: dict[str, Any], cursor: int) -> list[Change]:
    changes = [
        Change(int(k), doc.get("action", ""), doc.get("source_id", ""))
        for k, doc in events.items()
        if str(k).isdigit() and int(k) > cursor and doc.get("action") in ("add", "remove")
    ]
    return sorted(changes)


class FileWatcher(ThreadedWatcher):
    """Follows a TinyDB archive file for `TinyDBStore.watch`.

    Each time the file's identity (device, inode, size, mtime, ctime) changes, the events
    after the cursor are delivered in order. If the file went back in time (an
    older copy restored over it: fewer events than the cursor), what changed
    is found by content hash instead, as the verifier does at start, so the
    index never keeps a source the archive lost nor misses one it gained.
    """

    def __init__(self, store: TinyDBStore, callback: Callable[[Change], None], cursor: int, *,
                 poll_interval: float) -> None:
        super().__init__(callback, cursor, poll_interval=poll_interval, name="isnad-file-watcher")
        self.store = store
        self._hashes = store.source_hashes()

    def _run(self) -> None:
        seen: Identity | None = None
        path = self.store.path
        assert path is not None
        while not self._stop.is_set():
            identity = _identity(path)
            if identity != seen:
                seen = identity
                try:
                    self._check()
                except ArchiveError as exc:  # a damaged or vanished file: keep the last good state
                    log.warning("archive watcher: %s", exc)
            self._stop.wait(self.poll_interval)

    def _check(self) -> None:
        storage = self.store._storage
        with storage.thread_lock:
            storage.refresh_if_changed()
            events = storage.read().get("events", {})
            latest = _latest_event(events)
            current = {k: d.get("content_hash", "") for k, d in storage.read().get("sources", {}).items()}
            if latest >= self.cursor:
                changes = _changes_after(events, self.cursor)
            else:
                log.warning("the archive file went back to an older state; following it by content hash")
                changes = [Change(latest, "remove", sid) for sid, h in self._hashes.items() if current.get(sid) != h]
                changes += [Change(latest, "add", sid) for sid, h in current.items() if self._hashes.get(sid) != h]
            self._hashes = current
        for change in changes:
            if self._stop.is_set():
                return
            self._deliver(change)
        self._advance(latest)


class _Existing:
    """Hands TinyDB an already-built storage (TinyDB wants a factory)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def __call__(self, *args: Any, **kwargs: Any) -> Storage:
        return self.storage


def _source_from_doc(doc: dict[str, Any]) -> Source:
    # Source.from_dict copies dicts shallowly; copy the lists inside posts too,
    # so a caller editing a Source cannot reach into the cache.
    posts = [{**p, "urls": list(p.get("urls", [])), "hashtags": list(p.get("hashtags", []))}
             for p in doc.get("posts", [])]
    return Source.from_dict({**doc, "posts": posts})


def _event(action: str, source_id: str, by: str, at: str, detail: str) -> dict[str, str]:
    return {"action": action, "source_id": source_id, "by": by, "at": at, "detail": detail}
