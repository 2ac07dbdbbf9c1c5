"""The HTTP client the crawler uses: httpx over httpcore, made stateless and cheaper per request.

Two differences from a stock ``httpx.AsyncClient``:

- **No cookie jar.** Googlebot crawls statelessly: "local storage and session storage data
  as well as HTTP cookies are cleared across page loads" (Google Search Central, JavaScript
  SEO basics). A crawler that keeps a site's ``Set-Cookie`` and sends it back sees pages a
  first-time visitor (and Google) never sees, and httpx's jar costs a urllib request object
  and a cookie-policy pass on every response.
- **A cheaper readability check.** httpcore's pool asks every pooled connection "has the
  server closed you?" (``is_readable``) on every request it assigns; its anyio stream
  answers by rebuilding anyio's table of socket attributes each time, which was a third of
  httpx's CPU in a crawl. ``_Stream`` looks the socket up once and polls it.

Everything else (HTTP/1.1 parsing by h11, connection pooling, TLS, timeouts and their
exceptions) is httpcore's and httpx's own.
"""

from __future__ import annotations

import select
import socket
import ssl
from pathlib import Path
from typing import Any

import httpcore
import httpx


def _readable(sock: socket.socket | None) -> bool:
    """Whether a read on ``sock`` would return at once (data, or the EOF of a closed
    connection), without reading. A socket that is gone counts as readable, as in httpcore."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    return bool(poll.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """httpcore's anyio stream with the raw socket looked up once."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AnyIOBackend):
    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return _Stream(await super().connect_tcp(*args, **kwargs))


class _NoCookies(httpx.Cookies):
    """A jar that stays empty: responses' Set-Cookie are never stored nor sent back."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class StatelessClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` without cookie state (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._cookies = _NoCookies()  # its own: no jar shared between clients

    @property
    def cookies(self) -> httpx.Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        raise TypeError("the crawler is stateless: it keeps no cookies")


def pooled_transport(
    limits: httpx.Limits, ca_bundle: Path | None = None
) -> httpx.AsyncHTTPTransport:
    """httpx's own transport (certificate checks, exception mapping) over an httpcore pool
    that uses ``_Backend``. httpx has no public way to pass a network backend, so the pool
    it built is replaced; ``tests/test_transport.py`` fails if that ever stops working.
    ``ca_bundle``: CA certificates trusted besides the public ones (certifi's)."""
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    context = httpx.create_ssl_context(trust_env=False)
    if ca_bundle is not None:
        context.load_verify_locations(cafile=str(ca_bundle))
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=_Backend(),
    )
    return transport
