"""Links: the internal link graph as search engines walk it (HTTP, ONP, PERF codes).

Owns the rules about links themselves: links to redirects, broken external links (opt-in),
empty and generic anchor text, nofollow and plain-http internal links, and pages buried
deep in the click graph. Broken internal URLs are ``status_codes.py``; orphans (listed in a
sitemap, linked from nowhere) are ``sitemaps.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from seoaudit.crawl.urls import host_of
from seoaudit.models import TLS_ERROR, Link, PageFacts, Severity
from seoaudit.rules.certificates import problem, rejected
from seoaudit.rules.common import limits
from seoaudit.rules.registry import Hit, rule

if TYPE_CHECKING:
    from seoaudit.site import Site

MAX_LISTED = 20  # links listed in one finding's evidence
# Anchor texts that say nothing about the target (Google: "write good anchor text"), in
# the languages most sites we meet use. Compared after lower-casing and trimming
# punctuation and arrows.
GENERIC_ANCHORS = frozenset(
    {
        "click here",
        "click",
        "here",
        "read more",
        "more",
        "learn more",
        "link",
        "this link",
        "this page",
        "website",
        "continue",
        "go",
        "hier",
        "mehr",
        "weiterlesen",
        "mehr erfahren",
        "hier klicken",
        "ici",
        "cliquez ici",
        "en savoir plus",
        "lire la suite",
        "aquí",
        "haga clic aquí",
        "leer más",
        "más",
        "qui",
        "clicca qui",
        "leggi di più",
        "klik hier",
        "lees meer",
    }
)
_TRIM = re.compile(r"^[\W_]+|[\W_]+$")
_GENERIC_MAX = max(len(text) for text in GENERIC_ANCHORS) + 8  # room for arrows, dots
# External answers that usually mean "bots not welcome", not "link broken": a crawler
# cannot tell, so they are not reported (LinkedIn answers 999).
_BOT_WALLS = frozenset({401, 403, 405, 406, 429, 451, 999})


def _targets(links: list[Link]) -> list[str]:
    return sorted({link.url for link in links if link.url})[:MAX_LISTED]


# -- links to redirects and broken external links --------------------------------------


@rule(
    "HTTP014",
    "internal-link-to-redirect",
    severity="notice",
    group="{count} redirecting URLs are linked from the site",
)
def internal_link_to_redirect(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Internal links point at a URL that redirects.

    ## What it does
    Flags every redirecting URL of the site that pages link to with `<a href>`, with the
    pages that link to it and where the redirect ends. The redirect itself may be fine (a
    single 301 is not a chain); the links should point at the final URL. Redirect loops
    are left to HTTP008.

    ## Why it matters
    Each click and each crawl pays an extra request, and a link to a redirect is a weaker
    canonical signal than a link to the final URL. On large sites this adds up to wasted
    crawl budget.

    ## How to fix
    Update the links (usually in a template, menu or CMS field) to the final URL shown in
    the evidence.

    ## How to verify
    `curl -s <linked-from> | grep -o 'href="[^"]*"'` (a page the evidence names) shows the
    final URL where the redirecting one was; `curl -sI <final-url>` answers 200.

    ## Source
    Google Search Central: "How to specify a canonical URL" (links as signals);
    "Troubleshoot Google Search crawling errors" (redirects and crawl efficiency).
    """
    if not page.hops or page.hops[0].url != page.url:
        return
    inlinks = site.inlink_count(page.url)
    if inlinks == 0:
        return
    chain = site.redirect_chain(page.url)
    if chain.loop or chain.final_url in (None, page.url):
        return  # a loop (HTTP008) or a redirect that goes nowhere (HTTP013)
    yield Hit(
        page.url,
        f"Linked from {inlinks} pages but redirects to {chain.final_url}",
        {
            "status": page.hops[0].status,
            "final_url": chain.final_url,
            "final_status": chain.final_status,
            "inlinks": inlinks,
            "linked_from": site.linking_pages(page.url, MAX_LISTED),
        },
    )


@rule(
    "HTTP019",
    "broken-external-link",
    severity="warning",
    scope="site",
    group="{count} external links are broken",
)
def broken_external_link(site: Site) -> Iterator[Hit]:
    """An external link answers 404, 410, 5xx or fails (opt-in: `--check-external`).

    ## What it does
    When the audit runs with `--check-external`, every external URL linked from the site
    is fetched once after the crawl. A 404, a 410, a host that cannot be reached or one
    whose TLS certificate is rejected is a warning; a 5xx, other 4xx or a timeout is a
    notice (it may be temporary). Answers that
    usually mean "no bots" rather than "gone" (401, 403, 405, 429, 999...) are not
    reported: a crawler cannot tell them apart.

    ## Why it matters
    Visitors following the link hit a dead end, which reflects on the linking page; many
    dead outbound links are a sign of unmaintained content.

    ## How to fix
    Update the link to the resource's new address, link an archived copy, or remove it.

    ## How to verify
    `curl -sIL <url>` answers 200 (check in a browser when a site blocks curl).

    ## Source
    Google Search Central: "Link best practices for Google"; RFC 9110 section 15.5.
    """
    for check in site.checks("external-link"):
        status, error = check.status, check.error
        gone = status in (404, 410) or (
            status is None and error in ("connect-error", TLS_ERROR, "invalid-url")
        )
        failing = (status is not None and status >= 400 and status not in _BOT_WALLS) or (
            status is None and error is not None
        )
        if not failing:
            continue
        severity: Severity | None = None if gone else "notice"
        if status is not None:
            message = f"External link answers {status}"
        elif error == TLS_ERROR:
            host, words = host_of(check.final_url), problem(check.error_detail)
            message = f"External link fails: {rejected(host, words, audited=False)}"
        else:
            message = f"External link fails: {error}"
        yield Hit(
            check.url,
            message,
            {
                "status": status,
                "error": error,
                "detail": check.error_detail,
                "final_url": check.final_url,
                "linked_from": site.linking_pages(check.url, MAX_LISTED),
            },
            severity=severity,
        )


# -- anchors and link attributes ---------------------------------------------------------


def _anchor_problem(link: Link) -> str | None:
    """ "empty", "generic" or None for the anchor text Google reads for ``link``."""
    text = link.text or link.image_alt or link.title or ""
    if not text.strip():
        return "empty"
    return "generic" if len(text) <= _GENERIC_MAX and _is_generic(text) else None


@lru_cache(maxsize=65_536)  # anchor texts repeat across pages (menus, "Read more")
def _is_generic(text: str) -> bool:
    return _TRIM.sub("", text.lower()) in GENERIC_ANCHORS


@rule(
    "ONP013",
    "poor-anchor-text",
    severity="warning",
    group="{count} pages link with {cause}",
)
def poor_anchor_text(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Internal links with empty or generic anchor text ("click here", "read more").

    ## What it does
    Reads the anchor text of every internal link to another page: the link's text, else
    the alt text of an image inside it, else its `title` or `aria-label`. A link with none
    of these is a warning (empty); a link whose whole text is generic ("click here",
    "read more", "here", "more", and the same in a few other languages) is a notice.
    Links to the page itself (such as `href="#"`) are skipped.

    ## Why it matters
    Google uses anchor text to understand what the target page is about; an empty anchor
    tells it nothing, and screen-reader users hear only "link". Generic text wastes the
    signal.

    ## How to fix
    Give every link a short text that describes its target; for icon or image links, add
    an `alt` on the image or an `aria-label` on the link.

    ## How to verify
    `curl -s <url> | grep -o '<a [^>]*>[^<]*</a>'` shows text in each link the evidence
    lists (or an `<img alt>` / `aria-label` for icon links).

    ## Source
    Google Search Central: "Link best practices for Google" (anchor text).
    """
    found: dict[str, list[Link]] = {}
    for link in page.links:
        if not link.internal or link.url is None or link.url == page.url:
            continue
        problem = _anchor_problem(link)
        if problem is not None:
            found.setdefault(problem, []).append(link)
    for problem, links in sorted(found.items()):
        yield Hit(
            page.url,
            f"{len(links)} internal links with {problem} anchor text",
            {
                "count": len(links),
                "links": [{"href": link.href, "text": link.text} for link in links[:MAX_LISTED]],
            },
            cause=f"{problem} anchor text",
            severity="notice" if problem == "generic" else None,
        )


@rule(
    "ONP024",
    "nofollow-internal-link",
    severity="notice",
    group="{count} pages nofollow their links to indexable pages",
)
def nofollow_internal_link(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Internal links to indexable pages carry rel="nofollow" (or ugc, sponsored).

    ## What it does
    Flags pages whose internal links carry `rel="nofollow"`, `"ugc"` or `"sponsored"`
    while the target is an indexable page of the site. Nofollow links to login, cart or
    other non-indexable pages are not flagged: that is a deliberate, harmless choice.

    ## Why it matters
    Google treats nofollow as a hint not to follow or credit the link. On internal links
    it only withholds signals from your own pages (it does not "save" PageRank for
    others), and a page linked only through nofollow links may be crawled late or not at
    all.

    ## How to fix
    Remove `nofollow` from internal links to pages you want indexed; for pages you do not
    want indexed use `noindex` or robots.txt instead.

    ## How to verify
    `curl -s <url> | grep -io '<a [^>]*rel="[^"]*nofollow[^>]*>'` lists none of the
    targets in the evidence.

    ## Source
    Google Search Central: "Qualify your outbound links to Google"; "Link best practices
    for Google".
    """
    links = [
        link
        for link in page.links
        if link.nofollow
        and link.internal
        and link.url is not None
        and link.url != page.url
        and site.is_indexable(link.url)
    ]
    if links:
        yield Hit(
            page.url,
            f"{len(links)} nofollow links to indexable pages of the site",
            {"count": len(links), "targets": _targets(links)},
        )


@rule(
    "ONP025",
    "insecure-internal-link",
    severity="notice",
    group="{count} https pages link to http URLs of the site",
)
def insecure_internal_link(page: PageFacts, site: Site) -> Iterator[Hit]:
    """An https page links to pages of the same site over plain http.

    ## What it does
    Flags https pages with internal links whose URL starts with `http://`. A notice when
    the http URLs redirect to https (an extra hop per click); a warning when one of them
    answers 200 over http (the site serves the page insecurely, as a duplicate).

    ## Why it matters
    Each such link costs a redirect, or sends visitors and crawlers to an unencrypted copy
    of the page that competes with the https one for indexing.

    ## How to fix
    Use https (or root-relative `/path`) URLs in internal links; fix hard-coded `http://`
    links in templates and content.

    ## How to verify
    `curl -s <url> | grep -o 'href="http://<host>[^"]*"'` prints nothing.

    ## Source
    Google Search Central: "How to specify a canonical URL" (Google prefers https);
    "Link best practices for Google".
    """
    if not page.url.startswith("https://"):
        return
    links = [
        link
        for link in page.links
        if link.internal and link.url is not None and link.url.startswith("http://")
    ]
    if not links:
        return
    targets = _targets(links)
    served = [t for t in targets if site.status(t) == 200]
    yield Hit(
        page.url,
        f"{len(links)} internal links use http://",
        {"count": len(links), "targets": targets, "answer_200_over_http": served},
        severity="warning" if served else None,
    )


# -- depth -------------------------------------------------------------------------------


@rule(
    "PERF013",
    "deep-page",
    severity="notice",
    group="{count} indexable pages are more than the allowed clicks from the start",
)
def deep_page(page: PageFacts, site: Site) -> Iterator[Hit]:
    """An indexable page is more clicks from the home page than the configured depth.

    ## What it does
    Computes each page's click depth: the fewest links a visitor must follow from a start
    URL (redirects cost no click). Flags indexable HTML pages deeper than
    `max_click_depth` (default 4, a tool convention; configurable). Pages no link reaches
    at all are orphans (SMP021), not deep pages.

    ## Why it matters
    Pages far from the home page get little internal link value and are crawled less
    often; Google discovers and refreshes them later, and visitors rarely find them.

    ## How to fix
    Link important deep pages from hubs, categories or the navigation; add pagination
    shortcuts, breadcrumbs and related-content links so every page is a few clicks away.

    ## How to verify
    `seoaudit audit <start url> --select PERF013 --isolated` no longer lists the page.

    ## Source
    Google Search Central: "Link best practices for Google"; "Optimize your crawl budget"
    (tool convention for the threshold).
    """
    if page.status != 200 or not page.is_html:
        return
    depth = site.click_depth(page.url)
    limit = limits(site).max_click_depth
    if depth is None or depth <= limit or not site.is_indexable(page.url):
        return
    yield Hit(
        page.url,
        f"{depth} clicks from the start page (threshold {limit})",
        {"click_depth": depth, "threshold": limit},
    )
