"""In-process test sites: a dict of path -> response, crawled by the real crawler through
httpx.MockTransport, so rule tests exercise the real extractor, store, Site and rules
without a network."""

from __future__ import annotations

import gzip
import ssl
import time
from pathlib import Path
from typing import Any

import httpx

from seoaudit.audit import AuditResult, run_audit
from seoaudit.config import CrawlSettings, Settings
from seoaudit.store import Store

ORIGIN = "http://site.test"
_ERRORS: dict[str, type[httpx.TransportError]] = {
    "connect-error": httpx.ConnectError,
    "read-error": httpx.ReadError,
    "read-timeout": httpx.ReadTimeout,
}


class _Body(httpx.AsyncByteStream):
    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        yield self.data


def transport(pages: dict[str, dict[str, Any]]) -> httpx.MockTransport:
    """``pages``: path (with query) -> {status, headers, body, content_type, repeat,
    agents, delay, gzip, raise}. ``repeat`` sends the body that many times (huge files);
    ``delay`` waits that many seconds (at most 5) before answering; ``gzip`` sends the body
    with Content-Encoding: gzip; ``raise`` fails the fetch ("connect-error", "read-error",
    "read-timeout", or "tls": a certificate OpenSSL rejected, in the words of ``tls``);
    ``agents`` maps a User-Agent substring (e.g. "googlebot") to keys that replace the
    others for requests carrying it. Unlisted paths answer 404; an unlisted /robots.txt
    answers 404 (no rules)."""

    def handler(request: httpx.Request) -> httpx.Response:
        target = request.url.raw_path.decode("ascii")
        host_key = f"{request.url.scheme}://{request.url.host}{target}"
        spec = pages.get(host_key) or pages.get(target)
        if spec is None:
            return httpx.Response(
                404,
                headers={"Content-Type": "text/html"},
                stream=_Body(b"<title>Not found</title>"),
            )
        agent = request.headers.get("user-agent", "").lower()
        for token, override in spec.get("agents", {}).items():
            if token.lower() in agent:
                spec = {**spec, **override}
                break
        if spec.get("raise") == "tls":  # as httpx reports a certificate OpenSSL rejected
            words = spec.get("tls", "certificate has expired")
            cause = ssl.SSLCertVerificationError(
                1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {words}"
            )
            raise httpx.ConnectError(str(cause), request=request) from cause
        if "raise" in spec:
            raise _ERRORS[spec["raise"]]("simulated", request=request)
        if "delay" in spec:  # a slow server: blocks the loop, which the timing still sees
            time.sleep(min(float(spec["delay"]), 5.0))
        body = spec.get("body", "")
        data = (body.encode() if isinstance(body, str) else body) * int(spec.get("repeat", 1))
        headers = dict(spec.get("headers", {}))
        if data and "content-type" not in {k.lower() for k in headers}:
            default = "text/plain" if target.endswith(".txt") else "text/html; charset=utf-8"
            headers["Content-Type"] = spec.get("content_type", default)
        if spec.get("gzip"):
            data = gzip.compress(data, mtime=0)
            headers["Content-Encoding"] = "gzip"
        return httpx.Response(int(spec.get("status", 200)), headers=headers, stream=_Body(data))

    return httpx.MockTransport(handler)


def crawl(
    pages: dict[str, dict[str, Any]],
    tmp_path: Path,
    *,
    start: str | list[str] = "/",
    **crawl_settings: Any,
) -> AuditResult:
    """Audit ``pages`` from ``start``: a path on ORIGIN, an absolute URL, or a list of
    them (a crawl of several hosts, each in scope)."""
    starts = [start] if isinstance(start, str) else start
    settings = Settings(
        start_urls=[s if "://" in s else ORIGIN + s for s in starts],
        crawl=CrawlSettings(**{"retries": 0, **crawl_settings}),
        run_dir=tmp_path,
    )
    return run_audit(settings, transport=transport(pages))


def stored_links(store: Store) -> list[tuple[str, str, int, int]]:
    """Every link a run stored, as (source URL, target URL, kind, nofollow), sorted,
    duplicates kept."""
    urls = dict(store.db.execute("SELECT id, url FROM urls"))
    sources, targets, flags = store.link_arrays()
    return sorted(
        (urls[s], urls[t], f >> 1, f & 1)
        for s, t, f in zip(sources.tolist(), targets.tolist(), flags.tolist(), strict=True)
    )
