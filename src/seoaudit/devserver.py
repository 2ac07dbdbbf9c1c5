"""A small, fast HTTP/1.1 server for fixture sites, the demo and the benchmark.

It owns: reading HTTP/1.1 requests (keep-alive, HEAD, bounded request line, headers and
bodies), writing responses (Content-Length or chunked), serving a *fixture site directory*
(files by path with an ETag and 304 for ``If-None-Match``, ``_404.html``, overrides from
``_site.toml``) and running all of that in a
background thread (:class:`SiteServer`) or in the foreground (:func:`serve_forever`).

It must not: talk to anything but its own clients, serve a file outside its root or any
file or folder whose name starts with ``_``, or let one bad client disturb another. Every
error in a connection ends that connection only. It knows nothing about SEO.

Hostile behaviours are expressed with :class:`Response`, not with server changes: a slow
drip is a ``stream`` that sleeps between chunks, an endless body is a ``stream`` that never
ends, a truncated body is a ``stream`` with a ``Content-Length`` header larger than what it
yields, an abrupt reset is ``reset_after`` or :class:`ResetConnection` raised at any point.

``_site.toml`` (read with tomllib when the server is created)::

    [[route]]
    path = "/old-page"            # exact path; with "?..." it matches that query only
    status = 301
    headers = { Location = "/new-page", Link = ["<a>; rel=x", "<b>; rel=y"] }
    body = "inline text"          # or file = "_bodies/x.html" (relative to the root)
    content_type = "text/html; charset=utf-8"
    delay = 0.2                   # seconds before the response starts
    gzip = true                   # send the body with Content-Encoding: gzip
    gzip_entity = true            # the body itself is gzip data (a .gz file), no encoding

Without ``body`` or ``file`` a route serves the file at its path when there is one, a
small HTML page for status >= 400, and an empty body otherwise. ``{{origin}}`` in text
bodies and route header values becomes ``http://host:port`` of the request, because
sitemaps, hreflang and robots.txt Sitemap lines need absolute URLs and the port is only
known at run time.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import gzip
import hashlib
import http
import logging
import re
import socket
import ssl
import struct
import threading
import time
import tomllib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Self
from urllib.parse import unquote

log = logging.getLogger(__name__)

MAX_REQUEST_LINE = 8 * 1024
MAX_HEAD_BYTES = 32 * 1024  # request line + headers
MAX_HEADERS = 100
MAX_REQUEST_BODY = 1024 * 1024
MAX_CONNECTIONS = 512
IDLE_TIMEOUT = 15.0  # keep-alive connection without a new request
BODY_TIMEOUT = 10.0
REQUEST_LOG_SIZE = 10_000
PLACEHOLDER = b"{{origin}}"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".gz": "application/gzip",
    ".woff2": "font/woff2",
}
_TEXT_TYPES = ("text/", "application/xml", "application/json", "image/svg+xml")
_METHOD = re.compile(r"^[A-Za-z]{1,20}$")
_DIGITS = re.compile(r"^[0-9]{1,12}$")  # str.isdigit() also accepts "²" and other digits
_SAFE_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


class ResetConnection(Exception):
    """Raise from a handler or a body stream to end the connection with a TCP reset."""


class SiteConfigError(ValueError):
    """``_site.toml`` is malformed; the message names the route and the key."""


@dataclass(slots=True)
class Request:
    method: str
    target: str  # as sent: path plus "?query"
    path: str  # still percent-encoded
    query: str  # without "?"; "" when absent
    version: str
    headers: list[tuple[str, str]]  # names lower-cased, order kept
    origin: str  # "http://host:port" the client addressed (Host header when sane)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)


@dataclass(slots=True)
class Response:
    """What to send. ``stream`` (when set) replaces ``body`` and is sent chunked, unless
    ``headers`` carry a Content-Length, in which case it is sent as is and the connection
    closes after it (so a handler can lie about the length). ``raw`` is written verbatim
    instead of a generated response. ``reset_after`` sends that many bytes of the fixed
    response and then resets the connection."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None
    delay: float = 0.0
    reset_after: int | None = None
    raw: bytes | None = None

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, [("Content-Type", CONTENT_TYPES[".html"])], text.encode())

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> Response:
        return cls(status, [("Location", location)])


Handler = Callable[[Request], Awaitable[Response | None]]


class _HttpError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@lru_cache(maxsize=128)
def _status_line(status: int) -> bytes:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return f"HTTP/1.1 {status} {phrase}\r\n".encode()


@lru_cache(maxsize=4)
def _date_header(second: int) -> bytes:
    return f"Date: {email.utils.formatdate(second, usegmt=True)}\r\n".encode()


def _error_page(status: int) -> Response:
    phrase = _status_line(status).decode().split(" ", 2)[2].strip()
    return Response.html(
        f"<!doctype html><title>{status} {phrase}</title><h1>{phrase}</h1>\n", status
    )


# ---------------------------------------------------------------------------------------
# Reading requests
# ---------------------------------------------------------------------------------------


def _parse_head(head: bytes, fallback_origin: str) -> Request:
    lines = head.lstrip(b"\r\n").split(b"\r\n")
    if len(lines[0]) > MAX_REQUEST_LINE:
        raise _HttpError(414)
    if len(lines) - 1 > MAX_HEADERS:
        raise _HttpError(431)
    parts = lines[0].decode("latin-1").split(" ")
    if len(parts) != 3 or not _METHOD.match(parts[0]) or not parts[1].startswith("/"):
        raise _HttpError(400)
    method, target, version = parts
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise _HttpError(505)
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            raise _HttpError(400)  # RFC 9112 §5.1: no whitespace before the colon
        headers.append((name.decode("latin-1").lower(), value.strip().decode("latin-1")))
    path, _, query = target.partition("?")
    host = next((v for k, v in headers if k == "host"), "")
    origin = f"http://{host}" if _SAFE_HOST.match(host) else fallback_origin
    return Request(method.upper(), target, path, query, version, headers, origin)


async def _read_request(reader: asyncio.StreamReader, origin: str, idle: float) -> Request | None:
    """The next request on a connection; None when the client is done (EOF or idle).
    One timeout covers the wait and the whole head, which bounds slow-header clients."""
    try:
        async with asyncio.timeout(idle):
            head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise _HttpError(400) from None
        return None
    except asyncio.LimitOverrunError:
        raise _HttpError(431) from None
    except TimeoutError:
        return None
    request = _parse_head(head[:-4], origin)
    if request.header("transfer-encoding") is not None:
        raise _HttpError(501)  # request bodies are only accepted with a Content-Length
    length = request.header("content-length")
    if length is not None:
        if not _DIGITS.match(length):
            raise _HttpError(400)
        if int(length) > MAX_REQUEST_BODY:
            raise _HttpError(413)
        async with asyncio.timeout(BODY_TIMEOUT):
            request.body = await reader.readexactly(int(length))
    return request


# ---------------------------------------------------------------------------------------
# Writing responses
# ---------------------------------------------------------------------------------------


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN: SO_LINGER on with a zero timeout, then abort."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _head(response: Response, keep_alive: bool, chunked: bool, explicit_length: bool) -> bytes:
    parts = [
        _status_line(response.status),
        _date_header(int(time.time())),
        b"Server: seoaudit-devserver\r\n",
    ]
    parts.extend(f"{name}: {value}\r\n".encode() for name, value in response.headers)
    if chunked:
        parts.append(b"Transfer-Encoding: chunked\r\n")
    elif not explicit_length and response.status >= 200 and response.status not in (204, 304):
        parts.append(b"Content-Length: %d\r\n" % len(response.body))
    if not keep_alive:
        parts.append(b"Connection: close\r\n")
    parts.append(b"\r\n")
    return b"".join(parts)


async def _send(
    writer: asyncio.StreamWriter, method: str, response: Response, keep_alive: bool
) -> bool:
    """Write one response; True when the connection may carry another request."""
    if response.delay > 0:
        await asyncio.sleep(response.delay)
    if response.raw is not None:
        data, keep_alive = response.raw, False
    else:
        explicit_length = any(k.lower() == "content-length" for k, _ in response.headers)
        # A handler-set length may be a lie (a hostile test), so never reuse the connection.
        keep_alive = keep_alive and not explicit_length
        chunked = response.stream is not None and not explicit_length
        data = _head(response, keep_alive, chunked, explicit_length)
        if response.stream is not None:
            if method != "HEAD":
                writer.write(data)
                await _send_stream(writer, response.stream, chunked)
                return keep_alive
            await _close_stream(response.stream)
        elif method != "HEAD":
            data += response.body
    if response.reset_after is not None:
        writer.write(data[: response.reset_after])
        await writer.drain()
        raise ResetConnection
    writer.write(data)
    await writer.drain()  # only waits when the socket buffer is above its high-water mark
    return keep_alive


async def _send_stream(
    writer: asyncio.StreamWriter, stream: AsyncIterator[bytes], chunked: bool
) -> None:
    try:
        count = 0
        async for chunk in stream:
            if not chunk:
                continue  # an empty chunk would end a chunked body
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            await writer.drain()
            count += 1
            if count % 16 == 0:
                await asyncio.sleep(0)  # an endless stream that never blocks must not hog the loop
        if chunked:
            writer.write(b"0\r\n\r\n")
        await writer.drain()
    finally:
        await _close_stream(stream)


async def _close_stream(stream: AsyncIterator[bytes]) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(Exception):
            await aclose()


# ---------------------------------------------------------------------------------------
# Connections
# ---------------------------------------------------------------------------------------


def _wants_keep_alive(request: Request) -> bool:
    connection = (request.header("connection") or "").lower()
    if request.version == "HTTP/1.0":
        return "keep-alive" in connection
    return "close" not in connection


class _Core:
    """The asyncio side shared by SiteServer and serve_forever: listen, serve, shut down."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.origin = ""
        self.log: deque[tuple[str, str, str]] = deque(maxlen=REQUEST_LOG_SIZE)
        self.log_lock = threading.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._server: asyncio.Server | None = None

    async def listen(self, host: str, port: int, tls: ssl.SSLContext | None = None) -> str:
        self._server = await asyncio.start_server(
            self._serve,
            host,
            port,
            limit=MAX_HEAD_BYTES,
            backlog=1024,
            reuse_address=True,
            ssl=tls,
        )
        bound_host, bound_port = self._server.sockets[0].getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.origin = f"{'https' if tls else 'http'}://{shown}:{bound_port}"
        return self.origin

    async def shutdown(self) -> None:
        """Stop accepting, cancel every connection, and give them up to a second to end."""
        if self._server is not None:
            self._server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=1.0)
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is None or len(self._tasks) >= MAX_CONNECTIONS:
            writer.transport.abort()
            return
        self._tasks.add(task)
        try:
            await self._connection(reader, writer)
        except ResetConnection:
            _reset(writer)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass  # the client went away or stalled: nothing to answer
        except asyncio.CancelledError:
            # Only shutdown() cancels connections; ending quietly keeps asyncio's
            # connection callback from logging the cancellation as an error.
            writer.transport.abort()
        except Exception:
            log.exception("devserver: connection failed")
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                request = await _read_request(reader, self.origin, IDLE_TIMEOUT)
            except _HttpError as exc:
                await _send(writer, "GET", _error_page(exc.status), keep_alive=False)
                return
            if request is None:
                return
            with self.log_lock:
                self.log.append(
                    (request.method, request.target, request.header("user-agent") or "")
                )
            response = await self._respond(request)
            if not await _send(writer, request.method, response, _wants_keep_alive(request)):
                return

    async def _respond(self, request: Request) -> Response:
        try:
            response = await self.handler(request)
        except ResetConnection:
            raise
        except Exception:
            log.exception("devserver: handler failed for %s", request.target)
            return _error_page(500)
        return response if response is not None else _error_page(404)


# ---------------------------------------------------------------------------------------
# Fixture site directories
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Route:
    """One ``[[route]]`` of ``_site.toml``."""

    path: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    file: str | None = None
    content_type: str | None = None
    delay: float = 0.0
    gzip: bool = False
    gzip_entity: bool = False


_ROUTE_TYPES: dict[str, type | tuple[type, ...]] = {
    "path": str,
    "status": int,
    "headers": dict,
    "body": str,
    "file": str,
    "content_type": str,
    "delay": (int, float),
    "gzip": bool,
    "gzip_entity": bool,
}


def _route(entry: dict[str, Any], index: int) -> Route:
    where = f"_site.toml route #{index + 1} ({entry.get('path', '?')})"
    for key, value in entry.items():
        expected = _ROUTE_TYPES.get(key)
        if expected is None:
            raise SiteConfigError(f"{where}: unknown key {key!r}")
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise SiteConfigError(f"{where}: {key} has the wrong type")
    path = entry.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise SiteConfigError(f"{where}: path must start with '/'")
    if not 100 <= entry.get("status", 200) <= 999:
        raise SiteConfigError(f"{where}: status out of range")
    headers: list[tuple[str, str]] = []
    for name, value in entry.get("headers", {}).items():
        for one in value if isinstance(value, list) else [value]:
            if not isinstance(one, str) or "\r" in one or "\n" in one or "\n" in name:
                raise SiteConfigError(f"{where}: header {name!r} must be text on one line")
            headers.append((name, one))
    return Route(**{**entry, "headers": tuple(headers), "delay": float(entry.get("delay", 0))})


def load_routes(config: Path) -> dict[str, Route]:
    """Routes by exact path from a ``_site.toml``; {} when the file does not exist."""
    if not config.is_file():
        return {}
    with config.open("rb") as handle:
        data = tomllib.load(handle)
    unknown = set(data) - {"route"}
    if unknown:
        raise SiteConfigError(f"_site.toml: unknown table(s) {sorted(unknown)}")
    routes = [_route(entry, i) for i, entry in enumerate(data.get("route", []))]
    return {route.path: route for route in routes}


def content_type_for(path: str) -> str:
    suffix = path[path.rfind(".") :].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


class StaticSite:
    """Serves a fixture site directory; an async callable usable as a :data:`Handler`."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        if not self.root.is_dir():
            raise FileNotFoundError(f"site root is not a directory: {root}")
        self.routes = load_routes(self.root / "_site.toml")

    def locate(self, path: str) -> Path | None:
        """The file a URL path maps to, or None. Refuses "..", "_" names and escapes."""
        decoded = unquote(path, errors="replace")
        if "\x00" in decoded or "\\" in decoded or not decoded.startswith("/"):
            return None
        segments = decoded[1:].split("/")
        if segments[-1] == "":
            segments[-1] = "index.html"
        if any(s in ("", ".", "..") or s.startswith("_") for s in segments):
            return None
        candidate = self.root.joinpath(*segments)
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError):
            return None
        # A symlink may still point outside the root: resolve first, then confine.
        if not resolved.is_relative_to(self.root) or not resolved.is_file():
            return None
        return resolved

    def _file(self, relative: str) -> Path:
        resolved = (self.root / relative).resolve()
        if not resolved.is_relative_to(self.root) or not resolved.is_file():
            raise FileNotFoundError(f"_site.toml names a missing file: {relative}")
        return resolved

    async def __call__(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response(405, [("Allow", "GET, HEAD")])
        route = None
        if request.query:
            route = self.routes.get(f"{request.path}?{request.query}")
        route = route or self.routes.get(request.path)
        if route is not None:
            return self._routed(route, request)
        found = self.locate(request.path)
        if found is None:
            return self._not_found(request)
        response = self._ok(200, found.read_bytes(), content_type_for(found.name), request)
        return _validated(response, request)

    def _ok(self, status: int, body: bytes, ctype: str, request: Request) -> Response:
        if ctype.startswith(_TEXT_TYPES) and PLACEHOLDER in body:
            body = body.replace(PLACEHOLDER, request.origin.encode())
        return Response(status, [("Content-Type", ctype)], body)

    def _not_found(self, request: Request) -> Response:
        page = self.root / "_404.html"
        if page.is_file():
            return self._ok(404, page.read_bytes(), CONTENT_TYPES[".html"], request)
        return _error_page(404)

    def _routed(self, route: Route, request: Request) -> Response:
        source = self._file(route.file) if route.file else self.locate(request.path)
        if route.body is not None:
            response = self._ok(route.status, route.body.encode(), CONTENT_TYPES[".html"], request)
        elif source is not None:
            ctype = content_type_for(source.name)
            response = self._ok(route.status, source.read_bytes(), ctype, request)
        elif route.status >= 400:
            response = _error_page(route.status)
        else:
            response = Response(route.status)
        headers = [(k, v.replace("{{origin}}", request.origin)) for k, v in route.headers]
        if route.gzip_entity:
            response.body = gzip.compress(response.body, mtime=0)
            _set_type(response, content_type_for(request.path))
        if route.gzip:
            response.body = gzip.compress(response.body, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        if route.content_type:
            _set_type(response, route.content_type)
        if any(k.lower() == "content-type" for k, _ in headers):
            _set_type(response, None)
        response.headers += headers
        response.delay = route.delay
        return response


def _validated(response: Response, request: Request) -> Response:
    """A file as static web servers send it: with a strong ETag (a hash of the bytes
    served), answering ``If-None-Match`` with that tag by 304 Not Modified, no body."""
    tag = f'"{hashlib.blake2b(response.body, digest_size=8).hexdigest()}"'
    response.headers.append(("ETag", tag))
    wanted = request.header("if-none-match") or ""
    if wanted.strip() == "*" or tag in (t.strip().removeprefix("W/") for t in wanted.split(",")):
        return Response(304, [("ETag", tag)])
    return response


def _set_type(response: Response, ctype: str | None) -> None:
    response.headers = [(k, v) for k, v in response.headers if k.lower() != "content-type"]
    if ctype is not None:
        response.headers.insert(0, ("Content-Type", ctype))


def _chain(site: StaticSite | None, handler: Handler | None) -> Handler:
    """The handler first; when it returns None, the static site."""
    if handler is None:
        if site is None:
            raise ValueError("SiteServer needs a root directory, a handler, or both")
        return site

    async def chained(request: Request) -> Response | None:
        response = await handler(request)
        if response is None and site is not None:
            return await site(request)
        return response

    return chained


# ---------------------------------------------------------------------------------------
# Running it
# ---------------------------------------------------------------------------------------


class SiteServer:
    """A server on its own event loop in a background thread, for tests and the benchmark.

    ``root`` is a fixture site directory; ``handler`` answers first and may return None to
    fall through to ``root``. ``_site.toml`` errors are raised here, not per request.
    ``tls``: a server-side SSL context (certificate loaded) to serve https instead."""

    def __init__(
        self,
        root: Path | None = None,
        *,
        handler: Handler | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._core = _Core(_chain(StaticSite(root) if root else None, handler))
        self._host, self._port, self._tls = host, port, tls
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if not self._core.origin:
            raise RuntimeError("the server is not started")
        return self._core.origin

    @property
    def requests(self) -> list[tuple[str, str, str]]:
        """(method, target, user-agent) of the last requests seen, oldest first."""
        with self._core.log_lock:
            return list(self._core.log)

    def start(self) -> str:
        if self._thread is not None:
            raise RuntimeError("the server is already started")
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, failure), name="seoaudit-devserver", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the server did not start within 10 s")
        if failure:
            self._thread = None
            raise failure[0]
        return self.base_url

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._core.listen(self._host, self._port, self._tls))
        except BaseException as exc:  # reported to start(), which re-raises it
            failure.append(exc)
            loop.close()
            ready.set()
            return
        self._loop = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._core.shutdown())
            loop.close()

    def stop(self) -> None:
        """Stop accepting, end every connection, and join the thread (within ~1 s)."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        self._loop = self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve_forever(
    root: Path | None,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    handler: Handler | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve in the foreground until interrupted (Ctrl-C). ``on_ready`` gets the base URL."""
    core = _Core(_chain(StaticSite(root) if root else None, handler))

    async def main() -> None:
        await core.listen(host, port)
        if on_ready is not None:
            on_ready(core.origin)
        try:
            await asyncio.Event().wait()
        finally:
            await core.shutdown()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


def iter_site_files(root: Path) -> Iterator[Path]:
    """Every file the static site would serve under ``root`` (no ``_`` names), sorted."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).parts
        if path.is_file() and not any(part.startswith("_") for part in relative):
            yield path
