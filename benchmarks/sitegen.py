"""A deterministic generated site for the benchmark, served by ``SiteServer(handler=...)``.

Pages are made on the fly from their number, so a million-page site costs no disk and no
memory: only the paragraph pool and the navigation (the same on every page) are built once.

Shape of the site with ``pages=N``:
- ``/`` links to the navigation (pages 0..39) and to pages 0..59.
- ``/p/{i}.html`` for 0 <= i < N: 20-60 KB of HTML with title, meta description, a self
  canonical, JSON-LD (Product or Article), the navigation, a breadcrumb to its parent,
  paragraphs, and ~60 body links: its 20 children in a tree rooted at ``/`` (so every page
  is reachable, at depth ~log20 N) and 40 pseudo-random pages.
- ``/robots.txt`` with a Sitemap line; ``/sitemap.xml``: one urlset, or an index of
  ``/sitemap-{k}.xml`` files of 50,000 URLs each when N > 50,000 (the protocol's limit).
- A few planted problems so that rules have work to do, each at a fixed stride:
  no meta description (every 97th page), the title of page 0 (every 113th), noindex
  (every 211th), a link to a missing page (every 150th), a canonical to the parent page
  (every 500th).

It must not depend on anything random at run time: the same N gives the same bytes.
"""

from __future__ import annotations

import base64
import json
import random
import re
from functools import lru_cache

from seoaudit.devserver import Request, Response

NAV_LINKS = 40
HOME_LINKS = 60
FANOUT = 20
RANDOM_LINKS = 40
SITEMAP_LIMIT = 50_000
PARAGRAPH_POOL = 256


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_WORDS = _words(
    "trail summit ridge alpine canyon river forest meadow granite glacier basin "
    "pass lightweight waterproof breathable durable packable insulated ventilated "
    "rugged tent backpack sleeping bag stove lantern jacket boots poles harness "
    "rope carabiner hike climb camp paddle ski traverse descend explore navigate "
    "pitch pack layer morning evening weather wind rain snow sun frost storm "
    "shelter warmth comfort weight capacity fabric seam zipper buckle strap frame "
    "hip belt shoulder torso fit the a of and with for on in to from over under "
    "through beyond every each your our"
)
_ADJECTIVES = _words("Alpine Summit Ridge Canyon Glacier Forest Granite Meadow Basin Ember")
_NOUNS = _words("Tent Pack Bag Stove Lantern Jacket Boot Pole Harness Quilt Shell Fleece")
_PAGE = re.compile(r"^/p/(0|[1-9][0-9]{0,8})\.html$")
_SITEMAP_PART = re.compile(r"^/sitemap-([1-9][0-9]{0,4})\.xml$")
_IMAGE = re.compile(r"^/static/p[0-9]{1,2}\.jpg$")
# A 1x1 px JPEG placeholder, so image checks get a 200 image/jpeg answer.
_JPEG = (
    base64.b64decode(
        "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////"
        "////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/a"
        "AAgBAQABPxA="
    )
    + b"\xff\xd9"
)
_CSS = b"body{font-family:sans-serif;max-width:60rem;margin:auto}nav a{margin-right:.5rem}\n"


def product_name(i: int) -> str:
    return f"{_ADJECTIVES[i % 10]} {_NOUNS[(i // 10) % 12]} {i}"


@lru_cache(maxsize=1)
def _paragraphs() -> tuple[str, ...]:
    rng = random.Random(1234)
    pool = []
    for _ in range(PARAGRAPH_POOL):
        sentences = []
        for _ in range(rng.randint(5, 9)):
            words = rng.choices(_WORDS, k=rng.randint(8, 18))
            sentences.append(" ".join(words).capitalize() + ".")
        pool.append(" ".join(sentences))
    return tuple(pool)


@lru_cache(maxsize=1)
def _nav() -> str:
    items = "".join(
        f'<li><a href="/p/{i}.html">{product_name(i)}</a></li>' for i in range(NAV_LINKS)
    )
    return f'<header><a href="/">Benchmark Outfitters</a><nav><ul>{items}</ul></nav></header>'


class GeneratedSite:
    """An async handler serving a site of ``pages`` generated pages."""

    def __init__(self, pages: int) -> None:
        if pages < 1:
            raise ValueError("pages must be >= 1")
        self.pages = pages

    async def __call__(self, request: Request) -> Response:
        path = request.path
        if path == "/":
            return Response.html(self.home(request.origin))
        match = _PAGE.match(path)
        if match and int(match.group(1)) < self.pages:
            page = Response.html(self.page(int(match.group(1)), request.origin))
            # A validator, as most frameworks and CDNs send (Rails, Express, nginx): the
            # site is no PERF005 example, so rounds stay comparable in findings.
            page.headers.append(("ETag", f'"p{match.group(1)}-{self.pages}"'))
            return page
        if path == "/robots.txt":
            text = f"User-agent: *\nDisallow: /search\n\nSitemap: {request.origin}/sitemap.xml\n"
            return Response(200, [("Content-Type", "text/plain")], text.encode())
        if path == "/sitemap.xml" or _SITEMAP_PART.match(path):
            body = self.sitemap(request.origin, path)
            if body is not None:
                return Response(200, [("Content-Type", "application/xml")], body)
        if path == "/static/site.css":
            return Response(200, [("Content-Type", "text/css")], _CSS)
        if _IMAGE.match(path):
            return Response(200, [("Content-Type", "image/jpeg")], _JPEG)
        return Response.html("<!doctype html><title>Not found</title><h1>Not found</h1>", 404)

    # -- structure ----------------------------------------------------------------------

    def children(self, i: int) -> range:
        start = HOME_LINKS + FANOUT * i
        return range(min(start, self.pages), min(start + FANOUT, self.pages))

    @staticmethod
    def parent(i: int) -> int | None:
        return None if i < HOME_LINKS else (i - HOME_LINKS) // FANOUT

    def links(self, i: int) -> list[int]:
        """Body links of page i: its tree children, then pseudo-random pages."""
        rng = random.Random(i * 7919 + 17)
        targets = list(self.children(i))
        targets += [rng.randrange(self.pages) for _ in range(RANDOM_LINKS)]
        return targets

    # -- documents ----------------------------------------------------------------------

    def home(self, origin: str) -> str:
        items = "".join(
            f'<li><a href="/p/{j}.html">{product_name(j)}</a></li>'
            for j in range(min(HOME_LINKS, self.pages))
        )
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Benchmark Outfitters: outdoor gear</title>"
            '<meta name="description" content="Generated benchmark site.">'
            f'<link rel="canonical" href="{origin}/"></head><body>'
            f"{_nav()}<main><h1>Benchmark Outfitters</h1><ul>{items}</ul></main></body></html>"
        )

    def page(self, i: int, origin: str) -> str:
        rng = random.Random(i)
        name = product_name(i)
        title = product_name(0) if i % 113 == 0 else f"{name} | Benchmark Outfitters"
        head = [
            '<!doctype html><html lang="en"><head><meta charset="utf-8">',
            f"<title>{title}</title>",
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<link rel="stylesheet" href="/static/site.css">',
        ]
        if i % 97:
            head.append(f'<meta name="description" content="Buy the {name}: {_WORDS[i % 50]}.">')
        if i % 211 == 0:
            head.append('<meta name="robots" content="noindex">')
        parent = self.parent(i)
        canonical = parent if i % 500 == 0 and parent is not None else i
        head.append(f'<link rel="canonical" href="{origin}/p/{canonical}.html">')
        head.append(_json_ld(i, name, origin))
        start = "".join(head) + "</head><body>" + _nav()
        return start + self._main(i, name, parent, rng, len(start))

    def _main(self, i: int, name: str, parent: int | None, rng: random.Random, used: int) -> str:
        crumb = ""
        if parent is not None:
            crumb = f'<a href="/p/{parent}.html">{product_name(parent)}</a> › '
        parts = [f'<main><p class="crumbs"><a href="/">Home</a> › {crumb}{name}</p>']
        parts.append(f'<h1>{name}</h1><img src="/static/p{i % 50}.jpg" alt="{name}">')
        links = self.links(i)
        if i % 150 == 0:
            links.append(self.pages + i)  # a page that does not exist
        pool = _paragraphs()
        # Paragraphs fill the page up to a size between 21 and 55 KB; the related list and
        # the footer that follow add 2-4 KB.
        target, size, k = rng.randrange(21_000, 55_000), used, 0
        while size < target:
            paragraph = pool[rng.randrange(len(pool))]
            if k < len(links) // 2:
                j = links[k]
                paragraph += f' See the <a href="/p/{j}.html">{product_name(j)}</a>.'
                k += 1
            parts.append(f"<p>{paragraph}</p>")
            size += len(paragraph) + 7
        related = "".join(
            f'<li><a href="/p/{j}.html">{product_name(j)}</a></li>' for j in links[k:]
        )
        parts.append(f"<section><h2>Related gear</h2><ul>{related}</ul></section></main>")
        parts.append("<footer><p>© Benchmark Outfitters</p></footer></body></html>")
        return "".join(parts)

    def sitemap(self, origin: str, path: str) -> bytes | None:
        header = '<?xml version="1.0" encoding="UTF-8"?>\n'
        ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        parts = -(-self.pages // SITEMAP_LIMIT)
        if path == "/sitemap.xml" and parts > 1:
            entries = "".join(
                f"<sitemap><loc>{origin}/sitemap-{k}.xml</loc></sitemap>\n"
                for k in range(1, parts + 1)
            )
            return f"{header}<sitemapindex {ns}>\n{entries}</sitemapindex>\n".encode()
        if path == "/sitemap.xml":
            numbers = range(self.pages)
        else:
            k = int(path[len("/sitemap-") : -len(".xml")])
            if parts == 1 or k > parts:
                return None
            numbers = range((k - 1) * SITEMAP_LIMIT, min(k * SITEMAP_LIMIT, self.pages))
        urls = [f"<url><loc>{origin}/</loc></url>\n"] if numbers.start == 0 else []
        urls += [f"<url><loc>{origin}/p/{j}.html</loc></url>\n" for j in numbers]
        return f"{header}<urlset {ns}>\n{''.join(urls)}</urlset>\n".encode()


def _json_ld(i: int, name: str, origin: str) -> str:
    if i % 2:
        data: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "Article",
            "headline": f"Field notes: the {name}",
            "author": {"@type": "Person", "name": "Benchmark Editor"},
            "datePublished": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
        }
    else:
        data = {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": name,
            "sku": f"BO-{i:07d}",
            "offers": {
                "@type": "Offer",
                "url": f"{origin}/p/{i}.html",
                "price": f"{19 + i % 400}.00",
                "priceCurrency": "USD",
                "availability": "https://schema.org/InStock",
            },
        }
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'
