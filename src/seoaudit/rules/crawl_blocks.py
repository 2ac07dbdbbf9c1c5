"""Crawl blocks (ROB): robots.txt problems that keep search engines out of the site."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from seoaudit.models import PageFacts
from seoaudit.rules.registry import Hit, rule
from seoaudit.store import LINK_CANONICAL, LINK_HREFLANG, LINK_REDIRECT

if TYPE_CHECKING:
    from seoaudit.site import Site

MANY_INLINKS = 3  # a blocked URL linked from this many pages is treated as important


@rule("ROB001", "robots-txt-unreachable", severity="error", scope="site")
def robots_txt_unreachable(site: Site) -> Iterator[Hit]:
    """robots.txt answers 5xx or 429, or cannot be fetched: Google stops crawling the site.

    ## What it does
    Checks the robots.txt of every audited host. A server error, a 429, a timeout or a
    connection failure on /robots.txt is flagged.

    ## Why it matters
    Google reads an unreachable robots.txt as "disallow everything": it stops crawling
    the whole host (for about 12 hours, then works from its last cached copy for up to 30
    days). New and changed pages are not picked up and a long outage can drop URLs. This
    is the most damaging single error a site can have.

    ## How to fix
    Serve robots.txt as a static file that answers 200 (or 404 for "no rules")
    independently of the application's health; exempt it from WAF and rate limits; never
    answer 503 on it during maintenance.

    ## How to verify
    `curl -sI <origin>/robots.txt` answers 200 or 404, also under load.

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification";
    RFC 9309 section 2.3.1.4.
    """
    for robots in site.robots:
        if robots.outcome == "disallow-all":
            what = f"status {robots.status}" if robots.status is not None else robots.error
            yield Hit(
                robots.url,
                f"robots.txt unreachable ({what}): Google stops crawling {robots.origin}",
                {"status": robots.status, "error": robots.error, "reason": robots.reason},
            )


@rule(
    "ROB008",
    "important-url-disallowed",
    severity="error",
    group="{count} URLs disallowed by {cause}",
)
def important_url_disallowed(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A URL the site wants found is disallowed for the audited crawler by robots.txt.

    ## What it does
    Flags URLs that robots.txt disallows for the audited crawler (Googlebot by default).
    It is an error when the URL matters: listed in a sitemap, the target of a canonical,
    hreflang or redirect, or linked from several pages. Other blocked URLs are notices,
    so intended blocks stay visible without shouting. All URLs blocked by one robots.txt
    line form one issue that names the line.

    ## Why it matters
    A disallowed page cannot be crawled, so its content cannot be indexed. Google may
    still show the bare URL ("Indexed, though blocked by robots.txt") with no snippet and
    a title it makes up, and any noindex or canonical on the page is never seen.

    ## How to fix
    Remove or narrow the robots.txt rule named in the finding (or add a longer `Allow:`
    rule), or stop linking to and listing the URL if it should stay blocked.

    ## How to verify
    `seoaudit robots <url> --as googlebot` prints "allowed".

    ## Source
    Google Search Central: "Introduction to robots.txt"; "How Google interprets the
    robots.txt specification".
    """
    verdict = page.robots
    if verdict is None or verdict.allowed:
        return
    reasons: list[str] = []
    sitemaps = site.sitemaps_of(page.url)
    if sitemaps:
        reasons.append("listed in a sitemap")
    inlinks = site.inlink_count(page.url)
    if inlinks >= MANY_INLINKS:
        reasons.append(f"linked from {inlinks} pages")
    for kind, label in (
        (LINK_CANONICAL, "canonical target"),
        (LINK_HREFLANG, "hreflang target"),
        (LINK_REDIRECT, "redirect target"),
    ):
        if site.referrers(page.url, kind):
            reasons.append(label)
    if verdict.line is not None:
        cause = f"{verdict.robots_url} line {verdict.line}: {verdict.rule}"
    else:
        cause = verdict.reason or f"{verdict.robots_url}"
    yield Hit(
        page.url,
        f"Disallowed for {verdict.agent} by robots.txt"
        + (f" ({', '.join(reasons)})" if reasons else ""),
        {
            "agent": verdict.agent,
            "robots_url": verdict.robots_url,
            "line": verdict.line,
            "rule": verdict.rule,
            "reason": verdict.reason,
            "why_it_matters": reasons,
            "inlinks": inlinks,
            "linked_from": site.linking_pages(page.url, 10),
            "sitemaps": sitemaps,
        },
        cause=cause,
        severity=None if reasons else "notice",
    )
