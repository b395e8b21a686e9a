"""The verdict on claims about the seed article: altered ones are contradicted, true ones supported,
unrelated ones not found; conflicts only where the seed really tells otherwise (docs/field-notes.md §1)."""
import pytest

from verifiers.engine import Verifier

PASTED_TWEET = (
    "بعد هروب داعش من دير الزور قاموا بقتل كل سجناءهم .. لا ذمة لهم ولا دين .. "
    "حسبنا الله ونعم بالوكيل #سورية #دير الزور\n"
    "— محمد سرميني (@mohsarmini) February 10, 2014"
)


@pytest.fixture(scope="module")
def verifier(seed_archive):
    return Verifier(seed_archive)


# Claims written from the seed and then altered in the one detail that changes what happened.
ALTERED = [
    # act reversed: the tweet says they killed the prisoners
    ("بعد هروب داعش من دير الزور أطلقوا سراح كل السجناء", "mohsarmini", "«بقتل»"),
    ("ISIS released all its prisoners after fleeing Deir ez-Zor", "mohsarmini", "released"),
    # roles swapped: Nusra drove ISIS out, not the other way round
    ("داعش تطرد جبهة النصرة من دير الزور", None, "جبهة النصرة"),
    # entered -> withdrew: the tweet says the Free Army columns entered the Conoco field
    ("الجيش الحر انسحب من حقل كونيكو", "AnasSouri0", "«دخول»"),
    # a number changed: two of Nusra's men were killed in Mohasan, not five
    ("مقتل خمسة من عناصر جبهة النصرة في موحسن", None, "5"),
    # a negation added
    ("مجهولون لم يفجروا الجسر الحربي في منطقة حلبية وزلبية", "syria_omar", "لم"),
]


@pytest.mark.parametrize("claim, handle, words", ALTERED)
def test_an_altered_claim_is_contradicted_and_says_by_what(verifier, claim, handle, words):
    report = verifier.verify(claim)
    assert report.verdict in ("contradicted", "disputed"), report.verdict
    first = report.conflicts[0]
    assert words in first.reason, first.reason
    if handle:
        assert first.match.handle == handle
    # the contradicting account is never also shown as a supporting match
    supporting = {m.item_id for m in report.matches if m.stance == "supports"}
    assert not supporting & {c.match.item_id for c in report.conflicts}
    assert all(c.match.stance == "contradicts" for c in report.conflicts)


TRUE = [
    ("بعد هروب داعش من دير الزور قتلوا كل السجناء", "mohsarmini"),
    ("قام مجهولون بتفجير الجسر الحربي في منطقة حلبية وزلبية على نهر الفرات", "syria_omar"),
    ("الجيش الحر دخل حقل كونيكو", "AnasSouri0"),
    (PASTED_TWEET, "mohsarmini"),  # the verbatim pasted tweet
    ("داعش لما هربت من دير الزور قتلت كل المساجين اللي عندها", "mohsarmini"),  # dialect, a synonym
]


@pytest.mark.parametrize("claim, handle", TRUE)
def test_a_true_claim_is_supported_without_conflicts(verifier, claim, handle):
    report = verifier.verify(claim)
    assert report.verdict == "supported"
    assert report.conflicts == [], [c.reason for c in report.conflicts]
    top = report.matches[0]
    assert top.handle == handle and top.stance == "supports"
    assert top.stance_reason is None or "adds detail" in top.stance_reason  # nothing differs, or only more words


@pytest.mark.parametrize("claim", [
    "ريال مدريد فاز على برشلونة في الكلاسيكو بثلاثة أهداف",
    "The weather in Gaza is sunny today",
    "أسعار النفط ترتفع عالميا",
])
def test_an_unrelated_claim_is_not_found(verifier, claim):
    report = verifier.verify(claim)
    assert report.verdict == "not_found" and not report.matches and not report.conflicts


def test_an_account_that_adds_detail_is_no_conflict(verifier):
    # the passage adds "after fierce fighting for several days with Nusra": more detail, same event
    report = verifier.verify("انسحب عناصر تنظيم داعش من محافظة دير الزور")
    assert not any("معارك" in c.reason for c in report.conflicts)
    assert any(m.stance == "supports" for m in report.matches)


def test_the_closest_account_contradicts_even_below_the_threshold(verifier):
    """Item 4: the original of a distorted claim may score under the threshold because of the very
    detail that was changed; it is still found, as a conflict against the claim itself."""
    report = verifier.verify("بعد هروب داعش من دير الزور أطلقوا سراح كل السجناء")
    assert report.verdict == "contradicted"
    assert report.conflicts[0].against is None
    assert report.conflicts[0].match.handle == "mohsarmini"


def test_the_json_carries_the_verdict_and_each_stance(verifier):
    data = verifier.verify("انسحب تنظيم داعش من دير الزور حقنا للدماء").to_json()
    assert data["verdict"] == "disputed"
    assert data["matches"][0]["stance"] == "supports" and data["matches"][0]["stance_reason"] is None
    conflict = data["conflicts"][0]
    assert conflict["stance"] == "contradicts" and conflict["against"] == 0
    assert "حقنا للدماء" in conflict["stance_reason"] and conflict["reason"] == conflict["stance_reason"]
