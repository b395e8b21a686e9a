"""Records: partial dates and the JSON round trip every store relies on."""
from datetime import date

import pytest

from storage.records import PartialDate, Passage, Post, Precision, Source


def test_partial_dates_of_mixed_precision_sort_without_error():
    dates = [PartialDate(2014, 2, 10), PartialDate(2014), PartialDate(2013, 12), PartialDate(2014, 2)]
    assert [d.iso() for d in sorted(dates)] == ["2013-12", "2014", "2014-02", "2014-02-10"]


@pytest.mark.parametrize(
    "value, precision, first, last",
    [
        (PartialDate(2014, 2, 10), Precision.DAY, date(2014, 2, 10), date(2014, 2, 10)),
        (PartialDate(2014, 2), Precision.MONTH, date(2014, 2, 1), date(2014, 2, 28)),
        (PartialDate(2016, 2), Precision.MONTH, date(2016, 2, 1), date(2016, 2, 29)),
        (PartialDate(2014), Precision.YEAR, date(2014, 1, 1), date(2014, 12, 31)),
        (PartialDate(), Precision.UNKNOWN, None, None),
    ],
)
def test_precision_and_span(value, precision, first, last):
    assert value.precision is precision
    assert value.earliest() == first and value.latest() == last
    assert PartialDate.from_iso(value.iso()) == value


def test_impossible_dates_are_refused():
    with pytest.raises(ValueError):
        PartialDate(2014, 2, 30)
    with pytest.raises(ValueError):
        PartialDate(None, 2)


def test_source_round_trips_through_dict():
    source = Source(
        id="s1", title="t", date=PartialDate(2014, 2),
        passages=[Passage("s1", 0, "نص")],
        posts=[Post("s1", 0, "تغريدة", handle="h", date=PartialDate(2014, 2, 10), urls=["https://t.co/x"])],
    )
    data = source.to_dict()
    assert data["date"] == "2014-02" and data["posts"][0]["date"] == "2014-02-10"
    assert Source.from_dict(data) == source
