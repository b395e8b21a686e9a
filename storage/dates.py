"""Dates as journalists and tweet embeds write them, in Arabic and English.

A month table of our own plus regular expressions: dateparser misreads the
scrambled tweet attributions (docs/field-notes.md §7), and a fixed table is predictable.
Every parser returns a PartialDate, so "فبراير 2014" keeps month precision.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.records import PartialDate

# Month names, already in the folded form produced by `fold` below.
_ARABIC_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("يناير", "كانون الثاني", "كانون ثاني", "جانفي"),
    2: ("فبراير", "شباط", "فيفري"),
    3: ("مارس", "اذار"),
    4: ("ابريل", "نيسان", "افريل"),
    5: ("مايو", "ايار", "ماي"),
    6: ("يونيو", "يونيه", "حزيران", "جوان"),
    7: ("يوليو", "يوليه", "تموز", "جويليه", "يوليوز"),
    8: ("اغسطس", "اب", "اوت", "غشت"),
    9: ("سبتمبر", "ايلول", "شتنبر"),
    10: ("اكتوبر", "تشرين الاول", "تشرين اول"),
    11: ("نوفمبر", "تشرين الثاني", "تشرين ثاني", "نونبر"),
    12: ("ديسمبر", "كانون الاول", "كانون اول", "دجنبر"),
}
_ENGLISH_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
# Names that are also ordinary words: they count only next to a day or year.
_AMBIGUOUS = {"اب", "may", "mar", "jan", "jun", "ماي"}


def _month_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for number, names in _ARABIC_MONTHS.items():
        for name in names:
            table[name] = number
    for number, name in enumerate(_ENGLISH_MONTHS, start=1):
        table[name] = number
        table[name[:3]] = number
    table["sept"] = 9
    return table


MONTHS: dict[str, int] = _month_table()
# Longest first, so "تشرين الثاني" wins over a shorter prefix.
_MONTH_ALT = "|".join(re.escape(n) for n in sorted(MONTHS, key=len, reverse=True))
_M = rf"(?<![\w])(?P<month>{_MONTH_ALT})\.?(?![\w])"
# "شباط/فبراير" and "شباط (فبراير)": the second name only repeats the first.
_M_PAIR = rf"{_M}(?:\s*[/(]\s*(?:{_MONTH_ALT})\s*\)?)?"
_D = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_Y = r"(?P<year>(?:19|20)\d{2})(?!\d)"

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_MARKS = re.compile(r"[\u0640\u064B-\u0652\u0670\u200b-\u200f]")  # tatweel, harakat, bidi
_ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})

# Most specific first; the first pattern that yields a valid date wins.
_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        rf"(?<!\d){_Y}-(?P<month_n>\d{{1,2}})-(?P<day>\d{{1,2}})(?!\d)",
        rf"(?<!\d){_Y}/(?P<month_n>\d{{1,2}})/(?P<day>\d{{1,2}})(?!\d)",
        rf"(?<!\d)(?P<day>\d{{1,2}})[/.-](?P<month_n>\d{{1,2}})[/.-]{_Y}",
        rf"(?<!\d){_D}\s+(?:of\s+)?{_M_PAIR},?\s+{_Y}",
        rf"{_M_PAIR}\s+{_D},?\s+{_Y}",
        rf"{_M_PAIR},?\s+{_Y}",
        rf"(?<!\d){_Y}-(?P<month_n>\d{{1,2}})(?![\d-])",
    )
)
_NO_YEAR_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p) for p in (rf"(?<!\d){_D}\s+(?:of\s+)?{_M_PAIR}", rf"{_M_PAIR}\s+{_D}(?!\d)")
)
_YEAR_ONLY = re.compile(rf"(?<!\d){_Y}")
_MONTH_ONLY = re.compile(_M)


@dataclass(frozen=True)
class DateMatch:
    """A date found in a text, and where it was (start, end in the original text)."""

    date: PartialDate
    start: int
    end: int


def fold(text: str) -> str:
    """Lower-case, ASCII digits, one alef and no harakat or tatweel, so month
    names match however they were typed."""
    return _fold_with_map(text)[0]


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """`fold`, plus the original index of every folded character (and one past
    the end), so a match in the folded text maps back onto `text`."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if _MARKS.match(ch):
            continue
        low = ch.translate(_DIGITS).translate(_ALEFS).lower()
        chars.append(low if len(low) == 1 else ch)
        where.append(i)
    where.append(len(text))
    return "".join(chars), where


def _month_of(match: re.Match[str]) -> int | None:
    groups = match.groupdict()
    if groups.get("month_n"):
        return int(groups["month_n"])
    return MONTHS.get(groups["month"].strip("."))


def _make(year: int | None, month: int | None, day: int | None) -> PartialDate | None:
    try:
        return PartialDate(year, month, day)
    except ValueError:
        return None  # 2014-02-30, month 13 ...


def _from_match(match: re.Match[str], year: int | None) -> PartialDate | None:
    groups = match.groupdict()
    if groups.get("year"):
        year = int(groups["year"])
    day = int(groups["day"]) if groups.get("day") else None
    return _make(year, _month_of(match), day)


def search_date(text: str, *, default_year: int | None = None) -> DateMatch | None:
    """The most specific date in `text`, or None.

    Without a year in the text, a day-and-month or a bare month takes
    `default_year`; when no year can be known the answer is None.
    """
    folded, where = _fold_with_map(text)
    patterns = _PATTERNS + (_NO_YEAR_PATTERNS if default_year is not None else ())
    impossible = False
    for pattern in patterns:
        for match in pattern.finditer(folded):
            found = _from_match(match, default_year)
            if found is not None:
                return DateMatch(found, where[match.start()], where[match.end()])
            impossible = True
    if impossible:
        return None  # "30 فبراير 2014" is a mistake, not a vaguer date
    year = _YEAR_ONLY.search(folded)
    if year:
        found = PartialDate(int(year.group("year")))
        return DateMatch(found, where[year.start()], where[year.end()])
    month = parse_month(text)
    if month is not None and default_year is not None:
        return DateMatch(PartialDate(default_year, month), 0, 0)
    return None


def parse_date(text: str, *, default_year: int | None = None) -> PartialDate | None:
    """Parse the first, most specific date in `text` ("10 فبراير 2014",
    "February 10, 2014", "2014-02-10", "10/02/2014" day first, "فبراير 2014",
    "2014"). Returns None when there is no date or its year cannot be known."""
    found = search_date(text, default_year=default_year)
    return found.date if found else None


def parse_month(text: str) -> int | None:
    """The month named in `text`, even with no day or year (", فبراير  |").

    Names that are also common words (آب, May) count only when they are the
    whole text, so "أب" (father) in a sentence is not August.
    """
    folded = fold(text)
    stripped = folded.strip(" \t,.،|-")
    for match in _MONTH_ONLY.finditer(folded):
        name = match.group("month")
        if name in _AMBIGUOUS and stripped != name:
            continue
        return MONTHS[name]
    return None


# Twitter's snowflake epoch (2010-11-04), in milliseconds.
TWITTER_EPOCH_MS = 1288834974657
_FIRST_SNOWFLAKE = 2**40  # older ids were sequential and carry no time


def tweet_id_date(status_id: int | str) -> datetime:
    """When a tweet was posted, read from its id (UTC).

    Raises ValueError for ids from before November 2010, which hold no time.
    """
    number = int(str(status_id).strip())
    if number < _FIRST_SNOWFLAKE:
        raise ValueError(f"tweet id {number} predates snowflake ids and holds no time")
    millis = (number >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, tz=UTC)
