"""Canonicals (CAN): whether each page's rel=canonical tells Google what the site means.

Reads the canonicals extraction collected from the head, the body and the HTTP ``Link``
header (``PageFacts.canonicals``, with their source and whether they came after the head
ended) and the one canonical Google uses (``indexing.canonical_target``). Targets are
judged by what the crawl saw of them (``Site.status``, ``Site.indexability``,
``Site.redirect_chain``): the engine crawls in-scope canonical targets. Targets outside
the crawl scope are not fetched; rules say so in the evidence instead of guessing.

Findings on many pages that share one bad target carry ``cause="target <url>"``, so they
become one issue: one change (the target, or the template that emits it) fixes them all.

Google's rules of the game (Search Central, "How to specify a canonical URL with
rel=canonical and other methods"; RFC 6596): the canonical is a strong hint, read only in
``<head>`` or the Link header; several different canonicals cancel each other; the target
must be a live, indexable page that is not itself canonicalised elsewhere; paginated pages
keep their own canonical; language versions are canonical to themselves.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from seoaudit.crawl.urls import PAGE_PARAMETER_NAMES, PAGE_SEGMENTS, name_labels
from seoaudit.indexing import canonical_target, effective_directives
from seoaudit.models import Canonical, PageFacts, Severity
from seoaudit.rules.duplicates import duplicate_index
from seoaudit.rules.hreflang import Annotation, page_annotations
from seoaudit.rules.indexing_directives import crawler_of, describe_directive, with_token
from seoaudit.rules.lookups import lookups
from seoaudit.rules.registry import Hit, rule
from seoaudit.rules.status_codes import NETWORK_ERRORS

if TYPE_CHECKING:
    from seoaudit.site import Site

MAX_CHAIN = 20  # canonical hops followed before giving up
MAX_LISTED = 10
# Attributes that make Google ignore a rel=canonical link (G-CONSOLIDATE).
_ALTERNATE_ATTRS = frozenset({"hreflang", "lang", "media", "type"})
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# First host labels that mark a non-production host (a canonical pointing there leaks
# rankings to staging).
_STAGING_LABELS = frozenset(
    {"staging", "stage", "stg", "dev", "develop", "development", "test", "testing", "qa"}
    | {"uat", "preprod", "pre-prod", "sandbox", "local", "localhost"}
)
# A page-number path segment of a paginated series (crawl.urls.PAGE_SEGMENTS).
_PAGE_PATH = re.compile(rf"/(?:{PAGE_SEGMENTS})/(\d{{1,6}})/?$", re.IGNORECASE)


def _cut(text: str, limit: int = 300) -> str:
    """Quote page-supplied text in evidence without letting a hostile page bloat reports."""
    return text if len(text) <= limit else text[:limit] + "..."


def _read(page: PageFacts) -> list[Canonical]:
    """The canonical elements Google reads: in <head> before it ended, and Link headers."""
    return [
        c
        for c in page.canonicals
        if c.source == "header" or (c.source == "head" and not c.after_head_end)
    ]


def _target(page: PageFacts) -> str | None:
    """The other URL a 200 page canonicalises to (None: none, or itself)."""
    if page.status != 200:
        return None
    target = canonical_target(page)
    return target if target is not None and target != page.url else None


def _about(site: Site, target: str) -> dict[str, object]:
    """What the crawl knows of a canonical target, for evidence."""
    state = site.state(target)
    facts: dict[str, object] = {
        "target": target,
        "target_status": site.status(target),
        "target_indexability": site.indexability(target),
        "target_state": state,
    }
    if state == "external":
        facts["note"] = "outside the crawl scope: not fetched"
    return facts


# -- missing, multiple, misplaced, malformed ------------------------------------------


@rule(
    "CAN001",
    "missing-canonical",
    severity="notice",
    scope="site",
    group="{count} indexable pages have no canonical ({cause})",
)
def missing_canonical(site: Site) -> Iterator[Hit]:
    """Indexable page without a usable canonical, although it has parameters or duplicates.

    ## What it does
    Flags indexable HTML pages (200, not noindex) that declare no canonical Google reads
    (none in `<head>` or a Link header) when the URL has query parameters, or when the same
    or nearly the same text is served at another indexable URL. Pages without parameters
    or duplicates are not flagged: a canonical is optional there.

    ## Why it matters
    Without a canonical, Google chooses among the duplicates itself: tracking or sorting
    parameters, or a variant you did not intend, may become the URL shown in search, and
    signals are split between the copies.

    ## How to fix
    Output an absolute, self-referencing `<link rel="canonical">` on every indexable
    template, and on parameter variants a canonical to the clean URL.

    ## How to verify
    `curl -s <url> | grep -i 'rel="canonical"'` shows one absolute canonical.

    ## Source
    Google Search Central: "How to specify a canonical URL with rel=canonical and other
    methods" (reasons to specify a canonical).
    """
    duplicated = duplicate_index(site).duplicated
    for s in site.summaries():
        if s.status != 200 or not s.is_html or s.indexability != "indexable" or s.canonical:
            continue
        params = bool(urlsplit(s.url).query)
        if not params and s.url not in duplicated:
            continue
        why = "parameters in the URL" if params else "duplicate content"
        yield Hit(
            s.url,
            f"No canonical on an indexable page with {why}",
            {"reason": why, "has_parameters": params, "has_duplicates": s.url in duplicated},
            cause=why,
        )


@rule(
    "CAN002",
    "multiple-canonicals",
    severity="error",
    group="{count} pages declare more than one canonical ({cause})",
)
def multiple_canonicals(page: PageFacts, site: Site) -> Iterator[Hit]:
    """More than one canonical (in `<head>` and/or the Link header), pointing at different
    URLs.

    ## What it does
    Counts the canonicals Google reads: `<link rel="canonical">` in `<head>` (before the
    head ended) and `rel="canonical"` in Link headers. Different URLs are an error; the
    same URL repeated is a notice. Canonicals outside the head are CAN003's business, and
    those carrying hreflang/media attributes CAN016's. Pages with the same combination of
    places (two in head, head and header) form one issue.

    ## Why it matters
    Given several canonicals, Google ignores all of them and picks the canonical itself:
    the duplicate you meant to consolidate may be indexed instead.

    ## How to fix
    Emit exactly one canonical from one layer: check the CMS template, SEO plugins and
    any CDN or server rule that adds a `Link` header.

    ## How to verify
    `curl -si <url> | grep -i canonical` shows one canonical (header or tag, not both).

    ## Source
    Google Search Central: "How to specify a canonical URL with rel=canonical and other
    methods"; "5 common mistakes with rel=canonical" (2013); RFC 6596 section 3.
    """
    if page.status != 200:
        return
    read = [c for c in _read(page) if not (_ALTERNATE_ATTRS & c.attrs.keys())]
    if len(read) < 2:
        return
    distinct = list(dict.fromkeys(c.url or _cut(c.href.strip()) for c in read))
    places = ", ".join(sorted({c.source for c in read}))
    evidence = {
        "canonicals": [{"source": c.source, "href": _cut(c.href), "url": c.url} for c in read]
    }
    if len(distinct) == 1:
        yield Hit(
            page.url,
            f"The same canonical is declared {len(read)} times ({places})",
            evidence,
            cause=f"repeated in {places}",
            severity="notice",
        )
        return
    yield Hit(
        page.url,
        f"{len(distinct)} different canonicals ({places}): Google ignores them all",
        evidence | {"distinct": distinct[:MAX_LISTED]},
        cause=f"conflicting in {places}",
    )


@rule(
    "CAN003",
    "canonical-outside-head",
    severity="error",
    group="{count} pages have a canonical Google does not read ({cause})",
)
def canonical_outside_head(page: PageFacts, site: Site) -> Iterator[Hit]:
    """rel=canonical in `<body>`, or after an element that ended `<head>`.

    ## What it does
    Flags canonical link elements in the body (often injected by a widget), or in the head
    markup after an element not allowed there (an `<img>`, `<iframe>`, stray text), where
    Google stops reading metadata. An error when no canonical is left that Google reads; a
    warning when the ignored one disagrees with the one read; a notice when it repeats it.
    Pages where the head is ended by the same element form one issue.

    ## Why it matters
    Google accepts rel=canonical only in `<head>`: the page's canonical intent is lost,
    and a broken head also hides the robots and hreflang tags after it.

    ## How to fix
    Put the canonical in `<head>`, before any element that does not belong there (move
    tracking pixels, iframes and text into `<body>`); stop widgets from injecting one.

    ## How to verify
    View the raw HTML (`curl -s <url>`): the canonical comes before `</head>` and before
    any `<img>`, `<iframe>` or text.

    ## Source
    Google Search Central: "How to specify a canonical URL with rel=canonical and other
    methods" (link element only in head); "Use valid HTML to specify page metadata".
    """
    if page.status != 200:
        return
    ignored = [c for c in page.canonicals if c.source == "body" or c.after_head_end]
    if not ignored:
        return
    read = canonical_target(page)
    after_head = any(c.after_head_end for c in ignored)
    severity: Severity | None
    if read is None:
        severity, note = None, "no canonical is left that Google reads"
    elif all(c.url == read for c in ignored):
        severity, note = "notice", "the head declares the same canonical"
    else:
        severity, note = "warning", f"Google reads {read} instead"
    yield Hit(
        page.url,
        f"Canonical {'after the head ended' if after_head else 'in <body>'} is ignored: {note}",
        {
            "ignored": [
                {
                    "href": _cut(c.href),
                    "placement": "after head ended" if c.after_head_end else "body",
                }
                for c in ignored[:MAX_LISTED]
            ],
            "head_ended_by": page.head_ended_by,
            "canonical_read": read,
        },
        cause=f"head ended by <{page.head_ended_by}>" if after_head else "canonical in <body>",
        severity=severity,
    )


@rule(
    "CAN004",
    "relative-canonical",
    severity="notice",
    group="{count} pages use a relative canonical URL",
)
def relative_canonical(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Canonical href is relative or protocol-relative (`/page`, `//host/page`).

    ## What it does
    Flags canonicals Google reads whose href has no scheme. A notice: relative URLs are
    supported, but resolve against whatever host and scheme served the page.

    ## Why it matters
    A staging copy, an http mirror or a proxy serving the same HTML then declares itself
    canonical, and duplicates are not consolidated.

    ## How to fix
    Output the absolute URL: `https://www.example.com/page`.

    ## How to verify
    `curl -s <url> | grep -i 'rel="canonical"'` shows an `https://` URL.

    ## Source
    Google Search Central: "How to specify a canonical URL with rel=canonical and other
    methods" (use absolute paths).
    """
    if page.status != 200:
        return
    for c in _read(page):
        href = c.href.strip()
        if href and c.url is not None and not _SCHEME.match(href):
            yield Hit(
                page.url,
                f"Relative canonical {_cut(href)!r} (resolves to {c.url})",
                {"href": _cut(c.href), "resolved": c.url, "source": c.source},
            )
            return


@rule(
    "CAN005",
    "invalid-canonical",
    severity="error",
    group="{count} pages have an unusable canonical ({cause})",
)
def invalid_canonical(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Canonical that is empty, not an http(s) URL, or has a fragment or spaces.

    ## What it does
    Checks the canonicals Google reads: an empty href, a value that is not an http(s) URL
    (`javascript:`, a bare word with a colon, a broken host) is an error; a fragment (`#`)
    or whitespace inside the URL is a warning (Google drops fragments; spaces show a
    template bug). Pages with the same kind of problem form one issue.

    ## Why it matters
    Google cannot use the hint: it chooses the canonical itself, and a broken template
    usually breaks it on every page at once.

    ## How to fix
    Output one clean absolute URL without fragment: `https://www.example.com/page`.

    ## How to verify
    `curl -s <url> | grep -i 'rel="canonical"'` shows a plain `https://` URL.

    ## Source
    Google Search Central: "How to specify a canonical URL with rel=canonical and other
    methods" (fragments not supported); web.dev "Document does not have a valid
    rel=canonical".
    """
    if page.status != 200:
        return
    severity: Severity | None
    for c in _read(page):
        href = c.href.strip()
        if not href:
            kind, severity = "empty href", None
        elif c.url is None:
            kind, severity = "not an http(s) URL", None
        elif "#" in href:
            kind, severity = "fragment in URL", "warning"
        elif any(ch.isspace() for ch in href):
            kind, severity = "whitespace in URL", "warning"
        else:
            continue
        yield Hit(
            page.url,
            f"Unusable canonical ({kind}): {_cut(c.href)!r}",
            {"href": _cut(c.href), "resolved": c.url, "source": c.source},
            cause=kind,
            severity=severity,
        )
        return


@rule(
    "CAN016",
    "canonical-with-alternate-attributes",
    severity="warning",
    group="{count} pages put hreflang/media/type on rel=canonical",
)
def canonical_with_alternate_attributes(page: PageFacts, site: Site) -> Iterator[Hit]:
    """rel=canonical link that also carries `hreflang`, `lang`, `media` or `type`.

    ## What it does
    Flags canonical links (head or Link header) with any of those attributes.

    ## Why it matters
    Google does not use such a link for canonicalisation: the page effectively has no
    canonical (or only the other one).

    ## How to fix
    Use a plain `<link rel="canonical" href="...">`; express language and media
    versions with `rel="alternate"` links.

    ## How to verify
    `curl -s <url> | grep -i 'rel="canonical"'` shows no hreflang, lang, media or type.

    ## Source
    Google Search Central: "How to specify a canonical URL with rel=canonical and other
    methods".
    """
    if page.status != 200:
        return
    for c in _read(page):
        found = sorted(_ALTERNATE_ATTRS & c.attrs.keys())
        if found:
            yield Hit(
                page.url,
                f"rel=canonical with {', '.join(found)} is not used by Google",
                {"href": _cut(c.href), "attributes": {k: _cut(c.attrs[k]) for k in found}},
            )
            return


# -- where the canonical points ---------------------------------------------------------


def _site_of(host: str) -> str:
    """The registrable domain, approximately (crawl.urls.name_labels)."""
    labels = host.split(":")[0].split(".")
    return ".".join(labels[-name_labels(labels) :])


def _is_staging(host: str) -> bool:
    name = host.split(":")[0].strip("[]")
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    first = name.split(".")[0]
    return name == "localhost" or name.endswith(".localhost") or first in _STAGING_LABELS


@rule(
    "CAN012",
    "cross-host-canonical",
    severity="warning",
    group="{count} pages canonicalise to another host ({cause})",
)
def cross_host_canonical(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Canonical points at another host.

    ## What it does
    Flags pages whose canonical's host differs from the page's. An error when the target
    looks like a staging or development host (`staging.`, `dev.`, `localhost`, an IP
    address) and the page's does not; a warning for another site; a notice for another
    host of the same site (`www` versus apex, `m.`, another subdomain). Targets outside the
    crawl scope are not fetched. All pages canonicalised to one host form one issue.

    ## Why it matters
    Cross-host canonicals are allowed (syndication, host moves) but are a common sign of a
    misconfigured CMS base URL or a hacked site: rankings go to the other host, or to a
    staging server nobody can reach.

    ## How to fix
    Confirm the intent. Otherwise set the CMS's site URL to the production host so
    canonicals are self-referencing; for syndicated copies prefer noindex on the partner.

    ## How to verify
    `curl -s <url> | grep -i 'rel="canonical"'` shows the production host.

    ## Source
    RFC 6596; Google Search Central: "Fix canonicalization issues" (misconfigured servers,
    hacking, syndication).
    """
    target = _target(page)
    if target is None:
        return
    page_host, target_host = urlsplit(page.url).netloc, urlsplit(target).netloc
    if page_host == target_host:
        return
    severity: Severity
    if _is_staging(target_host) and not _is_staging(page_host):
        severity, kind = "error", "a staging or development host"
    elif _site_of(page_host) != _site_of(target_host):
        severity, kind = "warning", "another site"
    else:
        severity, kind = "notice", "another host of the same site"
    yield Hit(
        page.url,
        f"Canonical points at {kind}: {target}",
        _about(site, target) | {"page_host": page_host, "target_host": target_host},
        cause=f"canonical host {target_host}",
        severity=severity,
    )


@rule(
    "CAN015",
    "https-page-canonical-to-http",
    severity="error",
    group="{count} https pages canonicalise to http",
)
def https_page_canonical_to_http(page: PageFacts, site: Site) -> Iterator[Hit]:
    """An https page declares an `http://` canonical.

    ## What it does
    Flags pages served over https whose canonical (the one Google reads) uses http.

    ## Why it matters
    Google prefers https URLs as canonicals, except when the https page itself names the
    http URL as canonical: this pushes Google to index the insecure URL.

    ## How to fix
    Output https canonicals (and https URLs in hreflang and sitemaps).

    ## How to verify
    `curl -s https://<url> | grep -i 'rel="canonical"'` shows an `https://` URL.

    ## Source
    Google Search Central: "How to specify a canonical URL with rel=canonical and other
    methods" (prefer HTTPS over HTTP); "What is canonicalization".
    """
    target = _target(page)
    if target is not None and page.url.startswith("https://") and target.startswith("http://"):
        yield Hit(page.url, f"https page canonicalises to {target}", _about(site, target))


@rule(
    "CAN006",
    "canonical-target-error",
    severity="error",
    group="{count} pages canonicalise to a URL that fails ({cause})",
)
def canonical_target_error(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Canonical target answers 4xx or 5xx, or does not answer.

    ## What it does
    Looks up each page's canonical target in the crawl and flags targets that answered
    400-599 or gave no usable response. Out-of-scope targets are not fetched and not
    judged. All pages pointing at one target form one issue.

    ## Why it matters
    Google ignores a canonical to a missing or failing page, and may index the duplicate
    or drop both: the page you meant to rank is not there.

    ## How to fix
    Point the canonical at a live URL that answers 200 (usually the page itself), or
    restore the target.

    ## How to verify
    `curl -sI <target>` answers 200.

    ## Source
    RFC 6596 section 5; Google Search Central blog: "5 common mistakes with
    rel=canonical" (2013).
    """
    target = _target(page)
    if target is None:
        return
    status = site.status(target)
    if status is not None and status >= 400:
        yield Hit(
            page.url,
            f"Canonical target {target} answers {status}",
            _about(site, target),
            cause=f"target {target}",
        )
    elif status is None and site.state(target) == "done":
        error = site.redirect_chain(target).error
        if error in NETWORK_ERRORS:
            yield Hit(
                page.url,
                f"Canonical target {target} gives no response ({error})",
                _about(site, target) | {"error": error},
                cause=f"target {target}",
            )


@rule(
    "CAN007",
    "canonical-to-redirect",
    severity="warning",
    group="{count} pages canonicalise to a redirecting URL ({cause})",
)
def canonical_to_redirect(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Canonical target redirects.

    ## What it does
    Flags canonicals whose target answers 3xx, with the redirect chain and where it
    ends. A warning; an error when the chain ends on an error or loops. All pages pointing
    at one target form one issue.

    ## Why it matters
    The canonical and the redirect send Google two different answers; the hint may be
    ignored. It usually means the canonical was not updated after a URL change.

    ## How to fix
    Point the canonical at the final destination of the redirect.

    ## How to verify
    `curl -sI <target>` answers 200 (no Location header).

    ## Source
    RFC 6596 section 5 (do not designate a permanent-redirect source as canonical).
    """
    target = _target(page)
    if target is None:
        return
    status = site.status(target)
    if status is None or not 300 <= status < 400:
        return
    chain = site.redirect_chain(target)
    broken = chain.loop or chain.error is not None or (chain.final_status or 0) >= 400
    where = "back to this page" if chain.final_url == page.url else f"to {chain.final_url}"
    yield Hit(
        page.url,
        f"Canonical target {target} redirects ({status}) {where}",
        _about(site, target)
        | {
            "hops": [{"url": u, "status": s} for u, s in chain.hops],
            "final_url": chain.final_url,
            "final_status": chain.final_status,
        },
        cause=f"target {target}",
        severity="error" if broken else None,
    )


@rule(
    "CAN008",
    "canonical-to-noindex",
    severity="error",
    group="{count} pages canonicalise to a noindex URL ({cause})",
)
def canonical_to_noindex(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Canonical target is noindex.

    ## What it does
    Flags canonicals whose target answers 200 with a noindex (robots meta or
    X-Robots-Tag). All pages pointing at one target form one issue.

    ## Why it matters
    The page says "index that URL instead", and that URL says "do not index me": the
    whole duplicate cluster may drop out of the index.

    ## How to fix
    Make the target indexable, or point the canonical at an indexable URL (often the page
    itself).

    ## How to verify
    `curl -sI <target> | grep -i x-robots-tag` and the target's robots meta show no
    noindex.

    ## Source
    Google Search Central blog: "5 common mistakes with rel=canonical" (2013); "How to
    specify a canonical URL" (noindex is not a canonicalisation method).
    """
    target = _target(page)
    if target is not None and site.indexability(target) == "noindex":
        yield Hit(
            page.url,
            f"Canonical target {target} is noindex",
            _about(site, target),
            cause=f"target {target}",
        )


@rule(
    "CAN009",
    "canonical-to-blocked",
    severity="error",
    group="{count} pages canonicalise to a URL blocked by robots.txt ({cause})",
)
def canonical_to_blocked(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Canonical target is disallowed by robots.txt.

    ## What it does
    Flags canonicals whose target the audited crawler may not fetch. All pages pointing at
    one target form one issue.

    ## Why it matters
    Google cannot fetch the target to confirm it is a duplicate, so the hint is likely
    ignored; robots.txt must not be used to choose canonicals.

    ## How to fix
    Allow crawling of the canonical URL (remove or narrow the Disallow rule), or point the
    canonical at a crawlable URL.

    ## How to verify
    `seoaudit robots <target>` answers "allowed".

    ## Source
    Google Search Central: "How to specify a canonical URL with rel=canonical and other
    methods" (do not use robots.txt for canonicalisation).
    """
    target = _target(page)
    if target is not None and site.indexability(target) == "blocked-by-robots":
        yield Hit(
            page.url,
            f"Canonical target {target} is blocked by robots.txt",
            _about(site, target),
            cause=f"target {target}",
        )


def _follow(site: Site, start: str) -> tuple[list[str], bool]:
    """The canonical path from ``start`` (start first) and whether it comes back to a URL
    already on it."""
    canonical = lookups(site).canonical
    path = [start]
    seen = {start}
    current = start
    for _ in range(MAX_CHAIN):
        nxt = canonical.get(current)
        if nxt is None:
            return path, False
        if nxt in seen:
            path.append(nxt)
            return path, True
        path.append(nxt)
        seen.add(nxt)
        current = nxt
    return path, False


@rule(
    "CAN010",
    "canonical-chain",
    severity="warning",
    group="{count} pages canonicalise to a URL that is canonicalised again ({cause})",
)
def canonical_chain(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Canonical target itself declares another canonical (A -> B -> C).

    ## What it does
    Follows canonicals from page to page and flags a page whose target is canonicalised
    to yet another URL, with the whole chain. Loops that include the page are CAN011. All
    pages pointing at one target form one issue.

    ## Why it matters
    Google does not promise to follow canonical chains; the hint may be ignored, and the
    page you want indexed may not be chosen.

    ## How to fix
    Point every duplicate straight at the final canonical URL.

    ## How to verify
    `curl -s <target> | grep -i 'rel="canonical"'` shows the target canonical to itself.

    ## Source
    RFC 6596 section 5 (do not point at a URL that is itself canonicalised elsewhere).
    """
    target = _target(page)
    if target is None or site.indexability(target) != "canonicalised":
        return
    path, loop = _follow(site, page.url)
    if loop and path[-1] == page.url:
        return  # CAN011
    note = " and ends in a loop" if loop else ""
    yield Hit(
        page.url,
        f"Canonical chain of {len(path) - 1} hops{note}: {' -> '.join(path[:5])}",
        _about(site, target) | {"chain": path[:MAX_CHAIN], "loop": loop},
        cause=f"target {target}",
    )


@rule(
    "CAN011",
    "canonical-loop",
    severity="error",
    group="{count} pages in a canonical loop ({cause})",
)
def canonical_loop(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Canonicals form a loop (A -> B -> A, or longer).

    ## What it does
    Follows canonicals from page to page and flags every page whose canonical path comes
    back to it. All pages of one loop form one issue.

    ## Why it matters
    The pages name each other as the one to index: there is no consistent preference, so
    Google ignores the hints and picks by other signals.

    ## How to fix
    Choose one URL, make it self-canonical, and point the others at it.

    ## How to verify
    `curl -s <url> | grep -i 'rel="canonical"'` on each page of the loop: one of them is
    canonical to itself.

    ## Source
    RFC 6596 section 5 (improper designation).
    """
    if _target(page) is None:
        return
    path, loop = _follow(site, page.url)
    if not loop or path[-1] != page.url:
        return
    members = sorted(set(path))
    yield Hit(
        page.url,
        f"Canonical loop through {len(members)} URLs: {' -> '.join(path)}",
        {"loop": path, "members": members},
        # fingerprinted without the cause (models.IDENTITY_BY_RULE): a loop gains members
        cause=f"loop via {members[0]}",
    )


# -- canonical versus other signals ---------------------------------------------------


def _language_of(notes: list[Annotation], url: str) -> str | None:
    """The language the page's hreflang set gives ``url`` (x-default does not say)."""
    for a in notes:
        if a.url == url and a.tag.language != "x-default":
            return a.tag.language
    return None


def _primary(tag: str | None) -> str | None:
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary and primary != "x" else None


@rule(
    "CAN013",
    "canonical-to-other-language",
    severity="error",
    group="{count} language versions canonicalise to another language ({cause})",
)
def canonical_to_other_language(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A page in an hreflang cluster canonicalises to a version in another language.

    ## What it does
    For pages with hreflang annotations (head, Link header or sitemaps) whose canonical
    points elsewhere, compares the page's language (its self-annotation, else `<html
    lang>`) with the target's (the annotation that names the target, else its `<html
    lang>`). Flags different primary languages (`de` versus `en`; regional variants of one
    language are not flagged). All pages pointing at one target form one issue.

    ## Why it matters
    The canonical folds the localized page into another language version: it drops out of
    search in its own market, and the hreflang cluster it belongs to breaks.

    ## How to fix
    Make every language version canonical to itself and connect them with hreflang only.

    ## How to verify
    `curl -s <url> | grep -i 'rel="canonical"'` shows the page's own URL.

    ## Source
    Google Search Central: "How to specify a canonical URL with rel=canonical and other
    methods" (hreflang: canonical in the same language); "Tell Google about localized
    versions of your page".
    """
    target = _target(page)
    if target is None:
        return
    notes = [a for a in page_annotations(page, site) if a.url is not None and a.tag.valid]
    if not notes:
        return
    own = _language_of(notes, page.url) or _primary(page.lang)
    theirs = _language_of(notes, target)
    if theirs is None:
        summary = lookups(site).summary.get(target)
        theirs = _primary(summary.lang) if summary is not None else None
    own, theirs = _primary(own), _primary(theirs)
    if own is None or theirs is None or own == theirs:
        return
    yield Hit(
        page.url,
        f"Page in {own} canonicalises to {target}, in {theirs}",
        _about(site, target) | {"page_language": own, "target_language": theirs},
        cause=f"target {target}",
    )


def _page_number(url: str) -> tuple[str, int] | None:
    """(the series' URL without the page number, page number) of a paginated URL."""
    split = urlsplit(url)
    match = _PAGE_PATH.search(split.path)
    if match is not None:
        base = split.path[: match.start()] or "/"
        query = split.query
        return f"{split.scheme}://{split.netloc}{base.rstrip('/')}?{query}", int(match.group(1))
    pairs = parse_qsl(split.query, keep_blank_values=True)
    for i, (name, value) in enumerate(pairs):
        # ASCII digits, few: str.isdigit() also accepts "²", which int() refuses.
        digits = value.isascii() and value.isdigit() and len(value) < 10
        if digits and name.lower() in PAGE_PARAMETER_NAMES:
            rest = "&".join(f"{k}={v}" for k, v in pairs[:i] + pairs[i + 1 :])
            base = split.path.rstrip("/")
            return f"{split.scheme}://{split.netloc}{base}?{rest}", int(value)
    return None


def _series_base(url: str) -> str:
    split = urlsplit(url)
    return f"{split.scheme}://{split.netloc}{split.path.rstrip('/')}?{split.query}"


@rule(
    "CAN014",
    "paginated-canonical-to-first-page",
    severity="warning",
    group="{count} paginated pages canonicalise to the first page ({cause})",
)
def paginated_canonical_to_first_page(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Page 2+ of a series canonicalises to page 1.

    ## What it does
    Recognises paginated URLs (`?page=2`, `?p=3`, `/page/2/`) and flags those whose
    canonical is the first page of the same series (the URL without the page number, or
    page 1). Self-referencing canonicals on paginated pages are correct and not flagged;
    so is a canonical to a separate view-all page. All pages of one series form one issue.

    ## Why it matters
    Google treats the deeper pages as duplicates of page 1 and may stop crawling them:
    products or articles linked only from page 2 onwards lose their way into the index.

    ## How to fix
    Give each page of the series its own self-referencing canonical (or canonicalise all
    pages to a real view-all page).

    ## How to verify
    `curl -s '<url>' | grep -i 'rel="canonical"'` shows page 2's own URL.

    ## Source
    Google Search Central: "Pagination, incremental page loading, and their impact on
    Google Search" (do not use the first page as the canonical); RFC 6596 section 6.
    """
    target = _target(page)
    if target is None:
        return
    numbered = _page_number(page.url)
    if numbered is None or numbered[1] < 2:
        return
    base, number = numbered
    their = _page_number(target)
    if their is not None:
        first = their[0] == base and their[1] <= 1
    else:
        first = _series_base(target) == base
    if first:
        yield Hit(
            page.url,
            f"Page {number} of a series canonicalises to the first page {target}",
            _about(site, target) | {"page_number": number},
            cause=f"series {target}",
        )


@rule(
    "CAN019",
    "canonicalised-url-linked-as-main",
    severity="notice",
    group="{count} canonicalised URLs are linked more than their canonical",
)
def canonicalised_url_linked_as_main(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A URL canonicalised elsewhere gets more internal links than its canonical.

    ## What it does
    Flags pages that canonicalise to another, indexable URL but receive more internal
    `<a href>` links than that canonical: the site links to the duplicate as if it were
    the main URL. Variants that are linked less than their canonical (filters, tracking
    links) are not flagged; broken canonical targets are reported by CAN006 to CAN011.

    ## Why it matters
    Internal links are a canonicalisation signal. Linking mostly to the duplicate
    contradicts the canonical, wastes crawl on the copy, and Google may pick the duplicate.

    ## How to fix
    Update navigation, templates and content to link to the canonical URL directly.

    ## How to verify
    The pages listed under `linked_from` link to the canonical URL; a new audit shows the
    canonical with more inlinks than the duplicate.

    ## Source
    Google Search Central: "How to specify a canonical URL with rel=canonical and other
    methods" (link consistently to the canonical URL).
    """
    target = _target(page)
    if target is None or not site.is_indexable(target):
        return  # a broken target is CAN006-CAN011's business
    inlinks, target_inlinks = site.inlink_count(page.url), site.inlink_count(target)
    if inlinks == 0 or inlinks <= target_inlinks:
        return
    yield Hit(
        page.url,
        f"Linked from {inlinks} pages, its canonical {target} from {target_inlinks}",
        {
            "canonical": target,
            "inlinks": inlinks,
            "canonical_inlinks": target_inlinks,
            "linked_from": site.linking_pages(page.url, MAX_LISTED),
        },
    )


@rule(
    "CAN020",
    "canonical-to-home-page",
    severity="warning",
    group="{count} pages canonicalise to the home page ({cause})",
)
def canonical_to_home_page(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A page that is not a copy of the home page canonicalises to it.

    ## What it does
    Flags pages whose canonical is the root URL of a host (`https://example.com/`) while
    the page is another URL with different text. All pages pointing at one root form one
    issue.

    ## Why it matters
    Usually a template bug (a hard-coded canonical): Google either ignores the hint or
    drops the pages from the index in favour of the home page.

    ## How to fix
    Output a self-referencing canonical per page.

    ## How to verify
    `curl -s <url> | grep -i 'rel="canonical"'` shows the page's own URL.

    ## Source
    web.dev: "Document does not have a valid rel=canonical" (points to the site root);
    RFC 6596 section 5 (the target must be a duplicate or superset).
    """
    target = _target(page)
    if target is None:
        return
    split = urlsplit(target)
    if split.path != "/" or split.query:
        return
    summary = lookups(site).summary.get(target)
    if summary is not None and page.fingerprint and summary.fingerprint == page.fingerprint:
        return
    yield Hit(
        page.url,
        f"Canonical points at the home page {target}",
        _about(site, target),
        cause=f"target {target}",
    )


@rule(
    "CAN022",
    "canonicalised-url-in-sitemap",
    severity="warning",
    group="{count} URLs in sitemaps canonicalise elsewhere ({cause})",
)
def canonicalised_url_in_sitemap(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A URL listed in a sitemap declares a canonical to another URL.

    ## What it does
    Flags sitemap URLs that answer 200 and canonicalise to a different URL. Canonicalised
    variants that are not in a sitemap are fine and not flagged. URLs of one sitemap file
    form one issue.

    ## Why it matters
    A sitemap says "these are my canonical URLs"; the page says the opposite. Google gets
    two different answers and decides itself, and Search Console reports fill with
    "Alternate page with proper canonical tag".

    ## How to fix
    List only canonical URLs in sitemaps: replace the entry with the canonical URL (or fix
    the canonical if the sitemap is right).

    ## How to verify
    Every `<loc>` of the sitemap is canonical to itself; for this page, `curl -s <url> |
    grep -i 'rel="canonical"'` names the URL the sitemap lists instead.

    ## Source
    Google Search Central: "Build and submit a sitemap"; "How to specify a canonical URL
    with rel=canonical and other methods" (do not give different canonicals through
    different methods).
    """
    target = _target(page)
    if target is None or not site.in_sitemap(page.url):
        return
    sitemaps = site.sitemaps_of(page.url)
    yield Hit(
        page.url,
        f"Listed in {sitemaps[0]} but canonicalises to {target}",
        _about(site, target) | {"sitemaps": sitemaps[:MAX_LISTED]},
        cause=f"sitemap {sitemaps[0]}",
    )


@rule(
    "CAN021",
    "noindex-with-canonical-elsewhere",
    severity="warning",
    group="{count} pages are noindex and canonicalise to another URL",
)
def noindex_with_canonical_elsewhere(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A page says noindex and also names another URL as its canonical.

    ## What it does
    Flags pages answering 200 that are noindex for the audited crawler (robots meta or
    X-Robots-Tag, combined as Google combines them) and whose canonical (the one Google
    reads: head or Link header) is another URL.

    ## Why it matters
    The two signals contradict each other: the canonical says "this is a copy, consolidate
    it into that URL", the noindex says "drop this page". Google recommends the canonical,
    not noindex, for choosing the canonical within a site; with both, the duplicate's
    signals (links) may be dropped with it instead of passing to the canonical.

    ## How to fix
    For a duplicate or variant (filters, tracking parameters): remove the noindex and keep
    the canonical. For a page that should not be indexed at all: keep the noindex and make
    the canonical point at the page itself (or remove it).

    ## How to verify
    `curl -sI <url> | grep -i x-robots-tag` and the page's robots meta show no noindex, or
    its `rel="canonical"` names the page itself.

    ## Source
    Google Search Central: "How to specify a canonical URL with rel=canonical and other
    methods" (noindex is not a canonicalisation method within a site).
    """
    target = _target(page)
    if target is None:
        return
    crawler = crawler_of(site)
    if "noindex" not in effective_directives(page, crawler):
        return
    noindex = [describe_directive(d) for d in with_token(page, crawler, "noindex", "none")]
    yield Hit(
        page.url,
        f"noindex for {crawler}, and a canonical to {target}",
        {"directives": noindex[:MAX_LISTED], "canonical": target},
    )
