"""The web as the bot sees it, on 127.0.0.1: an oEmbed endpoint that knows a
few tweets (404 for the others, as for a deleted tweet) and article pages.

The bot reaches it through its real storage.fetch.Fetcher, with
allow_loopback on in the test config; nothing here talks to the internet."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC

from aiohttp import web

OEMBED_PATH = "/oembed"


def status_id_for(year: int, month: int, day: int) -> str:
    """A tweet id that dates itself to that day (docs/field-notes.md §7)."""
    from datetime import datetime

    millis = int(datetime(year, month, day, tzinfo=UTC).timestamp() * 1000)
    return str((millis - 1288834974657) << 22)


def tweet_blockquote(text: str, name: str, handle: str, status_id: str, date_text: str) -> str:
    return (f'<blockquote class="twitter-tweet"><p lang="ar" dir="rtl">{text}</p>&mdash; {name} (@{handle}) '
            f'<a href="https://twitter.com/{handle}/status/{status_id}?ref_src=twsrc%5Etfw">{date_text}</a></blockquote>\n')


@dataclass
class FakeWeb:
    tweets: dict[str, dict] = field(default_factory=dict)  # status id -> oEmbed answer
    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path -> (body, content type)
    asked: list[str] = field(default_factory=list)  # every path?query requested
    port: int = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(OEMBED_PATH, self._oembed)
        app.router.add_get("/{path:.*}", self._page)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def oembed_url(self) -> str:
        return self.base + OEMBED_PATH

    def add_tweet(self, text: str, name: str, handle: str, status_id: str, date_text: str) -> str:
        """Serve this tweet through oEmbed; returns its x.com link."""
        self.tweets[status_id] = {
            "url": f"https://twitter.com/{handle}/status/{status_id}", "author_name": name,
            "author_url": f"https://twitter.com/{handle}", "type": "rich",
            "html": tweet_blockquote(text, name, handle, status_id, date_text),
        }
        return f"https://x.com/{handle}/status/{status_id}"

    def add_page(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8") -> str:
        self.pages[path.lstrip("/")] = (body.encode() if isinstance(body, str) else body, content_type)
        return f"{self.base}/{path.lstrip('/')}"

    async def _oembed(self, request: web.Request) -> web.Response:
        self.asked.append(request.path_qs)
        url = request.query.get("url", "")
        for status_id, answer in self.tweets.items():
            if status_id in url:
                return web.Response(body=json.dumps(answer).encode(), headers={"Content-Type": "application/json"})
        return web.Response(status=404, body=b'{"error": "not found"}', headers={"Content-Type": "application/json"})

    async def _page(self, request: web.Request) -> web.Response:
        self.asked.append(request.path_qs)
        found = self.pages.get(request.match_info["path"])
        if found is None:
            return web.Response(status=404, text="not found")
        body, content_type = found
        return web.Response(body=body, headers={"Content-Type": content_type})
