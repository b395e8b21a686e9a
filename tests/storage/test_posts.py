"""Tweet attributions (clean and scrambled), status URLs, URLs, hashtags."""
import pytest

from storage.posts import (
    extract_hashtags,
    extract_urls,
    parse_attribution,
    parse_status_url,
    split_glued_words,
    split_trailing_attribution,
)
from storage.records import PartialDate


@pytest.mark.parametrize(
    "line, name, handle, date",
    [
        # The five scrambled forms of the seed (docs/field-notes.md §1).
        ("sarmini (@mohsarmini) February 10, 2014 محمد سرميني —", "محمد سرميني", "mohsarmini", (2014, 2, 10)),
        (" syria_omar) February 11, 2014@) الثورة اليتيمة —", "الثورة اليتيمة", "syria_omar", (2014, 2, 11)),
        ("THAERSORY) February 10, 2014@) د . ثائر الفارس —", "د . ثائر الفارس", "THAERSORY", (2014, 2, 10)),
        ("Zaid Benjamin (@zaidbenjamin) February 8, 2014 —", "Zaid Benjamin", "zaidbenjamin", (2014, 2, 8)),
        ("AnasSouri (@AnasSouri0) February 11, 2014 —", "AnasSouri", "AnasSouri0", (2014, 2, 11)),
        # Clean and mirrored forms.
        ("— Zaid Benjamin (@zaidbenjamin) February 8, 2014", "Zaid Benjamin", "zaidbenjamin", (2014, 2, 8)),
        ("&mdash; Jane Doe (@jdoe) Mar 3, 2015", "Jane Doe", "jdoe", (2015, 3, 3)),
        ("— ثائر الفارس )THAERSORY@( 10 فبراير 2014", "ثائر الفارس", "THAERSORY", (2014, 2, 10)),
        ("— محمد (@m_1) ١٠ شباط ٢٠١٤", "محمد", "m_1", (2014, 2, 10)),
    ],
)
def test_parse_attribution_forms(line: str, name: str, handle: str, date: tuple[int, int, int]) -> None:
    found = parse_attribution(line)
    assert found is not None
    assert (found.name, found.handle, found.date) == (name, handle, PartialDate(*date))


@pytest.mark.parametrize(
    "line",
    [
        "وتفاعل المغردون مع انسحاب داعش من دير الزور فقالوا :",
        "@someone said it on 3 May 2014",  # prose: no dash, no brackets
        "Zaid Benjamin (@zaidbenjamin)",  # no date
        "Zaid Benjamin February 8, 2014 —",  # no handle
        "",
    ],
)
def test_non_attributions_are_refused(line: str) -> None:
    assert parse_attribution(line) is None


def test_split_trailing_attribution_on_its_own_line() -> None:
    text, found = split_trailing_attribution("Rebels entered the field\n— Some One (@some1) March 3, 2015\n")
    assert text == "Rebels entered the field"
    assert found is not None and found.handle == "some1" and found.date == PartialDate(2015, 3, 3)


def test_split_trailing_attribution_on_the_same_line() -> None:
    pasted = "دخول ارتال الجيش الحر على حقل كونيكو pic.twitter.com/abc — AnasSouri (@AnasSouri0) February 11, 2014"
    text, found = split_trailing_attribution(pasted)
    assert text == "دخول ارتال الجيش الحر على حقل كونيكو pic.twitter.com/abc"
    assert found is not None and (found.name, found.handle) == ("AnasSouri", "AnasSouri0")


def test_split_trailing_attribution_leaves_plain_text_alone() -> None:
    assert split_trailing_attribution("Assad - the regime - denied it") == ("Assad - the regime - denied it", None)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://twitter.com/zaidbenjamin/status/432195544405446656", ("zaidbenjamin", "432195544405446656")),
        ("https://x.com/Foo_1/status/1?s=20&t=abc", ("Foo_1", "1")),
        ("http://mobile.twitter.com/Foo/statuses/42", ("Foo", "42")),
        ("https://www.twitter.com/Foo/status/42/photo/1", ("Foo", "42")),
        ("https://twitter.com/i/web/status/42", ("", "42")),
        ("https://twitter.com/#!/Foo/status/42", ("Foo", "42")),
    ],
)
def test_parse_status_url(url: str, expected: tuple[str, str]) -> None:
    assert parse_status_url(url) == expected


@pytest.mark.parametrize("url", ["https://t.co/inQcuEy2wx", "https://twitter.com/Foo", "https://example.com/status/1"])
def test_non_status_urls(url: str) -> None:
    assert parse_status_url(url) is None


def test_extract_urls_unglues_arabic_and_punctuation() -> None:
    text = "السيطرة https://t.co/inQcuEy2wxعليه و https://t.co/oACHNsTm9h! (https://example.com/a)."
    assert extract_urls(text) == ["https://t.co/inQcuEy2wx", "https://t.co/oACHNsTm9h", "https://example.com/a"]


def test_extract_hashtags_underscores_become_spaces() -> None:
    assert extract_hashtags("كتبوا في هاشتاج #شهادة_ابومحمد_الامريكي اليوم #سوريا") == [
        "شهادة ابومحمد الامريكي",
        "سوريا",
    ]


def test_extract_hashtags_recovers_a_lost_underscore_in_a_closing_run() -> None:
    assert extract_hashtags("حسبنا الله ونعم بالوكيل #سورية #دير الزور") == ["سورية", "دير الزور"]
    # Not in a run of hashtags: the next word is just the next word.
    assert extract_hashtags("قتلى في #حلب اليوم") == ["حلب"]


def test_glued_hashtags_split_into_known_words() -> None:
    assert extract_hashtags("#ديرالزور #سوريا", split_glued=True) == ["دير الزور", "سوريا"]
    assert extract_hashtags("#ديرالزور") == ["ديرالزور"]
    assert split_glued_words("الجيشالحر") == "الجيش الحر"
    # Real words stay whole.
    for word in ("سوريا", "داعش", "السورية"):
        assert split_glued_words(word) == word
