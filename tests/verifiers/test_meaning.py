"""Where the word model is unsure, the stance model that reads both texts' meaning decides
(verifiers/meaning.py, the multilingual extra); the claim is embedded once, only when needed."""
import numpy as np
import pytest

from verifiers import embeddings, meaning, stance
from verifiers.claim import clean_claim
from verifiers.conflicts import judge, uncertain
from verifiers.dense import ARABIC, DenseIndex
from verifiers.report import Match

needs_model = pytest.mark.skipif(not (embeddings.available() and stance.meaning_available()),
                                 reason=embeddings.MISSING)

WELCOMES = "السعودية تستقبل وفدا إيرانيا في الرياض"
EXPELS = "السعودية تطرد وفدا إيرانيا من الرياض"
MEETS = "الرئيس التونسي يلتقي وزير الخارجية الفرنسي"
GETS_TOGETHER = "الرئيس التونسي يجتمع بوزير الخارجية الفرنسي"
SAME = "الرئيس التونسي يلتقي وزير الخارجية الفرنسي في قصر قرطاج"


def _match(item_id, text, title=""):
    return Match(score=80.0, source_id=item_id.split(":")[0], kind="passage", item_id=item_id, text=text, title=title)


class Counting:
    """The real embedder, counting the texts it is given."""

    def __init__(self):
        self.texts: list[str] = []

    def __call__(self, texts):
        self.texts += list(texts)
        return embeddings.shared().passages(texts)


@pytest.fixture(autouse=True)
def _empty_cache(monkeypatch):
    monkeypatch.setattr(meaning, "_cache", meaning._Cache(meaning.CACHE_SIZE))


@needs_model
def test_meaning_turns_an_unsure_match_into_a_contradiction():
    claim = clean_claim(EXPELS)
    words_only, _ = judge(claim, [_match("s1:p0", WELCOMES)], [])
    assert words_only[0].stance == "related"  # the word model knows the words differ, not that they clash
    kept, conflicts = judge(claim, [_match("s1:p0", WELCOMES)], [], meaning.ClaimMeaning(claim.text))
    assert not kept and [c.match.item_id for c in conflicts] == ["s1:p0"]


@needs_model
def test_meaning_tells_another_wording_of_the_same_act():
    claim = clean_claim(GETS_TOGETHER)
    assert judge(claim, [_match("s1:p0", MEETS)], [])[0][0].stance == "related"
    kept, conflicts = judge(claim, [_match("s1:p0", MEETS)], [], meaning.ClaimMeaning(claim.text))
    assert kept[0].stance == "supports" and not conflicts


@needs_model
def test_nothing_is_embedded_when_the_word_model_is_sure():
    claim = clean_claim(MEETS)
    counting = Counting()
    kept, _ = judge(claim, [_match("s1:p0", SAME)], [], meaning.ClaimMeaning(claim.text, embed=counting))
    assert kept[0].stance == "supports"
    assert not uncertain(stance.assess(claim.text, SAME))
    assert counting.texts == []


@needs_model
def test_the_claim_is_embedded_once_and_items_within_the_bound():
    claim = clean_claim(EXPELS)
    counting = Counting()
    provider = meaning.ClaimMeaning(claim.text, embed=counting)
    items = [_match(f"s{i}:p0", WELCOMES.replace("الرياض", place))
             for i, place in enumerate(["الرياض", "جدة", "مكة", "الدمام", "أبها"])]
    first = provider.vectors(items[:2])
    second = provider.vectors(items[2:])
    assert counting.texts.count(claim.text) == 1
    assert len(counting.texts) == 1 + meaning.MAX_EMBEDDED
    assert len(first) + len(second) == meaning.MAX_EMBEDDED
    for u, v in [*first.values(), *second.values()]:
        assert u.shape == v.shape == (embeddings.DIM,)


@needs_model
def test_item_vectors_come_from_the_dense_index_when_it_has_them():
    claim = clean_claim(EXPELS)
    dense = DenseIndex(None, {"model": "test"}, embeddings.DIM)
    vector = embeddings.shared().passages([WELCOMES])
    dense.add_source("s1", "hash", ["s1:p0"], [ARABIC], vector)
    counting = Counting()
    found = meaning.ClaimMeaning(claim.text, dense, embed=counting).vectors([_match("s1:p0", WELCOMES)])
    assert counting.texts == [claim.text]  # only the claim: the item's vector was in the index
    assert float(found["s1:p0"][1] @ vector[0]) > 0.99
    # a titled passage was embedded with its title there: not the text judged, so it is embedded here
    counting.texts.clear()
    meaning.ClaimMeaning(claim.text, dense, embed=counting).vectors([_match("s1:p0", WELCOMES, title="عنوان")])
    assert counting.texts == [claim.text, WELCOMES]


def test_without_the_extra_the_word_model_decides(monkeypatch):
    monkeypatch.setattr(embeddings, "available", lambda: False)
    assert meaning.for_claim(EXPELS, None) is None
    assert meaning.pair_vectors(EXPELS, WELCOMES) is None


def test_the_word_model_alone_when_no_vectors_are_given():
    verdict = stance.assess(EXPELS, WELCOMES)
    assert not verdict.meaning
    if stance.meaning_available():
        u = v = np.ones(embeddings.DIM, dtype=np.float32) / np.sqrt(embeddings.DIM)
        assert stance.assess(EXPELS, WELCOMES, (u, v)).meaning
