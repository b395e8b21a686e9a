"""The BM25 index: ranking, incremental add/remove, persistence."""
import numpy as np
import pytest

from verifiers.index import DocKey, Index
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
    meta.write_text(meta.read_text().replace('"version": 1', '"version": 99'))
    with pytest.raises(ValueError, match="rebuild"):
        Index.load(tmp_path / "ix")


def test_saved_arrays_are_compact_types(tmp_path):
    build().save(tmp_path / "ix")
    assert np.load(tmp_path / "ix" / "post_docs.npy").dtype == np.int32
    assert np.load(tmp_path / "ix" / "post_w.npy").dtype == np.float32
