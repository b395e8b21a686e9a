"""Shared fixtures for the whole suite.

Every test runs with its own XDG data/config/cache directories and without
$ISNAD_DB, so nothing touches the real user's archive or config.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from storage.passages import make_passages
from storage.records import UNKNOWN_DATE, PartialDate, Post, Source
from storage.sample import SAMPLE_ADDED_BY, SAMPLE_PATH
from storage.tinydb_store import TinyDBStore


@pytest.fixture(scope="session", autouse=True)
def _isolated_session_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The same isolation for module- and session-scoped fixtures, which are set
    up before any test's own: a Verifier on the PostgreSQL seed archive saves its
    index in the user's cache directory, which must not be the real one."""
    home = tmp_path_factory.mktemp("xdg-session")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            patch.setenv(name, str(home / name.lower()))
        patch.delenv("ISNAD_DB", raising=False)
        yield home


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("xdg")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
    monkeypatch.delenv("ISNAD_DB", raising=False)
    return home


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    """Where a test archive file goes (not created yet)."""
    return tmp_path / "archive.json"


@pytest.fixture
def memory_store() -> Iterator[TinyDBStore]:
    """An empty in-memory archive."""
    store = TinyDBStore(None)
    yield store
    store.close()


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed article's text (storage/data/sample_noonpost_2014-02.txt)."""
    return SAMPLE_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def _parsed_sample(seed_text: str) -> Source:
    from storage.importers.text import parse_text_article  # H1's parser

    return parse_text_article(seed_text)


@pytest.fixture
def sample_source(_parsed_sample: Source) -> Source:
    """The seed article parsed by the text importer (id "", a fresh copy per test)."""
    return copy.deepcopy(_parsed_sample)


@pytest.fixture
def sample_store(archive_path: Path, sample_source: Source) -> Iterator[TinyDBStore]:
    """A TinyDB archive on a temp file holding the ingested sample (one source)."""
    from storage.ingest import ingest_sources

    store = TinyDBStore(archive_path)
    report = ingest_sources(store, [sample_source], by=SAMPLE_ADDED_BY)
    assert len(report.added) == 1, report
    yield store
    store.close()


@pytest.fixture(scope="module", params=["tinydb", "postgres"])
def seed_archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _parsed_sample: Source):
    """The sample ingested into each backend, so verification tests run on both
    (the PostgreSQL run skips, saying why, where no server can be had)."""
    from storage.ingest import ingest_sources

    if request.param == "tinydb":
        store = TinyDBStore(tmp_path_factory.mktemp("seed") / "archive.json")
        ingest_sources(store, [copy.deepcopy(_parsed_sample)], by=SAMPLE_ADDED_BY)
        yield store
        store.close()
        return
    from storage.postgres_store import PostgresStore
    from tests.pg import fresh_database

    with fresh_database() as url:
        store = PostgresStore(url)
        ingest_sources(store, [copy.deepcopy(_parsed_sample)], by=SAMPLE_ADDED_BY)
        yield store
        store.close()


@pytest.fixture
def make_source() -> Callable[..., Source]:
    """Build a Source from plain text: make_source("text. more.", id="s1",
    title=..., date="2014-02-10", posts=[("tweet text", "handle", "2014-02-11")])."""

    def build(
        text: str,
        *,
        id: str = "",
        title: str = "",
        date: str | None = None,
        url: str = "",
        publisher: str = "",
        posts: Sequence[tuple[str, str, str | None]] = (),
    ) -> Source:
        return Source(
            id=id,
            title=title,
            date=PartialDate.from_iso(date) if date else UNKNOWN_DATE,
            url=url,
            publisher=publisher,
            passages=make_passages(id, text),
            posts=[
                Post(id, i, body, handle=handle, date=PartialDate.from_iso(when))
                for i, (body, handle, when) in enumerate(posts)
            ],
        )

    return build
