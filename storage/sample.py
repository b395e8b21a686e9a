"""The bundled sample article and the default archive location.

A first run with no archive configured gets a working archive in the user's
data directory, holding the bundled sample (the seed Noon Post article), so
`isnad verify` answers something real straight away. An archive path the user
names explicitly starts empty.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import platformdirs

from storage.store import ArchiveStore
from storage.tinydb_store import TinyDBStore

SAMPLE_PATH = Path(str(files("storage").joinpath("data", "sample_noonpost_2014-02.txt")))
SAMPLE_ADDED_BY = "isnad (bundled sample)"
_SEEDED_SETTING = "sample_seeded"


def default_archive_path() -> Path:
    return Path(platformdirs.user_data_dir("isnad", appauthor=False)) / "archive.json"


def open_store(path: Path | None = None) -> ArchiveStore:
    """The archive at `path`, or the default archive (seeded with the sample).

    `path` is already resolved by the caller (--db, $ISNAD_DB, config); an
    explicit path that does not exist yet starts as an empty archive.
    """
    if path is not None:
        return TinyDBStore(path)
    store = TinyDBStore(default_archive_path())
    try:
        seed_sample(store)
    except BaseException:
        store.close()
        raise
    return store


def open_archive(target: str | None) -> ArchiveStore:
    """What a user names as the archive: a postgresql:// URL, a TinyDB file
    path, or nothing for the default file (seeded with the sample)."""
    from storage.backends import archive_file_path, is_postgres_url
    from storage.backends import open_store as open_url

    if target and is_postgres_url(target):
        return open_url(target)
    # Checked before anything is created: `mysql://…` or `memory:` must not
    # become a file or folder named after the address.
    return open_store(archive_file_path(target) if target else None)


def seed_sample(store: ArchiveStore) -> None:
    """Add the sample once per archive.

    A setting records that it was done, so a user who removes the sample does
    not get it back. Adding then marking is two writes; if a crash falls
    between them, the next open re-adds nothing (same content hash) and marks.
    """
    if store.get_setting(_SEEDED_SETTING):
        return
    from storage.importers.text import parse_text_article
    from storage.ingest import ingest_sources

    source = parse_text_article(SAMPLE_PATH.read_text(encoding="utf-8"))
    ingest_sources(store, [source], by=SAMPLE_ADDED_BY)
    store.set_setting(_SEEDED_SETTING, True)
