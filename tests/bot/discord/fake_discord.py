"""A small fake of Discord's REST API and gateway on 127.0.0.1 (docs/field-notes.md §5).

The real discord.py client talks to it after two overrides (Route.BASE and
DiscordWebSocket.DEFAULT_GATEWAY). It records what the bot sends (command
syncs, interaction callbacks, followups, channel messages) and lets a test push
gateway events (INTERACTION_CREATE, MESSAGE_CREATE). It also serves
attachment bytes at loopback URLs, as Discord's CDN would.
"""
from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

JSON = "application/json"
_ids = itertools.count(1_100_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


BOT_USER = {"id": "900000000000000001", "username": "Isnad", "discriminator": "0", "global_name": "Isnad",
            "avatar": None, "bot": True, "flags": 0}
OWNER = {"id": "900000000000000002", "username": "owner", "discriminator": "0", "avatar": None}
APP_ID = BOT_USER["id"]
GUILD_ID = "800000000000000001"
CHANNEL_ID = "800000000000000010"
DIGEST_CHANNEL_ID = "800000000000000011"
LOBBY_CHANNEL_ID = "800000000000000012"  # outside the newsroom's category
LOCKED_CHANNEL_ID = "800000000000000013"  # in the category; the bot may not post there
CATEGORY_ID = "800000000000000020"  # "desk": newsroom, digest and locked channels
MOD_ROLE_ID = "800000000000000100"
BOT_ROLE_ID = "800000000000000101"
MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
BASIC_PERMS = (1 << 10) | (1 << 11) | (1 << 31)  # view, send, use application commands


@dataclass
class Sent:
    """One thing the bot sent: where (kind, ids) and the JSON body."""

    kind: str  # "callback" | "followup" | "edit" | "channel"
    key: str  # interaction id / token / channel id
    body: dict[str, Any]
    message_id: str = ""  # the message this created, when it created one

    @property
    def embeds(self) -> list[dict[str, Any]]:
        data = self.body.get("data", self.body) if self.kind == "callback" else self.body
        return data.get("embeds") or []

    @property
    def content(self) -> str:
        data = self.body.get("data", self.body) if self.kind == "callback" else self.body
        return data.get("content") or ""

    @property
    def ephemeral(self) -> bool:
        data = self.body.get("data", self.body) if self.kind == "callback" else self.body
        return bool((data.get("flags") or 0) & 64)

    def text(self) -> str:
        """Everything a user would read, for assertions."""
        parts = [self.content]
        for e in self.embeds:
            parts += [e.get("title", ""), e.get("description", ""), (e.get("footer") or {}).get("text", "")]
            parts += [f"{f['name']} {f['value']}" for f in e.get("fields", [])]
        return "\n".join(p for p in parts if p)


def channel_payload(channel_id: str, name: str, *, parent_id: str | None = CATEGORY_ID,
                    overwrites: list[dict[str, Any]] | None = None, kind: int = 0) -> dict[str, Any]:
    return {"id": channel_id, "type": kind, "guild_id": GUILD_ID, "name": name, "position": 0,
            "permission_overwrites": overwrites or [], "nsfw": False, "parent_id": parent_id, "topic": None,
            "last_message_id": None, "rate_limit_per_user": 0}


DM_PREFIX = "55"  # DM channel ids: "55" + the member's id (a snowflake, as Discord's are)


def dm_channel_id(user_id: str) -> str:
    return DM_PREFIX + str(user_id)


def channel_parent(channel_id: str) -> str | None:
    return None if channel_id == LOBBY_CHANNEL_ID else CATEGORY_ID


def user_payload(user_id: str, name: str) -> dict[str, Any]:
    return {"id": user_id, "username": name, "discriminator": "0", "global_name": name, "avatar": None}


@dataclass
class FakeDiscord:
    host: str = "127.0.0.1"
    port: int = 0
    sent: list[Sent] = field(default_factory=list)
    synced: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # scope -> commands
    unknown: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    identifies: int = 0
    forbidden_channels: set[str] = field(default_factory=set)  # posting there answers 403

    def __post_init__(self) -> None:
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self.messages: list[dict[str, Any]] = []  # messages members posted (for fetch_message)
        self._runner: web.AppRunner | None = None
        self.ready = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gw/", self._gateway)
        app.router.add_get("/cdn/{name}", self._cdn)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- gateway ------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                if data["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif data["op"] == 2:
                    self.identifies += 1
                    await self._dispatch(ws, "READY", {
                        "v": 10, "user": BOT_USER, "guilds": [{"id": GUILD_ID, "unavailable": True}],
                        "session_id": f"session-{self.identifies}", "resume_gateway_url": f"ws://{self.host}:{self.port}/gw/",
                        "application": {"id": APP_ID, "flags": 0}, "private_channels": [], "relationships": [],
                    })
                    await self._dispatch(ws, "GUILD_CREATE", self._guild())
                    self.ready.set()
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
        return ws

    def _guild(self) -> dict[str, Any]:
        everyone = {"id": GUILD_ID, "name": "@everyone", "permissions": str(BASIC_PERMS), "position": 0,
                    "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        mod = dict(everyone, id=MOD_ROLE_ID, name="fact-checkers", position=1)
        bot_role = dict(everyone, id=BOT_ROLE_ID, name="Isnad", position=2, managed=True,
                        permissions=str(BASIC_PERMS | EMBED_LINKS))
        me = {"user": BOT_USER, "roles": [BOT_ROLE_ID], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False,
              "mute": False, "flags": 0}
        # The locked channel denies the bot's role Send Messages (a permission overwrite).
        locked = [{"id": BOT_ROLE_ID, "type": 0, "allow": "0", "deny": str(SEND_MESSAGES)}]
        return {
            "id": GUILD_ID, "name": "Newsroom", "icon": None, "owner_id": OWNER["id"], "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "roles": [everyone, mod, bot_role], "emojis": [], "stickers": [], "features": [], "mfa_level": 0,
            "system_channel_id": LOBBY_CHANNEL_ID, "system_channel_flags": 0, "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None, "banner": None, "premium_tier": 0, "preferred_locale": "en-US", "nsfw_level": 0,
            "public_updates_channel_id": None, "member_count": 3, "large": False, "unavailable": False,
            "joined_at": "2024-01-01T00:00:00+00:00", "members": [me], "voice_states": [], "presences": [],
            "threads": [], "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
            "channels": [channel_payload(CATEGORY_ID, "desk", parent_id=None, kind=4),
                         channel_payload(CHANNEL_ID, "newsroom"), channel_payload(DIGEST_CHANNEL_ID, "digest"),
                         channel_payload(LOBBY_CHANNEL_ID, "lobby", parent_id=None),
                         channel_payload(LOCKED_CHANNEL_ID, "locked", overwrites=locked)],
        }

    async def _dispatch(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def push(self, event: str, data: dict[str, Any]) -> None:
        assert self._sockets, "the bot is not connected"
        await self._dispatch(self._sockets[-1], event, data)

    # --- REST --------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        tail = request.match_info["tail"]
        method = request.method
        body = await _body(request)
        parts = tail.split("/")
        if method == "GET" and tail == "users/@me":
            return _json(BOT_USER)
        if method == "GET" and tail == "oauth2/applications/@me":
            return _json({"id": APP_ID, "name": "Isnad", "description": "", "icon": None, "bot_public": True,
                          "bot_require_code_grant": False, "owner": OWNER, "verify_key": "00", "flags": 0})
        if method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            scope = parts[3] if len(parts) == 5 else "global"
            echoed = [dict(c, id=snowflake(), application_id=APP_ID, version="1", description=c.get("description", ""),
                           guild_id=None if scope == "global" else scope,
                           default_member_permissions=c.get("default_member_permissions"))
                      for c in body]
            self.synced[scope] = echoed
            return _json(echoed)
        if method == "POST" and parts[0] == "interactions" and parts[-1] == "callback":
            kind = body.get("type")
            message_id = snowflake() if kind in (4, 5) else ""
            self._record(Sent("callback", parts[1], body, message_id))
            flags = ((body.get("data") or {}).get("flags") or 0)
            answer: dict[str, Any] = {"id": parts[1], "type": 2, "response_message_loading": kind == 5,
                                      "response_message_ephemeral": bool(flags & 64)}
            if message_id:
                answer["response_message_id"] = message_id
            return _json({"interaction": answer})
        if parts[0] == "webhooks" and method == "POST" and len(parts) == 3:
            message = self._message(CHANNEL_ID, body, webhook=True)
            self._record(Sent("followup", parts[2], body, message["id"]))
            return _json(message)
        if parts[0] == "webhooks" and method == "PATCH":
            self._record(Sent("edit", parts[2], body))
            return _json(self._message(CHANNEL_ID, body, webhook=True))
        if parts[0] == "webhooks" and method == "DELETE":
            return web.Response(status=204)
        if method == "POST" and parts[0] == "channels" and parts[-1] == "messages":
            if parts[1] in self.forbidden_channels:
                self.unknown.append(f"403 {method} /{tail}")
                return _json({"message": "Missing Permissions", "code": 50013}, status=403)
            message = self._message(parts[1], body)
            self._record(Sent("channel", parts[1], body, message["id"]))
            return _json(message)
        if method == "GET" and parts[0] == "users" and len(parts) == 2:
            return _json(user_payload(parts[1], f"user-{parts[1][-4:]}"))
        if method == "POST" and tail == "users/@me/channels":  # open a DM
            return _json({"id": dm_channel_id(body["recipient_id"]), "type": 1, "last_message_id": None,
                          "recipients": [user_payload(body["recipient_id"], "dm")]})
        if method == "GET" and parts[0] == "channels" and len(parts) == 4 and parts[2] == "messages":
            found = next((m for m in self.messages if m["id"] == parts[3]), None)
            return _json(found) if found else _json({"message": "Unknown Message", "code": 10008}, status=404)
        if method == "POST" and parts[0] == "channels" and parts[-1] == "typing":
            return web.Response(status=204)
        self.unknown.append(f"{method} /{tail}")
        return _json({"message": "Unknown route in the fake", "code": 0}, status=404)

    async def _cdn(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[name], content_type="application/octet-stream")

    def _record(self, item: Sent) -> None:
        self.sent.append(item)

    def _message(self, channel_id: str, body: dict[str, Any], *, webhook: bool = False) -> dict[str, Any]:
        message = message_payload(snowflake(), channel_id, body.get("content") or "", BOT_USER)
        message["embeds"] = body.get("embeds") or []
        message["components"] = body.get("components") or []
        message["flags"] = body.get("flags") or 0
        if webhook:
            message["webhook_id"] = APP_ID
        return message

    # --- helpers for tests ------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if loop.time() > deadline:
                raise AssertionError(f"timed out waiting; sent so far: {[(s.kind, s.text()[:80]) for s in self.sent]}"
                                     f"; unknown routes: {self.unknown}")
            await asyncio.sleep(0.01)

    def for_token(self, token: str, interaction_id: str) -> list[Sent]:
        return [s for s in self.sent if s.key in (token, interaction_id)]

    def dms(self) -> list[Sent]:
        return [s for s in self.sent if s.kind == "channel" and s.key.startswith(DM_PREFIX)]

    def in_channel(self, channel_id: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == "channel" and s.key == channel_id]

    def serve_file(self, name: str, data: bytes) -> str:
        self.files[name] = data
        return f"{self.base}/cdn/{name}"


def message_payload(message_id: str, channel_id: str, content: str, author: dict[str, Any]) -> dict[str, Any]:
    return {"id": message_id, "channel_id": channel_id, "guild_id": GUILD_ID, "type": 0, "content": content,
            "author": author, "attachments": [], "embeds": [], "mentions": [], "mention_roles": [],
            "pinned": False, "mention_everyone": False, "tts": False, "timestamp": "2024-01-01T00:00:00+00:00",
            "edited_timestamp": None, "flags": 0, "components": []}


async def _body(request: web.Request) -> Any:
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                return json.loads(await part.text())
        return {}
    raw = await request.read()
    return json.loads(raw) if raw else {}


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py wants exactly "application/json": aiohttp's text= would add a charset.
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": JSON})
