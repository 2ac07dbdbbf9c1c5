"""hreflang (HRF): whether each page's language versions reach Google intact.

Google reads hreflang from three equivalent places: ``<link rel=alternate hreflang>`` in a
valid ``<head>``, the HTTP ``Link`` header and ``xhtml:link`` entries in sitemaps. These
rules read all three alike (``page_annotations``): one page's set is the union, and each
annotation keeps where it came from so a finding can say which layer to fix.

An annotation counts only when both pages name each other (return links), every page
lists itself, codes are ISO 639-1 [+ ISO 15924 script] [+ ISO 3166-1 region] or
``x-default``, and targets are live, indexable, self-canonical URLs (Google Search
Central, "Tell Google about localized versions of your page"). Cluster-wide problems
(return links, sets that differ between versions) are grouped per cluster: one issue per
broken cluster, not per page pair.

Targets outside the crawl scope are never fetched: rules say nothing about them rather
than guess.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from seoaudit.crawl.urls import bare_host, normalize
from seoaudit.langtags import LangTag, parse_hreflang
from seoaudit.models import PageFacts
from seoaudit.persite import per_site
from seoaudit.rules.lookups import lookups
from seoaudit.rules.redirects import TEMPORARY
from seoaudit.rules.registry import Hit, rule

if TYPE_CHECKING:
    from seoaudit.site import Site

_ABSOLUTE = ("http://", "https://")
MAX_LISTED = 20  # URLs quoted in one finding's evidence
# HRF009 compares every version's set with the others' only in clusters up to this size
# (real ones have one page per language or region); a larger "cluster" is a mapping mixed
# up across pages, which its conflicting codes already show.
MAX_CLUSTER = 200


MAX_VALUE = 80  # characters of an hreflang value quoted or cached (real ones are < 20)


@lru_cache(maxsize=4096)
def _cached_tag(value: str) -> LangTag:
    return parse_hreflang(value)


def _tag(value: str) -> LangTag:
    return _cached_tag(value) if len(value) <= MAX_VALUE else parse_hreflang(value)


@dataclass(frozen=True, slots=True)
class Annotation:
    """One hreflang annotation Google reads for a page, from any of the three methods."""

    lang: str  # as written
    href: str  # as written
    url: str | None  # resolved; None when unusable
    source: str  # "head", "header" or "sitemap"
    sitemap: str | None = None

    @property
    def tag(self) -> LangTag:
        return _tag(self.lang)


def page_annotations(page: PageFacts, site: Site) -> list[Annotation]:
    """Every hreflang annotation Google reads for ``page``: head (before it ended), Link
    header and sitemaps. Body and after-head ones are left out (HRF010 reports them)."""
    found = [
        Annotation(h.lang, h.href, h.url, h.source)
        for h in page.hreflangs
        if h.source in ("head", "header") and not h.after_head_end
    ]
    for lang, href, sitemap in site.sitemap_hreflangs(page.url):
        found.append(Annotation(lang, href, normalize(href), "sitemap", sitemap))
    return found


def _where(a: Annotation) -> str:
    return f"sitemap {a.sitemap}" if a.source == "sitemap" else a.source


def _invalid(page: PageFacts, site: Site, problem: str) -> Iterator[Hit]:
    if page.status != 200:
        return
    seen: set[str] = set()
    for a in page_annotations(page, site):
        tag = a.tag
        bad = tag.problem == problem or (problem == "language" and tag.valid and tag.extra)
        value = a.lang.strip()[:MAX_VALUE]
        if not bad or value in seen:
            continue
        seen.add(value)
        what = tag.reason[:200] or "subtags after language-Script-REGION, not used by Google"
        evidence: dict[str, object] = {
            "hreflang": value,
            "href": a.href[:500],
            "source": _where(a),
            "reason": what,
        }
        if tag.hint:
            evidence["did_you_mean"] = tag.hint[:MAX_VALUE]
        yield Hit(
            page.url,
            f'Invalid hreflang "{value}": {what}',
            evidence,
            cause=f'hreflang="{value}"',
            severity="warning" if tag.valid else None,
        )


@rule(
    "HRF001",
    "invalid-hreflang-language",
    severity="error",
    group="{count} pages use an invalid hreflang language code ({cause})",
)
def invalid_hreflang_language(page: PageFacts, site: Site) -> Iterator[Hit]:
    """hreflang value whose language is not an ISO 639-1 code (`jp`, `eng`, `en_US`, `us`).

    ## What it does
    Parses every hreflang value the page declares (head, Link header, sitemaps) as
    `language[-Script][-REGION]` and flags values whose first subtag is not a two-letter
    ISO 639-1 code, a region on its own (`us`, `eu`), an underscore separator (`en_US`), an
    unknown script, or an empty value. Values with extra subtags beyond
    language-Script-REGION (`de-DE-1996`) are a warning: Google documents no such form.
    Withdrawn codes browsers still use (`iw`, `in`) are accepted. All pages using one bad
    value form one issue.

    ## Why it matters
    Google ignores an annotation whose code it cannot read: the language version is not
    offered to its audience, and the wrong version may rank in that market.

    ## How to fix
    Use the ISO 639-1 code, hyphen-separated: `ja` (not `jp`), `cs` (not `cz`), `el` (not
    `gr`), `en-US` (not `en_US`). The evidence says which code was probably meant.

    ## How to verify
    `curl -s <url> | grep -io 'hreflang="[^"]*"'` lists only valid codes; a new audit no
    longer reports the page.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page" (supported
    language and region codes; common mistakes). ISO 639-1.
    """
    yield from _invalid(page, site, "language")


@rule(
    "HRF002",
    "invalid-hreflang-region",
    severity="error",
    group="{count} pages use an invalid hreflang region code ({cause})",
)
def invalid_hreflang_region(page: PageFacts, site: Site) -> Iterator[Hit]:
    """hreflang value whose region is not an ISO 3166-1 alpha-2 code (`en-UK`, `es-419`).

    ## What it does
    Flags hreflang values (head, Link header, sitemaps) whose region subtag is not an
    officially assigned ISO 3166-1 alpha-2 code: `en-UK` (the code is `GB`), `en-EU`,
    `es-LA`, or a UN M.49 number such as `es-419`. All pages using one bad value form one
    issue: one template fix.

    ## Why it matters
    Google ignores the annotation: the regional version is not shown to that region's
    searchers, and the pair it belongs to breaks.

    ## How to fix
    Use the alpha-2 country code (`en-GB`, not `en-UK`); for a language spoken in many
    countries without a regional version, use the language alone (`es`).

    ## How to verify
    `curl -s <url> | grep -io 'hreflang="[^"]*"'` shows only valid regions.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page"; ISO 3166-1.
    """
    yield from _invalid(page, site, "region")


@rule(
    "HRF004",
    "hreflang-missing-self-reference",
    severity="warning",
    group="{count} pages with hreflang do not list themselves",
)
def hreflang_missing_self_reference(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A page's hreflang set does not include the page itself.

    ## What it does
    For indexable pages with hreflang annotations (head, Link header or sitemaps), checks
    that one of them points at the page's own URL (exactly: scheme, host, path and query).

    ## Why it matters
    Google asks every version to list itself and all other versions. A set without the
    page itself usually means the set was built per page and differs between versions, so
    return links break too.

    ## How to fix
    Generate one set per cluster and output it unchanged on every version, including the
    entry for the page itself.

    ## How to verify
    `curl -s <url> | grep -i hreflang` shows an entry whose href is the page's own URL.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page" (guidelines
    for all methods).
    """
    if page.status != 200 or not site.is_indexable(page.url):
        return
    found = [a for a in page_annotations(page, site) if a.url is not None]
    if not found or any(a.url == page.url for a in found):
        return
    yield Hit(
        page.url,
        f"hreflang set of {len(found)} entries does not list the page itself",
        {"annotations": [_entry(a) for a in found[:MAX_LISTED]]},
    )


def _entry(a: Annotation) -> dict[str, object]:
    return {"hreflang": a.lang[:MAX_VALUE], "url": a.url or a.href[:300], "source": _where(a)}


@rule(
    "HRF005",
    "relative-hreflang-url",
    severity="error",
    group="{count} pages use relative hreflang URLs",
)
def relative_hreflang_url(page: PageFacts, site: Site) -> Iterator[Hit]:
    """hreflang href is relative or protocol-relative (`/de/`, `//example.com/de/`).

    ## What it does
    Flags hreflang annotations (head, Link header, sitemaps) whose href does not start with
    `http://` or `https://`.

    ## Why it matters
    Google requires fully-qualified URLs in hreflang annotations; relative ones risk being
    ignored or resolved against the wrong host (staging, http).

    ## How to fix
    Output absolute URLs with scheme and host: `https://www.example.com/de/`.

    ## How to verify
    `curl -s <url> | grep -io 'hreflang="[^"]*" href="[^"]*"'` shows only absolute URLs.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page" ("the
    alternate URL must be fully-qualified").
    """
    if page.status != 200:
        return
    relative = [
        a for a in page_annotations(page, site) if a.href.strip() and not _is_absolute(a.href)
    ]
    if relative:
        yield Hit(
            page.url,
            f"{len(relative)} hreflang URLs are not absolute (e.g. {relative[0].href[:300]!r})",
            {"annotations": [_entry(a) | {"href": a.href[:300]} for a in relative[:MAX_LISTED]]},
        )


def _is_absolute(href: str) -> bool:
    return href.strip().lower().startswith(_ABSOLUTE)


def _targets(page: PageFacts, site: Site) -> dict[str, list[Annotation]]:
    """Other URLs the page's valid annotations point at, with the annotations naming each."""
    found: dict[str, list[Annotation]] = {}
    for a in page_annotations(page, site):
        if a.url is not None and a.url != page.url and a.tag.valid:
            found.setdefault(a.url, []).append(a)
    return found


@rule(
    "HRF006",
    "hreflang-target-not-200",
    severity="error",
    group="{count} pages point hreflang at a URL that does not answer 200 ({cause})",
)
def hreflang_target_not_200(page: PageFacts, site: Site) -> Iterator[Hit]:
    """hreflang points at a URL that redirects, is missing or fails.

    ## What it does
    For indexable pages, looks up every crawled hreflang target: 4xx, 5xx or no response is
    an error; a redirect is a warning (the annotated URL is not the one indexed). Targets
    outside the crawl are not fetched and not judged. All pages pointing at one bad target
    form one issue.

    ## Why it matters
    A target that does not answer 200 cannot return the link, so Google drops the pair:
    the language version is not offered, and a wrong-language page may rank instead.

    ## How to fix
    Point hreflang at the final, live URL of each version (the redirect destination), or
    remove the entry for a version that no longer exists.

    ## How to verify
    `curl -sI <target>` answers 200 for every hreflang target.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page" (return
    links); "How HTTP status codes affect Google Search". Google does not document the
    exact treatment of redirecting alternates (hence a warning).
    """
    if page.status != 200 or not site.is_indexable(page.url):
        return
    for target, named in sorted(_targets(page, site).items()):
        status = site.status(target)
        evidence: dict[str, object] = {
            "target": target,
            "target_status": status,
            "hreflang": sorted({a.lang[:MAX_VALUE] for a in named}),
            "source": sorted({_where(a) for a in named}),
        }
        if status is not None and 300 <= status < 400:
            chain = site.redirect_chain(target)
            if _x_default_home(named, target, status, chain.final_status):
                continue  # HRF013's fix: Google asks for x-default on a redirecting home
            evidence |= {"final_url": chain.final_url, "final_status": chain.final_status}
            bad_end = chain.final_status is None or chain.final_status >= 400
            yield Hit(
                page.url,
                f"hreflang target {target} redirects ({status}) to {chain.final_url}",
                evidence,
                cause=f"target {target}",
                severity="error" if bad_end else "warning",
            )
        elif status is not None and status >= 400:
            yield Hit(
                page.url,
                f"hreflang target {target} answers {status}",
                evidence,
                cause=f"target {target}",
            )
        elif status is None and site.state(target) == "done" and not _blocked(site, target):
            error = site.redirect_chain(target).error
            yield Hit(
                page.url,
                f"hreflang target {target} gives no response ({error})",
                evidence | {"error": error},
                cause=f"target {target}",
            )


def _is_root(url: str) -> bool:
    return urlsplit(url).path in ("", "/")


def _other_site(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are on different hosts, a www host and its bare name
    (www.example.com, example.com) counting as one."""
    return bare_host(a) != bare_host(b)


def _x_default_home(
    named: list[Annotation], target: str, status: int, final_status: int | None
) -> bool:
    """Whether ``target`` is named only as x-default and is a home page that redirects
    temporarily to a live page: the auto-redirecting home Google names as x-default."""
    return (
        all(a.tag.language == "x-default" for a in named)
        and _is_root(target)
        and status in TEMPORARY
        and final_status == 200
    )


def _blocked(site: Site, url: str) -> bool:
    return site.indexability(url) == "blocked-by-robots"


_NOT_INDEXABLE = {
    "noindex": "is noindex",
    "blocked-by-robots": "is blocked by robots.txt",
    "canonicalised": "canonicalises to another URL",
}


@rule(
    "HRF007",
    "hreflang-target-not-indexable",
    severity="warning",
    group="{count} pages point hreflang at a URL that cannot be indexed ({cause})",
)
def hreflang_target_not_indexable(page: PageFacts, site: Site) -> Iterator[Hit]:
    """hreflang points at a URL that is noindex, blocked by robots.txt or canonicalised.

    ## What it does
    For indexable pages, flags hreflang targets (crawled ones only) that are noindex,
    disallowed by robots.txt, or whose canonical is another URL. All pages pointing at one
    such target form one issue.

    ## Why it matters
    Only indexable, canonical URLs can take part in a cluster: Google wants the canonical
    of each language version in the set. A noindex or canonicalised alternate sends mixed
    signals and its pair is likely ignored.

    ## How to fix
    List the canonical, indexable URL of each version; make each version self-canonical.

    ## How to verify
    For each target: `curl -sI <target>` has no `X-Robots-Tag: noindex`, the page has no
    robots noindex meta, its canonical is itself, and `seoaudit robots <target>` allows it.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page";
    "How to specify a canonical URL" (canonical in the same language). The exact
    treatment is not documented (rules-kb section 12), hence a warning.
    """
    if page.status != 200 or not site.is_indexable(page.url):
        return
    for target, named in sorted(_targets(page, site).items()):
        reason = site.indexability(target)
        if reason not in _NOT_INDEXABLE:
            continue
        if reason != "blocked-by-robots" and site.status(target) != 200:
            continue  # HRF006's business
        evidence: dict[str, object] = {
            "target": target,
            "target_indexability": reason,
            "hreflang": sorted({a.lang[:MAX_VALUE] for a in named}),
        }
        canonical = _canonical_of(site, target) if reason == "canonicalised" else None
        if canonical:
            evidence["target_canonical"] = canonical
        yield Hit(
            page.url,
            f"hreflang target {target} {_NOT_INDEXABLE[reason]}",
            evidence,
            cause=f"target {target}",
        )


def _canonical_of(site: Site, url: str) -> str | None:
    return lookups(site).canonical.get(url)


@rule(
    "HRF008",
    "duplicate-hreflang-code",
    severity="error",
    group="{count} pages map one hreflang code to several URLs",
)
def duplicate_hreflang_code(page: PageFacts, site: Site) -> Iterator[Hit]:
    """One hreflang code maps to two different URLs in a page's set (or two x-default).

    ## What it does
    Collects the page's annotations from every method and flags codes (compared
    case-insensitively) that point at more than one URL.

    ## Why it matters
    The mapping is ambiguous: Google cannot tell which URL serves that language or region,
    and may ignore both.

    ## How to fix
    One URL per code and a single `x-default`; if two URLs really serve one audience, make
    one canonical and list only that one.

    ## How to verify
    `curl -s <url> | grep -i hreflang` shows each code once.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page".
    """
    if page.status != 200 or not site.is_indexable(page.url):
        return
    by_code: dict[str, set[str]] = {}
    for a in page_annotations(page, site):
        if a.url is not None and a.tag.valid:
            by_code.setdefault(a.tag.key, set()).add(a.url)
    clashes = {code: sorted(urls) for code, urls in sorted(by_code.items()) if len(urls) > 1}
    if clashes:
        code, urls = next(iter(clashes.items()))
        yield Hit(
            page.url,
            f'hreflang "{code}" points at {len(urls)} different URLs',
            {"codes": {c: u[:MAX_LISTED] for c, u in clashes.items()}},
        )


@rule(
    "HRF010",
    "hreflang-outside-head",
    severity="error",
    group="{count} pages have hreflang links Google does not read ({cause})",
)
def hreflang_outside_head(page: PageFacts, site: Site) -> Iterator[Hit]:
    """hreflang `<link>` in `<body>`, or after an element that ended `<head>`.

    ## What it does
    Flags hreflang link elements found in the body, or in the head markup after an element
    that is not allowed there (an `<img>`, an `<iframe>`, stray text), where Google stops
    reading metadata. A notice only when the same annotation is also read from the head,
    a Link header or a sitemap.

    ## Why it matters
    Google does not read them: the page drops out of its cluster and the other versions'
    return links fail.

    ## How to fix
    Move the links into `<head>`, before any element that does not belong there (move
    tracking pixels and iframes into `<body>`).

    ## How to verify
    View the raw HTML (`curl -s <url>`): every hreflang link comes before the first
    non-head element and before `</head>`.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page"; "Use valid
    HTML to specify page metadata".
    """
    if page.status != 200:
        return
    ignored = [h for h in page.hreflangs if h.source == "body" or h.after_head_end]
    if not ignored:
        return
    read = {(a.tag.key, a.url) for a in page_annotations(page, site)}
    lost = [h for h in ignored if (_tag(h.lang).key, h.url) not in read]
    after_head = any(h.after_head_end for h in ignored)
    cause = f"head ended by <{page.head_ended_by}>" if after_head else "hreflang in <body>"
    yield Hit(
        page.url,
        f"{len(ignored)} hreflang links outside a valid <head> are ignored"
        + ("" if lost else " (also declared where Google reads them)"),
        {
            "ignored": [
                {
                    "hreflang": h.lang[:MAX_VALUE],
                    "href": h.href[:300],
                    "placement": "after head ended" if h.after_head_end else "body",
                }
                for h in ignored[:MAX_LISTED]
            ],
            "head_ended_by": page.head_ended_by,
        },
        cause=cause,
        severity=None if lost else "notice",
    )


@rule(
    "HRF012",
    "hreflang-methods-disagree",
    severity="warning",
    group="{count} pages declare different hreflang sets in different places ({cause})",
)
def hreflang_methods_disagree(page: PageFacts, site: Site) -> Iterator[Hit]:
    """HTML, HTTP header and sitemap hreflang annotations for one page disagree.

    ## What it does
    When a page's hreflang is declared by more than one method (head, Link header,
    sitemap), compares the sets (code, case-insensitive, and URL) and flags differences.

    ## Why it matters
    Google treats the methods as equivalent and merges them, so a contradiction (a stale
    sitemap, a CDN header left from an old setup) creates extra or broken pairs. Using
    several methods brings no benefit.

    ## How to fix
    Keep one method and remove the others, or generate all of them from one data source.

    ## How to verify
    Compare `curl -s <url> | grep -i hreflang`, `curl -sI <url> | grep -i '^link'` and the
    sitemap's `xhtml:link` entries for the URL: they list the same pairs.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page" (the three
    methods are equivalent).
    """
    if page.status != 200:
        return
    sets: dict[str, set[tuple[str, str]]] = {}
    for a in page_annotations(page, site):
        if a.url is not None:
            method = "html" if a.source == "head" else a.source
            sets.setdefault(method, set()).add((a.tag.key, a.url))
    if len(sets) < 2 or len({frozenset(s) for s in sets.values()}) == 1:
        return
    union = set().union(*sets.values())
    differences = {
        method: {
            "missing": [f"{c} {u}" for c, u in sorted(union - pairs)][:MAX_LISTED],
            "count": len(pairs),
        }
        for method, pairs in sorted(sets.items())
    }
    methods = " and ".join(sorted(sets))
    yield Hit(
        page.url,
        f"hreflang sets differ between {methods}",
        {"methods": differences},
        cause=methods,
    )


# -- return links: a site rule over every page's set -------------------------------------


@per_site
def _site_sets(site: Site) -> dict[str, dict[str, set[str]]]:
    """Every stored page's annotation set read alike from head, header and sitemaps:
    url -> {target url -> codes as written}, invalid codes included (a link with an
    invalid code is HRF001/HRF002's finding, not also a missing return link). Built once
    per Site for the site rules that read it (HRF003, HRF009, HRF014); read-only."""
    sets: dict[str, dict[str, set[str]]] = {}
    for summary in site.summaries():
        pairs = list(summary.hreflangs_read)
        for lang, href, _ in site.sitemap_hreflangs(summary.url):
            pairs.append((lang, normalize(href) or ""))
        entry: dict[str, set[str]] = {}
        for lang, url in pairs:
            if url:
                entry.setdefault(url, set()).add(lang)
        if entry:
            sets[summary.url] = entry
    return sets


class _Clusters:
    """Union-find over hreflang links (x-default links left out, so a site-wide fallback
    page does not merge every cluster into one).

    A cluster is named in causes by its smallest URL ("cluster https://example.com/de/"):
    readable, and one issue per cluster. A version added with a URL that sorts first
    renames it, so the fingerprints of HRF003, HRF009 and HRF013 hash a fixed identity
    instead (models.IDENTITY_BY_RULE)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, url: str) -> str:
        root = url
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while url != root:  # path compression
            url, self.parent[url] = self.parent[url], root
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)  # the smallest URL names the cluster


def _link_clusters(sets: dict[str, dict[str, set[str]]], confirmed: bool = False) -> _Clusters:
    """The clusters the pages' hreflang links form (``_site_sets``); with ``confirmed``,
    only pairs whose pages name each other join (the pairs Google uses): a fallback
    every page names (`de` -> /de/ on untranslated pages) does not merge them."""
    clusters = _Clusters()
    for url, entry in sets.items():
        for target, written in entry.items():
            if target == url or not any(_tag(c).language != "x-default" for c in written):
                continue
            if not confirmed or url in sets.get(target, ()):
                clusters.union(url, target)
    return clusters


@per_site
def _site_clusters(site: Site) -> _Clusters:
    """The clusters of every page's hreflang links (``_link_clusters`` of ``_site_sets``),
    built once per Site for the rules that read them (HRF003, HRF013); read-only."""
    return _link_clusters(_site_sets(site))


@rule(
    "HRF003",
    "hreflang-missing-return-link",
    severity="error",
    scope="site",
    group="{count} pages miss hreflang return links ({cause})",
)
def hreflang_missing_return_link(site: Site) -> Iterator[Hit]:
    """A page named in another page's hreflang set does not link back to it.

    ## What it does
    Reads every page's hreflang set from head, Link header and sitemaps alike. When an
    indexable page A lists page B, and B answers 200 and is indexable but B's set does not
    list A, B is flagged (it is the page to fix) with every page it fails to link back
    to. Targets outside the crawl are not judged; targets that redirect, fail or are not
    indexable are HRF006/HRF007. All pages of one cluster form one issue.

    ## Why it matters
    Google uses an hreflang pair only when both pages name each other (this stops other
    sites from hijacking a cluster). A missing return link drops the pair: searchers in
    that market may get the wrong language version.

    ## How to fix
    Generate the full set of versions from one shared source and output it on every
    version, so each page lists itself and all the others.

    ## How to verify
    `curl -s <url> | grep -i hreflang` lists every page the evidence names as missing its
    return link (and each of those lists this page); a new audit reports no missing return
    links in the cluster.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page" ("if two
    pages don't both point to each other, the tags will be ignored").
    """
    sets = _site_sets(site)
    clusters = _site_clusters(site)
    missing: dict[str, list[dict[str, object]]] = {}
    for a_url in sorted(sets):
        if not site.is_indexable(a_url):
            continue
        for b_url, all_codes in sorted(sets[a_url].items()):
            codes = [c for c in all_codes if _tag(c).valid]
            if not codes or b_url == a_url:
                continue
            if site.status(b_url) != 200 or not site.is_indexable(b_url):
                continue  # HRF006 / HRF007
            if a_url not in sets.get(b_url, {}):
                missing.setdefault(b_url, []).append(
                    {"page": a_url, "lists_this_page_as": sorted(codes)}
                )
    for b_url, listed_by in sorted(missing.items()):
        cluster = clusters.find(b_url)
        names = ", ".join(str(x["page"]) for x in listed_by[:3])
        yield Hit(
            b_url,
            f"No hreflang return link to {len(listed_by)} page(s) that list this one: {names}",
            {
                "missing_return_links": listed_by[:MAX_LISTED],
                "count": len(listed_by),
                "this_page_lists": sorted(sets.get(b_url, {}))[:MAX_LISTED],
                "cluster": cluster,
            },
            cause=f"cluster {cluster}",
        )


def _mapping(entry: dict[str, set[str]], usable: set[str]) -> dict[str, str]:
    """code (case-insensitive) -> URL of one page's set: valid codes naming ``usable``
    URLs only, and no code that names two URLs on this page (HRF008 reports those)."""
    by_code: dict[str, set[str]] = {}
    for url, codes in entry.items():
        for code in codes:
            tag = _tag(code)
            if tag.valid and url in usable:
                by_code.setdefault(tag.key, set()).add(url)
    return {code: min(urls) for code, urls in by_code.items() if len(urls) == 1}


@dataclass(frozen=True, slots=True)
class _Conflict:
    """One code for which a page names another URL than other versions of its cluster."""

    code: str
    url: str  # what this page names
    others: dict[str, int]  # what other versions name -> how many versions

    def evidence(self) -> dict[str, object]:
        return {"hreflang": self.code, "this_page_names": self.url, "other_pages_name": self.others}


def _conflicts(mappings: dict[str, dict[str, str]]) -> dict[str, list[_Conflict]]:
    """Per page, the codes for which it names another URL than the rest of the cluster:
    a URL other than the one most pages name, or any URL when the most named tie."""
    named: dict[str, Counter[str]] = {}
    for mapping in mappings.values():
        for code, url in mapping.items():
            named.setdefault(code, Counter())[url] += 1
    found: dict[str, list[_Conflict]] = {}
    for code in sorted(c for c, urls in named.items() if len(urls) > 1):
        ranked = named[code].most_common()
        tie = ranked[0][1] == ranked[1][1]
        for page, mapping in mappings.items():
            named_here = mapping.get(code)
            if named_here is None or named_here == page:
                continue  # naming itself for its own code is every version's right
            if named_here == ranked[0][0] and not tie:
                continue
            others = {u: n for u, n in ranked[:MAX_LISTED] if u != named_here}
            found.setdefault(page, []).append(_Conflict(code[:MAX_VALUE], named_here, others))
    return found


def _left_out(
    members: list[str], sets: dict[str, dict[str, set[str]]], mappings: dict[str, dict[str, str]]
) -> dict[str, list[dict[str, object]]]:
    """Per page, the versions (members another member names) its set leaves out, when
    that version does not name the page either: if it does, the page misses a return
    link, which HRF003 reports."""
    codes_of: dict[str, set[str]] = {}
    for page, mapping in mappings.items():
        for code, url in mapping.items():
            if url != page and url in mappings:
                codes_of.setdefault(url, set()).add(code)
    found: dict[str, list[dict[str, object]]] = {}
    for page in members:
        lacking = codes_of.keys() - sets[page].keys() - {page}
        listed: list[dict[str, object]] = [
            {"url": m, "hreflang": sorted(codes_of[m])}
            for m in sorted(lacking)
            if page not in sets[m]
        ]
        if listed:
            found[page] = listed
    return found


@rule(
    "HRF009",
    "hreflang-sets-differ-in-cluster",
    severity="warning",
    scope="site",
    group="{count} pages list other hreflang versions than the rest of their cluster ({cause})",
)
def hreflang_sets_differ_in_cluster(site: Site) -> Iterator[Hit]:
    """The language versions of one page list different hreflang sets.

    ## What it does
    Groups pages into clusters by their confirmed hreflang pairs (two pages that name
    each other, in the head, Link header or sitemaps alike; `x-default` links do not join
    clusters) and compares the sets of the versions that answer 200 and are indexable. A
    page is flagged when it names another URL for a code than the other versions do (a
    page naming itself for its own code never is) (`de` is `/de/` on most versions but
    `/de-de/` on this one; on a tie, every version naming the code). In a cluster without
    such conflicts, a page is also flagged when its set leaves out a version that the
    others list and that does not list it either (when that version does list it, the
    page misses a return link: HRF003). Targets that redirect, fail or cannot be indexed
    are HRF006/HRF007's; a code naming two URLs on one page is HRF008's. One issue per
    cluster.

    ## Why it matters
    Google uses only the pairs both pages confirm. When versions disagree, some pairs
    drop out without notice: searchers may be shown the wrong language or region, and
    which version appears becomes unpredictable.

    ## How to fix
    Generate the set once per cluster from one shared source (the list of translations
    of the content) and output it unchanged on every version.

    ## How to verify
    `curl -s <url> | grep -i hreflang` prints the same lines on every version of the
    page; a new audit reports no HRF009 for the cluster.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page" (each
    version lists itself and all other versions).
    """
    sets = _site_sets(site)
    clusters = _link_clusters(sets, confirmed=True)
    by_cluster: dict[str, list[str]] = {}
    for url in sorted(sets):
        if site.status(url) == 200 and site.is_indexable(url):
            by_cluster.setdefault(clusters.find(url), []).append(url)
    usable: set[str] = set()  # URLs compared: crawled, 200 and indexable, or not crawled
    for entry in sets.values():
        for url in entry.keys() - usable:
            if site.indexability(url) is None or (
                site.status(url) == 200 and site.is_indexable(url)
            ):
                usable.add(url)
    for cluster, members in sorted(by_cluster.items()):
        if len(members) < 2:
            continue
        mappings = {m: _mapping(sets[m], usable) for m in members}
        conflicts = _conflicts(mappings)
        left_out = (
            _left_out(members, sets, mappings)
            if not conflicts and len(members) <= MAX_CLUSTER
            else {}
        )
        for page in sorted(conflicts.keys() | left_out.keys()):
            yield _differing_set(
                page, cluster, len(members), conflicts.get(page, []), left_out.get(page, [])
            )


def _differing_set(
    page: str,
    cluster: str,
    size: int,
    conflicts: list[_Conflict],
    left_out: list[dict[str, object]],
) -> Hit:
    if conflicts:
        first = conflicts[0]
        message = (
            f'hreflang "{first.code}" names {first.url} here, but '
            f"{', '.join(first.others)} on other versions"
        )
        if len(conflicts) > 1:
            message += f" ({len(conflicts) - 1} more code(s) differ)"
    else:
        names = ", ".join(str(m["url"]) for m in left_out[:3])
        message = f"The hreflang set leaves out {len(left_out)} version(s) the others list: {names}"
    return Hit(
        page,
        message,
        {
            "cluster": cluster,
            "cluster_pages": size,
            "different_urls": [c.evidence() for c in conflicts[:MAX_LISTED]],
            "left_out": left_out[:MAX_LISTED],
            "left_out_count": len(left_out),
        },
        cause=f"cluster {cluster}",
    )


_NOT_LANGUAGE_ATTRS = ("media", "type")  # make an alternate a mobile version or a feed


@rule(
    "HRF011",
    "hreflang-with-other-alternate-attributes",
    severity="warning",
    group="{count} pages mix hreflang with {cause} on one link",
)
def hreflang_with_other_alternate_attributes(page: PageFacts, site: Site) -> Iterator[Hit]:
    """An hreflang `<link>` (or Link header) also carries `media` or `type`.

    ## What it does
    Flags `rel="alternate"` links with `hreflang` that also have a `media` attribute (the
    mark of a separate mobile URL) or a `type` (the mark of a feed or another format), in
    the head or in a Link header.

    ## Why it matters
    One element then claims two things: "this is the German page" and "this is the
    mobile page" (or "the RSS feed"). Google asks for one purpose per link element; the
    language annotation may be read as something else, or not at all.

    ## How to fix
    One `<link rel="alternate" hreflang="..." href="...">` per language version, and
    separate elements for mobile alternates (`media`) or feeds (`type`).

    ## How to verify
    `curl -s <url> | grep -i hreflang` shows no `media=` or `type=` on those links.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page";
    "Consolidate duplicate URLs" (do not mix purposes in one link element).
    """
    del site
    mixed = [
        h
        for h in page.hreflangs
        if h.source in ("head", "header") and any(a in h.attrs for a in _NOT_LANGUAGE_ATTRS)
    ]
    if not mixed:
        return
    found = sorted({a for h in mixed for a in _NOT_LANGUAGE_ATTRS if a in h.attrs})
    yield Hit(
        page.url,
        f"{len(mixed)} hreflang link(s) also carry {' and '.join(found)}",
        {
            "links": [
                {
                    "hreflang": h.lang[:MAX_VALUE],
                    "href": h.href[:300],
                    "attributes": {k[:40]: v[:200] for k, v in list(h.attrs.items())[:10]},
                }
                for h in mixed[:MAX_LISTED]
            ]
        },
        cause=" and ".join(found),
    )


class _Unserved:
    """The hreflang clusters of two or more codes that no version gives an x-default."""

    def __init__(self, sets: dict[str, dict[str, set[str]]], clusters: _Clusters) -> None:
        self.clusters = clusters
        self.codes: dict[str, set[str]] = {}
        with_default: set[str] = set()
        for url, entry in sets.items():
            name = self.clusters.find(url)
            for written in entry.values():
                for code in written:
                    tag = _tag(code)
                    if tag.language == "x-default":
                        with_default.add(name)
                    elif tag.valid:
                        self.codes.setdefault(name, set()).add(code.lower())
        for name in with_default:
            self.codes.pop(name, None)

    def cluster(self, url: str) -> str | None:
        """The cluster of ``url`` when it has no x-default and two or more codes."""
        name = self.clusters.find(url)
        return name if len(self.codes.get(name, ())) >= 2 else None


@rule("HRF013", "x-default-missing-on-language-home", severity="notice", scope="site")
def x_default_missing_on_language_home(site: Site) -> Iterator[Hit]:
    """The home page redirects to one language version, or lists them, with no x-default.

    ## What it does
    Looks at each start page at the root of its host (`/`). When it redirects
    temporarily (302, 303, 307) to a page whose hreflang cluster has two or more language
    or region codes and none of the versions names an `x-default`, it is flagged: it
    picks a version for each visitor (by language or location). The version may be a
    page of the same host (`/en/`) or another site's home page (`example.de/`, crawled
    when it is a start URL too); a move to the www or bare twin is not a pick. When it
    answers itself, is in no hreflang set, and links to two or more versions of such a
    cluster that are language home pages (`/en/`, `/de-at/`, another host's root), it is
    flagged as a language selector without `x-default`. A home page that is one of the
    versions itself, or moves permanently (301, 308) to one, is fine: `x-default` is
    optional there. One finding per cluster.

    ## Why it matters
    Searchers whose language or region matches none of the codes, and Googlebot (which
    mostly crawls from the US without an Accept-Language header), get whatever the
    redirect picks, or a version Google chooses. `x-default` names the page for everyone
    else: the selector, or the redirecting home page itself.

    ## How to fix
    Add `<link rel="alternate" hreflang="x-default" href="https://example.com/">` (the
    selecting or redirecting URL) to the hreflang set of every version, in the head,
    Link header or sitemap that already carries the set. An x-default that redirects
    temporarily from the home page is what Google asks for: HRF006 does not flag it.

    ## How to verify
    `curl -s <version> | grep -i 'hreflang="x-default"'` names the home page.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page" (the
    x-default value, for language selectors and auto-redirecting home pages).
    """
    sets = _site_sets(site)
    if not sets:
        return
    unserved = _Unserved(sets, _site_clusters(site))
    reported: set[str] = set()  # one finding per cluster (http and https start pages)
    for start in site.start_urls:
        chain = site.redirect_chain(start)
        final = chain.final_url
        if final is None or chain.final_status != 200 or not _is_root(start):
            continue
        # the hop that leaves the home page (after any http -> https or host move)
        leaving = next(((u, code) for u, code in reversed(chain.hops) if _is_root(u)), None)
        # a version picked by redirect: a page under the root, or another site's root
        # (example.com/ -> example.de/); a move to the www or bare twin is not a pick
        if leaving is not None and (not _is_root(final) or _other_site(leaving[0], final)):
            home, status = leaving
            cluster = unserved.cluster(final) if final in sets else None
            # a fixed move (301, 308) makes the target the home page: x-default optional
            if cluster is not None and cluster not in reported and status in TEMPORARY:
                reported.add(cluster)
                codes = sorted(unserved.codes[cluster])
                yield Hit(
                    home,
                    f"{home} redirects ({status}) to {final}, one of {len(codes)} versions "
                    f"({', '.join(codes[:6])}), and no version names an x-default",
                    {
                        "redirects_to": final,
                        "versions": [final],
                        "status": status,
                        "codes": codes,
                        "cluster": cluster,
                    },
                    cause=f"cluster {cluster}",
                )
                continue
            if not _is_root(final):
                continue  # another site's home page may still be a selector, below
        if final in sets:
            continue  # the home page is a version itself
        page = site.store.page(final)
        # versions that are language homes (/en/, /de-at, another host's root): a home
        # page linking to an article and its translation is not a selector
        linked = (
            sorted(
                url
                for url in {link.url for link in page.links if link.url} & sets.keys()
                if urlsplit(url).path.strip("/").count("/") == 0
            )
            if page
            else []
        )
        found: dict[str, list[str]] = {}
        for url in linked:
            cluster = unserved.cluster(url)
            if cluster is not None and cluster not in reported:
                found.setdefault(cluster, []).append(url)
        if not found:
            continue
        cluster, versions = max(found.items(), key=lambda item: (len(item[1]), item[0]))
        if len(versions) < 2:
            continue
        reported.add(cluster)
        codes = sorted(unserved.codes[cluster])
        yield Hit(
            final,
            f"{final} links to {len(versions)} language versions ({', '.join(codes[:6])}) "
            "but is in none of their hreflang sets, and no version names an x-default",
            {"versions": versions[:MAX_LISTED], "codes": codes, "cluster": cluster},
            cause=f"cluster {cluster}",
        )


@rule(
    "HRF014",
    "hreflang-differs-from-html-lang",
    severity="notice",
    scope="site",
    group="{count} pages are annotated in one language but declare another ({cause})",
)
def hreflang_differs_from_html_lang(site: Site) -> Iterator[Hit]:
    """Pages name a URL as their version in one language; the URL declares another.

    ## What it does
    Collects the hreflang annotations Google reads (head, Link header, sitemaps) that
    point at each crawled HTML page, and compares their language (`de` of `de-AT`) with the
    page's own `<html lang>`. When no annotation uses the page's declared language, it
    is reported with the languages it is annotated as (`x-default` and invalid codes are
    left out). The content itself is not language-detected: `<html lang>` stands for it.

    ## Why it matters
    Google detects a page's language from its content, not from hreflang or `lang`. A
    URL annotated as the German version that declares English is usually a template or
    mapping bug: the German slot points at an English page (or every locale serves the
    English template), and the wrong page is shown to German searchers.

    ## How to fix
    Correct the mapping so each hreflang value points at the page in that language, or
    fix the page's `<html lang>` (and content) if the page really is the translation.

    ## How to verify
    `curl -s <url> | grep -o '<html[^>]*lang="[^"]*"'` matches the hreflang value that
    other pages use for the URL.

    ## Source
    Google Search Central: "Tell Google about localized versions of your page" (Google
    uses the content to determine language, not hreflang or lang attributes).
    """
    declared = {
        s.url: s.lang
        for s in site.summaries()
        if s.status == 200 and s.is_html and s.lang is not None
    }
    claimed: dict[str, dict[str, set[str]]] = {}  # target -> language -> annotating pages
    for source, entry in _site_sets(site).items():
        for url, codes in entry.items():
            if url not in declared:
                continue
            for lang in codes:
                tag = _tag(lang)
                if tag.valid and tag.language not in (None, "x-default"):
                    claimed.setdefault(url, {}).setdefault(tag.language, set()).add(source)
    for url in sorted(claimed):
        own = _tag(declared[url]).language
        languages = claimed[url]
        if own is None or own == "x-default" or own in languages:
            continue
        as_what = sorted(languages, key=lambda lang: (-len(languages[lang]), lang))
        pages = sorted(languages[as_what[0]])
        yield Hit(
            url,
            f'Annotated as hreflang "{as_what[0]}" (by {len(pages)} page(s)), but the page '
            f'declares <html lang="{declared[url][:MAX_VALUE]}">',
            {
                "html_lang": declared[url][:MAX_VALUE],
                "annotated_as": as_what[:MAX_LISTED],
                "annotating_pages": pages[:MAX_LISTED],
            },
            cause=f"annotated {as_what[0]}, declares {own}",
        )
