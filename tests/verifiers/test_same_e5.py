"""The same-claim score with e5 cosines (issue 10; needs the multilingual extra, skips without it).

A small English archive of fact-checks, embedded for real by the model the
extra ships; the same claims asked before and after it is embedded.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from storage.passages import make_passages
from storage.records import UNKNOWN_DATE, Source
from storage.tinydb_store import TinyDBStore
from verifiers import crosslang, embeddings, rerank, same_e5
from verifiers.engine import Verifier

needs_model = pytest.mark.skipif(not embeddings.available(), reason=embeddings.MISSING)

FACT_CHECKS = {
    "oxford": "The health ministry said the new vaccine caused no deaths among volunteers in the Oxford trial.",
    "brazil": "The health ministry said the new vaccine caused deaths among volunteers in a trial in Brazil.",
    "mosul": "Heavy floods destroyed three bridges in the city of Mosul on Tuesday, the governor said.",
    "striker": "The football club signed a new striker for the coming season.",
    "schools": "Schools in the capital will reopen next week after the holiday.",
    "rates": "The central bank kept interest rates unchanged on Thursday.",
    "shark": "A photo shows a shark swimming on a flooded highway in Houston.",
    "wall": "The president said the wall on the southern border is finished.",
    "aleppo": "قصف الطيران الحربي سوقا شعبيا في مدينة حلب وقتل عشرات المدنيين",
}
# Two fact-checks on one template answer it: the wording leans to the wrong one, the meaning to neither.
BETWEEN_TWO = "volunteers of the vaccine trial did not die"
REWORDED = "Floods hit Mosul and bridges collapsed, governor says"
SURE = "Health ministry: vaccine trial at Oxford had no deaths"
LONG = ("Floods hit Mosul and bridges collapsed, governor says, after days of heavy rain that also cut roads, "
        "closed schools and left many families in the northern Iraqi city without power or clean water for the week")


def archive(index_dir: Path | None = None) -> Verifier:
    store = TinyDBStore(None)
    store.add_many([Source(id=key, title="fact check", date=UNKNOWN_DATE, url="", publisher="",
                           passages=make_passages(key, text), posts=[]) for key, text in FACT_CHECKS.items()])
    return Verifier(store, index_dir=index_dir)


def embed(verifier: Verifier) -> int:
    """What `isnad embed` does: every archived item gets its vector."""
    backfill = verifier.crosslang.make_backfill()
    assert backfill is not None
    return backfill.run()


@pytest.fixture(scope="module")
def embedded() -> Verifier:
    verifier = archive()
    assert embed(verifier) == len(FACT_CHECKS)
    return verifier


@pytest.fixture
def embeds(embedded, monkeypatch) -> list[str]:
    """The claims the verifier embeds."""
    calls: list[str] = []
    embed = embedded.crosslang.embed

    def counted(text: str, **options):
        calls.append(text)
        return embed(text, **options)

    monkeypatch.setattr(embedded.crosslang, "embed", counted)
    return calls


def first(verifier: Verifier, claim: str):
    matches = verifier.verify(claim).matches
    return matches[0] if matches else None


@needs_model
def test_a_claim_between_two_similar_fact_checks_is_no_longer_confirmed(embedded, embeds, monkeypatch):
    monkeypatch.setattr(crosslang, "_core_free", lambda: True)  # the head start is taken whatever this machine's load
    lexical = first(archive(), BETWEEN_TWO)
    assert lexical is not None and lexical.source_id == "brazil" and lexical.confidence == "strong"
    match = first(embedded, BETWEEN_TWO)
    assert match is None or match.confidence == "possible"
    # once: the cross-language path starts the claim's vector before the lexical ranking (the Arabic
    # fact-check is 1 of 9 items: it speculates where a core is free, crosslang._worth_speculating)
    # and the same-claim step takes it after; same_e5.PREFETCH is off, so that step starts none itself
    assert embeds == [BETWEEN_TWO]


@needs_model
def test_a_reworded_claim_is_confirmed_with_more_confidence(embedded, embeds):
    lexical = first(archive(), REWORDED)
    match = first(embedded, REWORDED)
    assert lexical is not None and match is not None
    assert match.source_id == lexical.source_id == "mosul"
    assert match.confidence == "strong" and match.score > lexical.score


@needs_model
def test_a_long_claim_scores_alike_with_and_without_the_cross_language_head_start(embedded, monkeypatch):
    """The head start is made from the claim's first tokens; the block was fitted on whole claims."""
    assert embeddings.shared().token_count(LONG) > crosslang.claim_tokens(LONG)
    lexical = first(archive(), LONG)
    assert lexical is not None and same_e5.model()["en"]["band"][0] <= lexical.score <= same_e5.model()["en"]["band"][1]
    alone = first(embedded, LONG)
    path = embedded.crosslang

    def head_start(claim):  # as the path starts it when the claim's language is the archive's minority
        return path.embed(claim.text, alone=False, tokens=crosslang.claim_tokens(claim.text))

    monkeypatch.setattr(path, "prefetch", head_start)
    started = first(embedded, LONG)
    assert alone is not None and started is not None and alone.source_id == started.source_id == "mosul"
    assert alone.score != lexical.score  # the e5 score ran
    assert started.score == alone.score


@needs_model
def test_a_sure_decision_keeps_its_lexical_score(embedded):
    lexical, match = first(archive(), SURE), first(embedded, SURE)
    assert match is not None and lexical is not None and match.source_id == "oxford"
    assert lexical.score > same_e5.model()["en"]["band"][1]
    assert (match.score, match.confidence) == (lexical.score, "strong")


@needs_model
def test_the_cuts_are_the_blocks_only_once_the_archive_is_embedded(embedded, make_source):
    block = same_e5.model()["en"]["cuts"]
    claim = embedded.verify(REWORDED).claim
    assert embedded.cuts(claim) == (block["strong"], block["possible"])
    assert archive().cuts(claim) == rerank.cuts()["en"]
    growing = archive()
    embed(growing)
    growing.add_sources([make_source("A new bridge over the Tigris opened in Mosul this week.", id="new")])
    assert growing.cuts(claim) == rerank.cuts()["en"]  # one source not embedded yet: lexical scores and cuts


@needs_model
def test_without_the_extra_the_lexical_score_stands(tmp_path, monkeypatch):
    """The archive was embedded, then the extra uninstalled: its saved vectors are not used."""
    embed(archive(tmp_path / "index"))
    assert archive(tmp_path / "index").crosslang.complete  # with the extra, the block would run
    monkeypatch.setattr(embeddings, "available", lambda: False)
    embedded = archive(tmp_path / "index")
    lexical, match = first(archive(), BETWEEN_TWO), first(embedded, BETWEEN_TWO)
    assert match is not None and lexical is not None
    assert (match.source_id, match.score, match.confidence) == (lexical.source_id, lexical.score, "strong")
    assert embedded.cuts(embedded.verify(BETWEEN_TWO).claim) == rerank.cuts()["en"]


@needs_model
def test_a_first_candidate_without_a_vector_keeps_its_lexical_score(embedded, monkeypatch):
    lexical = first(archive(), BETWEEN_TWO)
    monkeypatch.setattr(embedded.crosslang.dense, "cosines", lambda query, items: [])
    match = first(embedded, BETWEEN_TWO)
    assert lexical is not None and match is not None and match.score == lexical.score


@needs_model
def test_two_words_are_never_shown_even_possibly(embedded):
    assert embedded.verify("floods Mosul").matches == []


@needs_model
def test_arabic_claims_keep_the_lexical_score(embedded):
    claim = "قصف سوق شعبي في حلب بالطيران الحربي"
    match, lexical = first(embedded, claim), first(archive(), claim)
    assert match is not None and lexical is not None and match.source_id == "aleppo"
    assert match.score == lexical.score
    assert embedded.cuts(embedded.verify(claim).claim) == rerank.cuts()["ar"]


def test_a_block_fitted_on_another_ranking_model_is_ignored(tmp_path, monkeypatch, caplog):
    data = json.loads(same_e5.WEIGHTS_PATH.read_text(encoding="utf-8"))
    data["models"]["en"]["ranking"] = "0" * 16
    path = tmp_path / "same_claim_e5.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(same_e5, "WEIGHTS_PATH", path)
    same_e5.model.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="isnad.same_e5"):
            assert same_e5.model() == {}
        assert "train_same_e5.py" in caplog.text
    finally:
        same_e5.model.cache_clear()
