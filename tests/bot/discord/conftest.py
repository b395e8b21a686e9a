from __future__ import annotations

from pathlib import Path

import discord
import pytest
import yarl

from bot.config import load_config
from storage.sample import seed_sample
from storage.tinydb_store import TinyDBStore
from tests.bot.discord.fake_discord import FakeDiscord
from tests.bot.discord.fake_web import FakeWeb
from tests.bot.discord.harness import Harness, write_config


@pytest.fixture
def seeded_archive(tmp_path: Path) -> Path:
    path = tmp_path / "archive.json"
    store = TinyDBStore(path)
    seed_sample(store)
    store.close()
    return path


@pytest.fixture
async def fake():
    original_base = discord.http.Route.BASE
    original_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    server = FakeDiscord()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
        discord.http.Route.BASE = original_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(str(original_gateway))


def make_config(tmp_path: Path, archive: Path | str | None, **keys):
    return load_config(write_config(tmp_path, archive, **keys), env={"ISNAD_DISCORD_TOKEN": "not-a-real-token"})


@pytest.fixture
async def web():
    """Pages and an oEmbed endpoint on 127.0.0.1 (tests/bot/discord/fake_web.py)."""
    server = FakeWeb()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def web_fetch(web: FakeWeb) -> dict:
    """[fetch] settings that let the bot reach the test's web server, and fail fast."""
    return {"allow_loopback": True, "oembed_url": web.oembed_url, "retries": 0, "total_timeout": 10.0}


@pytest.fixture
async def harness(fake, seeded_archive, tmp_path):
    h = Harness(fake, make_config(tmp_path, seeded_archive))
    await h.start()
    try:
        yield h
    finally:
        await h.stop()
