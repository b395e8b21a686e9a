"""Tweet screenshots: the tweet apart from the app around it, its handle and
date, and the tweet found in the archive."""
from __future__ import annotations

import pytest

from storage.records import PartialDate
from tests.screenshots import VARIANTS, ocr_missing, render, seed_tweets
from verifiers.engine import Verifier
from verifiers.report import Report
from verifiers.same_post import SAME_POST, fold_handle
from verifiers.screenshot import NoTextInImage, parse_screenshot, read_screenshot, verify_screenshot

# What OCR read from a light-mode English screenshot (a real reading, kept as text).
ENGLISH_UI = [
    "9:41 100%", "Post", "محمد سرميني", "@mohsarmini",
    "بعد هروب داعش من دير الزور قاموا بقتل كل", "سجناءهم .. لا ذمة لهم ولا دين .. حسبنا الله ونعم",
    "بالوكيل #سورية #دير الزور", "Show translation", "10:15 PM 01 Feb 10, 2014 0 Twitter for iPhone",
    "12 Retweets 3 Quotes 30 Likes", "O",
]
# And from a dark-mode Arabic-app screenshot: Arabic-Indic digits misread ("١٢" -> "VY").
ARABIC_UI = [
    "9:41 100%", "نشور", "Zaid Benjamin", "@zaidbenjamin",
    "مقتل الامير العسكري للدولة الاسلامية في دير الزور", "ابو دجانة الليبي وأبو بكر البغدادي يعيد كل التعزيزات",
    "العسكرية من العراق الى سوريا #ديرالزور #سوريا", "ترجمة المنشور", "0 م 81 فبراير 7016",
    'VY إعادة نشر "1 إعجاب', "لا © لا لا",
]


def test_english_app_chrome_is_set_aside():
    shot = parse_screenshot(ENGLISH_UI)
    assert shot.text == ("بعد هروب داعش من دير الزور قاموا بقتل كل سجناءهم .. لا ذمة لهم ولا دين .. "
                         "حسبنا الله ونعم بالوكيل #سورية #دير الزور")
    assert (shot.handle, shot.name, shot.date) == ("mohsarmini", "محمد سرميني", PartialDate(2014, 2, 10))
    assert "Show translation" in shot.chrome and "12 Retweets 3 Quotes 30 Likes" in shot.chrome


def test_arabic_app_chrome_is_set_aside_and_a_misread_date_is_not_guessed():
    shot = parse_screenshot(ARABIC_UI)
    assert shot.text.startswith("مقتل الامير") and shot.text.endswith("#ديرالزور #سوريا")
    assert shot.handle == "zaidbenjamin" and shot.name == "Zaid Benjamin"
    assert not shot.date.known  # "7016" is no year


@pytest.mark.parametrize(("line", "date"), [
    ("10:15 PM · Feb 10, 2014 · Twitter for iPhone", PartialDate(2014, 2, 10)),
    ("10:15 م · 10 فبراير 2014", PartialDate(2014, 2, 10)),
    ("١٠:١٥ م · ١٠ شباط ٢٠١٤", PartialDate(2014, 2, 10)),
    ("3:02 PM · 2/10/2014", PartialDate(2014, 10, 2)),  # day first, as storage.dates reads it
])
def test_time_line_dates_in_english_and_arabic(line, date):
    from verifiers.ocr import repair_line

    text = "مقتل الامير العسكري للدولة الاسلامية"
    shot = parse_screenshot(["Zaid Benjamin", "@zaidbenjamin", text, repair_line(line)])
    assert shot.date == date and shot.text == "مقتل الامير العسكري للدولة الاسلامية"


@pytest.mark.parametrize("relative", ["Zaid Benjamin @zaidbenjamin · 2h", "Zaid Benjamin @zaidbenjamin · 5m"])
def test_relative_times_are_ignored(relative):
    shot = parse_screenshot([relative, "مقتل الامير العسكري للدولة الاسلامية في دير الزور", "12 Likes"])
    assert shot.handle == "zaidbenjamin" and shot.name == "Zaid Benjamin" and not shot.date.known
    assert shot.text == "مقتل الامير العسكري للدولة الاسلامية في دير الزور"


def test_timeline_row_with_name_handle_and_date_on_one_line():
    shot = parse_screenshot(["Zaid Benjamin @zaidbenjamin · Feb 8, 2014", "مقتل الامير العسكري للدولة الاسلامية",
                             "3 Replies 12 Reposts 30 Likes 2K Views"])
    assert shot.date == PartialDate(2014, 2, 8) and shot.text == "مقتل الامير العسكري للدولة الاسلامية"


def test_replying_to_is_not_the_author_and_a_reply_below_is_not_the_tweet():
    shot = parse_screenshot([
        "الثورة اليتيمة", "@syria_omar", "Replying to @zaidbenjamin",
        "قام مجهولون بتفجير الجسر الحربي في منطقة حلبية", "10:15 PM · Feb 11, 2014", "12 Retweets",
        "AnasSouri @AnasSouri0 · 1h", "دير الزور دخول ارتال الجيش الحر",
    ])
    assert shot.handle == "syria_omar" and shot.text == "قام مجهولون بتفجير الجسر الحربي في منطقة حلبية"


def test_text_alone_without_handle():
    shot = parse_screenshot(["قام مجهولون بتفجير الجسر الحربي في منطقة حلبية", "وزلبية الأثرية #ديرالزور"])
    assert shot.handle == "" and shot.text == "قام مجهولون بتفجير الجسر الحربي في منطقة حلبية وزلبية الأثرية #ديرالزور"


# --- read and found: generated screenshots of the seed's tweets -------------------------

needs_ocr = pytest.mark.skipif(bool(ocr_missing()), reason=ocr_missing() or "")


@pytest.fixture(scope="module")
def tweets():
    return seed_tweets()


@pytest.fixture
def verify(sample_store):
    verifier = Verifier(sample_store, index_dir=None)

    def run(text: str, claim_date: PartialDate | None, handle: str | None) -> Report:
        return verifier.verify(text, claim_date=claim_date, claim_handle=handle, min_score=0)

    return run


@needs_ocr
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("which", range(5))
def test_every_seed_tweet_in_every_variant_is_found_at_rank_1(verify, tweets, variant, which):
    tweet = tweets[which]
    result = verify_screenshot(render(tweet, **VARIANTS[variant]), verify)  # type: ignore[arg-type]
    top = result.report.matches[0]
    assert (top.kind, top.handle) == ("post", tweet.handle), result.shot.text
    if variant != "text-only":
        assert fold_handle(result.shot.handle) == fold_handle(tweet.handle)  # read as the engine accepts it
        # By its handle and text, or by its t.co link when OCR read that too.
        assert top.score == 100 and (top.exact and top.reason == SAME_POST or top.reason == "same link")
    assert result.report.notes[0].code == "read_from_image"
    assert f"«{result.shot.text[:40]}" in result.report.notes[0]  # what was read, misreadings and all


@needs_ocr
def test_the_screenshot_date_drives_recycled(verify, tweets):
    """A screenshot dated 2016 of a tweet of February 2014: an old story passed off as new."""
    from dataclasses import replace

    old = replace(tweets[3], year=2016)
    result = verify_screenshot(render(old), verify)
    assert result.shot.date == PartialDate(2016, 2, 8)
    assert result.report.recycled_days is not None and result.report.recycled_days > 700
    same_day = verify_screenshot(render(tweets[3]), verify)
    assert same_day.report.recycled_days is None


@needs_ocr
def test_an_image_without_text_is_refused():
    from PIL import Image

    with pytest.raises(NoTextInImage, match="no text could be read"):
        read_screenshot(Image.new("RGB", (400, 300), (255, 255, 255)))
