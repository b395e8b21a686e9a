"""The bot on a PostgreSQL archive shared with other processes: it follows
their additions, and its query log (for digests) lives in the database.

Skips cleanly without a server (tests/pg.py says how to get one)."""
from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.bot.discord.conftest import make_config
from tests.bot.discord.fake_discord import CATEGORY_ID, GUILD_ID
from tests.bot.discord.harness import MODERATOR, Harness
from tests.bot.discord.test_sources_e2e import ARTICLE, attachment

ROOT = Path(__file__).resolve().parents[3]
SEED_CLAIM = "بعد هروب داعش من دير الزور قتلوا كل السجناء"
ALEPPO = (
    "Aleppo water station\n\n"
    "The main water pumping station of Aleppo stopped working after the power lines were cut, "
    "leaving the eastern districts without running water for a week.\n"
)
ALEPPO_CLAIM = "Aleppo's water pumping station stopped after the power lines were cut"


@pytest.fixture
def pg_url():
    from tests.pg import fresh_database

    with fresh_database() as url:
        from storage.postgres_store import PostgresStore
        from storage.sample import seed_sample

        store = PostgresStore(url)
        seed_sample(store)
        store.close()
        yield url


@pytest.fixture
async def pg_bot(fake, pg_url, tmp_path):
    h = Harness(fake, make_config(tmp_path, pg_url))
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


async def verify_text(h: Harness, claim: str) -> str:
    call = await h.slash("verify", [{"type": 3, "name": "claim", "value": claim}])
    return (await call.reply(("followup",))).text()


async def test_a_source_added_by_another_process_is_found_within_seconds(pg_bot, pg_url, tmp_path):
    assert "@mohsarmini" in await verify_text(pg_bot, SEED_CLAIM)  # the index was built from the database
    assert "Nothing in the archive matches" in await verify_text(pg_bot, ALEPPO_CLAIM)

    article = tmp_path / "aleppo.txt"
    article.write_text(ALEPPO, encoding="utf-8")
    cli = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--db", pg_url, "ingest", str(article), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(cli.communicate(), timeout=60)
    assert cli.returncode == 0, (out + err).decode()

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 8
    while True:
        text = await verify_text(pg_bot, ALEPPO_CLAIM)
        if "Aleppo water station" in text or loop.time() > deadline:
            break
        await asyncio.sleep(0.3)
    assert "Aleppo water station" in text


async def test_a_moderator_can_verify_what_they_just_added(pg_bot):
    option, resolved = attachment(pg_bot.fake, "raqqa.txt", ARTICLE)
    add = await pg_bot.slash("source", [option], sub="add", who=MODERATOR, resolved=resolved)
    assert "Added 1 source" in (await add.reply(("followup",))).text()
    # no wait: the reply comes once the index has applied the database's change
    assert "Raqqa bridge destroyed" in await verify_text(
        pg_bot, "an airstrike destroyed the bridge over the Euphrates in Raqqa")


async def test_the_query_log_and_the_digest_use_the_database(pg_bot, pg_url):
    from storage.postgres_store import PostgresStore

    await verify_text(pg_bot, SEED_CLAIM)
    other = PostgresStore(pg_url)  # another bot process sharing the archive
    try:
        logged = other.queries_since(None)
        assert [r["claim"] for r in logged] == [SEED_CLAIM] and int(logged[0]["guild_id"]) == int(GUILD_ID)
        other.log_query({"at": datetime.now(UTC).isoformat(), "guild_id": int(GUILD_ID), "channel_id": 1,
                         "category_id": int(CATEGORY_ID),  # the newsroom's category: in the digest's scope
                         "claim": "Who cut the water in Aleppo?", "best": None, "conflicts": [], "via": "slash"})
    finally:
        other.close()
    assert pg_bot.bot.isnad.service.querylog.path is None  # no JSONL file beside a database

    call = await pg_bot.slash("digest", [], sub="preview", who=MODERATOR)
    text = "\n".join(s.text() for s in await call.replies(1))
    assert "mohsarmini" in text  # asked here
    assert "Who cut the water in Aleppo?" in text and "Claims that found nothing" in text  # asked elsewhere
