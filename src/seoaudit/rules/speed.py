"""Server speed and page weight (PERF): what a crawler can measure without a browser.

Owns the speed KPI (``speed_summary``: time to first byte and download time, p50/p75/p95,
overall and per section) and the rules built on the same measurements: slow responses,
heavy HTML, uncompressed responses, responses without validators for conditional
requests, render-blocking resources in the head and images without dimensions, and the
server's error rate over every request of the crawl (from the crawl footprint). Static
files referenced under URLs that change from page to page (PERF011) are asset_urls.py's.
Field metrics (LCP, INP, CLS) need real browsers and are not guessed.

Timings come from the fetcher: ``ttfb`` is the time to the final response's first byte
(connection set-up included, queueing for politeness excluded) and ``download`` the time
from that byte to the end of the body. Redirect hops are not pages and are not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from seoaudit.config import GOOGLEBOT_HTML_LIMIT, Thresholds
from seoaudit.crawl.urls import host_of
from seoaudit.models import PageFacts, Resource, Severity
from seoaudit.persite import per_site
from seoaudit.rules.common import limits, searchable
from seoaudit.rules.registry import Hit, rule
from seoaudit.stats import percentiles_ms

if TYPE_CHECKING:
    from seoaudit.site import Site
    from seoaudit.summary import PageSummary

COMPRESS_MIN_BYTES = 1024  # smaller responses gain little from compression
# PERF001: fewer failed requests than this to one origin are chance, not a rate (a single
# timeout in a crawl of 50 requests would otherwise be "2 %").
MIN_FAILED_REQUESTS = 3
MAX_SECTIONS = 20  # sections listed in the speed KPI, largest first
MAX_LISTED = 20
# Text formats worth compressing (binary formats such as images are compressed already).
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/ld+json",
        "application/xml",
        "text/xml",
        "image/svg+xml",
        "text/plain",
    }
)


# -- the KPI -----------------------------------------------------------------------------


def _percentiles(values: list[float]) -> dict[str, float | None]:
    """p50/p75/p95/max in milliseconds (nearest rank, as every percentile: stats.py)."""
    found = percentiles_ms(values, (50, 75, 95, 100))
    found["max"] = found.pop("p100")
    return found


def _section(url: str) -> str:
    """The first path segment ("/products/"), or "/" for pages at the root."""
    path = urlsplit(url).path
    first, sep, _ = path.lstrip("/").partition("/")
    return f"/{first}/" if sep and first else "/"


def _measured(site: Site) -> list[PageSummary]:
    return [
        s
        for s in site.summaries()
        if s.status == 200 and s.is_html and s.ttfb is not None and site.is_internal(s.url)
    ]


@per_site
def speed_summary(site: Site) -> dict[str, Any]:
    """The speed KPI of a run: TTFB and download time of HTML pages answering 200, as
    p50/p75/p95/max in milliseconds, overall and per section (first path segment), with
    how many pages are slow by the configured thresholds. Built once per Site."""
    thresholds = limits(site)
    pages = _measured(site)
    sections: dict[str, list[PageSummary]] = defaultdict(list)
    for page in pages:
        sections[_section(page.url)].append(page)

    def block(group: list[PageSummary]) -> dict[str, Any]:
        return {
            "pages": len(group),
            "ttfb_ms": _percentiles([p.ttfb for p in group if p.ttfb is not None]),
            "download_ms": _percentiles([p.download for p in group if p.download is not None]),
        }

    largest = sorted(sections.items(), key=lambda item: (-len(item[1]), item[0]))
    return {
        **block(pages),
        "slow_pages": sum(1 for p in pages if (p.ttfb or 0) * 1000 > thresholds.slow_ttfb_ms),
        "thresholds_ms": {
            "slow": thresholds.slow_ttfb_ms,
            "very_slow": thresholds.very_slow_ttfb_ms,
        },
        "sections": {name: block(group) for name, group in largest[:MAX_SECTIONS]},
    }


# -- rules -------------------------------------------------------------------------------


@rule("PERF002", "slow-response", severity="warning", group="{count} pages answer slowly{cause}")
def slow_response(page: PageFacts, site: Site) -> Iterator[Hit]:
    """HTML pages take long to send their first byte (time to first byte).

    ## What it does
    Measures each HTML page's time to first byte (TTFB) and flags pages above
    `slow_ttfb_ms` (default 800 ms, web.dev's "good" limit) as a notice, above
    `very_slow_ttfb_ms` (default 1,800 ms, "poor") as a warning. When the median page of
    the whole site is that slow, every slow page is a warning (median over 800 ms) or an
    error (median over 1,800 ms): the server, not one page, is the problem. The download
    time after the first byte is reported next to it. One measurement per page: confirm
    with repeated requests before acting on a single slow page.

    ## Why it matters
    Google crawls less when a server answers slowly, so new and changed pages are picked
    up later; TTFB is also the first part of Largest Contentful Paint, a Core Web Vital
    that visitors feel directly.

    ## How to fix
    Cache rendered pages (server or CDN), optimise slow database queries and backend
    calls, and serve from a CDN close to visitors.

    ## How to verify
    `curl -s -o /dev/null -w '%{time_starttransfer}\\n' <url>` prints under 0.8 seconds,
    several times in a row.

    ## Source
    Google Search Central: "Optimize your crawl budget" (response times and crawl capacity);
    web.dev and the web-vitals library (TTFB thresholds 800 ms / 1,800 ms).
    """
    if page.status != 200 or not page.is_html or page.ttfb is None or page.hops:
        return
    thresholds = limits(site)
    ms = page.ttfb * 1000
    if ms <= thresholds.slow_ttfb_ms or not site.is_internal(page.url):
        return
    median = speed_summary(site)["ttfb_ms"]["p50"] or 0.0
    severity: Severity = "warning" if ms > thresholds.very_slow_ttfb_ms else "notice"
    # The cause says that the whole site is slow, not how slow: a cause is part of the
    # baseline fingerprint, and a measurement differs in every run (the message has it).
    cause = None
    if median > thresholds.slow_ttfb_ms:
        severity = "error" if median > thresholds.very_slow_ttfb_ms else "warning"
        cause = " (the whole site is slow)"
    download = page.download * 1000 if page.download is not None else None
    message = f"First byte after {ms:.0f} ms (threshold {thresholds.slow_ttfb_ms} ms)"
    if cause:
        message += f"; the whole site is slow (median TTFB {median:.0f} ms)"
    yield Hit(
        page.url,
        message,
        {
            "ttfb_ms": round(ms, 1),
            "download_ms": None if download is None else round(download, 1),
            "site_median_ttfb_ms": median,
            "threshold_ms": thresholds.slow_ttfb_ms,
        },
        cause=cause,
        severity=severity,
    )


def _percent(share: float) -> str:
    return f"{share * 100:.3g}%"


def _error_share(requests: int, failed: int, thresholds: Thresholds) -> float | None:
    """The share of a host's requests that failed, when it is PERF001's to report: at
    least ``MIN_FAILED_REQUESTS`` failures and ``server_error_share``; else None."""
    if not requests or failed < MIN_FAILED_REQUESTS:
        return None
    share = failed / requests
    return share if share >= thresholds.server_error_share else None


def _request_tallies(site: Site) -> dict[str, tuple[str, int, dict[str, int]]]:
    """The footprint's per-origin tallies summed per internal host (http and https of one
    host are one server): host -> (busiest origin, requests, failures by kind)."""
    found: dict[str, tuple[str, int, dict[str, int]]] = {}
    origins = site.footprint().get("origins", {})
    for origin in sorted(origins, key=lambda o: (-int(origins[o].get("requests", 0)), o)):
        if not site.is_internal(origin + "/"):
            continue
        host = host_of(origin)
        busiest, requests, failed = found.get(host, (origin, 0, {}))
        for kind, count in origins[origin].get("failed", {}).items():
            failed[kind] = failed.get(kind, 0) + int(count)
        found[host] = (busiest, requests + int(origins[origin].get("requests", 0)), failed)
    return found


@rule(
    "PERF001",
    "server-error-rate",
    severity="warning",
    scope="site",
    group="{count} hosts failed too many of the crawl's requests ({cause})",
)
def server_error_rate(site: Site) -> Iterator[Hit]:
    """A host answered too many of the crawl's requests with 5xx, 429 or nothing at all.

    ## What it does
    Counts, per crawled host (http and https together), every request the crawl sent with
    its own user agent: pages, redirect hops, robots.txt, sitemaps, post-crawl checks and
    every retry, as the crawl recorded them (the crawl-impact part of the report).
    Requests answered with a 5xx status, with 429 (rate limited) or with no usable
    response (timeout, connection refused or reset) are failures. From
    `server_error_share` of the requests (default 1 %) it is a warning, from
    `high_server_error_share` (default 5 %) an error; both are tool conventions. A host
    over the warning share is an error too when the crawl stopped early because more than
    `max_error_rate` of its last 100 requests failed. Hosts with fewer than 3 failed
    requests are not judged. The evidence gives the counts by status or error, the share,
    the threshold and the crawler's automatic back-offs. Requests the post-crawl probe
    sent as other crawlers (BOT rules) are not counted.

    Pages that still fail at the end are HTTP002 (5xx) and HTTP003 (429); this rule also
    sees the failures a retry hid, and the rate behind them.

    ## Why it matters
    Google lowers how fast it crawls a whole host when the server answers 5xx or 429 or
    times out, so new and changed pages are picked up later; URLs that keep failing are
    dropped from the index. The rate is what a server team can compare with its own logs
    and monitoring.

    ## How to fix
    Find the cause in the server's logs for the crawl's time window (the crawl-impact
    part of the report gives the user agent, the request rate and when errors occurred):
    add capacity or caching, fix the failing backend calls, and give verified search
    engine crawlers their own rate limits instead of the ones meant for abuse.

    ## How to verify
    Audit again at the same crawl rate: the host no longer appears, and the report's
    crawl-impact status mix shows no 5xx and no errors; the server's logs show no 5xx or
    429 for the crawler's user agent.

    ## Source
    Google Search Central: "Optimize your crawl budget" (crawl capacity follows server
    health); "Reduce the Google crawl rate" (500, 503 and 429 slow Googlebot down);
    "How HTTP status codes, and network and DNS errors affect Google Search". The 1 % and
    5 % thresholds are tool conventions.
    """
    footprint = site.footprint()
    thresholds = limits(site)
    stopped = footprint.get("stopped_by_error_budget")
    backoffs = [b for b in footprint.get("backoffs", []) if isinstance(b, dict)]
    for host, (origin, requests, by_kind) in sorted(_request_tallies(site).items()):
        failed = sum(by_kind.values())
        share = _error_share(requests, failed, thresholds)
        if share is None:
            continue  # the crawl's error budget may have run out on another host
        high = share >= thresholds.high_server_error_share
        threshold = thresholds.high_server_error_share if high else thresholds.server_error_share
        kinds = sorted(by_kind.items(), key=lambda item: (-item[1], item[0]))
        message = (
            f"{failed} of {requests} requests to {host} failed ({_percent(share)}, "
            f"{'error' if high else 'warning'} threshold {_percent(threshold)}): "
            + ", ".join(f"{count} × {kind}" for kind, count in kinds)
        )
        if stopped:
            message += "; the crawl stopped early: too many of its recent requests failed"
        yield Hit(
            origin + "/",
            message,
            {
                "host": host,
                "requests": requests,
                "failed": failed,
                "failed_by_status_or_error": dict(kinds),
                "share": round(share, 4),
                "warning_share": thresholds.server_error_share,
                "error_share": thresholds.high_server_error_share,
                "crawl_stopped": stopped,
                "backoffs": [b for b in backoffs if b.get("host") == host][:MAX_LISTED],
                "user_agent": footprint.get("user_agent"),
                "crawl_duration_s": footprint.get("duration_s"),
            },
            cause=host,
            severity="error" if high or stopped else None,
        )


# Files a page needs to render: never to be kept from crawlers (PERF012).
_RENDER_TYPES = ("text/css", "javascript", "ecmascript", "font/", "image/")


def _strained_hosts(site: Site) -> tuple[dict[str, str], str | None]:
    """Why the server is short of crawl capacity: per internal host, a failed-request
    share at PERF001's warning threshold or the crawl's automatic back-offs; for the
    whole site, a median TTFB over ``slow_ttfb_ms`` (PERF002's site-wide case)."""
    thresholds = limits(site)
    hosts: dict[str, str] = {}
    for host, (_, requests, by_kind) in _request_tallies(site).items():
        failed = sum(by_kind.values())
        if _error_share(requests, failed, thresholds) is not None:
            hosts[host] = f"{failed} of {requests} requests failed"
    for backoff in site.footprint().get("backoffs", []):
        named = backoff.get("host") if isinstance(backoff, dict) else None
        if isinstance(named, str) and named not in hosts:
            hosts[named] = f"the crawl had to back off ({backoff.get('trigger')})"
    median = speed_summary(site)["ttfb_ms"]["p50"]
    slow = f"median TTFB {median:.0f} ms" if median and median > thresholds.slow_ttfb_ms else None
    return hosts, slow


@rule(
    "PERF012",
    "large-file-crawled-under-strain",
    severity="notice",
    scope="site",
    group="{count} large files are open to crawlers while the server is strained ({cause})",
)
def large_file_crawled_under_strain(site: Site) -> Iterator[Hit]:
    """Large downloads are open to crawlers while the server is short of crawl capacity.

    ## What it does
    Finds files the crawl reached through links on the audited hosts that are not HTML
    and not needed to render a page (stylesheets, scripts, fonts and images are never
    flagged), answer 200, are allowed by robots.txt and are larger than `large_file_mb`
    (default 5 MB, the size Google gives as an example; the size is the response's
    `Content-Length` when the crawl stopped reading at its body cap). They are flagged
    only while the host shows it is short of capacity: PERF001's failed-request share,
    automatic back-offs during the crawl, or a site-wide median time to first byte over
    `slow_ttfb_ms`. One issue per host.

    ## Why it matters
    Google crawls a host only as fast as the server copes. When the server is already
    failing or slow, every visit to a large archive, video or data file takes capacity
    that new and changed pages need, and they are found later.

    ## How to fix
    Keep large files that do not need to appear in search out of the crawl: disallow
    their path in robots.txt, or serve them from a separate host (a download or media
    host). Never block files a page needs to render. Then fix the server's capacity
    (PERF001, PERF002).

    ## How to verify
    `seoaudit robots <url> --as googlebot` prints "blocked", or the file is served
    from another host; the next audit shows no failures or back-offs.

    ## Source
    Google Search Central: "Troubleshoot Google Search crawling errors" (crawl capacity:
    block large, unimportant resources); "Optimize your crawl budget". The 5 MB size is
    a tool convention.
    """
    hosts, slow = _strained_hosts(site)
    if not hosts and slow is None:
        return
    threshold_mb = limits(site).large_file_mb
    for summary in site.summaries():
        media = (summary.content_type or "").split(";", 1)[0].strip().lower()
        if summary.is_html or summary.status != 200 or summary.size <= threshold_mb * 1_000_000:
            continue
        if any(kind in media for kind in _RENDER_TYPES) or not site.is_internal(summary.url):
            continue
        if site.indexability(summary.url) == "blocked-by-robots":
            continue
        host = host_of(summary.url)
        strain = hosts.get(host) or slow
        if strain is None:
            continue
        yield Hit(
            summary.url,
            f"A {summary.size / 1_000_000:.1f} MB {media or 'file'} is open to crawlers "
            f"while {host} is short of crawl capacity ({strain})",
            {
                "bytes": summary.size,
                "content_type": summary.content_type,
                "threshold_mb": threshold_mb,
                "strain": strain,
                "linked_from": site.linking_pages(summary.url, 5),
            },
            cause=host,
        )


@rule(
    "PERF004",
    "uncompressed-response",
    severity="notice",
    group="{count} responses uncompressed ({cause})",
)
def uncompressed_response(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Text responses (HTML, CSS, JavaScript, JSON, XML, SVG) sent without compression.

    ## What it does
    Flags responses of a compressible type larger than 1 KB that came back without a
    `Content-Encoding` (gzip, deflate or br), although the crawler asked for compression
    (`Accept-Encoding: gzip, deflate, br`). One issue per host: it is a server setting.

    ## Why it matters
    Uncompressed HTML is typically 3 to 5 times larger on the wire: slower pages on mobile
    networks and more bytes for every crawl.

    ## How to fix
    Enable Brotli and gzip for text types in the web server or CDN.

    ## How to verify
    `curl -sI -H 'Accept-Encoding: gzip, br' <url> | grep -i content-encoding` shows gzip
    or br.

    ## Source
    Google crawling docs: "Overview of Google crawlers and fetchers" (supported content
    encodings); Lighthouse "Enable text compression".
    """
    if (
        page.status != 200
        or page.content_type not in COMPRESSIBLE
        or page.size <= COMPRESS_MIN_BYTES
    ):
        return
    encoding = (page.content_encoding or "").strip().lower()
    if encoding and encoding != "identity":
        return
    host = host_of(page.url)
    yield Hit(
        page.url,
        f"{page.size:,} bytes of {page.content_type} sent uncompressed",
        {"bytes": page.size, "content_type": page.content_type},
        cause=host,
    )


def _imf_fixdate(value: str) -> tuple[bool, str | None]:
    """(is an IMF-fixdate, the date in that form or None when it is no date at all).
    email.utils reads every HTTP-date form (and more); only the exact IMF-fixdate form
    (RFC 9110 5.6.7, "Sun, 06 Nov 1994 08:49:37 GMT") writes back unchanged."""
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:  # asctime form or "-0000": read as UTC (RFC 9110 5.6.7)
            when = when.replace(tzinfo=UTC)
        fixdate = format_datetime(when.astimezone(UTC), usegmt=True)  # year 9999 -0100: past
    except (TypeError, ValueError, IndexError, OverflowError):  # the end of datetime
        return False, None
    return fixdate == value.strip(), fixdate


@rule(
    "PERF005",
    "no-conditional-request-support",
    severity="notice",
    group="{count} pages cannot be revalidated cheaply ({cause})",
)
def no_conditional_request_support(page: PageFacts, site: Site) -> Iterator[Hit]:
    """HTML pages sent without `ETag` or `Last-Modified`, or with an unreadable `Last-Modified`.

    ## What it does
    Looks at the response headers of internal HTML pages answering 200 and flags pages
    with neither an `ETag` nor a `Last-Modified` header, and pages whose `Last-Modified`
    is not an HTTP date in the standard form (RFC 9110 IMF-fixdate, `Sun, 06 Nov 1994
    08:49:37 GMT`; the evidence gives the value in that form when it can be read). One
    issue per host and cause: it is a server or framework setting. Whether the server
    answers a conditional request (`If-None-Match`, `If-Modified-Since`) with 304 is not
    checked: the crawl requests each page once.

    ## Why it matters
    Google's crawlers send conditional requests when they can: with a validator, an
    unchanged page costs the server a short 304 instead of the whole page, and the crawl
    capacity saved goes to new and changed pages. Without one, every visit downloads and
    renders the page again.

    ## How to fix
    Send an `ETag` (Google's preference) and/or a correct `Last-Modified` for HTML pages:
    most web servers, CDNs and frameworks can add them (for generated pages, from a hash
    of the content or the content's last change), and answer 304 when the validator still
    matches. Write `Last-Modified` in the IMF-fixdate form, in GMT.

    ## How to verify
    After the fix, `curl -sI <url> | grep -iE '^(etag|last-modified)'` prints a validator;
    sent back as the first command printed it, `curl -sI -H 'If-None-Match: <etag>' <url>`
    (or `-H 'If-Modified-Since: <date>'`) answers `304 Not Modified`.

    ## Source
    Google crawling docs: "Overview of Google crawlers and fetchers" (HTTP caching: ETag
    and Last-Modified, ETag preferred); RFC 9110 sections 8.8 (validators), 13.1
    (conditional requests) and 5.6.7 (date format).
    """
    if page.status != 200 or not page.is_html or not site.is_internal(page.url):
        return
    etag = (page.header("etag") or "").strip()
    modified = (page.header("last-modified") or "").strip()
    host = host_of(page.url)
    if not etag and not modified:
        yield Hit(
            page.url,
            "No ETag and no Last-Modified header: every crawl downloads the whole page again",
            {  # what the response said instead: reports and tickets show no empty evidence
                "etag": "not sent",
                "last_modified": "not sent",
                "cache_control": page.header("cache-control") or "not sent",
            },
            cause=f"{host}: no ETag or Last-Modified",
        )
        return
    if not modified:
        return
    standard, fixdate = _imf_fixdate(modified)
    if standard:
        return
    evidence = {"etag": etag[:200] or None, "last_modified": modified[:200], "should_be": fixdate}
    if fixdate is None:
        message = f"Last-Modified {modified[:100]!r} is not an HTTP date"
        cause = f"{host}: Last-Modified not a date"
    else:
        message = f"Last-Modified {modified[:100]!r} is not in the standard form ({fixdate})"
        cause = f"{host}: Last-Modified not in the standard date form"
    yield Hit(page.url, message, evidence, cause=cause)


@rule("PERF006", "heavy-html", severity="notice", group="{count} pages have heavy HTML ({cause})")
def heavy_html(page: PageFacts, site: Site) -> Iterator[Hit]:
    """The HTML document is very large; over 2 MB Googlebot ignores the rest.

    ## What it does
    Flags HTML pages whose uncompressed size is above `heavy_html_kb` (default 1,024 KB,
    a tool convention) as a notice, and above 2 MB as an error: Googlebot reads only the
    first 2 MB of an HTML file.

    ## Why it matters
    Past 2 MB, content, links and structured data at the end of the page are invisible to
    Google Search. Below that, heavy HTML (inline data blobs, huge menus, embedded images)
    still slows every page view and crawl.

    ## How to fix
    Move inline data and images to separate cacheable files, paginate long lists, and trim
    repeated markup such as mega-menus rendered several times.

    ## How to verify
    `curl -s <url> | wc -c` (uncompressed bytes) is below the threshold.

    ## Source
    Google Search Central: "Googlebot" (2 MB fetch limit, 2026); Lighthouse "Avoid
    enormous network payloads" (tool convention).
    """
    if page.status != 200 or not page.is_html:
        return
    kb = page.size / 1024
    if page.size > GOOGLEBOT_HTML_LIMIT:
        yield Hit(
            page.url,
            f"HTML is {kb:,.0f} KB: Googlebot reads only the first 2 MB",
            {"bytes": page.size, "truncated": page.truncated},
            cause="over Googlebot's 2 MB",
            severity="error",
        )
    elif kb > limits(site).heavy_html_kb:
        yield Hit(
            page.url,
            f"HTML is {kb:,.0f} KB (threshold {limits(site).heavy_html_kb} KB)",
            {"bytes": page.size},
            cause=f"over {limits(site).heavy_html_kb} KB",
        )


@rule(
    "PERF014",
    "html-not-read-in-full",
    severity="warning",
    group="{count} pages have HTML too complex to read in full ({cause})",
)
def html_not_read_in_full(page: PageFacts, site: Site) -> Iterator[Hit]:
    """The page's HTML nests elements thousands deep, or crowds one element with attributes.

    ## What it does
    Flags pages whose HTML seoaudit cut before parsing it, because parsing the rest would
    take minutes: elements nested thousands deep (usually a template that opens an element
    for each item and never closes it, so each item sits inside the previous one), or one
    element with more than 1,000 attributes. The finding says where the cut is: links, text,
    structured data and tags after it are not in this audit.

    ## Why it matters
    Browsers and Google's renderer (Chromium) stop nesting at 512 levels and attach deeper
    elements side by side, so the page Google renders is not the structure the template
    meant; a DOM that deep or crowded is also slow to render and to run scripts on. And
    whatever the page says after the cut was not checked by this audit.

    ## How to fix
    Close the elements the template opens (check each loop: every `<div>`, `<span>` or
    `<section>` opened per item needs its closing tag in the same iteration), and move
    data held in thousands of attributes into one JSON attribute or a script.

    ## How to verify
    `curl -s <url> | grep -oE '<div|</div' | sort | uniq -c` shows as many `</div` as
    `<div` (the same for the element named in the finding), and the W3C validator
    (https://validator.w3.org/nu/) reports no unclosed elements.

    ## Source
    Chromium's HTML parser (HTMLConstructionSite: at most 512 levels of nesting);
    Lighthouse "Avoid an excessive DOM size" (tool convention).
    """
    cut = page.markup_cut
    if cut is None:
        return
    share = cut.at / cut.of if cut.of else 0.0
    yield Hit(
        page.url,
        f"HTML read only to {share:.0%} ({cut.at / 1024:,.0f} of {cut.of / 1024:,.0f} KB): "
        f"{cut.why}; links, text and structured data after that point are not audited",
        {"read_bytes": cut.at, "html_bytes": cut.of, "why": cut.why},
        cause="elements nested too deep" if cut.why.startswith("elements nested") else cut.why,
    )


@rule(
    "PERF007",
    "render-blocking-resources",
    severity="notice",
    group="{count} pages block rendering with {cause}",
)
def render_blocking_resources(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Scripts (and many stylesheets) in `<head>` block the first paint.

    ## What it does
    Flags indexable pages with classic `<script src>` in `<head>` without `async`, `defer`
    or `type="module"`, or with more render-blocking stylesheets than
    `render_blocking_stylesheets` (default 2; a stylesheet is blocking unless its `media`
    excludes screens). Pages sharing the same blocking files (one template) form one issue.

    ## Why it matters
    The browser stops rendering until each blocking file has downloaded and run, which
    delays the first paint and Largest Contentful Paint, most on slow mobile networks.

    ## How to fix
    Add `defer` (or `async`) to scripts, inline the critical CSS and load the rest
    asynchronously, and merge small stylesheets.

    ## How to verify
    `curl -s <url> | sed -n '/<head/,/<\\/head>/p' | grep -E '<script[^>]+src'` shows only
    scripts with `defer`, `async` or `type="module"`.

    ## Source
    Lighthouse "Eliminate render-blocking resources".
    """
    blocking = [r for r in page.resources if r.render_blocking]
    scripts = [r for r in blocking if r.kind == "script"]
    styles = [r for r in blocking if r.kind == "stylesheet"]
    allowed = limits(site).render_blocking_stylesheets
    if not scripts and len(styles) <= allowed:
        return
    if not searchable(page, site):
        return
    flagged = scripts + (styles if len(styles) > allowed else [])
    names = sorted({r.url or r.src for r in flagged})
    cause = ", ".join(names)
    if len(cause) > 160:
        cause = cause[:159] + "…"
    yield Hit(
        page.url,
        f"{len(scripts)} blocking scripts and {len(styles)} blocking stylesheets in <head>",
        {
            "scripts": [r.url or r.src for r in scripts][:MAX_LISTED],
            "stylesheets": [r.url or r.src for r in styles][:MAX_LISTED],
        },
        cause=cause,
    )


def _lacks_size(image: Resource) -> bool:
    return image.kind == "image" and bool(image.src) and not (image.width and image.height)


@rule(
    "PERF008",
    "image-without-dimensions",
    severity="notice",
    group="{count} pages have images without width and height",
)
def image_without_dimensions(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Images without `width` and `height` attributes (layout shift risk).

    ## What it does
    Flags indexable pages with `<img>` elements missing the `width` or the `height`
    attribute. Sizes set only in CSS (`aspect-ratio`) cannot be seen without a browser, so
    treat this as a hint to check.

    ## Why it matters
    Without dimensions the browser cannot reserve space, so the page jumps as images load:
    Cumulative Layout Shift, a Core Web Vital, and misplaced clicks for visitors.

    ## How to fix
    Add the image's intrinsic `width` and `height` attributes (CSS can still scale it with
    `height: auto`), or reserve space with `aspect-ratio`.

    ## How to verify
    `curl -s <url> | grep -o '<img [^>]*>' | grep -v 'height='` prints nothing.

    ## Source
    web.dev "Optimize Cumulative Layout Shift"; Lighthouse "Use explicit width and height
    on image elements".
    """
    missing = [r for r in page.resources if _lacks_size(r)]
    if missing and searchable(page, site):
        yield Hit(
            page.url,
            f"{len(missing)} images without width and height",
            {"count": len(missing), "images": sorted({r.src for r in missing})[:MAX_LISTED]},
        )


LCP_MIN_WIDTH = 300  # declared px from which an early image is a likely LCP element
LCP_MIN_HEIGHT = 200
LCP_SEARCHED = 5  # the first images of the body looked at (the initial viewport)


def _pixels(value: str | None) -> int:
    text = (value or "").strip().removesuffix("px")
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    return int(text) if text.isascii() and text.isdigit() and len(text) < 6 else 0


@rule("PERF009", "lcp-image-lazy-loaded", severity="notice")
def lcp_image_lazy_loaded(page: PageFacts, site: Site) -> Iterator[Hit]:
    """The page's likely largest image at the top is `loading="lazy"` (a tool convention).

    ## What it does
    Looks at the first five images in the page's body, in document order, and takes the
    first one declared large (`width` of 300 px or more, or `height` of 200 or more): the
    hero or main product image, the likely Largest Contentful Paint element. Flags it when
    it has `loading="lazy"`. Sizes set only in CSS cannot be seen without a browser.

    ## Why it matters
    A lazy image is requested only after layout, when the browser knows it is in view:
    the largest element of the first screen paints late, and Largest Contentful Paint (a
    Core Web Vital) suffers. Lazy loading is for images below the fold.

    ## How to fix
    Remove `loading="lazy"` from the hero image (optionally add `fetchpriority="high"`);
    keep it on the images further down.

    ## How to verify
    `curl -s <url> | grep -o '<img [^>]*>' | head -5` shows no `loading="lazy"` on the
    large image; Lighthouse no longer reports "Largest Contentful Paint image was lazily
    loaded".

    ## Source
    web.dev "Browser-level image lazy loading" and "Optimize Largest Contentful Paint";
    Lighthouse "Largest Contentful Paint image was lazily loaded".
    """
    if not searchable(page, site):
        return
    images = [r for r in page.resources if r.kind == "image" and not r.in_head][:LCP_SEARCHED]
    large = next(
        (
            r
            for r in images
            if _pixels(r.width) >= LCP_MIN_WIDTH or _pixels(r.height) >= LCP_MIN_HEIGHT
        ),
        None,
    )
    if large is not None and (large.loading or "").strip().lower() == "lazy":
        size = f"{(large.width or '?')[:10]}x{(large.height or '?')[:10]}"
        yield Hit(
            page.url,
            f'The likely LCP image {large.src[:200]} ({size}) is loading="lazy"',
            {
                "image": large.url or large.src[:300],
                "size": size,
                "position": images.index(large) + 1,
            },
        )
