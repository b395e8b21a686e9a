"""Stance with reasons a user can check; uses the shipped model file, not the benchmark data."""
from verifiers.stance import classify, classify_many

WITHDREW = "انسحب تنظيم داعش من دير الزور"


def test_same_account_agrees():
    stance, reason = classify(WITHDREW, "انسحب عناصر تنظيم داعش من محافظة دير الزور")
    assert stance == "agree"
    assert "same account" in reason


def test_negation_disagrees_and_names_it():
    stance, reason = classify(WITHDREW, "تنظيم داعش لم ينسحب من دير الزور")
    assert stance == "disagree"
    assert "negation" in reason and "لم" in reason


def test_denial_disagrees():
    stance, reason = classify(WITHDREW, "نفى مصدر أن تنظيم داعش انسحب من دير الزور")
    assert (stance, "نفى" in reason) == ("disagree", True)


def test_other_actor_disagrees():
    stance, reason = classify(
        "جبهة النصرة سيطرت على حقل كونيكو في دير الزور", "الجيش الحر سيطر على حقل كونيكو في دير الزور"
    )
    assert stance == "disagree"
    assert "actor" in reason and "الجيش الحر" in reason and "جبهة النصرة" in reason


def test_other_number_disagrees():
    stance, reason = classify("مقتل 5 مدنيين في قصف على حلب", "مقتل 12 مدنيا في قصف على حلب")
    assert stance == "disagree"
    assert "5" in reason and "12" in reason


def test_opposite_predicate_across_languages():
    stance, reason = classify("ISIS withdrew from Deir ez-Zor to spare blood", "جبهة النصرة تطرد داعش من دير الزور")
    assert stance == "disagree"
    assert "تطرد" in reason and "spare blood" in reason


def test_english_claim_meets_its_arabic_account():
    assert classify("ISIS withdrew from Deir ez-Zor", WITHDREW)[0] == "agree"


def test_unrelated_is_other():
    stance, _ = classify(WITHDREW, "ارتفاع أسعار الذهب في الأسواق العالمية اليوم")
    assert stance == "other"


def test_classify_many_keeps_order():
    out = classify_many([(WITHDREW, "تنظيم داعش لم ينسحب من دير الزور"), (WITHDREW, WITHDREW)])
    assert [s for s, _ in out] == ["disagree", "agree"]
