"""Fetching: one httpx client, one request at a time, nothing hidden.

- Redirects are followed here, hop by hop, and every hop is recorded (httpx's own
  following would hide them). Googlebot follows up to 10 hops; a URL seen twice is a loop.
- Bodies are read from the raw stream and decompressed here under a size cap: httpx
  decompresses gzip, deflate and brotli with no limit, so a compression bomb would
  otherwise cost gigabytes. Googlebot reads only the first 2 MB of an HTML file; a cut
  body is recorded as ``truncated``.
- Every fetch has a total deadline, not only idle timeouts, so a server that sends one
  byte per second cannot hold a worker.
- Errors are values: a failed fetch is a FetchResult with ``error``, never an exception.
- 429 and 503 (and network errors) are retried a bounded number of times, honouring
  Retry-After up to a cap.

This module owns HTTP. It does not decide what to crawl (engine.py) or what a response
means for robots.txt (robots.py).
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from seoaudit.config import BasicAuth, CrawlSettings
from seoaudit.crawl.footprint import Footprint
from seoaudit.crawl.politeness import Politeness
from seoaudit.crawl.transport import StatelessClient, pooled_transport
from seoaudit.crawl.urls import host_of, origin, resolve
from seoaudit.models import TLS_ERROR, FetchResult, Hop, Source

try:  # brotli is optional; "br" is only advertised when it can be decoded under a cap.
    import brotli

    _BROTLI = hasattr(brotli, "Decompressor")
except ImportError:  # pragma: no cover - depends on the environment
    brotli = None
    _BROTLI = False

ACCEPT_ENCODING = "gzip, deflate, br" if _BROTLI else "gzip, deflate"
RETRY_STATUSES = frozenset({429, 503})
_CHUNK_LIMIT = 256 * 1024  # decoded bytes produced per decompression step


class DecodeError(Exception):
    pass


class _Decoder(Protocol):
    def feed(self, data: bytes, limit: int) -> bytes:
        """Decode ``data``, producing at most ``limit`` bytes."""

    def pending(self) -> bool:
        """Whether more output can come without more input."""


class _Identity:
    def feed(self, data: bytes, limit: int) -> bytes:
        return data

    def pending(self) -> bool:
        return False


class _Zlib:
    """gzip or deflate (zlib-wrapped, or raw as some servers send it), bounded output."""

    def __init__(self, encoding: str) -> None:
        self._raw_fallback = encoding == "deflate"
        wbits = 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._obj = zlib.decompressobj(wbits)
        self._tail = b""  # input held back because the output limit was reached
        self._started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        data = self._tail + data if self._tail else data
        try:
            out = self._obj.decompress(data, limit)
        except zlib.error as exc:
            if self._raw_fallback and not self._started:
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                self._raw_fallback = False
                return self.feed(data, limit)
            raise DecodeError(f"invalid compressed body: {exc}") from exc
        self._started = True
        self._tail = self._obj.unconsumed_tail
        return out

    def pending(self) -> bool:
        return bool(self._tail)


class _Brotli:
    def __init__(self) -> None:
        assert brotli is not None
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes, limit: int) -> bytes:
        try:
            return bytes(self._obj.process(data, output_buffer_limit=limit))
        except brotli.error as exc:
            raise DecodeError(f"invalid brotli data: {exc}") from exc

    def pending(self) -> bool:
        return not self._obj.can_accept_more_data()


def _decoder(encoding: str | None) -> _Decoder:
    enc = (encoding or "identity").strip().lower()
    if enc in ("identity", ""):
        return _Identity()
    if enc in ("gzip", "x-gzip", "deflate"):
        return _Zlib(enc)
    if enc == "br" and _BROTLI:
        return _Brotli()
    raise DecodeError(f"unsupported content-encoding {encoding!r}")


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: delay-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²" is a digit to str.isdigit
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


class Deadline:
    """A time budget for one fetch that only runs while a request is in flight: waiting
    for a politeness slot (other requests to the same host) or between retries does not
    use it up, so a crowd of slow URLs cannot make a fast one time out unasked."""

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        start = time.monotonic()
        try:
            async with asyncio.timeout(max(self.left, 0.001)):
                yield
        finally:
            self.left -= time.monotonic() - start


@dataclass
class Response:
    """One HTTP exchange (no redirects followed)."""

    url: str
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    truncated: bool = False
    wire_bytes: int = 0
    size: int = 0
    ttfb: float | None = None
    download: float | None = None  # first byte to the end of the body
    error: str | None = None
    error_detail: str | None = None
    attempts: int = 1

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


# httpx exception -> short error kind recorded in facts. Order matters: subclasses first.
_ERRORS: list[tuple[type[Exception], str]] = [
    (httpx.ConnectTimeout, "connect-timeout"),
    (httpx.ReadTimeout, "read-timeout"),
    (httpx.WriteTimeout, "write-timeout"),
    (httpx.PoolTimeout, "pool-timeout"),
    (httpx.ConnectError, "connect-error"),
    (httpx.RemoteProtocolError, "protocol-error"),
    (httpx.ReadError, "read-error"),
    (httpx.WriteError, "write-error"),
    (httpx.UnsupportedProtocol, "invalid-url"),
    (httpx.InvalidURL, "invalid-url"),
    (httpx.HTTPError, "http-error"),
]


def _error_kind(exc: Exception) -> str:
    if isinstance(exc, httpx.ConnectError) and _tls_failure(exc):
        # The host answered but its TLS certificate or handshake failed: a configuration
        # problem (rule ONP019), not an outage; retrying cannot change it.
        return TLS_ERROR
    for cls, kind in _ERRORS:
        if isinstance(exc, cls):
            return kind
    return "error"


# TLS errors that are the connection's, not the certificate's: the server closed or reset
# the connection mid-handshake (overload, a connection limit, a firewall): retried as
# connect-error like any dropped connection.
_TLS_CONNECTION_ERRORS = (
    ssl.SSLEOFError,
    ssl.SSLZeroReturnError,
    ssl.SSLSyscallError,
    ssl.SSLWantReadError,
    ssl.SSLWantWriteError,
)


def _tls_failure(exc: BaseException) -> bool:
    """True when ``exc`` was caused by a certificate check or a handshake the server
    refused (httpx wraps the ``ssl`` error): a configuration problem, the same on retry."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:  # a chain of causes, bounded
        if isinstance(current, ssl.SSLError):
            return not isinstance(current, _TLS_CONNECTION_ERRORS)
        current, seen = current.__cause__ or current.__context__, seen + 1
    return False


Sink = Callable[[bytes], bool]  # receives decoded chunks; returns False to stop reading


def _origin_key(url: httpx.URL) -> tuple[str, str, int]:
    port = url.port or {"http": 80, "https": 443}.get(url.scheme, 0)
    return url.scheme, url.host.lower(), port


class OriginAuth(httpx.Auth):
    """HTTP basic auth sent only to the configured origins (the start URLs'), never to a host
    a link or a redirect leads to, as browsers and curl do (RFC 7617 section 2.2: the
    credentials belong to one protection space)."""

    def __init__(self, auth: BasicAuth) -> None:
        pair = f"{auth.user.get_secret_value()}:{auth.password.get_secret_value()}"
        self._header = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        self._origins = {_origin_key(httpx.URL(o)) for o in auth.origins}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if _origin_key(request.url) in self._origins:
            request.headers["Authorization"] = self._header
        yield request


class Fetcher:
    def __init__(
        self,
        settings: CrawlSettings,
        politeness: Politeness | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,  # tests: httpx.MockTransport
        footprint: Footprint | None = None,
    ) -> None:
        self.settings = settings
        self.politeness = politeness or Politeness(settings.concurrency, settings.per_host)
        self.footprint = footprint or Footprint()
        timeout = httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=None,  # waiting for a connection is bounded by the fetch deadline
        )
        limits = httpx.Limits(
            max_connections=settings.concurrency,
            max_keepalive_connections=settings.concurrency,
        )
        self.client = StatelessClient(
            follow_redirects=False,
            timeout=timeout,
            limits=limits,
            trust_env=False,  # no proxies or netrc credentials picked up behind the user's back
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            transport=transport or pooled_transport(limits, settings.ca_bundle),
            event_hooks={"response": [_take_location]},
            auth=OriginAuth(settings.auth) if settings.auth is not None else None,
        )
        self.requests = 0

    async def aclose(self) -> None:
        await self.client.aclose()

    async def get(
        self,
        url: str,
        *,
        max_body: int,
        sink: Sink | None = None,
        deadline: Deadline | None = None,
    ) -> Response:
        """GET one URL without following redirects, retrying 429/503 and network errors.
        Raises TimeoutError when ``deadline`` runs out while the request is in flight."""
        attempt = 0
        while True:
            attempt += 1
            host = host_of(url)
            async with self.politeness.slot(host):
                sent = self.footprint.now()  # counted in the second it was sent
                try:
                    if deadline is None:
                        response = await self._request(url, max_body, sink)
                    else:
                        async with deadline.running():
                            response = await self._request(url, max_body, sink)
                except TimeoutError:
                    self._observe(host, Response(url=url, error="deadline"), sent)
                    raise
                self._observe(host, response, sent)
            response.attempts = attempt
            wait = self._retry_wait(response, attempt)
            if wait is None:
                return response
            await self.politeness.pause(wait)
            if self.politeness.closed:  # stopped meanwhile: this answer is the last
                return response

    def _observe(self, host: str, response: Response, sent: float | None = None) -> None:
        """Every request, whatever its outcome, is counted in the footprint (in the second
        it was ``sent``) and fed back to politeness (which may pause the host or lower its
        concurrency)."""
        self.footprint.record(
            response.status,
            response.error,
            response.ttfb,
            response.wire_bytes,
            self.politeness.inflight,
            origin=origin(response.url),
            agent=self.settings.user_agent,
            started=sent,
        )
        after = retry_after_seconds(response.header("retry-after"))
        self.politeness.observe(host, response.status, response.ttfb, after, response.error)

    def _retry_wait(self, response: Response, attempt: int) -> float | None:
        polite = self.politeness
        if attempt > self.settings.retries or polite.closed or polite.error_budget_spent():
            return None
        if response.status in RETRY_STATUSES:
            after = retry_after_seconds(response.header("retry-after"))
            if after is not None and after > self.settings.max_retry_wait:
                return None  # the server asks for longer than we may wait: record it
        elif response.error not in ("connect-error", "connect-timeout", "read-error"):
            return None
        else:
            after = None
        backoff = 0.5 * 2 ** (attempt - 1)
        return min(after if after is not None else backoff, self.settings.max_retry_wait)

    async def _request(self, url: str, max_body: int, sink: Sink | None) -> Response:
        self.requests += 1
        response = Response(url=url)
        start = time.monotonic()
        try:
            async with self.client.stream("GET", url) as resp:
                response.ttfb = time.monotonic() - start
                response.status = resp.status_code
                response.headers = [
                    (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in resp.headers.raw
                ]
                location = resp.extensions.get(_LOCATION)
                if location is not None:
                    response.headers.append(("location", location))
                if 300 <= resp.status_code < 400 and response.header("location"):
                    return response  # the body of a redirect is ignored by search engines
                await self._read_body(resp, response, max_body, sink)
                response.download = time.monotonic() - start - response.ttfb
        except DecodeError as exc:
            response.error, response.error_detail = "decoding-error", str(exc)
        except httpx.HTTPError as exc:
            response.error = _error_kind(exc)
            response.error_detail = str(exc)[:300] or type(exc).__name__
            if response.status is not None:
                # Headers arrived but the body broke off (reset, truncated, bad chunking):
                # not a usable response. Google treats it like a server error.
                response.error_detail = f"after status {response.status}: {response.error_detail}"
                response.status = None
        return response

    async def _read_body(
        self, resp: httpx.Response, response: Response, max_body: int, sink: Sink | None
    ) -> None:
        decoder = _decoder(resp.headers.get("content-encoding"))
        parts: list[bytes] = []
        size = 0
        async for chunk in resp.aiter_raw():
            response.wire_bytes += len(chunk)
            data = chunk
            while data or decoder.pending():
                room = max_body + 1 - size  # one byte past the cap tells us it was cut
                out = decoder.feed(data, min(room, _CHUNK_LIMIT))
                data = b""
                if not out:
                    break
                size += len(out)
                if sink is not None:
                    keep = out[: max(0, max_body - (size - len(out)))]
                    if not sink(keep):
                        response.truncated = True
                else:
                    parts.append(out)
                if size > max_body:
                    response.truncated = True
                if response.truncated:
                    break
            if response.truncated:
                break
        body = b"".join(parts)
        if len(body) > max_body:
            body = body[:max_body]
        response.body = body
        response.size = size
        length = resp.headers.get("content-length")
        if (
            response.truncated
            and isinstance(decoder, _Identity)
            and length
            and length.isascii()
            and length.isdigit()
        ):
            response.size = int(length)

    async def fetch(
        self,
        url: str,
        *,
        depth: int = 0,
        source: Source = "link",
        max_redirects: int | None = None,
        max_body: int | None = None,
        may_follow: Callable[[str], Awaitable[str | None]] | None = None,
        sink: Sink | None = None,
    ) -> FetchResult:
        """Fetch ``url`` following redirects hop by hop within a total deadline.

        ``may_follow(target)`` returns None to follow a redirect target, or the reason
        not to (out of scope, blocked, already crawled): the chain then stops there and
        ``redirect_stop`` says why.
        """
        limit = self.settings.max_redirects if max_redirects is None else max_redirects
        body_cap = self.settings.max_body if max_body is None else max_body
        result = FetchResult(url=url, final_url=url, depth=depth, source=source)
        start = time.monotonic()
        try:
            await self._follow(result, limit, body_cap, may_follow, sink)
        except TimeoutError:
            result.status = None
            result.error = "deadline"
            result.error_detail = f"no complete response within {self.settings.deadline:g}s"
        result.total = time.monotonic() - start
        return result

    async def _follow(
        self,
        result: FetchResult,
        limit: int,
        body_cap: int,
        may_follow: Callable[[str], Awaitable[str | None]] | None,
        sink: Sink | None,
    ) -> None:
        current = result.url
        seen = {current}
        while True:
            result.final_url = current  # before the request: a failure belongs to this URL
            # Each request (redirect hop) has its own total deadline: a worker is held for
            # at most (max_redirects + 1) deadlines, and a long chain of fast hops is fine.
            deadline = Deadline(self.settings.deadline)
            response = await self.get(current, max_body=body_cap, sink=sink, deadline=deadline)
            result.attempts += response.attempts - 1
            location = response.header("location")
            status = response.status
            if status is not None and 300 <= status < 400 and location:
                target = resolve(current, location)
                result.hops.append(Hop(url=current, status=status, location=target))
                if target is None:
                    result.status, result.error = status, "bad-redirect-location"
                    result.error_detail = f"Location {location[:200]!r} is not a usable URL"
                    result.headers = response.headers
                    return
                if target in seen:
                    result.error, result.error_detail = "redirect-loop", f"back to {target}"
                    return
                if len(result.hops) > limit:
                    result.error = "too-many-redirects"
                    result.error_detail = f"more than {limit} redirects"
                    return
                reason = await may_follow(target) if may_follow else None
                if reason is not None:
                    result.final_url = target
                    result.redirect_stop = reason
                    return
                seen.add(target)
                current = target
                continue
            _copy_response(result, response)
            return


_LOCATION = "seoaudit.location"


async def _take_location(response: httpx.Response) -> None:
    """Move Location out of httpx's sight. With follow_redirects=False httpx still builds
    the next request from it, and raises on a Location it cannot parse before we see the
    response. We resolve Location ourselves (``resolve``), hop by hop.

    Location is decoded on its own, UTF-8 first as browsers read it: httpx decodes all
    headers with one encoding, so one Latin-1 byte in another header turned /café into
    /cafÃ©."""
    raw = next((v for k, v in response.headers.raw if k.lower() == b"location"), None)
    if raw is not None:
        try:
            location = raw.decode("utf-8")
        except UnicodeDecodeError:
            location = raw.decode("latin-1")
        response.extensions[_LOCATION] = location
        del response.headers["location"]


def _copy_response(result: FetchResult, response: Response) -> None:
    result.status = response.status
    result.error = response.error
    result.error_detail = response.error_detail
    result.headers = response.headers
    result.body = response.body
    result.truncated = response.truncated
    result.wire_bytes = response.wire_bytes
    result.size = response.size
    result.ttfb = response.ttfb
    result.download = response.download
    result.content_encoding = response.header("content-encoding")
