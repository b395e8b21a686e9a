"""The Verifier on a PostgreSQL archive: its index is saved in the user's cache
directory and memory-mapped at the next start, like TinyDB's beside the file.
Skipped, with a message, when no PostgreSQL server is available (tests/pg.py)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from storage.postgres_store import PostgresStore
from storage.records import PartialDate, Post, Source, content_hash
from tests.pg import fresh_database
from verifiers import engine
from verifiers.engine import Verifier, update_index

ROOT = Path(__file__).resolve().parents[2]
BRIDGE = "قام مجهولون بتفجير الجسر الحربي في منطقة حلبية وزلبية الأثرية والذي يقوم بخدمة الناس على ضفتي نهر الفرات"
DAMASCUS = "أمطار غزيرة في دمشق اليوم وانخفاض كبير في درجات الحرارة"
STATUS = "https://twitter.com/syria_omar/status/434054001"


@pytest.fixture
def db_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture
def hashed(make_source):
    """make_source plus the content hash ingest would give it."""

    def build(text: str, **kwargs) -> Source:
        source = make_source(text, **kwargs)
        source.content_hash = content_hash(text)
        return source

    return build


@pytest.fixture
def tokenized(monkeypatch) -> list[int]:
    """How many documents the engine tokenizes (every index build goes through _encode)."""
    counts: list[int] = []
    real = engine._encode

    def counting(docs, aliases):
        counts.append(len(docs))
        return real(docs, aliases)

    monkeypatch.setattr(engine, "_encode", counting)
    return counts


def no_rebuild(monkeypatch) -> None:
    monkeypatch.setattr(Verifier, "_rebuild", lambda self: pytest.fail("the index was rebuilt from the whole archive"))


def index_files(directory: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in directory.iterdir()}


def in_other_process(url: str, code: str) -> None:
    script = ("from storage.postgres_store import PostgresStore\nfrom storage.records import *\n"
              f"store = PostgresStore({url!r})\n" + textwrap.dedent(code) + "\nstore.close()\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr


def with_url(url: str, *, password: str | None = None, dbname: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':')[0]}:{password}@{host}"
    return urlunsplit(parts._replace(netloc=netloc, path="/" + dbname if dbname else parts.path))


def test_the_index_is_saved_in_the_cache_and_the_next_start_loads_it_without_tokenizing(
    db_url, hashed, tokenized, monkeypatch, _isolated_user_dirs
):
    store = PostgresStore(db_url)
    weather = hashed("الطقس في حلب مشمس.", id="weather")
    weather.posts = [Post("weather", 0, "رتل يدخل دير الزور", handle="syria_omar", status_id="434054001",
                          status_url=STATUS, date=PartialDate(2014, 2, 13))]
    store.add_many([hashed(BRIDGE + ".", id="bridge", title="جسر"), weather])
    Verifier(store)
    index_dir = store.index_path()
    store.close()
    assert index_dir.is_relative_to(_isolated_user_dirs / "xdg_cache_home")
    assert (index_dir / "meta.json").exists() and sum(tokenized) == 3
    before = index_files(index_dir)

    no_rebuild(monkeypatch)
    monkeypatch.setattr(PostgresStore, "source_hashes", lambda self: pytest.fail("the revision was not trusted"))
    reopened = PostgresStore(db_url)
    verifier = Verifier(reopened)
    assert sum(tokenized) == 3  # nothing tokenized at the second start
    assert verifier.verify(BRIDGE).matches[0].source_id == "bridge"
    tweet = verifier.verify(STATUS).matches[0]  # an exact link, read back through get_item
    assert (tweet.item_id, tweet.score, tweet.handle, tweet.date) == ("weather:t0", 100.0, "syria_omar", PartialDate(2014, 2, 13))
    assert index_files(index_dir) == before  # loaded, not written again
    reopened.close()


def test_sources_another_process_adds_or_removes_are_caught_up_without_a_rebuild(
    db_url, hashed, tokenized, monkeypatch
):
    store = PostgresStore(db_url)
    store.add_many([hashed(BRIDGE + ".", id="old"), hashed("الطقس في حلب مشمس.", id="keep")])
    Verifier(store)
    store.close()
    in_other_process(db_url, f"""
        text = {DAMASCUS + "."!r}
        store.add(Source(id="new", content_hash=content_hash(text), passages=[Passage("new", 0, text)]))
        store.remove("old")
    """)
    tokenized.clear()
    no_rebuild(monkeypatch)
    reopened = PostgresStore(db_url)
    verifier = Verifier(reopened)
    assert tokenized == [1]  # only the new source's passage
    assert verifier.verify(DAMASCUS).matches[0].source_id == "new"
    assert verifier.verify(BRIDGE).matches == []
    reopened.close()


def test_update_index_after_an_ingest_leaves_nothing_to_do_at_the_next_start(db_url, hashed, tokenized, monkeypatch):
    store = PostgresStore(db_url)
    store.add(hashed("الطقس في حلب مشمس.", id="s0"))
    update_index(store)
    store.add(hashed(BRIDGE + ".", id="s1"))  # what `isnad ingest` does
    update_index(store)
    tokenized.clear()
    no_rebuild(monkeypatch)
    monkeypatch.setattr(PostgresStore, "source_hashes", lambda self: pytest.fail("the saved index lagged"))
    assert Verifier(PostgresStore(db_url)).verify(BRIDGE).matches[0].source_id == "s1"
    assert tokenized == []


def test_two_databases_get_two_index_directories_and_the_password_is_never_in_the_path(db_url):
    with fresh_database() as other_url:
        one, same, other = PostgresStore(db_url), PostgresStore(with_url(db_url, password="s3cret")), PostgresStore(other_url)
        try:
            assert one.index_path() == same.index_path() != other.index_path()
            assert "s3cret" not in str(same.index_path())
            assert one.index_path().parent == other.index_path().parent
        finally:
            for store in (one, same, other):
                store.close()


def test_a_database_dropped_and_created_again_does_not_reuse_the_old_index(db_url, hashed, tokenized):
    store = PostgresStore(db_url)
    store.add(hashed(BRIDGE + ".", id="s1"))
    Verifier(store)
    old_dir = store.index_path()
    store.close()
    name = urlsplit(db_url).path.lstrip("/")
    with psycopg.connect(with_url(db_url, dbname="postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    recreated = PostgresStore(db_url)
    recreated.add(hashed(DAMASCUS + ".", id="s1"))  # the same id, other content
    tokenized.clear()
    verifier = Verifier(recreated)
    assert recreated.index_path() != old_dir and (old_dir / "meta.json").exists()
    assert tokenized == [1]  # built for the new database, from its one passage
    assert verifier.verify(DAMASCUS).matches[0].source_id == "s1"
    assert verifier.verify(BRIDGE).matches == []
    recreated.close()
