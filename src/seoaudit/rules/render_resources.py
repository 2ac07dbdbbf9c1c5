"""Rendering resources (RES): CSS, JavaScript and images a page needs but Google may not
fetch, or that fail when fetched.

Each resource is judged by the robots.txt of its own host (``Site.robots_file``): the
site's, or a resource host's that the crawl read after the crawl (crawl/probe.py reads the
few hosts serving most CSS/JS). A resource on a host whose robots.txt was not read is
not judged. One robots.txt line blocking resources on many pages is one issue.

Two rules judge what the raw HTML says rather than the resources: links that address
content by URL fragment only (RES006, from the hrefs as written) and pages whose raw HTML
shows almost nothing without JavaScript (RES008, from the word count, the scripts and the
app-shell signs extraction records). Both judge only pages ``common.searchable`` accepts.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from seoaudit.access import decide
from seoaudit.crawl.urls import origin
from seoaudit.models import PageFacts, Resource
from seoaudit.robots import RobotsFile
from seoaudit.rules.common import (
    PAGE_PARAMETERS,
    clip,
    is_paginated,
    robots_cause,
    robots_command,
    robots_line,
    searchable,
)
from seoaudit.rules.registry import Hit, rule

if TYPE_CHECKING:
    from seoaudit.site import Site

CLIENT_RENDERED_WORDS = 50  # raw HTML with fewer words depends on its scripts to show content
NEARLY_EMPTY_WORDS = 10  # raw HTML with fewer words shows next to nothing without scripts
MAX_LISTED = 20
MAX_EXAMPLES = 5  # fragment links quoted per page
MAX_FRAGMENT = 200  # characters of a fragment looked at and quoted


@lru_cache(maxsize=65536)
def _blocked_by(robots_file: RobotsFile, token: str, url: str) -> tuple[str, str] | None:
    """(cause, where) when ``token`` may not fetch ``url``: the cause names the deciding
    line by its text (``robots_cause``), ``where`` by its number too ("<robots.txt> line
    N: rule"), for the evidence."""
    allowed, line, text = decide(robots_file, token, url)
    if allowed:
        return None
    if line is None:
        reason = f"{robots_file.url}: {robots_file.reason}"
        return reason, reason
    return robots_cause(robots_file.url, text), robots_line(robots_file.url, line, text)


def _blocked_resources(
    page: PageFacts, site: Site, token: str, kinds: tuple[str, ...]
) -> dict[str, tuple[str, list[Resource]]]:
    """cause -> (where, the page's resources of ``kinds`` that robots.txt disallows for
    ``token``); see ``_blocked_by``."""
    found: dict[str, tuple[str, list[Resource]]] = {}
    files: dict[str, RobotsFile | None] = {}  # per origin, for this page
    for resource in page.resources:
        if resource.url is None or resource.kind not in kinds:
            continue
        host = origin(resource.url)
        if host not in files:
            files[host] = site.robots_file(resource.url)
        robots_file = files[host]
        if robots_file is None:
            continue  # that host's robots.txt was not read: cannot judge
        if robots_file.robots is None and site.is_internal(resource.url):
            continue  # the site's own robots.txt is unreachable: ROB001 reports it
        blocked = _blocked_by(robots_file, token, resource.url)
        if blocked is not None:
            found.setdefault(blocked[0], (blocked[1], []))[1].append(resource)
    return found


def _renders(page: PageFacts) -> bool:
    return (
        page.is_html
        and page.status == 200
        and (page.robots is None or page.robots.allowed)
        and bool(page.resources)
    )


@rule(
    "RES001",
    "render-resource-disallowed",
    severity="warning",
    group="{count} pages need CSS/JS that robots.txt disallows ({cause})",
)
def render_resource_disallowed(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A stylesheet or script the page needs is disallowed for Googlebot by robots.txt.

    ## What it does
    Checks every stylesheet and script of a crawlable 200 HTML page against the
    robots.txt of the resource's own host (for other hosts, the crawl reads the robots.txt
    of the few that serve most resources). Pages whose resources one robots.txt line
    blocks form one issue. It is an error when a script is blocked on a page whose raw
    HTML has almost no text (under 50 words): the page then depends on that script to show
    anything.

    ## Why it matters
    Google renders pages like a browser and does not fetch disallowed files: layout and
    mobile-friendliness are judged without the CSS, and content or links inserted by a
    blocked script do not exist for Google.

    ## How to fix
    Allow the asset paths for Googlebot: a longer `Allow: /assets/` (or `Allow: /*.css$`,
    `Allow: /*.js$`) beats a shorter `Disallow`. For a CDN, fix the CDN host's robots.txt.

    ## How to verify
    `seoaudit robots <resource URL> --as <audited crawler>` prints "allowed".

    ## Source
    Google Search Central: "SEO Starter Guide" (let Google see your page as a user
    does); "Understand the JavaScript SEO basics"; "How Google interprets the robots.txt
    specification".
    """
    if not _renders(page):
        return
    token = site.run.crawler_token or "googlebot"
    blocked = _blocked_resources(page, site, token, ("stylesheet", "script"))
    for cause, (where, resources) in blocked.items():
        needs_script = page.word_count < CLIENT_RENDERED_WORDS and any(
            r.kind == "script" for r in resources
        )
        first = resources[0]
        yield Hit(
            page.url,
            f"{len(resources)} stylesheet/script file(s) disallowed for {token}, e.g. {first.url}",
            {
                "resources": [{"kind": r.kind, "url": r.url} for r in resources[:MAX_LISTED]],
                "robots": where,
                "raw_html_words": page.word_count,
                "verify": robots_command(first.url or "", token),
            },
            cause=cause,
            severity="error" if needs_script else None,
        )


@rule(
    "RES002",
    "image-disallowed",
    severity="warning",
    group="{count} pages show images that robots.txt disallows ({cause})",
)
def image_disallowed(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Images on the page are disallowed for Googlebot-Image by robots.txt.

    ## What it does
    Checks every `<img>` of a crawlable 200 HTML page against the robots.txt of the
    image's host, for Googlebot-Image (which follows the Googlebot group when no group
    names it). Pages whose images one robots.txt line blocks form one issue.

    ## Why it matters
    Disallowed images cannot appear in Google Images or Discover and cannot back rich
    results: structured-data images must be crawlable.

    ## How to fix
    Allow the image paths (a longer `Allow:` rule, or remove the `Disallow`); for an
    image CDN, check the CDN host's robots.txt too.

    ## How to verify
    `seoaudit robots <image URL> --as googlebot-image` prints "allowed".

    ## Source
    Google Search Central: "General structured data guidelines" (images must be
    crawlable and indexable); "Google Images best practices".
    """
    if not _renders(page):
        return
    token = site.run.crawler_token or "googlebot"
    if token == "googlebot":
        token = "googlebot-image"
    for cause, (where, resources) in _blocked_resources(page, site, token, ("image",)).items():
        first = resources[0]
        yield Hit(
            page.url,
            f"{len(resources)} image(s) disallowed for {token}, e.g. {first.url}",
            {
                "images": [r.url for r in resources[:MAX_LISTED]],
                "robots": where,
                "verify": robots_command(first.url or "", token),
            },
            cause=cause,
        )


def _load_failure(site: Site, url: str) -> str | None:
    """How fetching a stylesheet or script went wrong ("404", "503", "read-timeout"), from
    its post-crawl check, or from the crawl itself when it fetched the URL as a page; None
    when it loaded, was not fetched, or robots.txt keeps Google from fetching it anyway
    (RES001 reports those)."""
    check = site.check(url)
    if check is not None:
        if check.robots_allowed is False:
            return None
        status, error = check.status, check.error
    elif site.state(url) == "done":
        chain = site.redirect_chain(url)
        status, error = chain.final_status, chain.error
    else:
        return None
    if status is None:
        return error or "no response"
    return str(status) if status >= 400 else None


@rule(
    "RES003",
    "render-resource-error",
    severity="warning",
    group="{count} pages load a stylesheet or script that fails ({cause})",
)
def render_resource_error(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A stylesheet or script the page needs answers 4xx or 5xx, or does not answer.

    ## What it does
    Looks at the post-crawl check of every stylesheet and script of a crawlable 200 HTML
    page (each file is fetched once, redirects followed) and flags the files that end in
    a 4xx or 5xx status, a timeout or another network failure. One failing file is one
    issue, however many pages load it. It is an error when a script fails on a page whose
    raw HTML has almost no text (under 50 words): the page then depends on it to show
    anything. Files that robots.txt disallows are RES001's.

    ## Why it matters
    Google renders pages like a browser. A missing stylesheet makes the page look broken
    to its layout and mobile checks; a missing script leaves out whatever it would have
    shown, and a page that renders empty can be treated as a soft 404. After a deploy,
    old pages cached elsewhere may still ask for the previous bundle names.

    ## How to fix
    Fix the asset path or the deploy step that removed the file; keep the previous
    hashed bundles available for a while after each release; make the asset server
    answer 200 for the files the HTML references.

    ## How to verify
    `curl -sI <file URL>` answers `200`, and the page's HTML references only files that
    do.

    ## Source
    Google Search Central: "Troubleshoot Google Search crawling errors" (soft 404s: a
    missing script or stylesheet); "Understand the JavaScript SEO basics".
    """
    if not _renders(page):
        return
    seen: set[str] = set()
    for resource in page.resources:
        url = resource.url
        if url is None or resource.kind not in ("stylesheet", "script") or url in seen:
            continue
        seen.add(url)
        failure = _load_failure(site, url)
        if failure is None:
            continue
        needs_script = resource.kind == "script" and page.word_count < CLIENT_RENDERED_WORDS
        yield Hit(
            page.url,
            f"The {resource.kind} {url} fails ({failure}): the page renders without it",
            {
                "kind": resource.kind,
                "url": url,
                "failure": failure,
                "raw_html_words": page.word_count,
                "verify": f"curl -sI {shlex.quote(url)}",
            },
            cause=f"{url} fails ({failure})",
            severity="error" if needs_script else None,
        )


_JS_KINDS = {
    "javascript-href": 'an <a href="javascript:...">',
    "no-href": "an <a> without href",
    "href-on-non-link": "an href on an element that is not a link",
    "onclick": "an onclick that changes the page",
}


@rule(
    "RES005",
    "uncrawlable-navigation",
    severity="warning",
    group="{count} pages navigate with links Google cannot follow",
)
def uncrawlable_navigation(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Navigation written as JavaScript or as an href on an element that is not a link.

    ## What it does
    Finds, on HTML pages answering 200, elements that lead to another page without an
    `<a href>` Google can crawl: `<a href="javascript:...">` that runs code (not the
    `javascript:void(0)` of a button-like link), `<a>` without href that keep their target
    in a framework attribute (`routerlink`, `ng-href`, `data-href`...), an `href` on a
    `<span>`, `<div>` or `<button>`, and any element whose `onclick` assigns `location`,
    calls `window.open` or a router's `navigate`. A warning when a target is not reached
    through any crawlable link of the site (or the code does not name it), a notice when
    every target is also linked normally.

    ## Why it matters
    Google follows only `<a>` elements with an `href`; it does not click. Pages reached
    only this way are not discovered, and the links pass no signals to them.

    ## How to fix
    Make each one a real link: `<a href="/path">`. A framework router can keep handling
    the click, as long as the rendered HTML has the href. Use plain paginated links
    (`?page=2`) for "load more" buttons.

    ## How to verify
    `seoaudit audit <url> --max-pages 1 --select RES005 --isolated --no-baseline --fail-on notice`
    exits 0: no element of the page navigates without a link. In the page source, each
    target named in the evidence is now the `href` of an `<a>` element.

    ## Source
    Google Search Central: "Make your links crawlable" (Link best practices for Google);
    "Pagination, incremental page loading, and their impact on Google Search".
    """
    if not page.js_link_count or page.status != 200 or not page.is_html:
        return
    targets = {j.target for j in page.js_links}
    unreached = sorted(
        t for t in targets if t is not None and t != page.url and not site.inlink_count(t)
    )
    severe = bool(unreached) or None in targets
    first = page.js_links[0]
    yield Hit(
        page.url,
        f"{page.js_link_count} element(s) navigate without a crawlable link, e.g. "
        f"{_JS_KINDS[first.kind]}: <{first.tag} {first.code}>",
        {
            "count": page.js_link_count,
            "elements": [j.model_dump() for j in page.js_links[:MAX_LISTED]],
            "targets_without_crawlable_link": unreached[:MAX_LISTED],
        },
        severity=None if severe else "notice",
    )


# -- content addressed by fragment -----------------------------------------------------------

# Pagination written into the fragment: #page=2, #!p=3, #/list?page=4 (key=number pairs,
# as in a query string; the page parameters of ``common.is_paginated``, not start= or
# offset=, which are also video and audio positions: #start=30).
_FRAGMENT_PAGE = re.compile(rf"(?:^|[&;?!/])(?:{PAGE_PARAMETERS})=\d+", re.IGNORECASE)
_FRAGMENT_KINDS = {
    "hash-bang": "hash-bang URLs (#!)",
    "hash-route": "hash-router URLs (#/)",
    "pagination": "pagination in the fragment (#page=N)",
}


def fragment_kind(href: str) -> str | None:
    """How a link addresses content by its fragment: "hash-bang" (``#!/shoes``),
    "hash-route" (``#/shoes``), "pagination" (``#page=2``); None for a plain anchor
    (``#top``, ``#section-2``), a bare ``#``, ``#!`` or ``#/`` (placeholders for links a
    script handles), MediaWiki's image viewer (``#/media/File:x.jpg``), a PDF page
    (``file.pdf#page=2``, which the PDF viewer reads) and a page number the URL already
    gives (``?page=2#page=2``, ``/page/2#page=2``)."""
    hash_at = href.find("#")
    if hash_at < 0:
        return None
    fragment = href[hash_at + 1 : hash_at + 1 + MAX_FRAGMENT].strip()
    if fragment.startswith("!"):
        return "hash-bang" if fragment[1:].strip("/") else None
    if fragment.startswith("/"):
        if fragment.startswith("/media/"):
            return None  # MediaWiki's media viewer over the same article
        return "hash-route" if fragment.strip("/") else None
    if _FRAGMENT_PAGE.search(fragment) is None:
        return None
    path, _, query = href[:hash_at].partition("?")
    if path.rstrip().lower().endswith(".pdf") or _FRAGMENT_PAGE.search(f"?{query}"):
        return None  # a PDF viewer's page, or the query already addresses the page
    if is_paginated(href[:hash_at]):
        return None  # the path already addresses the page: /page/2#page=2
    return "pagination"


@rule(
    "RES006",
    "content-addressed-by-fragment",
    severity="warning",
    group="{count} pages link to content Google cannot address: {cause}",
)
def content_addressed_by_fragment(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Links lead to content that only a URL fragment (`#!/...`, `#/...`, `#page=2`) names.

    ## What it does
    Reads the `<a href>` of internal links as written in the raw HTML of indexable pages
    answering 200, and counts those whose fragment addresses content of its own: a
    hash-bang route (`#!/products/shoes`), a hash-router route (`#/products/shoes`), or a
    page number (`#page=2`, `#!p=3`). Plain in-page anchors (`#top`, `#section-2`), bare
    `#`, `#!` or `#/` placeholders and PDF pages (`file.pdf#page=2`) are fine. One finding
    per page, with the count and a few examples; pages that use the same kind of fragment
    form one issue.

    ## Why it matters
    Google ignores everything after `#`: `/app#!/shoes` and `/app#!/boots` are one URL,
    `/app`, so the content behind each route cannot be indexed, ranked or linked to on
    its own, and page 2 of a list written as `#page=2` is never crawled. Google deprecated
    the old `#!` "AJAX crawling scheme" (`_escaped_fragment_`) in 2015 and stopped
    using it in 2018.

    ## How to fix
    Give each view a real URL: switch the router to the History API (`BrowserRouter` in
    React Router, `createWebHistory` in Vue Router, `PathLocationStrategy` in Angular) and
    make the server answer those paths, or use query parameters (`?page=2`) for pages of
    a list. Keep `#` only for jumping within one page.

    ## How to verify
    `curl -s <url> | grep -o 'href="[^"]*#[!/][^"]*"'` finds nothing, and each former
    route answers 200 with its own content at its own path.

    ## Source
    Google Search Central: "Pagination, incremental page loading, and their impact on
    Google Search" (do not use URL fragments for page numbers); "How to specify a
    canonical URL" (fragments are not supported); "Understand the JavaScript SEO basics"
    (use the History API instead of fragments).
    """
    if not page.links or not searchable(page, site):
        return
    kinds: Counter[str] = Counter()
    examples: list[str] = []
    first_url: str | None = None
    for link in page.links:
        if not link.internal or "#" not in link.href:
            continue
        kind = fragment_kind(link.href)
        if kind is None:
            continue
        kinds[kind] += 1
        if first_url is None:
            first_url = link.url
        href = clip(link.href.strip(), MAX_FRAGMENT)
        if len(examples) < MAX_EXAMPLES and href not in examples:
            examples.append(href)
    if not kinds:
        return
    count = sum(kinds.values())
    kind = kinds.most_common(1)[0][0]
    yield Hit(
        page.url,
        f"{count} link(s) address content by URL fragment only; Google drops the "
        f"fragment, so {examples[0]} is just {first_url} to it",
        {
            "count": count,
            "kinds": dict(kinds.most_common()),
            "examples": examples,
            "google_sees": first_url,
        },
        cause=_FRAGMENT_KINDS[kind],
    )


# -- content only JavaScript shows ----------------------------------------------------------


@rule(
    "RES008",
    "client-side-only-content",
    severity="warning",
    group="{count} pages show almost no content without JavaScript ({cause})",
)
def client_side_only_content(page: PageFacts, site: Site) -> Iterator[Hit]:
    """The raw HTML shows almost no text: the page's content exists only after JavaScript runs.

    ## What it does
    Flags indexable HTML pages answering 200 whose raw HTML (as the server sends it,
    before any script runs) has fewer than 50 visible words, and that either are the
    shell of a JavaScript application (an empty element a framework renders into, such
    as `<div id="root">`, `<div id="__next">`, `<div id="__nuxt">`, `<app-root>` or
    `ng-app`, or a `<noscript>` asking to turn JavaScript on), or show under 10 words
    and load scripts. A mount point that holds the content (a server-rendered app) is
    not a shell, nor a `<noscript>` about a widget (comments, maps, videos); a short page
    that merely loads scripts (a contact or thank-you page with analytics) is not
    flagged. Pages cut at the download size limit are not judged. Comparing the title,
    canonical and meta tags before and after rendering needs a browser, which this crawl
    does not run.

    ## Why it matters
    Google renders such pages in a second wave, queued after the crawl; it usually
    succeeds, but late, and a script that fails, times out or is blocked leaves Google an
    empty page (a soft 404). Many other crawlers never run JavaScript: AI crawlers such
    as Common Crawl's CCBot (whose archive trains many AI models), OpenAI's GPTBot and
    Anthropic's ClaudeBot read only the raw HTML, so to them the page is empty and AI
    answers cannot quote it. Link previews in chat apps and social networks see the same.

    ## How to fix
    Render the primary content, links, title, canonical and structured data on the
    server: server-side rendering or static generation (Next.js, Nuxt, SvelteKit,
    Angular SSR), or pre-render the public pages at build time. Client-side code can take
    over after load (hydration).

    ## How to verify
    `curl -s <url> | sed 's/<[^>]*>/ /g' | wc -w` counts the page's words without
    JavaScript (scripts included, so more than the visible words); view the source, not
    the inspector, and find the main text in it.

    ## Source
    Google Search Central: "Understand the JavaScript SEO basics" (rendering queue;
    server-side or pre-rendering is still a good idea); Common Crawl FAQ (CCBot does not
    execute JavaScript); Vercel and MERJ, "The rise of the AI crawler" (2024: GPTBot and
    ClaudeBot fetch JavaScript files but do not execute them).
    """
    words = page.word_count
    if words >= CLIENT_RENDERED_WORDS or page.truncated or page.markup_truncated:
        return
    scripts = [r for r in page.resources if r.kind == "script"]
    shell = page.app_shell
    if shell is None and (not scripts or words >= NEARLY_EMPTY_WORDS):
        return  # a short page that loads scripts is not therefore built by them
    if not searchable(page, site):
        return
    if shell is not None:
        message = f"it is the shell of a JavaScript app: {shell}"
    else:
        message = f"its content may exist only once its {len(scripts)} script(s) run"
    yield Hit(
        page.url,
        f"Without JavaScript the page shows {words} word(s): {message}",
        {
            "raw_html_words": words,
            "main_words": page.main_word_count,
            "app_shell": shell,
            "script_count": len(scripts),
            "scripts": [clip(r.url or r.src) for r in scripts[:MAX_EXAMPLES]],
            "verify": f"curl -s {shlex.quote(page.url)} | sed 's/<[^>]*>/ /g' | wc -w",
        },
        cause=f"app shell {shell}" if shell is not None else None,
    )
