"""Sitemaps (SMP): each sitemap file against the protocol, and its URLs against the crawl.

Owns two kinds of rules. Protocol rules read what discovery recorded for each file read
(``site.store.sitemap_rows()``: status, kind, the parser's errors, lastmod summary, the
image/video/news tally) and report once per file and problem, with counts. Crawl rules
walk each file's URLs (``site.sitemap_entries()``) and compare them with what the crawl
found (status, indexability, soft 404s, click depth); they report each URL with the
sitemap file as its cause, so one file's problem is one issue. (A listed URL
canonicalised elsewhere is CAN022's, in canonicals.py.)

Must not: parse sitemap bytes (crawl/sitemaps.py does) or decide indexability.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from seoaudit.crawl.sitemap_media import MAX_IMAGES_PER_URL, MAX_NEWS_PER_FILE
from seoaudit.crawl.urls import normalize
from seoaudit.models import Severity
from seoaudit.persite import per_site
from seoaudit.rules.common import is_paginated, limits, refreshes_away
from seoaudit.rules.registry import Hit, rule
from seoaudit.rules.status_codes import soft_404s

if TYPE_CHECKING:
    from seoaudit.site import Site

MAX_LISTED = 20  # URLs or errors listed in one finding's evidence
MAX_SITEMAP_URL_LENGTH = 2048  # Google: sitemap URLs must be under 2,048 characters
UNIFORM_LASTMOD_MIN = 50  # entries before "all lastmod values are equal" means anything
UNIFORM_LASTMOD_SHARE = 0.9
# Parser error kinds (crawl/sitemaps.py ErrorKind) by the rule that reports them.
MALFORMED = {
    "xml-syntax": "not well-formed XML",
    "entities-forbidden": "declares a DTD or entities (refused)",
    "wrong-namespace": "wrong or missing sitemap namespace",
    "undeclared-prefix": "uses an undeclared namespace prefix",
    "not-a-sitemap": "not a sitemap",
    "unsupported-format": "a feed format Google does not read",
    "gzip-error": "gzip data that does not decompress",
    "bad-encoding": "not UTF-8",
}
TOO_LARGE = {"too-large": "over 50 MB uncompressed", "too-many-urls": "over 50,000 URLs"}
INVALID_URLS = {
    "missing-loc": "entries without <loc>",
    "relative-url": "relative URLs",
    "invalid-url": "invalid URLs",
}
READABLE = frozenset({"urlset", "sitemapindex", "text", "feed"})
LISTS = ("urlset", "text", "feed")  # kinds whose entries are pages (an index lists files)


@per_site
def _rows(site: Site) -> list[dict[str, Any]]:
    """Every sitemap file read, from the store (read once per Site)."""
    return site.store.sitemap_rows()


@per_site
def _entries(site: Site) -> dict[str, list[str]]:
    """Each sitemap file -> its URLs (``Site.sitemap_entries``, built once per Site)."""
    return site.sitemap_entries()


def _ok(row: dict[str, Any]) -> bool:
    status = row["status"]
    return status is not None and 200 <= status < 300 and row["error"] is None


def _named_in_robots(site: Site, sitemap: str) -> bool:
    """Is ``sitemap`` named on a Sitemap: line of a robots.txt the crawl read: its own
    host's, or the site's naming a file kept on another host (a CDN, a sitemap service)?"""
    return any(_robots_names(site, row.url, sitemap) for row in site.robots)


def _robots_names(site: Site, host_url: str, sitemap: str) -> bool:
    """Is ``sitemap`` named on a Sitemap: line of the robots.txt of ``host_url``'s host?"""
    robots = site.robots_file(host_url)
    if robots is None or robots.robots is None:
        return False
    return any(normalize(value) == sitemap for _, value in robots.robots.sitemaps)


def _guessed(site: Site, row: dict[str, Any]) -> bool:
    """A top-level file the crawl only tried by convention (/sitemap.xml): nobody said it
    exists, so its absence is SMP001's business, not an unreachable sitemap."""
    return row["parent"] is None and not _named_in_robots(site, row["url"])


def _errors(
    row: dict[str, Any], kinds: dict[str, str]
) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(kind, how many, the first one recorded) for each error kind of ``kinds`` in a row."""
    facts = row["facts"]
    recorded = facts.get("errors", [])
    counts: dict[str, int] = facts.get("error_counts") or {}
    for kind in kinds:
        first = next((e for e in recorded if e.get("kind") == kind), None)
        count = counts.get(kind) or sum(1 for e in recorded if e.get("kind") == kind)
        if first is not None or count:
            yield kind, count, first or {}


# -- the files ---------------------------------------------------------------------------


@rule("SMP001", "no-sitemap", severity="notice", scope="site")
def no_sitemap(site: Site) -> Iterator[Hit]:
    """No sitemap could be found for the site.

    ## What it does
    Flags a site whose robots.txt names no sitemap and whose `/sitemap.xml` does not
    answer with a readable sitemap. (A sitemap that robots.txt names but that fails is
    SMP002.) Not checked when the audit runs with `--no-sitemaps`.

    ## Why it matters
    Small, well-linked sites do fine without one, hence a notice. For large, new or
    poorly linked sites a sitemap is how search engines learn about new and changed
    pages quickly; Bing relies on it more than Google.

    ## How to fix
    Generate a sitemap from the CMS or database (only canonical, indexable URLs) and add a
    `Sitemap: https://<host>/sitemap.xml` line to robots.txt.

    ## How to verify
    `curl -s <origin>/robots.txt | grep -i '^sitemap:'` names it and `curl -sI <url>`
    (or the file it names) answers 200.

    ## Source
    Google Search Central: "Learn about sitemaps"; Bing Webmaster Guidelines.
    """
    if not site.settings.crawl.sitemaps:
        return
    rows = _rows(site)
    if any(_ok(r) and r["kind"] in READABLE for r in rows):
        return
    if any(not _guessed(site, r) for r in rows):
        return  # a named sitemap exists but fails: SMP002
    for row in rows:
        status = row["status"]
        what = f"answers {status}" if status is not None else f"fails ({row['error']})"
        yield Hit(
            row["url"],
            f"No sitemap: robots.txt names none and {row['url']} {what}",
            {"tried": row["url"], "status": status, "error": row["error"]},
        )


@rule(
    "SMP002",
    "sitemap-unreachable",
    severity="error",
    scope="site",
    group="{count} sitemaps cannot be fetched",
)
def sitemap_unreachable(site: Site) -> Iterator[Hit]:
    """A sitemap named in robots.txt or in a sitemap index cannot be fetched.

    ## What it does
    Flags sitemap files named on a robots.txt `Sitemap:` line or listed in a sitemap index
    that answer a non-2xx status (after redirects) or fail at the network level. The
    conventional `/sitemap.xml`, tried when nothing names a sitemap, is SMP001's business.

    ## Why it matters
    Search engines cannot read any URL of a sitemap they cannot fetch: new and changed
    pages listed only there are discovered late or never, and Search Console reports
    "Couldn't fetch".

    ## How to fix
    Serve the file with 200 at the URL you publish (generate it before deploying, check
    the CDN and rewrite rules), or correct the URL in robots.txt or the index.

    ## How to verify
    `curl -sI <url>` answers 200 with an XML (or gzip) content type.

    ## Source
    Google Search Central: "Build and submit a sitemap"; "Manage your sitemaps with a
    sitemap index file".
    """
    for row in _rows(site):
        if _ok(row) or _guessed(site, row):
            continue
        status, error = row["status"], row["error"]
        if error:  # also after a status: a body that did not decode
            what = f"fails: {error}" if status is None else f"answers {status} but fails: {error}"
        else:
            what = f"answers {status}"
        where = f"listed in {row['parent']}" if row["parent"] else "named in robots.txt"
        yield Hit(
            row["url"],
            f"Sitemap {what} ({where})",
            {"status": status, "error": error, "parent": row["parent"]},
            cause=row["url"],
        )


@rule(
    "SMP003",
    "malformed-sitemap",
    severity="error",
    scope="site",
    group="{count} sitemap problems: {cause}",
)
def malformed_sitemap(site: Site) -> Iterator[Hit]:
    """A sitemap file is not valid: broken XML, wrong namespace, corrupt gzip, not UTF-8.

    ## What it does
    Reports, once per file and kind of problem with a count and the first occurrence:
    XML that is not well-formed, a DTD or entity declarations, a root element without the
    sitemap namespace `http://www.sitemaps.org/schemas/sitemap/0.9`, undeclared namespace
    prefixes (such as `xhtml:link` without `xmlns:xhtml`), a file that is not a sitemap at
    all (an HTML page), a feed in a format Google does not read as a sitemap (RSS 1.0/RDF,
    Atom 0.3; RSS 2.0 and Atom 1.0 feeds are read as sitemaps), gzip data that does not
    decompress, text that is not UTF-8, and an XML encoding other than UTF-8 (warning). A
    file with no entries is a notice.

    ## Why it matters
    Search engines reject a malformed file, or every entry after the first error: its URLs
    are not submitted, and Search Console reports the sitemap as invalid.

    ## How to fix
    Generate sitemaps with an XML library (never by string concatenation), escape `&` as
    `&amp;`, declare the sitemap namespace on the root element, encode as UTF-8, and
    compress with gzip as a whole file.

    ## How to verify
    `curl -s <url> | xmllint --noout -` reports nothing (`| gunzip |` first for .gz).

    ## Source
    sitemaps.org protocol; Google Search Central: "Build and submit a sitemap".
    """
    for row in _rows(site):
        if not _ok(row):
            continue
        url = row["url"]
        for kind, count, first in _errors(row, MALFORMED):
            line = first.get("line")
            yield Hit(
                url,
                f"Sitemap {MALFORMED[kind]}: {first.get('message', kind)}"
                + (f" (line {line})" if line else ""),
                {"problem": kind, "count": count, "first": first},
                cause=f"{url}: {MALFORMED[kind]}",
            )
        encoding = (row["facts"].get("encoding") or "utf-8").replace("_", "-").lower()
        if encoding not in ("utf-8", "utf8"):
            yield Hit(
                url,
                f"Sitemap is encoded as {encoding}, not UTF-8",
                {"problem": "encoding", "encoding": encoding},
                cause=f"{url}: not UTF-8",
                severity="warning",
            )
        for _kind, _count, first in _errors(row, {"empty": "no entries"}):
            yield Hit(
                url,
                "Sitemap has no entries",
                {"problem": "empty", "first": first},
                cause=f"{url}: no entries",
                severity="notice",
            )


@rule(
    "SMP004",
    "sitemap-too-large",
    severity="error",
    scope="site",
    group="{count} sitemaps exceed the protocol limits",
)
def sitemap_too_large(site: Site) -> Iterator[Hit]:
    """A sitemap file has more than 50,000 URLs or is over 50 MB uncompressed.

    ## What it does
    Flags sitemap files (urlsets and indexes alike) with more than 50,000 entries, or
    larger than 52,428,800 bytes once decompressed (the limit applies to the uncompressed
    size even when the file is gzipped). Reading stops at the limit.

    ## Why it matters
    The limits are hard: search engines stop reading or reject the file, so URLs beyond
    the limit are never submitted.

    ## How to fix
    Split the file into several sitemaps of at most 50,000 URLs and 50 MB each and list
    them in a sitemap index.

    ## How to verify
    `curl -s <url> | grep -c '<loc>'` is at most 50,000, and the uncompressed file is
    under 50 MB.

    ## Source
    sitemaps.org protocol (limits); Google Search Central: "Build and submit a sitemap";
    "Manage your sitemaps with a sitemap index file".
    """
    for row in _rows(site):
        if not _ok(row):
            continue
        for kind, _count, first in _errors(row, TOO_LARGE):
            yield Hit(
                row["url"],
                f"Sitemap {TOO_LARGE[kind]}: {first.get('message', kind)}",
                {
                    "problem": kind,
                    "entries_read": row["entries"],
                    "uncompressed_bytes": row["facts"].get("size"),
                    "gzipped": row["facts"].get("gzipped"),
                },
                cause=row["url"],
            )


@rule(
    "SMP005",
    "nested-sitemap-index",
    severity="warning",
    scope="site",
    group="{count} sitemap indexes are nested in another index",
)
def nested_sitemap_index(site: Site) -> Iterator[Hit]:
    """A sitemap index lists another sitemap index.

    ## What it does
    Flags sitemap index files that are themselves listed in a sitemap index. Their own
    entries are not followed, as search engines do not follow them.

    ## Why it matters
    The protocol has one level of index: an index lists sitemaps. Search Console reports
    nested indexes as an error, so the sitemaps below the nested index go unread.

    ## How to fix
    Flatten the structure: list every sitemap in one index, or submit several indexes
    side by side (robots.txt may name more than one).

    ## How to verify
    `curl -s <parent> | grep -o '<loc>[^<]*'` lists only files whose root element is
    `<urlset>` (`curl -s <url> | head -c 300`).

    ## Source
    sitemaps.org protocol (sitemap index files); Google Search Central: "Manage your
    sitemaps with a sitemap index file".
    """
    for row in _rows(site):
        if row["kind"] == "sitemapindex" and row["parent"] is not None:
            yield Hit(
                row["url"],
                f"Sitemap index listed in another index ({row['parent']}); its "
                f"{row['entries']} sitemaps are not read",
                {"parent": row["parent"], "entries": row["entries"]},
                cause=row["parent"],
            )


@rule(
    "SMP006",
    "invalid-sitemap-url",
    severity="error",
    scope="site",
    group="{count} sitemaps list unusable URLs",
)
def invalid_sitemap_url(site: Site) -> Iterator[Hit]:
    """A sitemap lists relative, invalid or over-long URLs, or entries without `<loc>`.

    ## What it does
    Reports, once per file with counts: entries without a `<loc>`, relative URLs, values
    that are not absolute http(s) URLs, and URLs of 2,048 characters or more.

    ## Why it matters
    Search engines crawl sitemap URLs exactly as written: a relative or malformed URL is
    dropped, so the page it meant is not submitted.

    ## How to fix
    Write absolute, URL-escaped `https://` URLs shorter than 2,048 characters, with one
    `<loc>` per `<url>`.

    ## How to verify
    `curl -s <url> | grep -o '<loc>[^<]*' | grep -v '<loc>https\\?://'` prints nothing.

    ## Source
    Google Search Central: "Build and submit a sitemap" (fully qualified URLs); sitemaps.org
    protocol (URL format, length).
    """
    long_urls: dict[str, list[str]] = {}
    for sitemap, urls in _entries(site).items():
        found = [u for u in urls if len(u) >= MAX_SITEMAP_URL_LENGTH]
        if found:
            long_urls[sitemap] = found
    for row in _rows(site):
        if not _ok(row):
            continue
        problems: dict[str, Any] = {}
        for kind, count, first in _errors(row, INVALID_URLS):
            problems[kind] = {"count": count, "first": first}
        long = long_urls.get(row["url"], [])
        if long:
            problems["too-long"] = {"count": len(long), "first": {"loc": long[0][:300]}}
        if not problems:
            continue
        summary = ", ".join(
            f"{p['count']} {INVALID_URLS.get(k, 'URLs of 2,048+ characters')}"
            for k, p in problems.items()
        )
        yield Hit(row["url"], f"Sitemap lists {summary}", problems, cause=row["url"])


def _directory(url: str) -> str:
    split = urlsplit(url)
    return f"{split.scheme}://{split.netloc}{split.path.rsplit('/', 1)[0]}/"


def _ancestors(site: Site, sitemap: str) -> list[str]:
    parents = {row["url"]: row["parent"] for row in _rows(site)}
    chain = [sitemap]
    while (parent := parents.get(chain[-1])) is not None and parent not in chain:
        chain.append(parent)
    return chain


@rule(
    "SMP007",
    "sitemap-url-out-of-scope",
    severity="warning",
    scope="site",
    group="{count} sitemaps list URLs outside their scope",
)
def sitemap_url_out_of_scope(site: Site) -> Iterator[Hit]:
    """A sitemap lists URLs on another host or outside its own directory.

    ## What it does
    A sitemap may list URLs on its own scheme, host and port, at or below its own
    directory (a sitemap at `/shop/sitemap.xml` covers `/shop/...`); an index may list
    sitemaps under the same rule. Flags, once per file with a count and examples, the URLs
    outside that scope, unless the target host's robots.txt names the sitemap (or an index
    above it): that is the protocol's cross-submission.

    ## Why it matters
    Search engines ignore entries a sitemap is not allowed to list, so those URLs are
    effectively not submitted. A mix of http and https, or www and bare host, also
    signals the wrong canonical host.

    ## How to fix
    Keep each site's sitemaps at its root (or list only URLs below the sitemap's folder),
    use the canonical scheme and host, or name the sitemap in the target host's robots.txt.

    ## How to verify
    `curl -s <url> | grep -o '<loc>[^<]*' | grep -v '<loc><scope>'`
    prints nothing.

    ## Source
    sitemaps.org protocol (sitemap file location, cross submits); Google Search Central:
    "Build and submit a sitemap"; "Manage your sitemaps with a sitemap index file".
    """
    listed: dict[str, list[str]] = {k: list(v) for k, v in _entries(site).items()}
    for row in _rows(site):
        if row["parent"] is not None:
            listed.setdefault(row["parent"], []).append(row["url"])
    for sitemap, urls in sorted(listed.items()):
        scope = _directory(sitemap)
        owners = _ancestors(site, sitemap)
        outside = [
            u
            for u in urls
            if not u.startswith(scope)
            and not any(_robots_names(site, u, owner) for owner in owners)
        ]
        if outside:
            hosts = sorted({urlsplit(u).netloc for u in outside})
            yield Hit(
                sitemap,
                f"{len(outside)} of {len(urls)} URLs are outside {scope}",
                {
                    "count": len(outside),
                    "scope": scope,
                    "hosts": hosts,
                    "examples": outside[:MAX_LISTED],
                },
                cause=sitemap,
            )


@rule(
    "SMP013",
    "sitemap-lastmod-problem",
    severity="warning",
    scope="site",
    group="{count} sitemaps with lastmod problems ({cause})",
)
def sitemap_lastmod_problem(site: Site) -> Iterator[Hit]:
    """`<lastmod>` values are invalid, in the future, or all the same.

    ## What it does
    Per sitemap file: values that are not W3C Datetime (`2024-06-03` or
    `2024-06-03T10:00:00+00:00`) and dates more than a day in the future are warnings;
    nearly all entries (90 % of at least 50) sharing one value is a notice, the usual sign
    of a generator writing the build time.

    ## Why it matters
    Google uses `lastmod` to schedule recrawls only when it is consistently accurate;
    invalid, future or uniform values teach it to ignore the field for the whole site,
    and changed pages are picked up later.

    ## How to fix
    Set `lastmod` from the date the page's main content last changed (not the build or
    request time), in W3C format with a time zone; omit it where unknown.

    ## How to verify
    `curl -s <url> | grep -o '<lastmod>[^<]*' | sort | uniq -c | sort -rn | head` shows
    varied, valid, past dates.

    ## Source
    Google Search Central: "Build and submit a sitemap" (lastmod); "Sitemaps ping endpoint
    is going away" (2023, lastmod accuracy); W3C Datetime note.
    """
    for row in _rows(site):
        if not _ok(row):
            continue
        url = row["url"]
        for _kind, count, first in _errors(row, {"bad-lastmod": "invalid lastmod"}):
            yield Hit(
                url,
                f"{count} lastmod values are not W3C Datetime: {first.get('message', '')}",
                {"count": count, "first": first},
                cause=f"{url}: invalid",
            )
        lastmod: dict[str, Any] = row["facts"].get("lastmod") or {}
        if lastmod.get("future"):
            yield Hit(
                url,
                f"{lastmod['future']} lastmod values are in the future",
                {"count": lastmod["future"], "examples": lastmod.get("future_examples", [])},
                cause=f"{url}: in the future",
            )
        total, same = lastmod.get("count", 0), lastmod.get("most_common_count", 0)
        if total >= UNIFORM_LASTMOD_MIN and same >= UNIFORM_LASTMOD_SHARE * total:
            yield Hit(
                url,
                f"{same} of {total} lastmod values are {lastmod.get('most_common')!r}",
                {"count": same, "entries_with_lastmod": total, "value": lastmod.get("most_common")},
                cause=f"{url}: all the same",
                severity="notice",
            )


@rule(
    "SMP014",
    "changefreq-priority-present",
    severity="notice",
    scope="site",
    group="{count} sitemaps use changefreq or priority, which Google ignores",
)
def changefreq_priority_present(site: Site) -> Iterator[Hit]:
    """A sitemap uses `<changefreq>` or `<priority>`, which Google ignores.

    ## What it does
    Counts, per sitemap file read, the entries with `<changefreq>` and with `<priority>`.

    ## Why it matters
    Google ignores both values, so they do not steer crawling however they are set; a
    team tuning them spends effort on nothing, and they make large files larger. (Bing
    also relies on `lastmod` instead.) Harmless otherwise.

    ## How to fix
    Optional: drop them from the sitemap generator, and keep `<lastmod>` accurate instead.

    ## How to verify
    `curl -s <url> | grep -c -E '<(changefreq|priority)>'` prints 0.

    ## Source
    Google Search Central: "Build and submit a sitemap" (Google ignores `<priority>` and
    `<changefreq>` values).
    """
    for row in _rows(site):
        if not _ok(row):
            continue
        changefreq = int(row["facts"].get("changefreq") or 0)
        priority = int(row["facts"].get("priority") or 0)
        if changefreq or priority:
            used = [
                f"{n} <{tag}>"
                for n, tag in ((changefreq, "changefreq"), (priority, "priority"))
                if n
            ]
            yield Hit(
                row["url"],
                f"{' and '.join(used)} values: Google ignores them",
                {"changefreq": changefreq, "priority": priority},
            )


def _media_problems(row: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    """The media problems (crawl/sitemap_media.py) of one extension recorded for a file:
    ``prefix`` "image:" gives {"no-loc": {"count": 2, "examples": [...]}, ...}."""
    media: dict[str, Any] = row["facts"].get("media") or {}
    problems: dict[str, dict[str, Any]] = media.get("problems") or {}
    return {k.removeprefix(prefix): v for k, v in problems.items() if k.startswith(prefix)}


def _media_hit(
    url: str,
    message: str,
    problem: str,
    found: dict[str, Any],
    what: str,
    severity: Severity | None = None,
) -> Hit:
    return Hit(
        url,
        message,
        {"problem": problem, "count": found["count"], "examples": found["examples"]},
        cause=f"{url}: {what}",
        severity=severity,
    )


@rule(
    "SMP017",
    "image-sitemap-error",
    severity="error",
    scope="site",
    group="{count} image sitemap problems: {cause}",
)
def image_sitemap_error(site: Site) -> Iterator[Hit]:
    """A sitemap's `image:image` tags break Google's image extension.

    ## What it does
    Per sitemap file, with counts and examples: `<url>` entries with more than 1,000
    `image:image` tags and `image:image` without an `image:loc` are errors; the tags
    Google removed in 2022 (`image:caption`, `image:title`, `image:geo_location`,
    `image:license`) are a notice. Tags in the namespace
    `http://www.google.com/schemas/sitemap-image/1.1` are read, in a `<url>` only.

    ## Why it matters
    Google reads at most 1,000 images per page and cannot use an image without its URL,
    so those images are not submitted. The deprecated tags are ignored: harmless, but
    whatever they were meant to say (captions, licences) reaches no one.

    ## How to fix
    Give every `image:image` one `image:loc` with the image's absolute URL, list at most
    1,000 images per page (the important ones), and drop the deprecated tags (use
    structured data or on-page text for captions and licences).

    ## How to verify
    `curl -s <url> | grep -c '<image:image>'` equals
    `curl -s <url> | grep -c '<image:loc>'`, and
    `grep -cE '<image:(caption|title|geo_location|license)>'` prints 0.

    ## Source
    Google Search Central: "Image sitemaps" (required tags, limit, deprecated tags).
    """
    for row in _rows(site):
        if not _ok(row):
            continue
        url = row["url"]
        problems = _media_problems(row, "image:")
        if found := problems.get("too-many"):
            first = found["examples"][0]
            yield _media_hit(
                url,
                f"{found['count']} URLs list more than {MAX_IMAGES_PER_URL:,} images "
                f"(first: {first['loc']} with {first.get('value')} images)",
                "too-many",
                found,
                "over 1,000 images in a <url>",
            )
        yield from _missing_tags(url, problems, "image:image", {"no-loc": "image:loc"})
        deprecated = {
            k.removeprefix("deprecated:"): v
            for k, v in problems.items()
            if k.startswith("deprecated:")
        }
        if deprecated:
            used = ", ".join(f"{v['count']} image:{k}" for k, v in sorted(deprecated.items()))
            yield Hit(
                url,
                f"Deprecated image tags that Google ignores: {used}",
                {"problem": "deprecated", "tags": deprecated},
                cause=f"{url}: deprecated image tags",
                severity="notice",
            )


VIDEO_MISSING = {
    "no-thumbnail_loc": "video:thumbnail_loc",
    "no-title": "video:title",
    "no-description": "video:description",
    "no-content_loc-or-player_loc": "both video:content_loc and video:player_loc",
}


@rule(
    "SMP018",
    "video-sitemap-error",
    severity="error",
    scope="site",
    group="{count} video sitemap problems: {cause}",
)
def video_sitemap_error(site: Site) -> Iterator[Hit]:
    """A sitemap's `video:video` entries lack tags Google requires.

    ## What it does
    Per sitemap file and missing tag, with counts and examples: `video:video` elements
    without `video:thumbnail_loc`, `video:title` or `video:description` (missing or
    empty), or with neither `video:content_loc` nor `video:player_loc`. Tags in the
    namespace `http://www.google.com/schemas/sitemap-video/1.1` are read, in a `<url>` only.

    ## Why it matters
    Google cannot use a video entry that lacks a required tag: the video is not indexed
    from the sitemap and cannot appear in video results from it.

    ## How to fix
    For each video give a thumbnail URL, a title, a description (up to 2,048
    characters) and the URL of the media file (`video:content_loc`) or of its player
    (`video:player_loc`), all crawlable.

    ## How to verify
    `curl -s <url> | grep -c '<video:video>'` equals the count of
    `<video:thumbnail_loc>`, `<video:title>` and `<video:description>` each.

    ## Source
    Google Search Central: "Video sitemaps and alternatives" (required tags).
    """
    for row in _rows(site):
        if not _ok(row):
            continue
        url = row["url"]
        yield from _missing_tags(url, _media_problems(row, "video:"), "video:video", VIDEO_MISSING)


def _missing_tags(
    url: str, problems: dict[str, Any], element: str, missing: dict[str, str]
) -> Iterator[Hit]:
    """One hit per required tag that ``element`` entries of the sitemap at ``url`` lack."""
    for problem, tag in missing.items():
        if found := problems.get(problem):
            yield _media_hit(
                url,
                f"{found['count']} {element} without {tag} "
                f"(first in {found['examples'][0]['loc']})",
                problem,
                found,
                f"{element} without {tag}",
            )


NEWS_MISSING = {
    "no-name": "news:publication/news:name",
    "no-language": "news:publication/news:language",
    "no-publication_date": "news:publication_date",
    "no-title": "news:title",
}


@rule(
    "SMP019",
    "news-sitemap-error",
    severity="error",
    scope="site",
    group="{count} news sitemap problems: {cause}",
)
def news_sitemap_error(site: Site) -> Iterator[Hit]:
    """A news sitemap is over its limit, lacks required tags, or lists old articles.

    ## What it does
    Per sitemap file, with counts and examples. Errors: more than 1,000 `news:news` in
    the file; `news:news` without `news:publication/news:name`,
    `news:publication/news:language`, `news:publication_date` or `news:title`; a
    `news:publication_date` that is not W3C Datetime; more than one `news:news` in a
    `<url>`. Warning: articles published more than two days before the crawl. Tags in
    the namespace `http://www.google.com/schemas/sitemap-news/0.9` are read, in a `<url>`
    only.

    ## Why it matters
    Google News reads at most 1,000 articles per news sitemap and skips entries without
    the required tags. It wants only articles from the last two days: older ones are
    not picked up from the sitemap and make a large file to read on every fetch.

    ## How to fix
    Keep one news sitemap updated in place with the articles of the last 48 hours (not
    a new file per update), each with the publication name and ISO 639 language
    (`zh-cn`/`zh-tw` for Chinese), a W3C publication date and the title; split larger
    volumes across several sitemaps.

    ## How to verify
    `curl -s <url> | grep -c '<news:news>'` is at most 1,000 and
    `grep -o '<news:publication_date>[^<]*'` shows only the last two days.

    ## Source
    Google Search Central: "Create a news sitemap" (required tags, 1,000 limit, two
    days).
    """
    for row in _rows(site):
        if not _ok(row):
            continue
        url = row["url"]
        media: dict[str, Any] = row["facts"].get("media") or {}
        articles = int((media.get("counts") or {}).get("news") or 0)
        if articles > MAX_NEWS_PER_FILE:
            yield Hit(
                url,
                f"{articles:,} news:news in one sitemap; the limit is {MAX_NEWS_PER_FILE:,}",
                {"problem": "too-many", "count": articles},
                cause=f"{url}: over 1,000 news:news",
            )
        problems = _media_problems(row, "news:")
        yield from _missing_tags(url, problems, "news:news", NEWS_MISSING)
        if found := problems.get("bad-publication_date"):
            first = found["examples"][0]
            yield _media_hit(
                url,
                f"{found['count']} news:publication_date values are not W3C Datetime "
                f"(first: {first.get('value')!r} in {first['loc']})",
                "bad-publication_date",
                found,
                "invalid news:publication_date",
            )
        if found := problems.get("several"):
            yield _media_hit(
                url,
                f"{found['count']} URLs carry more than one news:news "
                f"(first: {found['examples'][0]['loc']})",
                "several",
                found,
                "several news:news in a <url>",
            )
        if found := problems.get("stale"):
            first = found["examples"][0]
            yield _media_hit(
                url,
                f"{found['count']} articles are older than two days "
                f"(first: {first['loc']}, published {first.get('value')})",
                "stale",
                found,
                "articles older than two days",
                severity="warning",
            )


# -- the URLs against the crawl ----------------------------------------------------------


def _listed(site: Site) -> Iterator[tuple[str, str]]:
    """(sitemap, url) for every URL listed in a urlset or text sitemap that was crawled."""
    for sitemap, urls in _entries(site).items():
        for url in urls:
            if site.indexability(url) is not None:
                yield sitemap, url


@rule(
    "SMP009",
    "redirecting-sitemap-url",
    severity="warning",
    scope="site",
    group="{count} URLs in {cause} redirect",
)
def redirecting_sitemap_url(site: Site) -> Iterator[Hit]:
    """A sitemap lists a URL that redirects.

    ## What it does
    Flags URLs listed in a sitemap that answer a 3xx redirect, with where the redirect
    ends. One issue per sitemap file.

    ## Why it matters
    Search engines fetch the old URL and then the target: wasted crawl, and the sitemap
    contradicts the redirect about which URL to index.

    ## How to fix
    Replace each listed URL with the final destination shown in the evidence (or drop it),
    ideally by generating the sitemap from the current URLs of live pages.

    ## How to verify
    `curl -sI <url>` answers 200 for every URL of the sitemap.

    ## Source
    Google Search Central: "Build and submit a sitemap"; "Troubleshoot Google Search
    crawling errors".
    """
    for sitemap, url in _listed(site):
        if site.indexability(url) == "redirected":
            chain = site.redirect_chain(url)
            yield Hit(
                url,
                f"Listed in {sitemap} but redirects to {chain.final_url}",
                {
                    "sitemap": sitemap,
                    "status": site.status(url),
                    "final_url": chain.final_url,
                    "final_status": chain.final_status,
                },
                cause=sitemap,
            )


@rule(
    "SMP010",
    "error-sitemap-url",
    severity="warning",
    scope="site",
    group="{count} URLs in {cause} answer an error",
)
def error_sitemap_url(site: Site) -> Iterator[Hit]:
    """A sitemap lists URLs that answer 4xx, 5xx, fail, or are soft 404s.

    ## What it does
    Flags URLs listed in a sitemap that answer a 4xx or 5xx status, get no usable
    response, or look like a soft 404 (HTTP005). A warning; an error when more than
    `sitemap_error_share` (default 10 %, a tool convention) of the file's entries fail.
    One issue per sitemap file.

    ## Why it matters
    Search engines waste crawl on dead URLs and trust a sitemap full of them less; Bing
    asks for sitemaps to be refreshed so that removed URLs disappear.

    ## How to fix
    Regenerate the sitemap from live, indexable pages, automatically on every change.

    ## How to verify
    Every `<loc>` of the sitemap answers 200: `curl -sI <url>` for this one.

    ## Source
    Google Search Central: "Troubleshoot Google Search crawling errors"; Bing Webmaster
    Guidelines (threshold: tool convention).
    """
    soft = soft_404s(site)
    entries = {row["url"]: row["entries"] for row in _rows(site)}
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for sitemap, url in _listed(site):
        status = site.status(url)
        if status is not None and status >= 400:
            found[sitemap].append((url, f"answers {status}"))
        elif site.indexability(url) == "no-response":
            found[sitemap].append((url, "gets no usable response"))
        elif url in soft:
            found[sitemap].append((url, f"is a soft 404 ({soft[url][0]})"))
    share = limits(site).sitemap_error_share
    for sitemap, failing in sorted(found.items()):
        total = max(entries.get(sitemap, 0), len(failing))
        severity: Severity | None = "error" if len(failing) > share * total else None
        for url, what in failing:
            yield Hit(
                url,
                f"Listed in {sitemap} but {what}",
                {
                    "sitemap": sitemap,
                    "problem": what,
                    "failing_in_sitemap": len(failing),
                    "entries": total,
                },
                cause=sitemap,
                severity=severity,
            )


@rule(
    "SMP011",
    "noindex-sitemap-url",
    severity="warning",
    scope="site",
    group="{count} URLs in {cause} are noindex",
)
def noindex_sitemap_url(site: Site) -> Iterator[Hit]:
    """A sitemap lists a URL that says noindex.

    ## What it does
    Flags URLs listed in a sitemap whose robots meta tag or X-Robots-Tag header says
    `noindex` (or `none`) for the audited crawler. One issue per sitemap file. Noindex
    pages left out of sitemaps are fine and never flagged.

    ## Why it matters
    The sitemap asks search engines to index the URL and the page forbids it: a
    contradiction Search Console reports, and crawl spent on a page that cannot rank.

    ## How to fix
    Remove noindex pages from the sitemap, or drop the noindex if the page should rank.

    ## How to verify
    `curl -s <url> | grep -io '<meta name="robots"[^>]*'` and `curl -sI <url>` show no
    noindex, or the URL is gone from the sitemap.

    ## Source
    Google Search Central: "Troubleshoot Google Search crawling errors"; "Block Search
    indexing with noindex".
    """
    for sitemap, url in _listed(site):
        if site.indexability(url) == "noindex":
            yield Hit(url, f"Listed in {sitemap} but noindex", {"sitemap": sitemap}, cause=sitemap)


@rule(
    "SMP012",
    "blocked-sitemap-url",
    severity="warning",
    scope="site",
    group="{count} URLs in {cause} are blocked by robots.txt",
)
def blocked_sitemap_url(site: Site) -> Iterator[Hit]:
    """A sitemap lists a URL that robots.txt disallows.

    ## What it does
    Flags URLs listed in a sitemap that the site's robots.txt disallows for the audited
    crawler, with the deciding robots.txt line. One issue per sitemap file.

    ## Why it matters
    Search engines cannot crawl the URL, so the sitemap entry is wasted; at best the URL
    is indexed without content, from links alone.

    ## How to fix
    Allow the URL in robots.txt if it should be in search, or remove it from the sitemap.

    ## How to verify
    `seoaudit robots <url>` prints "allowed", or the URL is gone from the sitemap.

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification"; "Build
    and submit a sitemap".
    """
    crawler = site.settings.crawl.crawler
    for sitemap, url in _listed(site):
        if site.indexability(url) == "blocked-by-robots":
            robots = site.robots_file(url)
            verdict = None if robots is None else robots.verdict(crawler, url)
            if verdict is None or verdict.line is None:
                yield Hit(
                    url, f"Listed in {sitemap} but blocked by robots.txt", {"sitemap": sitemap},
                    cause=sitemap,
                )  # fmt: skip
                continue
            yield Hit(
                url,
                f"Listed in {sitemap} but blocked by robots.txt line {verdict.line}: "
                f"{verdict.rule}",
                {
                    "sitemap": sitemap,
                    "robots_url": verdict.robots_url,
                    "line": verdict.line,
                    "rule": verdict.rule,
                    "agent": verdict.agent,
                },
                cause=sitemap,
            )


def _page_lists(site: Site) -> list[str]:
    """The sitemap files read that list pages (urlset, text, feed) and have entries."""
    return [r["url"] for r in _rows(site) if _ok(r) and r["kind"] in LISTS and r["entries"]]


def _sitemaps_in_use(site: Site) -> bool:
    return bool(_page_lists(site))


@rule(
    "SMP016",
    "page-missing-from-sitemap",
    severity="notice",
    scope="site",
    group="{count} indexable pages are in no sitemap",
)
def page_missing_from_sitemap(site: Site) -> Iterator[Hit]:
    """An indexable page linked on the site is listed in no sitemap.

    ## What it does
    When the site has sitemaps, flags indexable HTML pages answering 200 that the crawl
    reached through links but that no sitemap lists. Non-indexable pages (noindex,
    canonicalised, redirected, sent elsewhere by an instant meta refresh) are rightly left
    out of sitemaps and never flagged; nor is page 2 and later of a paginated series.

    ## Why it matters
    Sitemaps are how search engines learn quickly about new and changed pages, especially
    on large sites; a page left out is found only through links, later.

    ## How to fix
    Generate sitemaps from the full list of canonical, indexable URLs (the CMS or
    database), not from a hand-kept list.

    ## How to verify
    `for s in <sitemaps>; do curl -s "$s" | gzip -dcf; done | grep -c '<loc><url></loc>'`
    prints 1 or more once one of the site's sitemaps lists the page (the finding's command
    reads the sitemaps its evidence names, up to three; `gzip -dcf` reads .gz files too).

    ## Source
    Google Search Central: "Build and submit a sitemap"; Bing Webmaster Guidelines.
    """
    if not _sitemaps_in_use(site):
        return
    missing = [
        s.url
        for s in site.summaries()
        if s.status == 200
        and s.is_html
        and s.indexability == "indexable"
        and site.is_internal(s.url)
        and not site.in_sitemap(s.url)
        and site.click_depth(s.url) is not None
        and not is_paginated(s.url)
        and not refreshes_away(s.url, s.refresh)
    ]
    indexable = sum(1 for s in site.summaries() if s.indexability == "indexable" and s.is_html)
    sitemaps = _page_lists(site)[:3]  # on every finding: a few to check against, not all
    for url in missing:
        yield Hit(
            url,
            "Indexable page listed in no sitemap",
            {"missing": len(missing), "indexable_pages": indexable, "sitemaps": sitemaps},
        )


@rule(
    "SMP021",
    "orphan-page",
    severity="notice",
    scope="site",
    group="{count} pages are in a sitemap but linked from nowhere",
)
def orphan_page(site: Site) -> Iterator[Hit]:
    """A page listed in a sitemap that no link path from the start page reaches.

    ## What it does
    Flags indexable HTML pages listed in a sitemap that the crawl could not reach by
    following links (and redirects) from the start URLs. Not checked when the crawl did
    not finish (pages left uncrawled might hold the links).

    ## Why it matters
    Internal links are how visitors find a page and how search engines judge its
    importance; an orphan page gets no internal link value, is crawled rarely and ranks
    poorly, even though the sitemap submits it.

    ## How to fix
    Link the page from a relevant category, hub or navigation page; if it is obsolete,
    remove it from the sitemap and redirect or retire it.

    ## How to verify
    `seoaudit audit <start url> --select SMP021 --isolated` no longer lists the page.

    ## Source
    Google Search Central: "Link best practices for Google"; "Learn about sitemaps".
    """
    if site.summary()["url_states"].get("not-crawled"):
        return
    start = set(site.start_urls)
    seen: set[str] = set()
    for sitemap, url in _listed(site):
        if url in seen or url in start or site.click_depth(url) is not None:
            continue
        if not site.is_indexable(url) or site.status(url) != 200:
            continue
        seen.add(url)
        yield Hit(
            url,
            f"Listed in {sitemap} but no link reaches it",
            {"sitemaps": site.sitemaps_of(url), "inlinks": site.inlink_count(url)},
        )
