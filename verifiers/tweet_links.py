"""Tweet links as claims: is this exact tweet archived, and if not, what does it say?

A claim may be (or contain) a link to a tweet: twitter.com, x.com or
mobile.twitter.com, /status/ or /statuses/, with or without a query string,
or a t.co short link. For each such link, in order:

1. the status is archived as a post embedded in an article -> an exact match
   ("this exact tweet is archived in <article>, <date>"), found by the
   verifier's link tables (Verifier.find_linked), never by reading the archive;
2. a t.co link that no archived post carries is followed through the safe
   fetcher (every hop checked, stopping at the first status link), and the
   final URL is reported; a status link found that way goes through 1 and 3;
3. otherwise the tweet's text, author and date are fetched with oEmbed;
4. if that fails: a clear note asking the user to paste the tweet's text.

No Discord here. The archive is asked through a `find` function (the
verifier's `find_linked`: which archived posts carry this link), so the link
tables in the index are the one place exact links are looked up.
"""
from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from storage.fetch import Fetcher, FetchError, FetchHTTPError
from storage.posts import extract_urls, parse_status_url
from storage.records import UNKNOWN_DATE, PartialDate
from verifiers.report import Match, Note, Report

COULD_NOT_FETCH = "could not fetch the tweet (deleted, private or unreachable); paste its text"
_SHORT_HOSTS = {"t.co"}


# Which archived posts carry a link (Verifier.find_linked, or a coroutine that
# runs it in a thread): exact matches, earliest first.
FindLinked = Callable[[str], "list[Match] | Awaitable[list[Match]]"]


def same_tweet(match: Match, url: str) -> bool:
    """Whether an exact match is the linked tweet itself (not a post that carries the link)."""
    wanted, got = parse_status_url(url), parse_status_url(match.url)
    return wanted is not None and got is not None and wanted[1] == got[1]


def match_note(match: Match, url: str) -> Note:
    return archived_note(same_tweet(match, url), match.title or match.publisher or match.source_id,
                         match.date, match.handle)


@dataclass
class FetchedTweet:
    """A tweet read live through oEmbed."""

    url: str
    text: str
    author: str = ""
    handle: str = ""
    date: PartialDate = UNKNOWN_DATE
    status_id: str | None = None


@dataclass
class ResolvedClaim:
    """What the tweet link in a claim leads to."""

    link: str = ""  # the tweet or t.co link found in the claim ("" if none)
    final_url: str = ""  # where a t.co link led (after checked hops)
    status_id: str | None = None
    archived: list[Match] = field(default_factory=list)  # exact matches (Match.exact)
    fetched: FetchedTweet | None = None
    notes: list[Note] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.archived or self.fetched)

    @property
    def claim_text(self) -> str:
        """Text to verify when the claim was only a link: the fetched tweet's."""
        return self.fetched.text if self.fetched else ""

    def messages(self) -> list[Note]:
        lines = [match_note(a, self.final_url or self.link) for a in self.archived]
        if self.final_url and self.final_url != self.link:
            lines.append(Note("leads_to", f"{self.link} leads to {self.final_url}", link=self.link, url=self.final_url))
        if self.fetched:
            who = self.fetched.author or "unknown author"
            if self.fetched.handle:
                who += f" (@{self.fetched.handle})"
            date = self.fetched.date.iso() or "date unknown"
            lines.append(Note("fetched_tweet", f"not archived; fetched the tweet: {who}, {date}", who=who, date=date))
        return lines + self.notes


def is_short_link(url: str) -> bool:
    try:
        return (httpx.URL(url).host or "").lower() in _SHORT_HOSTS
    except httpx.InvalidURL:
        return False


def tweet_links(text: str) -> list[str]:
    """Status links and t.co links in a claim, in order, without duplicates."""
    return [u for u in dict.fromkeys(extract_urls(text)) if parse_status_url(u) or is_short_link(u)]


def canonical_status_url(url: str) -> str | None:
    """https://twitter.com/<handle>/status/<id> for any status link form."""
    parsed = parse_status_url(url)
    if not parsed:
        return None
    handle, status_id = parsed
    return f"https://twitter.com/{handle or 'i/web'}/status/{status_id}"


async def fetch_tweet(fetcher: Fetcher, url: str) -> FetchedTweet:
    """A tweet's text, author and date through oEmbed (raises FetchError)."""
    from storage.importers.html import parse_tweet_html  # trafilatura is slow to import; only needed here

    status_url = canonical_status_url(url) or url
    answer = await fetcher.get_json(
        fetcher.settings.oembed_url, {"url": status_url, "omit_script": "1", "dnt": "true"}
    )
    if not isinstance(answer, dict) or not answer.get("html"):
        raise FetchError("the oEmbed answer has no tweet in it")
    tweets = parse_tweet_html(str(answer["html"]))
    if not tweets or not tweets[0].text:
        raise FetchError("the oEmbed answer's tweet has no text")
    tweet = tweets[0]
    handle = tweet.handle or _handle_from(str(answer.get("author_url", "")))
    parsed = parse_status_url(str(answer.get("url", ""))) or parse_status_url(status_url)
    return FetchedTweet(
        url=str(answer.get("url") or status_url),
        text=tweet.text,
        author=tweet.author or str(answer.get("author_name", "")),
        handle=handle,
        date=tweet.date,
        status_id=tweet.status_id or (parsed[1] if parsed else None),
    )


def _handle_from(author_url: str) -> str:
    return author_url.rstrip("/").rsplit("/", 1)[-1] if author_url else ""


async def resolve_claim_links(claim_text: str, find: FindLinked, fetcher: Fetcher | None) -> ResolvedClaim:
    """Resolve the first tweet or t.co link in a claim (see the module doc).

    `find` looks links up in the archive (Verifier.find_linked; it reads the
    store, so an event-loop caller passes one that runs in a thread).
    `fetcher=None` keeps everything offline: only the archive is searched.
    """
    links = tweet_links(claim_text)
    if not links:
        return ResolvedClaim(notes=[Note("no_tweet_link", "no tweet link in the claim")])
    link = links[0]
    result = ResolvedClaim(link=link)
    parsed = parse_status_url(link)
    result.status_id = parsed[1] if parsed else None
    result.archived = await _find(find, link)
    if (parsed and result.archived and any(same_tweet(a, link) for a in result.archived)) or \
            (result.archived and not parsed and fetcher is None):
        return result
    if fetcher is None:
        result.notes.append(Note("fetch_off", "not archived; fetching from the web is off, so paste the tweet's text"))
        return result
    status_link = link
    if not parsed:
        try:
            result.final_url = await fetcher.resolve(link, stop=lambda u: parse_status_url(u) is not None)
        except FetchError as exc:
            result.notes.append(Note("could_not_follow", f"could not follow {link}: {exc}", link=link, error=str(exc)))
            return result
        found = parse_status_url(result.final_url)
        if not found:
            return result  # a link to something other than a tweet: the final URL is the answer
        result.status_id = found[1]
        exact = [a for a in await _find(find, result.final_url) if same_tweet(a, result.final_url)]
        if exact:
            result.archived = exact + [a for a in result.archived if a.item_id not in {e.item_id for e in exact}]
            return result
        status_link = result.final_url
    try:
        result.fetched = await fetch_tweet(fetcher, status_link)
    except FetchHTTPError as exc:
        detail = f"the server answered {exc.status}" if exc.status else ""
        result.notes.append(_could_not_fetch(detail))
    except FetchError as exc:
        result.notes.append(_could_not_fetch(str(exc)))
    return result


# A verify function: (claim text, the claim's own date or None) -> Report. The
# CLI passes the engine's verify; the bot passes one that runs it off the event loop.
VerifyFn = Callable[[str, PartialDate | None], Awaitable[Report]]


async def verify_claim(verify: VerifyFn, text: str, find: FindLinked, fetcher: Fetcher | None) -> Report:
    """Verify a claim; when it carries a tweet link the archive does not hold,
    follow the link (t.co hops, oEmbed) and verify the tweet's own text, dated
    by the tweet so that an old account passed off as new shows as recycled."""
    return await follow_links(await verify(text, None), text, verify, find, fetcher)


async def follow_links(report: Report, text: str, verify: VerifyFn, find: FindLinked,
                       fetcher: Fetcher | None) -> Report:
    """Complete the report of a claim already verified as text: an exact
    match found by its link gets its note; a link the archive lacks is
    followed (unless `fetcher` is None: offline) and the tweet's text verified."""
    links = tweet_links(text)
    if not links:
        return report
    exact = [m for m in report.matches if m.exact]
    if exact:
        report.notes = [match_note(m, next((u for u in links if same_tweet(m, u)), links[0])) for m in exact]
        return report
    resolved = await resolve_claim_links(text, find, fetcher)
    if resolved.fetched is None:
        report.notes = resolved.messages()
        return report
    fetched = await verify(resolved.fetched.text, resolved.fetched.date)
    fetched.query = text
    fetched.notes = resolved.messages()
    return fetched


async def _find(find: FindLinked, url: str) -> list[Match]:
    found = find(url)
    return await found if inspect.isawaitable(found) else found


def archived_note(exact: bool, article: str, date: PartialDate, handle: str = "") -> Note:
    article, when = article or "an archived article", date.iso() or "date unknown"
    if exact:
        return Note("archived_tweet", f"this exact tweet is archived in {article}, {when}", article=article, date=when)
    who = f"@{handle}" if handle else "a tweet"
    text = f"this link appears in an archived tweet by {who} in {article}, {when}"
    return Note("archived_link", text, who=who, article=article, date=when)


def _could_not_fetch(detail: str) -> Note:
    return Note("could_not_fetch", COULD_NOT_FETCH + (f" ({detail})" if detail else ""), detail=detail)
