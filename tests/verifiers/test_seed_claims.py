"""Claims about the seed article, verified against an archive holding it."""
import pytest

from storage.records import PartialDate
from verifiers.engine import DEFAULT_THRESHOLD, Verifier


@pytest.fixture(scope="module")
def verifier(seed_archive):
    return Verifier(seed_archive)


def best(report):
    assert report.matches, f"no match for {report.query!r}"
    return report.matches[0]


def test_prisoners_claim_finds_the_mohsarmini_tweet(verifier):
    report = verifier.verify("بعد هروب داعش من دير الزور قتلوا كل السجناء")
    top = best(report)
    assert top.kind == "post" and top.handle == "mohsarmini"
    assert top.date == PartialDate(2014, 2, 10)
    assert report.first_seen is not None and report.first_seen.date == PartialDate(2014, 2, 10)


@pytest.mark.parametrize(
    "claim, handle",
    [
        # Syrian dialect
        ("داعش لما هربت من دير الزور قتلت كل المساجين اللي عندها", "mohsarmini"),
        ("داعش هربو من ديرالزور و قتلو كل المساجين", "mohsarmini"),
        # typos
        ("بعد هروب داعس من دير الزو قامو بقتل كل سجنائهم", "mohsarmini"),
        # tatweel and diacritics
        ("بعــد هــروب داعــش مــن ديــر الــزور قامُوا بقتلِ كلِّ سجناءهم", "mohsarmini"),
        # Gulf/Levantine phrasing, glued preposition
        ("مجهولين فجروا الجسر الحربي بدير الزور", "syria_omar"),
        ("الثوار لقوا خرايط بمقرات داعش بديرالزور عن حقول النفط", "THAERSORY"),
        ("الجيش الحر دخل حقل كونيكو", "AnasSouri0"),
        ("البغدادي يسحب كل التعزيزات العسكرية من العراق إلى سوريا", "zaidbenjamin"),
    ],
)
def test_rephrased_tweets_find_their_post(verifier, claim, handle):
    top = best(verifier.verify(claim))
    assert top.kind == "post" and top.handle == handle
    assert top.score >= DEFAULT_THRESHOLD and top.confidence == "strong"


@pytest.mark.parametrize(
    "claim, words",
    [
        ("داعش انسحبت من دير الزور بعد معارك عنيفة مع جبهة النصرة", "معارك عنيفة"),
        ("جبهة النصره سيطرت على حقول النفط في ديرالزور", "وحقول النفط"),
        ("داعش طلعت من دير الزور حقنا للدماء", "حقنا للدماء"),
    ],
)
def test_rephrased_article_sentences_find_their_passage(verifier, claim, words):
    top = best(verifier.verify(claim))
    assert top.kind == "passage"
    assert words in top.text.replace("ـ", "")
    assert top.publisher or top.title  # a passage carries its source's details


def test_pasted_tweet_with_attribution_is_the_same_tweet(verifier):
    pasted = (
        "بعد هروب داعش من دير الزور قاموا بقتل كل سجناءهم .. لا ذمة لهم ولا دين .. "
        "حسبنا الله ونعم بالوكيل #سورية #دير الزور\n"
        "— محمد سرميني (@mohsarmini) February 10, 2014"
    )
    report = verifier.verify(pasted)
    top = best(report)
    assert top.handle == "mohsarmini" and top.score >= 90
    assert report.claim.handle == "mohsarmini"
    # Pasted on its own day: not a recycled story.
    assert report.recycled_days is None


def test_tco_link_is_an_exact_match(verifier):
    report = verifier.verify("https://t.co/oACHNsTm9h")
    top = best(report)
    assert top.score == 100 and top.handle == "THAERSORY"
    assert "link" in top.reason


def test_recycled_old_story_is_flagged(verifier):
    old = (
        "بعد هروب داعش من دير الزور قاموا بقتل كل سجناءهم\n"
        "— Someone (@someone) March 30, 2016"
    )
    report = verifier.verify(old)
    assert best(report).handle == "mohsarmini"
    assert report.recycled_days is not None and report.recycled_days > 700


@pytest.mark.parametrize(
    "claim",
    [
        "ريال مدريد فاز على برشلونة في الكلاسيكو بثلاثة أهداف",
        "الطقس في غزة ماطر اليوم مع انخفاض درجات الحرارة",
        "I love cooking pasta with tomato sauce on Sundays",
        "The weather in Gaza is sunny today",
        "الجيش اللبناني يعتقل مهربين على الحدود",
        "قصف إسرائيلي على غزة يقتل عشرة أشخاص",
        "أسعار النفط ترتفع عالميا",
        "داعش",  # a topic, not a claim
    ],
)
def test_unrelated_claims_find_nothing(verifier, claim):
    report = verifier.verify(claim)
    assert report.matches == [], [(m.score, m.text[:40]) for m in report.matches]


def test_min_score_zero_still_returns_the_closest(verifier):
    report = verifier.verify("الطقس في دير الزور ماطر اليوم", min_score=0, limit=3)
    assert 1 <= len(report.matches) <= 3
    scores = [m.score for m in report.matches]
    assert scores == sorted(scores, reverse=True)
