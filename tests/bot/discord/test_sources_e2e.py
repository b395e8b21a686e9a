"""/source add|remove and moderator checks, end to end against the fake Discord."""
from __future__ import annotations

import re

from tests.bot.discord.fake_discord import snowflake
from tests.bot.discord.harness import ADMIN, MEMBER, MODERATOR

ARTICLE = (
    b"Raqqa bridge destroyed\n\n"
    b"The old suspension bridge over the Euphrates in Raqqa was destroyed on Monday by an airstrike, "
    b"residents told our correspondent. Boats now carry people across the river.\n"
)


def attachment(fake, name: str, data: bytes, size: int | None = None):
    att_id = snowflake()
    url = fake.serve_file(name, data)
    option = {"type": 11, "name": "file", "value": att_id}
    resolved = {"attachments": {att_id: {"id": att_id, "filename": name, "size": size if size is not None else len(data),
                                         "url": url, "proxy_url": url, "content_type": "text/plain"}}}
    return option, resolved


async def test_moderator_adds_a_file_then_it_can_be_verified(harness):
    option, resolved = attachment(harness.fake, "raqqa.txt", ARTICLE)
    add = await harness.slash("source", [option], sub="add", who=MODERATOR, resolved=resolved)
    reply = await add.reply(("followup",))
    assert "Added 1 source" in reply.text() and reply.ephemeral
    check = await harness.slash("verify", [{"type": 3, "name": "claim",
                                            "value": "an airstrike destroyed the bridge over the Euphrates in Raqqa"}])
    assert "Raqqa bridge destroyed" in (await check.reply(("followup",))).text()
    # the audit trail names who added it
    source_id = next(s.id for s in harness.bot.isnad.service.store.sources() if s.title == "Raqqa bridge destroyed")
    show = await harness.slash("source", [{"type": 3, "name": "id", "value": source_id}], sub="show", who=MODERATOR)
    shown = (await show.reply()).text()
    assert re.search(r"added by \u2068moderator\u2069 at \u2068\d{4}-\d\d-\d\d \d\d:\d\d \(UTC\)\u2069", shown), shown
    assert "discord:7000" not in shown and "+00:00" not in shown  # a name and a readable time, not raw ids


async def test_non_moderator_is_refused_at_run_time(harness):
    option, resolved = attachment(harness.fake, "raqqa.txt", ARTICLE)
    call = await harness.slash("source", [option], sub="add", who=MEMBER, resolved=resolved)
    reply = await call.reply()
    assert reply.ephemeral and "Only moderators" in reply.text()
    assert len(list(harness.bot.isnad.service.store.sources())) == 1  # nothing added
    listing = await harness.slash("source", [], sub="list", who=ADMIN)  # Manage Server is enough
    assert "Archived sources (1)" in (await listing.reply()).text()


async def test_oversize_and_wrong_type_files_are_refused(harness):
    option, resolved = attachment(harness.fake, "big.txt", b"x", size=50_000)
    big = await harness.slash("source", [option], sub="add", who=MODERATOR, resolved=resolved)
    assert "limit is 20000 bytes" in (await big.reply()).text()
    option, resolved = attachment(harness.fake, "photo.png", b"\x89PNG")
    png = await harness.slash("source", [option], sub="add", who=MODERATOR, resolved=resolved)
    assert "not accepted" in (await png.reply()).text()
    option, resolved = attachment(harness.fake, "bad.txt", b"caf\xe9 in Latin-1, not UTF-8\n")
    bad = await harness.slash("source", [option], sub="add", who=MODERATOR, resolved=resolved)
    assert "could not be imported" in (await bad.reply(("followup",))).text()
    assert len(list(harness.bot.isnad.service.store.sources())) == 1


async def test_remove_asks_first_then_removes_and_records_it(harness):
    source_id = next(iter(harness.bot.isnad.service.store.sources())).id
    call = await harness.slash("source", [{"type": 3, "name": "id", "value": source_id}], sub="remove", who=MODERATOR)
    prompt = await call.reply()
    assert "Remove" in prompt.text() and harness.bot.isnad.service.store.get(source_id) is not None
    click = await harness.click(prompt, "Remove", who=MODERATOR)
    done = await click.reply(("callback",))
    assert f"Removed {source_id}" in done.text()
    assert harness.bot.isnad.service.store.get(source_id) is None
    events = harness.bot.isnad.service.store.events(source_id)
    assert events[-1].action == "remove" and "moderator" in events[-1].by
    gone = await harness.slash("verify", [{"type": 3, "name": "claim", "value": "بعد هروب داعش من دير الزور قتلوا كل السجناء"}])
    assert "Nothing in the archive matches" in (await gone.reply(("followup",))).text()


async def test_url_import_failure_is_a_clear_message(harness):
    call = await harness.slash("source", [{"type": 3, "name": "url", "value": "http://127.0.0.1:9/nothing"}],
                               sub="add", who=MODERATOR)
    reply = await call.reply()
    assert reply.ephemeral
    assert "could not be imported" in reply.text() and "loopback" in reply.text()


async def test_paste_opens_a_modal_and_adds_the_article(harness):
    call = await harness.slash("source", [], sub="paste", who=MODERATOR)
    modal = await call.reply(("callback",))
    assert modal.body["type"] == 9
    submit = await harness.submit_modal(modal, {"Title": "Homs siege", "Publisher": "Example News",
                                                 "Date (2014-02-10 or 10/02/2014)": "07/05/2014",
                                                 "Link": "", "Text": "The last fighters left the old city of Homs under a truce."},
                                        who=MODERATOR)
    assert "Added 1 source" in (await submit.reply(("followup",))).text()
    added = [s for s in harness.bot.isnad.service.store.sources() if s.title == "Homs siege"]
    assert added and added[0].date.iso() == "2014-05-07"  # DD/MM/YYYY, as newsrooms write it


async def test_paste_with_an_unreadable_date_keeps_the_text_and_reopens_the_form(harness):
    text = "The last fighters left the old city of Homs under a truce. " * 20
    call = await harness.slash("source", [], sub="paste", who=MODERATOR)
    modal = await call.reply(("callback",))
    submit = await harness.submit_modal(modal, {"Title": "Homs truce", "Date (2014-02-10 or 10/02/2014)": "the 7th",
                                                 "Text": text}, who=MODERATOR)
    refused = await submit.reply(("callback",))
    assert "could not be read" in refused.text() and "Nothing was lost" in refused.text()
    again = await harness.click(refused, "Correct the date", who=MODERATOR)
    reopened = await again.reply(("callback",))
    assert reopened.body["type"] == 9  # the form, filled in as it was
    values = {c["label"]: c.get("value") for row in reopened.body["data"]["components"]
              for c in (row.get("components") or [row.get("component")])}
    assert values["Title"] == "Homs truce" and values["Text"] in (text, text.strip())
    fixed = await harness.submit_modal(reopened, {"Title": "Homs truce",
                                                  "Date (2014-02-10 or 10/02/2014)": "٧ أيار ٢٠١٤",
                                                  "Text": text}, who=MODERATOR)
    assert "Added 1 source" in (await fixed.reply(("followup",))).text()
    added = [s for s in harness.bot.isnad.service.store.sources() if s.title == "Homs truce"]
    assert added and added[0].date.iso() == "2014-05-07"  # Arabic-Indic digits and a month name


# --- links and HTML files ----------------------------------------------------------------

HOMS_TITLE = "خروج آخر المقاتلين من حمص القديمة"
HOMS_PAGE = f"""<!doctype html><html lang="ar"><head><meta charset="utf-8">
<meta property="og:title" content="{HOMS_TITLE}">
<meta property="og:site_name" content="عنب بلدي">
<meta property="article:published_time" content="2014-05-08">
</head><body><article><h1>{HOMS_TITLE}</h1>
<p>خرج آخر المقاتلين من أحياء حمص القديمة المحاصرة بموجب هدنة مع قوات النظام، وسط دمار واسع في الأسواق والكنائس.</p>
<p>وقال ناشطون إن الحافلات نقلت المقاتلين إلى ريف حمص الشمالي.</p>
</article></body></html>"""
HOMS_CLAIM = "خروج المقاتلين من حمص القديمة بموجب هدنة"


async def web_harness(fake, web, archive, tmp_path, **fetch):
    from tests.bot.discord.conftest import make_config, web_fetch
    from tests.bot.discord.harness import Harness

    h = Harness(fake, make_config(tmp_path, archive, fetch={**web_fetch(web), **fetch}))
    await h.start()
    return h


async def add_url(h, url: str):
    call = await h.slash("source", [{"type": 3, "name": "url", "value": url}], sub="add", who=MODERATOR)
    return await call.reply(("followup", "callback"))


async def test_moderator_adds_an_arabic_page_by_link_then_it_is_verified(fake, web, seeded_archive, tmp_path):
    url = web.add_page("news/homs.html", HOMS_PAGE)
    h = await web_harness(fake, web, seeded_archive, tmp_path)
    try:
        reply = await add_url(h, url)
        assert "Added 1 source" in reply.text() and HOMS_TITLE in reply.text() and reply.ephemeral
        check = await h.slash("verify", [{"type": 3, "name": "claim", "value": HOMS_CLAIM}])
        text = (await check.reply(("followup",))).text()
        assert HOMS_TITLE in text and "2014-05-08" in text
        again = await add_url(h, url + "?utm_source=twitter")  # the same page, by another link
        source_id = next(s.id for s in h.bot.isnad.service.store.sources() if s.title == HOMS_TITLE)
        assert f"already archived as {source_id}" in again.text()
        assert sum(1 for asked in web.asked if asked.startswith("/news/homs.html")) == 1  # not downloaded again
    finally:
        await h.stop()


async def test_links_to_private_addresses_are_refused(fake, web, seeded_archive, tmp_path):
    url = web.add_page("news/homs.html", HOMS_PAGE)
    h = await web_harness(fake, web, seeded_archive, tmp_path, allow_loopback=False)
    try:
        loopback = await add_url(h, url)
        assert "could not be imported" in loopback.text() and "loopback" in loopback.text()
        private = await add_url(h, "http://192.168.1.20/article")
        assert "private network address" in private.text()
        assert web.asked == []  # refused before any connection
        assert len(list(h.bot.isnad.service.store.sources())) == 1
    finally:
        await h.stop()


async def test_moderator_adds_an_html_file(harness):
    option, resolved = attachment(harness.fake, "homs.html", HOMS_PAGE.encode())
    add = await harness.slash("source", [option], sub="add", who=MODERATOR, resolved=resolved)
    assert "Added 1 source" in (await add.reply(("followup",))).text()
    check = await harness.slash("verify", [{"type": 3, "name": "claim", "value": HOMS_CLAIM}])
    assert HOMS_TITLE in (await check.reply(("followup",))).text()
