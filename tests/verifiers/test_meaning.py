"""`isnad stance` with the multilingual extra: the stance model that also reads both texts'
meaning (verifiers/meaning.py, data/stance_model_e5.json); without the extra, the word model."""
import io
import json

import numpy as np
import pytest

from bot.cli import main
from verifiers import embeddings, meaning, stance

needs_model = pytest.mark.skipif(not (embeddings.available() and stance.meaning_available()),
                                 reason=embeddings.MISSING)

WINS = "المغرب يفوز على الجزائر في كرة القدم"
LOSES = "المغرب يخسر أمام الجزائر في كرة القدم"
MEETS = "الرئيس التونسي يلتقي وزير الخارجية الفرنسي"
GETS_TOGETHER = "الرئيس التونسي يجتمع بوزير الخارجية الفرنسي"


class Counting:
    """The real embedder, counting the texts it is given."""

    def __init__(self):
        self.texts: list[str] = []

    def __call__(self, texts):
        self.texts += list(texts)
        return embeddings.shared().passages(texts)


@pytest.fixture
def counting(monkeypatch):
    meaning._vector.cache_clear()  # vectors kept by other tests were not counted
    spy = Counting()
    monkeypatch.setattr(meaning, "_embed", spy)
    return spy


@needs_model
def test_meaning_tells_a_reversed_result_the_words_alone_miss(counting):
    # "wins" and "loses" are not in the antonym lexicon: the word model sees two changed words
    assert stance.classify(WINS, LOSES)[0] == "agree"
    verdict = stance.assess(WINS, LOSES, meaning.pair_vectors(WINS, LOSES))
    assert verdict.meaning and verdict.stance == "disagree"


@needs_model
def test_meaning_keeps_another_wording_of_the_same_act(counting):
    verdict = stance.assess(MEETS, GETS_TOGETHER, meaning.pair_vectors(MEETS, GETS_TOGETHER))
    assert verdict.meaning and verdict.stance == "agree"
    assert verdict.p_disagree < stance.assess(MEETS, GETS_TOGETHER).p_disagree  # surer than the words alone


@needs_model
def test_each_text_is_embedded_once(counting):
    meaning.pair_vectors(WINS, LOSES)
    meaning.pair_vectors(WINS, MEETS)
    assert sorted(counting.texts) == sorted([WINS, LOSES, MEETS])


def test_a_pair_the_models_do_not_read_is_not_embedded(counting):
    assert meaning.pair_vectors("ISIS withdrew from Deir ez-Zor", WINS) is None
    assert counting.texts == []


def test_without_the_extra_the_word_model_decides(monkeypatch, tmp_path):
    monkeypatch.setattr(embeddings, "available", lambda: False)
    assert meaning.pair_vectors(WINS, LOSES) is None
    # `isnad stance --batch` then answers what the word model answers ("agree": with the extra, the
    # meaning model says "disagree", test_meaning_tells_a_reversed_result_the_words_alone_miss)
    batch = tmp_path / "pairs.jsonl"
    batch.write_text(json.dumps({"id": "1", "claim": WINS, "text": LOSES}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("ISNAD_DB", raising=False)
    out = io.StringIO()
    assert main(["stance", "--batch", str(batch)], out=out) == 0
    answer = json.loads(out.getvalue())
    assert (answer["stance"], answer["reason"]) == stance.classify(WINS, LOSES)


def test_without_vectors_the_word_model_decides():
    assert not stance.assess(WINS, LOSES).meaning
    if stance.meaning_available():
        u = np.ones(embeddings.DIM, dtype=np.float32) / np.sqrt(embeddings.DIM)
        assert stance.assess(WINS, LOSES, (u, u)).meaning
