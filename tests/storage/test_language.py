"""The one language detector: Arabic or English by letters, as importers, the
re-ranker and mention replies use it."""
from storage.language import detect_language
from verifiers.normalize import is_arabic


def test_an_arabic_tweet_with_a_latin_handle_and_link_is_arabic():
    tweet = "انسحاب تنظيم الدولة من دير الزور @mohsarmini https://t.co/inQcuEy2wx"
    assert detect_language(tweet) == "ar" and is_arabic(tweet)


def test_english_with_an_arabic_name_is_english_and_nothing_to_read_gets_the_default():
    assert detect_language("Fighting resumed in دير الزور on Monday, activists said") == "en"
    assert detect_language("12:30 — 2014", default="en") == "en" and detect_language("!!!") == ""
    assert not is_arabic("2014")
