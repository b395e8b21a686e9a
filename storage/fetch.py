"""Fetching web pages safely: one place that talks to the network.

Everything the archive downloads (articles, PDFs, oEmbed answers, t.co hops)
goes through `Fetcher`, which:

- accepts only http and https URLs;
- resolves the host itself and refuses loopback, private, link-local,
  multicast, reserved and cloud-metadata addresses (IPv4, IPv6 and
  IPv4-mapped IPv6 alike) before any connection is made;
- follows redirects itself, so every hop is checked the same way;
- connects to the very address it checked (the request goes to the IP, with
  the original Host header and TLS SNI), so a second DNS answer cannot
  swap in an internal address ("DNS rebinding");
- enforces timeouts, a redirect limit and a download size limit while
  streaming, and retries 429/5xx answers with backoff, honouring Retry-After.

Every refusal raises a `FetchError` subclass whose message can be shown to a
user as is.
"""
from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import json
import socket
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from storage.errors import ArchiveError

if TYPE_CHECKING:  # pragma: no cover
    from storage.records import Source

DEFAULT_USER_AGENT = (
    "IsnadBot/0.1 (claim-verification archive for journalists; "
    "fetches single pages on a user's request)"
)
DEFAULT_OEMBED_URL = "https://publish.twitter.com/oembed"

_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_RETRY_STATUSES = {429, 500, 502, 503, 504}
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchSettings:
    """How the fetcher behaves; built from config.toml's [fetch] section.

    `allow_loopback` exists for tests only (they serve pages on 127.0.0.1);
    leave it off in any real deployment.
    """

    connect_timeout: float = 10.0  # seconds to open a connection
    read_timeout: float = 20.0  # seconds of silence tolerated while reading
    total_timeout: float = 60.0  # seconds for a whole fetch, retries included
    max_bytes: int = 10_000_000  # largest body downloaded (checked while streaming)
    max_redirects: int = 5
    retries: int = 2  # extra attempts after a 429/5xx answer or a failed connect
    backoff: float = 1.0  # first retry delay in seconds, doubled each time
    max_retry_after: float = 30.0  # longest Retry-After honoured before giving up
    user_agent: str = DEFAULT_USER_AGENT
    allow_loopback: bool = False  # TESTS ONLY: lets 127.0.0.1 / ::1 through
    oembed_url: str = DEFAULT_OEMBED_URL


# --- errors -----------------------------------------------------------------


class FetchError(ArchiveError):
    """A URL could not be fetched; the message says why, for the user."""


class BlockedURLError(FetchError):
    """The URL or the address it resolves to is not allowed (SSRF protection)."""


class FetchTimeoutError(FetchError):
    """The server was too slow."""


class FetchTooLargeError(FetchError):
    """The response is larger than the configured limit."""


class TooManyRedirectsError(FetchError):
    """The redirect chain is longer than the configured limit."""


class FetchNetworkError(FetchError):
    """DNS or connection failure."""


class FetchHTTPError(FetchError):
    """The server answered with an error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class UnsupportedContentError(FetchError):
    """The page is neither HTML nor PDF."""


# --- address policy ---------------------------------------------------------

# Named so the refusal message can say what the address is.
_METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("192.0.0.192"),  # Oracle Cloud
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in an IPv6 one (mapped, NAT64, 6to4), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return None


def address_refusal(address: str | IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why this address must not be contacted, or None if it is a public one."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    inner = _embedded_ipv4(ip)
    if inner is not None:
        reason = address_refusal(inner, allow_loopback=allow_loopback)
        return f"{reason} (written as {ip})" if reason else None
    if ip.is_loopback:
        return None if allow_loopback else f"{ip} is a loopback (this machine) address"
    if ip in _METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata address"
    if ip.is_unspecified:
        return f"{ip} is the unspecified address"
    if ip.is_multicast:
        return f"{ip} is a multicast address"
    if ip.is_link_local:
        return f"{ip} is a link-local address"
    if ip.is_private:
        return f"{ip} is a private network address"
    if ip.is_reserved or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return f"{ip} is a reserved address"
    if not ip.is_global:
        return f"{ip} is not a public internet address"
    return None


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (ip) and what to call the host."""

    url: httpx.URL
    ip: str

    @property
    def request_url(self) -> httpx.URL:
        return self.url.copy_with(host=self.ip)

    @property
    def host_header(self) -> str:
        return self.url.netloc.decode("ascii")


def check_url_syntax(url: str | httpx.URL) -> httpx.URL:
    """Refuse what is not an http(s) URL with a host, before any DNS look-up."""
    try:
        parsed = httpx.URL(str(url).strip())
    except httpx.InvalidURL as exc:
        raise BlockedURLError(f"not a valid URL: {url!s} ({exc})") from None
    if parsed.scheme not in ("http", "https"):
        shown = parsed.scheme or "no scheme"
        raise BlockedURLError(f"only http and https links can be fetched, not {shown}: {url!s}")
    if not parsed.host:
        raise BlockedURLError(f"the link has no host name: {url!s}")
    if parsed.userinfo:
        raise BlockedURLError(f"links with a user name or password are not fetched: {parsed.host}")
    return parsed


Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# --- results ----------------------------------------------------------------


@dataclass(frozen=True)
class FetchResult:
    url: str  # as asked for
    final_url: str  # after redirects
    status: int
    content_type: str  # media type only, lower case ("text/html")
    charset: str | None  # from the Content-Type header, if given
    body: bytes
    redirects: tuple[str, ...] = field(default=())


def _media_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    parts = [p.strip() for p in header.split(";")]
    charset = None
    for part in parts[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'").lower()
    return parts[0].lower(), charset


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# --- the fetcher ------------------------------------------------------------


class Fetcher:
    """One shared httpx.AsyncClient with the safety rules above.

    Use as `async with Fetcher(settings) as fetcher:`; create one per
    process (the bot) or per command (the CLI).

    `resolver` replaces DNS (tests map made-up names to 127.0.0.1 with it);
    whatever it returns is still checked against the address policy.
    `transport` is passed to httpx (tests wrap the real transport to record
    every request that was actually sent).
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._resolve = resolver or system_resolver
        s = self.settings
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            follow_redirects=False,  # we follow them ourselves, checking each hop
            # No keep-alive: connections are keyed by IP, and reusing one made
            # with another host's TLS name would skip certificate checks.
            limits=httpx.Limits(max_keepalive_connections=0),
            # Only the encodings _Decoder reads, so a server has no reason to send others.
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport,
            trust_env=False,  # a proxy from the environment would bypass the checks
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- checks

    async def check(self, url: str | httpx.URL) -> Target:
        """Check a URL and resolve it to an allowed address, or raise BlockedURLError."""
        parsed = check_url_syntax(url)
        host = parsed.raw_host.decode("ascii")  # IDNA-encoded, what DNS and TLS see
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                found = await self._resolve(host, port)
            except (OSError, UnicodeError) as exc:
                raise FetchNetworkError(f"could not find the host {host} ({exc})") from None
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in found]
            if not addresses:
                raise FetchNetworkError(f"could not find the host {host}") from None
        for ip in addresses:
            reason = address_refusal(ip, allow_loopback=self.settings.allow_loopback)
            if reason:
                raise BlockedURLError(f"refused to fetch {host}: {reason}")
        return Target(parsed, str(addresses[0]))

    # -- requests

    async def get(self, url: str, *, accept: str | None = None) -> FetchResult:
        """GET a URL and read its body (up to max_bytes). Raises FetchError."""
        try:
            async with asyncio.timeout(self.settings.total_timeout):
                return await self._get(url, accept)
        except TimeoutError:
            raise FetchTimeoutError(
                f"gave up on {_short(url)} after {self.settings.total_timeout:g} s"
            ) from None

    async def resolve(self, url: str, *, stop: Callable[[str], bool] | None = None) -> str:
        """Follow redirects (each hop checked) without downloading the page; the
        final URL. `stop(url)` ends the walk early at a URL it accepts (say, a
        tweet's status link, which need not be requested)."""
        try:
            async with asyncio.timeout(self.settings.total_timeout):
                final, response, _ = await self._follow(url, None, stop)
                if response is not None:
                    await response.aclose()
                return final
        except TimeoutError:
            raise FetchTimeoutError(f"gave up on {_short(url)}") from None

    async def _get(self, url: str, accept: str | None) -> FetchResult:
        final, response, hops = await self._follow(url, accept)
        assert response is not None  # no stop condition: the walk ends with a response
        try:
            if response.status_code >= 400:
                raise FetchHTTPError(
                    f"{_short(final)} answered {response.status_code} {response.reason_phrase}",
                    response.status_code,
                )
            body = await self._read_limited(response, final)
        finally:
            await response.aclose()
        media, charset = _media_type(response.headers.get("content-type"))
        return FetchResult(url, final, response.status_code, media, charset, body, tuple(hops))

    async def _follow(
        self, url: str, accept: str | None, stop: Callable[[str], bool] | None = None
    ) -> tuple[str, httpx.Response | None, list[str]]:
        current = str(url)
        hops: list[str] = []
        for _ in range(self.settings.max_redirects + 1):
            if hops and stop is not None and stop(current):
                return current, None, hops
            target = await self.check(current)
            response = await self._send(target, accept)
            location = response.headers.get("location")
            if response.status_code not in _REDIRECT_STATUSES or not location:
                return str(target.url), response, hops
            await response.aclose()
            current = str(target.url.join(location))
            hops.append(current)
        raise TooManyRedirectsError(
            f"{_short(url)} redirects more than {self.settings.max_redirects} times"
        )

    async def _send(self, target: Target, accept: str | None) -> httpx.Response:
        s = self.settings
        headers = {"Host": target.host_header}
        if accept:
            headers["Accept"] = accept
        extensions = {"sni_hostname": target.url.raw_host.decode("ascii")} if target.url.scheme == "https" else {}
        name = _short(str(target.url))
        for attempt in range(s.retries + 1):
            request = self._client.build_request(
                "GET", target.request_url, headers=headers, extensions=extensions
            )
            try:
                response = await self._client.send(request, stream=True)
            except httpx.TimeoutException:
                raise FetchTimeoutError(f"{name} did not answer in time") from None
            except httpx.ConnectError as exc:
                if attempt < s.retries:
                    await asyncio.sleep(s.backoff * 2**attempt)
                    continue
                raise FetchNetworkError(f"could not connect to {name} ({exc})") from None
            except httpx.TransportError as exc:
                raise FetchNetworkError(f"network error with {name} ({exc})") from None
            if response.status_code not in _RETRY_STATUSES or attempt >= s.retries:
                return response
            delay = _retry_after(response.headers.get("retry-after"))
            await response.aclose()
            if delay is None:
                delay = s.backoff * 2**attempt
            if delay > s.max_retry_after:
                raise FetchHTTPError(
                    f"{name} is busy ({response.status_code}) and asks to come back "
                    f"in {delay:.0f} s; try again later",
                    response.status_code,
                )
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _read_limited(self, response: httpx.Response, url: str) -> bytes:
        """The body, decoded from at most one content encoding, with the
        decoded size counted against max_bytes as it streams: the decoder
        never produces more than the bytes still allowed, so a compression
        bomb costs at most the limit in memory, not what it expands to."""
        limit = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchTooLargeError(
                f"{_short(url)} is {int(declared):,} bytes, over the {limit:,}-byte limit"
            )
        decoder = _Decoder.for_header(response.headers.get("content-encoding", ""), _short(url))
        chunks: list[bytes] = []
        size = 0
        try:
            async for raw in response.aiter_raw(_CHUNK):
                for chunk in decoder.feed(raw, limit - size + 1):
                    size += len(chunk)
                    if size > limit:
                        raise FetchTooLargeError(
                            f"{_short(url)} is larger than the {limit:,}-byte limit; stopped downloading"
                        )
                    chunks.append(chunk)
        except httpx.TimeoutException:
            raise FetchTimeoutError(f"{_short(url)} stopped sending data") from None
        except httpx.TransportError as exc:
            raise FetchNetworkError(f"download of {_short(url)} failed ({exc})") from None
        return b"".join(chunks)

    async def get_json(self, url: str, params: dict[str, str]) -> object:
        """GET a JSON document (oEmbed). Raises FetchError, also on bad JSON."""
        full = httpx.URL(url).copy_merge_params(params)
        result = await self.get(str(full), accept="application/json")
        try:
            return json.loads(result.body)
        except ValueError:
            raise FetchError(f"{_short(url)} did not answer with JSON") from None


class _Decoder:
    """One content-encoding layer (gzip, deflate or none), decoded in bounded steps.

    httpx decodes every listed layer in turn and each step all at once: a
    1.8 KB body sent as `gzip, gzip` grows to gigabytes before any size check
    sees it (docs/reliability.md). Here a second layer, or one we do not know,
    is refused, and `feed` hands out at most `room` bytes per decompress call.
    """

    KNOWN = ("gzip", "x-gzip", "deflate")

    def __init__(self, encoding: str, name: str) -> None:
        self.encoding = encoding
        self.name = name
        self._zlib: Any = None
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)

    @classmethod
    def for_header(cls, header: str, name: str) -> _Decoder:
        layers = [e.strip().lower() for e in header.split(",") if e.strip() and e.strip().lower() != "identity"]
        if len(layers) > 1:
            raise UnsupportedContentError(
                f"{name} is sent with {len(layers)} stacked content encodings ({', '.join(layers)}); "
                "Isnad reads one at most"
            )
        if layers and layers[0] not in cls.KNOWN:
            raise UnsupportedContentError(f"{name} is sent with the unknown content encoding {layers[0]!r}")
        return cls(layers[0] if layers else "", name)

    def feed(self, data: bytes, room: int) -> Iterator[bytes]:
        """Decoded bytes of `data`, in pieces of at most max(room, 1) bytes."""
        if not self.encoding:
            if data:
                yield data
            return
        if self._zlib is None:  # deflate: a zlib stream (RFC 9110), or raw deflate as some servers send
            wbits = zlib.MAX_WBITS if len(data) >= 2 and (data[0] & 0x0F) == 8 and (
                (data[0] << 8) | data[1]) % 31 == 0 else -zlib.MAX_WBITS
            self._zlib = zlib.decompressobj(wbits)
        pending = data
        while pending and not self._zlib.eof:
            try:
                out = self._zlib.decompress(pending, max(room, 1))
            except zlib.error as exc:
                raise FetchError(f"{self.name} sent a damaged {self.encoding} body ({exc})") from None
            pending = self._zlib.unconsumed_tail
            if out:
                room -= len(out)
                yield out
            elif not pending:
                break


def _short(url: str, limit: int = 80) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"


# --- URL ingest ---------------------------------------------------------------


def kind_of(result: FetchResult) -> str:
    """'html' or 'pdf', from the content type, then from the first bytes."""
    media = result.content_type
    if media == "application/pdf" or result.body[:5] == b"%PDF-":
        return "pdf"
    if media in ("text/html", "application/xhtml+xml"):
        return "html"
    head = result.body[:1024].lstrip().lower()
    if not media or media in ("text/plain", "application/octet-stream"):
        if head.startswith((b"<!doctype html", b"<html")) or b"<head" in head:
            return "html"
    raise UnsupportedContentError(
        f"{_short(result.final_url)} is {media or 'of unknown type'}, not an HTML page or a PDF"
    )


async def fetch_source(
    url: str, settings: FetchSettings | None = None, *, fetcher: Fetcher | None = None
) -> Source:
    """Download a URL and parse it as an article (HTML) or a PDF.

    The Source has id "" (ingest assigns it) and url set to the page's
    canonical URL when it declares one, else the final URL after redirects.
    """
    from storage.importers.html import parse_html
    from storage.importers.pdf import parse_pdf

    own = fetcher is None
    active = fetcher or Fetcher(settings)
    try:
        result = await active.get(url, accept="text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5")
    finally:
        if own:
            await active.aclose()
    if kind_of(result) == "pdf":
        return parse_pdf(result.body, url=result.final_url)
    return parse_html(result.body, url=result.final_url, charset=result.charset)
