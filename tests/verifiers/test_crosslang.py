"""The cross-language path on the seed archive (needs the multilingual extra; those tests skip without it).

The seed is one Arabic article with five embedded tweets: twelve passages and
posts, embedded for real by the model the extra ships (no download).
"""
from __future__ import annotations

import copy
import logging
import threading
import time

import pytest

from storage.ingest import ingest_sources
from storage.records import Passage, Source
from storage.sample import SAMPLE_ADDED_BY
from storage.tinydb_store import TinyDBStore
from tests.verifiers.test_english_claims import FINDS, UNRELATED
from verifiers import crosslang, embeddings
from verifiers.aliases import add_alias, read_aliases
from verifiers.dense import ARABIC, DenseHit
from verifiers.engine import Verifier

needs_model = pytest.mark.skipif(not embeddings.available(), reason=embeddings.MISSING)

# @mohsarmini's tweet in other words, with no name or event of the alias table: only the path finds it.
BEYOND_ALIASES = "They have no honour and no religion: they murdered every one of their captives after running away"
BEYOND_ALIASES_POST = "mohsarmini"


# What follows a claim in a long post; the claim's vector is taken from its first tokens.
LONG_TAIL = ("Shared widely this morning, more to follow as reporters on the ground confirm the details "
             "of what happened there, according to several local sources, activists and witnesses who "
             "asked not to be named for their safety")


@pytest.fixture(scope="module")
def embedded(tmp_path_factory, _parsed_sample):
    store = TinyDBStore(tmp_path_factory.mktemp("xl") / "archive.json")
    ingest_sources(store, [copy.deepcopy(_parsed_sample)], by=SAMPLE_ADDED_BY)
    verifier = Verifier(store)
    assert verifier.crosslang.make_backfill().run() == 12
    yield verifier
    store.close()


@needs_model
@pytest.mark.parametrize("claim, expected", FINDS)
def test_english_claims_still_find_their_arabic_account_first(embedded, claim, expected):
    best = embedded.verify(claim).matches[0]
    if expected.startswith("@"):
        assert best.kind == "post" and best.handle == expected[1:]
    else:
        assert expected in best.text


@needs_model
@pytest.mark.parametrize("claim", UNRELATED)
def test_unrelated_english_claims_still_find_nothing(embedded, claim):
    assert embedded.verify(claim).matches == []


@needs_model
def test_a_claim_the_alias_table_cannot_bridge_finds_its_arabic_post(embedded, monkeypatch):
    monkeypatch.setattr(embedded.crosslang, "dense", None)
    assert embedded.verify(BEYOND_ALIASES).matches == []  # the lexical path alone
    monkeypatch.undo()
    report = embedded.verify(BEYOND_ALIASES)
    best = report.matches[0]
    assert best.handle == BEYOND_ALIASES_POST
    assert best.reason.startswith("other language, meaning")
    assert best.score >= embedded.threshold and best.confidence == "strong"
    assert report.to_json()["matches"][0]["confidence"] == "strong"


@needs_model
def test_weak_cross_language_candidates_are_possible_not_strong(embedded):
    report = embedded.verify(UNRELATED[0], min_score=0)
    cross = [m for m in report.matches if m.reason.startswith("other language, meaning")]
    assert cross and all(m.confidence == "possible" and m.score < embedded.threshold for m in cross)


@needs_model
def test_an_arabic_claim_on_an_arabic_archive_does_not_take_the_path(embedded, monkeypatch):
    def no_model():
        raise AssertionError("the model was asked")

    monkeypatch.setattr(embeddings, "shared", no_model)
    report = embedded.verify("بعد هروب داعش من دير الزور قتلوا كل السجناء")
    assert report.matches[0].handle == "mohsarmini"


def test_without_the_extra_english_claims_take_the_lexical_path(tmp_path, _parsed_sample, monkeypatch):
    monkeypatch.setattr(embeddings, "available", lambda: False)
    store = TinyDBStore(tmp_path / "archive.json")
    ingest_sources(store, [copy.deepcopy(_parsed_sample)], by=SAMPLE_ADDED_BY)
    verifier = Verifier(store)
    assert verifier.crosslang.dense is None and verifier.crosslang.make_backfill() is None
    assert verifier.verify(FINDS[0][0]).matches[0].handle == "mohsarmini"
    assert verifier.verify(BEYOND_ALIASES).matches == []
    store.close()


@needs_model
def test_the_dense_index_is_saved_beside_the_lexical_one_and_follows_the_archive(embedded):
    store = embedded.store
    again = Verifier(store)
    assert len(again.crosslang.dense) == 12
    backfill = again.crosslang.make_backfill()
    assert backfill.pending() == []
    extra = Source(id="en1", title="Syria", url="https://example.org/en/1", passages=[
        Passage("en1", 0, "Unknown gunmen blew up the old military bridge near Deir ez-Zor on Monday."),
    ])
    added = store.add_many([extra], by="test").added[0]
    again.add_sources([store.get(added.id)])
    assert backfill.pending() == [added.id]
    assert backfill.run() == 1
    assert len(Verifier(store).crosslang.dense) == 13
    store.remove(added.id)
    again.remove_source(added.id)
    assert len(again.crosslang.dense) == 12


@needs_model
def test_background_embedding_lets_the_bot_answer_meanwhile_and_resumes(tmp_path, _parsed_sample, caplog):
    store = TinyDBStore(tmp_path / "archive.json")
    ingest_sources(store, [copy.deepcopy(_parsed_sample)], by=SAMPLE_ADDED_BY)
    verifier = Verifier(store)
    with caplog.at_level(logging.INFO, logger="isnad.embed"):
        verifier.crosslang.start_background(delay=0)
        assert verifier.verify(FINDS[0][0]).matches  # answered while the thread embeds
        assert verifier.crosslang.backfill.wait_idle(120)
    assert "embedding done: 12 passages and posts" in caplog.text
    assert verifier.verify(BEYOND_ALIASES).matches[0].handle == BEYOND_ALIASES_POST
    extra = Source(id="en2", title="Syria", url="https://example.org/en/2", passages=[
        Passage("en2", 0, "Gunmen blew up the historic bridge of Deir ez-Zor over the Euphrates."),
    ])
    added = store.add_many([extra], by="test").added[0]
    verifier.add_sources([store.get(added.id)])  # an import wakes the thread
    assert verifier.crosslang.backfill.wait_idle(60)
    assert verifier.crosslang.dense.has(added.id, store.get(added.id).content_hash)
    verifier.crosslang.backfill.stop()
    store.close()


@needs_model
def test_a_stopped_backfill_goes_on_where_it_was(tmp_path, _parsed_sample):
    store = TinyDBStore(tmp_path / "archive.json")
    ingest_sources(store, [copy.deepcopy(_parsed_sample)], by=SAMPLE_ADDED_BY)
    for n in range(2):
        store.add(Source(id=f"n{n}", title=f"n{n}", url=f"https://example.org/n{n}",
                         passages=[Passage(f"n{n}", 0, f"The Euphrates bridge story number {n}.")]), by="test")
    verifier = Verifier(store)
    first = verifier.crosslang.make_backfill()

    def stop_after_one(done: int, total: int) -> None:
        if done:
            first._stop.set()

    assert first.run(stop_after_one) in (1, 12)  # one whole source, then it stops
    resumed = Verifier(store).crosslang.make_backfill()
    assert len(resumed.pending()) == 2
    assert resumed.run() == 14 - first.done
    assert resumed.pending() == []
    store.close()


@needs_model
@pytest.mark.timeout(120)
def test_batch_workers_forked_after_the_model_ran_still_embed(embedded, monkeypatch):
    asked = []
    real = embeddings.embed_claim

    def recorded(text, *, alone, **kwargs):
        asked.append(alone)
        return real(text, alone=alone, **kwargs)

    monkeypatch.setattr(embeddings, "embed_claim", recorded)
    embedded.verify(BEYOND_ALIASES)  # the model ran in this process before the fork
    assert embedded.crosslang.candidates(BEYOND_ALIASES, [], ARABIC, set())  # and alone: two OpenMP threads
    assert asked == [False, True]
    reports = embedded.verify_many([BEYOND_ALIASES, FINDS[1][0]] * 3, workers=2)
    assert [r.matches[0].handle for r in reports[:2]] == [BEYOND_ALIASES_POST, "syria_omar"]


@needs_model
@pytest.mark.parametrize("claim, words", [
    ("Nusra Front drove ISIS out of Deir Ezzor after days of fierce fighting", "حقنا للدماء"),
    ("ISIS withdrew from Deir ez-Zor to spare blood", "معارك عنيفة"),
])
def test_english_claims_still_get_the_arabic_conflict(embedded, claim, words):
    """The path scores the same claim: the other version of the event ranks low there, and is still
    found as a conflict (by the concepts the two languages share)."""
    report = embedded.verify(claim)
    assert report.verdict == "disputed"
    assert any(words in c.reason for c in report.conflicts), [c.reason for c in report.conflicts]


@needs_model
def test_the_report_keeps_the_paths_order_within_a_tier(embedded, monkeypatch):
    # crosslang.extend ranks its scored candidates before the alias rule's unscored ones, whatever
    # their scores; the report's tiers must not re-sort them by score (dev MAP@5 0.653 -> 0.607).
    extend = embedded.crosslang.extend

    def lowest_first(*args, **kwargs):
        return sorted(extend(*args, **kwargs), key=lambda m: m.score)

    monkeypatch.setattr(embedded.crosslang, "extend", lowest_first)
    report = embedded.verify(FINDS[0][0], min_score=0, limit=50, all_passages=True)
    possible = [m.score for m in report.matches if m.confidence == "possible"]
    assert len(set(possible)) > 1 and possible == sorted(possible)


@needs_model
def test_a_long_claim_is_embedded_from_its_first_tokens():
    embedder = embeddings.shared()
    claim = f"{FINDS[0][0]}. {LONG_TAIL}. {LONG_TAIL}"
    first = embedder.first_tokens(claim, embeddings.CLAIM_TOKENS)
    assert claim.startswith(first) and FINDS[0][0] in first
    assert embedder._model.token_count(first, False) <= embeddings.CLAIM_TOKENS
    assert embedder._model.token_count(first + claim[len(first):][:20], False) > embeddings.CLAIM_TOKENS
    assert (embedder.claim(claim, tokens=embeddings.CLAIM_TOKENS) == embedder.passages([first])[0]).all()
    assert (embedder.claim(claim) == embedder.passages([claim])[0]).all()  # whole unless asked
    short = FINDS[1][0]
    assert embedder.first_tokens(short, embeddings.CLAIM_TOKENS) == short


@needs_model
@pytest.mark.parametrize("claim, expected", FINDS)
def test_english_claims_with_a_long_tail_still_find_their_arabic_account_first(embedded, claim, expected):
    best = embedded.verify(f"{claim}. {LONG_TAIL}").matches[0]
    if expected.startswith("@"):
        assert best.kind == "post" and best.handle == expected[1:]
    else:
        assert expected in best.text


@needs_model
def test_a_prefetching_caller_waits_for_the_model_to_start_not_for_the_vector(embedded, monkeypatch):
    entered = threading.Event()
    real = embeddings.Embedder.passages

    def slow(self, texts):
        entered.set()
        time.sleep(0.3)
        return real(self, texts)

    embeddings.shared()  # loaded (about 0.2 s the first time)
    monkeypatch.setattr(embeddings.Embedder, "passages", slow)
    started = time.perf_counter()
    future = embedded.crosslang.embed(FINDS[0][0], alone=False)
    assert entered.wait(0) and not future.done() and time.perf_counter() - started < 0.25
    assert future.result().shape == (embeddings.DIM,)


def test_the_started_event_is_set_when_embedding_fails(monkeypatch):
    def broken():
        raise RuntimeError("no model")

    monkeypatch.setattr(embeddings, "thread_embedder", broken)
    started = threading.Event()
    with pytest.raises(RuntimeError):
        embeddings.embed_claim("a claim", alone=False, started=started)
    assert started.is_set()  # a prefetching caller is never left waiting


# An English report beside the Arabic seed: the other script is 2 of 14 items, above OTHER_SCRIPT_SHARE.
ENGLISH_REPORT = Source("en-report", title="Shelling in Aleppo", passages=[
    Passage("en-report", 0, "Shelling hit the old city of Aleppo on Monday, residents said."),
    Passage("en-report", 1, "Aid groups said the road to the city was closed for a second day."),
])
SEED_CLAIM = "داعش تنسحب من دير الزور"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, _parsed_sample):
    store = TinyDBStore(tmp_path_factory.mktemp("mixed") / "archive.json")
    ingest_sources(store, [copy.deepcopy(_parsed_sample), ENGLISH_REPORT], by=SAMPLE_ADDED_BY)
    verifier = Verifier(store)
    assert verifier.crosslang.make_backfill().run() == 14
    yield verifier
    store.close()


@needs_model
def test_a_majority_language_claim_is_embedded_ahead_where_the_other_script_is_present(mixed, embedded, monkeypatch):
    from verifiers.claim import clean_claim

    claim = clean_claim(SEED_CLAIM)
    monkeypatch.setattr(crosslang, "_core_free", lambda: True)  # the test machine's load is not the point here
    ahead = mixed.crosslang.prefetch(claim)
    assert ahead is not None and ahead.result().shape == (embeddings.DIM,)
    assert embedded.crosslang.prefetch(claim) is None  # an all-Arabic archive: no path to take
    assert mixed.verify(SEED_CLAIM).matches[0].source_id != ENGLISH_REPORT.id  # the vector, unused, changes nothing


@needs_model
def test_no_claim_is_embedded_ahead_in_a_batch_worker_or_behind_a_busy_claim_thread(mixed, monkeypatch):
    from verifiers.claim import clean_claim

    claim = clean_claim(SEED_CLAIM)
    monkeypatch.setattr(mixed.crosslang, "speculate", False)  # what verify_many's forked workers set
    assert mixed.crosslang.prefetch(claim) is None
    monkeypatch.setattr(mixed.crosslang, "speculate", True)
    monkeypatch.setattr(crosslang, "_core_free", lambda: True)
    monkeypatch.setattr(mixed.crosslang, "_running", crosslang.CLAIM_WORKERS)  # earlier claims' vectors being made
    assert mixed.crosslang.prefetch(claim) is None
    monkeypatch.setattr(mixed.crosslang, "_running", 0)
    monkeypatch.setattr(crosslang, "_core_free", lambda: False)  # a busy machine: it would slow the ranking
    assert mixed.crosslang.prefetch(claim) is None


@needs_model
def test_a_claim_starts_its_vector_while_an_earlier_unused_one_is_still_being_made(mixed, monkeypatch):
    # The earlier claim found its account in its own language: its vector made ahead is dropped but
    # still runs. The next claim's must not queue behind it (its head start would be lost).
    from verifiers.claim import clean_claim

    entered = []
    real = embeddings.Embedder.passages

    def slow(self, texts):
        entered.append(time.perf_counter())
        time.sleep(0.4)
        return real(self, texts)

    monkeypatch.setattr(crosslang, "_core_free", lambda: True)
    for _ in range(crosslang.CLAIM_WORKERS):  # each claim thread's embedder loaded, as after a first few claims
        mixed.crosslang.embed(SEED_CLAIM, alone=False).result()
    monkeypatch.setattr(embeddings.Embedder, "passages", slow)
    first = mixed.crosslang.prefetch(clean_claim(SEED_CLAIM))
    second = mixed.crosslang.prefetch(clean_claim("داعش تدخل دير الزور"))
    assert first is not None and second is not None
    assert len(entered) == 2 and entered[1] - entered[0] < 0.2  # both models ran at once
    assert second.result().shape == (embeddings.DIM,)
    first.result()


@needs_model
def test_an_arabic_claim_is_embedded_from_its_first_arabic_claim_tokens(mixed, monkeypatch):
    from verifiers.claim import clean_claim

    claim = clean_claim(" ".join([SEED_CLAIM] * 12))  # about 80 tokens
    embedder = embeddings.shared()
    assert embedder._model.token_count(claim.text, False) > embeddings.ARABIC_CLAIM_TOKENS
    monkeypatch.setattr(crosslang, "_core_free", lambda: True)
    ahead = mixed.crosslang.prefetch(claim)
    first = embedder.first_tokens(claim.text, embeddings.ARABIC_CLAIM_TOKENS)
    assert ahead is not None and (ahead.result() == embedder.passages([first])[0]).all()
    assert crosslang.claim_tokens(FINDS[0][0]) == embeddings.CLAIM_TOKENS  # English claims keep their own cut


@needs_model
def test_an_arabic_claim_whose_only_account_is_english_finds_it(mixed):
    # The claim's language is the archive's majority and nothing Arabic is strong: the path adds
    # the English passage.
    best = mixed.verify("منظمات الإغاثة: الطريق إلى المدينة مغلق لليوم الثاني").matches[0]
    assert best.source_id == ENGLISH_REPORT.id and best.confidence == "strong"
    assert best.text.startswith("Aid groups")
    assert mixed.verify("انفجار في ميناء بيروت").matches == []  # nothing archived, in either language


@needs_model
def test_a_majority_claim_with_only_a_possible_match_takes_the_path_where_the_other_script_is_present(
    mixed, monkeypatch
):
    from verifiers.claim import clean_claim
    from verifiers.report import Match

    claim = clean_claim(SEED_CLAIM)
    strong, possible = mixed.cuts(claim)
    maybe = [Match(score=(strong + possible) / 2, source_id="s", kind="passage", item_id="s:0", text="…")]
    sure = [Match(score=strong, source_id="s", kind="passage", item_id="s:0", text="…")]
    assert mixed.crosslang.takes_path(claim, maybe, strong, possible) is not None
    assert mixed.crosslang.takes_path(claim, sure, strong, possible) is None
    monkeypatch.setattr(crosslang, "OTHER_SCRIPT_SHARE", 0.5)  # 2 English items of 14: now a few strays
    assert mixed.crosslang.takes_path(claim, maybe, strong, possible) is None
    assert mixed.crosslang.takes_path(claim, [], strong, possible) is not None


def test_the_head_start_gate_takes_out_the_load_of_the_verifying_itself(monkeypatch):
    monkeypatch.setattr(crosslang.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(crosslang._own_load, "rate", lambda: 1.2)  # claims coming back to back
    monkeypatch.setattr(crosslang.os, "getloadavg", lambda: (1.7, 1.0, 1.0))  # all but 0.5 of it ours
    assert crosslang._core_free()
    monkeypatch.setattr(crosslang.os, "getloadavg", lambda: (2.4, 1.0, 1.0))  # and another job on a core
    assert not crosslang._core_free()


def test_the_process_own_load_is_its_cpu_use():
    own = crosslang._OwnLoad()
    start, wall = time.process_time(), time.monotonic()
    while time.monotonic() - wall < 1.2:  # one core, busy (as far as a loaded test machine lets it)
        pass
    busy = own.rate()
    # The process's CPU seconds per second (all its threads: process_time)
    assert abs(busy - (time.process_time() - start) / (time.monotonic() - wall)) < 0.15
    assert busy > 0.2
    time.sleep(1.1)
    assert own.rate() < busy  # idle since: the average falls


def test_the_features_count_the_verifiers_own_alias_names(tmp_path, make_source):
    """A moderator's names (Verifier(aliases=...)) bridge the languages for this path too."""
    add_alias(tmp_path / "aliases.toml", "hajin", ["Hajin", "هجين"], kind="place")
    store = TinyDBStore(None)
    store.add_many([make_source("غادر المقاتلون هجين يوم الاثنين.", id="ar")])
    verifier = Verifier(store, index_dir=None, aliases=read_aliases(tmp_path / "aliases.toml"))
    item = store.get("ar").passages[0].id
    [(_, f)] = verifier.crosslang.featurize("Fighters left Hajin on Monday", [DenseHit(item, "ar", 0.9)])
    assert (f["has_concepts"], f["concepts"]) == (1.0, 1.0)
    assert crosslang.features("Fighters left Hajin on Monday", [0.9], [store.get("ar").passages[0].text]
                              )[0]["has_concepts"] == 0.0  # the shipped table alone does not know the name
