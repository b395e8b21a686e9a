"""The Verifier over a store: exact links, incremental updates, timeline, limits."""
from storage.records import PartialDate, Post, Source
from storage.tinydb_store import TinyDBStore
from verifiers.engine import Verifier, url_key

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
        assert top.score == 100 and top.reason == "same tweet" and top.item_id == "s1:t0"


def test_url_key_ignores_scheme_www_and_trailing_punctuation():
    assert url_key("https://www.Example.com/a/B/!") == url_key("http://example.com/a/B") == "example.com/a/B"
    assert url_key("https://t.co/AbC") != url_key("https://t.co/abc")


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
