"""The report: what Isnad found about one claim.

Every interface (CLI, terminal chat, Discord) renders this same object, and
`Report.to_json()` is the JSON contract that scripts rely on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from storage.records import PartialDate

Kind = Literal["passage", "post"]
# How one match stands toward the claim (verifiers/stance.py decides).
Stance = Literal["supports", "contradicts", "related"]
# How sure Isnad is that a match is the same claim: strong ones are the answer,
# possible ones are shown apart as "possibly related".
Confidence = Literal["strong", "possible"]
# The one-word answer for the whole report, shown first by every interface.
Verdict = Literal["supported", "contradicted", "disputed", "related", "not_found"]


class Note(str):
    """A sentence about how the claim was read, in English (it is a str, so the
    CLI prints it and JSON carries it as is), that also keeps a code and the
    values in it, so an interface can word it in the user's language."""

    code: str
    params: dict[str, str]

    def __new__(cls, code: str, english: str, /, **params: str) -> Note:
        note = super().__new__(cls, english)
        note.code, note.params = code, params
        return note

    def __getnewargs_ex__(self) -> tuple[tuple[str, str], dict[str, str]]:
        # Reports cross process boundaries (batch workers): rebuild notes whole.
        return (self.code, str(self)), self.params


@dataclass
class Claim:
    """A claim as the user gave it, and what the clean-up made of it."""

    raw: str
    text: str  # cleaned: attribution dropped, URLs stripped, hashtags split
    urls: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    handle: str = ""  # the @handle of a pasted tweet's attribution line
    author: str = ""
    date: PartialDate = PartialDate()  # the claim's own date, when it carries one


@dataclass
class Match:
    """One archived passage or post that carries the claim."""

    score: float  # 0..100
    source_id: str
    kind: Kind
    item_id: str  # passage or post id, unique in the archive
    text: str
    title: str = ""
    publisher: str = ""
    url: str = ""  # the post's status URL for posts, else the source URL
    date: PartialDate = PartialDate()
    author: str = ""
    handle: str = ""  # posts only, without @
    reason: str = ""  # why it matched, in words: "same tweet link", "wording 87%"
    confidence: Confidence = "strong"
    exact: bool = False  # found by an exact tweet/t.co link, not by its words
    stance: Stance | None = None
    stance_reason: str | None = None  # the differing words on both sides; None when nothing differs
    # The sentence of a pasted paragraph that this match was found for (None:
    # the claim as a whole). Long claims are also verified sentence by sentence.
    sentence: str | None = None
    # Items of this source and kind that matched: a source's passages (or its
    # embedded posts) are shown once, as its best one, unless --all-passages.
    matched_items: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 1),
            "source_id": self.source_id,
            "kind": self.kind,
            "text": self.text,
            "title": self.title,
            "publisher": self.publisher,
            "url": self.url or None,
            "date": self.date.iso(),
            "author": self.author or None,
            "handle": (self.handle or None) if self.kind == "post" else None,
            "confidence": self.confidence,
            "stance": self.stance,
            "stance_reason": self.stance_reason,
            "sentence": self.sentence,
            "matched_items": self.matched_items,
        }


@dataclass
class Conflict:
    """An account of the same event that disagrees with one of the matches."""

    match: Match
    reason: str
    against: int | None  # index in Report.matches of the match it contradicts; None: the claim itself

    def to_json(self) -> dict[str, Any]:
        return {**self.match.to_json(), "reason": self.reason, "against": self.against}


@dataclass
class SourceDate:
    """When one source carried the account."""

    source_id: str
    title: str
    publisher: str
    date: PartialDate
    kind: Kind
    author: str = ""
    handle: str = ""


@dataclass
class Report:
    query: str
    claim: Claim
    matches: list[Match] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    timeline: list[SourceDate] = field(default_factory=list)  # earliest first
    recycled_days: int | None = None  # the claim is this much newer than the account
    notes: list[Note] = field(default_factory=list)  # e.g. "the tweet could not be fetched"
    verdict: Verdict = "not_found"

    @property
    def first_seen(self) -> SourceDate | None:
        dated = [entry for entry in self.timeline if entry.date.known]
        return dated[0] if dated else None

    def to_json(self) -> dict[str, Any]:
        first = self.first_seen
        return {
            "query": self.query,
            "verdict": self.verdict,
            "matches": [m.to_json() for m in self.matches],
            "conflicts": [c.to_json() for c in self.conflicts],
            "first_seen": (
                {"date": first.date.iso(), "source_id": first.source_id} if first else None
            ),
            "recycled": self.recycled_days,
            "notes": list(self.notes),
        }


def age_in_days(newer: PartialDate, older: PartialDate) -> int | None:
    """Days between two partial dates, measured from their earliest possible days."""
    a, b = newer.earliest(), older.earliest()
    if a is None or b is None:
        return None
    return (a - b).days

