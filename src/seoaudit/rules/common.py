"""Preconditions and helpers shared by the link, on-page, sitemap and speed rules.

Owns: ``limits`` (the run's thresholds, validated once per Site rather than once per page),
``searchable`` (the one precondition of the on-page rules: an indexable HTML page that
answered 200, not sent elsewhere by an instant refresh), ``found_signals`` (why a URL
matters, for the rules that flag a wanted URL kept out), the refresh parser
(``parse_refresh``, ``refreshes_away``), the pagination test duplicate rules use, and
``duplicate_cause`` (how pages sharing one value become one issue) and ``robots_cause``
(how URLs blocked by one robots.txt line become one issue; ``robots_line`` says where
that line is).

Must not: decide indexability (``indexing.py`` does) or read the store.
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

from seoaudit.config import Thresholds
from seoaudit.crawl.urls import PAGE_PARAMETER_NAMES, PAGE_SEGMENTS, resolve
from seoaudit.models import PageFacts
from seoaudit.persite import per_site

if TYPE_CHECKING:
    from seoaudit.site import Site

# Page-number query parameters (crawl.urls.PAGE_PARAMETER_NAMES) as an alternation.
PAGE_PARAMETERS = "|".join(sorted(PAGE_PARAMETER_NAMES))
# Page 2+ of a series: /page/3/, /p/3, ?page=3, ?p=3, ?pg=3, ?paged=3, and offsets.
_PAGE_NUMBER = re.compile(
    rf"/(?:{PAGE_SEGMENTS})/(?P<n>\d+)/?$"
    rf"|[?&](?:{PAGE_PARAMETERS})=(?P<q>\d+)(?:&|$)"
    r"|[?&](?:start|offset)=(?P<o>\d+)(?:&|$)",
    re.IGNORECASE,
)
CAUSE_CHARS = 80  # characters of a shared value quoted in an issue's cause
# <meta http-equiv="refresh" content="5; url=/next">: delay, then an optional URL.
_REFRESH = re.compile(
    r"""^\s*(\d+(?:\.\d*)?)\s*(?:[;,]\s*(?:url\s*=\s*)?(?P<q>['"]?)(?P<url>.*?)(?P=q)\s*)?$""",
    re.IGNORECASE | re.DOTALL,
)


def clip(text: str, limit: int = 120) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis: crawled text (names, dates,
    titles) is as long as a page makes it, and messages must stay readable."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@per_site
def limits(site: Site) -> Thresholds:
    """The run's thresholds, validated once per Site (page rules ask for every page)."""
    return site.thresholds


def searchable(page: PageFacts, site: Site) -> bool:
    """An HTML page that answered 200 and can be indexed: what on-page rules judge. A page
    kept out of the index (noindex, canonicalised, blocked) never shows its title or
    snippet in search results, so its on-page details are not worth a finding; nor does a
    page that an instant meta refresh sends elsewhere (Google indexes the target)."""
    if page.status != 200 or not page.is_html or not site.is_indexable(page.url):
        return False
    return not refreshes_away(page.url, page.meta_refresh or page.header("refresh"))


def found_signals(page: PageFacts, site: Site) -> tuple[list[str], list[str], int]:
    """(reasons, sitemaps, inlinks): the signals that the site wants a URL found that
    ROB008 (blocked) and IDX001 (noindex) share: listed in a sitemap, linked from many
    pages. Each rule appends its own reasons after these."""
    reasons: list[str] = []
    sitemaps = site.sitemaps_of(page.url)
    if sitemaps:
        reasons.append("listed in a sitemap")
    inlinks = site.inlink_count(page.url)
    if inlinks >= site.thresholds.many_inlinks:
        reasons.append(f"linked from {inlinks} pages")
    return reasons, sitemaps, inlinks


def is_paginated(url: str) -> bool:
    """Page 2 or later of a paginated series (Google: such pages may share titles)."""
    match = _PAGE_NUMBER.search(url)
    if match is None:
        return False
    if match.group("o") is not None:
        return int(match.group("o")) > 0
    return int(match.group("n") or match.group("q")) >= 2


def duplicate_cause(kind: str, value: str) -> str:
    """The cause that makes pages sharing one ``value`` one issue: for now the value itself
    (truncated). Template-aware grouping (URL pattern + page skeleton) will replace this
    one function."""
    text = " ".join(value.split())
    if len(text) > CAUSE_CHARS:
        text = text[: CAUSE_CHARS - 1] + "…"
    return f"{kind} {text!r}"


def parse_refresh(content: str) -> tuple[float, str | None] | None:
    """(delay in seconds, URL as written or None) of a refresh value, None if unreadable."""
    match = _REFRESH.match(content[:2000])
    if match is None:
        return None
    url = (match.group("url") or "").strip() or None
    return float(match.group(1)), url


def refreshes_away(url: str, refresh: str | None) -> bool:
    """Does an instant (0 s) refresh send ``url`` to another URL? Google follows it as a
    permanent redirect, so the page itself is not what gets indexed."""
    parsed = parse_refresh(refresh) if refresh else None
    if parsed is None or parsed[0] != 0 or parsed[1] is None:
        return False
    return resolve(url, parsed[1]) not in (None, url)


def urls_in_state(site: Site, site_origin: str, state: str) -> list[str]:
    """The URLs of ``site_origin`` in crawl ``state`` ("blocked", "done"...), by id."""
    prefix = site_origin + "/"
    found = []
    for url_id in range(1, len(site.inlinks)):
        url = site.url(url_id)
        if url.startswith(prefix) and site.state(url) == state:
            found.append(url)
    return found


def robots_cause(robots_url: str | None, line: str | None) -> str:
    """The cause of a finding that one robots.txt line decides: the file and the line as
    written (``https://site/robots.txt: Disallow: /private/``), never the line's number.
    A cause is part of a finding's baseline fingerprint, and a comment or a rule added
    above the line must not make its findings new ones; messages and evidence give the
    number."""
    return f"{robots_url}: {line}"


def robots_line(robots_url: str | None, number: int | None, line: str | None) -> str:
    """Where a robots.txt line is, for messages and evidence (not causes: see
    ``robots_cause``): ``https://site/robots.txt line 3: Disallow: /private/``."""
    return f"{robots_url} line {number}: {line}"


def robots_command(url: str, token: str | None = None) -> str:
    """``seoaudit robots URL --as TOKEN`` for an issue's evidence, both shell-quoted: the
    URL comes from a crawled page and may hold ``$(...)`` or quotes."""
    return f"seoaudit robots {shlex.quote(url)} --as {shlex.quote(token or 'googlebot')}"
