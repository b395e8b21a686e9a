"""Dates as articles and tweet embeds write them."""
from datetime import UTC, datetime

import pytest

from storage.dates import parse_date, parse_month, search_date, tweet_id_date
from storage.records import PartialDate, Precision


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10 فبراير 2014", "2014-02-10"),
        ("February 10, 2014", "2014-02-10"),
        ("Feb. 3rd, 2014", "2014-02-03"),
        ("3 Feb 2014", "2014-02-03"),
        ("2014-02-10", "2014-02-10"),
        ("2014-02-10T08:00:00Z", "2014-02-10"),
        ("10/02/2014", "2014-02-10"),  # day first, as Arabic sites write it
        ("10.02.2014", "2014-02-10"),
        ("١٠ فبراير ٢٠١٤", "2014-02-10"),  # Arabic-Indic digits
        ("۱۲ آذار ۲۰۱۳", "2013-03-12"),  # Persian digits, Levantine month
        ("10 شباط 2014", "2014-02-10"),
        ("3 شباط (فبراير) 2014", "2014-02-03"),
        ("5 كانون الثاني 2015", "2015-01-05"),
        ("5 كانون الأول 2015", "2015-12-05"),
        ("1 تشرين الأول 2013", "2013-10-01"),
        ("1 تشرين الثاني 2013", "2013-11-01"),
        ("7 آب 2014", "2014-08-07"),
        ("7 أغسطس 2014", "2014-08-07"),
        ("7 اغسطس 2014", "2014-08-07"),
        ("20 يونيه 2012", "2012-06-20"),
        ("20 يوليو 2012", "2012-07-20"),
        ("1 ابريل 2012", "2012-04-01"),
        ("10 فبــراير 2014", "2014-02-10"),  # kashida inside the month name
        ("الاثنين 10 فبراير 2014 | كتبه نون بوست", "2014-02-10"),
        ("فبراير 2014", "2014-02"),
        ("February 2014", "2014-02"),
        ("2014-02", "2014-02"),
        ("2014", "2014"),
    ],
)
def test_parse_date_forms(text: str, expected: str) -> None:
    found = parse_date(text)
    assert found is not None and found.iso() == expected


def test_precision_follows_what_the_text_gives() -> None:
    assert parse_date("فبراير 2014").precision is Precision.MONTH  # type: ignore[union-attr]
    assert parse_date("2014").precision is Precision.YEAR  # type: ignore[union-attr]
    assert parse_date("10 فبراير 2014").precision is Precision.DAY  # type: ignore[union-attr]


def test_month_without_year_needs_a_default_year() -> None:
    assert parse_date("فبراير") is None
    assert parse_date("10 فبراير") is None
    assert parse_date("فبراير", default_year=2014) == PartialDate(2014, 2)
    assert parse_date("10 فبراير", default_year=2014) == PartialDate(2014, 2, 10)
    assert parse_date("February 10", default_year=2014) == PartialDate(2014, 2, 10)


def test_parse_month_reads_the_seed_date_line_that_lost_its_digits() -> None:
    assert parse_month(", فبراير  | كتبه نون بوست") == 2
    assert parse_month("حزيران") == 6
    assert parse_month("no month here") is None


def test_ambiguous_month_words_need_a_date_around_them() -> None:
    # آب is August, but أب in a sentence is "father".
    assert parse_month("آب") == 8
    assert parse_month("قال أب الضحية") is None
    assert parse_date("May God protect them") is None


def test_impossible_dates_are_not_invented() -> None:
    assert parse_date("no date at all") is None
    assert parse_date("30 فبراير") is None
    assert parse_date("30 فبراير", default_year=2014) is None


def test_search_date_reports_where_the_date_was() -> None:
    line = "Zaid Benjamin (@zaidbenjamin) February 8, 2014 —"
    found = search_date(line)
    assert found is not None
    assert line[found.start : found.end] == "February 8, 2014"


def test_tweet_id_date_reads_the_snowflake() -> None:
    # (id >> 22) + 1288834974657 ms since the epoch.
    posted = tweet_id_date("432954437432856576")
    expected_ms = (432954437432856576 >> 22) + 1288834974657
    assert posted == datetime.fromtimestamp(expected_ms / 1000, tz=UTC)
    assert posted.tzinfo is UTC
    assert (posted.year, posted.month) == (2014, 2)
    assert tweet_id_date(432954437432856576) == posted


def test_tweet_id_date_refuses_pre_snowflake_ids() -> None:
    with pytest.raises(ValueError, match="holds no time"):
        tweet_id_date(20)
