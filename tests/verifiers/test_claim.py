"""Claim clean-up: what a pasted tweet becomes before search."""
from storage.records import PartialDate
from verifiers.claim import clean_claim

TWEET = (
    "بعد هروب داعش من دير الزور قاموا بقتل كل سجناءهم .. لا ذمة لهم ولا\n"
    "دين .. حسبنا الله ونعم بالوكيل #سورية #دير_الزور\n"
    "— محمد سرميني (@mohsarmini) February 10, 2014"
)


def test_pasted_tweet_attribution_is_dropped_but_kept_as_fields():
    claim = clean_claim(TWEET)
    assert "mohsarmini" not in claim.text and "February" not in claim.text
    assert claim.handle == "mohsarmini"
    assert claim.date == PartialDate(2014, 2, 10)
    assert claim.text.startswith("بعد هروب داعش من دير الزور")
    assert claim.raw == TWEET


def test_hashtags_become_words():
    claim = clean_claim(TWEET)
    assert "#" not in claim.text and "_" not in claim.text
    assert claim.text.endswith("سورية دير الزور")
    assert "دير الزور" in claim.hashtags


def test_urls_are_stripped_from_text_and_kept_as_keys():
    claim = clean_claim("وجد الثوار خرائط لحقول النفط https://t.co/oACHNsTm9h!")
    assert claim.urls == ["https://t.co/oACHNsTm9h"]
    assert "http" not in claim.text and "t.co" not in claim.text
    assert claim.text.startswith("وجد الثوار خرائط لحقول النفط")


def test_glued_url_leaves_the_arabic_word():
    claim = clean_claim("دخول ارتال الجيش الحر على حقل كونيكو بعد السيطرة https://t.co/inQcuEy2wxعليه")
    assert claim.urls == ["https://t.co/inQcuEy2wx"]
    assert "عليه" in claim.text


def test_mentions_lose_the_at_sign_and_emoji_go():
    claim = clean_claim("@zaidbenjamin   مقتل الأمير العسكري 😡🔥 في دير الزور 👍🏽")
    assert claim.text == "zaidbenjamin مقتل الأمير العسكري في دير الزور"


def test_plain_claim_is_kept_whole_and_nothing_is_rejected():
    assert clean_claim("داعش قتلت السجناء").text == "داعش قتلت السجناء"
    empty = clean_claim("   ")
    assert empty.text == "" and empty.urls == [] and empty.handle == ""


# --- tweet-specific clean-up (issue 10) -------------------------------------------


def test_digits_glued_to_words_are_split():
    assert clean_claim("12قطريا مغرر بهم").text.startswith("12 قطريا")
    assert "٦ سنين" in clean_claim("مرت ٦سنين على الانقلاب").text
    assert "FreeIran 2020" in clean_claim("the end of tyranny #FreeIran2020").text
    assert "100 people" in clean_claim("about 100people died").text
    assert "22nd" in clean_claim("on September 22nd the protest").text  # ordinals stay whole


def test_a_left_over_date_line_is_not_searched():
    claim = clean_claim("France did not call this free speech January 6, 2020")
    assert claim.text == "France did not call this free speech"
