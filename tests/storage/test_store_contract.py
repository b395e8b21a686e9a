"""The ArchiveStore contract, run against every backend: a TinyDB file and a
PostgreSQL database (skipped, with a message, when no server is available)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from storage.backends import open_store
from storage.errors import ArchiveError
from storage.records import PartialDate, Passage, Post, Source, content_hash
from storage.store import ArchiveStore
from tests.pg import fresh_database


class Opener:
    """Opens (and reopens) the same archive location; closes what it opened."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.opened: list[ArchiveStore] = []

    def __call__(self) -> ArchiveStore:
        store = open_store(self.location)
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self.opened:
            store.close()


@pytest.fixture(params=["tinydb", "postgres"])
def archive(request, tmp_path) -> Iterator[Opener]:
    if request.param == "tinydb":
        opener = Opener(str(tmp_path / "archive.json"))
        yield opener
        opener.close_all()
    else:
        with fresh_database() as url:
            opener = Opener(url)
            yield opener
            opener.close_all()


def article(n: int, *, date: PartialDate = PartialDate(2014, 2, 11), text: str | None = None) -> Source:
    body = text or f"انسحبت داعش من دير الزور بعد معارك عنيفة مع جبهة النصرة، الخبر رقم {n}"
    sid = f"src-{n}"
    return Source(
        id=sid,
        title=f"خبر {n}",
        publisher="نون بوست",
        date=date,
        url=f"https://example.org/{n}",
        lang="ar",
        content_hash=content_hash(body),
        passages=[Passage(sid, 0, body), Passage(sid, 1, "وقال مصدر في جبهة النصرة")],
        posts=[
            Post(sid, 0, "رتل للجيش الحر يدخل حقل كونيكو #دير_الزور", author="Zaid Benjamin", handle="zaidbenjamin",
                 date=PartialDate(2014, 2, 8), urls=["https://t.co/inQcuEy2wx"], hashtags=["دير الزور"],
                 status_id="432", status_url="https://twitter.com/zaidbenjamin/status/432"),
        ],
    )


def test_a_source_comes_back_as_it_was_added_even_after_reopening(archive):
    store = archive()
    result = store.add_many([article(1)], by="rania")
    assert [s.id for s in result.added] == ["src-1"] and not result.skipped
    stored = result.added[0]
    assert stored.added_by == "rania" and stored.added_at.startswith("20")
    store.close()

    again = archive().get("src-1")
    assert again is not None
    assert again.to_dict() == stored.to_dict()
    assert again.posts[0].date == PartialDate(2014, 2, 8) and again.date.iso() == "2014-02-11"


def test_the_same_content_or_id_is_skipped_with_a_reason_never_overwritten(archive):
    store = archive()
    store.add_many([article(1)], by="a")
    same_text_new_id = article(1)
    same_text_new_id.id = "other"
    same_id_new_text = article(2)
    same_id_new_text.id = "src-1"
    twice_in_batch = [article(3), article(3)]
    result = store.add_many([same_text_new_id, same_id_new_text, *twice_in_batch], by="b")

    assert [s.id for s in result.added] == ["src-3"]
    reasons = dict(result.skipped)
    assert set(reasons) == {"other", "src-1", "src-3"}
    assert "src-1" in reasons["other"]  # names the archived duplicate
    assert "already" in reasons["src-1"]
    assert "twice" in reasons["src-3"]
    assert store.get("src-1").to_dict()["passages"] == article(1).to_dict()["passages"]
    assert store.get("src-1").added_by == "a"
    assert store.find_by_hash(article(1).content_hash) == "src-1"
    assert store.find_by_hash(content_hash("never archived")) is None


def test_sources_are_listed_in_the_order_they_were_added(archive):
    store = archive()
    store.add_many([article(5), article(2)])
    store.add(article(9))
    store.add_many([article(1)])
    store.close()
    assert [s.id for s in archive().sources()] == ["src-5", "src-2", "src-9", "src-1"]


def test_removing_a_source_returns_it_frees_its_content_and_is_audited(archive):
    store = archive()
    store.add_many([article(1), article(2)], by="a")
    removed = store.remove("src-1", by="editor")
    assert removed is not None and removed.id == "src-1" and removed.passages
    assert store.remove("src-1", by="editor") is None
    assert store.remove("no-such-id") is None
    store.close()

    store = archive()
    assert store.get("src-1") is None
    assert [s.id for s in store.sources()] == ["src-2"]
    assert store.find_by_hash(article(1).content_hash) is None
    assert store.add(article(1), by="b")  # the same content can come back
    trail = [(e.action, e.source_id, e.by) for e in store.events()]
    assert trail == [("add", "src-1", "a"), ("add", "src-2", "a"), ("remove", "src-1", "editor"), ("add", "src-1", "b")]
    assert [e.action for e in store.events("src-2")] == ["add"]
    assert all(e.at.startswith("20") for e in store.events())


def test_settings_survive_a_restart_and_can_be_replaced(archive):
    store = archive()
    assert store.get_setting("digest") is None
    assert store.get_setting("digest", {"on": False}) == {"on": False}
    store.set_setting("digest", {"channel": 123, "time": "08:00", "tz": "Asia/Damascus", "days": [1, 3]})
    store.set_setting("language", "ar")
    store.set_setting("language", "en")
    store.close()

    store = archive()
    assert store.get_setting("digest") == {"channel": 123, "time": "08:00", "tz": "Asia/Damascus", "days": [1, 3]}
    assert store.get_setting("language") == "en"
    with pytest.raises(ArchiveError):
        store.set_setting("bad", object())


def test_stats_count_passages_posts_and_the_date_range(archive):
    store = archive()
    assert store.stats().sources == 0 and store.stats().earliest is None
    store.add_many([
        article(1, date=PartialDate(2013, 5, 2)),
        article(2, date=PartialDate(2015)),
        article(3, date=PartialDate()),
    ])
    stats = store.stats()
    assert (stats.sources, stats.passages, stats.posts) == (3, 6, 3)
    assert stats.earliest == PartialDate(2013, 5, 2) and stats.latest == PartialDate(2015)


def test_a_closed_store_says_so(archive):
    store = archive()
    store.close()
    store.close()  # twice is fine
    with pytest.raises(ArchiveError, match="closed"):
        store.get("src-1")


@pytest.mark.parametrize("target", ["ftp://example.org/archive", "tinydb://"])
def test_an_unusable_archive_location_is_a_one_line_error(target):
    with pytest.raises(ArchiveError) as caught:
        open_store(target)
    assert "\n" not in str(caught.value)


def test_tinydb_url_and_plain_path_open_the_same_file(tmp_path):
    path = tmp_path / "archive.json"
    with open_store(f"tinydb://{path}") as store:
        store.add(article(1))
    with open_store(str(path)) as store:
        assert store.get("src-1") is not None


# --- what the saved search index relies on (verifiers/engine.py) ----------------------


def test_get_item_returns_one_passage_or_post_with_its_source(archive):
    store = archive()
    store.add(article(1))
    source, passage = store.get_item("src-1:p1")
    assert passage == Passage("src-1", 1, "وقال مصدر في جبهة النصرة")
    assert (source.id, source.title, source.url, source.date) == ("src-1", "خبر 1", "https://example.org/1", PartialDate(2014, 2, 11))
    _, post = store.get_item("src-1:t0")
    assert post == article(1).posts[0]
    for missing in ("src-1:p7", "src-1:t1", "src-9:p0", "src-1:x0", "src-1:p", "nonsense"):
        assert store.get_item(missing) is None, missing


def test_get_items_answers_for_many_at_once_and_leaves_out_the_missing(archive):
    store = archive()
    store.add_many([article(1), article(2)])
    found = store.get_items(["src-1:p1", "src-2:t0", "src-1:p7", "src-9:p0", "nonsense", "src-1:p1"])
    assert set(found) == {"src-1:p1", "src-2:t0"}
    assert found["src-1:p1"] == store.get_item("src-1:p1")
    assert found["src-2:t0"][1] == article(2).posts[0] and found["src-2:t0"][0].id == "src-2"
    assert store.get_items([]) == {}


def test_the_revision_changes_with_every_add_or_remove_by_any_opener(archive):
    first, second = archive(), archive()
    seen = [first.revision()]
    second.add(article(1))
    seen.append(first.revision())
    assert first.revision() == seen[-1]  # reading changes nothing
    second.remove("src-1")
    seen.append(first.revision())
    second.add(article(2))
    seen.append(first.revision())
    assert None not in seen and len(set(seen)) == len(seen)


def test_source_hashes_map_every_id_to_its_content_hash(archive):
    store = archive()
    store.add_many([article(1), article(2)])
    store.remove("src-1")
    assert store.source_hashes() == {"src-2": article(2).content_hash}
    assert store.index_path() is not None


def test_find_by_url_knows_a_page_by_any_spelling_of_its_link_until_it_is_removed(archive):
    store = archive()
    store.add_many([article(1), article(2)], by="rania")
    for spelling in ("https://example.org/2", "http://www.example.org/2/", "https://example.org/2?utm_source=x#top"):
        assert store.find_by_url(spelling) == "src-2"
    assert store.find_by_url("https://example.org/3") is None and store.find_by_url("") is None
    store.close()
    reopened = archive()
    assert reopened.find_by_url("example.org/1") == "src-1"  # the index survives a restart
    reopened.remove("src-1", by="rania")
    assert reopened.find_by_url("https://example.org/1") is None


def test_find_by_url_follows_adds_and_removes_after_a_lookup(archive):
    store = archive()
    store.add_many([article(1)], by="rania")
    assert store.find_by_url("https://example.org/2") is None  # looked up before the page is added
    store.add_many([article(2)], by="rania")
    assert store.find_by_url("https://example.org/2") == "src-2"
    same_page = replace(article(3), url="https://www.example.org/2/")
    store.add_many([same_page], by="rania")
    assert store.find_by_url("https://example.org/2") == "src-2"  # the earliest source with the page
    store.remove("src-2", by="rania")
    assert store.find_by_url("https://example.org/2") == "src-3"
    store.remove("src-3", by="rania")
    assert store.find_by_url("https://example.org/2") is None
