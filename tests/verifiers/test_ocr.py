"""OCR: preparing images, repairing Arabic OCR damage, reading generated tweet screenshots."""
from __future__ import annotations

import pytest
from PIL import Image, ImageDraw
from rapidfuzz import fuzz

from tests.screenshots import VARIANTS, ocr_missing, render, seed_tweets
from verifiers.normalize import normalize
from verifiers.ocr import OcrSettings, OcrUnavailable, find_tessdata, prepare, read_text, repair_line, scales_for


def test_repair_removes_bidi_marks_and_converts_digits():
    assert repair_line("\u200fمقتل\u200e ISIS\u200f العسكري ١٢ ۳") == "مقتل ISIS العسكري 12 3"


@pytest.mark.parametrize(("raw", "fixed"), [
    ("حسبنا الله # سورية #دير الزور", "حسبنا الله #سورية #دير الزور"),
    ("وجد الثوار سورية# اليوم", "وجد الثوار #سورية اليوم"),
    ("الشام ـ داعــش", "الشام داعش"),
])
def test_repair_puts_hashtags_back_together_and_drops_tatweel(raw, fixed):
    assert repair_line(raw) == fixed


def test_repair_drops_latin_misreadings_inside_arabic_lines_only():
    assert repair_line("els مجهولون بتفجير الجسر الحربي") == "مجهولون بتفجير الجسر الحربي"
    assert repair_line("بعد دخول ol pie #داعش في #ديرالزور") == "بعد دخول #داعش في #ديرالزور"
    assert repair_line("Show translation") == "Show translation"
    assert repair_line("الرئيس ISIS في دير الزور") == "الرئيس ISIS في دير الزور"


def test_repair_drops_stray_marks_but_keeps_punctuation():
    assert repair_line("© بعد هروب داعش | .. لا ذمة لهم ! “") == "بعد هروب داعش .. لا ذمة لهم !"
    assert repair_line("  \u200f  ") == ""


def test_dark_mode_is_inverted_and_small_text_scaled_up():
    dark = Image.new("RGB", (300, 80), (0, 0, 0))
    ImageDraw.Draw(dark).rectangle((20, 30, 280, 40), fill=(230, 230, 230))  # one thin "line" 11 px high
    prepared = prepare(dark)
    assert prepared.inverted and not prepared.binarise
    assert prepared.grey.getpixel((5, 5)) == 255  # the background is now white
    first, second = scales_for(prepared)
    assert first == pytest.approx(36 / 11, rel=0.05) and second == pytest.approx(first / 1.5, rel=0.05)


def test_noisy_background_is_binarised():
    noisy = Image.effect_noise((200, 100), 60).convert("RGB")
    assert prepare(noisy).binarise


def test_missing_models_say_what_to_install(tmp_path):
    with pytest.raises(OcrUnavailable) as caught:
        find_tessdata(OcrSettings(tessdata=str(tmp_path / "nowhere")))
    message = str(caught.value)
    assert "tesseract-ocr-ara" in message and "tesserocr" in message


def test_without_tesserocr_the_message_says_to_install_it(monkeypatch):
    import sys

    from verifiers.ocr import ensure_available, unavailable_reason

    monkeypatch.setitem(sys.modules, "tesserocr", None)  # as if it were not installed
    assert "(tesserocr is not installed)" in (unavailable_reason() or "")
    with pytest.raises(OcrUnavailable, match="pip install tesserocr"):
        ensure_available()


needs_ocr = pytest.mark.skipif(bool(ocr_missing()), reason=ocr_missing() or "")


@needs_ocr
def test_without_models_read_text_raises_unavailable(tmp_path):
    with pytest.raises(OcrUnavailable, match="apt-get install tesseract-ocr"):
        read_text(Image.new("RGB", (50, 50), "white"), OcrSettings(tessdata=str(tmp_path)))


@needs_ocr
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_generated_screenshot_reads_the_whole_tweet(variant):
    tweet = seed_tweets()[0]
    result = read_text(render(tweet, **VARIANTS[variant]))  # type: ignore[arg-type]
    read = normalize(result.text)
    # Every word of the tweet, OCR slips aside: the whole text, not a line short.
    assert fuzz.partial_ratio(normalize(tweet.text), read) >= 90, result.text
    assert result.inverted == bool(VARIANTS[variant].get("dark"))
    assert result.binarised == bool(VARIANTS[variant].get("photo"))
    if variant != "text-only":
        assert "@mohsarmini" in result.text
