"""What only the PostgreSQL backend does: versioned migrations, several
processes sharing one database, change notification, the query log."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from storage.errors import ArchiveError, ForeignFileError, SchemaVersionError
from storage.migrations import Migration, apply_migrations, available_migrations, current_version, latest_version
from storage.postgres_store import Change, PostgresStore
from storage.records import PartialDate, Passage, Source, content_hash
from tests.pg import fresh_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture
def store(db_url) -> Iterator[PostgresStore]:
    store = PostgresStore(db_url)
    yield store
    store.close()


def source(n: int, text: str | None = None, *, sid: str | None = None) -> Source:
    body = text or f"خبر رقم {n} عن دير الزور"
    sid = sid or f"src-{n}"
    return Source(id=sid, title=f"t{n}", content_hash=content_hash(body), passages=[Passage(sid, 0, body)])


def run_other_process(url: str, code: str) -> str:
    """Run `code` in a second Python process with `store` open on the same database."""
    script = "import sys\nfrom storage.postgres_store import PostgresStore\n" \
             "from storage.records import Source, Passage, content_hash\n" \
             f"store = PostgresStore({url!r})\n" + textwrap.dedent(code) + "\nstore.close()\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return done.stdout


# --- migrations ---------------------------------------------------------------------


def test_a_new_database_gets_the_latest_schema_and_reopening_changes_nothing(db_url, store):
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert current_version(conn) == latest_version() >= 1
        assert apply_migrations(conn) == []
        rows = conn.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
    assert [r[0] for r in rows] == [m.version for m in available_migrations()]
    assert rows[0][1] == "initial"


def test_a_database_from_a_newer_isnad_is_refused_untouched(db_url, store):
    store.add(source(1))
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version (version, name) VALUES (%s, 'from_the_future')", (latest_version() + 1,))
    with pytest.raises(SchemaVersionError, match="newer Isnad"):
        PostgresStore(db_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 1


def test_new_migrations_apply_in_order_and_a_failing_one_leaves_the_schema_as_it_was(db_url, store):
    shipped = available_migrations()
    n = len(shipped)
    add_column = Migration(n + 1, "add_notes", "ALTER TABLE sources ADD COLUMN notes text NOT NULL DEFAULT '';")
    fill = Migration(n + 2, "fill_notes", "UPDATE sources SET notes = 'checked';")
    broken = Migration(n + 3, "broken", "ALTER TABLE sources ADD COLUMN x text; SELECT no_such_function();")
    store.add(source(1))
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert apply_migrations(conn, [*shipped, add_column, fill]) == [n + 1, n + 2]
        assert conn.execute("SELECT notes FROM sources").fetchone()[0] == "checked"
        with pytest.raises(psycopg.Error):
            apply_migrations(conn, [*shipped, add_column, fill, broken])
        assert current_version(conn) == n + 2
        columns = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'sources'")}
        assert "notes" in columns and "x" not in columns


def test_a_database_holding_someone_elses_tables_is_refused_untouched(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE sources (name text); INSERT INTO sources VALUES ('theirs')")
    with pytest.raises(ForeignFileError, match="not an Isnad archive"):
        PostgresStore(db_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert conn.execute("SELECT name FROM sources").fetchall() == [("theirs",)]
        assert conn.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None


def test_an_unreachable_server_is_a_one_line_error_without_the_password():
    with pytest.raises(ArchiveError) as caught:
        PostgresStore("postgresql://isnad:s3cret@127.0.0.1:1/isnad")
    message = str(caught.value)
    assert "127.0.0.1:1/isnad" in message and "s3cret" not in message and "\n" not in message


# --- several processes --------------------------------------------------------------


def test_a_source_added_by_another_process_is_announced_within_seconds(db_url, store):
    seen: list[Change] = []
    arrived = threading.Event()

    def on_change(change: Change) -> None:
        seen.append(change)
        arrived.set()

    watcher = store.watch(on_change, poll_interval=60)  # only NOTIFY can deliver it in time
    time.sleep(0.3)  # the watcher's LISTEN is in place
    started = time.monotonic()
    run_other_process(db_url, """
        body = "مصدر في جبهة النصرة يؤكد انسحاب داعش"
        store.add(Source(id="from-importer", content_hash=content_hash(body), passages=[Passage("from-importer", 0, body)]), by="importer")
    """)
    assert arrived.wait(3), "no change notification within 3 s"
    assert time.monotonic() - started < 5
    assert [(c.action, c.source_id) for c in seen] == [("add", "from-importer")]
    assert store.get("from-importer").added_by == "importer"

    arrived.clear()
    run_other_process(db_url, "store.remove('from-importer', by='editor')")
    assert arrived.wait(3)
    assert [(c.action, c.source_id) for c in seen] == [("add", "from-importer"), ("remove", "from-importer")]
    watcher.stop()


def test_a_process_that_was_not_listening_catches_up_from_its_cursor(db_url, store):
    store.add(source(1))
    cursor = store.latest_cursor()
    run_other_process(db_url, """
        for n in (2, 3):
            body = f"خبر {n}"
            store.add(Source(id=f"src-{n}", content_hash=content_hash(body), passages=[Passage("", 0, body)]))
        store.remove("src-1")
    """)
    missed = store.changes_since(cursor)
    assert [(c.action, c.source_id) for c in missed] == [("add", "src-2"), ("add", "src-3"), ("remove", "src-1")]
    assert [c.cursor for c in missed] == sorted(c.cursor for c in missed)
    assert store.changes_since(missed[-1].cursor) == []

    # A watcher started from an old cursor delivers the backlog first, in order.
    seen: list[Change] = []
    watcher = store.watch(seen.append, since=cursor)
    assert watcher.wait_for(missed[-1].cursor, timeout=3)
    assert seen == missed
    watcher.stop()


def test_two_processes_adding_the_same_content_at_once_store_it_once(db_url, store):
    # Each adds the same 40 texts under its own ids, in opposite orders, at the same moment.
    code = """
        import json, time
        order = list(range(40)) if sys.argv[1] == "a" else list(range(39, -1, -1))
        batch = []
        for n in order:
            body = f"نص مشترك رقم {n}"
            batch.append(Source(id=f"{sys.argv[1]}-{n}", content_hash=content_hash(body), passages=[Passage("", 0, body)]))
        while time.time() < float(sys.argv[2]):
            time.sleep(0.005)
        result = store.add_many(batch[:20])
        result2 = store.add_many(batch[20:])
        print(json.dumps([len(result.added) + len(result2.added), [r for _, r in result.skipped + result2.skipped]]))
    """
    script = ("import sys\nfrom storage.postgres_store import PostgresStore\n"
              "from storage.records import Source, Passage, content_hash\n"
              f"store = PostgresStore({db_url!r})\n" + textwrap.dedent(code) + "store.close()\n")
    start_at = str(time.time() + 1.5)
    procs = [subprocess.Popen([sys.executable, "-c", script, name, start_at], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}) for name in ("a", "b")]
    import json
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out))
    assert sum(added for added, _ in outputs) == 40
    assert all("same content as" in reason for _, reasons in outputs for reason in reasons)
    assert sum(len(reasons) for _, reasons in outputs) == 40
    assert store.stats().sources == 40
    assert len({s.content_hash for s in store.sources()}) == 40
    assert len([c for c in store.changes_since(0) if c.action == "add"]) == 40


# --- pg specifics of the records ---------------------------------------------------------


def test_text_postgresql_cannot_store_is_skipped_with_a_reason_and_the_rest_added(store):
    result = store.add_many([source(1, "نص فيه\x00صفر"), source(2)])
    assert [s.id for s in result.added] == ["src-2"]
    assert result.skipped == [("src-1", "it contains a NUL character, which PostgreSQL cannot store")]


def test_mixed_date_precision_gives_the_earliest_first_range(store):
    one, two, three = source(1), source(2), source(3)
    one.date, two.date, three.date = PartialDate(2014), PartialDate(2014, 2), PartialDate(2014, 2, 11)
    store.add_many([two, three, one])
    stats = store.stats()
    assert stats.earliest == PartialDate(2014) and stats.latest == PartialDate(2014, 2, 11)


def test_sources_are_read_in_pages_and_keep_their_order(store):
    import storage.postgres_store as pg

    batch = [source(n) for n in range(pg._PAGE + 7)]
    assert len(store.add_many(batch).added) == len(batch)
    assert [s.id for s in store.sources()] == [s.id for s in batch]


# --- the query log ---------------------------------------------------------------------


def test_the_query_log_returns_what_was_asked_after_a_time_oldest_first(db_url, store):
    t0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    for minutes, claim in [(10, "second"), (0, "first"), (20, "third")]:
        store.log_query({"at": (t0 + timedelta(minutes=minutes)).isoformat(), "claim": claim, "guild_id": 7,
                         "best": {"source_id": "src-1", "score": 88.5}})
    run_other_process(db_url, "store.log_query({'claim': 'from another shard'})")
    assert [q["claim"] for q in store.queries_since(None)][:3] == ["first", "second", "third"]
    assert [q["claim"] for q in store.queries_since(t0)] == ["second", "third", "from another shard"]
    assert [q["claim"] for q in store.queries_since("2024-03-01T08:05:00+00:00", until=t0 + timedelta(minutes=15))] == ["second"]
    assert store.queries_since(t0 + timedelta(minutes=5))[0]["best"] == {"source_id": "src-1", "score": 88.5}
    latest = store.queries_since(t0 + timedelta(minutes=20))
    assert [q["claim"] for q in latest] == ["from another shard"] and latest[0]["at"].startswith("20")
    assert store.prune_queries(t0 + timedelta(minutes=15)) == 2
    assert [q["claim"] for q in store.queries_since(None)] == ["third", "from another shard"]
    with pytest.raises(ArchiveError, match="ISO 8601"):
        store.queries_since("yesterday")


def test_a_user_without_rights_on_the_database_gets_a_one_line_error(db_url):
    role = f"isnad_reader_{uuid.uuid4().hex[:8]}"  # roles are server-wide
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    reader_url = db_url.replace("postgres@", f"{role}@", 1)
    try:
        with pytest.raises(ArchiveError) as caught:
            PostgresStore(reader_url)
        assert "permission denied" in str(caught.value) and "\n" not in str(caught.value)
    finally:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def test_after_connections_are_cut_reads_reconnect_and_the_watcher_catches_up(db_url, store):
    store.add(source(1))
    seen: list[Change] = []
    watcher = store.watch(seen.append, poll_interval=60)
    time.sleep(0.3)
    with psycopg.connect(db_url, autocommit=True) as admin:  # what a server restart does to clients
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    run_other_process(db_url, """
        body = "أضيف بينما كان الاتصال مقطوعا"
        store.add(Source(id="while-cut", content_hash=content_hash(body), passages=[Passage("", 0, body)]))
    """)
    assert store.get("src-1") is not None  # a read: reconnects by itself
    assert watcher.wait_for(store.latest_cursor(), timeout=5), "the watcher did not catch up after reconnecting"
    assert [(c.action, c.source_id) for c in seen] == [("add", "while-cut")]
    watcher.stop()


def test_rows_written_without_a_url_key_get_one_when_the_archive_opens(db_url):
    store = PostgresStore(db_url)
    page = source(1)
    page.url = "https://www.example.org/news/1?utm_source=feed"
    store.add(page, by="test")
    store.close()
    with psycopg.connect(db_url, autocommit=True) as conn:  # as an Isnad before schema 3 wrote it
        conn.execute("UPDATE sources SET url_key = NULL")
    reopened = PostgresStore(db_url)
    try:
        assert reopened.find_by_url("http://example.org/news/1/") == "src-1"
    finally:
        reopened.close()
