"""Tweet links as claims: archived status found exactly; else oEmbed; t.co hops.

A fake oEmbed endpoint and a fake t.co run on 127.0.0.1. The fetcher's
resolver knows only "t.co" (mapped to 127.0.0.1), so nothing can reach the
real Twitter: the t.co walk stops at the first status link without
requesting it, and every other name fails to resolve.
"""
from __future__ import annotations

import json

import pytest
from aiohttp import web

from storage.fetch import Fetcher, FetchSettings
from storage.importers.html import parse_html
from storage.ingest import ingest_sources
from storage.records import PartialDate
from storage.tinydb_store import TinyDBStore
from verifiers.engine import Verifier
from verifiers.tweet_links import COULD_NOT_FETCH, resolve_claim_links, same_tweet

ARCHIVED_ID = "432884659123249728"  # 2014-02-10
LIVE_ID = "433164754744369728"  # 2014-02-11
GONE_ID = "433164754744369999"

PAGE = f"""<html lang="ar"><head>
<meta property="og:title" content="النصرة تسيطر على حقل كونيكو">
<meta property="og:site_name" content="نون بوست">
<meta property="article:published_time" content="2014-02-12">
</head><body><article>
<p>سيطرت جبهة النصرة على حقل كونيكو للغاز في ريف دير الزور بعد انسحاب تنظيم الدولة منه.</p>
<blockquote class="twitter-tweet"><p lang="ar" dir="rtl">رتل من الجيش الحر يدخل حقل كونيكو <a href="https://t.co/inQcuEy2wx">pic.twitter.com/inQcuEy2wx</a></p>&mdash; محمد سرميني (@mohsarmini) <a href="https://twitter.com/mohsarmini/status/{ARCHIVED_ID}">February 10, 2014</a></blockquote>
</article></body></html>"""

OEMBED_HTML = (
    '<blockquote class="twitter-tweet"><p lang="ar" dir="rtl">الدولة تنسحب من الشحيل بعد اتفاق مع العشائر '
    '<a href="https://twitter.com/hashtag/سوريا?src=hash">#سوريا</a></p>&mdash; Zaid Benjamin (@zaidbenjamin) '
    f'<a href="https://twitter.com/zaidbenjamin/status/{LIVE_ID}?ref_src=twsrc%5Etfw">February 11, 2014</a></blockquote>\n'
)


@pytest.fixture
def find_linked():
    """The verifier's link lookup over an archive of PAGE (what the bot and the CLI pass)."""
    archive = TinyDBStore(None)
    report = ingest_sources(archive, [parse_html(PAGE)], by="test")
    assert len(report.added) == 1
    yield Verifier(archive, index_dir=None).find_linked
    archive.close()


@pytest.fixture
async def web_side():
    """A fake oEmbed endpoint and a fake t.co on 127.0.0.1."""
    asked: list[str] = []
    short_links: dict[str, str] = {}

    async def oembed(request: web.Request):
        url = request.query["url"]
        asked.append(url)
        if LIVE_ID in url:
            body = {
                "url": f"https://twitter.com/zaidbenjamin/status/{LIVE_ID}",
                "author_name": "Zaid Benjamin",
                "author_url": "https://twitter.com/zaidbenjamin",
                "html": OEMBED_HTML,
                "type": "rich",
            }
            return web.Response(text=json.dumps(body), content_type="application/json")
        return web.Response(status=404, text="{}", content_type="application/json")

    async def short(request: web.Request):
        return web.Response(status=301, headers={"Location": short_links[request.match_info["code"]]})

    async def article(request: web.Request):
        return web.Response(text="<p>an article</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/oembed", oembed)
    app.router.add_get("/article", article)
    app.router.add_get("/{code}", short)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def only_tco(host: str, port: int) -> list[str]:
        if host == "t.co":
            return ["127.0.0.1"]
        raise OSError(f"test resolver: {host} is not on this test network")

    settings = FetchSettings(allow_loopback=True, oembed_url=f"http://127.0.0.1:{port}/oembed", retries=0)
    async with Fetcher(settings, resolver=only_tco) as fetcher:
        yield fetcher, port, asked, short_links
    await runner.cleanup()


@pytest.mark.parametrize(
    "claim",
    [
        f"https://twitter.com/mohsarmini/status/{ARCHIVED_ID}",
        f"انظر هذه التغريدة https://mobile.twitter.com/mohsarmini/status/{ARCHIVED_ID}?s=20",
        f"https://x.com/mohsarmini/statuses/{ARCHIVED_ID}?ref_src=twsrc",
        f"https://x.com/someone_else/status/{ARCHIVED_ID}",  # the id decides, not the handle
    ],
)
async def test_an_archived_status_is_found_exactly_without_the_network(find_linked, claim):
    result = await resolve_claim_links(claim, find_linked, None)
    (archived,) = result.archived
    assert archived.exact and same_tweet(archived, claim) and ARCHIVED_ID in archived.url
    assert result.messages() == ["this exact tweet is archived in النصرة تسيطر على حقل كونيكو, 2014-02-10"]
    assert result.fetched is None and result.notes == []


async def test_a_tweet_not_archived_is_read_through_oembed(find_linked, web_side):
    fetcher, _, asked, _ = web_side
    result = await resolve_claim_links(f"https://x.com/zaidbenjamin/status/{LIVE_ID}?s=20", find_linked, fetcher)
    assert result.archived == []
    tweet = result.fetched
    assert tweet is not None
    assert tweet.text.startswith("الدولة تنسحب من الشحيل بعد اتفاق مع العشائر")
    assert tweet.author == "Zaid Benjamin" and tweet.handle == "zaidbenjamin"
    assert tweet.date == PartialDate(2014, 2, 11) and tweet.status_id == LIVE_ID
    assert asked == [f"https://twitter.com/zaidbenjamin/status/{LIVE_ID}"]  # canonical form
    assert result.claim_text == tweet.text


async def test_a_deleted_tweet_gives_a_clear_message(find_linked, web_side):
    fetcher, *_ = web_side
    result = await resolve_claim_links(f"https://twitter.com/ghost/status/{GONE_ID}", find_linked, fetcher)
    assert not result.found
    assert result.notes and result.notes[0].startswith(COULD_NOT_FETCH)
    assert "404" in result.notes[0]


async def test_without_fetching_a_missing_tweet_asks_for_its_text(find_linked):
    result = await resolve_claim_links(f"https://twitter.com/ghost/status/{GONE_ID}", find_linked, None)
    assert not result.found and "paste the tweet's text" in result.notes[0]


async def test_a_tco_link_carried_by_an_archived_post_is_found(find_linked):
    result = await resolve_claim_links("https://t.co/inQcuEy2wx", find_linked, None)
    (archived,) = result.archived
    assert archived.exact and not same_tweet(archived, "https://t.co/inQcuEy2wx") and archived.handle == "mohsarmini"
    assert "appears in an archived tweet by @mohsarmini" in result.messages()[0]


async def test_a_tco_link_to_an_archived_status_is_followed_to_it(find_linked, web_side):
    fetcher, port, asked, short_links = web_side
    short_links["abc"] = f"https://twitter.com/mohsarmini/status/{ARCHIVED_ID}"
    result = await resolve_claim_links(f"http://t.co:{port}/abc", find_linked, fetcher)
    assert result.final_url == short_links["abc"]
    assert [same_tweet(a, result.final_url) for a in result.archived] == [True]
    assert asked == []  # archived: no oEmbed call


async def test_a_tco_link_to_a_live_tweet_goes_to_oembed(find_linked, web_side):
    fetcher, port, asked, short_links = web_side
    short_links["Live1"] = f"https://x.com/zaidbenjamin/status/{LIVE_ID}"
    result = await resolve_claim_links(f"http://t.co:{port}/Live1", find_linked, fetcher)
    assert result.fetched is not None and result.fetched.handle == "zaidbenjamin"
    assert f"http://t.co:{port}/Live1 leads to {short_links['Live1']}" in result.messages()


async def test_a_tco_link_to_a_page_reports_where_it_leads(find_linked, web_side):
    fetcher, port, _, short_links = web_side
    short_links["page"] = f"http://127.0.0.1:{port}/article"
    result = await resolve_claim_links(f"http://t.co:{port}/page", find_linked, fetcher)
    assert result.final_url == f"http://127.0.0.1:{port}/article"
    assert not result.found


async def test_a_tco_link_into_a_private_network_is_refused(find_linked, web_side):
    fetcher, port, _, short_links = web_side
    short_links["evil"] = "http://169.254.169.254/latest/meta-data/"
    result = await resolve_claim_links(f"http://t.co:{port}/evil", find_linked, fetcher)
    assert not result.found and "cloud metadata" in result.notes[0]


async def test_a_claim_without_a_tweet_link(find_linked):
    result = await resolve_claim_links("قالت مصادر إن النصرة سيطرت على حقل كونيكو", find_linked, None)
    assert not result.found and result.notes == ["no tweet link in the claim"]
