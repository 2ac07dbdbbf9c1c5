"""Templates: which pages were rendered by the same page template, recognised from the pages.

A developer fixes "every product page misses offers.priceCurrency" in one template, so
findings on those pages should be one issue, not 4,000. Nothing is configured: a template
is recognised from two facts every page carries.

- **The URL pattern.** Each path segment has a shape: ``123`` is ``{id}``, ``3f2a9c0d1e``
  is ``{hash}``, ``alpine-tent-42`` is ``{slug}-{id}``, anything else ``{slug}``; a file
  extension is kept (``{slug}.html``). Pages of one template share the segment count and,
  at each position, either the same literal segment or the same shape.
- **The skeleton** (``extract/skeleton.py``): a hash of the body's tag/class structure.

Recognition: the 200 HTML pages are grouped by (host, segment count, trailing slash,
query keys, skeleton); each group's pattern keeps the segments its pages share and
replaces the others by their shape. Groups of different skeletons whose pattern is the
same are merged when the pattern is *distinctive* (it has a literal segment, or a shape
other than a bare ``{slug}``): ``/p/{slug}-{id}.html`` is one route whatever optional
blocks (reviews, a video) a page shows, while ``/{slug}.html`` can be several templates
and stays split by skeleton. A template needs ``MIN_PAGES`` pages.

Owns: ``recognise`` (the index of templates) and ``Templates.cause_for`` (the cause of a
page-local finding restated per template). Must not: read rules or score anything.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

MIN_PAGES = 2  # pages needed to call a URL pattern + skeleton a template
EXAMPLES = 3  # example URLs kept per template

_EXTENSION = re.compile(r"^(.+?)(\.[A-Za-z][A-Za-z0-9]{0,4})$")
_ID = re.compile(r"^\d+$")
_HASH = re.compile(
    r"^(?=[^-]*\d)[0-9a-f]{10,}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    re.IGNORECASE,
)
_SLUG_ID = re.compile(r"^(?=.*[A-Za-z]).+[-_]\d+$")
_SLUG = "{slug}"


def segment_shape(segment: str) -> str:
    """The shape of one path segment: ``{id}``, ``{hash}``, ``{slug}-{id}`` or ``{slug}``,
    with its file extension kept."""
    match = _EXTENSION.match(segment)
    stem, ext = (match.group(1), match.group(2)) if match else (segment, "")
    if _ID.match(stem):
        shape = "{id}"
    elif _HASH.match(stem):
        shape = "{hash}"
    elif _SLUG_ID.match(stem):
        shape = "{slug}-{id}"
    else:
        shape = _SLUG
    return shape + ext


@dataclass(frozen=True)
class _Parts:
    host: str
    segments: tuple[str, ...]
    slash: bool  # path ends with "/" (and is not the root)
    query: tuple[str, ...]  # sorted query parameter names


def _parts(url: str) -> _Parts:
    split = urlsplit(url)
    path = split.path or "/"
    segments = tuple(s for s in path.split("/") if s)
    keys = tuple(sorted({k for k, _ in parse_qsl(split.query, keep_blank_values=True)}))
    return _Parts(split.netloc.lower(), segments, path.endswith("/") and path != "/", keys)


@dataclass
class Template:
    """Pages of one template: the URL pattern, the skeletons seen, and example URLs."""

    pattern: str  # e.g. "/p/{slug}-{id}.html"
    host: str
    skeletons: tuple[str, ...]
    urls: list[str] = field(default_factory=list)  # sorted

    @property
    def count(self) -> int:
        return len(self.urls)

    @property
    def examples(self) -> list[str]:
        return self.urls[:EXAMPLES]


def _ext(segment: str) -> str:
    match = _EXTENSION.match(segment)
    return match.group(2) if match else ""


def _pattern(parts: Sequence[_Parts]) -> str:
    first = parts[0]
    out: list[str] = []
    for i in range(len(first.segments)):
        values = {p.segments[i] for p in parts}
        if len(values) == 1:
            out.append(next(iter(values)))
            continue
        shapes = {segment_shape(v) for v in values}
        if len(shapes) == 1:
            out.append(next(iter(shapes)))
        else:
            exts = {_ext(v) for v in values}
            out.append(_SLUG + (next(iter(exts)) if len(exts) == 1 else ""))
    path = "/" + "/".join(out) + ("/" if first.slash else "")
    if first.query:
        path += "?" + "&".join(f"{key}={{{key}}}" for key in first.query)
    return path


_BARE = re.compile(r"^\{slug\}(\.[A-Za-z0-9]+)?$")
_SHAPE_REGEX = {
    "{id}": r"\d+",
    "{hash}": r"[0-9A-Fa-f-]{8,}",
    "{slug}-{id}": r"[^/]+[-_]\d+",
    "{slug}": r"[^/]+",
}
_PLACEHOLDER = re.compile(r"\{slug\}-\{id\}|\{id\}|\{hash\}|\{slug\}")


def _distinctive(pattern: str) -> bool:
    """A pattern that names one route: a literal segment, or a shape beyond a bare slug."""
    path = pattern.split("?", 1)[0]
    return any(not _BARE.match(s) for s in path.split("/") if s)


def _path_regex(pattern: str) -> re.Pattern[str]:
    """The paths a pattern describes (its query part ignored)."""
    path = pattern.split("?", 1)[0]
    out: list[str] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(path):
        out.append(re.escape(path[pos : match.start()]))
        out.append(_SHAPE_REGEX[match.group(0)])
        pos = match.end()
    out.append(re.escape(path[pos:]))
    return re.compile("".join(out))


class Templates:
    """The templates of one crawl, looked up by URL."""

    def __init__(self, templates: Iterable[Template]) -> None:
        self.templates = sorted(templates, key=lambda t: (-t.count, t.pattern, t.urls[0]))
        self._by_url: dict[str, Template] = {}
        self.multi_host = len({t.host for t in self.templates}) > 1
        self._labels: dict[int, str] = {}
        seen: dict[str, int] = {}
        for template in self.templates:
            for url in template.urls:
                self._by_url[url] = template
            where = f"{template.host}{template.pattern}" if self.multi_host else template.pattern
            seen[where] = seen.get(where, 0) + 1
            # One pattern, several skeletons (a flat /{slug}.html site): number the layouts,
            # biggest first, so their issues stay apart.
            suffix = f" (layout {seen[where]})" if seen[where] > 1 else ""
            self._labels[id(template)] = f"template {where}{suffix}"

    def of(self, url: str) -> Template | None:
        return self._by_url.get(url)

    def label(self, template: Template) -> str:
        """How issues name it: "template /p/{slug}-{id}.html" (host added on multi-host
        crawls, "(layout 2)" when another template has the same pattern)."""
        return self._labels.get(id(template), f"template {template.pattern}")

    def cause_for(self, url: str, cause: str | None) -> str | None:
        """The cause of a page-local finding on ``url`` restated for its template:
        ``"template /p/{slug}.html: Product: offers.priceCurrency missing"``; ``cause``
        unchanged when the page belongs to no template."""
        template = self.of(url)
        return cause if template is None else self.restate(template, cause)

    def restate(self, template: Template, cause: str | None) -> str:
        """``cause`` restated for ``template`` (see ``cause_for``)."""
        label = self.label(template)
        return f"{label}: {cause}" if cause else label


def recognise(pages: Iterable[tuple[str, str | None]]) -> Templates:
    """Templates from (url, skeleton) of every 200 HTML page (skeleton None: skipped)."""
    groups: dict[tuple[str, int, bool, tuple[str, ...], str], list[_Parts]] = defaultdict(list)
    urls: dict[_Parts, list[str]] = defaultdict(list)
    for url, skeleton in pages:
        if not skeleton:
            continue
        parts = _parts(url)
        if parts not in urls:
            groups[(parts.host, len(parts.segments), parts.slash, parts.query, skeleton)].append(
                parts
            )
        urls[parts].append(url)
    merged: dict[tuple[str, str, str], Template] = {}
    singles: list[tuple[str, str, str]] = []  # (host, url, skeleton) of one-page groups
    for (host, _n, _slash, _query, skeleton), members in sorted(groups.items()):
        member_urls = sorted(u for p in members for u in urls[p])
        if len(member_urls) == 1:
            singles.extend((host, u, skeleton) for u in member_urls)
            continue
        pattern = _pattern(members)
        # Not distinctive: keep one template per skeleton under the same pattern.
        key = (host, pattern, "" if _distinctive(pattern) else skeleton)
        found = merged.get(key)
        if found is None:
            merged[key] = Template(pattern, host, (skeleton,), member_urls)
        else:
            found.skeletons = tuple(sorted({*found.skeletons, skeleton}))
            found.urls.extend(member_urls)
    for template in merged.values():
        template.urls.sort()
    _adopt(singles, [t for (_h, _p, skel), t in merged.items() if not skel])
    return Templates(t for t in merged.values() if t.count >= MIN_PAGES)


def _adopt(singles: list[tuple[str, str, str]], routes: list[Template]) -> None:
    """A page alone with its skeleton joins the distinctive template whose pattern its URL
    matches: the same route, showing an optional block (reviews, a video) the others lack."""
    if not singles or not routes:
        return
    # Candidates by (host, segment count): each single page is tried against a few routes.
    by_shape: dict[tuple[str, int], list[tuple[Template, re.Pattern[str]]]] = defaultdict(list)
    for template in routes:
        path = template.pattern.split("?", 1)[0]
        segments = len([s for s in path.split("/") if s])
        by_shape[(template.host, segments)].append((template, _path_regex(template.pattern)))
    adopted: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for host, url, skeleton in singles:
        parts = _parts(url)
        path = "/" + "/".join(parts.segments) + ("/" if parts.slash else "")
        for template, regex in by_shape.get((host, len(parts.segments)), []):
            if regex.fullmatch(path):
                adopted[id(template)].append((url, skeleton))
                break
    for template in routes:
        found = adopted.get(id(template))
        if found:  # sorted once: thousands of pages may join one route
            template.urls = sorted([*template.urls, *(url for url, _ in found)])
            template.skeletons = tuple(sorted({*template.skeletons, *(s for _, s in found)}))
