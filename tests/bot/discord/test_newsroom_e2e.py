"""A newsroom's day against the fake Discord: moderator commands hidden from
members, autocomplete, privacy of digests, the digest channel's permissions,
a digest Discord refuses, and a source ingested while the bot runs."""
from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tests.bot.discord.fake_discord import (
    DIGEST_CHANNEL_ID,
    GUILD_ID,
    LOBBY_CHANNEL_ID,
    LOCKED_CHANNEL_ID,
    MANAGE_GUILD,
    dm_channel_id,
)
from tests.bot.discord.harness import MEMBER, MODERATOR, Harness

SEED_CLAIM = "بعد هروب داعش من دير الزور قتلوا كل السجناء"
REPO = Path(__file__).resolve().parents[3]


def channel(channel_id: str, name: str):
    option = {"type": 7, "name": "channel", "value": channel_id}
    resolved = {"channels": {channel_id: {"id": channel_id, "name": name, "type": 0,
                                          "permissions": "2147483647", "guild_id": GUILD_ID}}}
    return option, resolved


async def set_digest(h: Harness, channel_id: str = DIGEST_CHANNEL_ID, hhmm: str = "07:30", tz: str = "UTC"):
    option, resolved = channel(channel_id, "digest")
    call = await h.slash("digest", [option, {"type": 3, "name": "time", "value": hhmm},
                                    {"type": 3, "name": "timezone", "value": tz}],
                         sub="set", who=MODERATOR, resolved=resolved)
    return await call.reply(("followup", "callback"))


async def verify(h: Harness, claim: str, **options):
    extra = [{"type": 5, "name": "private", "value": True}] if options.pop("private", False) else []
    call = await h.slash("verify", [{"type": 3, "name": "claim", "value": claim}] + extra, **options)
    return await call.reply(("followup",))


async def test_moderator_commands_are_hidden_from_members_by_default(harness):
    synced = {c["name"]: c for c in harness.fake.synced[GUILD_ID]}
    for name in ("source", "digest"):
        assert str(synced[name]["default_member_permissions"]) == str(MANAGE_GUILD)  # Manage Server
        assert synced[name].get("dm_permission") is False or synced[name].get("contexts") in (None, [0])
    for name in ("verify", "isnad", "Verify claim"):
        assert synced[name]["default_member_permissions"] is None  # everyone
    # The runtime check stays: a member who calls it anyway (an admin changed the default) is refused.
    call = await harness.slash("source", [], sub="list", who=MEMBER)
    assert "Only moderators" in (await call.reply()).text()


async def test_autocomplete_for_time_zones_and_source_ids(harness):
    option, resolved = channel(DIGEST_CHANNEL_ID, "digest")
    call = await harness.slash("digest", [option, {"type": 3, "name": "time", "value": "08:00"},
                                          {"type": 3, "name": "timezone", "value": "damas", "focused": True}],
                               sub="set", who=MODERATOR, resolved=resolved, kind=4)
    answer = await call.reply(("callback",))
    assert answer.body["type"] == 8
    assert [c["value"] for c in answer.body["data"]["choices"]][0] == "Asia/Damascus"

    call = await harness.slash("source", [{"type": 3, "name": "id", "value": "src", "focused": True}],
                               sub="show", who=MODERATOR, kind=4)
    choices = (await call.reply(("callback",))).body["data"]["choices"]
    assert choices and all(c["value"].startswith("src-") and len(c["name"]) <= 100 for c in choices)


async def test_private_and_unlisted_claims_never_reach_a_digest(harness):
    await verify(harness, "Private lead about the Raqqa dam", private=True)
    await verify(harness, "A lobby rumour about Homs", channel_id=LOBBY_CHANNEL_ID)  # outside the desk
    await verify(harness, SEED_CLAIM)  # public, in the newsroom (the digest's category)

    call = await harness.slash("digest", [], sub="preview", who=MODERATOR)
    preview = "\n".join(s.text() for s in await call.replies(1))
    assert "mohsarmini" in preview
    assert "Raqqa" not in preview and "Homs" not in preview

    reply = await set_digest(harness)
    assert "every day at 07:30 (UTC)" in reply.text()
    harness.bot.digests.scheduler.get_job(f"digest-{GUILD_ID}").modify(next_run_time=__import__("datetime").datetime.now(
        __import__("datetime").UTC))
    posted = await harness.fake.wait_for(lambda: harness.fake.in_channel(DIGEST_CHANNEL_ID))
    text = "\n".join(p.text() for p in posted)
    assert "mohsarmini" in text and "Raqqa" not in text and "Homs" not in text
    # Nor is the private claim kept anywhere for a later digest.
    log = harness.bot.isnad.service.querylog
    assert not any("Raqqa" in e.claim for e in log.entries())


async def test_digest_set_checks_the_bot_can_post_there_and_names_the_next_time(harness):
    refused = await set_digest(harness, LOCKED_CHANNEL_ID)
    assert "cannot post" in refused.text() and "Send Messages" in refused.text()
    assert harness.bot.digests.scheduler.get_job(f"digest-{GUILD_ID}") is None  # nothing was set

    reply = await set_digest(harness, hhmm="07:30", tz="Asia/Damascus")
    assert "Next: " in reply.text() and " 07:30 (UTC+0300)" in reply.text()  # in the digest's own zone


async def test_a_digest_discord_refuses_is_reported_to_its_moderator_and_retried(harness):
    from datetime import UTC, datetime, timedelta

    fake = harness.fake
    # Due a minute ago, as when the cron job fires: a retry is only scheduled within the
    # grace period after the time it was due (a fixed 07:30 would fail after 13:30 UTC).
    await set_digest(harness, hhmm=(datetime.now(UTC) - timedelta(minutes=1)).strftime("%H:%M"))
    fake.forbidden_channels.add(DIGEST_CHANNEL_ID)  # someone took the bot's permission away
    scheduler = harness.bot.digests.scheduler
    scheduler.get_job(f"digest-{GUILD_ID}").modify(next_run_time=datetime.now(UTC))
    dm = await fake.wait_for(fake.dms)
    assert f"<#{DIGEST_CHANNEL_ID}>" in dm[0].text() and "not allowed" in dm[0].text()
    assert dm[0].key == dm_channel_id(MODERATOR["user"]["id"])  # the moderator who set it
    retry = await fake.wait_for(lambda: scheduler.get_job(f"digest-{GUILD_ID}-retry"))

    fake.forbidden_channels.clear()  # permission given back: the retry posts it
    retry.modify(next_run_time=datetime.now(UTC))
    posted = await fake.wait_for(lambda: fake.in_channel(DIGEST_CHANNEL_ID))
    assert "Isnad digest" in posted[0].text()
    await asyncio.sleep(0.2)
    assert len(fake.dms()) == 1  # told once


async def test_a_source_ingested_while_the_bot_runs_is_found_within_10_s(harness, tmp_path):
    article = tmp_path / "new.txt"
    article.write_text("title: Bridge report\ndate: 2026-11-29\n\n"
                       "The old stone bridge over the Orontes in Hama collapsed after the night floods.\n",
                       encoding="utf-8")
    claim = "the stone bridge over the Orontes in Hama collapsed after floods"
    assert "Bridge report" not in (await verify(harness, claim)).text()

    archive = harness.bot.isnad.service.store.path
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot.cli", "--db", str(archive),
                                                    "ingest", str(article)],
                                   cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loop = asyncio.get_running_loop()
    started = loop.time()
    while True:
        text = (await verify(harness, claim)).text()
        if "Orontes" in text or "Bridge report" in text:
            break
        assert loop.time() - started < 10, f"not found 10 s after ingest: {text[:300]}"
        await asyncio.sleep(0.5)


async def test_a_refused_digest_is_reported_in_the_system_channel_when_dms_are_closed(harness):
    from datetime import UTC, datetime

    fake = harness.fake
    await set_digest(harness)
    fake.forbidden_channels |= {DIGEST_CHANNEL_ID, dm_channel_id(MODERATOR["user"]["id"])}
    harness.bot.digests.scheduler.get_job(f"digest-{GUILD_ID}").modify(next_run_time=datetime.now(UTC))
    notice = await fake.wait_for(lambda: fake.in_channel(LOBBY_CHANNEL_ID))  # the server's system channel
    assert f"<@{MODERATOR['user']['id']}>" in notice[0].text() and f"<#{DIGEST_CHANNEL_ID}>" in notice[0].text()


async def test_digest_from_lists_the_channels_whose_claims_it_shows(harness):
    await verify(harness, "A lobby report about the Homs bakery", channel_id=LOBBY_CHANNEL_ID)
    await verify(harness, SEED_CLAIM)  # newsroom
    await set_digest(harness)
    option, resolved = channel(LOBBY_CHANNEL_ID, "lobby")
    call = await harness.slash("digest", [option], sub="from", who=MODERATOR, resolved=resolved)
    assert f"<#{LOBBY_CHANNEL_ID}>" in (await call.reply()).text()
    preview = await harness.slash("digest", [], sub="preview", who=MODERATOR)
    text = "\n".join(s.text() for s in await preview.replies(1))
    assert "Homs bakery" in text and "mohsarmini" not in text.split("Claims asked")[1]  # only the listed channel

    option, resolved = channel(LOBBY_CHANNEL_ID, "lobby")
    call = await harness.slash("digest", [option, {"type": 5, "name": "remove", "value": True}], sub="from",
                               who=MODERATOR, resolved=resolved)
    assert "category" in (await call.reply()).text()  # back to the default scope
