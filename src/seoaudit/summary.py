"""PageSummary: the facts of a page that rules compare across the whole site, kept compact.

A summary is made where the page is extracted (a worker process during the crawl) and
stored next to the page's facts as a small JSON array (``pack``), so that building every
page's summary after the crawl (``Site.summaries``) reads a few hundred bytes per page
instead of decompressing and validating its whole facts. Indexability needs the whole
crawl, so it is added when the summary is read (``unpack``).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field, fields

from seoaudit.indexing import canonical_target, hreflang_annotations
from seoaudit.models import PageFacts
from seoaudit.structured.health import page_items


@dataclass(slots=True)
class PageSummary:
    """The facts site rules compare across pages, built once per Site (``Site.summaries``)
    and shared by every rule. Add a field here when a site rule needs one more fact of
    every page (run files stored without it are summarised from their facts: see
    ``Site.summaries``)."""

    url: str
    status: int | None
    indexability: str
    content_type: str | None
    is_html: bool
    title: str | None
    title_count: int
    meta_description: str | None
    h1: list[str]
    canonical: str | None  # the canonical Google would read (indexing.canonical_target)
    fingerprint: str | None
    simhash: int | None
    word_count: int
    lang: str | None
    hreflangs: list[tuple[str, str]]  # (lang as written, resolved url)
    ttfb: float | None
    size: int
    # (lang as written, resolved url) of the annotations Google reads (head and Link header)
    hreflangs_read: list[tuple[str, str]] = field(default_factory=list)
    download: float | None = None  # seconds from first byte to the end of the body
    refresh: str | None = None  # <meta http-equiv=refresh> content, else a Refresh header
    skeleton: str | None = None  # body structure hash: templates.py groups pages by it
    # (item key, type) of each structured-data item (structured/health.py)
    structured_items: list[tuple[str, str]] = field(default_factory=list)
    # Every @type of the page's structured data, nested included, sorted (``seoaudit diff``)
    sd_types: list[str] = field(default_factory=list)


# What ``pack`` stores, in this order: every field but the URL (stored with the page) and
# indexability (known only after the crawl).
_PACKED = tuple(f.name for f in fields(PageSummary) if f.name not in ("url", "indexability"))
_PAIRS = ("hreflangs", "hreflangs_read", "structured_items")  # JSON arrays back to tuples
# A mark of the layout first: a summary packed by another version of this list is not
# read, but rebuilt from the page's facts.
_LAYOUT = zlib.crc32(",".join(_PACKED).encode())


def summarise(page: PageFacts, indexability: str | None) -> PageSummary:
    return PageSummary(
        url=page.url,
        status=page.status,
        indexability=indexability or "",
        content_type=page.content_type,
        is_html=page.is_html,
        title=page.titles[0] if page.titles else None,
        title_count=len(page.titles),
        meta_description=page.meta_descriptions[0] if page.meta_descriptions else None,
        h1=[h.text for h in page.headings if h.level == 1],
        canonical=canonical_target(page),
        fingerprint=page.fingerprint,
        simhash=page.simhash,
        word_count=page.word_count,
        lang=page.lang,
        hreflangs=[(h.lang, h.url) for h in page.hreflangs if h.url],
        ttfb=page.ttfb,
        size=page.size,
        skeleton=page.skeleton,
        structured_items=page_items(page),
        hreflangs_read=[(h.lang, h.url) for h in hreflang_annotations(page) if h.url],
        download=page.download,
        refresh=page.meta_refresh or page.header("refresh"),
        sd_types=sorted({t for block in page.structured_data for t in block.types}),
    )


def pack(page: PageFacts) -> bytes:
    """The page's summary as stored with it (pure: runs in the extraction workers)."""
    summary = summarise(page, None)
    values = [_LAYOUT, *(getattr(summary, name) for name in _PACKED)]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()


def unpack(url: str, indexability: str | None, blob: bytes) -> PageSummary | None:
    """The summary ``pack`` stored; None when it was packed by another layout."""
    values = json.loads(blob)
    if not values or values[0] != _LAYOUT:
        return None
    known = dict(zip(_PACKED, values[1:], strict=True))
    for name in _PAIRS:
        known[name] = [(a, b) for a, b in known[name]]
    return PageSummary(url=url, indexability=indexability or "", **known)
