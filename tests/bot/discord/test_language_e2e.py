"""/isnad language: a server's reply language, set by its moderators.

Discord's locales have no Arabic, so members of an Arabic newsroom arrive as
en-US (or similar); the server's setting is what gets them Arabic replies."""
from __future__ import annotations

from datetime import UTC, datetime

from tests.bot.discord.fake_discord import DIGEST_CHANNEL_ID, GUILD_ID
from tests.bot.discord.harness import MEMBER, MODERATOR
from tests.bot.discord.test_digest_e2e import set_digest

SEED_CLAIM = "بعد هروب داعش من دير الزور قتلوا كل السجناء"


async def set_language(h, value: str, who=MODERATOR):
    call = await h.slash("isnad", [{"type": 3, "name": "value", "value": value}], sub="language", who=who)
    return await call.reply()


async def verify_text(h, locale: str = "en-US") -> str:
    call = await h.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}], locale=locale)
    return (await call.reply(("followup",))).text()


async def test_a_server_set_to_arabic_answers_en_us_members_in_arabic_after_a_restart(harness):
    assert "What the archive says" in await verify_text(harness)
    reply = await set_language(harness, "ar")
    assert reply.ephemeral and "بالعربية" in reply.text()
    text = await verify_text(harness)
    assert "ما يقوله الأرشيف" in text and "@mohsarmini" in text

    await harness.stop()
    await harness.start()  # kept in the archive, not in memory
    assert "ما يقوله الأرشيف" in await verify_text(harness, locale="fr")
    help_call = await harness.slash("isnad", [], sub="help")
    assert "طريقة الاستخدام" in (await help_call.reply()).text()

    await set_language(harness, "en")
    assert "What the archive says" in await verify_text(harness)
    assert "ما يقوله الأرشيف" in await verify_text(harness, locale="ar")  # an Arabic client still gets Arabic


async def test_a_member_cannot_change_the_language(harness):
    reply = await set_language(harness, "ar", who=MEMBER)
    assert reply.ephemeral and "Only moderators" in reply.text()
    assert harness.bot.isnad.service.store.get_setting(f"language:{GUILD_ID}") is None
    assert "What the archive says" in await verify_text(harness)


async def test_the_digest_is_posted_in_the_server_language(harness):
    await verify_text(harness)
    await set_digest(harness, "07:30")  # set up by an en-US moderator
    await set_language(harness, "ar")
    job = harness.bot.digests.scheduler.get_job(f"digest-{GUILD_ID}")
    job.modify(next_run_time=datetime.now(UTC))
    posted = await harness.fake.wait_for(lambda: harness.fake.in_channel(DIGEST_CHANNEL_ID))
    text = "\n".join(p.text() for p in posted)
    assert "ملخص إسناد" in text and "الادعاءات المطروحة" in text
