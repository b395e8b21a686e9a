"""The Verifier over a store: exact links, incremental updates, timeline, limits, the saved index."""
import logging

import pytest

from storage.records import PartialDate, Post, Source
from storage.tinydb_store import TinyDBStore
from storage.urls import url_key
from verifiers.engine import Verifier

BRIDGE = "قام مجهولون بتفجير الجسر الحربي في منطقة حلبية وزلبية الأثرية والذي يقوم بخدمة الناس على ضفتي نهر الفرات"


def bridge_post(source_id: str, when: str, **extra) -> Post:
    return Post(source_id, 0, BRIDGE, handle="syria_omar", date=PartialDate.from_iso(when), **extra)


def store_with(*sources: Source) -> TinyDBStore:
    store = TinyDBStore(None)
    store.add_many(sources)
    return store


def test_status_url_finds_the_archived_tweet():
    post = bridge_post(
        "s1", "2014-02-11",
        status_id="433210000000000000",
        status_url="https://twitter.com/syria_omar/status/433210000000000000",
    )
    verifier = Verifier(store_with(Source("s1", title="t", posts=[post])))
    for link in (
        "https://x.com/syria_omar/status/433210000000000000?s=20",
        "https://mobile.twitter.com/syria_omar/statuses/433210000000000000",
    ):
        top = verifier.verify(link).matches[0]
        assert top.score == 100 and top.exact and top.item_id == "s1:t0"


def test_find_linked_answers_from_the_link_tables_without_reading_every_source(monkeypatch):
    tweet = bridge_post("s1", "2014-02-11", status_id="433210000000000000",
                        status_url="https://twitter.com/syria_omar/status/433210000000000000")
    carrier = bridge_post("s2", "2014-02-12", urls=["https://t.co/AbC123"])
    store = store_with(Source("s1", title="t1", posts=[tweet]), Source("s2", title="t2", posts=[carrier]))
    verifier = Verifier(store)
    monkeypatch.setattr(type(store), "sources", lambda self: pytest.fail("read every source"))
    (same,) = verifier.find_linked("https://x.com/someone/status/433210000000000000?s=20")
    assert same.exact and same.item_id == "s1:t0" and same.score == 100
    (carried,) = verifier.find_linked("http://www.t.co/AbC123/")
    assert carried.exact and carried.item_id == "s2:t0"
    assert verifier.find_linked("https://t.co/abc123") == []  # t.co codes are case-sensitive
    verifier.remove_source("s2")
    assert verifier.find_linked("https://t.co/AbC123") == []


def test_url_key_ignores_scheme_www_and_trailing_punctuation():
    assert url_key("https://www.Example.com/a/B/!") == url_key("http://example.com/a/B") == "example.com/a/B"
    assert url_key("https://t.co/AbC") != url_key("https://t.co/abc")
    assert url_key("https://mobile.twitter.com/a/status/1?s=20&utm_source=x#top") == "mobile.twitter.com/a/status/1"
    assert url_key("https://m.example.com/news/%D8%AF?id=3") == url_key("example.com/news/د?id=3")


def test_sources_added_and_removed_after_start_are_seen(make_source):
    store = store_with(make_source("الطقس في دمشق ماطر اليوم.", id="s0"))
    verifier = Verifier(store)
    assert verifier.verify(BRIDGE).matches == []
    new = make_source(BRIDGE + ".", id="s2", title="جسر")
    store.add(new)
    verifier.add_sources([new])
    assert verifier.verify(BRIDGE).matches[0].source_id == "s2"
    store.remove("s2")
    verifier.remove_source("s2")
    assert verifier.verify(BRIDGE).matches == []


def test_timeline_is_earliest_first_and_limit_caps_matches(make_source):
    sources = [
        make_source(BRIDGE + ".", id="late", title="later article", date="2015-06-01"),
        make_source("مقال آخر.", id="tweet", date="2014-03-01", posts=[(BRIDGE, "syria_omar", "2014-02-11")]),
        make_source(BRIDGE + ".", id="undated", title="no date"),
    ]
    verifier = Verifier(store_with(*sources))
    report = verifier.verify(BRIDGE, limit=5)
    assert {m.source_id for m in report.matches} == {"late", "tweet", "undated"}
    assert [e.source_id for e in report.timeline] == ["tweet", "late", "undated"]
    assert report.first_seen.date == PartialDate(2014, 2, 11)
    assert report.timeline[0].kind == "post" and report.timeline[0].handle == "syria_omar"
    assert len(verifier.verify(BRIDGE, limit=2).matches) == 2


def test_verify_many_and_json_contract(sample_store):
    verifier = Verifier(sample_store)
    reports = verifier.verify_many(["الجيش الحر دخل حقل كونيكو", "I love cooking pasta"])
    assert len(reports) == 2
    data = reports[0].to_json()
    assert data["matches"][0]["handle"] == "AnasSouri0"
    assert data["first_seen"]["date"] == "2014-02-11"
    assert reports[1].to_json()["matches"] == []


def test_empty_archive_and_empty_claim():
    verifier = Verifier(TinyDBStore(None))
    assert verifier.verify("داعش قتلت السجناء في دير الزور").matches == []
    assert verifier.verify("").matches == []


# --- the index kept beside the archive ------------------------------------------------

DAMASCUS = "أمطار غزيرة في دمشق اليوم وانخفاض كبير في درجات الحرارة"


def _no_rebuild(monkeypatch):
    def refuse(self):
        raise AssertionError("the index was rebuilt from the whole archive")

    monkeypatch.setattr(Verifier, "_rebuild", refuse)


def test_the_index_is_saved_beside_the_archive_and_loaded_at_the_next_start(archive_path, make_source, monkeypatch):
    store = TinyDBStore(archive_path)
    store.add(make_source(BRIDGE + ".", id="s1", title="جسر"))
    Verifier(store)
    store.close()
    assert (archive_path.parent / "archive.json.index" / "meta.json").exists()
    _no_rebuild(monkeypatch)
    reopened = Verifier(TinyDBStore(archive_path))
    assert reopened.verify(BRIDGE).matches[0].source_id == "s1"


def test_sources_added_and_removed_while_closed_are_caught_up_without_a_rebuild(archive_path, make_source, monkeypatch):
    store = TinyDBStore(archive_path)
    store.add_many([make_source(BRIDGE + ".", id="old"), make_source("الطقس في حلب مشمس.", id="keep")])
    Verifier(store)
    store.close()
    other = TinyDBStore(archive_path)  # another process: `isnad ingest`, `isnad sources remove`
    other.add(make_source(DAMASCUS + ".", id="new"))
    other.remove("old")
    other.close()
    _no_rebuild(monkeypatch)
    verifier = Verifier(TinyDBStore(archive_path))
    assert verifier.verify(DAMASCUS).matches[0].source_id == "new"
    assert [m.source_id for m in verifier.verify(BRIDGE).matches] == []


def test_adding_one_source_updates_the_index_in_place(archive_path, make_source, monkeypatch):
    store = TinyDBStore(archive_path)
    store.add_many([make_source(f"خبر رقم {i} عن الطقس في مدينة {i}.", id=f"s{i}") for i in range(30)])
    verifier = Verifier(store)
    merges = []
    monkeypatch.setattr(type(verifier._index), "merge", lambda self: merges.append(1))
    before = verifier._index.n_docs
    new = make_source(BRIDGE + ".", id="late")
    store.add(new)
    assert verifier.add_sources([new]) == 1
    assert verifier._index.n_docs == before + 1 and merges == []
    assert verifier.verify(BRIDGE).matches[0].source_id == "late"
    assert verifier.add_sources([new]) == 0  # already indexed: not twice
    assert len(verifier.verify(BRIDGE).matches) == 1


def test_a_current_index_is_trusted_by_its_revision(archive_path, make_source, monkeypatch):
    store = TinyDBStore(archive_path)
    store.add(make_source(BRIDGE + ".", id="s1"))
    Verifier(store)
    store.close()
    reopened = TinyDBStore(archive_path)
    monkeypatch.setattr(TinyDBStore, "source_hashes", lambda self: pytest.fail("compared every source"))
    Verifier(reopened)


@pytest.mark.parametrize("damage", ["garbage_meta", "missing_array", "truncated_array", "other_aliases"])
def test_a_damaged_or_stale_index_is_rebuilt_with_a_log_line(archive_path, make_source, caplog, monkeypatch, damage):
    store = TinyDBStore(archive_path)
    store.add(make_source(BRIDGE + ".", id="s1"))
    Verifier(store)
    index_dir = archive_path.parent / "archive.json.index"
    arrays = sorted(index_dir.glob("*.npy"))
    if damage == "garbage_meta":
        (index_dir / "meta.json").write_bytes(b"\x00\xffnot json")
    elif damage == "missing_array":
        arrays[0].unlink()
    elif damage == "truncated_array":
        for path in arrays:
            path.write_bytes(path.read_bytes()[:70])
    table = None
    if damage == "other_aliases":  # a moderator added names since the index was saved
        from verifiers.aliases import add_alias, read_aliases

        add_alias(archive_path.parent / "aliases.toml", "raqqa", ["Raqqa City"])
        table = read_aliases(archive_path.parent / "aliases.toml")
    with caplog.at_level(logging.WARNING, logger="isnad.index"):
        verifier = Verifier(store, aliases=table)
    assert "rebuilding the search index" in caplog.text
    assert verifier.verify(BRIDGE).matches[0].source_id == "s1"
    _no_rebuild(monkeypatch)
    Verifier(store, aliases=table)  # the rebuilt index was saved


def test_an_index_that_cannot_be_saved_still_answers(tmp_path, make_source, caplog):
    store = TinyDBStore(tmp_path / "archive.json")
    store.add(make_source(BRIDGE + ".", id="s1"))
    (tmp_path / "archive.json.index").write_text("a file where the index directory should be")
    with caplog.at_level(logging.WARNING, logger="isnad.index"):
        verifier = Verifier(store)
    assert "could not save the search index" in caplog.text
    assert verifier.verify(BRIDGE).matches[0].source_id == "s1"


def test_an_in_memory_archive_writes_no_index(tmp_path, make_source, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Verifier(store_with(make_source(BRIDGE + ".", id="s1")))
    assert list(tmp_path.iterdir()) == []


def test_update_index_saves_what_an_ingest_added(archive_path, make_source, monkeypatch):
    from verifiers.engine import update_index

    store = TinyDBStore(archive_path)
    store.add(make_source("الطقس في حلب مشمس.", id="s0"))
    update_index(store)
    store.add(make_source(BRIDGE + ".", id="s1"))  # what `isnad ingest` does
    update_index(store)
    monkeypatch.setattr(TinyDBStore, "source_hashes", lambda self: pytest.fail("the index lagged"))
    assert Verifier(store).verify(BRIDGE).matches[0].source_id == "s1"
    monkeypatch.undo()
    assert update_index(store, rebuild=True).verify(BRIDGE).matches[0].source_id == "s1"


def test_an_other_language_account_is_found_past_many_same_language_candidates(make_source):
    # 150 English passages share more words (and two of the concepts) with the
    # claim, 150 Arabic ones make "withdraw" common: BM25 ranks the one Arabic
    # account of the claim past the first 100 candidates.
    english = [make_source(f"Local sources said ISIS fighters left Deir ez-Zor city yesterday, report {i}.", id=f"en{i}")
               for i in range(150)]
    withdrawals = [make_source(f"انسحب اللاعب رقم {i} من البطولة.", id=f"w{i}") for i in range(150)]
    arabic = make_source("انسحب مقاتلو تنظيم داعش من مدينة دير الزور.", id="ar")
    verifier = Verifier(store_with(*english, *withdrawals, arabic))
    claim = "ISIS fighters withdrew from Deir ez-Zor city yesterday, local sources said"
    found = {m.source_id: m for m in verifier.verify(claim, limit=200, min_score=0).matches}
    assert "ar" in found and found["ar"].score >= verifier.threshold


def test_a_batch_shared_between_worker_processes_gives_the_same_reports_in_order(sample_store):
    verifier = Verifier(sample_store)
    claims = ["الجيش الحر دخل حقل كونيكو", "I love cooking pasta", BRIDGE, "داعش في دير الزور"] * 3
    alone = [r.to_json() for r in verifier.verify_many(claims, workers=1)]
    shared = [r.to_json() for r in verifier.verify_many(claims, workers=2)]
    assert shared == alone
    assert shared[0]["matches"] and not shared[1]["matches"]
