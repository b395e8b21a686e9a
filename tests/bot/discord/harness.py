"""Runs `isnad run`'s bot (bot.discord.run.serve) against the fake Discord,
and builds the interactions a member's client would send."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import discord
import yarl

from bot.config import Config
from bot.discord.client import IsnadBot
from bot.discord.run import serve
from tests.bot.discord.fake_discord import (
    APP_ID,
    BASIC_PERMS,
    CHANNEL_ID,
    GUILD_ID,
    MANAGE_GUILD,
    MOD_ROLE_ID,
    FakeDiscord,
    Sent,
    channel_parent,
    message_payload,
    snowflake,
    user_payload,
)

MODERATOR = {"user": user_payload("700000000000000001", "moderator"), "roles": [MOD_ROLE_ID], "perms": BASIC_PERMS}
ADMIN = {"user": user_payload("700000000000000002", "admin"), "roles": [], "perms": BASIC_PERMS | MANAGE_GUILD}
MEMBER = {"user": user_payload("700000000000000003", "reporter"), "roles": [], "perms": BASIC_PERMS}


def write_config(tmp: Path, archive: Path | str | None, *, fetch: dict[str, Any] | None = None,
                 extra: str = "", **discord_keys: Any) -> Path:
    """A config file for the bot under test. `archive` is a TinyDB path or a
    postgresql:// URL; `fetch` fills [fetch] (e.g. allow_loopback for pages
    served by the test); `extra` is appended as is."""
    keys = {"guild_ids": [int(GUILD_ID)], "moderator_role_ids": [int(MOD_ROLE_ID)],
            "attachment_max_bytes": 20000, **discord_keys}
    lines = ["[storage]"]
    if archive is not None:
        key = "url" if str(archive).startswith("postgresql://") else "path"
        lines.append(f"{key} = {_toml(str(archive))}")
    lines += ["", "[discord]"] + [f"{key} = {_toml(value)}" for key, value in keys.items()]
    if fetch:
        lines += ["", "[fetch]"] + [f"{key} = {_toml(value)}" for key, value in fetch.items()]
    path = tmp / "config.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    return repr(value)


class Harness:
    def __init__(self, fake: FakeDiscord, config: Config) -> None:
        self.fake = fake
        self.config = config
        self.bot: IsnadBot | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def start(self) -> IsnadBot:
        discord.http.Route.BASE = f"{self.fake.base}/api/v10"
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{self.fake.port}/gw/")
        self.fake.ready.clear()
        self._stop = asyncio.Event()
        self.bot = IsnadBot(self.config, guild_ready_timeout=0.05)
        self._task = asyncio.create_task(serve(self.config, stop=self._stop, bot=self.bot, handle_signals=False))
        waiter = asyncio.create_task(self.bot.wait_until_ready())
        done, _ = await asyncio.wait({self._task, waiter}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:  # a bad payload kills start(): show why
            waiter.cancel()
            self._task.result()
        assert waiter in done, "the bot did not become ready"
        return self.bot

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stop.set()
        await asyncio.wait_for(self._task, timeout=15)
        self._task = None

    # --- interactions -----------------------------------------------------------------

    def _base(self, who: dict[str, Any], locale: str, kind: int, data: dict[str, Any],
              channel_id: str = CHANNEL_ID) -> dict[str, Any]:
        iid = snowflake()
        return {
            "id": iid, "application_id": APP_ID, "type": kind, "data": data, "guild_id": GUILD_ID,
            "channel_id": channel_id,
            "channel": {"id": channel_id, "type": 0, "guild_id": GUILD_ID, "name": "newsroom", "position": 0,
                        "permission_overwrites": [], "nsfw": False, "parent_id": channel_parent(channel_id)},
            "member": {"user": who["user"], "roles": who["roles"], "joined_at": "2024-01-01T00:00:00+00:00",
                       "deaf": False, "mute": False, "flags": 0, "permissions": str(who["perms"])},
            "token": f"token-{iid}", "version": 1, "locale": locale, "guild_locale": "en-US",
            "app_permissions": str(BASIC_PERMS), "entitlements": [], "authorizing_integration_owners": {"0": GUILD_ID},
            "context": 0, "attachment_size_limit": 10 * 1024 * 1024,
        }

    def _command_id(self, name: str) -> str:
        for command in self.fake.synced.get(GUILD_ID, []) + self.fake.synced.get("global", []):
            if command["name"] == name:
                return command["id"]
        raise AssertionError(f"command {name!r} was not synced")

    async def slash(self, name: str, options: list[dict[str, Any]], *, who: dict[str, Any] = MEMBER,
                    locale: str = "en-US", sub: str | None = None,
                    resolved: dict[str, Any] | None = None, channel_id: str = CHANNEL_ID,
                    kind: int = 2) -> Call:
        """A slash command; kind=4 sends it as an autocomplete request (the
        option being typed carries "focused": true)."""
        if sub is not None:
            options = [{"type": 1, "name": sub, "options": options}]
        data = {"id": self._command_id(name), "name": name, "type": 1, "options": options, "guild_id": GUILD_ID}
        if resolved:
            data["resolved"] = resolved
        payload = self._base(who, locale, kind, data, channel_id)
        await self.fake.push("INTERACTION_CREATE", payload)
        return Call(self.fake, payload)

    async def message_menu(self, content: str, *, who: dict[str, Any] = MEMBER, locale: str = "en-US",
                           attachments: list[dict[str, Any]] | None = None) -> Call:
        message_id = snowflake()
        message = message_payload(message_id, CHANNEL_ID, content, MEMBER["user"])
        message["attachments"] = attachments or []
        self.fake.messages.append(message)
        data = {"id": self._command_id("Verify claim"), "name": "Verify claim", "type": 3, "target_id": message_id,
                "guild_id": GUILD_ID, "resolved": {"messages": {message_id: message}}}
        payload = self._base(who, locale, 2, data)
        await self.fake.push("INTERACTION_CREATE", payload)
        return Call(self.fake, payload)

    async def click(self, on: Sent, label: str, *, who: dict[str, Any] = MEMBER, locale: str = "en-US") -> Call:
        buttons = [c for row in on.body.get("data", on.body).get("components", []) for c in row["components"]]
        button = next((b for b in buttons if b.get("label") == label), None)
        assert button is not None, f"no button {label!r} in {buttons}"
        message = message_payload(on.message_id, CHANNEL_ID, on.content, user_payload(APP_ID, "Isnad"))
        message["components"] = on.body.get("data", on.body).get("components", [])
        message["embeds"] = on.embeds
        payload = self._base(who, locale, 3, {"custom_id": button["custom_id"], "component_type": 2})
        payload["message"] = message
        await self.fake.push("INTERACTION_CREATE", payload)
        return Call(self.fake, payload)

    async def submit_modal(self, on: Sent, values: dict[str, str], *, who: dict[str, Any] = MEMBER) -> Call:
        modal = on.body["data"]
        components = []
        for row in modal["components"]:
            inner = row.get("components") or [row.get("component")]
            for field in inner:
                components.append({"type": 1, "components": [
                    {"type": 4, "custom_id": field["custom_id"], "value": values.get(field["label"], "")}]})
        payload = self._base(who, "en-US", 5, {"custom_id": modal["custom_id"], "components": components})
        await self.fake.push("INTERACTION_CREATE", payload)
        return Call(self.fake, payload)


def attachment_payload(fake: FakeDiscord, name: str, data: bytes, *, content_type: str = "image/png",
                       size: int | None = None) -> dict[str, Any]:
    """An attachment as Discord describes it, its bytes served by the fake's CDN route."""
    url = fake.serve_file(name, data)
    return {"id": snowflake(), "filename": name, "size": len(data) if size is None else size, "url": url,
            "proxy_url": url, "content_type": content_type}


def attachment_option(payload: dict[str, Any], name: str = "image") -> tuple[dict[str, Any], dict[str, Any]]:
    """A slash command's attachment option and the `resolved` block that carries it."""
    return {"type": 11, "name": name, "value": payload["id"]}, {"attachments": {payload["id"]: payload}}


class Call:
    """One pushed interaction and what the bot sent back for it."""

    def __init__(self, fake: FakeDiscord, payload: dict[str, Any]) -> None:
        self.fake = fake
        self.payload = payload

    @property
    def sent(self) -> list[Sent]:
        return self.fake.for_token(self.payload["token"], self.payload["id"])

    async def reply(self, kinds: tuple[str, ...] = ("followup", "callback"), *, timeout: float = 10.0,
                    after_defer: bool = False) -> Sent:
        """The first message-bearing answer (a followup, or a callback that is not a defer)."""
        def found() -> Sent | None:
            for item in self.sent:
                if item.kind == "callback" and item.body.get("type") in (5, 6):
                    continue
                if item.kind in kinds:
                    return item
            return None

        return await self.fake.wait_for(found, timeout)

    async def replies(self, count: int, *, timeout: float = 10.0) -> list[Sent]:
        def found() -> list[Sent] | None:
            items = [s for s in self.sent if not (s.kind == "callback" and s.body.get("type") in (5, 6))]
            return items if len(items) >= count else None

        return await self.fake.wait_for(found, timeout)
