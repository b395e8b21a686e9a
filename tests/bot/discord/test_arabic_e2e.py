"""With the server's language set to Arabic, every kind of reply is Arabic:
no Latin words outside names, handles, URLs, code (command names, ids) and
quoted text. Driven through the real client against the fake Discord."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.i18n import STRINGS, t
from tests.bot.discord.fake_discord import DIGEST_CHANNEL_ID, GUILD_ID, LOCKED_CHANNEL_ID
from tests.bot.discord.harness import MEMBER, MODERATOR, Harness
from tests.bot.discord.test_sources_e2e import attachment

SEED_CLAIM = "بعد هروب داعش من دير الزور قتلوا كل السجناء"
FSI, PDI = "\u2068", "\u2069"
_ALLOWED = [
    re.compile(f"{FSI}[^{PDI}]*{PDI}"),  # isolated runs: names, handles, dates, zones
    re.compile(r"https?://\S+"),  # links
    re.compile(r"`[^`]*`"),  # code: command names, source ids
    re.compile(r"<[@#][!&]?\d+>"),  # mentions of members and channels
    re.compile(r"“[^”]*”|«[^»]*»|\"[^\"]*\""),  # quoted text (claims, titles)
    re.compile(r"\bsrc-[0-9a-f]+\b"),  # source ids
]
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def latin_words(text: str, *quoted: str) -> list[str]:
    """Latin words a reader would see outside what may be Latin."""
    for part in quoted:  # the member's own claim, archived text: shown as they are
        text = text.replace(part, " ")
    for pattern in _ALLOWED:
        text = pattern.sub(" ", text)
    return LATIN_WORD.findall(text)


ENGLISH_REASONS = ("wording", "words and concepts", "same link", "same tweet", "days older", "First carried")


@pytest.fixture
async def arabic(harness):
    call = await harness.slash("isnad", [{"type": 3, "name": "value", "value": "ar"}], sub="language", who=MODERATOR)
    assert "بالعربية" in (await call.reply()).text()
    return harness


async def _text(call, kinds=("followup", "callback")) -> str:
    return (await call.reply(kinds)).text()


async def test_a_reply_to_the_seed_claim_carries_no_english_reason(arabic):
    call = await arabic.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}])  # an en-US member
    reply = await call.reply(("followup",))
    text = reply.text()
    assert "@mohsarmini" in text and "ما يقوله الأرشيف" in text
    for phrase in ENGLISH_REASONS:
        assert phrase not in text
    archived = [e.get("description", "") for e in reply.embeds]
    assert latin_words(text, SEED_CLAIM, *archived) == []


async def test_every_reply_kind_is_arabic(arabic):
    h: Harness = arabic
    seen: dict[str, str] = {}

    async def slash(kind: str, name: str, options, *, sub=None, who=MEMBER, resolved=None,
                    kinds=("followup", "callback")):
        call = await h.slash(name, options, sub=sub, who=who, resolved=resolved)
        seen[kind] = await _text(call, kinds)
        return call

    claim = lambda value: [{"type": 3, "name": "claim", "value": value}]  # noqa: E731
    await slash("nothing", "verify", claim("خبز باريس صار أغلى هذا الأسبوع"), kinds=("followup",))
    await slash("link", "verify", claim("https://twitter.com/someone/status/1234567890123456789"), kinds=("followup",))
    await slash("too long", "verify", claim("ا" * 1001))
    await slash("empty", "verify", claim("   "))
    await slash("about", "isnad", [], sub="about")
    await slash("help", "isnad", [], sub="help")
    await slash("not moderator", "source", [], sub="list")
    await slash("list", "source", [], sub="list", who=MODERATOR)
    source_id = next(s.id for s in h.bot.isnad.service.store.sources())
    await slash("show", "source", [{"type": 3, "name": "id", "value": source_id}], sub="show", who=MODERATOR)
    await slash("not found", "source", [{"type": 3, "name": "id", "value": "src-000"}], sub="show", who=MODERATOR)
    await slash("remove?", "source", [{"type": 3, "name": "id", "value": source_id}], sub="remove", who=MODERATOR)
    await slash("need one", "source", [], sub="add", who=MODERATOR)
    await slash("fetch refused", "source", [{"type": 3, "name": "url", "value": "http://127.0.0.1:9/article"}],
                sub="add", who=MODERATOR, kinds=("followup",))
    jsonl = b'{"title": "One", "text": "A first article about the siege of Homs.", "date": "2014-05-07"}\nnot json\n'
    option, resolved = attachment(h.fake, "batch.jsonl", jsonl)
    await slash("jsonl line", "source", [option], sub="add", who=MODERATOR, resolved=resolved, kinds=("followup",))
    option, resolved = attachment(h.fake, "again.jsonl", jsonl)
    await slash("already", "source", [option], sub="add", who=MODERATOR, resolved=resolved, kinds=("followup",))

    def digest_options(channel_id, hhmm="08:00", tz="Asia/Damascus"):
        option = {"type": 7, "name": "channel", "value": channel_id}
        resolved = {"channels": {channel_id: {"id": channel_id, "name": "digest", "type": 0,
                                              "permissions": "2147483647", "guild_id": GUILD_ID}}}
        options = [option, {"type": 3, "name": "time", "value": hhmm}, {"type": 3, "name": "timezone", "value": tz}]
        return options, resolved

    options, resolved = digest_options(DIGEST_CHANNEL_ID, "25:99")
    await slash("bad time", "digest", options, sub="set", who=MODERATOR, resolved=resolved)
    options, resolved = digest_options(DIGEST_CHANNEL_ID, tz="Mars/Olympus")
    await slash("bad zone", "digest", options, sub="set", who=MODERATOR, resolved=resolved)
    options, resolved = digest_options(LOCKED_CHANNEL_ID)
    await slash("cannot post", "digest", options, sub="set", who=MODERATOR, resolved=resolved)
    await slash("menu-less verify", "verify", claim(SEED_CLAIM), kinds=("followup",))
    options, resolved = digest_options(DIGEST_CHANNEL_ID)
    await slash("digest set", "digest", options, sub="set", who=MODERATOR, resolved=resolved)
    call = await h.slash("digest", [], sub="preview", who=MODERATOR)
    seen["preview"] = "\n".join(s.text() for s in await call.replies(1))
    h.bot.digests.scheduler.get_job(f"digest-{GUILD_ID}").modify(next_run_time=datetime.now(UTC))
    posted = await h.fake.wait_for(lambda: h.fake.in_channel(DIGEST_CHANNEL_ID))
    seen["posted digest"] = "\n".join(p.text() for p in posted)
    await slash("digest off", "digest", [], sub="off", who=MODERATOR)
    await slash("digest was off", "digest", [], sub="off", who=MODERATOR)
    menu = await h.message_menu(SEED_CLAIM)
    seen["menu"] = await _text(menu, ("followup",))

    archived = [p.text for s in h.bot.isnad.service.store.sources() for p in list(s.passages) + list(s.posts)]
    archived += [s.title for s in h.bot.isnad.service.store.sources()]
    assert "السطر 2" in seen["jsonl line"] and "تمت إضافة مصدر واحد" in seen["jsonl line"]
    assert "الرابط مرفوض" in seen["fetch refused"]
    found = {kind: words for kind, text in seen.items()
             if (words := latin_words(text, SEED_CLAIM, *[" ".join(a.split()) for a in archived if a]))}
    assert found == {}, found


def test_every_arabic_string_is_arabic():
    """Each reply string's Arabic form, with its placeholders filled, is free of Latin words."""
    sample = {"n": 3, "total": 7, "seconds": 9, "count": 2, "length": 1001, "limit": 1000, "size": 30000,
              "passages": 7, "posts": 5, "sources": 1, "days": 2213, "minutes": 10}
    found = {}
    for key in STRINGS:
        template = STRINGS[key][1]
        names = set(re.findall(r"{(\w+)", template))
        values = {name: sample.get(name, f"{FSI}x{PDI}") for name in names}
        words = latin_words(t(key, "ar", **values))
        if words:
            found[key] = words
    assert found == {}, found
