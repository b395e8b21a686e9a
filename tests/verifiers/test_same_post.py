"""The same tweet by its handle and text: first, exact, for pasted tweets and screenshots alike."""
from __future__ import annotations

import pytest

from verifiers.engine import Verifier
from verifiers.same_post import SAME_POST, fold_handle

SARMINI = "بعد هروب داعش من دير الزور قاموا بقتل كل سجناءهم .. لا ذمة لهم ولا دين .. حسبنا الله ونعم بالوكيل"


@pytest.fixture
def verifier(sample_store):
    return Verifier(sample_store, index_dir=None)


def test_a_pasted_tweet_with_its_attribution_is_that_post_first(verifier):
    report = verifier.verify(f"{SARMINI}\n— محمد سرميني (@mohsarmini) February 10, 2014", min_score=0)
    top = report.matches[0]
    assert (top.handle, top.score, top.exact, top.reason) == ("mohsarmini", 100.0, True, SAME_POST)


def test_a_handle_given_apart_works_the_same(verifier):
    top = verifier.verify(SARMINI, claim_handle="@MohSarmini", min_score=0).matches[0]
    assert top.handle == "mohsarmini" and top.exact


def test_another_account_or_altered_words_are_not_the_same_post(verifier):
    other = verifier.verify(SARMINI, claim_handle="someone_else", min_score=0).matches[0]
    assert not other.exact and other.reason != SAME_POST
    altered = SARMINI.replace("قاموا بقتل كل سجناءهم", "أطلقوا سراح كل السجناء")
    top = verifier.verify(altered, claim_handle="mohsarmini", min_score=0).matches[0]
    assert not top.exact and top.reason != SAME_POST


def test_a_doctored_number_is_not_the_same_post(sample_store, make_source):
    from storage.ingest import ingest_sources

    text = "قتل 12 مدنيا في قصف على حي الشعار في حلب اليوم وسط صمت دولي"
    source = make_source("تقرير عن حلب.", id="aleppo", title="Aleppo", posts=[(text, "aleppo_media", "2014-02-09")])
    ingest_sources(sample_store, [source], by="test")
    verifier = Verifier(sample_store, index_dir=None)
    assert verifier.verify(text, claim_handle="aleppo_media", min_score=0).matches[0].reason == SAME_POST
    report = verifier.verify(text.replace("12", "120"), claim_handle="aleppo_media", min_score=0)
    # The tweet tells another number: it is a conflict, never the same post.
    doctored = next(c.match for c in report.conflicts if c.match.handle == "aleppo_media")
    assert doctored.reason != SAME_POST and not doctored.exact
    assert report.verdict == "contradicted"


def test_ocr_confusions_in_handles_are_folded():
    assert fold_handle("@AnasSouriO") == fold_handle("AnasSouri0")
    assert fold_handle("zaidbenjamin") != fold_handle("zaidbenjamim")
