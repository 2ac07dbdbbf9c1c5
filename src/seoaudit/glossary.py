"""The glossary: terms SEO and IT use differently, each explained in both vocabularies.

A ticket that says "the canonical is wrong" means one thing to an SEO (which URL Google
shows) and another to a developer (a <link> tag, or "the canonical URL" of a route).
Every term here says what it means to each side and where they meet, so a backlog
meeting argues about the fix, not about words. Shown by ``seoaudit explain TERM`` and
linked from tickets and the HTML report.

Owns the terms and ``lookup``/``terms_in``; prints nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seoaudit.rules.registry import RuleSpec


@dataclass(frozen=True)
class Term:
    key: str  # kebab-case, used in `seoaudit explain KEY`
    title: str
    seo: str  # what it means to an SEO
    it: str  # what it means to a developer or an operator
    meet: str  # where both meet: what to check, with what
    aliases: tuple[str, ...] = ()


TERMS: tuple[Term, ...] = (
    Term(
        "crawl-budget",
        "Crawl budget",
        "How many URLs a search engine is willing and able to fetch from a site in a "
        "period. Wasted on duplicates, redirects and parameter URLs, it delays the "
        "discovery of new and changed pages.",
        "Request volume from crawler user agents, and the server capacity it uses. The "
        "crawler slows down when responses get slow or fail (5xx, 429, timeouts).",
        "Fewer useless URLs (parameters, redirect chains, soft 404s) and fast, stable "
        "responses both raise it. Check with server logs per user agent and TTFB.",
        ("crawl-rate",),
    ),
    Term(
        "canonical",
        "Canonical URL",
        "The one URL of a set of duplicates that the search engine indexes and shows; "
        "signals (links, rankings) are consolidated on it. rel=canonical is a hint, "
        "combined with redirects, sitemaps and internal links.",
        'A <link rel="canonical" href> in the HTML head or an HTTP Link header; in a '
        'framework often "the canonical route" or a host/scheme normalisation rule.',
        "One absolute, indexable (200, no noindex) URL per page in the tag, the same one "
        "linked internally and listed in the sitemap. `curl -s URL | grep -i canonical`.",
        ("rel-canonical", "canonicalization", "canonicalisation"),
    ),
    Term(
        "indexability",
        "Indexability",
        "Whether a URL can appear in search results at all: crawlable (not blocked by "
        "robots.txt), answering 200, not noindex, and canonical to itself.",
        "A set of conditions on the response: status code, robots.txt rule for the path, "
        "X-Robots-Tag header, robots meta tag, canonical tag.",
        "seoaudit reports one indexability per URL (indexable or the first reason it is "
        "not); `seoaudit robots URL` and `curl -sI URL` show the crawl and header parts.",
        ("indexable", "index"),
    ),
    Term(
        "noindex",
        "noindex",
        "An instruction to drop the page from search results. Only seen if the page can "
        "be crawled: a noindex on a URL blocked by robots.txt is never read.",
        '<meta name="robots" content="noindex"> in the HTML, or an X-Robots-Tag: noindex '
        "response header (set by the app, the web server or a CDN rule).",
        "Search for both: `curl -sI URL | grep -i x-robots-tag` and the meta tag in the "
        "HTML. A staging-only noindex shipped to production is the classic outage.",
        ("x-robots-tag", "meta-robots"),
    ),
    Term(
        "soft-404",
        "Soft 404",
        'A page that says "not found" or is empty but answers 200. Search engines treat '
        "it as an error page: it is not indexed, and it wastes crawl budget.",
        "A handler that renders an error or empty template with status 200 (e.g. a "
        "catch-all route, an empty search or category page).",
        "Answer 404 or 410 for missing things, or 301 to a real replacement. "
        "`curl -s -o /dev/null -w '%{http_code}' URL` must not print 200 for them.",
    ),
    Term(
        "hreflang",
        "hreflang",
        "Annotations that tell search engines which URL is the same page for another "
        "language or region, so each user gets their version. Must be reciprocal.",
        '<link rel="alternate" hreflang="de-DE" href> tags in the head (or HTTP headers, '
        "or sitemap entries) listing every language version, including the page itself.",
        "Every version lists all versions (itself included), with valid language codes "
        "and URLs that answer 200 and are canonical.",
        ("alternate", "x-default"),
    ),
    Term(
        "structured-data",
        "Structured data",
        "Machine-readable facts (schema.org) that make a page eligible for rich results: "
        "prices and stock, ratings, breadcrumbs, FAQs, events.",
        'JSON-LD in a <script type="application/ld+json"> block (or microdata/RDFa '
        "attributes) generated by the page template from the same data as the page.",
        "Valid JSON, the required properties of the type Google documents, values that "
        "match the visible page. Google's Rich Results Test, or seoaudit's SD rules.",
        ("schema", "schema-org", "json-ld", "rich-results"),
    ),
    Term(
        "ttfb",
        "TTFB (time to first byte)",
        "How long the server takes to start answering. Slow TTFB slows every page view "
        "(Core Web Vitals) and makes crawlers fetch fewer pages.",
        "Time from sending the request to the first byte of the response: DNS, TCP, TLS, "
        "queueing and the application's work before it writes headers.",
        "web.dev: good at 0.8 s or less, poor above 1.8 s. "
        "`curl -s -o /dev/null -w '%{time_starttransfer}' URL` measures it.",
        ("time-to-first-byte", "server-speed", "response-time"),
    ),
    Term(
        "robots-txt",
        "robots.txt",
        "The file that tells crawlers which paths they may fetch. Disallowing a path "
        "stops crawling, not indexing; an unreachable robots.txt stops all crawling.",
        "A static text file at /robots.txt, served by the web server or generated by the "
        "app; it must answer 200 (or 404) fast, also under load and behind a WAF.",
        "`seoaudit robots URL --as googlebot` names the line that decides a URL.",
        ("robots", "disallow"),
    ),
    Term(
        "redirect",
        "Redirect (301, 302, 307, 308)",
        "301/308 move a page permanently and pass its signals to the target; 302/307 are "
        "temporary, the old URL may stay indexed. Chains and loops lose crawlers.",
        "An HTTP 3xx response with a Location header, from the app, the web server or "
        "the CDN; several layers can chain (http -> https -> www -> trailing slash).",
        "One hop, permanent, to the final URL: `curl -sIL URL` shows every hop.",
        ("301", "302", "redirect-chain"),
    ),
    Term(
        "status-code",
        "Status code",
        "The crawler's first verdict: 200 is a page, 3xx a redirect, 404/410 gone, 5xx "
        "and timeouts a sick server that makes Google slow down and, lasting, drop URLs.",
        "The HTTP response status. Error pages, maintenance modes and CDNs often send "
        "the wrong one (200 for errors, 500 for not found, 503 for bots).",
        "`curl -s -o /dev/null -w '%{http_code}' URL`.",
        ("http-status", "4xx", "5xx", "404", "500"),
    ),
    Term(
        "sitemap",
        "XML sitemap",
        "The list of URLs the site wants indexed, with lastmod. Should contain only "
        "canonical, indexable URLs answering 200; it is a hint, not an order.",
        "An XML file (or index of files, at most 50,000 URLs / 50 MB each), usually "
        "generated by the CMS or a job, referenced from robots.txt.",
        "Every listed URL answers 200, is indexable and canonical to itself; lastmod "
        "changes only when the content does.",
        ("sitemap-xml", "xml-sitemap"),
    ),
    Term(
        "rendering",
        "Rendering",
        "Google runs JavaScript to see the final page, later than the first crawl and "
        "only with the scripts and styles robots.txt lets it fetch.",
        "Client-side rendering: the DOM after scripts ran, as opposed to the HTML the "
        "server sent (view-source).",
        "Put what must be indexed (links, canonical, title, content) in the server HTML; "
        "do not block CSS/JS in robots.txt.",
        ("javascript-seo", "client-side-rendering", "csr", "ssr"),
    ),
    Term(
        "click-depth",
        "Click depth",
        "How many clicks from the home page a page is. Deep pages are crawled less often "
        "and are seen as less important.",
        "The shortest path length in the internal link graph from the start URL "
        "(redirects count as no click).",
        "Important pages within 3 clicks, via navigation, categories and pagination that "
        "are real <a href> links.",
        ("depth", "crawl-depth"),
    ),
    Term(
        "internal-link",
        "Internal link",
        "A link between pages of the site: how crawlers discover pages and how value "
        "(PageRank) flows. Anchor text tells what the target is about.",
        'An <a href="..."> element to the same host. Buttons, onclick handlers and '
        "fragment-only links are not followed by crawlers.",
        "Every page that matters is linked with a plain <a href> from a page that "
        "matters; links point at final URLs, not redirects.",
        ("link", "anchor", "pagerank"),
    ),
    Term(
        "page-value",
        "Page value (seoaudit)",
        "How much a page matters, from the crawl (internal PageRank, inlinks, click "
        "depth, sitemap) and, when given, from clicks, impressions or revenue.",
        "A number per URL, all URLs adding up to 100: the share of the site a URL holds. "
        "Issue impact = severity weight x the sum over the affected URLs.",
        "impact.py documents the formula; every issue shows the inputs of its score.",
        ("impact", "priority"),
    ),
    Term(
        "duplicate-content",
        "Duplicate content",
        "Several URLs with the same or nearly the same content. Not a penalty, but "
        "signals split and the search engine picks the URL to show.",
        "One resource reachable under several URLs: parameters, case, trailing slash, "
        "http/https, www, print versions, session ids.",
        "One URL per resource: redirect the variants or point their canonical at it.",
        ("duplicate", "near-duplicate"),
    ),
    Term(
        "orphan-page",
        "Orphan page",
        "A page no internal link points to: crawlers find it only through the sitemap "
        "or external links, and it gets little value.",
        "A route that exists (and may be in the sitemap) with no <a href> to it from a "
        "crawled page.",
        "Link it from a relevant page, or remove it from the sitemap if it is obsolete.",
        ("orphan",),
    ),
)

_INDEX: dict[str, Term] = {}
for _term in TERMS:
    for _name in (_term.key, *_term.aliases):
        _INDEX[_name] = _term


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def lookup(text: str) -> Term | None:
    """The term named ``text`` (its key, an alias, or its title, case-insensitively)."""
    key = _key(text)
    if key in _INDEX:
        return _INDEX[key]
    for term in TERMS:
        if _key(term.title) == key:
            return term
    return None


def suggestions(text: str, limit: int = 5) -> list[str]:
    key = _key(text)
    found = [t.key for t in TERMS if key and (key in t.key or t.key in key)]
    return found[:limit] or [t.key for t in TERMS][:limit]


# Words in a rule's documentation that point at a glossary term.
_MENTIONS: tuple[tuple[str, str], ...] = (
    ("canonical", "canonical"),
    ("noindex", "noindex"),
    ("x-robots-tag", "noindex"),
    ("robots.txt", "robots-txt"),
    ("hreflang", "hreflang"),
    ("structured data", "structured-data"),
    ("json-ld", "structured-data"),
    ("soft 404", "soft-404"),
    ("time to first byte", "ttfb"),
    ("ttfb", "ttfb"),
    ("redirect", "redirect"),
    ("sitemap", "sitemap"),
    ("crawl budget", "crawl-budget"),
    ("indexab", "indexability"),
    ("click depth", "click-depth"),
    # JavaScript rendering, not "the template that renders the markup"
    ("rendering", "rendering"),
    ("renderer", "rendering"),
    ("javascript", "rendering"),
    ("orphan", "orphan-page"),
    ("duplicate", "duplicate-content"),
    ("status code", "status-code"),
)


# The term a rule family is about, whatever its documentation's words.
FAMILY_TERMS = {
    "CAN": "canonical",
    "DUP": "duplicate-content",
    "HRF": "hreflang",
    "HTTP": "status-code",
    "IDX": "noindex",
    "RES": "rendering",
    "ROB": "robots-txt",
    "SD": "structured-data",
    "SMP": "sitemap",
}


def rule_terms(
    spec: RuleSpec | None, sections: Mapping[str, str], summary: str | None = None
) -> list[tuple[str, str]]:
    """(key, title) of the terms an issue of rule ``spec`` links, in the HTML report and in
    its ticket: ``terms_in`` over its documentation ``sections`` (ruledoc.doc_sections),
    its summary (``summary`` when given) and its family."""
    if summary is None:
        summary = spec.summary if spec is not None else ""
    family = spec.family if spec is not None else ""
    text = " ".join(sections.values())
    return [(t.key, t.title) for t in terms_in(text, summary=summary, family=family)]


def terms_in(text: str, limit: int = 4, summary: str = "", family: str = "") -> list[Term]:
    """Glossary terms a rule's documentation is about, in glossary order, at most
    ``limit``: its ``family``'s term, a term named in its ``summary``, or one named at
    least twice in ``text``. A term the text names once in passing ("every visit ...
    renders the page again", "(disallowed by robots.txt: SD017)") is not what the issue is
    about, and linking it misleads."""
    lowered, title = text.lower(), summary.lower()
    counts: dict[str, int] = {FAMILY_TERMS[family]: 2} if family in FAMILY_TERMS else {}
    for word, key in _MENTIONS:
        if word in title:
            counts[key] = 2
        elif counts.get(key, 0) < 2:
            found = len(re.findall(r"\b" + re.escape(word), lowered))
            counts[key] = max(counts.get(key, 0), found)
    return [t for t in TERMS if counts.get(t.key, 0) >= 2][:limit]


def render(term: Term) -> str:
    """The plain-text explanation `seoaudit explain` prints."""
    return (
        f"{term.title}\n\n"
        f"For SEO:\n  {term.seo}\n\n"
        f"For IT:\n  {term.it}\n\n"
        f"Where both meet:\n  {term.meet}\n"
        + (f"\nAlso: {', '.join(term.aliases)}\n" if term.aliases else "")
    )
