"""The TinyDB archive: round trips, refusing files it must not touch, the audit
trail, settings and schema upgrades — all on real files."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from storage import tinydb_store
from storage.errors import ArchiveError, CorruptArchiveError, ForeignFileError, SchemaVersionError
from storage.records import PartialDate, Passage, Post, Source
from storage.tinydb_store import SCHEMA_VERSION, TinyDBStore


def full_source(source_id: str = "src-full", text_hash: str = "h-full") -> Source:
    return Source(
        id=source_id,
        title="“جبهة النصرة” تطرد “داعش” من دير الزور",
        publisher="نون بوست",
        author="كتبه نون بوست",
        date=PartialDate(2014, 2),
        url="https://www.noonpost.com/x",
        lang="ar",
        added_by="tester",
        added_at="2014-02-12T10:00:00+00:00",
        content_hash=text_hash,
        passages=[
            Passage(source_id, 0, "انسحب عناصر تنظيم داعش من محافظة دير الزور."),
            Passage(source_id, 1, "Second passage."),
        ],
        posts=[
            Post(
                source_id,
                0,
                "انسحاب داعش من #دير الزور https://t.co/abc",
                author="Zaid Benjamin",
                handle="zaidbenjamin",
                date=PartialDate(2014, 2, 8),
                urls=["https://t.co/abc"],
                hashtags=["دير الزور"],
                status_id="432187340329472000",
                status_url="https://twitter.com/zaidbenjamin/status/432187340329472000",
            ),
            Post(source_id, 1, "no date known"),
        ],
    )


def test_full_source_round_trips_through_the_file(archive_path: Path) -> None:
    source = full_source()
    with TinyDBStore(archive_path) as store:
        assert store.add(source, by="tester")
    with TinyDBStore(archive_path) as reopened:
        assert reopened.get(source.id) == source
        assert [s.id for s in reopened.sources()] == [source.id]
        assert reopened.find_by_hash("h-full") == source.id
        stats = reopened.stats()
    assert (stats.sources, stats.passages, stats.posts) == (1, 2, 2)
    assert stats.earliest == stats.latest == PartialDate(2014, 2)
    # Arabic is stored as text, not \u escapes: the file stays readable and small
    assert "دير الزور" in archive_path.read_text(encoding="utf-8")


def test_new_archive_carries_format_and_schema(archive_path: Path) -> None:
    nested = archive_path.parent / "deeper" / "archive.json"
    TinyDBStore(nested).close()
    data = json.loads(nested.read_text(encoding="utf-8"))
    assert list(data["meta"].values()) == [{"format": "isnad-archive", "schema": SCHEMA_VERSION}]


def test_sources_keep_insertion_order_and_duplicates_are_skipped(memory_store: TinyDBStore) -> None:
    first = memory_store.add_many([full_source("b", "h1"), full_source("a", "h2")], by="x")
    assert [s.id for s in first.added] == ["b", "a"]
    again = memory_store.add_many(
        [full_source("a", "h3"), full_source("c", "h1"), full_source("d", "h4"), full_source("d", "h5")]
    )
    assert [s.id for s in again.added] == ["d"]
    reasons = dict(again.skipped)
    assert "already in the archive" in reasons["a"]
    assert "same content as b" in reasons["c"]
    assert "twice" in reasons["d"]
    assert [s.id for s in memory_store.sources()] == ["b", "a", "d"]


def test_add_many_is_one_file_write(archive_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TinyDBStore(archive_path)
    writes = []
    real = tinydb_store._write_atomically
    monkeypatch.setattr(tinydb_store, "_write_atomically", lambda p, t: (writes.append(p), real(p, t)))
    store.add_many([full_source(f"s{i}", f"h{i}") for i in range(50)], by="x")
    assert len(writes) == 1
    assert len(TinyDBStore(archive_path).events()) == 50


def test_audit_trail_records_adds_and_removes(archive_path: Path) -> None:
    store = TinyDBStore(archive_path)
    store.add(full_source("s1", "h1"), by="alice")
    store.add(full_source("s2", "h2"), by="alice")
    removed = store.remove("s1", by="bob")
    assert removed is not None and removed.id == "s1"
    assert store.remove("s1", by="bob") is None  # gone, and no second event
    assert store.get("s1") is None and store.find_by_hash("h1") is None

    events = TinyDBStore(archive_path).events()
    assert [(e.action, e.source_id, e.by) for e in events] == [
        ("add", "s1", "alice"),
        ("add", "s2", "alice"),
        ("remove", "s1", "bob"),
    ]
    assert events[0].detail == "2 passages, 2 posts"
    assert events[2].detail == removed.title
    assert all(e.at.endswith("+00:00") for e in events)
    assert [e.action for e in TinyDBStore(archive_path).events("s2")] == ["add"]
    # the removed source's content can be imported again
    assert store.add(full_source("s1-again", "h1"))


def test_settings_persist_across_reopen(archive_path: Path) -> None:
    store = TinyDBStore(archive_path)
    digest = {"channel": 123, "hour": 8, "tz": "Asia/Damascus", "keywords": ["دير الزور"]}
    store.set_setting("digest", digest)
    digest["keywords"].append("changed after saving")  # must not reach the archive
    store.set_setting("digest_enabled", True)
    store.set_setting("digest_enabled", False)
    reopened = TinyDBStore(archive_path)
    assert reopened.get_setting("digest")["keywords"] == ["دير الزور"]
    assert reopened.get_setting("digest_enabled") is False
    assert reopened.get_setting("missing", "fallback") == "fallback"
    with pytest.raises(ArchiveError, match="cannot be saved"):
        reopened.set_setting("bad", {1, 2})


def test_returned_sources_do_not_alias_the_archive(memory_store: TinyDBStore) -> None:
    memory_store.add(full_source())
    got = memory_store.get("src-full")
    got.posts[0].urls.append("https://evil.example")
    got.passages.clear()
    again = memory_store.get("src-full")
    assert again.posts[0].urls == ["https://t.co/abc"] and len(again.passages) == 2


def test_ids_of_passages_follow_their_source(memory_store: TinyDBStore) -> None:
    source = full_source("real-id")
    source.passages = [Passage("", 0, "x")]
    memory_store.add(source)
    assert memory_store.get("real-id").passages[0].id == "real-id:p0"


@pytest.mark.parametrize(
    "content, expected",
    [
        (b'{"meta": {"1": {"format": "isnad-archive", "schema": 1}}, "sources": {"a": ', "invalid JSON at line 1"),
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b'{"meta": {"1": {"format": "isnad-archive", "schema": 1}}, "sources": []}', "table is damaged"),
    ],
)
def test_corrupt_file_is_refused_and_left_untouched(archive_path: Path, content: bytes, expected: str) -> None:
    archive_path.write_bytes(content)
    with pytest.raises(CorruptArchiveError) as caught:
        TinyDBStore(archive_path)
    message = str(caught.value)
    assert expected in message and str(archive_path) in message and "left untouched" in message
    assert "\n" not in message
    assert archive_path.read_bytes() == content


@pytest.mark.parametrize(
    "content",
    [
        {"_default": {"1": {"name": "someone else's tinydb"}}},
        [1, 2, 3],
        {"meta": {"1": {"format": "other-app", "schema": 1}}},
    ],
)
def test_foreign_json_is_refused_and_left_untouched(archive_path: Path, content: object) -> None:
    raw = json.dumps(content).encode()
    archive_path.write_bytes(raw)
    with pytest.raises(ForeignFileError, match="not an Isnad archive"):
        TinyDBStore(archive_path)
    assert archive_path.read_bytes() == raw


def test_newer_schema_is_refused_and_left_untouched(archive_path: Path) -> None:
    raw = json.dumps({"meta": {"1": {"format": "isnad-archive", "schema": SCHEMA_VERSION + 1}}}).encode()
    archive_path.write_bytes(raw)
    with pytest.raises(SchemaVersionError, match="newer Isnad"):
        TinyDBStore(archive_path)
    assert archive_path.read_bytes() == raw


def test_older_schema_is_migrated_with_a_backup(archive_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The migration mechanism, exercised by pretending the current schema is 2
    and v1 -> v2 upper-cased titles."""

    def v1_to_v2(data: dict) -> dict:
        for doc in data.get("sources", {}).values():
            doc["title"] = doc["title"].upper()
        return data

    TinyDBStore(archive_path).add(Source(id="s1", title="old", content_hash="h1"))
    before = archive_path.read_bytes()
    monkeypatch.setattr(tinydb_store, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(tinydb_store.MIGRATIONS, 1, v1_to_v2)

    store = TinyDBStore(archive_path)
    assert store.get("s1").title == "OLD"
    assert json.loads(archive_path.read_text())["meta"]["1"]["schema"] == 2
    assert archive_path.with_name("archive.json.schema1.bak").read_bytes() == before


def test_failed_or_missing_migration_leaves_file_untouched(archive_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    TinyDBStore(archive_path).close()
    before = archive_path.read_bytes()
    monkeypatch.setattr(tinydb_store, "SCHEMA_VERSION", 3)
    monkeypatch.setitem(tinydb_store.MIGRATIONS, 1, lambda data: data)
    with pytest.raises(SchemaVersionError, match="cannot upgrade"):  # no 2 -> 3
        TinyDBStore(archive_path)

    def broken(data: dict) -> dict:
        raise KeyError("title")

    monkeypatch.setitem(tinydb_store.MIGRATIONS, 2, broken)
    with pytest.raises(ArchiveError, match="upgrading from archive schema 2 failed"):
        TinyDBStore(archive_path)
    assert archive_path.read_bytes() == before
    assert not list(archive_path.parent.glob("*.bak"))


def test_a_second_process_sees_changes_and_does_not_overwrite_them(archive_path: Path) -> None:
    bot = TinyDBStore(archive_path)  # e.g. the Discord bot, long running
    cli = TinyDBStore(archive_path)  # e.g. `isnad ingest` meanwhile
    cli.add(full_source("from-cli", "h1"))
    bot.add(full_source("from-bot", "h2"))
    assert bot.get("from-cli") is not None
    assert {s.id for s in TinyDBStore(archive_path).sources()} == {"from-cli", "from-bot"}


def test_failed_write_keeps_file_and_memory_consistent(archive_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TinyDBStore(archive_path)
    store.add(full_source("kept", "h1"))
    before = archive_path.read_bytes()

    def disk_full(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tinydb_store, "_write_atomically", disk_full)
    with pytest.raises(ArchiveError, match="No space left"):
        store.add(full_source("lost", "h2"))
    assert archive_path.read_bytes() == before
    assert store.get("lost") is None and [s.id for s in store.sources()] == ["kept"]
    assert len(store.events()) == 1


def test_no_temp_files_are_left_behind(archive_path: Path) -> None:
    stale = archive_path.parent / f".{archive_path.name}.999999999.abcd.tmp"  # a writer that died
    stale.write_text("partial")
    unrelated = archive_path.parent / "notes.tmp"
    unrelated.write_text("someone else's")
    store = TinyDBStore(archive_path)
    for i in range(5):
        store.add(full_source(f"s{i}", f"h{i}"))
    # The lock file stays: deleting a flock'ed file lets two writers lock different files.
    assert sorted(p.name for p in archive_path.parent.iterdir()) == ["archive.json", "archive.json.lock", "notes.tmp"]


def test_closed_store_refuses_work(memory_store: TinyDBStore) -> None:
    memory_store.close()
    memory_store.close()  # twice is fine
    with pytest.raises(ArchiveError, match="closed"):
        memory_store.add(full_source())


def test_directory_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="is a directory"):
        TinyDBStore(tmp_path)


def test_crash_before_rename_leaves_the_old_archive(archive_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real write path, stopped just before os.replace (as a kill there would)."""
    store = TinyDBStore(archive_path)
    store.add(full_source("kept", "h1"))
    before = archive_path.read_bytes()

    def interrupted(src: str, dst: str) -> None:
        assert Path(src).read_text(encoding="utf-8").count('"lost"') >= 1  # the new state was fully written
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(tinydb_store.os, "replace", interrupted)
    with pytest.raises(ArchiveError, match="Nothing was changed"):
        store.add(full_source("lost", "h2"))
    monkeypatch.undo()
    assert archive_path.read_bytes() == before
    assert sorted(p.name for p in archive_path.parent.iterdir()) == ["archive.json", "archive.json.lock"]
    assert [s.id for s in TinyDBStore(archive_path).sources()] == ["kept"]


def test_reused_source_json_matches_a_fresh_serialization(archive_path: Path) -> None:
    store = TinyDBStore(archive_path)
    store.add_many([full_source(f"s{i}", f"h{i}") for i in range(5)], by="a")
    store.remove("s2", by="b")
    store.set_setting("digest", {"hour": 8})
    store.add(full_source("s2", "h2-again"))
    store.set_setting("digest", {"hour": 9})
    text = archive_path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    assert list(data["sources"]) == ["s0", "s1", "s3", "s4", "s2"]
    assert data["settings"]["digest"] == {"value": {"hour": 9}}
    assert TinyDBStore(archive_path).get("s2").content_hash == "h2-again"


def test_archive_deleted_while_open_is_a_clear_error(archive_path: Path) -> None:
    store = TinyDBStore(archive_path)
    archive_path.unlink()
    with pytest.raises(ArchiveError, match="moved or deleted while Isnad had it open"):
        store.add(full_source())


# --- a file replaced between reading it and noting which file was read --------------
# (docs/reliability.md, "The lost ingest under load"): the identity the storage
# compares before a write must be the identity of the bytes it parsed, or a
# write replaced in between is taken as already seen and overwritten.


def _src(sid: str) -> Source:
    return Source(id=sid, content_hash=f"h-{sid}", passages=[Passage(sid, 0, f"text of {sid}")])


def _replace_once_after_read(monkeypatch: pytest.MonkeyPatch, path: Path, sid: str) -> None:
    """The next time any store parses the archive, another writer replaces the
    file right after its bytes were read (as a busy machine may schedule it)."""
    real = tinydb_store._parse_archive
    fired: list[bool] = []

    def parse(p: Path, raw: bytes) -> dict:
        if not fired:
            fired.append(True)
            other = TinyDBStore(path)
            assert other.add(_src(sid), by="other")
            other.close()
        return real(p, raw)

    monkeypatch.setattr(tinydb_store, "_parse_archive", parse)


def test_a_write_landing_while_a_store_opens_is_not_overwritten(
    archive_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    TinyDBStore(archive_path).close()
    _replace_once_after_read(monkeypatch, archive_path, "landed-during-open")
    store = TinyDBStore(archive_path)  # reads the file; the other write lands before it looks at the file again
    assert store.add(_src("mine"), by="me")
    assert {s.id for s in TinyDBStore(archive_path).sources()} == {"landed-during-open", "mine"}


def test_a_write_landing_while_a_store_rereads_is_not_overwritten(
    archive_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TinyDBStore(archive_path)
    first = TinyDBStore(archive_path)
    assert first.add(_src("first"), by="first")
    _replace_once_after_read(monkeypatch, archive_path, "landed-during-reread")
    assert store.find_by_hash("h-mine") is None  # a lock-free read re-reads the changed file
    assert store.add(_src("mine"), by="me")
    assert {s.id for s in TinyDBStore(archive_path).sources()} == {"first", "landed-during-reread", "mine"}


def test_a_thread_rereading_cannot_swap_the_cache_under_another_threads_write(
    archive_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot reads in one thread while it writes in another: a lock-free
    re-read (of a file another process wrote) that finishes in the middle of
    the write must not replace the document the write is building on."""
    store = TinyDBStore(archive_path)
    assert TinyDBStore(archive_path).add(_src("from-cli"), by="cli")  # the reader will notice this file
    writing, reread_done = threading.Event(), threading.Event()
    real_serialize = store._storage._serialize

    def serialize() -> str:  # the writer thread, inside its write, before the file is written
        writing.set()
        reread_done.wait(2)
        return real_serialize()

    real_parse = tinydb_store._parse_archive
    writer_results: list[bool] = []
    writers: list[threading.Thread] = []

    def parse(p: Path, raw: bytes) -> dict:
        if threading.current_thread() is threading.main_thread() and not writer_results:
            writer = threading.Thread(target=lambda: writer_results.append(store.add(_src("mine"), by="bot")))
            writers.append(writer)
            writer.start()
            writing.wait(1)  # the writer starts its write while this re-read is under way
        return real_parse(p, raw)

    monkeypatch.setattr(store._storage, "_serialize", serialize)
    monkeypatch.setattr(tinydb_store, "_parse_archive", parse)
    store.get("from-cli")  # a read in the main thread re-reads the changed file
    reread_done.set()
    writers[0].join(10)
    assert writer_results == [True]
    assert {s.id for s in TinyDBStore(archive_path).sources()} == {"from-cli", "mine"}
