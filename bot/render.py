"""Plain-text rendering of reports and sources for the terminal.

Text is printed in logical order and never reversed here: terminals with
bidi support lay Arabic out themselves. Arabic text goes on lines of its own,
after a Latin label, so that a label never flips the direction of a line.
"""
from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

from storage.records import PartialDate, Source
from storage.store import AuditEvent
from verifiers.report import Conflict, Match, Report
from verifiers.verdict import evidence

EXCERPT_CHARS = 280


def _date(d: PartialDate) -> str:
    return d.iso() or "undated"


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _who(match: Match) -> str:
    if match.kind == "post":
        name = f" ({match.author})" if match.author else ""
        return f"post by @{match.handle}{name}" if match.handle else f"post{name}"
    return "article passage"


def _match_block(number: int, match: Match, *, scored: bool = True) -> list[str]:
    # A conflict is another account of the event, not a match: its match score says little.
    score = f"score {match.score:.0f} · " if scored else ""
    stance = f" · {match.stance}" if scored and match.stance else ""
    lines = [f"{number}. {score}{_who(match)} · {_date(match.date)}{stance}"]
    lines.append(f"   {_excerpt(match.text)}")
    origin = " — ".join(part for part in (match.title, match.publisher) if part)
    if origin:
        lines.append(f"   in: {origin}")
    if match.url:
        lines.append(f"   link: {match.url}")
    if match.reason and scored:
        lines.append(f"   why: {match.reason}")
    if scored and match.stance_reason and match.stance != "supports":
        lines.append(f"   {match.stance}: {match.stance_reason}")
    if match.sentence:
        lines.append("   matched the sentence:")
        lines.append(f"   {_excerpt(match.sentence)}")
    if match.matched_items > 1:
        items = "passages of this source" if match.kind == "passage" else "posts in this source"
        lines.append(f"   {match.matched_items} {items} matched; the best is shown (--all-passages lists each)")
    return lines


# The verdict in plain words, first in every reply (verifiers/verdict.py decides it).
VERDICT_WORDS = {
    "supported": "Supported. The archive carries this claim",
    "contradicted": "Contradicted. The archive contradicts this",
    "disputed": "Disputed. The archive carries this, but another account contradicts it",
    "related": "Related. The archive tells of the same event, but neither carries nor contradicts this",
    "not_found": "Not found. No match: nothing in the archive matches this claim.",
}


def _author(match: Match) -> str:
    if match.kind == "post" and match.handle:
        return f"@{match.handle}"
    return match.publisher or match.title or "an archived article"


def verdict_lines(report: Report) -> list[str]:
    """The verdict and the one piece of evidence behind it: who wrote what, when, and why it counts."""
    head = VERDICT_WORDS[report.verdict]
    found = evidence(report)
    if found is None:
        return [f"Verdict: {head}" + ("" if head.endswith(".") else ".")]
    conflict, match = (found, found.match) if isinstance(found, Conflict) else (None, found)
    when = f", on {match.date.iso()}" if match.date.known else ""
    lines = [f"Verdict: {head}: {_author(match)} wrote{when}:", f"   {_excerpt(match.text, 200)}"]
    why = conflict.reason if conflict else match.stance_reason
    if why:
        lines.append(f"   why: {why}")
    return lines


def render_report(report: Report) -> str:
    lines = [f"Claim: {_excerpt(report.claim.text or report.query)}", "", *verdict_lines(report)]
    lines.extend(f"Note: {note}" for note in report.notes)
    if report.matches:
        lines.append("")
    strong = [m for m in report.matches if m.confidence == "strong"]
    possible = [m for m in report.matches if m.confidence != "strong"]
    if strong:
        lines.append(f"Matches ({len(strong)}), best first:")
        for match in strong:
            lines.extend(_match_block(report.matches.index(match) + 1, match))
    if possible:
        lines.extend(["", f"Possibly related ({len(possible)}), not evidence enough on their own:"])
        for match in possible:
            lines.extend(_match_block(report.matches.index(match) + 1, match))
    if report.timeline:
        lines.extend(["", *_timeline(report)])
    if report.conflicts:
        lines.extend(["", f"Conflicting accounts ({len(report.conflicts)}):"])
        for number, conflict in enumerate(report.conflicts, start=1):
            lines.extend(_match_block(number, conflict.match, scored=False))
            target = "the claim" if conflict.against is None else f"match {conflict.against + 1}"
            lines.append(f"   conflicts with {target}: {conflict.reason}")
    return "\n".join(lines) + "\n"


def _timeline(report: Report) -> list[str]:
    lines = ["When each source carried it (earliest first):"]
    for entry in report.timeline:
        who = f"@{entry.handle}" if entry.handle else (entry.publisher or entry.title or entry.source_id)
        lines.append(f"  {_date(entry.date)}  {who}")
        if entry.title and entry.handle:
            lines.append(f"      in: {entry.title}")
    first = report.first_seen
    if first is not None:
        who = f"@{first.handle}" if first.handle else (first.publisher or first.source_id)
        lines.append(f"First seen: {_date(first.date)}, {who}")
    if report.recycled_days is not None:
        lines.append(
            f"Recycled: this account already appeared {report.recycled_days} days before the claim's date."
        )
    return lines


# --- sources ---------------------------------------------------------------------


def source_summary_json(source: Source) -> dict[str, Any]:
    return {
        "id": source.id,
        "title": source.title,
        "publisher": source.publisher,
        "date": source.date.iso(),
        "url": source.url or None,
        "posts": len(source.posts),
    }


def source_detail_json(source: Source) -> dict[str, Any]:
    return {
        "id": source.id,
        "title": source.title,
        "publisher": source.publisher,
        "author": source.author,
        "date": source.date.iso(),
        "url": source.url or None,
        "lang": source.lang,
        "added_by": source.added_by,
        "added_at": source.added_at,
        "passages": [{"text": p.text} for p in source.passages],
        "posts": [
            {
                "author": post.author,
                "handle": post.handle,
                "date": post.date.iso(),
                "text": post.text,
                "urls": list(post.urls),
                "status_url": post.status_url,
            }
            for post in source.posts
        ],
    }


def render_source_list(sources: Iterable[Source]) -> str:
    sources = list(sources)
    if not sources:
        return "The archive is empty.\n"
    lines = [f"{len(sources)} source(s):"]
    for source in sources:
        lines.append(f"{source.id}  {_date(source.date)}  {len(source.passages)} passages, {len(source.posts)} posts")
        lines.append(f"    {source.title or '(untitled)'}" + (f" — {source.publisher}" if source.publisher else ""))
    return "\n".join(lines) + "\n"


def render_source(source: Source, events: list[AuditEvent]) -> str:
    lines = [
        f"id:        {source.id}",
        f"title:     {source.title}",
        f"publisher: {source.publisher}",
        f"author:    {source.author}",
        f"date:      {_date(source.date)} ({source.date.precision.value})",
        f"url:       {source.url}",
        f"language:  {source.lang}",
        f"added:     {source.added_at} by {source.added_by}",
        "",
        f"Passages ({len(source.passages)}):",
    ]
    lines.extend(textwrap.indent(p.text, "  ") for p in source.passages)
    lines.extend(["", f"Posts ({len(source.posts)}):"])
    for post in source.posts:
        status = f" · {post.status_url}" if post.status_url else ""
        lines.append(f"  @{post.handle} ({post.author}) · {_date(post.date)}{status}")
        lines.append(f"    {post.text}")
    lines.extend(["", "History:"])
    lines.extend(f"  {e.at}  {e.action} by {e.by}" + (f": {e.detail}" if e.detail else "") for e in events)
    return "\n".join(lines) + "\n"


def render_ingest(report: Any) -> str:
    """Summarise an IngestReport: what was added, what was skipped and why."""
    lines = []
    for item in report.added:
        lines.append(f"added {item.id}: {item.passages} passages, {item.posts} posts — {item.title or '(untitled)'}")
    for item in report.skipped:
        lines.append(f"skipped {item}")
    total_passages = sum(i.passages for i in report.added)
    total_posts = sum(i.posts for i in report.added)
    lines.append(
        f"{len(report.added)} source(s) added ({total_passages} passages, {total_posts} posts), "
        f"{len(report.skipped)} skipped."
    )
    return "\n".join(lines) + "\n"
