"""``extract``: one FetchResult in, one PageFacts out. Pure: no I/O, no clock, no state
beyond caches of pure functions.

Owns: what every response gets (the fetch facts copied, the media type, facts carried by
headers: ``X-Robots-Tag`` directives and ``Link`` canonicals/hreflang, which apply to PDFs
and images too) and the decision whether the body is HTML and gets the HTML facts.

Must not: judge (rules do) or keep the body (facts only: the body is dropped after this).
"""

from __future__ import annotations

from typing import Any

from seoaudit.extract.encoding import HTML_TYPES, decode, media_type, sniffs_as_html
from seoaudit.extract.headers import link_canonicals_and_hreflangs, robots_header_directives
from seoaudit.extract.html import html_facts, own_hosts
from seoaudit.models import FetchResult, PageFacts, RobotsVerdict

# Fetch facts that FetchResult and PageFacts share, copied as they are (the body is not).
_FETCH_FIELDS = tuple(
    name for name in FetchResult.model_fields if name in PageFacts.model_fields and name != "body"
)


def is_html(result: FetchResult, content_type: str | None) -> bool:
    """HTML by its declared media type, or, when none is declared, by sniffing the body.
    An empty body declared as HTML is HTML (with empty facts): rules report it as such."""
    if result.error is not None:
        return False
    if content_type is None:
        return sniffs_as_html(result.body)
    return content_type in HTML_TYPES


def extract(
    result: FetchResult,
    *,
    robots: RobotsVerdict | None = None,
    internal_hosts: frozenset[str] | set[str] = frozenset(),
) -> PageFacts:
    """Facts about one fetched URL. ``internal_hosts`` are the hosts whose links count as
    internal (the crawl scope); empty means the page's own host. Never raises on content."""
    header = result.header("content-type")
    content_type = media_type(header)
    facts: dict[str, Any] = {name: getattr(result, name) for name in _FETCH_FIELDS}
    facts["content_type"] = content_type
    facts["robots"] = robots
    if is_html(result, content_type):
        hosts = own_hosts(result.final_url, internal_hosts)
        facts.update(html_facts(decode(result.body, header), result.final_url, hosts))
    # Header facts come first: they are read before the body, and rules quote them first.
    canonicals, hreflangs = link_canonicals_and_hreflangs(result.headers, result.final_url)
    facts["directives"] = robots_header_directives(result.headers) + facts.get("directives", [])
    facts["canonicals"] = canonicals + facts.get("canonicals", [])
    facts["hreflangs"] = hreflangs + facts.get("hreflangs", [])
    return PageFacts.model_validate(facts)
