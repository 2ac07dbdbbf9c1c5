"""Status codes (HTTP): what the server answered for each URL of the site.

Owns the broken-URL rules (4xx, 5xx, 429, 503 without Retry-After) and the one definition
of a soft 404 (``soft_404s``): a 200 page whose content says "not found" or that many URLs
answer alike. Redirect rules live in ``redirects.py``; links in ``links.py``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from seoaudit.models import TLS_ERROR, PageFacts, Severity
from seoaudit.persite import per_site
from seoaudit.rules.common import refreshes_away
from seoaudit.rules.registry import Hit, rule

if TYPE_CHECKING:
    from seoaudit.site import Site
    from seoaudit.summary import PageSummary

# Network failures that mean "the server did not answer properly" (Google treats
# timeouts and connection errors like server errors). A rejected TLS certificate is one
# too, but HTTP002 leaves it to ONP019 (certificates.py): its fix is the certificate.
NETWORK_ERRORS = frozenset(
    {
        "connect-error",
        TLS_ERROR,
        "connect-timeout",
        "read-timeout",
        "read-error",
        "protocol-error",
        "deadline",
        "decoding-error",
    }
)
ESCALATE_LINKED_FROM = 5  # a broken URL linked from this many pages is an error
MAX_LINKED_FROM = 100  # linking pages listed in a finding's evidence


def _linked(page: PageFacts, site: Site) -> dict[str, object]:
    return {
        "inlinks": site.inlink_count(page.url),
        "linked_from": site.linking_pages(page.url, MAX_LINKED_FROM),
        "sitemaps": site.sitemaps_of(page.url),
    }


@rule(
    "HTTP001", "broken-internal-url", severity="warning", group="{count} internal URLs answer 4xx"
)
def broken_internal_url(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Internal URL answers 4xx (not found, gone, forbidden...).

    ## What it does
    Flags every URL of the site that answered a 4xx status other than 429, with every page
    that links to it (up to 100 listed) and the sitemaps that list it.

    ## Why it matters
    Visitors and crawlers hit a dead end; links pointing at the URL pass no value, and
    Google drops 4xx URLs from its index. Escalated to an error when 5 or more pages link
    to the URL (typically a navigation or template link), and when it is the start URL of
    the audit (a mistyped URL in a CI job must fail it, not pass as a warning).

    ## How to fix
    Update the links to point at a live URL, or redirect (301) the removed URL to its
    closest replacement. Remove it from sitemaps.

    ## How to verify
    `curl -sI <url>` answers 200 (or 301 to a live page), and a new audit no longer lists it.

    ## Source
    Google Search Central: "How HTTP status codes affect Google Search".
    """
    status = page.status
    if status is None or not 400 <= status < 500 or status == 429 or page.is_redirect:
        return
    evidence = {"status": status, **_linked(page, site)}
    inlinks = site.inlink_count(page.url)
    severity: Severity | None = "error" if inlinks >= ESCALATE_LINKED_FROM else None
    if page.url in _start_pages(site):  # a mistyped start URL must not pass as one warning
        yield Hit(
            page.url,
            f"The start URL answers {status}: the audit began on a page that does not "
            "exist for visitors (is the URL right?)",
            {**evidence, "start_url": True},
            severity="error",
        )
        return
    yield Hit(
        page.url,
        f"Internal URL answers {status} (linked from {inlinks} page{'' if inlinks == 1 else 's'})",
        evidence,
        severity=severity,
    )


@per_site
def _start_pages(site: Site) -> frozenset[str]:
    """The run's start URLs and where they redirect to: followed once per Site, not once
    per page answering 4xx."""
    finals = {site.redirect_chain(start).final_url for start in site.start_urls}
    return frozenset(site.start_urls) | {url for url in finals if url is not None}


@rule("HTTP002", "server-error", severity="error", group="{count} URLs fail: {cause}")
def server_error(page: PageFacts, site: Site) -> Iterator[Hit]:
    """URL answers 5xx, or the server gives no usable answer (timeout, reset).

    ## What it does
    Flags URLs that answered 500–599, or whose fetch failed at the network level
    (connection refused or reset, timeouts, a body that never finished), or that answered
    with a body no client can decode (`Content-Encoding: gzip` on a plain body, an
    encoding browsers do not support).

    ## Why it matters
    Google slows crawling of the whole host when it sees server errors, and URLs that
    keep failing for days are dropped from the index.

    ## How to fix
    Fix the application error or capacity problem behind the URL. For planned downtime,
    answer 503 with a Retry-After header, for at most a day or two.

    ## How to verify
    `curl -sI <url>` answers 200 repeatedly; the server's error log shows no failures.

    ## Source
    Google Search Central: "How HTTP status codes affect Google Search";
    "Reduce the Googlebot crawl rate".
    """
    if page.status is not None and page.status >= 500:
        yield Hit(
            page.url,
            f"Server error {page.status}",
            {"status": page.status, **_linked(page, site)},
            cause=f"status {page.status}",
        )
    elif page.status is None and page.error in NETWORK_ERRORS and page.error != TLS_ERROR:
        yield Hit(
            page.url,
            f"No usable response: {page.error}",
            {"error": page.error, "detail": page.error_detail, **_linked(page, site)},
            cause=f"network: {page.error}",
        )
    elif page.error == "decoding-error":  # a status, and a body no client can read
        yield Hit(
            page.url,
            f"Answers {page.status} with a body that cannot be decoded: {page.error_detail}",
            {
                "status": page.status,
                "error": page.error,
                "detail": page.error_detail,
                "content_encoding": page.header("content-encoding"),
                **_linked(page, site),
            },
            cause="body cannot be decoded (Content-Encoding)",
        )


@rule("HTTP003", "rate-limited", severity="error", group="{count} URLs answer 429")
def rate_limited(page: PageFacts, site: Site) -> Iterator[Hit]:
    """URL answers 429 Too Many Requests to the crawler.

    ## What it does
    Flags URLs that still answered 429 after the crawler's bounded, Retry-After-honouring
    retries.

    ## Why it matters
    Google treats 429 like a server error: it slows crawling of the whole host, and a
    prolonged 429 gets URLs dropped. Rate limiting aimed at bots often catches search
    crawlers.

    ## How to fix
    Exempt verified search crawlers from the rate limit, or raise the limit; use 429 only
    as a short emergency brake.

    ## How to verify
    Fetch the URL with the crawler's user agent: `curl -sI -A Googlebot <url>` answers 200.

    ## Source
    Google Search Central: "Reduce the Googlebot crawl rate"; RFC 6585 section 4.
    """
    if page.status == 429:
        yield Hit(
            page.url,
            "Rate limited: 429 Too Many Requests",
            {"status": 429, "retry_after": page.header("retry-after"), "attempts": page.attempts},
        )


@rule(
    "HTTP015",
    "503-without-retry-after",
    severity="notice",
    group="{count} URLs answer 503 without Retry-After",
)
def unavailable_without_retry_after(page: PageFacts, site: Site) -> Iterator[Hit]:
    """URL answers 503 Service Unavailable without a Retry-After header.

    ## What it does
    Flags URLs that answered 503 (after the crawler's retries) and sent no `Retry-After`
    header. The 503 itself is reported by HTTP002; this adds the missing hint.

    ## Why it matters
    503 is the right answer for planned downtime, and `Retry-After` tells crawlers when to
    come back. Without it Google guesses, and a 503 that lasts more than a day or two
    starts dropping URLs from the index.

    ## How to fix
    Send `Retry-After: <seconds>` (or an HTTP date) with every 503, and keep 503 periods
    short; for long closures serve a 200 placeholder page instead.

    ## How to verify
    `curl -sI <url>` shows a `Retry-After` header next to the 503 (or answers 200).

    ## Source
    Google Search Central: "Pause or disable a website"; RFC 9110 section 10.2.3.
    """
    if page.status == 503 and not (page.header("retry-after") or "").strip():
        yield Hit(page.url, "503 without a Retry-After header", {"status": 503})


# -- soft 404 ----------------------------------------------------------------------------

# "Not found" wording in a title or main heading. Only read on thin pages: an article about
# fixing 404 errors has content; an error page served with 200 has next to none.
# "404" counts as an error code only where error pages put it (a title "404", "Error
# 404", "404 - Page", "(404)"), not as any number: "Peugeot 404", "page 404 of 900".
_NOT_FOUND = re.compile(
    r"^\W*404\b|\b(?:error|fehler|erreur|http|code)\W{0,3}404\b|\b404\W{0,3}error"
    r"|\b404\s*[-–—|:!]|\(404\)"
    r"|\b(?:not found|page (?:cannot|can't|could not) be found|no longer (?:available|exists)"
    r"|does(?:n't| not) exist|no (?:results|products|items) found|nicht gefunden"
    r"|existiert nicht|introuvable|page non trouvée|no encontrad[ao]|non trovat[ao]"
    r"|niet gevonden)\b",
    re.IGNORECASE,
)


def _without_query(url: str) -> str:
    split = urlsplit(url)
    return f"{split.netloc}{split.path}"


def _says_not_found(summary: PageSummary) -> str | None:
    for text in [summary.title or "", *summary.h1]:
        if _NOT_FOUND.search(text):
            return text[:200]
    return None


@per_site
def soft_404s(site: Site) -> dict[str, tuple[str, str | None]]:
    """Every URL that looks like a soft 404 -> (why, the cause it shares with other URLs or
    None). Built once per Site from ``site.summaries()``; HTTP005 and SMP010 read it.

    A soft 404 is a 204, an empty 200, or an indexable 200 HTML page that is thin and either
    says "not found" in its title or H1, or is the same page (same visible text) that at
    least ``soft_404_same_page`` different paths answer: a catch-all error template. Query
    variants of one path do not count: those are duplicates, not missing pages."""
    found: dict[str, tuple[str, str | None]] = {}
    limits = site.thresholds
    thin: dict[str, list[PageSummary]] = defaultdict(list)
    for summary in site.summaries():
        if summary.status == 204:
            found[summary.url] = ("answers 204 No Content", None)
            continue
        if summary.status != 200 or summary.indexability != "indexable":
            continue
        if refreshes_away(summary.url, summary.refresh):
            continue  # a meta refresh redirect (HTTP010), not a page of its own
        if summary.size == 0:
            if site.error(summary.url) is None:  # else a body that did not decode: HTTP002
                found[summary.url] = ("answers 200 with an empty body", None)
            continue
        if not summary.is_html or summary.word_count >= limits.thin_content_words:
            continue
        text = _says_not_found(summary)
        if text is not None:
            found[summary.url] = (f"thin page that says {text!r}", None)
        elif summary.word_count > 0 and summary.fingerprint:
            thin[summary.fingerprint].append(summary)
    for members in thin.values():
        paths = {_without_query(m.url) for m in members}
        if len(paths) < max(limits.soft_404_same_page, 2):
            continue
        label = (members[0].title or "untitled")[:80]
        # Not how many URLs: a cause is part of the baseline fingerprint, and one more URL
        # answering the page must not make the known ones new (the message counts them).
        cause = f"one thin page answers many URLs: {label!r}"
        for member in members:
            found[member.url] = (
                f"answers the same thin page as {len(members) - 1} other URLs",
                cause,
            )
    return found


@rule("HTTP005", "soft-404", severity="warning", scope="site", group="{count} soft 404s ({cause})")
def soft_404(site: Site) -> Iterator[Hit]:
    """Page answers 200 but shows "not found" or no content: a soft 404.

    ## What it does
    Flags indexable pages that answer 200 (or 204) while their content signals absence:
    a thin page whose title or H1 says "not found", "404", "no longer available", "no
    results found" (and the same in a few other languages); an empty body; or one thin
    page that at least 3 different paths answer identically (a catch-all error template).
    Pages with a real amount of text are never flagged for wording alone.

    ## Why it matters
    Google detects such pages and reports them as soft 404s: they are excluded from the
    index, and crawling them wastes budget that real pages need. Visitors who land there
    from a link get an error page the server calls a success.

    ## How to fix
    Answer 404 (or 410) for content that does not exist, 301 moved content to its new
    URL, and give empty listings real content or a noindex. For single-page applications
    route unknown URLs to a server-side 404.

    ## How to verify
    `curl -s -o /dev/null -w '%{http_code}' <url>` prints 404 for a missing page; a
    random path such as `<origin>/does-not-exist-123` also answers 404.

    ## Source
    Google Search Central: "Troubleshoot Google Search crawling errors" (soft 404);
    "How HTTP status codes affect Google Search".
    """
    for url, (why, cause) in sorted(soft_404s(site).items()):
        yield Hit(
            url,
            f"Soft 404: {why}",
            {"why": why, "inlinks": site.inlink_count(url), "sitemaps": site.sitemaps_of(url)},
            cause=cause,
        )
