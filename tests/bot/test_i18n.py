"""bot/i18n.py: Arabic counts agree with their number; every string has both forms."""
from __future__ import annotations

import pytest

from bot.i18n import NOUNS, STRINGS, count, t


@pytest.mark.parametrize(("n", "expected"), [
    (1, "ثانية واحدة"), (2, "ثانيتين"), (3, "3 ثوانٍ"), (10, "10 ثوانٍ"), (11, "11 ثانية"), (99, "99 ثانية"),
    (100, "100 ثانية"), (103, "103 ثوانٍ"), (111, "111 ثانية"),
])
def test_arabic_seconds_agree_with_the_number(n, expected):
    assert count(n, "second", "ar") == expected


def test_arabic_days_use_the_accusative_from_eleven():
    assert count(2213, "day", "ar") == "2213 يومًا"
    assert count(7, "passage", "ar") == "7 فقرات"  # not "7 فقرة"
    assert t("source.added", "ar", count=2) == "تمت إضافة مصدرين:"  # not "أضيف 2 مصدر"
    assert t("pace.queued", "ar", claim="x", seconds=9).count("9 ثوانٍ") == 1  # not "9 ثانية"


def test_english_counts():
    assert count(1, "source", "en") == "1 source" and count(3, "source", "en") == "3 sources"


def test_every_string_and_noun_has_an_arabic_form():
    for key, (en, ar) in STRINGS.items():
        assert en.strip() and ar.strip(), key
    for noun, forms in NOUNS.items():
        assert all(forms), noun
