"""The fetcher, driven in-process with httpx.MockTransport: redirects recorded hop by hop,
bounded decompression, deadlines, retries."""

from __future__ import annotations

import asyncio
import gzip
import ssl
import zlib
from collections.abc import Callable

import brotli
import httpx
import pytest

from seoaudit.config import CrawlSettings
from seoaudit.crawl.fetch import Fetcher, retry_after_seconds
from seoaudit.models import FetchResult

Handler = Callable[[httpx.Request], httpx.Response]


class RawStream(httpx.AsyncByteStream):
    """A body that arrives as a stream, in chunks, like one from a real server (an
    in-memory httpx body would be read and decompressed by httpx itself)."""

    def __init__(self, data: bytes, chunk: int = 65536) -> None:
        self.data, self.chunk = data, chunk

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        for i in range(0, len(self.data), self.chunk):
            yield self.data[i : i + self.chunk]


def respond(
    status: int, body: bytes = b"", headers: list[tuple[str, str]] | dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status, headers=headers, stream=RawStream(body))


def fetch(handler: Handler, url: str = "http://site.test/", **kwargs: object) -> FetchResult:
    settings = CrawlSettings(**{"max_retry_wait": 1.0, **kwargs})  # type: ignore[arg-type]

    async def go() -> FetchResult:
        fetcher = Fetcher(settings, transport=httpx.MockTransport(handler))
        try:
            return await fetcher.fetch(url)
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def redirects(mapping: dict[str, tuple[int, str]]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path in mapping:
            status, location = mapping[path]
            return respond(status, headers={"Location": location})
        return respond(200, f"<title>{path}</title>".encode(), {"Content-Type": "text/html"})

    return handler


def test_every_redirect_hop_is_recorded() -> None:
    result = fetch(redirects({"/": (301, "/b"), "/b": (302, "http://site.test/c")}))
    assert [(h.url, h.status, h.location) for h in result.hops] == [
        ("http://site.test/", 301, "http://site.test/b"),
        ("http://site.test/b", 302, "http://site.test/c"),
    ]
    assert result.final_url == "http://site.test/c"
    assert result.status == 200
    assert b"<title>/c</title>" in result.body


def test_redirect_loop_is_detected() -> None:
    result = fetch(redirects({"/": (301, "/a"), "/a": (301, "/")}))
    assert result.error == "redirect-loop"
    assert len(result.hops) == 2


def test_more_than_ten_hops_stops() -> None:
    chain = {f"/{i}" if i else "/": (301, f"/{i + 1}") for i in range(20)}
    result = fetch(redirects(chain))
    assert result.error == "too-many-redirects"
    assert len(result.hops) == 11


def test_location_is_read_as_utf8_whatever_the_other_headers_hold() -> None:
    # httpx decodes every header with one encoding: a Latin-1 byte in another header
    # made the UTF-8 Location /caf%C3%83%C2%A9 (a redirect to a 404)
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            headers = [(b"Location", "/café".encode()), (b"X-Note", "déjà".encode("latin-1"))]
            return httpx.Response(301, headers=headers, stream=RawStream(b""))
        return respond(200, b"<title>x</title>", {"Content-Type": "text/html"})

    result = fetch(handler)
    assert result.hops[0].location == "http://site.test/caf%C3%A9"
    assert result.final_url == "http://site.test/caf%C3%A9" and result.status == 200


def test_redirect_without_usable_location() -> None:
    result = fetch(lambda r: respond(302, headers={"Location": "javascript:alert(1)"}))
    assert result.error == "bad-redirect-location"
    assert result.status == 302


def test_may_follow_stops_the_chain_with_a_reason() -> None:
    async def go() -> FetchResult:
        fetcher = Fetcher(
            CrawlSettings(),
            transport=httpx.MockTransport(redirects({"/": (301, "http://other.test/")})),
        )

        async def may_follow(target: str) -> str | None:
            return "out-of-scope" if "other.test" in target else None

        try:
            return await fetcher.fetch("http://site.test/", may_follow=may_follow)
        finally:
            await fetcher.aclose()

    result = asyncio.run(go())
    assert result.redirect_stop == "out-of-scope"
    assert result.final_url == "http://other.test/"
    assert result.status is None and result.error is None


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_compression_bomb_is_cut_at_the_cap(encoding: str) -> None:
    payload = b"\0" * (64 * 1024 * 1024)
    compressed = {
        "gzip": gzip.compress(payload, 9),
        "deflate": zlib.compress(payload, 9),
        "br": brotli.compress(payload, quality=5),
    }[encoding]
    assert len(compressed) < 1_000_000
    result = fetch(lambda r: respond(200, compressed, {"Content-Encoding": encoding}))
    assert result.truncated
    assert len(result.body) == 2 * 1024 * 1024
    assert result.size <= 2 * 1024 * 1024 + 256 * 1024
    assert result.error is None


def test_raw_deflate_is_accepted() -> None:
    obj = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw = obj.compress(b"<p>hello</p>") + obj.flush()
    result = fetch(lambda r: respond(200, raw, {"Content-Encoding": "deflate"}))
    assert result.body == b"<p>hello</p>"


def test_corrupt_gzip_is_an_error_value() -> None:
    result = fetch(lambda r: respond(200, b"not gzip", {"Content-Encoding": "gzip"}))
    assert result.error == "decoding-error"


def test_plain_body_over_the_cap_is_truncated() -> None:
    result = fetch(lambda r: respond(200, b"x" * 5000, {"Content-Length": "5000"}), max_body=1024)
    assert result.truncated and len(result.body) == 1024 and result.size == 5000


def test_retry_after_is_honoured_then_success() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return respond(503, headers={"Retry-After": "0"})
        return respond(200, b"ok")

    result = fetch(handler)
    assert result.status == 200 and result.attempts == 2 and len(calls) == 2


def test_retry_after_longer_than_allowed_is_not_waited_for() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return respond(429, headers={"Retry-After": "3600"})

    result = fetch(handler)
    assert result.status == 429 and len(calls) == 1


def test_retries_are_bounded() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return respond(503, headers={"Retry-After": "0"})

    result = fetch(handler, retries=2)
    assert result.status == 503 and len(calls) == 3


def test_network_error_is_a_value() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    result = fetch(handler, retries=0)
    assert result.error == "connect-error" and result.status is None


def test_a_rejected_certificate_is_a_tls_error_and_not_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        cause = ssl.SSLCertVerificationError(1, "certificate verify failed: expired")
        raise httpx.ConnectError(str(cause), request=request) from cause

    result = fetch(handler, retries=2)
    assert (result.status, result.error, len(calls)) == (None, "tls-error", 1)
    assert "expired" in (result.error_detail or "")


def test_a_connection_dropped_mid_handshake_is_a_retried_connect_error() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        cause = ssl.SSLEOFError(8, "EOF occurred in violation of protocol")
        raise httpx.ConnectError("", request=request) from cause

    assert fetch(handler, retries=1).error == "connect-error" and len(calls) == 2


def test_a_refused_connection_is_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ConnectError("refused", request=request)

    assert fetch(handler, retries=1).error == "connect-error" and len(calls) == 2


def test_total_deadline_bounds_a_slow_server() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200)

    async def go() -> FetchResult:
        fetcher = Fetcher(CrawlSettings(deadline=0.3), transport=httpx.MockTransport(slow))
        try:
            return await fetcher.fetch("http://site.test/")
        finally:
            await fetcher.aclose()

    result = asyncio.run(go())
    assert result.error == "deadline"
    assert result.total is not None and result.total < 2


def test_headers_keep_repeats_and_are_lower_cased() -> None:
    headers = [("X-Robots-Tag", "noindex"), ("X-Robots-Tag", "googlebot: nofollow")]
    result = fetch(lambda r: respond(200, b"x", headers))
    assert result.header_values("x-robots-tag") == ["noindex", "googlebot: nofollow"]


def test_user_agent_names_seoaudit() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["user-agent"])
        return respond(200)

    fetch(handler)
    assert "seoaudit/" in seen[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("", None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("\xb2", None),  # a latin-1 byte read as "²": a digit to str.isdigit, no number
    ],
)
def test_retry_after_parsing(value: str, expected: float | None) -> None:
    assert retry_after_seconds(value, now=1445412480.0 + 1) == expected


def test_a_body_that_breaks_off_is_no_usable_response() -> None:
    class Broken(httpx.AsyncByteStream):
        async def __aiter__(self):  # type: ignore[no-untyped-def]
            yield b"<p>start"
            raise httpx.RemoteProtocolError("peer closed connection without sending complete body")

    result = fetch(lambda r: httpx.Response(200, stream=Broken()), retries=0)
    assert result.status is None and result.error == "protocol-error"
    assert result.error_detail is not None and result.error_detail.startswith("after status 200")
