"""Embedding the archive (`isnad embed`, the background worker): its progress count (needs the
multilingual extra, skips without it)."""
from __future__ import annotations

import copy

import pytest

from storage.records import Source
from storage.tinydb_store import TinyDBStore
from verifiers import embeddings
from verifiers.engine import Verifier

needs_model = pytest.mark.skipif(not embeddings.available(), reason=embeddings.MISSING)


@needs_model
def test_the_progress_counts_every_item_and_each_source_is_loaded_once(_parsed_sample, make_source):
    store = TinyDBStore(None)
    sample = copy.deepcopy(_parsed_sample)
    sample.id = "seed"
    store.add_many([sample, make_source("Fighters withdrew from Hajin on Monday.", id="hajin")])
    verifier = Verifier(store, index_dir=None)
    backfill = verifier.crosslang.make_backfill()
    assert backfill is not None
    loaded: list[str] = []
    fetch = backfill._fetch

    def counted(source_id: str) -> Source | None:
        loaded.append(source_id)
        return fetch(source_id)

    backfill._fetch = counted
    seen: list[tuple[int, int]] = []
    done = backfill.run(lambda d, t: seen.append((d, t)))
    items = len(sample.passages) + len(sample.posts) + 1
    assert done == items and seen[0] == (0, items) and seen[-1] == (items, items)
    assert sorted(loaded) == ["hajin", "seed"]
