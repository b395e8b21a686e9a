"""The archive's records: a source, its passages and the posts embedded in it.

Records are plain dataclasses. They know how to turn themselves into JSON-able
dicts and back, so every store (TinyDB today, others later) keeps the same shape.
"""
from __future__ import annotations

import calendar
import hashlib
from dataclasses import asdict, dataclass, field, replace
from datetime import date as _date
from enum import Enum
from functools import total_ordering
from typing import Any


class Precision(str, Enum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    UNKNOWN = "unknown"


@total_ordering
@dataclass(frozen=True)
class PartialDate:
    """A date that may be known only to the month or the year.

    Sorting puts unknown parts first within a year/month, which is what
    "earliest first" wants: a source dated "2014-02" may be as early as 1 Feb.
    """

    year: int | None = None
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a day needs a month")
        if self.month is not None and self.year is None:
            raise ValueError("a month needs a year")
        if self.year is not None and self.month is not None:
            _date(self.year, self.month, self.day or 1)  # raises on 2014-02-30

    def _key(self) -> tuple[int, int, int]:
        return (self.year or 0, self.month or 0, self.day or 0)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() < other._key()

    @property
    def precision(self) -> Precision:
        if self.year is None:
            return Precision.UNKNOWN
        if self.month is None:
            return Precision.YEAR
        if self.day is None:
            return Precision.MONTH
        return Precision.DAY

    @property
    def known(self) -> bool:
        return self.year is not None

    def iso(self) -> str | None:
        """'YYYY-MM-DD', 'YYYY-MM', 'YYYY' or None, as the JSON contract wants."""
        if self.year is None:
            return None
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def earliest(self) -> _date | None:
        """The first day this date could mean, for ordering and age arithmetic."""
        if self.year is None:
            return None
        return _date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> _date | None:
        """The last day this date could mean."""
        if self.year is None:
            return None
        if self.month is None:
            return _date(self.year, 12, 31)
        if self.day is None:
            return _date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return _date(self.year, self.month, self.day)

    @classmethod
    def from_iso(cls, text: str | None) -> PartialDate:
        if not text:
            return cls()
        parts = [int(p) for p in text.split("-")]
        return cls(*parts)

    @classmethod
    def of(cls, d: _date) -> PartialDate:
        return cls(d.year, d.month, d.day)


UNKNOWN_DATE = PartialDate()


@dataclass
class Passage:
    """A sentence-level unit of a source's text, in reading order."""

    source_id: str
    index: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.source_id}:p{self.index}"


@dataclass
class Post:
    """A post (tweet) embedded in a source."""

    source_id: str
    index: int
    text: str
    platform: str = "twitter"
    author: str = ""  # display name
    handle: str = ""  # without the @
    date: PartialDate = UNKNOWN_DATE
    urls: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    status_id: str | None = None
    status_url: str | None = None

    @property
    def id(self) -> str:
        return f"{self.source_id}:t{self.index}"


@dataclass
class Source:
    """An archived article (or any document) with its passages and posts."""

    id: str
    title: str = ""
    publisher: str = ""
    author: str = ""
    date: PartialDate = UNKNOWN_DATE
    url: str = ""
    lang: str = ""
    added_by: str = ""
    added_at: str = ""  # ISO 8601 UTC timestamp
    content_hash: str = ""
    passages: list[Passage] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)

    def stamped(self, *, by: str, at: str) -> Source:
        """The copy that gets stored: added_by/added_at filled in where empty, and
        every passage and post (with lists of its own) pointing at this source's id."""
        return replace(
            self,
            added_by=self.added_by or by,
            added_at=self.added_at or at,
            passages=[replace(p, source_id=self.id) for p in self.passages],
            posts=[replace(p, source_id=self.id, urls=list(p.urls), hashtags=list(p.hashtags)) for p in self.posts],
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = self.date.iso()
        for post, raw in zip(self.posts, data["posts"]):
            raw["date"] = post.date.iso()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        data = dict(data)
        data["date"] = PartialDate.from_iso(data.get("date"))
        data["passages"] = [Passage(**p) for p in data.get("passages", [])]
        posts = []
        for raw in data.get("posts", []):
            raw = dict(raw)
            raw["date"] = PartialDate.from_iso(raw.get("date"))
            posts.append(Post(**raw))
        data["posts"] = posts
        return cls(**data)


def content_hash(text: str) -> str:
    """A hash of the content that ignores white space, so a re-import with
    different line wrapping is still recognised as the same content."""
    folded = " ".join(text.split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()
