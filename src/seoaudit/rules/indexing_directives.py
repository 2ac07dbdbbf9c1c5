"""Indexing directives (IDX): robots meta tags and X-Robots-Tag headers.

Which directives apply to the audited crawler, and how they combine (most restrictive
wins), is decided once in indexing.py (``effective_directives``, ``agents_for``); these
rules only judge the result. Values are as Google documents them in "Robots meta tag,
data-nosnippet, and X-Robots-Tag specifications" (Google Search Central). Article pages
(IDX007) are recognised from their structured data items (``structured.analysis``).
"""

from __future__ import annotations

import email.utils
import re
import shlex
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from seoaudit.extract.directives import PLAIN_RULES
from seoaudit.indexing import agents_for, effective_directives, is_noindex
from seoaudit.models import Directive, PageFacts
from seoaudit.rules.common import found_signals, robots_cause, robots_command
from seoaudit.rules.registry import Hit, rule
from seoaudit.store import LINK_CANONICAL
from seoaudit.structured.analysis import analyse
from seoaudit.structured.vocab import vocabulary

if TYPE_CHECKING:
    from seoaudit.site import Site

# Rules Google documents (plus the ones it no longer uses, which IDX006 reports).
_PLAIN = PLAIN_RULES
_OBSOLETE = {
    "noarchive": "cached-page links are gone from Google Search",
    "nocache": "cached-page links are gone from Google Search",
    "nositelinkssearchbox": "the sitelinks search box is gone from Google Search",
    "noodp": "the Open Directory (DMOZ) closed in 2017",
    "noydir": "the Yahoo Directory closed in 2014",
}
_NUMBER = re.compile(r"-?\d+")
_IMAGE_PREVIEW = frozenset({"none", "standard", "large"})
# Meta names that look like a Google crawler but that Google does not read as robots meta
# tags (it reads "robots", "googlebot" and "googlebot-news"): a block there does nothing.
_IGNORED_GOOGLE_NAMES = frozenset(
    {
        "googlebot-image",
        "googlebot-video",
        "google-extended",
        "googleother",
        "googleother-image",
        "googleother-video",
        "storebot-google",
        "google-inspectiontool",
        "google-cloudvertexbot",
    }
)
_RESTRICTIVE = frozenset({"noindex", "nofollow", "none", "nosnippet", "noimageindex"})
# The only elements Google honours data-nosnippet on.
_NOSNIPPET_ELEMENTS = frozenset({"span", "div", "section"})


def crawler_of(site: Site) -> str:
    return site.run.crawler_token or "googlebot"


def _applicable(page: PageFacts, crawler: str) -> list[Directive]:
    agents = agents_for(crawler)
    return [d for d in page.directives if d.agent in agents]


def describe_directive(directive: Directive) -> str:
    if directive.source == "header":  # the value as written keeps its "googlebot:" prefix
        return f"X-Robots-Tag: {directive.value}"
    name = "robots" if directive.agent == "*" else directive.agent
    return f'<meta name="{name}" content="{directive.value}">'


def _directives_cause(directives: list[Directive]) -> str:
    """The directives as written, one root cause for the pages that share them."""
    return "; ".join(sorted({describe_directive(d) for d in directives}))[:300]


def with_token(page: PageFacts, crawler: str, *tokens: str) -> list[Directive]:
    """The directives for ``crawler`` that carry one of ``tokens``."""
    return [d for d in _applicable(page, crawler) if any(t in d.tokens for t in tokens)]


def _crawlable_200(page: PageFacts) -> bool:
    return page.status == 200 and (page.robots is None or page.robots.allowed)


def _importance(page: PageFacts, site: Site) -> tuple[list[str], dict[str, Any]]:
    """Why a URL should be indexable: the signals that the site wants it found."""
    reasons, sitemaps, inlinks = found_signals(page, site)
    canonicalising = site.referrers(page.url, LINK_CANONICAL)
    if canonicalising:
        reasons.append(f"canonical target of {len(canonicalising)} page(s)")
    if page.url in site.start_urls:
        reasons.append("start URL")
    evidence = {
        "sitemaps": sitemaps,
        "inlinks": inlinks,
        "linked_from": site.linking_pages(page.url, 10) if inlinks else [],
        "canonical_from": canonicalising[:10],
    }
    return reasons, evidence


@rule(
    "IDX001",
    "unintended-noindex",
    severity="error",
    group="{count} important URLs carry noindex ({cause})",
)
def unintended_noindex(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A page the site wants found carries noindex (meta robots or X-Robots-Tag).

    ## What it does
    Combines every robots directive that applies to the audited crawler, as Google does
    (meta `robots` and `googlebot`, `X-Robots-Tag` with and without an agent; the most
    restrictive wins, `none` means noindex). Flags a 200 page that ends up noindex while
    the site signals it matters: listed in a sitemap, the canonical target of other
    pages, linked from several pages (3 or more: the `many_inlinks` setting), or a
    start URL. A noindex page
    nothing points at is treated as intended and not flagged. URLs carrying the same
    directive form one issue, so a header set by the server and a template's meta tag
    are separate fixes.

    ## Why it matters
    Google drops a noindex page from its results entirely, however well it is linked.
    The noindex is in the raw HTML or the HTTP header, so JavaScript that later removes
    it does not help: Google may not render a page it has already seen as noindex.

    ## How to fix
    Remove the noindex from the template, CMS setting or server/CDN header named in the
    finding (check header and meta separately), or stop listing and linking the URL if
    it is meant to stay out of the index.

    ## How to verify
    `curl -sI <url> | grep -i x-robots-tag` and `curl -s <url> | grep -i 'name="robots"'`
    show no noindex; Search Console's URL Inspection reports "Indexing allowed".

    ## Source
    Google Search Central: "Block Search indexing with noindex"; "Robots meta tag,
    data-nosnippet, and X-Robots-Tag specifications"; "Understand the JavaScript SEO
    basics" (noindex and rendering).
    """
    crawler = crawler_of(site)
    if not _crawlable_200(page) or not is_noindex(page, crawler):
        return
    reasons, evidence = _importance(page, site)
    if not reasons:
        return
    deciding = with_token(page, crawler, "noindex", "none")
    cause = _directives_cause(deciding) or "noindex"
    yield Hit(
        page.url,
        f"noindex for {crawler} on a page that is {', '.join(reasons)}",
        {
            "directives": [describe_directive(d) for d in deciding],
            "why_it_matters": reasons,
            **evidence,
            "verify": f"curl -sI {shlex.quote(page.url)}",
        },
        cause=cause,
    )


@rule(
    "IDX002",
    "noindex-on-disallowed-url",
    severity="error",
    group="{count} noindex URLs Google cannot see, blocked by {cause}",
)
def noindex_on_disallowed_url(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A URL carries noindex but robots.txt disallows it, so the noindex is never seen.

    ## What it does
    Flags URLs disallowed for the audited crawler that carry noindex. The crawl only sees
    the directive of a disallowed URL when run with `--ignore-robots`.

    ## Why it matters
    A crawler that may not fetch the URL never reads its noindex, so the URL can stay in
    the index (as a bare, snippet-less result) when it is linked. The two controls cancel
    each other out.

    ## How to fix
    To remove the URL from the index, allow crawling and keep the noindex until it has
    dropped out. To save crawl budget instead, keep the disallow and stop expecting the
    noindex to work.

    ## How to verify
    `seoaudit robots <url> --as <audited crawler>` prints "allowed" while the noindex stays.

    ## Source
    Google Search Central: "Block Search indexing with noindex" (the page must not be
    blocked by robots.txt); "Robots meta tag ... specifications" (combining with
    robots.txt).
    """
    verdict = page.robots
    crawler = crawler_of(site)
    if verdict is None or verdict.allowed or page.status is None:
        return
    if not is_noindex(page, crawler):
        return
    where = robots_cause(verdict.robots_url, verdict.rule) if verdict.line else None
    yield Hit(
        page.url,
        f"noindex that {crawler} can never read: robots.txt disallows the URL"
        + (f" (line {verdict.line}: {verdict.rule})" if verdict.line else ""),
        {
            "directives": [
                describe_directive(d) for d in with_token(page, crawler, "noindex", "none")
            ],
            "robots_url": verdict.robots_url,
            "line": verdict.line,
            "rule": verdict.rule,
            "verify": robots_command(page.url, verdict.agent),
        },
        cause=where or verdict.reason,
    )


_CONFLICTS = (
    ("index", "noindex"),
    ("follow", "nofollow"),
    ("all", "noindex"),
    ("all", "nofollow"),
    ("all", "none"),
    ("index", "none"),
    ("follow", "none"),
)


@rule("IDX003", "conflicting-robots-directives", severity="warning")
def conflicting_robots_directives(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Robots directives for the same crawler contradict each other.

    ## What it does
    Collects the directive tokens that apply to the audited crawler from every meta tag
    and X-Robots-Tag header, and flags opposite pairs (`index` with `noindex`, `follow`
    with `nofollow`, `all` with a restriction) and `nosnippet` together with a
    `max-snippet` other than 0.

    ## Why it matters
    Google applies the most restrictive combination, so the permissive value is
    silently ignored. Owners usually look at one source (the template or the CDN) and
    believe the other setting is in force.

    ## How to fix
    Emit one consistent set of directives from one layer (the application or the CDN),
    not both.

    ## How to verify
    `curl -sI <url>` and the page's `<meta name="robots">` agree.

    ## Source
    Google Search Central: "Robots meta tag, data-nosnippet, and X-Robots-Tag
    specifications" (handling combined and conflicting rules).
    """
    if page.status != 200:
        return
    directives = _applicable(page, crawler_of(site))
    tokens = {t for d in directives for t in d.tokens}
    pairs = [f"{a} + {b}" for a, b in _CONFLICTS if a in tokens and b in tokens]
    snippet = sorted(t for t in tokens if t.startswith("max-snippet:") and t != "max-snippet:0")
    if "nosnippet" in tokens and snippet:
        pairs.append(f"nosnippet + {snippet[0]}")
    if pairs:
        yield Hit(
            page.url,
            f"Conflicting robots directives ({', '.join(pairs)}): the most restrictive wins",
            {"conflicts": pairs, "directives": [describe_directive(d) for d in directives]},
        )


@rule(
    "IDX004",
    "nofollow-page",
    severity="warning",
    group="{count} pages tell crawlers not to follow their links ({cause})",
)
def nofollow_page(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A page carries nofollow (or none) for the audited crawler: its links are not followed.

    ## What it does
    Flags 200 pages whose combined directives include `nofollow` (or `none`). It is a
    notice when the page is also noindex (a deliberately closed page), a warning
    otherwise.

    ## Why it matters
    Google may not use the page's links to discover pages and passes no signals through
    them, so pages linked mainly from here are found late or not at all.

    ## How to fix
    Remove the page-level `nofollow`; qualify individual outbound links with
    `rel="nofollow"`, `rel="sponsored"` or `rel="ugc"` instead.

    ## How to verify
    `curl -sI <url>` and the page's robots meta tag no longer contain nofollow or none.

    ## Source
    Google Search Central: "Robots meta tag ... specifications"; "Qualify your outbound
    links to Google".
    """
    crawler = crawler_of(site)
    if not _crawlable_200(page) or "nofollow" not in effective_directives(page, crawler):
        return
    deciding = with_token(page, crawler, "nofollow", "none")
    cause = _directives_cause(deciding) or "nofollow"
    noindex = is_noindex(page, crawler)
    yield Hit(
        page.url,
        f"nofollow for {crawler}: links on this page are not followed"
        + (" (the page is also noindex)" if noindex else ""),
        {"directives": [describe_directive(d) for d in deciding], "links": len(page.links)},
        cause=cause,
        severity="notice" if noindex else None,
    )


def parse_date(value: str) -> datetime | None:
    """An unavailable_after date in a format Google accepts (RFC 822, RFC 850, ISO 8601),
    as an aware datetime (UTC when no zone is given); None when unparseable."""
    text = value.strip()
    if not text:
        return None
    try:
        parsed: datetime | None = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        for fmt in ("%A, %d-%b-%y %H:%M:%S %Z", "%d-%b-%Y %H:%M:%S %Z", "%d %B %Y", "%d %b %Y"):
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _invalid(token: str) -> str | None:
    """Why a directive token is not one Google understands, or None when it is valid."""
    name, colon, value = token.partition(":")
    if not colon:
        if token in _PLAIN:
            return None
        words = token.split()
        if len(words) > 1 and all(w in _PLAIN for w in words):
            return f"rules must be separated by commas ({', '.join(words)})"
        squashed = token.replace("-", "").replace("_", "").replace(" ", "")
        if squashed in _PLAIN:
            return f"unknown rule (did you mean {squashed}?)"
        return "unknown rule"
    value = value.strip()
    if name in ("max-snippet", "max-video-preview"):
        if _NUMBER.fullmatch(value) and int(value) >= -1:
            return None
        return f"{name} needs a number of -1 or more"
    if name == "max-image-preview":
        return None if value in _IMAGE_PREVIEW else f"{name} takes none, standard or large"
    if name == "unavailable_after":
        return None if parse_date(value) else "unavailable_after date cannot be parsed"
    return "unknown rule"


@rule(
    "IDX005",
    "invalid-robots-directive",
    severity="warning",
    group="{count} pages with an invalid robots directive ({cause})",
)
def invalid_robots_directive(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A robots meta tag or X-Robots-Tag holds a rule Google does not understand.

    ## What it does
    Checks every directive token that applies to the audited crawler against the rules
    Google documents: misspellings (`no-index`), rules without commas (`noindex follow`),
    `max-snippet`/`max-video-preview` without a number, `max-image-preview` other than
    none/standard/large, and `unavailable_after` dates that cannot be parsed. One issue
    per invalid value.

    ## Why it matters
    Google ignores rules it does not understand, so the restriction the owner intended
    is not in force (a misspelt noindex leaves the page indexable).

    ## How to fix
    Use the exact rule names, comma-separated: `noindex, nofollow`, `max-snippet:50`,
    `max-image-preview:large`, `unavailable_after: 2026-12-31`.

    ## How to verify
    `curl -sI <url>` and the page's robots meta tag show only valid rules.

    ## Source
    Google Search Central: "Robots meta tag, data-nosnippet, and X-Robots-Tag
    specifications" (valid rules; values that cannot be parsed are ignored).
    """
    if page.status != 200:
        return
    for directive in _applicable(page, crawler_of(site)):
        for token in directive.tokens:
            why = _invalid(token)
            if why is not None:
                yield Hit(
                    page.url,
                    f"Invalid robots directive {token!r} in {describe_directive(directive)}: "
                    f"{why}; Google ignores it",
                    {"token": token, "directive": describe_directive(directive), "why": why},
                    cause=token[:100],
                )


@rule(
    "IDX006",
    "obsolete-robots-directive",
    severity="notice",
    group="{count} pages use the obsolete robots directive {cause}",
)
def obsolete_robots_directive(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A robots directive Google no longer uses: noarchive, nocache, nositelinkssearchbox.

    ## What it does
    Flags `noarchive`, `nocache`, `nositelinkssearchbox`, `noodp` and `noydir` in the
    directives that apply to the audited crawler, one issue per rule.

    ## Why it matters
    They have no effect in Google Search any more (cached pages, the sitelinks search box
    and the directories they referred to are gone). Nobody should rely on them; some
    other engines may still read `noarchive`.

    ## How to fix
    Remove them, or keep them deliberately for another engine and document why.

    ## How to verify
    `curl -sI <url>` and the robots meta tag no longer list the rule.

    ## Source
    Google Search Central: "Robots meta tag ... specifications" (historical rules).
    """
    if page.status != 200:
        return
    tokens = {t for d in _applicable(page, crawler_of(site)) for t in d.tokens}
    for token in sorted(tokens & set(_OBSOLETE)):
        yield Hit(
            page.url,
            f"Obsolete robots directive {token}: {_OBSOLETE[token]}",
            {"token": token},
            cause=token,
        )


def _hides_snippet(token: str) -> bool:
    """``nosnippet``, or ``max-snippet:0`` (a snippet of no characters: the same thing)."""
    if token == "nosnippet":
        return True
    name, _, value = token.partition(":")
    return name == "max-snippet" and _NUMBER.fullmatch(value) is not None and int(value) == 0


def _is_article(page: PageFacts) -> bool:
    """The page's structured data has an item of type Article or a subtype (NewsArticle,
    BlogPosting...): a top-level node or main entity, not a post nested in a listing."""
    if not page.structured_data:
        return False
    vocab = vocabulary()
    return any(vocab.is_a(name, "Article") for item in analyse(page).items for name in item.types)


@rule(
    "IDX007",
    "snippet-suppressed",
    severity="warning",
    group="{count} indexable pages hide their search result preview ({cause})",
)
def snippet_suppressed(page: PageFacts, site: Site) -> Iterator[Hit]:
    """An indexable page forbids its text snippet, or an article its image preview.

    ## What it does
    Reads the robots directives that apply to the audited crawler (meta `robots` and
    `googlebot`, `X-Robots-Tag` with and without an agent) on indexable pages answering
    200, and flags `nosnippet` and `max-snippet:0` (the same thing). It also flags
    `max-image-preview:none` on article pages: pages whose structured data has an
    `Article` item (`NewsArticle`, `BlogPosting` and the other subtypes) as a top-level
    node or main entity; a blog index listing `BlogPosting`s is not an article. Pages
    sharing a directive form one issue (one template or one server header). Not judged:
    image previews of pages without such markup (the crawl has no other reliable sign of
    an article), and `data-nosnippet` wrapping most of the main content.

    ## Why it matters
    Google shows such a page with no text under its title, which earns fewer clicks, and
    does not use its content as a direct source for AI Overviews and AI Mode. With
    `max-image-preview:none` results and Discover show no large image, and Discover
    favours articles with large images.

    ## How to fix
    Remove the directive from the template, CMS setting or server/CDN header named in the
    finding. To keep only parts of a page out of snippets, wrap them in
    `<span data-nosnippet>` (or a `div` or `section`); to shorten snippets use
    `max-snippet:[n]`; for articles use `max-image-preview:large`.

    ## How to verify
    `curl -sI <url> | grep -i x-robots-tag` and
    `curl -s <url> | grep -iE 'name="(robots|googlebot)"'` show neither nosnippet,
    max-snippet:0 nor max-image-preview:none.

    ## Source
    Google Search Central: "Robots meta tag, data-nosnippet, and X-Robots-Tag
    specifications" (nosnippet, max-snippet, max-image-preview); "Get on Discover" (large
    images and max-image-preview:large).
    """
    if page.status != 200 or not site.is_indexable(page.url):
        return
    crawler = crawler_of(site)
    directives = _applicable(page, crawler)
    hiding = [d for d in directives if any(_hides_snippet(t) for t in d.tokens)]
    if hiding:
        yield Hit(
            page.url,
            "Search results show this page with no text under its title, and Google does "
            f"not quote it in AI answers ({', '.join(describe_directive(d) for d in hiding)})",
            {"directives": [describe_directive(d) for d in hiding], "crawler": crawler},
            cause=_directives_cause(hiding),
        )
    no_image = [d for d in directives if "max-image-preview:none" in d.tokens]
    if no_image and _is_article(page):
        yield Hit(
            page.url,
            "Search results and Discover show no image preview for this article "
            f"({', '.join(describe_directive(d) for d in no_image)})",
            {"directives": [describe_directive(d) for d in no_image], "crawler": crawler},
            cause=f"{_directives_cause(no_image)} on articles",
        )


@rule("IDX008", "unavailable-after-past", severity="error")
def unavailable_after_past(page: PageFacts, site: Site) -> Iterator[Hit]:
    """unavailable_after names a date that has passed: Google stops showing the page.

    ## What it does
    Compares every `unavailable_after` date that applies to the audited crawler with the
    date of the crawl. On a 200 page it is an error when the page is in a sitemap or
    linked from several pages (still meant to rank), a notice otherwise (the content may
    truly have expired).

    ## Why it matters
    After the date Google drops the page from its results and crawls it much less often,
    however useful the page still is.

    ## How to fix
    Remove or move the date forward; for content that really expired, answer 404/410 or
    use noindex.

    ## How to verify
    `curl -sI <url>` and the robots meta tag show no past unavailable_after date.

    ## Source
    Google Search Central: "Robots meta tag ... specifications" (unavailable_after).
    """
    if not _crawlable_200(page):
        return
    crawled = site.started
    if crawled is None:
        return  # a run that did not record its start: no date is judged
    for directive in _applicable(page, crawler_of(site)):
        for token in directive.tokens:
            if not token.startswith("unavailable_after:"):
                continue
            when = parse_date(token.partition(":")[2])
            if when is None or when >= crawled:
                continue
            meant_to_rank = bool(site.sitemaps_of(page.url)) or (
                site.inlink_count(page.url) >= site.thresholds.many_inlinks
            )
            yield Hit(
                page.url,
                f"unavailable_after {when.date().isoformat()} has passed: Google no longer "
                "shows this page",
                {"directive": describe_directive(directive), "date": when.isoformat()},
                severity=None if meant_to_rank else "notice",
            )
            return


@rule("IDX009", "indexifembedded-without-noindex", severity="notice")
def indexifembedded_without_noindex(page: PageFacts, site: Site) -> Iterator[Hit]:
    """indexifembedded without noindex: the rule has no effect.

    ## What it does
    Flags pages whose directives for the audited crawler include `indexifembedded` but
    not `noindex`.

    ## Why it matters
    `indexifembedded` only lets content that is noindex on its own URL be indexed where
    it is embedded (iframes). Without noindex it does nothing, which usually means the
    intended setup is incomplete.

    ## How to fix
    Combine it as `noindex, indexifembedded` on the embeddable resource, or remove it.

    ## How to verify
    `curl -sI <url>` shows `X-Robots-Tag: noindex, indexifembedded` (or the meta tag).

    ## Source
    Google Search Central: "Robots meta tag ... specifications" (indexifembedded).
    """
    crawler = crawler_of(site)
    tokens = effective_directives(page, crawler)
    if page.status == 200 and "indexifembedded" in tokens and "noindex" not in tokens:
        yield Hit(page.url, "indexifembedded without noindex has no effect", {})


@rule("IDX010", "ignored-crawler-meta-name", severity="warning")
def ignored_crawler_meta_name(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A robots meta tag names a Google crawler Google does not read meta tags for.

    ## What it does
    Flags `<meta name="googlebot-image|googlebot-video|google-extended|googleother|...">`
    carrying a restriction (noindex, nofollow, none, nosnippet, noimageindex). Google
    reads robots meta tags only under the names `robots`, `googlebot` and
    `googlebot-news`.

    ## Why it matters
    The intended block does not exist: the images, videos or content stay indexed or
    used as before.

    ## How to fix
    Use `robots` or `googlebot` (or the `X-Robots-Tag` header); for image and video
    crawlers use robots.txt rules for their tokens; for AI training use robots.txt
    `Google-Extended`.

    ## How to verify
    The page's meta tags use only `robots`, `googlebot` or `googlebot-news` names.

    ## Source
    Google Search Central: "Robots meta tag ... specifications" (using the robots meta
    tag with a user agent); "Meta tags and attributes that Google supports".
    """
    if page.status != 200:
        return
    for directive in page.directives:
        if directive.source != "meta" or directive.agent not in _IGNORED_GOOGLE_NAMES:
            continue
        restrictive = sorted(set(directive.tokens) & _RESTRICTIVE)
        if restrictive:
            yield Hit(
                page.url,
                f"{describe_directive(directive)} does nothing: Google reads robots meta tags "
                "only as robots, googlebot or googlebot-news",
                {"meta_name": directive.agent, "rules": restrictive},
                cause=f'<meta name="{directive.agent}">',
            )


@rule(
    "IDX012",
    "data-nosnippet-on-unsupported-element",
    severity="notice",
    group="{count} pages put data-nosnippet on {cause}, where Google ignores it",
)
def data_nosnippet_on_unsupported_element(page: PageFacts, site: Site) -> Iterator[Hit]:
    """`data-nosnippet` on an element other than span, div or section: Google ignores it.

    ## What it does
    Looks at the elements of indexable pages answering 200 that carry a `data-nosnippet`
    attribute and flags those that are not `<span>`, `<div>` or `<section>` (a `<p>`,
    `<li>`, `<td>`, `<a>`...). Pages with the same unsupported elements form one issue.
    Not detected: a supported element left unclosed by invalid HTML (the parser closes it
    as browsers do, so the crawl cannot tell where the author meant it to end).

    ## Why it matters
    Google honours `data-nosnippet` only on those three elements. Anywhere else the text
    meant to stay out of search result previews and AI Overviews (prices that change,
    legal boilerplate, internal notes) can still appear there.

    ## How to fix
    Move the attribute to a `<span>`, `<div>` or `<section>` around the text, e.g.
    `<p><span data-nosnippet>...</span></p>`, and close that element.

    ## How to verify
    `curl -s <url> | grep -oiE '<[a-z0-9-]+ [^>]*data-nosnippet'` shows only span, div
    and section elements.

    ## Source
    Google Search Central: "Robots meta tag, data-nosnippet, and X-Robots-Tag
    specifications" (the data-nosnippet HTML attribute).
    """
    unsupported = [t for t in page.nosnippet_tags if t not in _NOSNIPPET_ELEMENTS]
    if not unsupported or page.status != 200 or not site.is_indexable(page.url):
        return
    elements = ", ".join(f"<{tag}>" for tag in unsupported)
    yield Hit(
        page.url,
        f"data-nosnippet on {elements}: Google reads it only on <span>, <div> and <section>, "
        "so that text can still appear in search results",
        {"elements": unsupported, "supported": sorted(_NOSNIPPET_ELEMENTS)},
        cause=elements,
    )


@rule("IDX013", "robots-meta-in-body", severity="notice")
def robots_meta_in_body(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A robots meta tag sits in the <body> instead of the <head>.

    ## What it does
    Flags robots meta tags that apply to the audited crawler and were found outside
    `<head>`.

    ## Why it matters
    Google still honours them, but other engines may not, and it usually means a
    template or a script injects the tag in the wrong place.

    ## How to fix
    Move the tag into `<head>`.

    ## How to verify
    `curl -s <url>` shows the robots meta tag before `</head>`.

    ## Source
    Google Search Central: "Robots meta tag ... specifications" (placement).
    """
    if page.status != 200:
        return
    for directive in _applicable(page, crawler_of(site)):
        if directive.source == "meta" and directive.in_body:
            yield Hit(
                page.url,
                f"{describe_directive(directive)} is in the <body>",
                {"directive": describe_directive(directive)},
            )
            return
