"""The crawler's HTTP client against real servers on 127.0.0.1: stateless (no cookie comes
back), and a pooled connection the server has closed is noticed by our readability check
and not reused."""

from __future__ import annotations

import asyncio
import ssl

import pytest
import trustme

import seoaudit.crawl.transport as transport
from seoaudit.config import CrawlSettings
from seoaudit.crawl.fetch import Fetcher
from seoaudit.devserver import Request, Response, SiteServer


async def _cookie_site(request: Request) -> Response:
    if request.path == "/login":
        return Response(200, [("Set-Cookie", "session=abc; Path=/")], b"welcome")
    return Response(200, body=f"cookie={request.header('cookie')}".encode())


def test_a_cookie_set_by_the_site_is_never_sent_back() -> None:
    async def crawl(base: str) -> list[bytes]:
        fetcher = Fetcher(CrawlSettings(retries=0))
        try:
            first = await fetcher.fetch(base + "/login")
            second = await fetcher.fetch(base + "/page")
        finally:
            await fetcher.aclose()
        assert first.status == second.status == 200
        return [first.body, second.body]

    with SiteServer(handler=_cookie_site) as server:
        bodies = asyncio.run(crawl(server.base_url))
    assert bodies == [b"welcome", b"cookie=None"]


def test_the_client_refuses_to_be_given_cookies() -> None:
    async def build() -> None:
        fetcher = Fetcher(CrawlSettings())
        try:
            with pytest.raises(TypeError, match="stateless"):
                fetcher.client.cookies = {"a": "b"}
        finally:
            await fetcher.aclose()

    asyncio.run(build())


def test_a_connection_the_server_closed_while_idle_is_not_reused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server answers each connection's first request as keep-alive and then hangs up.
    The next request must notice (through ``_readable``, which is counted here) and open a
    new connection instead of failing on the dead one."""
    checks: list[bool] = []
    real = transport._readable

    def counted(sock: object) -> bool:
        checks.append(real(sock))  # type: ignore[arg-type]
        return checks[-1]

    monkeypatch.setattr(transport, "_readable", counted)
    connections = 0

    async def one_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    async def go() -> list[int | None]:
        server = await asyncio.start_server(one_answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        fetcher = Fetcher(CrawlSettings(retries=0))
        statuses = []
        try:
            for _ in range(3):
                result = await fetcher.fetch(f"http://127.0.0.1:{port}/")
                assert result.error is None, result.error_detail
                statuses.append(result.status)
                await asyncio.sleep(0.05)  # the server's FIN arrives
        finally:
            await fetcher.aclose()
            server.close()
            await server.wait_closed()
        return statuses

    assert asyncio.run(go()) == [200, 200, 200]
    assert connections == 3
    assert True in checks  # the pool asked our stream, and the closed socket said so


def _tls_server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


async def _keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


def _fetch_https(
    ca: trustme.CA, times: int
) -> tuple[list[tuple[int | None, str | None, str]], int]:
    """Fetch ``https://127.0.0.1:port/`` (a certificate from ``ca``) ``times`` times over
    keep-alive; the results and the number of TLS connections the server accepted."""
    accepted = 0

    async def counted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        accepted += 1
        await _keep_alive(reader, writer)

    async def go() -> list[tuple[int | None, str | None, str]]:
        server = await asyncio.start_server(counted, "127.0.0.1", 0, ssl=_tls_server_context(ca))
        url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
        fetcher = Fetcher(CrawlSettings(retries=0))
        try:
            results = [await fetcher.fetch(url) for _ in range(times)]
        finally:
            await fetcher.aclose()
            server.close()
            await server.wait_closed()
        return [(r.status, r.error, r.error_detail or r.body.decode()) for r in results]

    return asyncio.run(go()), accepted


def test_https_through_the_pooled_transport_reuses_one_verified_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ca = trustme.CA()
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    monkeypatch.setattr(transport.httpx, "create_ssl_context", lambda **_: trusting)
    results, accepted = _fetch_https(ca, 3)
    assert results == [(200, None, "secret")] * 3
    assert accepted == 1


def test_https_with_an_untrusted_certificate_is_a_tls_error_not_a_crash() -> None:
    results, _ = _fetch_https(trustme.CA(), 1)
    [(status, error, detail)] = results
    assert (status, error) == (None, "tls-error")
    assert "CERTIFICATE_VERIFY_FAILED" in detail
