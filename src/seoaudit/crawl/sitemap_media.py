"""Sitemap extensions: Google's image, video and news tags inside a urlset's ``<url>``.

Owns: what one ``image:image``, ``video:video`` or ``news:news`` element lacks or holds,
and the per-file tally of those problems, so rules SMP017-SMP019 can judge them. A file
may hold 50,000 URLs and a URL 100,000 images, so the tally keeps counts and a few
examples, never a list per URL.

Must not: parse bytes (sitemaps.py hands over finished elements, children of a ``<url>``
only) or decide severities (the rules do).

Google: https://developers.google.com/search/docs/crawling-indexing/sitemaps/image-sitemaps,
.../video-sitemaps and .../news-sitemap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lxml import etree

IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
VIDEO_NS = "http://www.google.com/schemas/sitemap-video/1.1"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
# The element each extension adds to a <url>, by qualified tag.
MEDIA_TAGS = {
    f"{{{IMAGE_NS}}}image": "image",
    f"{{{VIDEO_NS}}}video": "video",
    f"{{{NEWS_NS}}}news": "news",
}
MAX_IMAGES_PER_URL = 1000  # Google: up to 1,000 image:image per <url>
MAX_NEWS_PER_FILE = 1000  # Google: up to 1,000 news:news per news sitemap
NEWS_MAX_AGE = timedelta(days=2)  # Google: only articles published in the last two days
# Google removed these image tags in 2022: they are ignored, not errors.
DEPRECATED_IMAGE_TAGS = ("caption", "title", "geo_location", "license")
VIDEO_REQUIRED = ("thumbnail_loc", "title", "description")
MAX_EXAMPLES = 5  # places kept per problem; the count is complete


@dataclass(slots=True)
class EntryMedia:
    """What the extension elements of one ``<url>`` said, before the entry ends."""

    counts: dict[str, int] = field(default_factory=dict)  # "image" -> elements
    problems: dict[str, int] = field(default_factory=dict)  # "image:no-loc" -> elements
    detail: dict[str, str] = field(default_factory=dict)  # problem -> first value shown


def _texts(el: etree._Element, ns: str) -> dict[str, str]:
    """Local name -> stripped text of ``el``'s children in ``ns`` (the first of each)."""
    found: dict[str, str] = {}
    for child in el.iterchildren(tag=f"{{{ns}}}*"):
        local = str(child.tag).rpartition("}")[2]
        found.setdefault(local, (child.text or "").strip())
    return found


class MediaReader:
    """Reads extension elements as entries finish and tallies problems per file.

    ``now`` is when the file was read: news articles older than NEWS_MAX_AGE by then are
    stale. ``parse_date`` reads a W3C Datetime (sitemaps.parse_lastmod)."""

    def __init__(self, now: datetime, parse_date: Callable[[str], datetime | None]) -> None:
        self._now = now
        self._parse_date = parse_date
        self.counts: dict[str, int] = {}
        self.problems: dict[str, dict[str, Any]] = {}

    def read(self, role: str, el: etree._Element, media: EntryMedia) -> None:
        """One finished ``image:image``, ``video:video`` or ``news:news`` of an entry."""
        media.counts[role] = media.counts.get(role, 0) + 1
        if role == "image":
            self._image(el, media)
        elif role == "video":
            self._video(el, media)
        else:
            self._news(el, media)

    def finish(self, loc: str, line: int | None, media: EntryMedia) -> None:
        """The entry ended: add what it said to the file's tally."""
        for role, count in media.counts.items():
            self.counts[role] = self.counts.get(role, 0) + count
        images = media.counts.get("image", 0)
        if images > MAX_IMAGES_PER_URL:
            self._add("image:too-many", 1, loc, line, str(images))
        if media.counts.get("news", 0) > 1:
            self._add("news:several", 1, loc, line, str(media.counts["news"]))
        for problem, count in media.problems.items():
            self._add(problem, count, loc, line, media.detail.get(problem))

    def summary(self) -> dict[str, Any]:
        """The file's tally, JSON-ready: element counts and problems with examples."""
        return {"counts": dict(self.counts), "problems": self.problems} if self.counts else {}

    def _add(self, problem: str, count: int, loc: str, line: int | None, value: str | None) -> None:
        found = self.problems.setdefault(problem, {"count": 0, "examples": []})
        found["count"] += count
        if len(found["examples"]) < MAX_EXAMPLES:
            example: dict[str, Any] = {"loc": loc[:300], "line": line, "count": count}
            if value is not None:
                example["value"] = value[:100]
            found["examples"].append(example)

    @staticmethod
    def _flag(media: EntryMedia, problem: str, value: str | None = None) -> None:
        media.problems[problem] = media.problems.get(problem, 0) + 1
        if value is not None:
            media.detail.setdefault(problem, value)

    def _image(self, el: etree._Element, media: EntryMedia) -> None:
        found = _texts(el, IMAGE_NS)
        if not found.get("loc"):
            self._flag(media, "image:no-loc")
        for tag in DEPRECATED_IMAGE_TAGS:
            if tag in found:
                self._flag(media, f"image:deprecated:{tag}")

    def _video(self, el: etree._Element, media: EntryMedia) -> None:
        found = _texts(el, VIDEO_NS)
        for tag in VIDEO_REQUIRED:
            if not found.get(tag):
                self._flag(media, f"video:no-{tag}")
        if not found.get("content_loc") and not found.get("player_loc"):
            self._flag(media, "video:no-content_loc-or-player_loc")

    def _news(self, el: etree._Element, media: EntryMedia) -> None:
        found = _texts(el, NEWS_NS)
        publication = el.find(f"{{{NEWS_NS}}}publication")
        named = _texts(publication, NEWS_NS) if publication is not None else {}
        for tag in ("name", "language"):
            if not named.get(tag):
                self._flag(media, f"news:no-{tag}")
        if not found.get("title"):
            self._flag(media, "news:no-title")
        published = found.get("publication_date")
        if not published:
            self._flag(media, "news:no-publication_date")
            return
        when = self._parse_date(published)
        if when is None:
            self._flag(media, "news:bad-publication_date", published)
        elif when < self._now - NEWS_MAX_AGE:
            self._flag(media, "news:stale", published)
