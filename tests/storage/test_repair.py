"""Repairs for PDF-extracted Arabic text (docs/field-notes.md §1)."""
from pathlib import Path

import pytest

from storage.repair import (
    join_fragments,
    rejoin_broken_lines,
    rejoin_fragment_lines,
    rejoin_rotated_line,
    remove_kashida,
    repair_text,
    unglue_urls,
)

SEED = Path(__file__).resolve().parents[2] / "storage" / "data" / "sample_noonpost_2014-02.txt"


def rotate(before: str, w1: str, w2: str, after: str) -> str:
    """What PDF extraction makes of the line `before + w1w2 + after`."""
    return f"{w2}{after} {before}{w1}".strip()


def test_kashida_is_removed() -> None:
    assert remove_kashida("جبهــة النصرة تطــرد داعــش") == "جبهة النصرة تطرد داعش"


@pytest.mark.parametrize(
    "line, word",
    [
        # The seed's rotated lines.
        ("يا ، وذلك مع معارك عنيفة لعدة أيام خاضتها مع تنظيم جبهة النصرة التابع لتنظيم القاعدة سور", "سوريا"),
        ("ية المقاتلة. وباقي الفصائل السور", "السورية"),
        ("كدّ ذلك فقال “انسحب مقاتلو الدولة الإسلامية في العراق والشام بالكامل مصدر في جبهة النصرة أ", "أكدّ"),
        ("كبر همومهم لحقول النفط والسيطرة عليها يبدوا ان هذا فعلا أ", "أكبر"),
        ("يا البغدادي يعيد كل التعزيزات العسكرية من العراق الى سور", "سوريا"),
        (" يا #ديرالزور #سور", "#سوريا"),
        # Other words, split the same way.
        (rotate("أعلنت ", "الحكو", "مة", " السورية عن هدنة"), "الحكومة"),
        (rotate("تقدمت قوات ", "المعار", "ضة", " في ريف حلب"), "المعارضة"),
        (rotate("وصلت قوافل ", "اللاجئ", "ين", " إلى الحدود التركية"), "اللاجئين"),
        (rotate("قصفت ", "الطائر", "ات", " أحياء المدينة"), "الطائرات"),
    ],
)
def test_rotated_line_gets_its_word_back(line: str, word: str) -> None:
    repaired = rejoin_rotated_line(line)
    assert word in repaired.split()
    # No word is lost or invented: only the two fragments became one.
    assert len(repaired.split()) == len(line.split()) - 1


def test_rotated_line_order_restored_at_a_sentence_end() -> None:
    assert rejoin_rotated_line("ية المقاتلة. وباقي الفصائل السور") == "وباقي الفصائل السورية المقاتلة."


def test_rotated_line_keeps_punctuation_after_the_word() -> None:
    repaired = rejoin_rotated_line("يا ، وذلك مع معارك عنيفة سور")
    assert repaired == "سوريا ، وذلك مع معارك عنيفة"


@pytest.mark.parametrize(
    "line",
    [
        "انسحب عناصر تنظيم الدولة الإسلامية في العراق والشام – داعش – من محافظة دير الزور شرق",
        "قال مصدر في المعارضة إن الاشتباكات مستمرة في حلب",
        "The rebels entered the Conoco field on Tuesday",
        "يا",
        "",
    ],
)
def test_ordinary_lines_are_left_alone(line: str) -> None:
    assert rejoin_rotated_line(line) == line


def test_join_needs_a_common_word_much_commoner_than_its_parts() -> None:
    assert join_fragments("سور", "يا") == "سوريا"
    assert join_fragments("في", "من") is None  # two words, not a split word
    assert join_fragments("abc", "يا") is None


def test_lone_fragment_line_joins_its_neighbour() -> None:
    text = "قصفت الطائرات أحياء المدي\n\nنة\n\nوقال ناشطون"
    repaired = rejoin_fragment_lines(text)
    assert "المدينة" in repaired.split()
    assert repaired.count("\n") == text.count("\n")  # lines kept for the parser


def test_word_broken_across_lines_without_rotation() -> None:
    repaired = rejoin_broken_lines("تقدمت قوات المعار\n\nضة في ريف حلب")
    assert repaired.split() == "تقدمت قوات المعارضة في ريف حلب".split()


def test_unglue_urls() -> None:
    assert unglue_urls("https://t.co/inQcuEy2wxعليه") == "عليه https://t.co/inQcuEy2wx"
    assert unglue_urls("https://t.co/oACHNsTm9h!") == "! https://t.co/oACHNsTm9h"
    assert unglue_urls("see https://example.com/a/b?x=1 now") == "see https://example.com/a/b?x=1 now"


def test_repair_text_on_the_seed() -> None:
    repaired = repair_text(SEED.read_text(encoding="utf-8"))
    words = repaired.split()
    assert "\u0640" not in repaired
    for word in ("سوريا", "السورية", "أكدّ", "أكبر", "عليه", "#سوريا"):
        assert word in words, word
    # Every fragment was consumed.
    for fragment in ("سور", "يا", "ية", "كدّ", "كبر"):
        assert fragment not in words, fragment
    assert repaired.count("\n") == SEED.read_text(encoding="utf-8").count("\n")


def test_repair_text_leaves_clean_text_alone() -> None:
    clean = (
        "قالت مصادر في المعارضة السورية إن الاشتباكات تجددت في ريف حلب الشمالي.\n"
        "وأضافت أن الطائرات قصفت أحياء المدينة، فيما نزح مئات المدنيين نحو الحدود.\n"
    )
    assert repair_text(clean) == clean
    assert repair_text(repair_text(clean)) == clean
