"""Tweet links in chat (/verify, the message menu, mentions) through
verifiers.tweet_links, with the bot's shared fetcher against a fake oEmbed
endpoint on 127.0.0.1."""
from __future__ import annotations

import pytest

from storage.importers.html import parse_html
from storage.ingest import ingest_sources
from storage.tinydb_store import TinyDBStore
from tests.bot.discord.conftest import make_config, web_fetch
from tests.bot.discord.fake_discord import BOT_USER, CHANNEL_ID, message_payload, snowflake
from tests.bot.discord.fake_web import status_id_for, tweet_blockquote
from tests.bot.discord.harness import MEMBER, Harness

ARCHIVED_ID = "432884659123249728"  # a status embedded in an archived article (2014-02-10)
ARTICLE_TITLE = "الجيش الحر يدخل حقل كونيكو"
ARTICLE = f"""<html lang="ar"><head>
<meta property="og:title" content="{ARTICLE_TITLE}">
<meta property="og:site_name" content="نون بوست">
<meta property="article:published_time" content="2014-02-12">
</head><body><article>
<p>دخلت أرتال من الجيش الحر حقل كونيكو للغاز في ريف دير الزور بعد انسحاب تنظيم الدولة منه.</p>
{tweet_blockquote("رتل من الجيش الحر يدخل حقل كونيكو", "محمد سرميني", "mohsarmini", ARCHIVED_ID, "February 10, 2014")}
</article></body></html>"""

# A 2020 tweet retelling the seed's 2014 @mohsarmini tweet.
RECYCLED_TEXT = "عاجل: بعد هروب داعش من دير الزور قتلوا كل السجناء، لا ذمة لهم ولا دين"
RECYCLED_ID = status_id_for(2020, 3, 3)
DELETED_ID = status_id_for(2021, 6, 1)


@pytest.fixture
async def bot(fake, web, seeded_archive, tmp_path):
    store = TinyDBStore(seeded_archive)
    assert ingest_sources(store, [parse_html(ARTICLE)], by="test").added
    store.close()
    h = Harness(fake, make_config(tmp_path, seeded_archive, fetch=web_fetch(web), mention_enabled=True))
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


async def verify(h: Harness, claim: str) -> str:
    call = await h.slash("verify", [{"type": 3, "name": "claim", "value": claim}])
    return (await call.reply(("followup",))).text()


async def test_a_new_tweet_retelling_an_old_one_is_shown_as_recycled(bot, web):
    link = web.add_tweet(RECYCLED_TEXT, "Breaking Now", "breaking_now", RECYCLED_ID, "March 3, 2020")
    text = await verify(bot, link)
    assert any(RECYCLED_ID in asked for asked in web.asked)  # fetched through oEmbed
    assert "@mohsarmini" in text  # the 2014 original
    assert "First carried by" in text and "2014-02-10" in text
    # Its own highlighted line with both dates, dated by the tweet (2020), not by today.
    assert "old story shared as new" in text
    assert "First posted \u20682014-02-10\u2069; shared again as new on \u20682020-03-03\u2069, 6 years later" in text
    assert "Breaking Now" in text and "2020-03-03" in text  # the note says what was fetched


async def test_a_deleted_tweet_asks_for_its_text(bot, web):
    text = await verify(bot, f"https://twitter.com/someone/status/{DELETED_ID}")
    assert any(DELETED_ID in asked for asked in web.asked)
    assert "paste its text" in text


async def test_an_archived_status_is_an_exact_match_without_fetching(bot, web):
    text = await verify(bot, f"https://mobile.twitter.com/mohsarmini/statuses/{ARCHIVED_ID}?s=20")
    assert f"this exact tweet is archived in {ARTICLE_TITLE}" in text
    assert "2014-02-12" in text or "2014-02-10" in text
    assert web.asked == []  # nothing went to the web


async def test_the_message_menu_follows_a_tweet_link_too(bot, web):
    link = web.add_tweet(RECYCLED_TEXT, "Breaking Now", "breaking_now", RECYCLED_ID, "March 3, 2020")
    call = await bot.message_menu(link)
    text = (await call.reply(("followup",))).text()
    assert "@mohsarmini" in text and "old story shared as new" in text


async def test_a_mention_with_a_deleted_tweet_gets_the_note(bot, fake, web):
    message = message_payload(snowflake(), CHANNEL_ID, f"<@{BOT_USER['id']}> https://x.com/a/status/{DELETED_ID}",
                              MEMBER["user"])
    message["mentions"] = [BOT_USER]
    await fake.push("MESSAGE_CREATE", message)
    replies = await fake.wait_for(lambda: fake.in_channel(CHANNEL_ID))
    assert "paste its text" in replies[0].text()
