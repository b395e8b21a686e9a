"""Plain-text articles -> Source: the PDF-extracted seed, a clean Arabic
article, an English article, and another article with the seed's PDF artifacts."""
from pathlib import Path

import pytest

from storage.importers.text import parse_text_article, split_sentences
from storage.records import PartialDate, Precision, Source

SEED = Path(__file__).resolve().parents[2] / "storage" / "data" / "sample_noonpost_2014-02.txt"

CLEAN_ARABIC = """المعارضة تسيطر على حقل نفطي في ريف دير الزور

12 شباط 2014 | عنب بلدي | بقلم أحمد الحلبي

قالت مصادر في المعارضة السورية إن مقاتليها سيطروا على حقل التيم النفطي. وأضافت
المصادر أن الاشتباكات استمرت ساعات!

ونشر ناشط على تويتر:

دخول الثوار إلى حقل التيم النفطي بعد معارك عنيفة #دير_الزور https://t.co/abcdefghij
— أبو عمر (@abu_omar) ١٢ فبراير ٢٠١٤

ولم يصدر تعليق من النظام حتى الآن؟ ويقول ناشطون إن التنظيم انسحب نحو الرقة.
"""

ENGLISH = """Rebels take oil field in eastern Syria

By Jane Doe | Reuters | February 12, 2014

Syrian rebels seized the al-Omar oil field on Wednesday, activists said. The U.S. State
Department did not comment.

One activist wrote on Twitter:

Rebels have entered al-Omar field after heavy clashes #Deir_Ezzor https://twitter.com/activist/status/433000000000000000
— Activist Name (@activist) February 12, 2014

Fighting continued into the night.
"""

# The clean Arabic story as a PDF extractor would give it: kashida, a line
# rotated around a split word, a scrambled attribution, a URL glued to a word
# and a hashtag tail below its attribution, a date line without digits.
PDF_LIKE = """
المعــارضة تسيطــر على حقــل نفطي في ريف ديــر
الزور

, شباط  | كتبه عنب بلدي

قالت مصادر في المعــارضة إن مقاتليها سيطروا على حقل التيم النفطي في ريف دير الزور
ات الحربية مواقع التنظيم قرب المدينة وقصفت الطائر

وتفاعل ناشطون مع الخبر فكتبوا :

دخول الثوار إلى حقل التيم النفطي بعد معارك عنيفة مع التنظيم

https://t.co/abcdefghijاليوم

abu_omar) February 12, 2014@) أبو عمر —
#ديرالزور #سوريا
الطيران يقصف محيط الحقل بعد انسحاب عناصر التنظيم منه
 Omar Report (@omar_report) February 13, 2014 —

 

وقال ناشطون إن التنظيم انسحب نحو الرقة.
"""


@pytest.fixture(scope="module")
def seed() -> Source:
    return parse_text_article(SEED.read_text(encoding="utf-8"))


def _post(source: Source, handle: str):
    matches = [p for p in source.posts if p.handle == handle]
    assert len(matches) == 1, [p.handle for p in source.posts]
    return matches[0]


def _passages(source: Source) -> str:
    return "\n".join(p.text for p in source.passages)


# --- the seed ------------------------------------------------------------------


def test_seed_header(seed: Source) -> None:
    assert seed.title == "“جبهة النصرة” تطرد “داعش” من دير الزور"
    assert seed.publisher == "نون بوست"
    assert seed.lang == "ar"
    assert seed.id == ""
    # The date line lost its digits: month from the line, year from the tweets.
    assert seed.date == PartialDate(2014, 2)
    assert seed.date.precision is Precision.MONTH


@pytest.mark.parametrize(
    "handle, name, day, words",
    [
        ("mohsarmini", "محمد سرميني", 10, ["بعد هروب داعش من دير الزور قاموا بقتل كل سجناءهم"]),
        ("syria_omar", "الثورة اليتيمة", 11, ["الجسر الحربي", "نهر الفرات"]),
        ("THAERSORY", "د . ثائر الفارس", 10, ["خرائط ومخططات", "أكبر", "لحقول النفط"]),
        ("zaidbenjamin", "Zaid Benjamin", 8, ["الامير العسكري", "أبو بكر البغدادي", "الى سوريا"]),
        ("AnasSouri0", "AnasSouri", 11, ["الجيش الحر", "حقل كونيكو", "السيطرة عليه"]),
    ],
)
def test_seed_posts(seed: Source, handle: str, name: str, day: int, words: list[str]) -> None:
    post = _post(seed, handle)
    assert post.author == name
    assert post.platform == "twitter"
    assert post.date == PartialDate(2014, 2, day)
    for phrase in words:
        assert phrase in post.text, phrase
    assert "\u0640" not in post.text
    assert "—" not in post.text and "February" not in post.text  # attribution kept out


def test_seed_has_exactly_five_posts_in_order(seed: Source) -> None:
    assert [p.handle for p in seed.posts] == ["mohsarmini", "syria_omar", "THAERSORY", "zaidbenjamin", "AnasSouri0"]
    assert [p.index for p in seed.posts] == [0, 1, 2, 3, 4]


def test_seed_first_post_starts_with_its_text(seed: Source) -> None:
    assert _post(seed, "mohsarmini").text.startswith("بعد هروب داعش من دير الزور قاموا بقتل كل سجناءهم")


def test_seed_post_urls_and_hashtags(seed: Source) -> None:
    thaer = _post(seed, "THAERSORY")
    assert thaer.urls == ["https://t.co/oACHNsTm9h"]
    anas = _post(seed, "AnasSouri0")
    assert anas.urls == ["https://t.co/inQcuEy2wx"]
    assert "عليه" in anas.text.split()
    zaid = _post(seed, "zaidbenjamin")
    # The tail " يا #ديرالزور #سور" below the attribution came back to this tweet.
    assert "دير الزور" in zaid.hashtags and "سوريا" in zaid.hashtags
    assert "#سوريا" in zaid.text.split()
    assert "#ديرالزور" not in anas.text
    assert anas.status_id is None  # t.co links are not status links


def test_seed_passages_are_repaired_sentences(seed: Source) -> None:
    text = _passages(seed)
    words = text.split()
    for word in ("سوريا", "السورية", "أكدّ"):
        assert word in words, word
    assert "\u0640" not in text
    for fragment in ("سور", "ية", "كدّ"):
        assert fragment not in words, fragment
    assert any(p.text.startswith("انسحب عناصر تنظيم الدولة الإسلامية") for p in seed.passages)
    assert [p.index for p in seed.passages] == list(range(len(seed.passages)))


def test_seed_passages_keep_post_text_out(seed: Source) -> None:
    text = _passages(seed)
    for post in seed.posts:
        assert post.text[:30] not in text
    assert "https://" not in text
    # Article text on both sides of the tweets is kept.
    assert "فقالوا" in text
    assert "#شهادة_ابومحمد_الامريكي" in text


def test_seed_sentence_split_across_a_blank_line(seed: Source) -> None:
    # "... حسب البيان الصادر" / blank line / "عنها بإعطاء مهلة ..." is one sentence.
    assert any("البيان الصادر عنها بإعطاء مهلة" in p.text for p in seed.passages)


def test_seed_round_trips_through_dict(seed: Source) -> None:
    again = Source.from_dict(seed.to_dict())
    assert again == seed


# --- other articles ----------------------------------------------------------------


def test_clean_arabic_article() -> None:
    source = parse_text_article(CLEAN_ARABIC)
    assert source.title == "المعارضة تسيطر على حقل نفطي في ريف دير الزور"
    assert source.date == PartialDate(2014, 2, 12)
    assert source.author == "أحمد الحلبي"
    assert source.publisher == "عنب بلدي"
    assert source.lang == "ar"
    assert [p.text for p in source.passages] == [
        "قالت مصادر في المعارضة السورية إن مقاتليها سيطروا على حقل التيم النفطي.",
        "وأضافت المصادر أن الاشتباكات استمرت ساعات!",
        "ونشر ناشط على تويتر:",
        "ولم يصدر تعليق من النظام حتى الآن؟",
        "ويقول ناشطون إن التنظيم انسحب نحو الرقة.",
    ]
    (post,) = source.posts
    assert (post.handle, post.author, post.date) == ("abu_omar", "أبو عمر", PartialDate(2014, 2, 12))
    assert post.text == "دخول الثوار إلى حقل التيم النفطي بعد معارك عنيفة #دير_الزور https://t.co/abcdefghij"
    assert post.hashtags == ["دير الزور"]
    assert post.urls == ["https://t.co/abcdefghij"]


def test_english_article() -> None:
    source = parse_text_article(ENGLISH)
    assert source.title == "Rebels take oil field in eastern Syria"
    assert (source.author, source.publisher) == ("Jane Doe", "Reuters")
    assert source.date == PartialDate(2014, 2, 12)
    assert source.lang == "en"
    assert [p.text for p in source.passages] == [
        "Syrian rebels seized the al-Omar oil field on Wednesday, activists said.",
        "The U.S. State Department did not comment.",
        "One activist wrote on Twitter:",
        "Fighting continued into the night.",
    ]
    (post,) = source.posts
    assert (post.handle, post.author) == ("activist", "Activist Name")
    assert post.status_id == "433000000000000000"
    assert post.status_url == "https://twitter.com/activist/status/433000000000000000"
    assert post.hashtags == ["Deir Ezzor"]
    assert post.text.startswith("Rebels have entered al-Omar field")


def test_another_pdf_article_with_the_same_artifacts() -> None:
    source = parse_text_article(PDF_LIKE)
    assert source.title == "المعارضة تسيطر على حقل نفطي في ريف دير الزور"
    assert source.publisher == "عنب بلدي"
    assert source.date == PartialDate(2014, 2)  # شباط, year from the tweets
    assert [p.handle for p in source.posts] == ["abu_omar", "omar_report"]
    first, second = source.posts
    assert first.author == "أبو عمر" and first.date == PartialDate(2014, 2, 12)
    assert first.text.startswith("دخول الثوار إلى حقل التيم النفطي")
    assert "اليوم" in first.text.split() and first.urls == ["https://t.co/abcdefghij"]
    assert "دير الزور" in first.hashtags and "سوريا" in first.hashtags
    assert second.author == "Omar Report" and second.date == PartialDate(2014, 2, 13)
    assert second.text == "الطيران يقصف محيط الحقل بعد انسحاب عناصر التنظيم منه"
    text = _passages(source)
    assert "الطائرات" in text.split() and "\u0640" not in text
    assert "فكتبوا" in text and "انسحب نحو الرقة" in text
    assert "حقل التيم النفطي بعد معارك" not in text


def test_article_without_header_or_posts() -> None:
    source = parse_text_article("عنوان الخبر\n\nجملة أولى. جملة ثانية.\n")
    assert source.title == "عنوان الخبر"
    assert source.date == PartialDate()
    assert source.posts == []
    assert [p.text for p in source.passages] == ["جملة أولى.", "جملة ثانية."]


def test_empty_text_gives_an_empty_source() -> None:
    source = parse_text_article("  \n\n")
    assert (source.title, source.passages, source.posts) == ("", [], [])


def test_split_sentences_keeps_abbreviations() -> None:
    assert split_sentences("قال د. أحمد إن الوضع صعب. ثم غادر!") == ["قال د. أحمد إن الوضع صعب.", "ثم غادر!"]
    assert split_sentences("Mr. Smith left. Dr. Jones stayed?") == ["Mr. Smith left.", "Dr. Jones stayed?"]


def test_article_starting_with_its_header_has_no_title() -> None:
    source = parse_text_article("10 فبراير 2014 | كتبه نون بوست\n\nانسحب التنظيم من المدينة.\n")
    assert source.title == ""
    assert source.date == PartialDate(2014, 2, 10)
    assert source.publisher == "نون بوست"
    assert [p.text for p in source.passages] == ["انسحب التنظيم من المدينة."]


def test_title_naming_a_year_stays_a_title() -> None:
    source = parse_text_article("سوريا في 2014\n\nجملة أولى.\n")
    assert source.title == "سوريا في 2014"


def test_byline_without_a_date_does_not_borrow_one_from_the_tweets() -> None:
    text = ENGLISH.replace("By Jane Doe | Reuters | February 12, 2014", "By Jane Doe | Reuters")
    source = parse_text_article(text)
    assert source.date == PartialDate()
    assert (source.author, source.publisher) == ("Jane Doe", "Reuters")
    # But a date line emptied of its digits does.
    damaged = ENGLISH.replace("By Jane Doe | Reuters | February 12, 2014", ",  | By Jane Doe")
    assert parse_text_article(damaged).date == PartialDate(2014, 2)
