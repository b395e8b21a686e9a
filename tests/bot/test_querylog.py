"""bot/querylog.py: append-only, survives a torn last line, groups the same claim."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.querylog import QueryEntry, QueryLog, querylog_path_for


def test_appends_and_skips_a_torn_line(tmp_path):
    path = querylog_path_for(tmp_path / "archive.json")
    assert path.name == "archive.queries.jsonl"
    log = QueryLog(path)
    now = datetime.now(UTC)
    log.record(QueryEntry(at=now.isoformat(), guild_id=1, channel_id=2, claim="داعـش  قتل"))
    with path.open("a") as handle:
        handle.write('{"at": "2024-')  # a crash mid-write
    log.record(QueryEntry(at=now.isoformat(), guild_id=1, channel_id=2, claim="داعش قتل"))
    entries = QueryLog(path).between(now - timedelta(minutes=1), now + timedelta(minutes=1), 1)
    assert len(entries) == 2 and entries[0].key == entries[1].key  # tatweel and spacing folded


def test_with_a_postgresql_archive_the_log_is_in_the_database(tmp_path):
    from storage.postgres_store import PostgresStore
    from tests.pg import fresh_database

    with fresh_database() as url:
        store = PostgresStore(url)
        try:
            path = tmp_path / "archive.queries.jsonl"
            log = QueryLog(path, store=store)
            now = datetime.now(UTC)
            old = now - timedelta(days=2)
            log.record(QueryEntry(at=old.isoformat(), guild_id=1, channel_id=2, claim="old question"))
            log.record(QueryEntry(at=now.isoformat(), guild_id=1, channel_id=2, claim="new question"))
            log.record(QueryEntry(at=now.isoformat(), guild_id=9, channel_id=3, claim="another server"))
            assert not path.exists()
            seen_elsewhere = QueryLog(None, store=PostgresStore(url))  # another process, same database
            picked = seen_elsewhere.between(now - timedelta(days=1), now + timedelta(minutes=1), 1)
            assert [e.claim for e in picked] == ["new question"]
            assert len(list(seen_elsewhere.entries())) == 3
            seen_elsewhere.database.close()
        finally:
            store.close()


def test_prune_forgets_entries_past_retention_and_keeps_the_rest(tmp_path):
    path = querylog_path_for(tmp_path / "archive.json")
    log = QueryLog(path)
    now = datetime.now(UTC)
    log.record(QueryEntry(at=(now - timedelta(days=31)).isoformat(), guild_id=1, channel_id=2, claim="old"))
    log.record(QueryEntry(at=(now - timedelta(days=1)).isoformat(), guild_id=1, channel_id=2, claim="recent"))
    assert log.prune(now - timedelta(days=30)) == 1
    assert [e.claim for e in QueryLog(path).entries()] == ["recent"]
    assert "old" not in path.read_text(encoding="utf-8")  # gone from the file, not just hidden
    assert log.prune(now - timedelta(days=30)) == 0


def test_a_claim_asked_in_a_dm_is_not_in_a_servers_period(tmp_path):
    log = QueryLog(None)
    now = datetime.now(UTC)
    log.record(QueryEntry(at=now.isoformat(), guild_id=None, channel_id=5, claim="from a DM"))
    log.record(QueryEntry(at=now.isoformat(), guild_id=1, channel_id=2, claim="in the server"))
    picked = log.between(now - timedelta(minutes=1), now + timedelta(minutes=1), 1)
    assert [e.claim for e in picked] == ["in the server"]


def test_the_same_tweet_link_shared_differently_is_one_claim():
    from bot.querylog import claim_key

    plain = "https://twitter.com/mohsarmini/status/433005387380064256"
    assert claim_key(plain + "?s=20") == claim_key(plain)
    assert claim_key("https://mobile.x.com/mohsarmini/status/433005387380064256?t=abc&s=19") == claim_key(plain)
    assert claim_key("https://twitter.com/other/status/433005387380064256") != claim_key(plain)
