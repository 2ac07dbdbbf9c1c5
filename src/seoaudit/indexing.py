"""Indexing: the one definition of a page's effective robots directives and of whether it
is indexable, and why not.

Google combines every robots directive that applies to a crawler: meta tags and
X-Robots-Tag headers, the generic ones (``robots``, or a header with no agent) and the
ones naming the crawler (``googlebot``). When they conflict, the most restrictive wins
(Google Search Central, "Robots meta tag, data-nosnippet, and X-Robots-Tag
specifications"). ``none`` means ``noindex, nofollow``.

Indexability, in the order Google would stop: not crawlable (blocked by robots.txt),
no usable response, redirected, not a 200, noindex, canonicalised to another URL.
Everything that asks "is this page indexable?" reads ``indexability`` (stored with the
page by the crawl and exposed by ``Site``); nothing else decides it.
"""

from __future__ import annotations

from typing import Literal

from seoaudit.models import Hreflang, PageFacts

Reason = Literal[
    "blocked-by-robots",
    "no-response",
    "redirected",
    "non-200",
    "noindex",
    "canonicalised",
]
INDEXABLE = "indexable"

# Google crawlers that also obey the directives addressed to another token.
_ALSO_OBEYS: dict[str, tuple[str, ...]] = {
    "googlebot-news": ("googlebot",),
    "googlebot-image": ("googlebot",),
    "googlebot-video": ("googlebot",),
}


def agents_for(crawler: str) -> set[str]:
    crawler = crawler.lower()
    return {"*", crawler, *_ALSO_OBEYS.get(crawler, ())}


def effective_directives(page: PageFacts, crawler: str = "googlebot") -> set[str]:
    """Every directive token that applies to ``crawler``, combined (most restrictive wins:
    a noindex from any applicable source makes the page noindex)."""
    agents = agents_for(crawler)
    tokens: set[str] = set()
    for directive in page.directives:
        if directive.agent in agents:
            tokens.update(directive.tokens)
    if "none" in tokens:
        tokens.update(("noindex", "nofollow"))
    return tokens


def is_noindex(page: PageFacts, crawler: str = "googlebot") -> bool:
    return "noindex" in effective_directives(page, crawler)


def canonical_target(page: PageFacts) -> str | None:
    """The canonical URL Google would read: the first valid one in the head (before the
    head ended) or in a Link header. Body canonicals are ignored by Google."""
    for canonical in page.canonicals:
        if canonical.source == "body" or canonical.after_head_end or canonical.url is None:
            continue
        return canonical.url
    return None


def hreflang_annotations(page: PageFacts) -> list[Hreflang]:
    """The hreflang annotations Google reads on the page itself: in the head (before the
    head ended) or in a Link header, with a resolvable URL. Body ones are ignored by Google.
    Sitemap annotations for the URL are read from ``Site.sitemap_hreflangs``."""
    return [
        h
        for h in page.hreflangs
        if h.source in ("head", "header") and not h.after_head_end and h.url is not None
    ]


def indexability(page: PageFacts, crawler: str = "googlebot") -> str:
    """ "indexable", or the first reason (a ``Reason``) the page cannot be indexed."""
    if page.robots is not None and not page.robots.allowed and page.status is None:
        return "blocked-by-robots"
    if page.status is None:
        return "no-response" if not page.hops else "redirected"
    if 300 <= page.status < 400:
        return "redirected"
    if page.status != 200:
        return "non-200"
    if page.robots is not None and not page.robots.allowed:
        return "blocked-by-robots"  # fetched with --ignore-robots: Google could not
    if is_noindex(page, crawler):
        return "noindex"
    target = canonical_target(page)
    if target is not None and target != page.url:
        return "canonicalised"
    return INDEXABLE
