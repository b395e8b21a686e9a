"""When the account appeared: the timeline of matched sources and recycling.

A source's passages count once (the source's date); each matched post counts
on its own (its own date: a tweet can be days older than the article that
embedded it).
"""
from __future__ import annotations

from verifiers.report import Claim, Match, SourceDate, age_in_days

RECYCLED_AFTER_DAYS = 30


def timeline(matches: list[Match]) -> list[SourceDate]:
    """One entry per strongly matched source (passages) or post, earliest
    first; undated entries last. A possible match is not evidence that the
    source carried the claim, so it never dates it ("first carried by")."""
    entries: dict[tuple[str, str], SourceDate] = {}
    for match in matches:
        if match.confidence != "strong":
            continue
        key = (match.source_id, match.item_id if match.kind == "post" else "")
        if key in entries:
            continue
        entries[key] = SourceDate(
            source_id=match.source_id,
            title=match.title,
            publisher=match.publisher,
            date=match.date,
            kind=match.kind,
            author=match.author,
            handle=match.handle if match.kind == "post" else "",
        )
    return sorted(entries.values(), key=_order)


def _order(entry: SourceDate) -> tuple[int, object, object]:
    """By the last day each date can mean: an article dated only "February 2014"
    is not shown to come before a tweet of 10 February 2014 (it may embed it)."""
    latest = entry.date.latest()
    return (0, latest, entry.date.earliest()) if latest is not None else (1, 0, 0)


def recycled_days(claim: Claim, entries: list[SourceDate]) -> int | None:
    """How much newer the claim is than the earliest account, when it carries
    its own date and is more than RECYCLED_AFTER_DAYS newer; else None."""
    dated = [e for e in entries if e.date.known]
    if not claim.date.known or not dated:
        return None
    days = age_in_days(claim.date, dated[0].date)
    return days if days is not None and days > RECYCLED_AFTER_DAYS else None
