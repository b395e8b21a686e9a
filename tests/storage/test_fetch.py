"""The safe fetcher, with the real httpx against servers on 127.0.0.1.

No test sends traffic anywhere but the loopback interface:

- Tests that need a *public* first hop (to show that loopback itself is
  refused while `allow_loopback` is off) run the fetcher over a test network
  (`TestNet`): made-up names resolve to documentation-style public IPs, and a
  network backend connects only those IPs, to the local server. Any other
  destination raises instead of connecting, so a bug cannot leak traffic.
  The fetcher's own code path (check, pin, follow hops) is the production one.
- Refusals are asserted to happen before any request is sent: TestNet
  records every connection and every request that reached the transport.
"""
from __future__ import annotations

import asyncio
import time

import httpcore
import httpx
import pytest
from aiohttp import web

from storage.fetch import (
    BlockedURLError,
    Fetcher,
    FetchHTTPError,
    FetchNetworkError,
    FetchSettings,
    FetchTimeoutError,
    FetchTooLargeError,
    TooManyRedirectsError,
    address_refusal,
)

LOCAL = FetchSettings(allow_loopback=True, connect_timeout=2, read_timeout=2, total_timeout=10, backoff=0.05)


# --- local servers -----------------------------------------------------------------


@pytest.fixture
async def serve():
    """Start aiohttp apps on 127.0.0.1; returns their base URL."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def app_with(routes: dict[str, object]) -> tuple[web.Application, list[web.Request]]:
    """An app serving `routes`; also returns the list of requests it received."""
    seen: list[web.Request] = []
    app = web.Application()

    def make(handler):
        async def wrapped(request: web.Request):
            seen.append(request)
            return await handler(request)

        return wrapped

    for path, handler in routes.items():
        app.router.add_get(path, make(handler))
    return app, seen


def text(body: str, **kw):
    async def handler(request):
        return web.Response(text=body, content_type="text/html", **kw)

    return handler


def redirect(to: str, status: int = 302):
    async def handler(request):
        return web.Response(status=status, headers={"Location": to})

    return handler


# --- a test network that can only reach 127.0.0.1 ------------------------------------


class _NATBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, nat: dict[str, int], log: list[tuple[str, int]]) -> None:
        self.nat, self.log = nat, log
        self.real = httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.log.append((host, port))
        if host not in self.nat:
            raise httpcore.ConnectError(f"test network: no route to {host} (refusing real traffic)")
        return await self.real.connect_tcp("127.0.0.1", self.nat[host], timeout=timeout)

    async def sleep(self, seconds: float) -> None:
        await self.real.sleep(seconds)


class TestNet(httpx.AsyncHTTPTransport):
    """Real httpx transport whose sockets reach only the mapped local ports."""

    __test__ = False

    def __init__(self, nat: dict[str, int]) -> None:
        super().__init__()
        self.connections: list[tuple[str, int]] = []
        self.requests: list[httpx.Request] = []
        # test-only: swap httpx's pool for one with our network backend
        self._pool = httpcore.AsyncConnectionPool(
            network_backend=_NATBackend(nat, self.connections), max_keepalive_connections=0
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await super().handle_async_request(request)


def resolver_from(table: dict[str, list[str]], calls: list[str] | None = None):
    async def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise OSError(f"test resolver: unknown host {host}")
        return table[host]

    return resolve


PUBLIC_IP = "93.184.216.34"  # the fetcher sees a public address; TestNet maps it to 127.0.0.1
STRICT = FetchSettings(connect_timeout=2, read_timeout=2, total_timeout=10, backoff=0.05)


def port_of(base: str) -> int:
    return httpx.URL(base).port  # type: ignore[return-value]


# --- the address policy ----------------------------------------------------------------


@pytest.mark.parametrize(
    "address, kind",
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a00:1", "private"),  # NAT64 form of 10.0.0.1
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("100.64.0.1", "not a public"),  # carrier-grade NAT
        ("240.0.0.1", ""),  # reserved
    ],
)
def test_internal_addresses_are_refused_with_a_reason(address, kind):
    reason = address_refusal(address)
    assert reason is not None
    assert kind in reason


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(address):
    assert address_refusal(address) is None


def test_the_loopback_switch_allows_only_loopback():
    assert address_refusal("127.0.0.1", allow_loopback=True) is None
    assert address_refusal("::ffff:127.0.0.1", allow_loopback=True) is None
    assert address_refusal("10.0.0.1", allow_loopback=True) is not None
    assert address_refusal("169.254.169.254", allow_loopback=True) is not None


# --- refusals happen before connecting --------------------------------------------------


@pytest.mark.parametrize(
    "url, why",
    [
        ("file:///etc/passwd", "only http and https"),
        ("ftp://example.com/x", "only http and https"),
        ("gopher://example.com/", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("http://10.0.0.1/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.1/admin", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00::1]/", "private"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://0.0.0.0:8080/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://127.0.0.1/", "loopback"),
        ("http://user:secret@example.com/", "user name or password"),
    ],
)
async def test_refused_urls_never_reach_the_network(url, why):
    net = TestNet({})
    async with Fetcher(STRICT, transport=net, resolver=resolver_from({})) as fetcher:
        with pytest.raises(BlockedURLError) as info:
            await fetcher.get(url)
    assert why in str(info.value)
    assert net.requests == [] and net.connections == []


async def test_a_name_resolving_to_a_private_address_is_refused():
    net = TestNet({})
    resolve = resolver_from({"intranet.example": ["10.1.2.3"], "mixed.example": [PUBLIC_IP, "192.168.0.7"]})
    async with Fetcher(STRICT, transport=net, resolver=resolve) as fetcher:
        for url in ("http://intranet.example/", "https://mixed.example/"):
            with pytest.raises(BlockedURLError, match="private network"):
                await fetcher.get(url)
    assert net.requests == []


async def test_localhost_by_name_is_refused_by_default(serve):
    app, seen = app_with({"/": text("secret")})
    base = await serve(app)
    async with Fetcher(STRICT) as fetcher:  # real system resolver
        with pytest.raises(BlockedURLError, match="loopback"):
            await fetcher.get(base.replace("127.0.0.1", "localhost") + "/")
    assert seen == []


async def test_unknown_host_is_a_clear_error():
    async with Fetcher(STRICT, resolver=resolver_from({})) as fetcher:
        with pytest.raises(FetchNetworkError, match="could not find the host nowhere.example"):
            await fetcher.get("http://nowhere.example/")


# --- redirects: every hop checked -------------------------------------------------------


@pytest.mark.parametrize(
    "target, why",
    [
        ("http://127.0.0.1:{port}/secret", "loopback"),
        ("http://[::ffff:127.0.0.1]:{port}/secret", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://10.0.0.1/", "private"),
        ("http://[fd00::1]/", "private"),
        ("file:///etc/passwd", "only http and https"),
    ],
)
async def test_a_redirect_to_an_internal_address_is_refused(serve, target, why):
    """The first hop is public (news.example); the redirect points inside.

    allow_loopback is off: the local server is reached only through TestNet's
    mapping of the public address, so the redirect to 127.0.0.1 is judged by
    the same rules as in production."""
    where: dict[str, str] = {}

    async def story(request):  # the port is known only once the server runs
        return web.Response(status=302, headers={"Location": where["to"]})

    app, seen = app_with({"/story": story, "/secret": text("secret")})
    port = port_of(await serve(app))
    where["to"] = target.format(port=port)
    net = TestNet({PUBLIC_IP: port})
    resolve = resolver_from({"news.example": [PUBLIC_IP]})
    async with Fetcher(STRICT, transport=net, resolver=resolve) as fetcher:
        with pytest.raises(BlockedURLError) as info:
            await fetcher.get(f"http://news.example:{port}/story")
    assert why in str(info.value)
    assert [r.path for r in seen] == ["/story"]  # the secret was never asked for
    assert net.connections == [(PUBLIC_IP, port)]


async def test_connections_are_pinned_to_the_checked_address(serve):
    """A second DNS answer (rebinding to an internal address) is never used:
    the fetcher resolves once per hop and connects to that very IP, sending
    the original Host header."""
    app, seen = app_with({"/a": redirect("/b"), "/b": text("<p>ok</p>")})
    port = port_of(await serve(app))
    answers = iter([[PUBLIC_IP], [PUBLIC_IP], ["10.0.0.1"]])
    calls: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    net = TestNet({PUBLIC_IP: port})
    async with Fetcher(STRICT, transport=net, resolver=rebinding) as fetcher:
        result = await fetcher.get(f"http://news.example:{port}/a")
    assert result.body == b"<p>ok</p>"
    assert result.final_url == f"http://news.example:{port}/b"
    assert calls == ["news.example", "news.example"]  # one look-up per hop
    assert net.connections == [(PUBLIC_IP, port), (PUBLIC_IP, port)]
    assert [r.headers["host"] for r in seen] == [f"news.example:{port}"] * 2


async def test_https_sends_the_host_name_as_sni():
    """The TLS handshake must name the host (not the IP) so its certificate is
    checked against the right name. TestNet has no route: nothing is sent."""
    net = TestNet({})
    async with Fetcher(STRICT, transport=net, resolver=resolver_from({"news.example": [PUBLIC_IP]})) as fetcher:
        with pytest.raises(FetchNetworkError):
            await fetcher.get("https://news.example/story")
    (request, *_) = net.requests
    assert request.url.host == PUBLIC_IP
    assert request.headers["host"] == "news.example"
    assert request.extensions["sni_hostname"] == "news.example"


async def test_redirect_chains_are_limited(serve):
    app, seen = app_with({"/loop": redirect("/loop")})
    base = await serve(app)
    settings = FetchSettings(allow_loopback=True, max_redirects=3)
    async with Fetcher(settings) as fetcher:
        with pytest.raises(TooManyRedirectsError, match="more than 3"):
            await fetcher.get(base + "/loop")
    assert len(seen) == 4


async def test_redirects_are_followed_and_reported(serve):
    app, _ = app_with({"/old": redirect("/new", 301), "/new": text("<p>here</p>")})
    base = await serve(app)
    async with Fetcher(LOCAL) as fetcher:
        result = await fetcher.get(base + "/old")
        final = await fetcher.resolve(base + "/old")
    assert result.final_url == final == base + "/new"
    assert result.redirects == (base + "/new",)
    assert result.content_type == "text/html"


# --- limits ---------------------------------------------------------------------------


async def test_a_large_download_is_cut_off_while_streaming(serve):
    sent = {"chunks": 0}

    async def endless(request):
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        try:
            for _ in range(400):  # 25 MB if nobody stops it
                await response.write(b"x" * 65536)
                sent["chunks"] += 1
                await asyncio.sleep(0.005)
        except (ConnectionResetError, ConnectionError):
            pass
        return response

    app, _ = app_with({"/big": endless})
    base = await serve(app)
    settings = FetchSettings(allow_loopback=True, max_bytes=300_000)
    async with Fetcher(settings) as fetcher:
        with pytest.raises(FetchTooLargeError, match="300,000-byte limit"):
            await fetcher.get(base + "/big")
    await asyncio.sleep(0.1)
    assert sent["chunks"] < 100  # stopped early, not after downloading it all


async def test_a_declared_size_over_the_limit_is_refused_before_reading(serve):
    async def big(request):
        return web.Response(body=b"y" * 50_000, content_type="text/html")

    app, _ = app_with({"/big": big})
    base = await serve(app)
    async with Fetcher(FetchSettings(allow_loopback=True, max_bytes=10_000)) as fetcher:
        with pytest.raises(FetchTooLargeError, match="50,000 bytes"):
            await fetcher.get(base + "/big")


async def test_a_silent_server_times_out(serve):
    async def silent(request):
        await asyncio.sleep(1.5)  # far beyond the 0.3 s read timeout
        return web.Response(text="late")

    app, _ = app_with({"/slow": silent})
    base = await serve(app)
    settings = FetchSettings(allow_loopback=True, read_timeout=0.3, retries=0)
    started = time.monotonic()
    async with Fetcher(settings) as fetcher:
        with pytest.raises(FetchTimeoutError, match="did not answer in time"):
            await fetcher.get(base + "/slow")
    assert time.monotonic() - started < 3


async def test_a_trickling_server_hits_the_total_deadline(serve):
    async def trickle(request):
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        try:
            for _ in range(100):
                await response.write(b".")
                await asyncio.sleep(0.1)
        except (ConnectionResetError, ConnectionError):
            pass
        return response

    app, _ = app_with({"/drip": trickle})
    base = await serve(app)
    settings = FetchSettings(allow_loopback=True, read_timeout=1, total_timeout=0.8)
    async with Fetcher(settings) as fetcher:
        with pytest.raises(FetchTimeoutError, match="gave up"):
            await fetcher.get(base + "/drip")


# --- retries --------------------------------------------------------------------------


def flaky(statuses: list[int], retry_after: str | None):
    """Answer the given error statuses first, then 200."""
    answers = iter(statuses)

    async def handler(request):
        status = next(answers, 200)
        if status == 200:
            return web.Response(text="<p>finally</p>", content_type="text/html")
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return web.Response(status=status, headers=headers)

    return handler


@pytest.mark.parametrize("status, retry_after, waited", [(503, "1", 0.9), (429, "0", 0.0), (502, None, 0.0)])
async def test_busy_servers_are_retried(serve, status, retry_after, waited):
    app, seen = app_with({"/": flaky([status], retry_after)})
    base = await serve(app)
    started = time.monotonic()
    async with Fetcher(LOCAL) as fetcher:
        result = await fetcher.get(base + "/")
    assert result.body == b"<p>finally</p>"
    assert len(seen) == 2
    assert time.monotonic() - started >= waited  # Retry-After honoured


async def test_retries_give_up_with_the_status(serve):
    app, seen = app_with({"/": flaky([503, 503, 503, 503], "0")})
    base = await serve(app)
    async with Fetcher(FetchSettings(allow_loopback=True, retries=2)) as fetcher:
        with pytest.raises(FetchHTTPError, match="503") as info:
            await fetcher.get(base + "/")
    assert info.value.status == 503 and len(seen) == 3


async def test_a_long_retry_after_is_not_waited_for(serve):
    app, seen = app_with({"/": flaky([429], "3600")})
    base = await serve(app)
    started = time.monotonic()
    async with Fetcher(LOCAL) as fetcher:
        with pytest.raises(FetchHTTPError, match="3600 s"):
            await fetcher.get(base + "/")
    assert time.monotonic() - started < 2 and len(seen) == 1


async def test_not_found_is_not_retried(serve):
    app, seen = app_with({})
    base = await serve(app)
    async with Fetcher(LOCAL) as fetcher:
        with pytest.raises(FetchHTTPError, match="404") as info:
            await fetcher.get(base + "/gone")
    assert info.value.status == 404


async def test_requests_carry_a_clear_user_agent(serve):
    app, seen = app_with({"/": text("<p>hi</p>")})
    base = await serve(app)
    async with Fetcher(LOCAL) as fetcher:
        await fetcher.get(base + "/")
    assert "IsnadBot" in seen[0].headers["User-Agent"]
