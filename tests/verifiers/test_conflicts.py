"""The seed article's three disagreements (docs/field-notes.md §1) come out as conflicts, with reasons."""
import pytest

from verifiers.claim import clean_claim
from verifiers.conflicts import judge
from verifiers.engine import Verifier
from verifiers.report import Match


@pytest.fixture(scope="module")
def verifier(seed_archive):
    return Verifier(seed_archive)


def _conflicts(verifier, claim):
    report = verifier.verify(claim)
    assert report.matches, "the claim should match the seed"
    return report


def test_spare_blood_vs_driven_out(verifier):
    report = _conflicts(verifier, "انسحب تنظيم داعش من دير الزور حقنا للدماء")
    reasons = [c.reason for c in report.conflicts]
    assert any("حقنا للدماء" in r and ("معارك عنيفة" in r or "انتزاع" in r) for r in reasons)
    for c in report.conflicts:
        assert c.against is None or report.matches[c.against].stance == "supports"
        assert c.match.item_id not in {m.item_id for m in report.matches}


def test_driven_out_vs_spare_blood(verifier):
    report = _conflicts(verifier, "جبهة النصرة طردت داعش من دير الزور بعد معارك عنيفة")
    assert any("حقنا للدماء" in c.match.text and "حقنا للدماء" in c.reason for c in report.conflicts)


def test_treachery_vs_conspiracy(verifier):
    report = _conflicts(verifier, "قتل اثنان من عناصر جبهة النصرة غدرا على يد داعش في موحسن")
    assert any("مؤامرة" in c.reason and "غدر" in c.reason for c in report.conflicts)


def test_nusra_vs_free_army_at_the_oil_fields(verifier):
    report = _conflicts(verifier, "جبهة النصرة سيطرت على حقول النفط في دير الزور")
    hits = [c for c in report.conflicts if "كونيكو" in c.match.text]
    assert hits and "الجيش الحر" in hits[0].reason and "جبهة النصرة" in hits[0].reason


def test_english_claim_finds_the_arabic_conflict(verifier):
    report = _conflicts(verifier, "ISIS withdrew from Deir ez-Zor to spare blood")
    assert report.conflicts


def test_an_uncontested_claim_has_no_conflicts(verifier):
    report = verifier.verify("قام مجهولون بتفجير الجسر الحربي في منطقة حلبية وزلبية على نهر الفرات")
    assert report.matches and not report.conflicts


def _match(item_id, text, score=80.0):
    return Match(score=score, source_id="s", kind="passage", item_id=item_id, text=text)


def test_related_items_beyond_the_matches_and_against_index():
    claim = clean_claim("انسحب تنظيم داعش من دير الزور")
    matches = [_match("a", "انسحب تنظيم داعش من دير الزور بالكامل")]
    related = [
        _match("b", "مصدر: تنظيم داعش لم ينسحب من دير الزور", 30),
        _match("c", "ارتفاع أسعار الذهب في الأسواق", 10),
    ]
    kept, conflicts = judge(claim, matches, related)
    assert [c.match.item_id for c in conflicts] == ["b"]
    assert conflicts[0].against == 0 and "لم" in conflicts[0].reason
    assert [(m.item_id, m.stance) for m in kept] == [("a", "supports")]


def test_a_contradicting_match_leaves_the_matches_for_the_conflicts():
    claim = clean_claim("بعد هروب داعش من دير الزور أطلقوا سراح كل السجناء")
    matches = [_match("a", "بعد هروب داعش من دير الزور قاموا بقتل كل سجناءهم")]
    kept, conflicts = judge(claim, matches, [])
    assert kept == [] and [c.match.item_id for c in conflicts] == ["a"]
    assert conflicts[0].against is None  # nothing supports the claim: it contradicts the claim itself
    assert conflicts[0].match.stance == "contradicts" and "«بقتل»" in conflicts[0].match.stance_reason


@pytest.mark.parametrize("text", [
    "بعد فرار داعش من دير الزور قاموا بقتل جميع السجناء",  # synonyms: فرار for هروب, جميع for كل
    "بعد هروب داعش من دير الزور قتلوا كل السجناء في سجونهم بالمدينة",  # added detail
])
def test_synonyms_and_added_detail_are_no_conflict(text):
    claim = clean_claim("بعد هروب داعش من دير الزور قتلوا كل السجناء")
    kept, conflicts = judge(claim, [_match("a", text)], [])
    assert conflicts == [] and kept[0].stance == "supports"


def test_a_far_candidate_needs_a_checkable_difference():
    """Below the threshold, the model's hunch is not enough: many accounts share a topic."""
    claim = clean_claim("الذهب يرتفع مع تراجع الدولار")
    kept, conflicts = judge(claim, [], [_match("b", "الذهب يرتفع مع تراجع النفط", 20)])
    assert conflicts == []


def test_an_act_reversed_by_someone_else_is_no_conflict():
    """The Free Army entering the field and ISIS leaving it can both be true."""
    claim = clean_claim("الجيش الحر دخل حقل كونيكو في دير الزور")
    kept, conflicts = judge(claim, [_match("a", "انسحب تنظيم داعش من حقل كونيكو في دير الزور")], [])
    assert conflicts == []
    kept, conflicts = judge(claim, [_match("b", "انسحب الجيش الحر من حقل كونيكو في دير الزور")], [])
    assert [c.match.item_id for c in conflicts] == ["b"] and "«انسحب»" in conflicts[0].reason
