"""Copying an archive TinyDB -> PostgreSQL -> TinyDB loses nothing."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.errors import ArchiveError
from storage.migrate import fingerprint, migrate
from storage.postgres_store import PostgresStore
from storage.records import PartialDate, Passage, Post, Source, content_hash
from storage.tinydb_store import TinyDBStore
from tests.pg import fresh_database


@pytest.fixture
def pg() -> Iterator[PostgresStore]:
    with fresh_database() as url:
        store = PostgresStore(url)
        yield store
        store.close()


def rich_source(sid: str, text: str, date: PartialDate) -> Source:
    return Source(
        id=sid, title=f"عنوان {sid}", publisher="نون بوست", author="كاتب", date=date,
        url=f"https://example.org/{sid}", lang="ar", content_hash=content_hash(text),
        passages=[Passage(sid, 0, text), Passage(sid, 1, "جبهــة النصرة  تسيطر على حقل كونيكو\u200f")],
        posts=[
            Post(sid, 0, "عاجل #دير_الزور https://t.co/inQcuEy2wx", author="محمد سرميني", handle="mohsarmini",
                 date=PartialDate(2014, 2, 10), urls=["https://t.co/inQcuEy2wx"], hashtags=["دير الزور"],
                 status_id="433046467004575744", status_url="https://twitter.com/mohsarmini/status/433046467004575744"),
            Post(sid, 1, "no date, another platform", platform="facebook", date=PartialDate(2014, 2)),
        ],
    )


def filled_tinydb(path) -> TinyDBStore:
    store = TinyDBStore(path)
    store.add_many([
        rich_source("noonpost-1", "انسحبت داعش من دير الزور", PartialDate(2014, 2, 11)),
        rich_source("src-2", "year only", PartialDate(2013)),
        rich_source("src-3", "month only", PartialDate(2014, 2)),
    ], by="rania")
    store.add(rich_source("src-4", "undated", PartialDate()), by="")
    store.add(Source(id="bare", content_hash=""), by="importer")  # no text, no hash
    store.remove("src-3", by="editor")
    store.set_setting("digest", {"channel": 42, "time": "08:00", "tz": "Asia/Damascus"})
    store.set_setting("empty", [])
    return store


def snapshot(store) -> tuple:
    settings = {k: store.get_setting(k) for k in ("digest", "empty")}
    return [s.to_dict() for s in store.sources()], store.events(), settings


def test_tinydb_to_postgres_and_back_is_the_same_archive(tmp_path, pg):
    original = filled_tinydb(tmp_path / "original.json")
    there = migrate(original, pg)
    assert there.ok, there.problems
    assert there.source.sources == 4 and there.source.events == 6 and there.source.settings == 2

    back_store = TinyDBStore(tmp_path / "back.json")
    back = migrate(pg, back_store)
    assert back.ok, back.problems
    back_store.close()

    reopened = TinyDBStore(tmp_path / "back.json")
    assert snapshot(reopened) == snapshot(original) == snapshot(pg)
    assert fingerprint(reopened) == fingerprint(original)
    # Dates keep their precision, added_at/added_by are the original ones.
    dates = {s.id: s.date.iso() for s in reopened.sources()}
    assert dates == {"noonpost-1": "2014-02-11", "src-2": "2013", "src-4": None, "bare": None}
    assert reopened.get("noonpost-1").posts[1].date.precision.value == "month"
    assert {s.added_at for s in reopened.sources()} == {s.added_at for s in original.sources()}
    # The copy is a working archive: dedupe by hash still holds there.
    assert reopened.find_by_hash(content_hash("year only")) == "src-2"
    assert not reopened.add(rich_source("dup", "year only", PartialDate(2020)))
    assert pg.find_by_hash(content_hash("year only")) == "src-2"


def test_a_copy_goes_only_into_an_empty_archive(tmp_path, pg):
    pg.add(rich_source("already", "already here", PartialDate(2020)))
    with pytest.raises(ArchiveError, match="not empty"):
        migrate(filled_tinydb(tmp_path / "a.json"), pg)
    assert [s.id for s in pg.sources()] == ["already"]


def test_text_postgresql_cannot_hold_stops_the_copy_before_anything_is_written(tmp_path, pg):
    src = TinyDBStore(tmp_path / "nul.json")
    src.add_many([rich_source("fine", "fine", PartialDate(2014)), rich_source("nul", "bad\x00byte", PartialDate(2014))])
    with pytest.raises(ArchiveError, match="nul.*NUL character.*nothing was copied"):
        migrate(src, pg)
    assert list(pg.sources()) == [] and pg.events() == []


def test_verification_notices_a_single_changed_passage(tmp_path):
    a = TinyDBStore(tmp_path / "a.json")
    b = TinyDBStore(tmp_path / "b.json")
    one = rich_source("x", "the text", PartialDate(2014))
    a.add(one)
    one.passages[1].text += "."
    b.add(one)
    fa, fb = fingerprint(a), fingerprint(b)
    assert (fa.sources, fa.passages, fa.posts) == (fb.sources, fb.passages, fb.posts)
    assert fa.digest != fb.digest


def test_migrating_between_locations_opens_copies_and_closes(tmp_path):
    from storage.migrate import migrate_between

    src = filled_tinydb(tmp_path / "src.json")
    src.close()
    with fresh_database() as url:
        report = migrate_between(str(tmp_path / "src.json"), url)
        assert report.ok and report.to_json()["copied"]["sources"] == 4
        assert report.to_json()["to"].startswith("PostgreSQL 127.0.0.1:")
        back = migrate_between(url, f"tinydb://{tmp_path / 'back.json'}")
        assert back.ok and back.source.digest == report.source.digest
    with pytest.raises(ArchiveError, match="no archive at"):
        migrate_between(str(tmp_path / "typo.json"), str(tmp_path / "other.json"))
    assert not (tmp_path / "typo.json").exists()


# --- issue 11: a copy into an archive that was opened (and indexed) before ----------


def _indexed_claim_source() -> Source:
    text = "قصف مدفعي على حي الجورة في دير الزور صباح اليوم"
    return Source(id="m1", content_hash=content_hash(text), passages=[Passage("m1", 0, text)])


def test_a_copy_into_a_tinydb_file_opened_before_is_found_by_verify(tmp_path):
    from verifiers.engine import Verifier

    src = TinyDBStore(tmp_path / "src.json")
    src.add(_indexed_claim_source())
    dst = TinyDBStore(tmp_path / "dst.json")
    assert Verifier(dst).verify("قصف مدفعي على حي الجورة").matches == []  # saves an empty, current index
    before = dst.revision()
    migrate(src, dst)
    assert dst.revision() != before
    report = Verifier(TinyDBStore(tmp_path / "dst.json")).verify("قصف مدفعي على حي الجورة في دير الزور")
    assert [m.source_id for m in report.matches][:1] == ["m1"]


def test_a_copy_into_a_postgres_archive_opened_before_is_found_by_verify(tmp_path, pg):
    from verifiers.engine import Verifier

    src = TinyDBStore(tmp_path / "src.json")
    src.add(_indexed_claim_source())
    assert Verifier(pg, index_dir=tmp_path / "pg-index").verify("قصف مدفعي على حي الجورة").matches == []
    migrate(src, pg)
    report = Verifier(pg, index_dir=tmp_path / "pg-index").verify("قصف مدفعي على حي الجورة في دير الزور")
    assert [m.source_id for m in report.matches][:1] == ["m1"]
