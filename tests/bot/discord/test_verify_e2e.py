"""/verify, the message menu and errors, end to end against the fake Discord."""
from __future__ import annotations

SEED_CLAIM = "بعد هروب داعش من دير الزور قتلوا كل السجناء"


async def test_verify_defers_then_names_the_seed_tweet_and_its_date(harness):
    call = await harness.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}])
    reply = await call.reply(("followup",))
    first = call.sent[0]
    assert first.kind == "callback" and first.body["type"] == 5  # deferred before any work
    text = reply.text()
    assert "@mohsarmini" in text
    assert "2014-02-10" in text
    assert not reply.ephemeral


async def test_unrelated_claim_gets_a_plain_no_match(harness):
    call = await harness.slash("verify", [{"type": 3, "name": "claim", "value": "The price of bread in Paris rose this week"},
                                          {"type": 5, "name": "private", "value": True}])
    reply = await call.reply(("followup",))
    assert "Nothing in the archive matches" in reply.text()
    assert reply.ephemeral  # private:true


async def test_arabic_locale_gets_an_arabic_reply(harness):
    call = await harness.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}], locale="ar")
    reply = await call.reply(("followup",))
    assert "ما يقوله الأرشيف" in reply.text() and "@mohsarmini" in reply.text()


async def test_message_menu_on_a_tco_link_finds_the_tweet_that_carries_it(harness):
    call = await harness.message_menu("شاهدوا هذا https://t.co/oACHNsTm9h")
    reply = await call.reply(("followup",))
    assert "@THAERSORY" in reply.text()
    assert "2014-02-10" in reply.text()


async def test_bad_inputs_get_clear_ephemeral_errors(harness):
    too_long = await harness.slash("verify", [{"type": 3, "name": "claim", "value": "ا" * 1001}])
    reply = await too_long.reply()
    assert reply.ephemeral and "1001" in reply.text() and "1000" in reply.text()
    empty = await harness.slash("verify", [{"type": 3, "name": "claim", "value": "   "}])
    assert "empty" in (await empty.reply()).text()


async def test_cooldown_answers_kindly(fake, seeded_archive, tmp_path):
    from tests.bot.discord.conftest import make_config
    from tests.bot.discord.harness import Harness

    h = Harness(fake, make_config(tmp_path, seeded_archive, cooldown_seconds=60.0))
    await h.start()
    try:
        first = await h.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}])
        await first.reply(("followup",))
        second = await h.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}])
        reply = await second.reply()
        assert reply.ephemeral and "wait" in reply.text()
    finally:
        await h.stop()


async def test_an_exception_in_a_command_is_reported_and_the_bot_keeps_answering(harness, caplog):
    archive = harness.bot.archive
    real = archive.verifier.verify

    def broken(*args, **kwargs):
        raise RuntimeError("index exploded")

    archive.verifier.verify = broken
    call = await harness.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}])
    reply = await call.reply(("followup",))
    assert reply.ephemeral and "Something went wrong" in reply.text()
    assert "index exploded" in caplog.text  # the traceback went to the log
    archive.verifier.verify = real
    again = await harness.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}])
    assert "@mohsarmini" in (await again.reply(("followup",))).text()


async def test_commands_sync_with_descriptions(harness):
    from tests.bot.discord.fake_discord import GUILD_ID

    synced = {c["name"]: c for c in harness.fake.synced[GUILD_ID]}
    assert {"verify", "isnad", "source", "digest", "Verify claim"} <= set(synced)
    for command in synced.values():
        if command.get("type", 1) == 1:
            assert command["description"]
            for option in command.get("options", []):
                assert option["description"]


async def test_about_counts_the_archive(harness):
    call = await harness.slash("isnad", [], sub="about")
    text = (await call.reply()).text()
    assert "1 sources" in text and "2014-02" in text


async def test_a_mention_is_answered_in_allowed_channels_when_enabled(fake, seeded_archive, tmp_path):
    from tests.bot.discord.conftest import make_config
    from tests.bot.discord.fake_discord import BOT_USER, CHANNEL_ID, message_payload, snowflake
    from tests.bot.discord.harness import MEMBER, Harness

    h = Harness(fake, make_config(tmp_path, seeded_archive, mention_enabled=True, mention_channel_ids=[int(CHANNEL_ID)]))
    await h.start()
    try:
        message = message_payload(snowflake(), CHANNEL_ID, f"<@{BOT_USER['id']}> {SEED_CLAIM}", MEMBER["user"])
        message["mentions"] = [BOT_USER]
        await fake.push("MESSAGE_CREATE", message)
        replies = await fake.wait_for(lambda: fake.in_channel(CHANNEL_ID))
        assert "@mohsarmini" in replies[0].text()
        assert "ما يقوله الأرشيف" in replies[0].text()  # an Arabic claim gets an Arabic answer
    finally:
        await h.stop()


async def test_next_button_pages_through_more_matches(harness):
    from tests.bot.discord.fake_discord import snowflake  # noqa: F401

    def many(text, **kwargs):
        report = real(text, **kwargs)
        report.matches = report.matches[:1] * 7  # 7 matches -> 3 pages
        return report

    real = harness.bot.archive.verifier.verify
    harness.bot.archive.verifier.verify = many
    call = await harness.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}])
    first = await call.reply(("followup",))
    assert "Page 1 of 3" in first.text()
    click = await harness.click(first, "Next")
    page = await click.reply(("callback",))
    assert page.body["type"] == 7 and "Page 2 of 3" in page.text()


async def test_a_distorted_claim_is_answered_contradicted_in_red_with_its_evidence(harness):
    from bot.discord.render import RED

    altered = "بعد هروب داعش من دير الزور أطلقوا سراح كل السجناء"  # the tweet says they killed them
    call = await harness.slash("verify", [{"type": 3, "name": "claim", "value": altered}])
    reply = await call.reply(("followup",))
    summary = reply.embeds[0]
    assert summary["description"].startswith("**Contradicted")
    assert summary["color"] == RED
    assert "@mohsarmini" in summary["description"] and "2014-02-10" in summary["description"]
    arabic = await harness.slash("verify", [{"type": 3, "name": "claim", "value": altered}], locale="ar")
    text = (await arabic.reply(("followup",))).text()
    assert "مُكذَّب" in text and "الفعل معكوس" in text and "reversed" not in text
