"""/digest set, the scheduled job, and a digest missed while the bot was down."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.tinydb_store import TinyDBStore
from tests.bot.discord.conftest import make_config
from tests.bot.discord.fake_discord import DIGEST_CHANNEL_ID, GUILD_ID
from tests.bot.discord.harness import MODERATOR, Harness

SEED_CLAIM = "بعد هروب داعش من دير الزور قتلوا كل السجناء"


def channel_option():
    option = {"type": 7, "name": "channel", "value": DIGEST_CHANNEL_ID}
    resolved = {"channels": {DIGEST_CHANNEL_ID: {"id": DIGEST_CHANNEL_ID, "name": "digest", "type": 0,
                                                 "permissions": "2147483647", "guild_id": GUILD_ID}}}
    return option, resolved


async def set_digest(h: Harness, hhmm: str, tz: str = "UTC"):
    option, resolved = channel_option()
    call = await h.slash("digest", [option, {"type": 3, "name": "time", "value": hhmm},
                                    {"type": 3, "name": "timezone", "value": tz}],
                         sub="set", who=MODERATOR, resolved=resolved)
    return await call.reply(("followup", "callback"))


async def test_digest_set_then_the_job_fires_and_posts_embeds(harness):
    for claim in (SEED_CLAIM, SEED_CLAIM, "The price of bread in Paris rose this week"):
        call = await harness.slash("verify", [{"type": 3, "name": "claim", "value": claim}])
        await call.reply(("followup",))
    reply = await set_digest(harness, "07:30", "Asia/Damascus")
    assert "every day at 07:30 (Asia/Damascus)" in reply.text()
    job = harness.bot.digests.scheduler.get_job(f"digest-{GUILD_ID}")
    assert job is not None and job.coalesce and job.misfire_grace_time >= 3600
    job.modify(next_run_time=datetime.now(UTC))  # fire it now, through APScheduler
    posted = await harness.fake.wait_for(lambda: harness.fake.in_channel(DIGEST_CHANNEL_ID))
    text = "\n".join(p.text() for p in posted)
    assert "Isnad digest" in text
    assert "(\u2068Asia/Damascus\u2069)" in text and "UTC" not in text  # the period in the digest's own zone
    assert "×2" in text and "mohsarmini" in text  # most asked first, with its best match
    assert text.index("×2") < text.index("Paris")
    assert "no match" in text and "Claims that found nothing" in text


async def test_bad_digest_time_and_zone_are_refused(harness):
    assert "not HH:MM" in (await set_digest(harness, "25:99")).text()
    assert "not a time zone" in (await set_digest(harness, "08:00", "Mars/Olympus")).text()


async def test_non_moderator_cannot_set_the_digest(harness):
    from tests.bot.discord.harness import MEMBER

    option, resolved = channel_option()
    call = await harness.slash("digest", [option, {"type": 3, "name": "time", "value": "08:00"}],
                               sub="set", who=MEMBER, resolved=resolved)
    assert "Only moderators" in (await call.reply()).text()


async def test_a_digest_missed_while_down_is_posted_once_after_restart(fake, seeded_archive, tmp_path):
    config = make_config(tmp_path, seeded_archive)
    h = Harness(fake, config)
    await h.start()
    due = datetime.now(UTC) - timedelta(minutes=30)
    await set_digest(h, due.strftime("%H:%M"))
    await h.stop()
    assert fake.in_channel(DIGEST_CHANNEL_ID) == []  # set after its time today: nothing due yet

    # The digest had been set days ago; the bot was down at its time today.
    store = TinyDBStore(seeded_archive)
    settings = store.get_setting(f"digest:{GUILD_ID}")
    settings["set_at"] = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    settings["last_run"] = (datetime.now(UTC) - timedelta(days=1, hours=1)).isoformat()
    store.set_setting(f"digest:{GUILD_ID}", settings)
    store.close()

    await h.start()
    posted = await fake.wait_for(lambda: fake.in_channel(DIGEST_CHANNEL_ID))
    assert "Isnad digest" in posted[0].text()
    count = len(fake.in_channel(DIGEST_CHANNEL_ID))
    await h.stop()

    await h.start()  # again: it was posted, so it is not repeated
    await asyncio.sleep(0.5)
    await h.stop()
    assert len(fake.in_channel(DIGEST_CHANNEL_ID)) == count


async def test_digest_off_removes_the_job(harness):
    await set_digest(harness, "08:00")
    call = await harness.slash("digest", [], sub="off", who=MODERATOR)
    assert "off" in (await call.reply()).text()
    assert harness.bot.digests.scheduler.get_job(f"digest-{GUILD_ID}") is None
