"""Rendering resources (RES): CSS, JavaScript and images a page needs but Google may not
fetch, or that fail when fetched.

Each resource is judged by the robots.txt of its own host (``Site.robots_file``): the
site's, or a resource host's that the crawl read after the crawl (crawl/probe.py reads the
few hosts serving most CSS/JS). A resource on a host whose robots.txt was not read is
not judged. One robots.txt line blocking resources on many pages is one issue.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from seoaudit.access import decide
from seoaudit.crawl.urls import origin
from seoaudit.models import PageFacts, Resource
from seoaudit.robots import RobotsFile
from seoaudit.rules.registry import Hit, rule

if TYPE_CHECKING:
    from seoaudit.site import Site

CLIENT_RENDERED_WORDS = 50  # raw HTML with fewer words depends on its scripts to show content
MAX_LISTED = 20


@lru_cache(maxsize=65536)
def _blocked_by(robots_file: RobotsFile, token: str, url: str) -> str | None:
    """The cause ("<robots.txt> line N: rule") when ``token`` may not fetch ``url``."""
    allowed, line, text = decide(robots_file, token, url)
    if allowed:
        return None
    if line is None:
        return f"{robots_file.url}: {robots_file.reason}"
    return f"{robots_file.url} line {line}: {text}"


def _blocked_resources(
    page: PageFacts, site: Site, token: str, kinds: tuple[str, ...]
) -> dict[str, list[Resource]]:
    """cause -> the page's resources of ``kinds`` that robots.txt disallows for ``token``."""
    found: dict[str, list[Resource]] = {}
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
        cause = _blocked_by(robots_file, token, resource.url)
        if cause is not None:
            found.setdefault(cause, []).append(resource)
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
    `seoaudit robots <resource URL> --as googlebot` prints "allowed".

    ## Source
    Google Search Central: "SEO Starter Guide" (let Google see your page as a user
    does); "Understand the JavaScript SEO basics"; "How Google interprets the robots.txt
    specification".
    """
    if not _renders(page):
        return
    token = site.run.crawler_token or "googlebot"
    for cause, resources in _blocked_resources(page, site, token, ("stylesheet", "script")).items():
        needs_script = page.word_count < CLIENT_RENDERED_WORDS and any(
            r.kind == "script" for r in resources
        )
        first = resources[0]
        yield Hit(
            page.url,
            f"{len(resources)} stylesheet/script file(s) disallowed for {token}, e.g. {first.url}",
            {
                "resources": [{"kind": r.kind, "url": r.url} for r in resources[:MAX_LISTED]],
                "robots": cause,
                "raw_html_words": page.word_count,
                "verify": f"seoaudit robots {first.url} --as {token}",
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
    for cause, resources in _blocked_resources(page, site, token, ("image",)).items():
        first = resources[0]
        yield Hit(
            page.url,
            f"{len(resources)} image(s) disallowed for {token}, e.g. {first.url}",
            {
                "images": [r.url for r in resources[:MAX_LISTED]],
                "robots": cause,
                "verify": f"seoaudit robots {first.url} --as {token}",
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
    `curl -s <url> | grep -o '<a [^>]*href="/path"'` finds the link; the evidence lists
    nothing for the page.

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
