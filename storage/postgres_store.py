"""The archive on PostgreSQL, shared by several Isnad processes.

Open it with a URL (`storage.url = "postgresql://user@host:5432/isnad"`);
`storage.backends.open_store` picks this class for such URLs. The schema is
created or upgraded at open (storage/migrations/), see 001_initial.sql for
the tables: sources (metadata columns + `doc` jsonb with passages and posts),
events, settings, query_log, changes; 002_archive_identity.sql adds the
archive's random id.

The search index (verifiers/engine.py) is saved in the user's cache directory,
`<cache>/isnad/pg-index/<dbname>-<hash>/` (`index_path`), keyed by the server,
the database name and the archive id, never the password. `revision()` (archive
id, table identity, latest change cursor) tells a process at start whether the
saved index is current; if not, it catches up by comparing `source_hashes()`.

Several processes (bot shards, an `isnad ingest`) may write at once:
* every write is one transaction; `add_many` adds all its sources or none;
* write transactions take one advisory lock (`WRITE_LOCK`), so the same content
  added by two processes at once is stored once: the second waits, then its
  `INSERT … ON CONFLICT DO NOTHING` finds the row and reports the skip;
* each insert/delete of a source appends to `changes` (a bigserial cursor) and
  sends NOTIFY on channel "isnad_changes" with the JSON payload
  {"cursor": n, "action": "add"|"remove", "source_id": "…"}, by a trigger.
  The lock also makes cursors become visible in increasing order, so a reader
  that remembers its last cursor never misses a change.

Keeping another process's search index in step (what the verifier does):

    cursor = store.latest_cursor()            # 1. remember where the log is
    index.add_sources(store.sources())        # 2. load everything
    watcher = store.watch(on_change, since=cursor)   # 3. follow from there

`on_change(change)` is called in a background thread, once per Change
(cursor, action, source_id), in cursor order: fetch `store.get(source_id)`
for "add" (None if it was removed since: ignore it), drop it for "remove".
A change between steps 1 and 2 is delivered although already loaded, so apply
changes idempotently. Without threads, poll `store.changes_since(cursor)`.
The watcher wakes on NOTIFY (well under a second) and also re-reads the log
every `poll_interval` seconds and after reconnecting, so a lost notification
or a dropped connection only delays a change.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb

from storage.capabilities import Change
from storage.clock import utc_now, utc_stamp
from storage.errors import ArchiveError
from storage.migrations import apply_migrations
from storage.records import PartialDate, Passage, Post, Source
from storage.store import AddResult, ArchiveStats, ArchiveStore, AuditEvent
from storage.urls import url_key
from storage.watching import ThreadedWatcher

log = logging.getLogger(__name__)

CHANNEL = "isnad_changes"
WRITE_LOCK = 0x15_AD_0002  # advisory lock held by every write transaction

# Source fields kept in their own columns; every other field goes into `doc`.
_COLUMNS = ("id", "title", "publisher", "author", "date", "url", "lang", "added_by", "added_at", "content_hash")
_SELECT = ", ".join(_COLUMNS) + ", doc"
_SELECT_ALIASED = ", ".join(f"s.{c}" for c in _COLUMNS) + ", s.doc"
_PAGE = 500


def describe_url(url: str) -> str:
    """host:port/dbname of a connection URL, never its password."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "PostgreSQL (unreadable URL)"
    host = info.get("host") or "localhost"
    port = info.get("port") or "5432"
    return f"PostgreSQL {host}:{port}/{info.get('dbname') or info.get('user') or ''}"


def connect(url: str, **kwargs: Any) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10, **kwargs)
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise ArchiveError(f"cannot connect to {describe_url(url)}: {first_line}") from None


class PostgresStore(ArchiveStore):
    """The archive in a PostgreSQL database (see the module docstring)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = describe_url(url)
        self._lock = threading.RLock()  # one connection, used by one thread at a time
        self._conn: psycopg.Connection | None = connect(url)
        self._watchers: list[ChangeWatcher] = []
        with self._guard("open the archive"):
            apply_migrations(self._conn, where=self.where)
            self._fill_url_keys(self._conn)

    # --- writes ---

    def add_many(self, sources: Iterable[Source], *, by: str = "") -> AddResult:
        result = AddResult()
        now = utc_stamp()
        candidates = self._screen(sources, by=by, now=now, result=result)
        if not candidates:
            return result
        with self._guard("add sources") as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            with conn.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO sources ({', '.join(_COLUMNS)}, doc, url_key) "
                    f"VALUES ({', '.join(['%s'] * (len(_COLUMNS) + 2))}) ON CONFLICT DO NOTHING RETURNING id",
                    [_insert_row(data) for _, data in candidates],
                    returning=True,
                )
                inserted = []
                while True:
                    inserted.append(cur.fetchone() is not None)
                    if not cur.nextset():
                        break
            clashes = self._clashes(conn, [s for (s, _), ok in zip(candidates, inserted) if not ok])
            for (source, _), ok in zip(candidates, inserted):
                if ok:
                    result.added.append(source)
                else:
                    result.skipped.append((source.id, clashes(source)))
            if result.added:
                conn.cursor().executemany(
                    "INSERT INTO events (action, source_id, by_whom, at, detail) VALUES (%s, %s, %s, %s, %s)",
                    [("add", s.id, by, now, f"{len(s.passages)} passages, {len(s.posts)} posts") for s in result.added],
                )
        return result

    @staticmethod
    def _screen(
        sources: Iterable[Source], *, by: str, now: str, result: AddResult
    ) -> list[tuple[Source, dict[str, Any]]]:
        """What can be tried against the database, as (source to store, its
        to_dict()); the rest goes to result.skipped. Mirrors TinyDBStore's
        reasons, so both backends explain skips alike."""
        ids: set[str] = set()
        hashes: dict[str, str] = {}
        ready = []
        for source in sources:
            reason = ""
            if not source.id:
                reason = "it has no id"
            elif source.id in ids:
                reason = f"id {source.id} appears twice in this import"
            elif source.content_hash and source.content_hash in hashes:
                reason = f"same content as {hashes[source.content_hash]} in this import"
            if reason:
                result.skipped.append((source.id or source.title, reason))
                continue
            stored = source.stamped(by=by, at=now)
            data = stored.to_dict()  # the slow part of an add: done once
            bad = _find_bad_text(data)
            if bad:
                result.skipped.append((source.id, f"it contains {bad}, which PostgreSQL cannot store"))
                continue
            ids.add(source.id)
            if source.content_hash:
                hashes[source.content_hash] = source.id
            ready.append((stored, data))
        return ready

    @staticmethod
    def _clashes(conn: psycopg.Connection, skipped: list[Source]) -> Callable[[Source], str]:
        """Why each source the database refused was refused: its id or its hash is taken."""
        if not skipped:
            return lambda source: ""
        rows = conn.execute(
            "SELECT id, content_hash FROM sources WHERE id = ANY(%s) OR content_hash = ANY(%s)",
            ([s.id for s in skipped], [s.content_hash for s in skipped if s.content_hash]),
        ).fetchall()
        taken_ids = {r[0] for r in rows}
        by_hash = {r[1]: r[0] for r in rows if r[1]}

        def reason(source: Source) -> str:
            if source.id in taken_ids:
                return f"id {source.id} is already in the archive"
            return f"same content as {by_hash.get(source.content_hash, '?')}, already in the archive"

        return reason

    def remove(self, source_id: str, *, by: str = "") -> Source | None:
        with self._guard("remove a source") as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            row = conn.execute(f"DELETE FROM sources WHERE id = %s RETURNING {_SELECT}", (source_id,)).fetchone()
            if row is None:
                return None
            source = _source(row)
            conn.execute(
                "INSERT INTO events (action, source_id, by_whom, at, detail) VALUES ('remove', %s, %s, %s, %s)",
                (source_id, by, utc_stamp(), source.title),
            )
        return source

    def set_setting(self, key: str, value: Any) -> None:
        try:
            json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise ArchiveError(f"setting {key!r} cannot be saved: {exc}") from exc
        with self._guard("save a setting") as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                (key, Jsonb(value)),
            )

    def restore(
        self,
        sources: Iterable[Source],
        events: Iterable[AuditEvent],
        settings: dict[str, Any],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Copy an archive in as it is, in one transaction (storage/migrate.py):
        sources with their ids, added_by/added_at and hashes untouched and no new
        audit events, then the given events and settings. Any clash or
        unstorable text aborts the whole copy with an ArchiveError."""
        done = 0
        with self._guard("copy the archive") as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            with conn.cursor() as cur:
                for chunk in _chunks(sources, _PAGE):
                    rows = []
                    for source in chunk:
                        data = source.to_dict()
                        bad = _find_bad_text(data)
                        if bad:
                            raise ArchiveError(
                                f"source {source.id} contains {bad}, which PostgreSQL cannot store; nothing was copied"
                            )
                        rows.append(_insert_row(data))
                    try:
                        cur.executemany(
                            f"INSERT INTO sources ({', '.join(_COLUMNS)}, doc, url_key) "
                            f"VALUES ({', '.join(['%s'] * (len(_COLUMNS) + 2))})",
                            rows,
                        )
                    except psycopg.errors.UniqueViolation as exc:
                        raise ArchiveError(
                            f"cannot copy: {exc.diag.message_detail or exc}; nothing was copied"
                        ) from None
                    done += len(rows)
                    if progress:
                        progress(done)
                cur.executemany(
                    "INSERT INTO events (action, source_id, by_whom, at, detail) VALUES (%s, %s, %s, %s, %s)",
                    [(e.action, e.source_id, e.by, e.at, e.detail) for e in events],
                )
                cur.executemany(
                    "INSERT INTO settings (key, value) VALUES (%s, %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    [(k, Jsonb(v)) for k, v in settings.items()],
                )

    # --- reads ---

    def get(self, source_id: str) -> Source | None:
        rows = self._read("read a source", f"SELECT {_SELECT} FROM sources WHERE id = %s", (source_id,))
        return _source(rows[0]) if rows else None

    def sources(self) -> Iterator[Source]:
        """In the order added, a page at a time (an archive may not fit in memory twice)."""
        last = 0
        while True:
            rows = self._read(
                "read sources", f"SELECT seq, {_SELECT} FROM sources WHERE seq > %s ORDER BY seq LIMIT %s",
                (last, _PAGE),
            )
            for row in rows:
                yield _source(row[1:])
            if len(rows) < _PAGE:
                return
            last = rows[-1][0]

    def find_by_hash(self, content_hash: str) -> str | None:
        rows = self._read("look up a content hash", "SELECT id FROM sources WHERE content_hash = %s", (content_hash,))
        return rows[0][0] if rows else None

    def find_by_url(self, url: str) -> str | None:
        key = url_key(url)
        if not key:
            return None
        rows = self._read("look up a page URL", "SELECT id FROM sources WHERE url_key = %s ORDER BY seq LIMIT 1",
                          (key,))
        return rows[0][0] if rows else None

    def _fill_url_keys(self, conn: psycopg.Connection) -> None:
        """Give rows written before schema 3 (or by an older Isnad) their url_key."""
        rows = conn.execute("SELECT id, url FROM sources WHERE url_key IS NULL AND url <> ''").fetchall()
        if rows:
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany("UPDATE sources SET url_key = %s WHERE id = %s", [(url_key(u), i) for i, u in rows])

    def events(self, source_id: str | None = None) -> list[AuditEvent]:
        rows = self._read(
            "read the audit trail",
            "SELECT action, source_id, by_whom, at, detail FROM events "
            "WHERE %(id)s::text IS NULL OR source_id = %(id)s ORDER BY seq",
            {"id": source_id},
        )
        return [AuditEvent(*row) for row in rows]

    def get_setting(self, key: str, default: Any = None) -> Any:
        rows = self._read("read a setting", "SELECT value FROM settings WHERE key = %s", (key,))
        return rows[0][0] if rows else default

    def settings(self) -> dict[str, Any]:
        """Every setting (used to copy an archive)."""
        return dict(self._read("read settings", "SELECT key, value FROM settings ORDER BY key"))

    def stats(self) -> ArchiveStats:
        """Counted in the database. ISO partial dates sort as text the way
        PartialDate means to: '2014' < '2014-02' < '2014-02-01'."""
        (row,) = self._read(
            "count the archive",
            "SELECT count(*), coalesce(sum(jsonb_array_length(doc->'passages')), 0), "
            "coalesce(sum(jsonb_array_length(doc->'posts')), 0), min(date), max(date) FROM sources",
        )
        return ArchiveStats(
            sources=row[0],
            passages=int(row[1]),
            posts=int(row[2]),
            earliest=PartialDate.from_iso(row[3]) if row[3] else None,
            latest=PartialDate.from_iso(row[4]) if row[4] else None,
        )

    def __len__(self) -> int:
        return self._read("count sources", "SELECT count(*) FROM sources")[0][0]

    # --- the query log (the bot's questions, for digests) ---

    def log_query(self, record: dict[str, Any]) -> None:
        """Append one query record (a JSON-able dict, e.g. bot.querylog.QueryEntry.to_json()).
        Its time is record["at"] (ISO 8601; one without a zone is taken as UTC);
        a record without "at" is stamped with the current time."""
        record = dict(record)
        at = _parse_ts(record.get("at")) if record.get("at") else None
        if at is None:
            at = utc_now()
            record["at"] = at.isoformat(timespec="seconds")
        try:
            payload = Jsonb(record)
            json.dumps(record)
        except (TypeError, ValueError) as exc:
            raise ArchiveError(f"query record cannot be saved: {exc}") from exc
        with self._guard("log a query") as conn:
            conn.execute("INSERT INTO query_log (at, record) VALUES (%s, %s)", (at, payload))

    def queries_since(self, ts: datetime | str | None, until: datetime | str | None = None) -> list[dict[str, Any]]:
        """Query records strictly after `ts` (None = from the start) and up to
        `until` (inclusive, None = now), oldest first, as they were logged."""
        start, end = _parse_ts(ts), _parse_ts(until)
        rows = self._read(
            "read the query log",
            "SELECT record FROM query_log WHERE (%(start)s::timestamptz IS NULL OR at > %(start)s) "
            "AND (%(end)s::timestamptz IS NULL OR at <= %(end)s) ORDER BY at, seq",
            {"start": start, "end": end},
        )
        return [row[0] for row in rows]

    def prune_queries(self, before: datetime | str) -> int:
        """Delete query records older than `before`; returns how many."""
        with self._guard("prune the query log") as conn:
            cur = conn.execute("DELETE FROM query_log WHERE at < %s", (_parse_ts(before),))
            return cur.rowcount

    # --- for the search index (verifiers/engine.py) ---

    def archive_id(self) -> str:
        """The random id this database's archive got when its schema was created."""
        return self._read("read the archive id", "SELECT archive_id FROM archive_identity")[0][0]

    def revision(self) -> str | None:
        """Changes with every add or remove, by any process: the latest change
        cursor (the trigger logs every insert and delete). The archive id and
        the sources table's oid are part of it, so a database restored from a
        dump or recreated at the same place never passes for the saved one."""
        (row,) = self._read(
            "read the archive revision",
            "SELECT (SELECT archive_id FROM archive_identity), 'sources'::regclass::oid, "
            "(SELECT coalesce(max(cursor), 0) FROM changes)",
        )
        return f"{row[0]}.{row[1]}.{row[2]}"

    def source_hashes(self) -> dict[str, str]:
        """source id -> content hash, in one round trip (no documents read)."""
        rows = self._read("read the content hashes", "SELECT id, coalesce(content_hash, '') FROM sources")
        return dict(rows)

    def get_item(self, item_id: str) -> tuple[Source, Passage | Post] | None:
        """One passage or post and its source's metadata, picked out of `doc`
        by the server: the source's other passages and posts are not sent."""
        return self.get_items([item_id]).get(item_id)

    def get_items(self, item_ids: Iterable[str]) -> dict[str, tuple[Source, Passage | Post]]:
        """The verifier's candidates for one claim in one round trip, not one each."""
        wanted = [(item_id, *_item_ref(item_id)) for item_id in dict.fromkeys(item_ids)]
        wanted = [w for w in wanted if w[1] is not None]
        if not wanted:
            return {}
        ids, sids, fields, ns = (list(col) for col in zip(*wanted))
        rows = self._read(
            "read passages",
            f"SELECT q.item_id, q.f, {_SELECT_ALIASED} - 'passages' - 'posts', coalesce("
            "  CASE WHEN s.doc->q.f->(q.n::int)->>'index' = q.n THEN s.doc->q.f->(q.n::int) END,"
            "  (SELECT e FROM jsonb_array_elements(s.doc->q.f) e WHERE e->>'index' = q.n LIMIT 1))"
            " FROM unnest(%(ids)s::text[], %(sids)s::text[], %(fs)s::text[], %(ns)s::text[]) AS q(item_id, sid, f, n)"
            " JOIN sources s ON s.id = q.sid",
            {"ids": ids, "sids": sids, "fs": fields, "ns": [str(n) for n in ns]},
        )
        found = {}
        for item_id, field, *row in rows:
            if row[-1] is not None:
                found[item_id] = _item_of(tuple(row), field)
        return found

    def index_path(self) -> Path | None:
        """`<user cache>/isnad/pg-index/<dbname>-<hash>/`: the hash covers the
        server's host and port, the database name and the archive id (never
        the password), so two databases never share a saved index and one
        dropped and created again does not reuse the old one's."""
        with self._guard("read the connection") as conn:
            info = conn.info
            where = f"{info.host}\0{info.port}\0{info.dbname}"
            dbname = info.dbname
        key = hashlib.sha256(f"{where}\0{self.archive_id()}".encode()).hexdigest()[:16]
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", dbname)[:40].strip("._") or "db"
        return Path(platformdirs.user_cache_dir("isnad", appauthor=False)) / "pg-index" / f"{name}-{key}"

    # --- change notification ---

    def latest_cursor(self) -> int:
        """The newest change's cursor (0 for none): where to start following."""
        return self._read("read the change log", "SELECT coalesce(max(cursor), 0) FROM changes")[0][0]

    def changes_since(self, cursor: int = 0, *, limit: int | None = None) -> list[Change]:
        """Changes after `cursor`, oldest first."""
        rows = self._read(
            "read the change log",
            "SELECT cursor, action, source_id FROM changes WHERE cursor > %s ORDER BY cursor LIMIT %s",
            (cursor, limit),
        )
        return [Change(*row) for row in rows]

    def watch(
        self, callback: Callable[[Change], None], *, since: int | None = None, poll_interval: float = 5.0
    ) -> ChangeWatcher:
        """Call `callback(change)` for every change after `since` (default: from
        now on), in a background thread, until the watcher is stopped or the
        store closed. See the module docstring for the protocol."""
        start = self.latest_cursor() if since is None else since
        watcher = ChangeWatcher(self.url, callback, start, poll_interval=poll_interval)
        self._watchers.append(watcher)
        watcher.start()
        return watcher

    # --- plumbing ---

    def close(self) -> None:
        for watcher in self._watchers:
            watcher.stop()
        self._watchers.clear()
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, doing: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        """One read-only query. A connection that died since the last call (a
        server restart, an idle timeout) is replaced and the query retried once:
        reads are safe to repeat, unlike writes."""
        try:
            with self._guard(doing) as conn:
                return conn.execute(sql, params).fetchall()
        except ArchiveError as exc:
            if not isinstance(exc.__cause__, psycopg.OperationalError) or self._conn is None or not self._conn.broken:
                raise
        with self._guard(doing) as conn:
            return conn.execute(sql, params).fetchall()

    def _guard(self, doing: str) -> _Guard:
        return _Guard(self, doing)

    def _connection(self) -> psycopg.Connection:
        if self._conn is None:
            raise ArchiveError("the archive was closed")
        if self._conn.broken or self._conn.closed:  # e.g. the server restarted: try once more
            self._conn = connect(self.url)
        return self._conn


class _Guard:
    """Holds the store's lock around one use of its connection and turns
    connection failures into a one-line ArchiveError."""

    def __init__(self, store: PostgresStore, doing: str) -> None:
        self.store = store
        self.doing = doing

    def __enter__(self) -> psycopg.Connection:
        self.store._lock.acquire()
        try:
            return self.store._connection()
        except BaseException:
            self.store._lock.release()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        self.store._lock.release()
        if isinstance(exc, psycopg.Error):  # lost connection, missing privilege, full disk, …
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ArchiveError(
                f"could not {self.doing} in {self.store.where}: {message}. Any change in progress was not saved."
            ) from exc


class ChangeWatcher(ThreadedWatcher):
    """Follows the change log from its own connection (LISTEN needs one)."""

    def __init__(self, url: str, callback: Callable[[Change], None], cursor: int, *, poll_interval: float) -> None:
        super().__init__(callback, cursor, poll_interval=poll_interval, name="isnad-change-watcher")
        self.url = url

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    backoff = 0.5
                    self._follow(conn)
            except psycopg.Error as exc:
                log.warning("change watcher: %s; reconnecting in %.1f s",
                            str(exc).strip() or type(exc).__name__, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _follow(self, conn: psycopg.Connection) -> None:
        """Catch up, then wait for a notification (or the poll interval) and repeat.
        The wait is cut into short slices so stop() takes effect quickly."""
        while not self._stop.is_set():
            self._deliver_all(_changes_since(conn, self.cursor, None))
            waited = 0.0
            while not self._stop.is_set() and waited < self.poll_interval:
                if any(True for _ in conn.notifies(timeout=0.25, stop_after=1)):
                    # Let a burst of notifications (a bulk import) arrive, then read once.
                    for _ in conn.notifies(timeout=0.05):
                        pass
                    break
                waited += 0.25

    def _deliver_all(self, changes: list[Change]) -> None:
        for change in changes:
            if self._stop.is_set():
                return
            self._deliver(change)


def _changes_since(conn: psycopg.Connection, cursor: int, limit: int | None) -> list[Change]:
    rows = conn.execute(
        "SELECT cursor, action, source_id FROM changes WHERE cursor > %s ORDER BY cursor LIMIT %s",
        (cursor, limit),
    ).fetchall()
    return [Change(*row) for row in rows]


def _row(data: dict[str, Any]) -> tuple[Any, ...]:
    data = dict(data)
    columns = tuple(data.pop(name) for name in _COLUMNS)
    columns = columns[:-1] + (columns[-1] or None,)  # no hash: NULL, which UNIQUE lets repeat
    return (*columns, Jsonb(data))


def _insert_row(data: dict[str, Any]) -> tuple[Any, ...]:
    """_row plus the url_key column (schema 3)."""
    return (*_row(data), url_key(data.get("url") or "") or None)


def _item_ref(item_id: str) -> tuple[str, str, int] | tuple[None, None, None]:
    """"<source id>:p<n>" -> (source id, "passages", n); ":t<n>" -> posts."""
    source_id, _, local = item_id.rpartition(":")
    if local[:1] not in ("p", "t") or not local[1:].isdigit():
        return None, None, None
    # Items are stored in index order, so the n-th is usually at position n.
    return source_id, ("passages" if local[0] == "p" else "posts"), int(local[1:])


def _item_of(row: tuple[Any, ...], field: str) -> tuple[Source, Passage | Post]:
    """A row of (columns..., doc without items, the item) as (source, item)."""
    source = _source(row[:-2] + ({**row[-2], field: [row[-1]]},))
    item = source.passages[0] if field == "passages" else source.posts[0]
    source.passages, source.posts = [], []
    return source, item


def _source(row: tuple[Any, ...]) -> Source:
    data = dict(row[-1])
    data.update(zip(_COLUMNS, row[:-1]))
    data["content_hash"] = data["content_hash"] or ""
    return Source.from_dict(data)


def _find_bad_text(value: Any) -> str:
    """PostgreSQL text cannot hold NUL, nor Python's lone surrogates: such a
    source is skipped with this reason rather than failing the whole batch."""
    if isinstance(value, str):
        if "\x00" in value:
            return "a NUL character"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text that is not valid Unicode"
        return ""
    if isinstance(value, dict):
        return next((bad for v in value.values() if (bad := _find_bad_text(v))), "")
    if isinstance(value, list):
        return next((bad for v in value if (bad := _find_bad_text(v))), "")
    return ""


def _parse_ts(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ArchiveError(f"not an ISO 8601 time: {value!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
