"""The BM25 index: ranking, incremental add/remove, persistence."""
import json

import numpy as np
import pytest

from verifiers.index import FORMAT_VERSION, DocKey, Index, IndexFileError
from verifiers.normalize import tokens

DOCS = {
    "a": "انسحب عناصر تنظيم داعش من محافظة دير الزور شرق سوريا",
    "b": "جبهة النصرة تسيطر على حقول النفط في دير الزور",
    "c": "أمطار غزيرة في دمشق اليوم وانخفاض درجات الحرارة",
    "d": "Arsenal won the football match against Chelsea",
    "e": "مقتل الأمير العسكري للدولة الإسلامية في دير الزور",
}


def key(name: str) -> DocKey:
    return DocKey("passage", f"src-{name}:p0", f"src-{name}")


def build(merge_every: int = 1000) -> Index:
    index = Index(merge_every=merge_every)
    index.add_many((key(n), tokens(t)) for n, t in DOCS.items())
    return index


def top(index: Index, query: str, k: int = 10) -> list[str]:
    return [h.key.source_id.removeprefix("src-") for h in index.search(tokens(query), k).hits]


@pytest.mark.parametrize("merged", [False, True])
def test_ranks_the_document_sharing_the_rare_words_first(merged):
    index = build()
    if merged:
        index.merge()
    assert top(index, "داعش انسحب من دير الزور")[0] == "a"
    assert top(index, "النصرة والنفط")[0] == "b"
    assert top(index, "football Arsenal")[0] == "d"
    assert top(index, "كرة السلة في مدريد") == []


def test_merged_and_delta_segments_score_alike():
    delta, merged = build(), build()
    merged.merge()
    q = tokens("دير الزور داعش النفط")
    a = {h.key: h.bm25 for h in delta.search(q).hits}
    b = {h.key: h.bm25 for h in merged.search(q).hits}
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == pytest.approx(b[k], rel=1e-4)


def test_bm25_max_bounds_a_full_match_of_average_length():
    index = build()
    result = index.search(tokens("النصرة حقول النفط"))
    assert 0 < result.hits[0].bm25 <= result.bm25_max * 1.3
    # A query word the archive lacks raises the bar instead of being ignored.
    more = index.search(tokens("النصرة حقول النفط زلزال"))
    assert more.bm25_max > result.bm25_max


def test_top_k_cuts_and_orders():
    index = Index()
    for i in range(200):
        index.add(DocKey("post", f"s{i}:t0", f"s{i}"), ["داعش"] * (1 + i % 5) + ["x"] * 10)
    hits = index.search(["داعش"], k=7).hits
    assert len(hits) == 7
    scores = [h.bm25 for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(h.key.item_id.endswith(":t0") for h in hits)


def test_incremental_add_is_searchable_at_once_and_survives_merges():
    index = build(merge_every=2)  # forces merges while adding
    index.add(key("f"), tokens("قام مجهولون بتفجير الجسر الحربي في دير الزور"))
    assert top(index, "تفجير الجسر الحربي")[0] == "f"
    index.merge()
    assert top(index, "تفجير الجسر الحربي")[0] == "f"
    assert len(index) == 6


def test_removed_source_never_comes_back():
    index = build()
    assert index.remove_source("src-a") == 1
    assert "a" not in top(index, "انسحب عناصر تنظيم داعش")
    index.merge()
    assert "a" not in top(index, "انسحب عناصر تنظيم داعش")
    assert len(index) == 4
    assert index.remove_source("src-a") == 0


def test_save_and_load_round_trip(tmp_path):
    index = build()
    index.remove_source("src-c")
    index.save(tmp_path / "ix")
    loaded = Index.load(tmp_path / "ix")
    q = tokens("دير الزور داعش")
    assert [(h.key, round(h.bm25, 4)) for h in loaded.search(q).hits] == [
        (h.key, round(h.bm25, 4)) for h in index.search(q).hits
    ]
    assert len(loaded) == 4
    # The memory-mapped index still takes additions and removals.
    loaded.add(key("g"), tokens("انسحاب داعش من دير الزور إلى الرقة"))
    loaded.remove_source("src-a")
    assert top(loaded, "الرقة")[0] == "g"
    assert "a" not in top(loaded, "انسحب عناصر تنظيم داعش")
    loaded.merge()
    assert top(loaded, "الرقة")[0] == "g"


def test_load_rejects_another_format(tmp_path):
    build().save(tmp_path / "ix")
    meta = tmp_path / "ix" / "meta.json"
    meta.write_text(meta.read_text().replace(f'"version":{FORMAT_VERSION}', '"version":99'))
    with pytest.raises(IndexFileError, match="rebuild"):
        Index.load(tmp_path / "ix")


@pytest.mark.parametrize("damage", ["truncate_array", "drop_array", "bad_json", "swap_generation"])
def test_a_damaged_index_is_refused_at_load_not_at_query_time(tmp_path, damage):
    build().save(tmp_path / "ix")
    ix = tmp_path / "ix"
    meta = ix / "meta.json"
    gen = json.loads(meta.read_text())["generation"]
    if damage == "truncate_array":
        np.save(ix / f"post_docs.{gen}.npy", np.load(ix / f"post_docs.{gen}.npy")[:-3])
    elif damage == "drop_array":
        (ix / f"fwd.{gen}.npy").unlink()
    elif damage == "bad_json":
        meta.write_text(meta.read_text()[:-40])
    else:
        np.save(ix / f"doc_source.{gen}.npy", np.full(5, 99, dtype=np.int32))
    with pytest.raises(IndexFileError):
        Index.load(ix)


def test_saved_arrays_are_compact_and_memory_mapped(tmp_path):
    build().save(tmp_path / "ix")
    gen = json.loads((tmp_path / "ix" / "meta.json").read_text())["generation"]
    assert np.load(tmp_path / "ix" / f"post_docs.{gen}.npy").dtype == np.int32
    assert np.load(tmp_path / "ix" / f"post_w.{gen}.npy").dtype == np.float32
    loaded = Index.load(tmp_path / "ix")
    assert isinstance(loaded._post_docs, np.memmap)


def test_a_second_save_replaces_the_first_generation(tmp_path):
    index = build()
    index.save(tmp_path / "ix")
    first = sorted(p.name for p in (tmp_path / "ix").iterdir())
    index.add(key("f"), tokens("قصف مدفعي على حي الجورة"))
    index.save(tmp_path / "ix")
    loaded = Index.load(tmp_path / "ix")
    assert top(loaded, "قصف مدفعي الجورة")[0] == "f"
    assert sorted(p.name.split(".")[1] for p in (tmp_path / "ix").glob("*.npy")) != sorted(
        p.split(".")[1] for p in first if p.endswith(".npy"))
    assert len(list((tmp_path / "ix").iterdir())) == len(first)  # the old generation is gone


def test_keys_come_back_from_the_compact_arrays(tmp_path):
    index = Index()
    odd = DocKey("passage", "weird-id", "src-x")
    index.add_many([(DocKey("post", "src-y:t3", "src-y"), ["a"]), (odd, ["b"])])
    index.save(tmp_path / "ix")
    loaded = Index.load(tmp_path / "ix")
    assert loaded.key(0) == DocKey("post", "src-y:t3", "src-y")
    assert loaded.key(1) == odd
    assert loaded.doc_terms(0) == ["a"]


def test_common_terms_are_skipped_but_scores_stay_exact():
    index = Index(common_share=0.3)
    for i in range(50):  # "common" is in every document, the rare words in few
        words = ["common", f"w{i % 7}", f"v{i % 11}", f"u{i % 13}"] + ["common"] * (i % 3)
        index.add(DocKey("passage", f"s{i}:p0", f"s{i}"), words)
    query = ["common", "w3", "v4", "u5"]
    fast = index.search(query, k=5)
    full = index.search(query, k=5, exhaustive=True)
    assert [h.doc for h in fast.hits] == [h.doc for h in full.hits]
    assert [round(h.bm25, 4) for h in fast.hits] == [round(h.bm25, 4) for h in full.hits]


def test_equal_scores_come_in_document_order_whatever_k():
    index = Index()
    for i in range(40):  # identical documents: every score ties
        index.add(DocKey("passage", f"s{i}:p0", f"s{i}"), ["قصف", "حي", "الجورة"])

    def docs(k: int) -> list[int]:
        return [h.doc for h in index.search(["قصف", "الجورة"], k=k).hits]

    assert docs(5) == list(range(5))
    assert docs(12)[:5] == docs(5) and docs(40) == list(range(40))


@pytest.mark.parametrize("damage", ["nan_weights", "shuffled_postings", "flipped_byte"])
def test_values_damaged_with_shapes_intact_fail_the_checksum(tmp_path, damage):
    build().save(tmp_path / "ix")
    ix = tmp_path / "ix"
    gen = json.loads((ix / "meta.json").read_text())["generation"]
    if damage == "nan_weights":
        weights = np.load(ix / f"post_w.{gen}.npy")
        weights[::2] = np.nan
        np.save(ix / f"post_w.{gen}.npy", weights)
    elif damage == "shuffled_postings":
        docs = np.load(ix / f"post_docs.{gen}.npy")
        np.save(ix / f"post_docs.{gen}.npy", docs[::-1].copy())
    else:
        raw = bytearray((ix / f"fwd.{gen}.npy").read_bytes())
        raw[-1] ^= 0x01
        (ix / f"fwd.{gen}.npy").write_bytes(bytes(raw))
    with pytest.raises(IndexFileError, match="checksum|not numbers"):
        Index.load(ix)


def test_files_of_killed_saves_are_removed_by_the_next_save(tmp_path):
    index = build()
    index.save(tmp_path / "ix")
    ix = tmp_path / "ix"
    # What a save killed before its meta.json leaves: arrays of a generation nobody names.
    for name in ("post_w", "fwd"):
        (ix / f"{name}.1700000000-deadbeef.npy").write_bytes(b"partial")
    (ix / "meta.json.1700000000-deadbeef.tmp").write_text("{")
    index.save(ix)
    gen = json.loads((ix / "meta.json").read_text())["generation"]
    leftovers = [p.name for p in ix.iterdir() if p.name not in ("meta.json", ".lock") and gen not in p.name]
    assert leftovers == []
    assert top(Index.load(ix), "جبهة النصرة النفط")[0] == "b"  # still answers


def test_index_files_get_the_permissions_asked_for(tmp_path):
    build().save(tmp_path / "ix", mode=0o600)
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "ix").iterdir()}
    assert set(modes.values()) == {0o600}, modes
