"""PERF011: static files (CSS, JavaScript, images) referenced under URLs that change from
page to page or request to request, so no cache ever serves them.

Reads two compact sources, so its cost does not grow with the run: the distinct CSS/JS URLs
the post-crawl check list recorded (crawl/checks.py) and the resources of the first pages
crawled. Everything it keeps is bounded (files, query strings, parameters, value length).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from seoaudit.rules.common import clip, limits
from seoaudit.rules.registry import Hit, rule

if TYPE_CHECKING:
    from seoaudit.site import Site


# PERF011 reads two compact sources, so its cost does not grow with the run: the distinct
# CSS/JS URLs of every page as the post-crawl check list recorded them (crawl/checks.py, at
# most ``max_checks``), and the resources, images included, of the first pages crawled.
SAMPLE_PAGES = 500  # HTML pages whose resources are read (about 0.1 s)
SAMPLE_ROWS = 2000  # stored pages read at most to find them (redirect hops, PDFs, ...)
SAMPLE_RESOURCES = 500  # resources read per sampled page
MAX_FILES = 50_000  # files (a URL without its query) tallied; later ones are not judged
MAX_QUERIES = 256  # distinct query strings kept per file; further ones are only counted
MAX_QUERY_CHARS = 1000  # characters of a query string compared
MAX_PARAMS = 20  # parameters read per query string
MAX_VALUE_CHARS = 100  # characters of a parameter's name or value compared
MAX_REPEATS = 2 * MAX_QUERIES  # (parameter, value) pairs kept per file in ``repeats``
MAX_EXAMPLES = 5
# Values that change with each deploy are shared by every page served in between: when at
# least this many sampled pages use the parameter with fewer values than the threshold,
# and the whole crawl saw fewer than FEW_VALUES, the file is not flagged.
SHARED_PAGES = 10
FEW_VALUES = 10
# A value made per page or per request is on one page; a random one is never on two. One
# that this many sampled pages share names what they show (a placeholder image, an
# author's photo) or a version. Times are the exception: the pages served in the same
# second share one, so they are left to the deploy guard above.
RESOURCE_PAGES = 3
# A number is a Unix time (seconds, milliseconds, microseconds) or a compact date-time only
# near the crawl: from a year before it started (pages cached since then) to a week after
# (a long crawl). Other numbers are ids, barcodes and build numbers.
TIME_BEFORE = 366 * 86_400
TIME_AFTER = 7 * 86_400
_ASSET_KINDS = frozenset({"script", "stylesheet", "image"})
# A date with a time of day, compact or ISO 8601 ("20241124103000", "2024-11-24T10:30Z").
# A date alone changes once a day for every page at once: it is not per page.
_DATETIME = re.compile(
    r"20\d\d-?[01]\d-?[0-3]\d[T _]?[0-2]\d:?[0-5]\d(?::?[0-5]\d)?[\d.:+Z-]*", re.ASCII
)
_RANDOM_DECIMAL = re.compile(r"\d\.\d{6,}", re.ASCII)  # Math.random()
# Hashes and UUIDs; nonces (base64url, 16 characters or more: 96 bits and up).
_HEX = re.compile(r"[0-9a-f]{8,}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.ASCII | re.I)
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,}", re.ASCII)


def _time_window(site: Site) -> tuple[float, float] | None:
    """The Unix seconds a time in a query may have (TIME_BEFORE and TIME_AFTER around the
    start of the run); None when the run does not record its start (no number is a time)."""
    started = site.started
    if started is None:
        return None
    at = started.timestamp()
    return at - TIME_BEFORE, at + TIME_AFTER


def _near_crawl(digits: str, window: tuple[float, float] | None) -> bool:
    """Whether a number (ASCII digits) is a time in ``window``: Unix seconds, milliseconds
    or microseconds, or a compact date-time ("20241124103000")."""
    if window is None:
        return False
    if len(digits) in (10, 13, 16):
        seconds = int(digits) / 10 ** (len(digits) - 10)
        if window[0] <= seconds <= window[1]:
            return True
    if not _DATETIME.fullmatch(digits):
        return False
    try:
        when = datetime.strptime(digits[:12], "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        return False
    return window[0] <= when.timestamp() <= window[1]


def _generated(value: str, window: tuple[float, float] | None) -> str | None:
    """ "timestamp" or "token" when a query value looks made per page or request (a time
    near the crawl, a random number, a hash or nonce), else None: versions ("3.2.1",
    "123"), other numbers (ids, barcodes: "4006381333931"), words and dates look the same
    on every page. ``window``: see ``_time_window``."""
    if value.isascii() and value.isdigit():
        return "timestamp" if _near_crawl(value, window) else None
    seconds, dot, fraction = value.partition(".")
    if (
        dot
        and len(seconds) == 10
        and value.isascii()
        and seconds.isdigit()
        and fraction.isdigit()
        and _near_crawl(seconds, window)
    ):
        return "timestamp"  # PHP microtime(true), Python time.time()
    if _DATETIME.fullmatch(value):
        return "timestamp"
    if _RANDOM_DECIMAL.fullmatch(value):
        return "token"
    if not any(c.isdigit() for c in value):
        return None
    if _HEX.fullmatch(value):
        return "token"
    token = value.rstrip("=")  # base64 padding
    if not _NONCE.fullmatch(token) or token.isdigit():
        return None
    # Not a slug ("open-sans-2024-edition"): random text mixes cases, or has no separator.
    mixed = token.lower() != token and token.upper() != token
    return "token" if mixed or not ("-" in token or "_" in token) else None


def _decoded(text: str) -> str:
    return unquote(text[: MAX_VALUE_CHARS * 3])[:MAX_VALUE_CHARS].strip()


def _params(query: str) -> dict[str, str]:
    """Name -> value of a query string's first parameters, percent-decoded and clipped; a
    bare value (``app.js?1732400000``) is the value of the name ""."""
    found: dict[str, str] = {}
    for part in query.split("&", MAX_PARAMS)[:MAX_PARAMS]:
        name, sep, value = part.partition("=")
        if not sep:
            name, value = "", part
        found[_decoded(name)] = _decoded(value)
    return found


@dataclass
class _File:
    """What PERF011 knows of one file: the URLs (without their query) it is used under."""

    queries: set[str] = field(default_factory=set)  # distinct query strings, bounded
    more: int = 0  # distinct URLs of the check list beyond those kept, only counted
    sampled: dict[str, int] = field(default_factory=dict)  # query -> sampled pages using it
    sampled_full: bool = False  # the sample used more query strings than those kept
    sampled_pages: int = 0  # sampled pages using the file with a query string
    pages: list[str] = field(default_factory=list)  # a few of them
    several: set[str] = field(default_factory=set)  # parameters with 2+ values on one page
    # (parameter, value) -> how many times ``sampled`` counts a page again for it: pages
    # using the file under several query strings that share the value, bounded
    repeats: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def distinct(self) -> int:
        return len(self.queries) + self.more


def _tally(files: dict[str, _File], url: str) -> tuple[str, _File, str] | None:
    """(file URL, its tally, query string) of a resource URL with a query string."""
    base, _, query = url.partition("?")
    if not query:
        return None
    found = files.get(base)
    if found is None:
        if len(files) >= MAX_FILES:
            return None
        found = files[base] = _File()
    return base, found, query[:MAX_QUERY_CHARS]


def _note_page(tally: _File, queries: list[tuple[str, bool]]) -> None:
    """Of one sampled page using a file under several query strings (each with whether
    ``sampled`` counted it): note the parameters that take two or more values on the page,
    and the values that ``sampled`` counts the page for more than once."""
    on_page: dict[str, set[str]] = defaultdict(set)
    uses: dict[tuple[str, str], int] = defaultdict(int)
    for query, counted in queries:
        for name, value in _params(query).items():
            on_page[name].add(value)
            if counted:
                uses[name, value] += 1
    for name, values in on_page.items():
        if len(values) > 1 and len(tally.several) < MAX_QUERIES:
            tally.several.add(name)
    for pair, times in uses.items():
        if times > 1 and (pair in tally.repeats or len(tally.repeats) < MAX_REPEATS):
            tally.repeats[pair] = tally.repeats.get(pair, 0) + times - 1


def _read_sample(site: Site, files: dict[str, _File]) -> int:
    """Tally the stylesheets, scripts and images of the first SAMPLE_PAGES HTML pages (in
    crawl order) with the pages using each URL; returns how many pages were read. Images
    on other hosts are left out: tracking pixels change their URL on purpose."""
    read = 0
    for page in islice(site.pages(), SAMPLE_ROWS):
        if not page.is_html:
            continue
        read += 1
        seen: set[str] = set()
        used: dict[str, tuple[_File, list[tuple[str, bool]]]] = {}  # file -> its queries
        for resource in page.resources[:SAMPLE_RESOURCES]:
            url = resource.url
            if url is None or url in seen or resource.kind not in _ASSET_KINDS:
                continue
            seen.add(url)
            if resource.kind == "image" and not site.is_internal(url):
                continue
            found = _tally(files, url)
            if found is None:
                continue
            base, tally, query = found
            counted = query in tally.sampled or len(tally.sampled) < MAX_QUERIES
            if counted:
                tally.sampled[query] = tally.sampled.get(query, 0) + 1
            else:
                tally.sampled_full = True
            if base in used:
                used[base][1].append((query, counted))
                continue
            used[base] = (tally, [(query, counted)])
            tally.sampled_pages += 1
            if len(tally.pages) < MAX_EXAMPLES:
                tally.pages.append(page.url)
        for tally, queries in used.values():
            if len(queries) > 1:
                _note_page(tally, queries)
        if read >= SAMPLE_PAGES:
            break
    return read


def _read_checks(site: Site, files: dict[str, _File]) -> int:
    """Tally the check list's stylesheets and scripts (each URL once, every page's);
    returns how many URLs the list holds."""
    checks = site.checks()
    for check in checks:
        if "render-resource" not in check.purposes:
            continue
        found = _tally(files, check.url)
        if found is None:
            continue
        _, tally, query = found
        if query in tally.queries:
            continue  # equal in their first MAX_QUERY_CHARS characters
        if len(tally.queries) < MAX_QUERIES:
            tally.queries.add(query)
        else:
            tally.more += 1
    # The sample's URLs may be missing from the list (images, a full list). Once a file's
    # kept queries are full they cannot be told apart from those counted, so are not added.
    for tally in files.values():
        for query in tally.sampled:
            if len(tally.queries) >= MAX_QUERIES:
                break
            tally.queries.add(query)
    return len(checks)


def _value_pages(tally: _File) -> dict[str, dict[str, int]]:
    """Parameter -> value -> sampled pages using the file with it (each page once)."""
    found: dict[str, dict[str, int]] = {}
    for query, pages in tally.sampled.items():
        for name, value in _params(query).items():
            counts = found.setdefault(name, {})
            counts[value] = counts.get(value, 0) + pages
    for (name, value), again in tally.repeats.items():
        counts = found.get(name, {})
        if value in counts:
            counts[value] -= again
    return found


def _naming_resources(
    tally: _File, used: dict[str, dict[str, int]], window: tuple[float, float] | None
) -> set[str]:
    """The parameters that, in the sample, name which resource the file returns rather
    than the request: two or more values on one page (a handler serving several files, as
    ``WebResource.axd?d=``), or a value (not empty, not a time) that RESOURCE_PAGES pages
    share. ``used``: the file's ``_value_pages``."""
    names = set(tally.several)
    for name, counts in used.items():
        if any(
            pages >= RESOURCE_PAGES and value and _generated(value, window) != "timestamp"
            for value, pages in counts.items()
        ):
            names.add(name)
    return names


def _changing_parameter(
    queries: set[str], least: int, window: tuple[float, float] | None, skip: set[str]
) -> tuple[str, list[str], str] | None:
    """(name, its generated values, "timestamps" or "random tokens") of the parameter,
    other than those in ``skip``, with the most values that look made per page or request,
    when it has at least ``least`` of them and they are most of its values; None when no
    parameter has."""
    values: dict[str, set[str]] = defaultdict(set)
    for query in queries:
        for name, value in _params(query).items():
            if name not in skip:
                values[name].add(value)
    best: tuple[str, list[str], str] | None = None
    for name, seen in sorted(values.items()):
        kinds = [(value, kind) for value in seen if (kind := _generated(value, window))]
        if len(kinds) < least or 2 * len(kinds) < len(seen):
            continue
        if best is None or len(kinds) > len(best[1]):
            times = sum(1 for _, kind in kinds if kind == "timestamp")
            label = "timestamps" if 2 * times >= len(kinds) else "random tokens"
            best = (name, sorted(value for value, _ in kinds), label)
    return best


@rule(
    "PERF011",
    "asset-url-not-shared",
    severity="notice",
    scope="site",
    group="{count} files are referenced under URLs that change per page ({cause})",
)
def asset_url_not_shared(site: Site) -> Iterator[Hit]:
    """A stylesheet, script or image is referenced under a different URL on each page.

    ## What it does
    Compares the URLs under which pages reference the same file (the URL without its
    query string): every stylesheet and script URL the crawl checked after the crawl
    (each distinct URL of every page, up to `max_checks`), and the stylesheets, scripts
    and images of the first 500 HTML pages crawled (images on the site's own hosts only:
    tracking pixels change their URLs on purpose). It flags a file when one query
    parameter takes at least `asset_url_variants` different values (default 3) that look
    made per page or per request: Unix timestamps and compact date-times from a year
    before the crawl started to a week after (none when the run did not record its
    start), ISO date-times, random numbers, hashes or tokens (`app.js?t=1732400000123`,
    `style.css?nocache=8f3a9c2e`). One issue per file, with how many different URLs were
    seen, examples, and how many of the first pages crawled use it. A version shared by
    every page (`app.js?v=3.2.1`, `?v=1732400000` written at build time) is the good
    practice and is not flagged, nor are query values such as words, version numbers and
    other numbers (ids, barcodes). A parameter that names the resource rather than the
    request is not judged: when one of the first pages uses the file under two or more
    of its values (one handler serving many files, as ASP.NET `WebResource.axd?d=...` or
    `ImageHandler.ashx?id=<GUID>`), or when 3 of the first pages share one of its values
    that is not a time (values made per page or request are on one page; pages served in
    the same second share a time, so times do not count). When at least 10 of the first
    pages crawled use fewer values than the threshold and the whole crawl saw fewer than
    10, the values changed with deploys during the crawl, not per page: not flagged. A
    file that fewer than 2 of the first pages use (the check list alone saw its URLs) is
    flagged only when its values are times, as there is no page to tell a handler's
    resources from per-page values. When the check list filled up, the count is a
    minimum (and other files may not have been checked); with `max_checks = 0` only the
    first pages' files are compared.

    ## Why it matters
    Browsers cache a file by its URL, and so does Google's renderer (CSS and JavaScript
    for up to 30 days, whatever the HTTP cache headers say). A URL that changes on every
    page or request is never found in the cache: each page view and each page Google
    renders downloads the same file again, which slows pages down and spends crawl
    capacity on copies of one file instead of on pages.

    ## How to fix
    Reference each file by one URL on every page: a version or content hash that changes
    only when the file changes (`app.3f2a9c.js`, or `app.js?v=3f2a9c` from the build),
    never the time of the request or a random value. Look for the template or plugin
    line that appends `time()`, `Date.now()`, `Math.random()` or a nonce to the URL.

    ## How to verify
    `curl -s <page 1> <page 2> | grep -o '<file path>[^"]*'` prints the same URL for
    both pages, and again after a minute.

    ## Source
    Google Search Central blog: "Crawling December: The how and why of Googlebot
    crawling" (2024: the renderer caches resources for up to 30 days, whatever the HTTP
    cache headers say; use cache-busting parameters with care, as a changed URL is fetched
    again); web.dev "Prevent unnecessary network requests with the HTTP Cache" (version
    the URL, not the request). The threshold of 3 values, the 3 pages that make a value a
    resource's and the time window are tool conventions.
    """
    least = limits(site).asset_url_variants
    window = _time_window(site)
    files: dict[str, _File] = {}
    sampled = _read_sample(site, files)
    listed = _read_checks(site, files)
    max_checks = site.settings.crawl.max_checks
    full = max_checks > 0 and listed >= max_checks
    for base, tally in sorted(files.items()):
        if tally.distinct < least:
            continue
        used = _value_pages(tally)
        skip = _naming_resources(tally, used, window)
        found = _changing_parameter(tally.queries, min(least, MAX_QUERIES), window, skip)
        if found is None:
            continue
        name, values, label = found
        counts = used.get(name, {})
        pages = sum(counts.values())  # one value per page: several are in ``skip``
        if pages >= SHARED_PAGES and len(counts) < least and tally.distinct < FEW_VALUES:
            continue  # one value per deploy, shared by the pages in between
        if tally.sampled_pages < 2 and label != "timestamps":
            continue  # no pages to tell a handler's resources from per-page values
        yield _unshared_hit(base, tally, name, values, label, sampled, full, least, listed)


def _unshared_hit(
    base: str,
    tally: _File,
    name: str,
    values: list[str],
    label: str,
    sampled: int,
    full: bool,
    least: int,
    listed: int,
) -> Hit:
    at_least = full or tally.more > 0
    count = f"{'at least ' if at_least else ''}{tally.distinct:,}"
    parameter = f"its query parameter {clip(name, 40)!r}" if name else "its query string"
    examples = ", ".join(clip(v, 30) for v in values[:2])
    message = (
        f"{clip(base, 150)} is referenced under {count} different URLs: {parameter} "
        f"changes from page to page ({label}, e.g. {examples})"
    )
    sampled_urls = f"{'at least ' if tally.sampled_full else ''}{len(tally.sampled)}"
    if tally.sampled_pages:
        message += (
            f"; {tally.sampled_pages} of the first {sampled} pages crawled use it, "
            f"under {sampled_urls} URLs"
        )
    evidence: dict[str, Any] = {
        "file": clip(base, 300),
        "distinct_urls": tally.distinct,
        "distinct_urls_is_minimum": at_least,
        "parameter": clip(name, 60),
        "values_look_like": label,
        "example_urls": [clip(f"{base}?{q}", 300) for q in sorted(tally.queries)[:MAX_EXAMPLES]],
        "threshold": least,
        "sample": {
            "pages_read": sampled,
            "pages_using_file": tally.sampled_pages,
            "distinct_urls": len(tally.sampled),
            "distinct_urls_is_minimum": tally.sampled_full,
            "pages": [clip(p, 300) for p in tally.pages],
        },
    }
    if full:
        evidence["note"] = (
            f"the post-crawl check list is full ({listed:,} URLs, max_checks): per-page "
            "URLs like these can fill it, so other stylesheets and scripts may not have "
            "been checked (RES003)"
        )
    return Hit(base, message, evidence, cause=clip(base, 200))
