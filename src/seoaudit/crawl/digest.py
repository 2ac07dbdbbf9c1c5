"""What the crawler process keeps of one extracted page: a ``Digest``.

Extraction runs where the page is parsed (a worker process, once the crawl is big enough;
see engine.py). Building a full ``PageFacts`` there and sending it back to the crawler
process cost more than the parse: pickling ~100 links as models one way and rebuilding
them the other. So the worker also does everything the crawler needs from the facts and
sends back plain data only:

- the store row of the page, with the facts already packed (``store.page_row``);
- the links to discover: (URL, link kind, nofollow), in document order, one per link;
- the URLs to check after the crawl (``checks.wanted``) and what the prober samples
  (``probe.offering``).

Owns: that reduction, the same whether it runs in a worker or inline. Must not: touch the
store, the frontier or anything else with state: the engine applies a digest in its own
process.
"""

from __future__ import annotations

from typing import NamedTuple

from seoaudit.config import CrawlSettings
from seoaudit.crawl.checks import wanted
from seoaudit.crawl.probe import Offering, offering
from seoaudit.extract import extract
from seoaudit.indexing import indexability
from seoaudit.models import FetchResult, PageFacts, RobotsVerdict
from seoaudit.store import LINK_A, LINK_CANONICAL, LINK_HREFLANG, PageRow, page_row

Link = tuple[str, int, bool]  # (URL, store link kind, nofollow)


class Digest(NamedTuple):
    row: PageRow
    links: list[Link]
    checks: list[tuple[str, str]]  # (URL, purpose)
    probe: Offering


def links_of(facts: PageFacts) -> list[Link]:
    """Outgoing links, canonicals and hreflang alternates (not self-references)."""
    found = [(link.url, LINK_A, link.nofollow) for link in facts.links if link.url is not None]
    found += [
        (c.url, LINK_CANONICAL, False)
        for c in facts.canonicals
        if c.url is not None and c.url != facts.url
    ]
    found += [
        (h.url, LINK_HREFLANG, False)
        for h in facts.hreflangs
        if h.url is not None and h.url != facts.url
    ]
    return found


def digest(facts: PageFacts, token: str, crawl: CrawlSettings) -> Digest:
    return Digest(
        page_row(facts, None, indexability(facts, token)),
        links_of(facts),
        wanted(facts, crawl),
        offering(facts),
    )


def extract_digest(
    result: FetchResult,
    verdict: RobotsVerdict | None,
    hosts: frozenset[str],
    token: str,
    crawl: CrawlSettings,
) -> Digest:
    """Extract one fetched page and reduce it to its digest (runs in a worker process)."""
    return digest(extract(result, robots=verdict, internal_hosts=hosts), token, crawl)
