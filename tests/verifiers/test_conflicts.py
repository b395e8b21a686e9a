"""The seed article's three disagreements (docs/field-notes.md §1) come out as conflicts, with reasons."""
import pytest

from verifiers.claim import clean_claim
from verifiers.conflicts import find_conflicts
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
        assert 0 <= c.against < len(report.matches)
        assert report.matches[c.against].stance == "supports"


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
    conflicts = find_conflicts(claim, matches, related)
    assert [c.match.item_id for c in conflicts] == ["b"]
    assert conflicts[0].against == 0 and "لم" in conflicts[0].reason
    assert matches[0].stance == "supports"
