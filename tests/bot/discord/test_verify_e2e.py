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


async def test_five_claims_in_a_row_from_one_member_are_all_answered(harness):
    """The default pace (6 a minute, burst 5): a member asking 5 claims from a thread gets 5 answers."""
    calls = [await harness.slash("verify", [{"type": 3, "name": "claim", "value": f"{SEED_CLAIM} {i}"}])
             for i in range(5)]
    for call in calls:
        reply = await call.reply(("followup",))
        assert "@mohsarmini" in reply.text()
        assert not any("wait" in s.text() or "Queued" in s.text() for s in call.sent)


async def test_claims_over_the_pace_are_queued_then_answered(fake, seeded_archive, tmp_path):
    from tests.bot.discord.conftest import make_config
    from tests.bot.discord.harness import Harness

    pace = "[pace]\nmember_per_minute = 30.0\nmember_burst = 2\n"  # one every 2 s after two at once
    h = Harness(fake, make_config(tmp_path, seeded_archive, extra=pace))
    await h.start()
    try:
        calls = [await h.slash("verify", [{"type": 3, "name": "claim", "value": f"{SEED_CLAIM} {i}"}])
                 for i in range(5)]
        queued = 0
        for number, call in enumerate(calls):
            answer = await call.reply(("followup",), timeout=15)
            assert "@mohsarmini" in answer.text()  # every claim answered, none dropped
            first = call.sent[0]
            if first.body["type"] == 4:  # over the burst: a short note only the member sees, naming the claim
                assert first.ephemeral and "Queued" in first.text() and f"{SEED_CLAIM} {number}" in first.text()
                queued += 1
            else:
                assert first.body["type"] == 5  # answered at once (deferred, then the answer)
        assert queued == 3  # two at once (the burst), three queued
    finally:
        await h.stop()


async def test_an_exception_in_a_command_is_reported_and_the_bot_keeps_answering(harness, caplog):
    archive = harness.bot.isnad.service
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
    assert "1 source," in text and "2014-02" in text


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

    real = harness.bot.isnad.service.verifier.verify
    harness.bot.isnad.service.verifier.verify = many
    call = await harness.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}])
    first = await call.reply(("followup",))
    assert "Page 1 of 3" in first.text()
    click = await harness.click(first, "Next")
    page = await click.reply(("callback",))
    assert page.body["type"] == 7 and "Page 2 of 3" in page.text()
    assert SEED_CLAIM in page.text() and "What the archive says" in page.text()  # the summary on every page


async def test_paging_buttons_still_work_after_a_restart(fake, seeded_archive, tmp_path):
    from bot.discord import paging
    from tests.bot.discord.conftest import make_config
    from tests.bot.discord.harness import Harness

    def seven_matches(h):
        real = h.bot.isnad.service.verifier.verify

        def many(text, **kwargs):
            report = real(text, **kwargs)
            report.matches = report.matches[:1] * 7  # 7 matches -> 3 pages
            return report

        h.bot.isnad.service.verifier.verify = many

    h = Harness(fake, make_config(tmp_path, seeded_archive))
    await h.start()
    seven_matches(h)
    first = await (await h.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}])).reply(("followup",))
    await h.stop()
    paging.CACHE._pages.clear()  # a new process: nothing in memory
    await h.start()
    try:
        seven_matches(h)
        page = await (await h.click(first, "Next")).reply(("callback",))
        assert page.body["type"] == 7 and "Page 2 of 3" in page.text()  # remade from the claim on the message

        # An answer whose claim is not on the message whole cannot be remade: the buttons are disabled, said so.
        first.body["embeds"][0]["description"] = "**Claim:** " + "x" * 50 + "…"
        paging.CACHE._pages.clear()
        click = await h.click(first, "Next")
        edited = await click.reply(("callback",))
        buttons = [c for row in edited.body["data"]["components"] for c in row["components"]]
        assert buttons and all(b["disabled"] for b in buttons)
        note = await click.reply(("followup",))
        assert note.ephemeral and "expired" in note.text()
    finally:
        await h.stop()


async def test_a_mention_in_reply_to_a_message_checks_that_message_and_logs_no_error(fake, seeded_archive, tmp_path,
                                                                                     caplog):
    import logging

    from tests.bot.discord.conftest import make_config
    from tests.bot.discord.fake_discord import BOT_USER, CHANNEL_ID, GUILD_ID, message_payload, snowflake
    from tests.bot.discord.harness import MEMBER, Harness

    h = Harness(fake, make_config(tmp_path, seeded_archive, mention_enabled=True))
    await h.start()
    try:
        caplog.set_level(logging.INFO)
        original = message_payload(snowflake(), CHANNEL_ID, SEED_CLAIM, {"id": "700000000000000009",
                                   "username": "someone", "discriminator": "0", "avatar": None})
        fake.messages.append(original)
        mention = message_payload(snowflake(), CHANNEL_ID, f"<@{BOT_USER['id']}>", MEMBER["user"])
        mention["mentions"] = [BOT_USER]
        mention["message_reference"] = {"message_id": original["id"], "channel_id": CHANNEL_ID, "guild_id": GUILD_ID}
        await fake.push("MESSAGE_CREATE", mention)
        replies = await fake.wait_for(lambda: fake.in_channel(CHANNEL_ID))
        text = replies[0].text()
        assert "@mohsarmini" in text  # the replied-to message was checked, not the bare mention
        link = f"https://discord.com/channels/{GUILD_ID}/{CHANNEL_ID}/{original['id']}"
        assert link in text  # the answer links back to the message it checked

        plain = message_payload(snowflake(), CHANNEL_ID, f"<@{BOT_USER['id']}> {SEED_CLAIM}", MEMBER["user"])
        plain["mentions"] = [BOT_USER]
        await fake.push("MESSAGE_CREATE", plain)
        await fake.wait_for(lambda: len(fake.in_channel(CHANNEL_ID)) >= 2)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text  # an ordinary mention
    finally:
        await h.stop()


async def test_the_menu_on_a_long_message_checks_a_claim_at_its_end_and_links_back(harness):
    filler = " ".join(f"Paragraph {i} of a long thread about the weather in the north." for i in range(25))
    call = await harness.message_menu(f"{filler}\n\n{SEED_CLAIM}")
    answers = await call.replies(2, timeout=15)
    texts = [a.text() for a in answers]
    assert any("@mohsarmini" in text for text in texts)  # the claim after 1,000 characters was checked
    assert all("Checked message: https://discord.com/channels/" in text for text in texts)


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
