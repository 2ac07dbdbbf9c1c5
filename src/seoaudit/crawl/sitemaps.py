"""Sitemaps: a streaming, hardened parser for XML, gzip and plain-text sitemap files.

Owns: turning the bytes of one sitemap file, fed chunk by chunk as they arrive, into a
``ParsedSitemap``: its kind (urlset, sitemap index, text, or an RSS 2.0 / Atom 1.0 feed,
which Google reads as sitemaps too), its entries (``loc`` as written
and normalised, ``lastmod``, hreflang alternates), a tally of its image, video and news
tags (sitemap_media.py) and every protocol violation found, as records. It also owns the
one definition of a valid ``<lastmod>`` (``parse_lastmod``).

Must not: do I/O (the crawl downloads and feeds bytes; the caller follows index entries),
judge entries against the crawl (scope, status, canonicals: rules do that), or raise on
anything a website sends. Every byte is adversarial, so:

- gzip is recognised by its magic bytes and inflated in bounded pieces; the 50 MB cap
  applies to the *uncompressed* size (sitemaps.org), so a gzip bomb costs ~50 MB of work;
- a DTD is refused before libxml2 sees it (``<!ENTITY`` in the prolog) and again at the
  root (any internal subset or external DTD), and entities are never resolved, so billion
  laughs and XXE do nothing; a deny-all resolver backs this up;
- the tree is pruned as elements end, so memory stays flat whatever the file's shape.

Protocol: https://www.sitemaps.org/protocol.html; Google:
https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap
(formats: XML, RSS 2.0 / mRSS / Atom 1.0, text). Feeds as Google reads them (Search Central
blog, "Best practices for XML sitemaps & RSS/Atom feeds", 2014): the URL of an RSS
``<item>`` is its ``<link>``, its date ``<pubDate>`` (RFC 822); of an Atom ``<entry>`` its
``<link href>``, its date ``<updated>`` (RFC 3339). Dates are kept as ISO 8601 so that one
``parse_lastmod`` reads every format.
"""

from __future__ import annotations

import email.utils
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Literal

from lxml import etree

from seoaudit.crawl.sitemap_media import MEDIA_TAGS, EntryMedia, MediaReader
from seoaudit.crawl.urls import MAX_URL_LENGTH, normalize

MAX_SITEMAP_BYTES = 52_428_800  # 50 MB uncompressed: the protocol limit (sitemaps.org)
MAX_SITEMAP_URLS = 50_000  # per file, urlset and index alike (sitemaps.org)
MAX_ERRORS_PER_KIND = 100  # errors kept per kind; ``error_counts`` has the full count

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
ATOM_NS = "http://www.w3.org/2005/Atom"

SitemapKind = Literal["urlset", "sitemapindex", "text", "feed", "unknown"]
ErrorKind = Literal[
    "xml-syntax",  # not well-formed XML (entries before the error are kept)
    "entities-forbidden",  # a DTD or ENTITY declaration: billion laughs, XXE
    "wrong-namespace",  # root not in SITEMAP_NS (entries still read)
    "undeclared-prefix",  # e.g. xhtml:link without xmlns:xhtml (SMP-020)
    "not-a-sitemap",  # root is not urlset/sitemapindex/rss/feed (an HTML page, junk)
    "unsupported-format",  # a feed Google does not read as a sitemap (RSS 1.0, Atom 0.3)
    "too-large",  # over max_bytes uncompressed: reading stopped
    "too-many-urls",  # over MAX_SITEMAP_URLS entries
    "gzip-error",  # corrupt or truncated gzip stream
    "bad-encoding",  # a text sitemap that is not UTF-8
    "missing-loc",  # an entry without <loc>
    "relative-url",  # loc without a scheme
    "invalid-url",  # loc that is not an absolute http(s) URL, or absurdly long
    "bad-lastmod",  # lastmod not in W3C Datetime (a feed's pubDate/updated unreadable)
    "empty",  # no entries at all
]

_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_PIECE = 65_536  # bytes handed to the XML parser (and out of zlib) per step
_SPACE = b" \t\r\n"
_FEED_ROOTS = {"rss", "feed", "RDF"}  # RSS 2.0 (and 0.9x), Atom, RSS 1.0
# The XML parser reports only these elements to Python ("{*}": any namespace or none).
_EVENT_TAGS = [f"{{*}}{name}" for name in ("urlset", "sitemapindex", "url", "sitemap", "html")]
_EVENT_TAGS += [f"{{*}}{name}" for name in (*_FEED_ROOTS, "channel", "item", "entry")]
_ROOT_WITHIN = 262_144  # a file whose root is not seen by then is not a sitemap
# Children one element may keep before the finished ones are dropped (an image sitemap
# entry legitimately has 2,000: 1,000 image:image with an image:loc each).
_MAX_KEPT = 10_000
_MAX_DEPTH = 260  # libxml2 stops at depth 256 without huge_tree
_ROLES = ("loc", "lastmod", "changefreq", "priority")
# Errors after which a file has no usable entries, so "empty" would only repeat them.
_FATAL = {"xml-syntax", "entities-forbidden", "not-a-sitemap", "unsupported-format"}
_FATAL |= {"too-large", "too-many-urls", "gzip-error"}
_XML_ENCODING = re.compile(rb"<\?xml\s[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})[\"']")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# W3C Datetime (https://www.w3.org/TR/NOTE-datetime): YYYY, YYYY-MM, YYYY-MM-DD, or a
# date with hh:mm[:ss[.s]] and a required time zone designator.
_W3C_DATETIME = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?"
)


@dataclass(frozen=True, slots=True)
class SitemapError:
    kind: ErrorKind
    message: str
    line: int | None = None  # 1-based line in the (uncompressed) file, when known


@dataclass(slots=True)
class SitemapEntry:
    """One ``<url>`` of a urlset, one ``<sitemap>`` of an index, or one line of a text file."""

    loc: str  # as written (stripped; cut at MAX_URL_LENGTH characters)
    url: str | None  # normalize(loc); None when not an absolute http(s) URL
    lastmod: str | None = None  # as written (stripped)
    line: int | None = None
    alternates: list[tuple[str, str]] = field(default_factory=list)  # (hreflang, href)


@dataclass
class ParsedSitemap:
    url: str  # the sitemap's own URL
    kind: SitemapKind
    entries: list[SitemapEntry]
    errors: list[SitemapError]  # at most MAX_ERRORS_PER_KIND per kind
    gzipped: bool
    size: int  # uncompressed bytes read
    truncated: bool  # reading stopped at a cap
    namespace: str | None
    error_counts: dict[str, int] = field(default_factory=dict)  # every error, by kind
    encoding: str | None = None  # XML: declared (lower-cased), else "utf-8"; text: "utf-8"
    changefreq_count: int = 0  # <changefreq>/<priority> are ignored by Google (SMP-014)
    priority_count: int = 0
    # Image, video and news extension tags: counts and problems (MediaReader.summary).
    media: dict[str, Any] = field(default_factory=dict)

    @property
    def urls(self) -> list[str]:
        """The entries' normalised URLs, invalid ones left out."""
        return [e.url for e in self.entries if e.url is not None]


@lru_cache(maxsize=4096)  # many entries share one lastmod
def parse_lastmod(value: str) -> datetime | None:
    """A ``<lastmod>`` as an aware datetime, or None if it is not W3C Datetime.

    Date-only values read as midnight UTC; a time without a zone is invalid (the W3C
    note requires the designator)."""
    match = _W3C_DATETIME.fullmatch(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, tzd = match.groups()
    try:
        tz = UTC
        if tzd and tzd != "Z":
            hours, minutes = int(tzd[1:3]), int(tzd[4:6])
            if hours > 23 or minutes > 59:
                return None
            sign = -1 if tzd[0] == "-" else 1
            tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        return datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=tz,
        )
    except ValueError:  # month 13, February 30, hour 25...
        return None


def lastmod_summary(entries: list[SitemapEntry], now: datetime) -> dict[str, Any]:
    """How a file's ``<lastmod>`` values look as a whole (rules judge them, SMP013): how
    many, how many distinct, the most common one, and how many lie in the future. A value
    counts as future only when over a day after ``now``, so time zones cannot cause it."""
    counts: dict[str, int] = {}
    future: list[dict[str, str]] = []
    future_count = 0
    for entry in entries:
        if entry.lastmod is None:
            continue
        counts[entry.lastmod] = counts.get(entry.lastmod, 0) + 1
        when = parse_lastmod(entry.lastmod)
        if when is not None and when > now + timedelta(days=1):
            future_count += 1
            if len(future) < 5:
                future.append({"loc": entry.loc[:300], "lastmod": entry.lastmod[:64]})
    top = max(counts.items(), key=lambda item: item[1], default=None)
    return {
        "count": sum(counts.values()),
        "distinct": len(counts),
        "most_common": top[0][:64] if top else None,
        "most_common_count": top[1] if top else 0,
        "future": future_count,
        "future_examples": future,
    }


class _Collector:
    """Entries and errors as they are found; validates each entry once."""

    def __init__(self, max_entries: int, now: datetime) -> None:
        self.max_entries = max_entries
        self.media = MediaReader(now, parse_lastmod)
        self.entries: list[SitemapEntry] = []
        self.errors: list[SitemapError] = []
        self.counts: dict[str, int] = {}
        self.overflow = False  # an entry arrived beyond max_entries
        self.changefreq = 0
        self.priority = 0
        self.date_format = "W3C Datetime"  # what a lastmod must be, for the error's words

    def error(self, kind: ErrorKind, message: str, line: int | None = None) -> None:
        count = self.counts.get(kind, 0) + 1
        self.counts[kind] = count
        if count <= MAX_ERRORS_PER_KIND:
            self.errors.append(SitemapError(kind, message, line))

    def has(self, kind: ErrorKind) -> bool:
        return kind in self.counts

    def entry(
        self,
        loc: str | None,
        lastmod: str | None,
        line: int | None,
        alternates: list[tuple[str, str]],
        length: int | None = None,
    ) -> None:
        """Record one entry; ``length`` is the loc's real length when ``loc`` was cut."""
        if len(self.entries) >= self.max_entries:
            self.overflow = True
            return
        loc = (loc or "").strip()
        url = self._check_loc(loc, line, length or len(loc))
        if lastmod is not None:
            lastmod = lastmod.strip()
            if parse_lastmod(lastmod) is None:
                wanted = self.date_format
                self.error("bad-lastmod", f"lastmod {lastmod[:64]!r} is not {wanted}", line)
        self.entries.append(SitemapEntry(loc[:MAX_URL_LENGTH], url, lastmod, line, alternates))

    def _check_loc(self, loc: str, line: int | None, length: int) -> str | None:
        if not loc:
            self.error("missing-loc", "entry without a <loc> URL", line)
            return None
        if length > MAX_URL_LENGTH:
            self.error("invalid-url", f"loc is too long ({length:,} characters)", line)
            return None
        url = normalize(loc)
        if url is None:
            # Sitemap URLs must be absolute: Google crawls them exactly as listed.
            if _SCHEME.match(loc) is None:
                self.error("relative-url", f"loc {loc[:200]!r} is not absolute", line)
            else:
                self.error("invalid-url", f"loc {loc[:200]!r} is not an http(s) URL", line)
        return url


class _Gunzip:
    """Incremental gzip inflation in pieces of at most _PIECE bytes, so the caller can stop
    at its cap before a bomb expands. Members of a multi-member stream are read in turn;
    bytes after the last member are ignored, as gzip(1) does."""

    def __init__(self) -> None:
        self._z = zlib.decompressobj(wbits=31)  # 31: gzip header and trailer only
        self._rest = b""  # bytes after a member's end, too few to tell a new member
        self._garbage = False

    @property
    def complete(self) -> bool:
        return self._z.eof

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Inflate ``data``; raises zlib.error on a corrupt stream."""
        data, self._rest = self._rest + data, b""
        while not self._garbage:
            if self._z.eof:
                if len(data) < 2:
                    self._rest = data
                    return
                if not data.startswith(_GZIP_MAGIC):
                    self._garbage = True
                    return
                self._z = zlib.decompressobj(wbits=31)
            out = self._z.decompress(data, _PIECE)
            data = self._z.unused_data if self._z.eof else self._z.unconsumed_tail
            if out:
                yield out
            # A full piece may leave output inside zlib even when all input is consumed.
            if not data and len(out) < _PIECE:
                return


class _DenyResolver(etree.Resolver):
    """Answers any request for an external DTD or entity with nothing. The parser options
    already forbid loading them; this holds even if an option or libxml2 changes."""

    def __init__(self, on_request: Callable[[str], None]) -> None:
        super().__init__()
        self._on_request = on_request

    def resolve(self, system_url: str, public_id: str, context: Any = None) -> Any:
        self._on_request(system_url or public_id or "")
        return self.resolve_string("", context, base_url=None)


def _split(tag: object) -> tuple[str | None, str]:
    """(namespace, local name) of a tag."""
    text = str(tag)
    if text.startswith("{"):
        ns, _, local = text[1:].partition("}")
        return ns, local
    return None, text


@dataclass(slots=True)
class _Fields:
    """What one entry's children said, gathered before the entry ends."""

    loc: str | None = None
    lastmod: str | None = None
    alternates: list[tuple[str, str]] = field(default_factory=list)
    media: EntryMedia = field(default_factory=EntryMedia)


class _XmlReader:
    """urlset / sitemapindex XML through lxml's pull parser.

    Python sees only the root and entry elements (lxml filters events by tag in C), so a
    file of junk elements costs libxml2 time, not Python time. Memory stays flat because
    read entries are dropped at once and, after every piece, everything but the open
    element of each level is dropped (only the last child of a level can still be open)."""

    def __init__(self, sink: _Collector, line_offset: int, encoding: str) -> None:
        self._sink = sink
        self._offset = line_offset
        self.encoding = encoding
        # Never pass collect_ids=False: libxml2 then loads the external DTD subset (it
        # reads file:// even with no_network), checked in tests/test_sitemaps.py.
        self._parser = etree.XMLPullParser(
            events=("start", "end"),
            tag=_EVENT_TAGS,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,  # keeps libxml2's limits: 10 MB text nodes, depth 256
            remove_comments=True,
            remove_pis=True,
        )
        self._parser.resolvers.add(_DenyResolver(self._external))
        self.kind: SitemapKind = "unknown"
        self.namespace: str | None = None
        self.failed = False  # parsing is over; later bytes are only counted
        self.stop = False  # later bytes cannot change the result
        self._root: etree._Element | None = None
        # The element whose children are the entries: the root, or an RSS <channel>.
        self._parent: etree._Element | None = None
        self._rss = False
        self._fed = 0
        self._prolog_tail = b""
        self._entry_tags: set[str] = set()
        self._roles: dict[str, str] = {}  # qualified child tag -> "loc", "lastmod"...
        self._partial: tuple[etree._Element, _Fields] | None = None  # an oversized entry
        self._stray = 0  # <url>/<sitemap> elements elsewhere than under the root

    def feed(self, data: bytes) -> None:
        if self.failed:
            return
        if self._root is None and self._declares_entities(data):
            return self._refuse("the file declares entities (<!ENTITY>)", None)
        self._fed += len(data)
        try:
            self._parser.feed(data)
        except (etree.LxmlError, ValueError) as exc:
            self._drain()
            self._fail(exc)
        else:
            self._drain()
            self._prune()

    def close(self, cut: bool) -> None:
        """End of input; ``cut`` when reading stopped early (the end is missing by design)."""
        if self.failed:
            return
        try:
            root = self._parser.close()
        except (etree.LxmlError, ValueError) as exc:
            self._drain()
            if not cut:
                self._fail(exc)
        else:
            self._drain()
            if self._root is None and isinstance(root, etree._Element):
                self._take_root(root)  # a root that raised no event: not a sitemap
        self.failed = True

    def _declares_entities(self, data: bytes) -> bool:
        # Refuse a DTD with entities before libxml2 parses it (billion laughs, XXE). Only
        # the prolog is scanned; the root check catches encodings a byte scan cannot read.
        window = self._prolog_tail + data
        self._prolog_tail = window[-8:]
        return b"<!ENTITY" in window

    def _external(self, url: str) -> None:
        self._refuse(f"the file asks for an external DTD or entity {url[:200]!r}", None)

    def _refuse(self, why: str, line: int | None) -> None:
        if not self._sink.has("entities-forbidden"):
            self._sink.error("entities-forbidden", f"{why}: refused, nothing expanded", line)
        self.failed = self.stop = True

    def _fail(self, exc: Exception) -> None:
        if self.failed:
            return
        message = re.sub(r", line \d+, column \d+$", "", str(getattr(exc, "msg", exc)))
        lineno = getattr(exc, "lineno", None)
        line = lineno + self._offset if isinstance(lineno, int) and lineno > 0 else None
        code = getattr(exc, "code", 0)
        if code in (etree.ErrorTypes.ERR_ENTITY_LOOP, etree.ErrorTypes.ERR_ENTITY_IS_EXTERNAL):
            return self._refuse(message, line)
        if "amplification" in message:  # libxml2's billion-laughs guard
            return self._refuse(message, line)
        # libxml2 reports namespace errors (200-299) once the document is complete.
        kind: ErrorKind = "undeclared-prefix" if 200 <= code < 300 else "xml-syntax"
        self._sink.error(kind, message, line)
        self.failed = True

    def _drain(self) -> None:
        for event, el in self._parser.read_events():
            if self.stop or not isinstance(el, etree._Element):
                return
            if self._root is None and not self._take_root(el.getroottree().getroot()):
                return
            parent = el.getparent()
            if event == "start":
                if self._rss and self._parent is None and parent is self._root:
                    self._parent = el  # the <channel> holding the items
                continue
            if parent is None or el is self._parent:
                continue  # the root's end, or the channel's
            if parent is not self._parent:
                # A <url> nested elsewhere is not an entry, but still costs an event.
                self._stray += 1
                if self._stray > self._sink.max_entries:
                    self._sink.overflow = True
                continue
            self._entry(el)
            el.clear()
            while el.getprevious() is not None:
                del parent[0]

    def _prune(self) -> None:
        root = self._root
        if root is None:
            if self._fed > _ROOT_WITHIN:
                message = f"no <urlset> or <sitemapindex> in the first {_ROOT_WITHIN:,} bytes"
                self._sink.error("not-a-sitemap", message)
                self.failed = self.stop = True
            return
        if len(root) > 1:
            del root[:-1]  # entries are read already; anything else is not protocol
        node = root
        if self._parent is not None and self._parent is not root and root[-1] is self._parent:
            node = self._parent  # RSS: the same below the channel
            if len(node) > 1:
                del node[:-1]
        for _ in range(_MAX_DEPTH):
            if not len(node):
                return
            child = node[-1]
            if len(child) > _MAX_KEPT:
                if node is self._parent:
                    self._rescue(child)
                del child[:-1]
            node = child

    def _take_root(self, root: etree._Element) -> bool:
        """Check the root element; False when the file is refused."""
        self._root = root
        ns, local = _split(root.tag)
        self.namespace = ns
        info: Any = root.getroottree().docinfo
        line = self._lineno(root)
        feed = local == "rss" or (local == "feed" and ns == ATOM_NS)
        if local not in ("urlset", "sitemapindex") and not feed:
            if local == "RDF":
                why = "an RSS 1.0 (RDF) feed: Google reads RSS 2.0 and Atom 1.0 feeds"
                self._sink.error("unsupported-format", why, line)
            elif local == "feed":
                found = f"namespace {ns[:100]!r}" if ns else "no namespace"
                why = f"a <feed> in {found}: not Atom 1.0 ({ATOM_NS}), which Google reads"
                self._sink.error("unsupported-format", why, line)
            else:
                self._sink.error("not-a-sitemap", f"root element is <{local[:100]}>", line)
            self.failed = self.stop = True
            return False
        self.kind = "feed" if feed else "urlset" if local == "urlset" else "sitemapindex"
        dtd = info.internalDTD
        if info.system_url or info.public_id or (dtd is not None and any(dtd.iterentities())):
            self._refuse("the file carries a DTD", line)
            return False
        if feed:
            return self._take_feed(root, ns, local)
        self._parent = root
        if ns != SITEMAP_NS:
            found = f"namespace {ns!r}" if ns else "no namespace"
            self._sink.error("wrong-namespace", f"<{local}> has {found}, not {SITEMAP_NS}", line)
        # Children are matched by qualified tag, in the sitemap namespace or the root's.
        spaces = {f"{{{SITEMAP_NS}}}", f"{{{ns}}}" if ns else ""}
        entry = "url" if local == "urlset" else "sitemap"
        self._entry_tags = {prefix + entry for prefix in spaces}
        self._roles = {prefix + role: role for prefix in spaces for role in _ROLES}
        self._roles[f"{{{XHTML_NS}}}link"] = "link"
        self._roles["xhtml:link"] = "link"  # prefix not declared (reported at the end)
        if entry == "url":  # image, video and news tags belong in a <url> only
            self._roles.update(MEDIA_TAGS)
        return True

    def _take_feed(self, root: etree._Element, ns: str | None, local: str) -> bool:
        """RSS: entries are the <item>s of the <channel>; Atom: the <entry>s of the root."""
        prefix = f"{{{ns}}}" if ns else ""
        if local == "rss":
            self._rss = True
            self._sink.date_format = "an RFC 822 date (RSS <pubDate>)"
            self._entry_tags = {prefix + "item", "item"}
            self._roles = {prefix + "link": "loc", "link": "loc"}
            self._roles |= {prefix + "pubDate": "pubdate", "pubDate": "pubdate"}
        else:
            self._parent = root
            self._sink.date_format = "an RFC 3339 date-time (Atom <updated>)"
            self._entry_tags = {prefix + "entry"}
            self._roles = {prefix + "link": "atomlink", prefix + "updated": "lastmod"}
        return True

    def _entry(self, el: etree._Element) -> None:
        if el.tag not in self._entry_tags:
            return  # e.g. a <sitemap> in a urlset
        fields = _Fields()
        if self._partial is not None and self._partial[0] is el:
            fields = self._partial[1]
            self._partial = None
        self._read(el, fields)
        line = self._lineno(el)
        self._sink.entry(fields.loc, fields.lastmod, line, fields.alternates)
        if fields.media.counts:
            self._sink.media.finish((fields.loc or "").strip(), line, fields.media)

    def _rescue(self, entry: etree._Element) -> None:
        """Read the finished children of an oversized open entry before they are dropped."""
        if self._partial is None or self._partial[0] is not entry:
            self._partial = (entry, _Fields())
        self._read(entry, self._partial[1], skip=entry[-1])

    def _read(self, el: etree._Element, fields: _Fields, skip: object = None) -> None:
        # Few children: a plain loop; many (junk, images): let lxml filter them in C.
        children = el if len(el) <= 16 else el.iterchildren(tag=list(self._roles))
        for child in children:
            role = self._roles.get(child.tag) if isinstance(child.tag, str) else None
            if role is None or child is skip:
                continue
            if role == "loc":
                fields.loc = child.text or "" if fields.loc is None else fields.loc
            elif role == "lastmod":
                fields.lastmod = child.text or "" if fields.lastmod is None else fields.lastmod
            elif role == "atomlink":  # the page is the link with rel="alternate" (the default)
                rel = (child.get("rel") or "alternate").strip().lower()
                if rel == "alternate" and fields.loc is None:
                    fields.loc = child.get("href") or ""
            elif role == "pubdate" and fields.lastmod is None:
                fields.lastmod = _rfc822(child.text or "")
            elif role == "changefreq":
                self._sink.changefreq += 1
            elif role == "priority":
                self._sink.priority += 1
            elif role in ("image", "video", "news"):
                self._sink.media.read(role, child, fields.media)
            elif child.get("rel", "").strip().lower() == "alternate":
                lang, href = child.get("hreflang"), child.get("href")
                if lang and href:
                    fields.alternates.append((lang.strip(), href.strip()))

    def _lineno(self, el: etree._Element) -> int | None:
        line = el.sourceline
        return line + self._offset if isinstance(line, int) and line > 0 else None


def _rfc822(text: str) -> str:
    """An RSS ``<pubDate>`` (RFC 822: "Mon, 27 Jun 2011 19:34:00 +0100") as ISO 8601, so
    that ``parse_lastmod`` reads it; as written when it is no such date (bad-lastmod)."""
    try:
        when = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return text
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()


class _TextReader:
    """A text sitemap: one absolute URL per line, UTF-8 (sitemaps.org, "Text file")."""

    kind: SitemapKind = "text"
    stop = False
    _MAX_LINE = MAX_URL_LENGTH * 4  # bytes kept of one line: MAX_URL_LENGTH in UTF-8

    def __init__(self, sink: _Collector, line_offset: int) -> None:
        self._sink = sink
        self._line = line_offset
        self._buf = bytearray()
        self._dropped = 0  # bytes of the current line beyond _MAX_LINE
        self._after_cr = False  # the last chunk ended in CR

    def feed(self, data: bytes) -> None:
        # Lines end in LF, CRLF or a lone CR (old Mac files): one URL each, never joined.
        if self._after_cr and data[:1] == b"\n":
            data = data[1:]  # the LF of a CRLF split between two chunks
        self._after_cr = data[-1:] == b"\r"
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            self._append(data[start:end])
            self._emit()
            start = end + 1
        self._append(data[start:])

    def close(self, cut: bool) -> None:
        if not cut:  # a line cut by a cap is incomplete: drop it
            self._emit()

    def _append(self, part: bytes) -> None:
        room = max(self._MAX_LINE - len(self._buf), 0)
        self._buf += part[:room]
        self._dropped += max(len(part) - room, 0)

    def _emit(self) -> None:
        self._line += 1
        raw, length = bytes(self._buf).strip(), len(self._buf) + self._dropped
        self._buf.clear()
        self._dropped, dropped = 0, self._dropped
        if not raw:
            return
        try:
            loc = raw.decode("utf-8")
        except UnicodeDecodeError:
            self._sink.error("bad-encoding", "line is not UTF-8", self._line)
            loc = raw.decode("utf-8", errors="replace")
        self._sink.entry(loc, None, self._line, [], length if dropped else None)


class SitemapParser:
    """Parses one sitemap file fed as raw bytes, as they arrive. Never raises on bad input.

    Usage: ``feed()`` each chunk off the wire (stop early once ``done``), then ``close()``.
    """

    def __init__(
        self,
        url: str,
        *,
        max_bytes: int = MAX_SITEMAP_BYTES,
        max_entries: int = MAX_SITEMAP_URLS * 2,
        now: datetime | None = None,
    ) -> None:
        """``now``: when the file is read (news older than two days by then is stale)."""
        self.url = url
        self._max_bytes = max_bytes
        self._sink = _Collector(max_entries, now or datetime.now(UTC))
        self._head = b""  # the first bytes, until gzip or not is decided
        self._decided = False
        self._gunzip: _Gunzip | None = None
        self._reader: _XmlReader | _TextReader | None = None
        self._bom = b""  # a possible UTF-8 BOM, until three bytes are in
        self._bom_done = False
        self._skipped_lines = 0  # newlines in leading whitespace (dropped)
        self._skipped = False
        self._first = bytearray()  # the first bytes after whitespace, until a reader opens
        self._size = 0
        self._truncated = False
        self._stopped = False
        self._result: ParsedSitemap | None = None

    @property
    def done(self) -> bool:
        """True once further bytes cannot change the result (a cap was hit, the gzip
        stream broke, or the file is refused): the caller may stop downloading."""
        return self._stopped

    def feed(self, chunk: bytes) -> None:
        if self._stopped or self._result is not None or not chunk:
            return
        if not self._decided:
            self._head += chunk
            if len(self._head) < len(_GZIP_MAGIC):
                return
            chunk, self._head, self._decided = self._head, b"", True
            if chunk.startswith(_GZIP_MAGIC):
                self._gunzip = _Gunzip()
        if self._gunzip is None:
            for start in range(0, len(chunk), _PIECE):
                self._take(chunk[start : start + _PIECE])
                if self._stopped:
                    return
        else:
            self._inflate(chunk)

    def close(self) -> ParsedSitemap:
        if self._result is None:
            self._finish_input()
            self._result = self._build()
        return self._result

    def _inflate(self, data: bytes) -> None:
        assert self._gunzip is not None
        try:
            for piece in self._gunzip.feed(data):
                self._take(piece)
                if self._stopped:
                    return
        except zlib.error as exc:
            self._sink.error("gzip-error", f"corrupt gzip stream: {exc}")
            self._stopped = True

    def _take(self, piece: bytes) -> None:
        """Count uncompressed bytes against the cap and hand them on."""
        room = self._max_bytes - self._size
        if len(piece) > room:
            # The protocol limit is on uncompressed size; keep what fits, then stop.
            self._size += room
            self._deliver(piece[:room])
            limit = f"{self._max_bytes:,}"
            self._sink.error("too-large", f"over {limit} bytes uncompressed: reading stopped")
            self._truncated = self._stopped = True
            return
        self._size += len(piece)
        self._deliver(piece)
        if self._sink.overflow:
            self._truncated = self._stopped = True
        elif self._reader is not None and self._reader.stop:
            self._stopped = True

    def _deliver(self, data: bytes) -> None:
        if data and self._reader is not None:
            self._reader.feed(data)
        elif data:
            self._sniff(data)

    def _sniff(self, data: bytes) -> None:
        """Skip a UTF-8 BOM and leading whitespace, then collect the first bytes: enough
        to see an XML declaration whole, whatever the chunk boundaries."""
        if not self._bom_done:
            data, self._bom = self._bom + data, b""
            if len(data) < len(_UTF8_BOM) and _UTF8_BOM.startswith(data):
                self._bom = data
                return
            self._bom_done = True
            if data.startswith(_UTF16_BOMS):  # UTF-16 XML: libxml2 decodes it
                self._reader = _XmlReader(self._sink, 0, "utf-16")
                return self._reader.feed(data)
            data = data.removeprefix(_UTF8_BOM)
        if not self._first:
            stripped = data.lstrip(_SPACE)
            self._skipped_lines += data.count(b"\n", 0, len(data) - len(stripped))
            self._skipped = self._skipped or len(stripped) < len(data)
            data = stripped
        self._first += data
        if self._first[:1] == b"<" and b"?>" not in self._first and len(self._first) < 256:
            return
        self._open()

    def _open(self) -> None:
        """Choose XML or text from the first bytes and hand them to that reader."""
        first, self._first = bytes(self._first), bytearray()
        if not first:
            return
        if first[0] == ord("<"):
            if self._skipped and re.match(rb"<\?xml\s", first):
                message = "whitespace before the XML declaration (read anyway)"
                self._sink.error("xml-syntax", message, 1)
            declared = _XML_ENCODING.match(first)
            encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
            self._reader = _XmlReader(self._sink, self._skipped_lines, encoding)
        elif first[0] >= 0x20 and first[0] != 0x7F:
            self._reader = _TextReader(self._sink, self._skipped_lines)
        else:
            self._sink.error("not-a-sitemap", "binary data, neither XML nor text")
            self._stopped = True
            return
        self._reader.feed(first)

    def _finish_input(self) -> None:
        if not self._decided and self._head:  # a one-byte file
            self._decided = True
            self._take(self._head)
        if self._gunzip is not None and not self._stopped:
            self._inflate(b"")  # flush what zlib still holds
            if not self._stopped and not self._gunzip.complete:
                self._sink.error("gzip-error", "truncated gzip stream (no end-of-stream marker)")
        if self._bom and not self._stopped:  # one or two bytes that only looked like a BOM
            self._bom_done = True
            self._deliver(self._bom)
        if self._reader is None and not self._stopped:
            self._open()  # a file shorter than its awaited XML declaration
        if self._reader is not None:
            # Content cut by a cap or by a broken gzip stream has no proper end.
            self._reader.close(cut=self._truncated or self._sink.has("gzip-error"))

    def _build(self) -> ParsedSitemap:
        sink, reader = self._sink, self._reader
        count = len(sink.entries)
        if sink.overflow:
            limit = f"{MAX_SITEMAP_URLS:,}"
            stopped = f"over {sink.max_entries:,} entries (the limit is {limit}): reading stopped"
            sink.error("too-many-urls", stopped)
        elif count > MAX_SITEMAP_URLS:
            line = sink.entries[MAX_SITEMAP_URLS].line
            limit = f"{MAX_SITEMAP_URLS:,}"
            sink.error("too-many-urls", f"{count:,} entries; the limit is {limit}", line)
        if count == 0 and not sink.counts.keys() & _FATAL:
            sink.error("empty", "no entries" if reader is not None else "the file is empty")
        xml = reader if isinstance(reader, _XmlReader) else None
        return ParsedSitemap(
            url=self.url,
            kind=reader.kind if reader is not None else "unknown",
            entries=sink.entries,
            errors=sink.errors,
            gzipped=self._gunzip is not None,
            size=self._size,
            truncated=self._truncated,
            namespace=xml.namespace if xml is not None else None,
            error_counts=dict(sink.counts),
            encoding=xml.encoding if xml is not None else ("utf-8" if reader else None),
            changefreq_count=sink.changefreq,
            priority_count=sink.priority,
            media=sink.media.summary(),
        )


def parse_sitemap(
    url: str,
    data: bytes,
    *,
    max_bytes: int = MAX_SITEMAP_BYTES,
    max_entries: int = MAX_SITEMAP_URLS * 2,
    now: datetime | None = None,
) -> ParsedSitemap:
    """Parse a whole sitemap file held in memory (see SitemapParser)."""
    parser = SitemapParser(url, max_bytes=max_bytes, max_entries=max_entries, now=now)
    parser.feed(data)
    return parser.close()
