"""Crawl traps (PERF003): URL spaces that never end, as the crawl met them.

The crawl recognises endless URL spaces as it discovers URLs (crawl/traps.py), skips them
and counts them per reason and site section; this rule turns each count into a finding a
developer can act on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from seoaudit.rules.registry import Hit, rule

if TYPE_CHECKING:
    from seoaudit.site import Site

_WHY = {
    "endless-pattern": "each page links one step further (calendar or pagination without end)",
    "session-id": "the same pages under new session ids in their URLs",
    "parameter-explosion": "filters and facets multiplying parameter combinations",
    "parameter-order": "the same parameters linked in ever new orders",
    "repeating-path-segments": "relative links that repeat path segments without end",
    "url-too-long": "URLs longer than browsers and crawlers handle",
}


@rule(
    "PERF003",
    "crawl-trap",
    severity="warning",
    scope="site",
    group="{count} crawl traps",
)
def crawl_trap(site: Site) -> Iterator[Hit]:
    """A URL space that never ends: crawlers waste their visits on it.

    ## What it does
    Reports, per site section and cause, the URLs the crawl recognised as an endless URL
    space and skipped: calendars or pagination whose "next" link never ends, session ids in
    links, filter and facet combinations that multiply, the same parameters in ever new
    orders, relative links that repeat path
    segments, and URLs over 2,048 characters. Each finding gives the count and examples.

    ## Why it matters
    Googlebot has a limited crawl budget per site. Every visit spent in an endless space is
    a visit not spent on real pages, so new and changed pages are found later; Google names
    infinite spaces as a main cause of wasted crawling. The duplicates they produce also
    dilute signals.

    ## How to fix
    Stop generating the links: cap calendars and pagination at the last real page, keep
    session ids in cookies, not URLs, make filter links `rel="nofollow"` or disallow their
    parameters in robots.txt (e.g. `Disallow: /*?*color=`), and use absolute or root-relative
    links where relative ones repeat segments.

    ## How to verify
    Audit again: `seoaudit audit <start URL> --select PERF003 --isolated` reports no
    PERF003 for the section, and the example URLs are no longer linked from the site.

    ## Source
    Google Search Central: "Crawl budget management for large sites" (infinite spaces);
    "Managing crawling of faceted navigation URLs".
    """
    for reason, section, count, examples in site.traps:
        what = _WHY.get(reason, reason)
        message = f"URL space looks endless under {section}: {count} URLs skipped ({what})"
        yield Hit(
            examples[0] if examples else site.start_urls[0],
            message,
            {"reason": reason, "section": section, "skipped": count, "examples": examples},
            cause=f"{reason} under {section}",
        )
