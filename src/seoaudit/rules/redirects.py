"""Redirects (HTTP): chains, loops, temporary redirects for permanent moves, meta refresh,
HTTPS downgrades, redirects without a usable Location, redirects that end in an error and
many URLs sent to one unrelated page.

Each redirect is stored hop by hop (one page record per URL of a chain); a chain is
reported once, at the URL it is entered from (``_is_chain_entry``), while problems of one
hop (its status code, its Location) are reported at that hop.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from seoaudit.crawl.urls import bare_host, resolve
from seoaudit.models import Hop, PageFacts
from seoaudit.rules.common import parse_refresh
from seoaudit.rules.registry import Hit, rule

if TYPE_CHECKING:
    from seoaudit.site import RedirectChain, Site

TEMPORARY = frozenset({302, 303, 307})
# HTTP012: how many distinct URLs sent to one page make "many" (tool convention, rules-kb
# HTTP-012): more than MANY_TO_ONE, or more than MANY_TO_ONE_SHARE of the site's
# redirecting URLs when that is at least MANY_TO_ONE_MIN (a small site's few redirects).
MANY_TO_ONE = 20
MANY_TO_ONE_SHARE = 0.05
MANY_TO_ONE_MIN = 10
PERMANENT = frozenset({301, 308})  # the statuses that move a page for good (RFC 9110)
_WORD = re.compile(r"[a-z0-9]{3,}")
_EXTENSION = re.compile(r"\.(?:html?|php|aspx?|jsp)$")


def _is_chain_entry(page: PageFacts, site: Site) -> bool:
    """Report a chain once, at the URL it is entered from, not at every hop."""
    return page.source != "redirect" or site.inlink_count(page.url) > 0


def _chain_evidence(chain: RedirectChain) -> dict[str, object]:
    return {
        "hops": [{"url": u, "status": s} for u, s in chain.hops],
        "final_url": chain.final_url,
        "final_status": chain.final_status,
    }


@rule("HTTP006", "redirect-chain", severity="warning", group="{count} URLs redirect 2+ times")
def redirect_chain(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A URL redirects more than once before reaching its final page.

    ## What it does
    Follows each redirect through the recorded hops and flags chains of 2 or more hops
    (a notice at 2, a warning at 3 or more). Single redirects are fine and not flagged.

    ## Why it matters
    Every hop costs the visitor latency and the crawler a request; Google advises against
    long chains, and other crawlers give up sooner (Common Crawl after 4 hops).

    ## How to fix
    Redirect every old URL straight to the final URL, and update internal links to point
    at the final URL.

    ## How to verify
    `curl -sIL <url> | grep -i '^location'` shows a single Location line.

    ## Source
    Google Search Central: "Redirects and Google Search"; crawl budget guide.
    """
    if not page.hops or not _is_chain_entry(page, site):
        return
    chain = site.redirect_chain(page.url)
    if chain.loop or chain.error or len(chain.hops) < 2 or len(chain.hops) > 10:
        return
    hops = len(chain.hops)
    yield Hit(
        page.url,
        f"Redirect chain of {hops} hops to {chain.final_url}",
        _chain_evidence(chain),
        severity="notice" if hops == 2 else "warning",
    )


@rule(
    "HTTP007",
    "too-many-redirects",
    severity="error",
    group="{count} URLs redirect more than 10 times",
)
def too_many_redirects(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A redirect chain longer than 10 hops: Googlebot gives up.

    ## What it does
    Flags URLs whose redirects go on for more than 10 hops without reaching a page.

    ## Why it matters
    Googlebot follows at most 10 hops and then reports a redirect error: the URL is never
    crawled or indexed.

    ## How to fix
    Collapse the chain: redirect the first URL straight to the final one.

    ## How to verify
    `curl -sIL --max-redirs 10 <url>` ends on a 200.

    ## Source
    Google Search Central: "How HTTP status codes affect Google Search" (redirects).
    """
    if not page.hops or not _is_chain_entry(page, site):
        return
    chain = site.redirect_chain(page.url)
    if page.error == "too-many-redirects" or (not chain.loop and len(chain.hops) > 10):
        yield Hit(
            page.url,
            f"More than 10 redirects ({len(chain.hops)} followed)",
            _chain_evidence(chain),
        )


@rule(
    "HTTP008", "redirect-loop", severity="error", group="{count} URLs in a redirect loop ({cause})"
)
def redirect_loop(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A URL redirects back to itself, directly or through other URLs.

    ## What it does
    Flags URLs whose redirects come back to a URL already in the chain. All URLs of one
    loop form one issue.

    ## Why it matters
    The chain never resolves: the page can be neither crawled nor indexed, and visitors
    see a browser error.

    ## How to fix
    Find the conflicting rewrite rules (often trailing slash versus canonical host, or
    http versus https) and make them agree on one final URL.

    ## How to verify
    `curl -sIL --max-redirs 10 <url>` ends on a 200 instead of failing.

    ## Source
    Google Search Central: "Redirects and Google Search".
    """
    if not page.hops or not _is_chain_entry(page, site):
        return
    chain = site.redirect_chain(page.url)
    if not (chain.loop or page.error == "redirect-loop"):
        return
    # The loop is the cycle, not the way in: two URLs redirecting into one loop name it alike.
    urls = [u for u, _ in chain.hops]
    if chain.loop and chain.final_url in urls:
        urls = urls[urls.index(chain.final_url) :]
    members = sorted(set(urls))
    into = "" if page.url in members else "Redirects into a loop"
    yield Hit(
        page.url,
        f"{into or 'Redirect loop'} through {len(members)} URLs",
        _chain_evidence(chain),
        # fingerprinted without the cause (models.IDENTITY_BY_RULE): a loop gains members
        cause=f"loop via {members[0]}" if members else None,
    )


def _own_hop(page: PageFacts) -> Hop | None:
    """The redirect this URL itself answered (hop records carry the rest of the chain)."""
    if page.hops and page.hops[0].url == page.url:
        return page.hops[0]
    return None


def _normalisation(source: str, target: str) -> str | None:
    """What a redirect changes when it only normalises the URL ("http to https", "host
    www.example.com to example.com", "trailing slash", ...), else None. Such moves are
    permanent by nature: nobody means to switch https off again next week."""
    a, b = urlsplit(source), urlsplit(target)
    if (a.netloc.lower(), a.path, a.query) == (b.netloc.lower(), b.path, b.query):
        return f"{a.scheme} to {b.scheme}" if a.scheme != b.scheme else None
    same_path = (a.path, a.query) == (b.path, b.query)
    host_a, host_b = a.hostname or "", b.hostname or ""
    if same_path and host_a.removeprefix("www.") == host_b.removeprefix("www."):
        return f"host {host_a} to {host_b}"
    if a.netloc.lower() != b.netloc.lower() or a.query != b.query:
        return None
    if a.path.rstrip("/") == b.path.rstrip("/"):
        return "trailing slash"
    if a.path.lower() == b.path.lower():
        return "letter case"
    for index in ("index.html", "index.htm", "index.php"):
        if a.path.endswith("/" + index) and a.path.removesuffix(index) == b.path:
            return index
    return None


@rule(
    "HTTP009",
    "temporary-redirect",
    severity="warning",
    group="{count} URLs use a temporary redirect ({cause})",
)
def temporary_redirect(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A 302, 303 or 307 redirect where the move looks permanent.

    ## What it does
    Flags every internal URL that answers a temporary redirect (302, 303, 307). It is a
    warning when the redirect only normalises the URL (http to https, www to the bare
    host, a trailing slash, letter case, index.html): those moves are permanent by nature
    and grouped by the rewrite rule. Other temporary redirects are a notice: the crawler
    cannot know whether the move is meant to last, so a person should confirm.

    ## Why it matters
    Google treats a temporary redirect as a weak signal and usually keeps the old URL in
    its results; links and ranking signals consolidate slowly or not at all. A permanent
    redirect (301 or 308) tells it to index the new URL.

    ## How to fix
    Answer 301 (or 308) for moves that are meant to last, in the server or CDN rewrite
    rule; keep 302/307 for genuinely temporary situations (maintenance, A/B tests).

    ## How to verify
    `curl -sI <url>` shows `301` or `308` and the expected `Location`.

    ## Source
    Google Search Central: "Redirects and Google Search" (permanent versus temporary);
    RFC 9110 section 15.4.
    """
    hop = _own_hop(page)
    if hop is None or hop.status not in TEMPORARY or hop.location is None:
        return
    pattern = _normalisation(page.url, hop.location)
    evidence = {"status": hop.status, "location": hop.location, "pattern": pattern}
    if pattern is not None:
        yield Hit(
            page.url,
            f"{hop.status} redirect for a permanent change ({pattern}) to {hop.location}",
            evidence,
            cause=pattern,
        )
    else:
        yield Hit(
            page.url,
            f"Temporary {hop.status} redirect to {hop.location}: is the move permanent?",
            {**evidence, "inlinks": site.inlink_count(page.url)},
            cause="other moves",
            severity="notice",
        )


def _page_key(url: str) -> tuple[str, str, str]:
    """One page whatever its http/https, www or trailing-slash variant."""
    parts = urlsplit(url)
    return bare_host(url), parts.path.rstrip("/").lower(), parts.query


def _words(url: str) -> set[str]:
    """Words of the last path segment ("/boots-red.html" -> {"boots", "red"})."""
    last = urlsplit(url).path.rstrip("/").rpartition("/")[2].lower()
    return set(_WORD.findall(_EXTENSION.sub("", last)))


def _is_home(url: str, site: Site) -> bool:
    parts = urlsplit(url)
    path = _EXTENSION.sub("", parts.path).removesuffix("/index")
    return (path in ("", "/") and not parts.query) or url in site.start_urls


@rule(
    "HTTP012",
    "many-to-one-redirect",
    severity="warning",
    scope="site",
    group="{count} URLs redirect to one unrelated page ({cause})",
)
def many_to_one_redirect(site: Site) -> Iterator[Hit]:
    """Many different URLs redirect to the home page or to one single page.

    ## What it does
    Follows every internal permanent redirect (301 or 308: how a removed page is sent
    elsewhere; a 302 to a login or cart page is an action, not a removal) to its final page
    (answering 200) and counts, per final page, the distinct URLs sent there. It flags the
    URLs when there are more than 20 of them, or more than 5 % of all redirecting URLs and
    at least 10. Variants of the final page itself (http and https, www and not, trailing
    slash, letter case, index.html, the same path with other parameters) count as that
    page, not as other URLs; a URL whose last path segment
    shares a word with the final page's (`/boots-red` to `/boots`) is taken as a version
    of that page and not counted. One issue per final page.

    ## Why it matters
    When removed pages all redirect to the home page or a generic page, Google usually
    treats those redirects as soft 404s: the old URLs drop out as if they answered 404, and
    whatever links pointed at them are not credited to the target. Visitors following an
    old link land on a page that is not what they were looking for.

    ## How to fix
    Redirect each old URL to its closest replacement (the same product in a new URL, the
    successor model, the exact category); let URLs without a replacement answer 404 or
    410. If the listed URLs really are the same content as the target, nothing needs to
    change.

    ## How to verify
    `curl -sIL <url> | grep -i '^location'` ends at the replacement page, or
    `curl -sI <url>` answers 404 or 410; a new audit no longer groups the URLs.

    ## Source
    Google Search Central: "Troubleshoot Google Search crawling errors" (soft 404s,
    including redirects to unrelated pages); Google's office-hours statements on
    redirecting many URLs to the home page (rules-kb HTTP-012, secondary).
    """
    by_target: dict[str, dict[tuple[str, str, str], str]] = {}
    redirecting: set[tuple[str, str, str]] = set()
    for summary in site.summaries():
        url = summary.url
        if summary.status not in PERMANENT:
            continue  # a 302 to a login or cart page is an action, not a removed page
        if not site.is_internal(url):
            continue
        chain = site.redirect_chain(url)
        final = chain.final_url
        if final is None or chain.loop or chain.final_status != 200:
            continue  # loops and redirects to errors: HTTP008, HTTP018
        key = _page_key(url)
        if key[:2] == _page_key(final)[:2] or _normalisation(url, final) is not None:
            continue  # the same page under another form, or without its parameters
        redirecting.add(key)
        if _words(url) & _words(final):
            continue  # a version of the target (/boots-red to /boots)
        sources = by_target.setdefault(final, {})
        if key not in sources or url < sources[key]:
            sources[key] = url
    total = len(redirecting)
    for final, sources in sorted(by_target.items()):
        count = len(sources)
        share = count / total
        if count <= MANY_TO_ONE and not (share > MANY_TO_ONE_SHARE and count >= MANY_TO_ONE_MIN):
            continue
        home = _is_home(final, site)
        what = f"the home page {final}" if home else final
        for url in sorted(sources.values()):
            yield Hit(
                url,
                f"Redirects to {what}, as {count - 1} other URLs do",
                {
                    **_chain_evidence(site.redirect_chain(url)),
                    "target_is_home_page": home,
                    "urls_redirected_there": count,
                    "redirecting_urls": total,
                    "share_of_redirects": round(share, 4),
                },
                cause=f"to {what}",
            )


@rule(
    "HTTP010",
    "meta-refresh-redirect",
    severity="warning",
    group="{count} pages redirect with a refresh ({cause})",
)
def meta_refresh_redirect(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A page redirects with `<meta http-equiv="refresh">` or a `Refresh` header.

    ## What it does
    Flags pages answering 200 whose `<meta http-equiv="refresh">` or `Refresh` header
    sends the visitor to another URL. An instant refresh (0 seconds) is a notice; a delayed
    one is a warning. A refresh that only reloads the page itself is not flagged.

    ## Why it matters
    Google follows an instant refresh as a permanent redirect and a delayed one as a
    temporary redirect, but both are slower and less reliable than a server redirect, not
    every crawler follows them, and the page flashes for the visitor. A delayed refresh
    keeps the old URL in search results.

    ## How to fix
    Replace the refresh with a server-side 301 (or 308) redirect to the target URL.

    ## How to verify
    `curl -sI <url>` answers 301 with the target in `Location`, and the HTML has no
    `http-equiv="refresh"`.

    ## Source
    Google Search Central: "Redirects and Google Search" (meta refresh redirects);
    "Meta tags and attributes that Google supports" (refresh).
    """
    if page.status != 200:
        return
    for where, content in (("meta", page.meta_refresh), ("header", page.header("refresh"))):
        parsed = parse_refresh(content) if content else None
        if parsed is None or parsed[1] is None:
            continue
        delay, written = parsed
        target = resolve(page.url, written) if written else None
        if target == page.url:
            continue
        instant = delay == 0
        yield Hit(
            page.url,
            f"{'Instant' if instant else f'{delay:g} s'} refresh ({where}) to {target or written}",
            {"source": where, "content": content[:300] if content else None, "target": target},
            cause="instant (treated as permanent)" if instant else "delayed (temporary)",
            severity="notice" if instant else None,
        )
        return


@rule("HTTP011", "https-to-http-redirect", severity="error", group="{count} URLs redirect to http")
def https_to_http_redirect(page: PageFacts, site: Site) -> Iterator[Hit]:
    """An https URL redirects to an http URL (a downgrade).

    ## What it does
    Flags every redirect hop from an `https://` URL to an `http://` URL.

    ## Why it matters
    The visitor loses encryption, browsers may warn, and Google takes the redirect as a
    signal that the http URL is the one to index, against its preference for https.

    ## How to fix
    Redirect only to https URLs; check the rewrite rules and any proxy or CDN that builds
    `Location` from the backend's scheme. Enable HSTS once every URL is on https.

    ## How to verify
    `curl -sI <url>` shows a `Location` starting with `https://`.

    ## Source
    Google Search Central: "How to specify a canonical URL" (Google prefers https);
    "Redirects and Google Search".
    """
    hop = _own_hop(page)
    if hop is None or hop.location is None:
        return
    if page.url.startswith("https://") and hop.location.startswith("http://"):
        yield Hit(
            page.url,
            f"https URL redirects to http: {hop.location}",
            {"status": hop.status, "location": hop.location},
        )


@rule(
    "HTTP013",
    "redirect-without-location",
    severity="error",
    group="{count} redirects without a usable Location",
)
def redirect_without_location(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A 3xx response without a usable `Location` header.

    ## What it does
    Flags URLs answering a redirect status (300–399, not 304) whose `Location` header is
    missing, empty, or not a URL that can be followed (another scheme, malformed).

    ## Why it matters
    Nothing can follow the redirect: crawlers and browsers stop there, the target is never
    reached and the URL cannot be indexed.

    ## How to fix
    Send a valid absolute (or correct relative) http(s) URL in `Location`, or answer 200
    or 404 when no redirect is meant.

    ## How to verify
    `curl -sI <url>` shows the 3xx status together with a `Location:` line that opens in a
    browser.

    ## Source
    RFC 9110 section 10.2.2 (Location); Google Search Central: "Redirects and Google Search".
    """
    hop = _own_hop(page)
    if hop is not None and hop.location is None:
        yield Hit(
            page.url,
            f"{hop.status} redirect with a Location that cannot be followed",
            {"status": hop.status, "detail": page.error_detail},
        )
    elif (
        not page.hops
        and page.status is not None
        and 300 <= page.status < 400
        and page.status != 304
    ):
        yield Hit(page.url, f"{page.status} without a Location header", {"status": page.status})


@rule(
    "HTTP018",
    "redirect-to-error",
    severity="warning",
    group="{count} redirects end in an error ({cause})",
)
def redirect_to_error(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A redirect ends at a URL that answers 4xx or 5xx or does not answer.

    ## What it does
    Follows each redirect from the URL it is entered at and flags it when the final URL
    answers a 4xx or 5xx status or fails at the network level. Redirects that end at the
    same broken URL form one issue. Loops and over-long chains are HTTP008 and HTTP007.

    ## Why it matters
    The redirect keeps a dead link alive in appearance only: visitors and crawlers still
    land on an error, and the old URL's links pass nothing.

    ## How to fix
    Point the redirect at a live page (the closest replacement), or let the old URL answer
    404/410 when nothing replaces it. Update links that point at either URL.

    ## How to verify
    `curl -sIL <url>` ends on `200`.

    ## Source
    Google Search Central: "Redirects and Google Search"; "How HTTP status codes affect
    Google Search".
    """
    if not page.hops or not _is_chain_entry(page, site):
        return
    chain = site.redirect_chain(page.url)
    if chain.loop or chain.error in ("redirect-loop", "too-many-redirects"):
        return
    status, error = chain.final_status, chain.error
    if status is not None and status < 400:
        return
    if status is None and error is None:
        return  # not followed (out of scope, blocked) or not fetched: unknown, not broken
    what = str(status) if status is not None else error
    yield Hit(
        page.url,
        f"Redirects to {chain.final_url}, which answers {what}",
        {**_chain_evidence(chain), "error": error, "inlinks": site.inlink_count(page.url)},
        cause=f"{chain.final_url} answers {what}",
    )
