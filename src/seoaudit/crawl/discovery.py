"""Discovery I/O: fetch robots.txt once per host and read sitemaps as streams.

What the fetched bytes mean is decided elsewhere: robots.py interprets a robots.txt
fetch outcome, sitemaps.py parses sitemap bytes. This module only fetches, with the
limits those readers need, and records what it saw in the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from seoaudit.crawl.fetch import Fetcher
from seoaudit.crawl.sitemaps import ParsedSitemap, SitemapParser, lastmod_summary
from seoaudit.crawl.urls import normalize, origin
from seoaudit.models import TLS_ERROR, FetchResult
from seoaudit.robots import RobotsFile, interpret_fetch
from seoaudit.store import Store

# Google parses the first 500 KiB of robots.txt. Reading a little more lets the report
# name the first line that was lost; anything beyond is never read.
ROBOTS_READ_LIMIT = 512_000 + 64 * 1024
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309 2.3.1.2; Google treats more as "no robots.txt"
MAX_SITEMAP_FILES = 1000  # sitemap files read per run (Search Console allows 500 indexes)
MAX_INDEX_DEPTH = 2  # an index may list sitemaps; an index inside an index is an error


async def fetch_robots(fetcher: Fetcher, site_origin: str, store: Store) -> RobotsFile:
    """Fetch ``site_origin``/robots.txt (following up to five redirects, across hosts)
    and record the outcome. Never raises for what the server does."""
    url = f"{site_origin}/robots.txt"
    result = await fetcher.fetch(
        url, max_redirects=ROBOTS_MAX_REDIRECTS, max_body=ROBOTS_READ_LIMIT, source="start"
    )
    redirects = len(result.hops)
    content_type = result.header("content-type")
    robots = interpret_robots(
        url,
        result.status,
        result.body,
        error=robots_error(result),
        redirects=redirects,
        content_type=content_type,
    )
    store.add_robots(
        site_origin,
        url,
        result.status,
        result.error,
        robots.outcome,
        robots.reason,
        redirects,
        result.body,
        content_type,
    )
    return robots


def robots_error(result: FetchResult) -> str | None:
    """The error of a robots.txt fetch as its reason shows it: for a rejected TLS
    certificate, the URL that failed (robots.txt may redirect to another host) and
    OpenSSL's words, which rule ONP019 reads back."""
    if result.error == TLS_ERROR:
        return f"{TLS_ERROR} at {result.final_url}: {result.error_detail}"
    return result.error


def interpret_robots(
    url: str,
    status: int | None,
    body: bytes,
    *,
    error: str | None,
    redirects: int,
    content_type: str | None,
) -> RobotsFile:
    """What one robots.txt fetch means (robots.interpret_fetch), from what the fetcher
    recorded. The crawl, ``seoaudit robots`` and Site all read a fetch through here.

    Google follows five redirects and then treats robots.txt as missing (allow all), so a
    redirect loop means the same as too many redirects; a redirect without a usable
    Location is a 3xx with nothing to follow (reference/robots.md, fetch-level table)."""
    if error in ("too-many-redirects", "redirect-loop"):
        redirects, error = max(redirects, ROBOTS_MAX_REDIRECTS + 1), None
    elif error == "bad-redirect-location":
        error = None
    return interpret_fetch(
        url, status, body, error=error, redirects=redirects, content_type=content_type
    )


def stored_robots(
    url: str,
    status: int | None,
    body: bytes | None,
    *,
    error: str | None,
    redirects: int,
    content_type: str | None,
    outcome: str,
    reason: str,
) -> RobotsFile:
    """A robots.txt fetch as the crawl read it, from what ``fetch_robots`` stored: the
    same reading (``interpret_robots``: redirect loops, HTML bodies), and the reason as
    written then, which names a TLS failure's URL and OpenSSL's words (the stored error
    is just "tls-error"). A resumed crawl and Site both read robots.txt through here."""
    robots = interpret_robots(
        url, status, body or b"", error=error, redirects=redirects, content_type=content_type
    )
    return replace(robots, reason=reason) if reason and outcome == robots.outcome else robots


@dataclass
class SitemapHarvest:
    """URLs found in the sitemaps of one site, in the order found."""

    urls: list[tuple[str, str]] = field(default_factory=list)  # (url, sitemap it came from)
    files: int = 0


async def read_sitemap(
    fetcher: Fetcher, url: str, now: datetime | None = None
) -> tuple[ParsedSitemap, int | None, str | None]:
    """Download one sitemap as a stream into the parser; stops as soon as a cap is hit.
    ``now``: the time dates in the file are judged against (stale news, SMP019)."""
    parser = SitemapParser(url, now=now)

    def sink(chunk: bytes) -> bool:
        parser.feed(chunk)
        return not parser.done

    # The parser enforces the 50 MB (uncompressed) protocol limit on what it reads; the
    # fetch cap only guards the transfer itself.
    result = await fetcher.fetch(url, source="sitemap", max_body=60 * 1024 * 1024, sink=sink)
    parsed = parser.close()
    return parsed, result.status, result.error


async def harvest_sitemaps(
    fetcher: Fetcher,
    start: list[str],
    store: Store,
    on_urls: Callable[[str, list[str]], None],
    seen: set[str] | None = None,
    requested: Callable[[], None] | None = None,
) -> SitemapHarvest:
    """Read every sitemap reachable from ``start`` (robots.txt Sitemap: lines, else
    /sitemap.xml), following index files one level deep. ``on_urls(sitemap, urls)`` is
    called with the normalised page URLs of each sitemap file as soon as it is read.
    ``seen``: sitemap files already read (not read again), updated with these.
    ``requested`` is called after each file is stored (the crawl saves its footprint
    then, if its last save is old enough)."""
    harvest = SitemapHarvest()
    queue: list[tuple[str, str | None, int]] = [(u, None, 0) for u in start]
    seen = set() if seen is None else seen
    while queue and harvest.files < MAX_SITEMAP_FILES:
        url, parent, level = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        harvest.files += 1
        now = datetime.now(UTC)
        parsed, status, error = await read_sitemap(fetcher, url, now)
        facts = {
            "errors": [
                {"kind": e.kind, "message": e.message, "line": e.line} for e in parsed.errors
            ],
            "gzipped": parsed.gzipped,
            "size": parsed.size,
            "truncated": parsed.truncated,
            "namespace": parsed.namespace,
            "level": level,
            # read by the SMP rules: every error by kind, and lastmod as a whole
            "error_counts": parsed.error_counts,
            "encoding": parsed.encoding,
            "lastmod": lastmod_summary(parsed.entries, now),
            "changefreq": parsed.changefreq_count,  # ignored by Google (SMP014)
            "priority": parsed.priority_count,
            "media": parsed.media,  # image, video and news tags (SMP017-SMP019)
        }
        kind = parsed.kind if status is not None and 200 <= status < 300 else None
        if kind == "sitemapindex":
            for entry in parsed.entries:
                if entry.url and level < MAX_INDEX_DEPTH - 1:
                    queue.append((entry.url, url, level + 1))
                elif entry.url:
                    # A nested index is not followed (Google does not); SMP rules report it.
                    pass
        elif kind is not None:
            urls = [entry.url for entry in parsed.entries if entry.url]
            on_urls(url, urls)
            alternates = [
                (entry.url, lang, href)
                for entry in parsed.entries
                if entry.url
                for lang, href in entry.alternates
            ]
            if alternates:  # hreflang from sitemaps: HRF rules read them like HTML and headers
                store.add_sitemap_hreflang(url, alternates)
        # Last: a file stored as read has its URLs stored (a run killed meanwhile reads
        # it again when resumed).
        store.add_sitemap(url, parent, status, error, kind, len(parsed.entries), facts)
        if requested is not None:
            requested()
    return harvest


def sitemap_candidates(robots: RobotsFile | None, site_origin: str) -> list[str]:
    """Sitemaps named in robots.txt (absolute URLs only), else the conventional location."""
    found: list[str] = []
    if robots is not None and robots.robots is not None:
        for _, value in robots.robots.sitemaps:
            url = normalize(value)
            if url and url not in found:
                found.append(url)
    return found or [f"{origin(site_origin)}/sitemap.xml"]
