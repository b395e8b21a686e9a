"""Screenshots as claims on Discord: /verify image: and the "Verify claim" menu
on a message with an image, end to end against the fake Discord."""
from __future__ import annotations

import io

import pytest

from tests.bot.discord.harness import attachment_option, attachment_payload
from tests.screenshots import ocr_missing, render, seed_tweets

SEED_CLAIM = "بعد هروب داعش من دير الزور قتلوا كل السجناء"
needs_ocr = pytest.mark.skipif(bool(ocr_missing()), reason=ocr_missing() or "")


def screenshot(which: int, fmt: str = "PNG", **kwargs) -> bytes:
    out = io.BytesIO()
    render(seed_tweets()[which], **kwargs).save(out, format=fmt)
    return out.getvalue()


@needs_ocr
async def test_verify_image_reads_the_screenshot_and_names_the_tweet(harness):
    payload = attachment_payload(harness.fake, "shot.png", screenshot(0))
    option, resolved = attachment_option(payload)
    call = await harness.slash("verify", [option], resolved=resolved)
    reply = await call.reply(("followup",), timeout=30)
    assert call.sent[0].kind == "callback" and call.sent[0].body["type"] == 5  # deferred before the OCR
    # What was read comes first, so a misreading shows; then the answer.
    assert reply.content.startswith("📷 Read from the image shot.png: «بعد هروب داعش من دير الزور")
    assert "(@mohsarmini) 2014-02-10" in reply.content
    assert "@mohsarmini" in reply.embeds[0]["description"] + str(reply.embeds[1:])
    assert "2014-02-10" in reply.text() and not reply.ephemeral
    assert "the claim was read from an image" not in "".join(str(e) for e in reply.embeds)  # said once


@needs_ocr
async def test_menu_on_a_message_with_a_screenshot_verifies_the_image(harness):
    payload = attachment_payload(harness.fake, "IMG_2041.jpg", screenshot(3, "JPEG", dark=True),
                                 content_type="image/jpeg")
    call = await harness.message_menu("هل هذا صحيح؟", attachments=[payload])
    reply = await call.reply(("followup",), timeout=30)
    assert reply.content.startswith("📷 Read from the image IMG_2041.jpg: «مقتل")
    assert "@zaidbenjamin" in reply.text() and "2014-02-08" in reply.text()


@needs_ocr
async def test_arabic_reply_says_it_was_read_from_an_image(harness):
    payload = attachment_payload(harness.fake, "shot.webp", screenshot(1, "WEBP"), content_type="image/webp")
    option, resolved = attachment_option(payload)
    call = await harness.slash("verify", [option], resolved=resolved, locale="ar")
    reply = await call.reply(("followup",), timeout=30)
    assert reply.content.startswith("📷 قُرئ من الصورة shot.webp: «")
    assert "@syria_omar" in reply.text()


async def test_a_text_file_sent_as_png_gets_a_one_line_error_and_the_bot_keeps_answering(harness):
    payload = attachment_payload(harness.fake, "tweet.png", "بعد هروب داعش من دير الزور\n".encode())
    option, resolved = attachment_option(payload)
    call = await harness.slash("verify", [option], resolved=resolved)
    reply = await call.reply(("followup",), timeout=30)
    assert reply.text() == "This image cannot be read: tweet.png is not a PNG, JPEG or WebP image."
    again = await harness.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}])
    assert "@mohsarmini" in (await again.reply(("followup",))).text()


async def test_wrong_type_too_big_and_nothing_given_are_refused_before_any_work(harness):
    text = attachment_payload(harness.fake, "notes.txt", b"hello", content_type="text/plain")
    option, resolved = attachment_option(text)
    call = await harness.slash("verify", [option], resolved=resolved)
    reply = await call.reply()
    assert reply.ephemeral and reply.text() == "notes.txt is not a PNG, JPEG or WebP image."
    big = attachment_payload(harness.fake, "huge.png", b"\x89PNG\r\n\x1a\n", size=50_000_000)
    option, resolved = attachment_option(big)
    reply = await (await harness.slash("verify", [option], resolved=resolved)).reply(("followup",))
    assert "huge.png is 50000000 bytes; images up to 10000000 bytes are read." in reply.text()
    nothing = await (await harness.slash("verify", [])).reply()
    assert nothing.ephemeral and "Give a claim, or an image" in nothing.text()


async def test_without_tesseract_image_claims_say_what_to_install_and_text_claims_work(fake, seeded_archive, tmp_path):
    from tests.bot.discord.conftest import make_config
    from tests.bot.discord.harness import Harness

    extra = f'\n[ocr]\ntessdata = "{tmp_path / "no-tesseract"}"\n'
    h = Harness(fake, make_config(tmp_path, seeded_archive, extra=extra))
    await h.start()
    try:
        payload = attachment_payload(fake, "shot.png", screenshot(0) if not ocr_missing() else b"\x89PNG\r\n\x1a\n")
        call = await h.message_menu("", attachments=[payload])
        reply = await call.reply(("followup",), timeout=30)
        assert "Tesseract OCR is not installed" in reply.text()
        assert "tesseract-ocr tesseract-ocr-ara tesseract-ocr-eng" in reply.text()
        text = await h.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}])
        assert "@mohsarmini" in (await text.reply(("followup",))).text()
    finally:
        await h.stop()


@needs_ocr
async def test_a_mention_on_a_screenshot_reads_it(fake, seeded_archive, tmp_path):
    from tests.bot.discord.conftest import make_config
    from tests.bot.discord.fake_discord import BOT_USER, CHANNEL_ID, message_payload, snowflake
    from tests.bot.discord.harness import MEMBER, Harness

    h = Harness(fake, make_config(tmp_path, seeded_archive, mention_enabled=True))
    await h.start()
    try:
        message = message_payload(snowflake(), CHANNEL_ID, f"<@{BOT_USER['id']}> صحيح؟", MEMBER["user"])
        message["mentions"] = [BOT_USER]
        message["attachments"] = [attachment_payload(fake, "shot.png", screenshot(2, dark=True))]
        await fake.push("MESSAGE_CREATE", message)
        replies = await fake.wait_for(lambda: fake.in_channel(CHANNEL_ID), timeout=30)
        assert replies[0].content.startswith("📷 قُرئ من الصورة shot.png: «")  # an Arabic question: Arabic
        assert "@THAERSORY" in replies[0].text()
    finally:
        await h.stop()
