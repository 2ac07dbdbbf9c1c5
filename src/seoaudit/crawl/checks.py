"""URL checks: the status of URLs the audit needs to know without crawling them as pages.

Examples: external links (opt-in), the CSS and JavaScript a page needs to render, the images
that structured data points at. Collectors pick such URLs from each page's facts while the
crawl records it; after the crawl, each unique URL is fetched once, lightly (a small body
cap, redirects followed and recorded, politeness as for pages), and its outcome is stored.
Rules read the outcome through ``Site.check(url)``.

A collector is registered in one line and returns the URLs of one purpose::

    @collector("sd-image")
    def structured_data_images(page: PageFacts, settings: CrawlSettings) -> Iterable[str]: ...

Collectors must be cheap and pure: they run on every page, in the crawl's hot path.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import imagesize

from seoaudit.config import CrawlSettings
from seoaudit.crawl.urls import name_labels
from seoaudit.models import PageFacts

Collector = Callable[[PageFacts, CrawlSettings], Iterable[str]]
COLLECTORS: dict[str, Collector] = {}

CHECK_BODY_LIMIT = 16 * 1024  # enough to sniff what came back; checks never parse bodies
IMAGE_PURPOSE = "sd-image"  # images whose pixel size is measured (structured data's)
IMAGE_HEAD_LIMIT = 64 * 1024  # a JPEG's size comes after its EXIF data, often past 16 KB
ROBOTS_TWIN = "robots-twin"  # robots.txt of a start page's twin origins, read in full


def collector(purpose: str) -> Callable[[Collector], Collector]:
    def register(func: Collector) -> Collector:
        if purpose in COLLECTORS:
            raise ValueError(f"collector {purpose!r} registered twice")
        COLLECTORS[purpose] = func
        return func

    return register


@dataclass(frozen=True)
class CheckResult:
    url: str
    purposes: tuple[str, ...]
    status: int | None  # of the final response
    error: str | None
    final_url: str
    redirects: int
    content_type: str | None
    robots_allowed: bool | None  # None when the host's robots.txt was not read
    error_detail: str | None = None  # what went wrong, in the HTTP client's words
    width: int | None = None  # pixels, of an image whose size was measured (image_size)
    height: int | None = None
    body: bytes | None = None  # what a ROBOTS_TWIN check read (robots.txt), kept whole

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class CheckQueue:
    """URLs to check, deduplicated, bounded. Remembers how many were left out."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.urls: dict[str, set[str]] = {}
        self.dropped = 0

    def add(self, url: str, purpose: str) -> None:
        purposes = self.urls.get(url)
        if purposes is not None:
            purposes.add(purpose)
        elif len(self.urls) < self.limit:
            self.urls[url] = {purpose}
        else:
            self.dropped += 1

    def add_all(self, wanted: Iterable[tuple[str, str]]) -> None:
        """(URL, purpose) pairs, as ``wanted`` picks them from a page."""
        for url, purpose in wanted:
            self.add(url, purpose)

    def collect(self, page: PageFacts, settings: CrawlSettings) -> None:
        self.add_all(wanted(page, settings))


def image_size(head: bytes, content_type: str | None) -> tuple[int, int] | None:
    """Width and height in pixels of a raster image (JPEG, PNG, GIF, WebP, AVIF, ...) from
    its first bytes, read by imagesize from the headers only; None when ``head`` is not
    such an image, or its size is not within it. SVG has no pixel size."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "image/svg+xml" or head.lstrip()[:1] == b"<":
        return None
    try:
        width, height = imagesize.get(io.BytesIO(head))
    except Exception:  # hostile bytes: no size, never a crash
        return None
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return width, height
    return None


def wanted(page: PageFacts, settings: CrawlSettings) -> list[tuple[str, str]]:
    """(URL, purpose) of every URL the collectors pick from one page: pure, so it runs
    where the page is extracted (crawl/digest.py)."""
    return [(url, purpose) for purpose, func in COLLECTORS.items() for url in func(page, settings)]


@collector("external-link")
def external_links(page: PageFacts, settings: CrawlSettings) -> Iterable[str]:
    """Links to other hosts, when the user asked for external links to be checked."""
    if not settings.check_external:
        return ()
    return (link.url for link in page.links if link.url is not None and not link.internal)


@collector("render-resource")
def render_resources(page: PageFacts, settings: CrawlSettings) -> Iterable[str]:
    """Stylesheets and scripts: Google needs them to render the page."""
    return (
        r.url for r in page.resources if r.url is not None and r.kind in ("stylesheet", "script")
    )


def has_twins(host: str) -> bool:
    """Whether ``host`` may have twin origins worth asking: hosts with an explicit port or
    on the loopback (development servers) have none, their twin would be a guess."""
    return not (":" in host or host == "localhost" or host.startswith(("127.", "[")))


def _twinned_start(page: PageFacts) -> tuple[str, str, str] | None:
    """(scheme, host, rest of the URL after "://") of a start page that ``has_twins``."""
    if page.depth != 0 or page.status != 200 or not page.is_html:
        return None
    scheme, _, rest = page.url.partition("://")
    host = rest.split("/", 1)[0]
    return (scheme, host, rest) if has_twins(host) else None


@collector("scheme-twin")
def scheme_twins(page: PageFacts, settings: CrawlSettings) -> Iterable[str]:
    """The other-scheme twin of a start page (http for https, https for http): whether
    http redirects to https is a fact of the site, not of a page."""
    start = _twinned_start(page)
    if start is None:
        return ()
    scheme, _, rest = start
    return (("http" if scheme == "https" else "https") + "://" + rest,)


def _registrable(labels: list[str]) -> bool:
    """Whether a host of these labels is a registered name (example.com, example.co.uk),
    not a subdomain (blog.example.com): a guess without the public suffix list."""
    if labels[-1].isdigit():  # an IPv4 address
        return False
    return len(labels) == name_labels(labels)


def _www_twin(host: str) -> str | None:
    """``host`` with "www." added or taken away, for registered names only: a subdomain's
    www twin (www.blog.example.com) would be a guess."""
    labels = host.split(".")
    if labels[0] == "www":
        return host[4:] if _registrable(labels[1:]) else None
    return "www." + host if _registrable(labels) else None


def twin_origins(scheme: str, host: str) -> list[str]:
    """The origins that mirror scheme://host when a site is set up carelessly: the other
    scheme, and the www (or bare) host on both schemes; none unless ``has_twins``."""
    if not has_twins(host):
        return []
    other = "http" if scheme == "https" else "https"
    twins = [f"{other}://{host}"]
    www = _www_twin(host)
    if www is not None:
        twins += [f"{scheme}://{www}", f"{other}://{www}"]
    return twins


@collector(ROBOTS_TWIN)
def robots_twins(page: PageFacts, settings: CrawlSettings) -> Iterable[str]:
    """The robots.txt of each twin origin of a start page (rule ROB014): each origin is
    its own robots.txt scope, and a mirror with other rules opens or closes the site."""
    start = _twinned_start(page)
    if start is None:
        return ()
    scheme, host, _ = start
    return (twin + "/robots.txt" for twin in twin_origins(scheme, host))
