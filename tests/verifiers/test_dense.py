"""The dense index: int8 rows, matrix-product search, persistence (no model needed)."""
from __future__ import annotations

import contextlib
import logging

import numpy as np
import pytest

from verifiers import dense
from verifiers.dense import ARABIC, GROW_MIN, OTHER, DenseIndex, DenseIndexBusy, directory_for, quantize

DIM = 384
STAMP = {"model": "test", "text": 1}


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def filled(directory, rng, sources: int = 30, per: int = 5) -> tuple[DenseIndex, np.ndarray]:
    index = DenseIndex.open(directory, STAMP, DIM)
    vectors = unit(rng, sources * per)
    for s in range(sources):
        rows = vectors[s * per:(s + 1) * per]
        index.add_source(f"s{s}", f"h{s}", [f"s{s}:{i}" for i in range(per)],
                         [ARABIC if s % 2 else OTHER] * per, rows)
    return index, vectors


def test_int8_rows_keep_cosines_to_a_hundredth():
    rng = np.random.default_rng(1)
    vectors = unit(rng, 200)
    rows, scale = quantize(vectors)
    restored = rows.astype(np.float32) * scale[:, None]
    q = vectors[0]
    assert np.abs(restored @ q - vectors @ q).max() < 0.01


def test_search_returns_the_float32_order_and_keeps_one_script(tmp_path):
    rng = np.random.default_rng(2)
    index, vectors = filled(tmp_path / "d", rng)
    q = vectors[17] + 0.3 * unit(rng, 1)[0]
    q /= np.linalg.norm(q)
    hits = index.search(q, k=5)
    exact = np.argsort(-(vectors @ q))[:5]
    assert [h.item_id for h in hits][:3] == [f"s{i // 5}:{i % 5}" for i in exact[:3]]
    assert hits[0].item_id == "s3:2" and hits[0].cosine == pytest.approx(float(vectors[17] @ q), abs=0.01)
    arabic = index.search(q, k=10, lang=ARABIC)
    assert arabic and all(int(h.source_id[1:]) % 2 == 1 for h in arabic)


def test_a_search_shared_between_two_threads_finds_what_one_finds(tmp_path, monkeypatch):
    rng = np.random.default_rng(4)
    index, vectors = filled(None, rng, sources=4 * dense.BLOCK // 5 + 40)  # past two blocks of rows
    q = vectors[9000] + 0.2 * unit(rng, 1)[0]
    q /= np.linalg.norm(q)
    alone = {lang: index.search(q, k=25, lang=lang) for lang in (None, ARABIC, OTHER)}
    monkeypatch.setattr(dense, "SPLIT_MIN", dense.BLOCK)
    monkeypatch.setattr(dense, "_CORES", 2)
    calls = []
    real = dense._top
    monkeypatch.setattr(dense, "_top", lambda *a: calls.append(a[5:7]) or real(*a))
    for lang, hits in alone.items():
        assert index.search(q, k=25, lang=lang) == hits
    assert sorted(calls[:2]) == [(0, 2 * dense.BLOCK), (2 * dense.BLOCK, len(vectors))]  # two halves
    assert alone[None][0].item_id == "s1800:0"
    monkeypatch.setattr(dense, "_one_blas_thread", lambda: contextlib.nullcontext(False))  # without threadpoolctl
    einsum = index.search(q, k=25)
    assert [h.item_id for h in einsum] == [h.item_id for h in alone[None]]
    assert [h.cosine for h in einsum] == pytest.approx([h.cosine for h in alone[None]], abs=1e-5)


def test_saved_index_reopens_grows_and_forgets_removed_sources(tmp_path):
    rng = np.random.default_rng(3)
    directory = tmp_path / "archive.json.index.dense"
    index, vectors = filled(directory, rng, sources=(GROW_MIN // 5) + 20)  # past the first allocation
    index.remove_source("s0")
    index.save()
    again = DenseIndex.open(directory, STAMP, DIM)
    assert len(again) == len(index) == len(vectors) - 5
    assert again.has("s1", "h1") and not again.has("s0", "h0")
    assert all(h.source_id != "s0" for h in again.search(vectors[0], k=20))
    assert again.search(vectors[7], k=1)[0].item_id == "s1:2"


def test_many_removals_compact_into_a_new_generation(tmp_path):
    rng = np.random.default_rng(4)
    directory = tmp_path / "d"
    index, vectors = filled(directory, rng, sources=20)
    for s in range(10):
        index.remove_source(f"s{s}")
    index.save()
    assert sorted(p.name for p in directory.glob("vectors.*")) == ["vectors.1.i8"]
    again = DenseIndex.open(directory, STAMP, DIM)
    assert len(again) == 50
    assert again.search(vectors[60], k=1)[0].item_id == "s12:0"


def test_another_model_or_a_damaged_file_starts_again_with_a_log_line(tmp_path, caplog):
    rng = np.random.default_rng(5)
    directory = tmp_path / "d"
    index, _ = filled(directory, rng, sources=3)
    index.save()
    with caplog.at_level(logging.WARNING, logger="isnad.dense"):
        assert len(DenseIndex.open(directory, {"model": "other", "text": 1}, DIM)) == 0
    assert "another model" in caplog.text
    (directory / "meta.json").write_text("{not json", encoding="utf-8")
    assert len(DenseIndex.open(directory, STAMP, DIM)) == 0


def test_one_writer_at_a_time(tmp_path):
    directory = tmp_path / "d"
    first = DenseIndex.open(directory, STAMP, DIM)
    second = DenseIndex.open(directory, STAMP, DIM)
    with first.writing():
        with pytest.raises(DenseIndexBusy):
            with second.writing():
                pass
    with second.writing():  # free again
        pass


def test_a_writer_reads_what_another_process_saved(tmp_path):
    rng = np.random.default_rng(6)
    directory = tmp_path / "d"
    stale = DenseIndex.open(directory, STAMP, DIM)
    other, _ = filled(directory, rng, sources=4)
    other.save()
    with stale.writing():
        assert len(stale) == 20 and stale.has("s3", "h3")


def test_dense_directory_sits_beside_the_lexical_index(tmp_path):
    assert directory_for(tmp_path / "archive.json.index") == tmp_path / "archive.json.index.dense"
    assert directory_for(None) is None
