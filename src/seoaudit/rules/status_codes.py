"""Status codes and redirects (HTTP): what the server answered for each URL of the site."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from seoaudit.models import PageFacts, Severity
from seoaudit.rules.registry import Hit, rule

if TYPE_CHECKING:
    from seoaudit.site import RedirectChain, Site

# Network failures that mean "the server did not answer properly" (Google treats
# timeouts and connection errors like server errors).
NETWORK_ERRORS = frozenset(
    {
        "connect-error",
        "connect-timeout",
        "read-timeout",
        "read-error",
        "protocol-error",
        "deadline",
        "decoding-error",
    }
)
ESCALATE_LINKED_FROM = 5  # a broken URL linked from this many pages is an error


def _linked(page: PageFacts, site: Site) -> dict[str, object]:
    return {
        "inlinks": site.inlink_count(page.url),
        "linked_from": site.linking_pages(page.url, 10),
        "sitemaps": site.sitemaps_of(page.url),
    }


@rule(
    "HTTP001", "broken-internal-url", severity="warning", group="{count} internal URLs answer 4xx"
)
def broken_internal_url(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Internal URL answers 4xx (not found, gone, forbidden...).

    ## What it does
    Flags every URL of the site that answered a 4xx status other than 429, with the pages
    that link to it and the sitemaps that list it.

    ## Why it matters
    Visitors and crawlers hit a dead end; links pointing at the URL pass no value, and
    Google drops 4xx URLs from its index. Escalated to an error when 5 or more pages link
    to the URL (typically a navigation or template link).

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
    yield Hit(
        page.url,
        f"Internal URL answers {status} (linked from {inlinks} pages)",
        evidence,
        severity=severity,
    )


@rule("HTTP002", "server-error", severity="error", group="{count} URLs fail: {cause}")
def server_error(page: PageFacts, site: Site) -> Iterator[Hit]:
    """URL answers 5xx, or the server gives no usable answer (timeout, reset).

    ## What it does
    Flags URLs that answered 500–599, or whose fetch failed at the network level
    (connection refused or reset, timeouts, a body that never finished).

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
    elif page.status is None and page.error in NETWORK_ERRORS:
        yield Hit(
            page.url,
            f"No usable response: {page.error}",
            {"error": page.error, "detail": page.error_detail, **_linked(page, site)},
            cause=f"network: {page.error}",
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


def _is_chain_entry(page: PageFacts, site: Site) -> bool:
    """Report a chain once, at the URL it is entered from, not at every hop."""
    return page.source != "redirect" or site.inlink_count(page.url) > 0


def _chain_evidence(chain: RedirectChain) -> dict[str, object]:
    return {
        "hops": [{"url": u, "status": s} for u, s in chain.hops],
        "final_url": chain.final_url,
        "final_status": chain.final_status,
    }


@rule("HTTP006", "redirect-chain", severity="warning", group="{count} URLs redirect 2+ times")
def redirect_chain(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A URL redirects more than once before reaching its final page.

    ## What it does
    Follows each redirect through the recorded hops and flags chains of 2 or more hops
    (a notice at 2, a warning at 3 or more). Single redirects are fine and not flagged.

    ## Why it matters
    Every hop costs the visitor latency and the crawler a request; Google advises against
    long chains, and other crawlers give up sooner (Common Crawl after 4 hops).

    ## How to fix
    Redirect every old URL straight to the final URL, and update internal links to point
    at the final URL.

    ## How to verify
    `curl -sIL <url> | grep -i '^location'` shows a single Location line.

    ## Source
    Google Search Central: "Redirects and Google Search"; crawl budget guide.
    """
    if not page.hops or not _is_chain_entry(page, site):
        return
    chain = site.redirect_chain(page.url)
    if chain.loop or chain.error or len(chain.hops) < 2 or len(chain.hops) > 10:
        return
    hops = len(chain.hops)
    yield Hit(
        page.url,
        f"Redirect chain of {hops} hops to {chain.final_url}",
        _chain_evidence(chain),
        severity="notice" if hops == 2 else "warning",
    )


@rule(
    "HTTP007",
    "too-many-redirects",
    severity="error",
    group="{count} URLs redirect more than 10 times",
)
def too_many_redirects(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A redirect chain longer than 10 hops: Googlebot gives up.

    ## What it does
    Flags URLs whose redirects go on for more than 10 hops without reaching a page.

    ## Why it matters
    Googlebot follows at most 10 hops and then reports a redirect error: the URL is never
    crawled or indexed.

    ## How to fix
    Collapse the chain: redirect the first URL straight to the final one.

    ## How to verify
    `curl -sIL --max-redirs 10 <url>` ends on a 200.

    ## Source
    Google Search Central: "How HTTP status codes affect Google Search" (redirects).
    """
    if not page.hops or not _is_chain_entry(page, site):
        return
    chain = site.redirect_chain(page.url)
    if page.error == "too-many-redirects" or (not chain.loop and len(chain.hops) > 10):
        yield Hit(
            page.url,
            f"More than 10 redirects ({len(chain.hops)} followed)",
            _chain_evidence(chain),
        )


@rule(
    "HTTP008", "redirect-loop", severity="error", group="{count} URLs in a redirect loop ({cause})"
)
def redirect_loop(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A URL redirects back to itself, directly or through other URLs.

    ## What it does
    Flags URLs whose redirects come back to a URL already in the chain. All URLs of one
    loop form one issue.

    ## Why it matters
    The chain never resolves: the page can be neither crawled nor indexed, and visitors
    see a browser error.

    ## How to fix
    Find the conflicting rewrite rules (often trailing slash versus canonical host, or
    http versus https) and make them agree on one final URL.

    ## How to verify
    `curl -sIL --max-redirs 10 <url>` ends on a 200 instead of failing.

    ## Source
    Google Search Central: "Redirects and Google Search".
    """
    if not page.hops or not _is_chain_entry(page, site):
        return
    chain = site.redirect_chain(page.url)
    if not (chain.loop or page.error == "redirect-loop"):
        return
    members = sorted({u for u, _ in chain.hops})
    yield Hit(
        page.url,
        f"Redirect loop through {len(members)} URLs",
        _chain_evidence(chain),
        cause=f"loop via {members[0]}" if members else None,
    )
