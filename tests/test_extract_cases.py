"""extract() on small inline pages: one fact per case, cases as data. Hostile inputs and
the size limits are at the end."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from seoaudit.extract import extract
from seoaudit.models import FetchResult, PageFacts

URL = "https://a.com/dir/page"


def page(html: str | bytes, *headers: tuple[str, str], **kwargs: Any) -> PageFacts:
    body = html.encode() if isinstance(html, str) else html
    result = FetchResult(
        url=URL,
        final_url=URL,
        status=200,
        headers=list(headers or [("content-type", "text/html")]),
        body=body,
    )
    return extract(result, **kwargs)


# ---------------------------------------------------------------------------------------
# Canonicals: where they are decides whether Google reads them (rules-kb 2.1, RES-007)
# ---------------------------------------------------------------------------------------

CANONICAL = '<link rel="canonical" href="/c">'

# (html, [(source, after_head_end)], head_ended_by)
CANONICAL_PLACES = [
    (f"<html><head>{CANONICAL}</head><body></body></html>", [("head", False)], None),
    (f"<html><head></head><body><p>x</p>{CANONICAL}</body></html>", [("body", False)], None),
    (f"<head><title>t</title><img src=p.gif>{CANONICAL}</head><body>", [("head", True)], "img"),
    (f"<head><iframe src=x></iframe>{CANONICAL}</head><body>", [("head", True)], "iframe"),
    (f"<head>stray text{CANONICAL}</head><body>", [("head", True)], "#text"),
    (
        f"<head><div>{CANONICAL}</div></head><body>{CANONICAL}",
        [("head", True), ("body", False)],
        "div",
    ),
    # Between </head> and <body> the tree builder puts it back into <head>.
    (f"<html><head></head>{CANONICAL}<body></body>", [("head", False)], None),
    # No <head> markup at all: metadata before the first body element is head metadata.
    (f"<!DOCTYPE html>{CANONICAL}<p>x</p>", [("head", False)], "p"),
    # A <body> that comes first: everything is in the body.
    (f"<body><head>{CANONICAL}</head>", [("body", False)], None),
    # Inside <template> or a comment it is not a canonical at all.
    (f"<head><template>{CANONICAL}</template><!--{CANONICAL}--></head>", [], None),
]


@pytest.mark.parametrize(("html", "expected", "ended_by"), CANONICAL_PLACES)
def test_canonical_placement(
    html: str, expected: list[tuple[str, bool]], ended_by: str | None
) -> None:
    facts = page(html)
    assert [(c.source, c.after_head_end) for c in facts.canonicals] == expected
    assert facts.head_ended_by == ended_by


@pytest.mark.parametrize(
    ("link", "href", "url", "attrs"),
    [
        (
            '<link rel="canonical" href="https://b.com/x#frag">',
            "https://b.com/x#frag",
            "https://b.com/x",
            {},
        ),
        ('<link rel="canonical" href="other">', "other", "https://a.com/dir/other", {}),
        ('<link rel="canonical" href="//cdn.a.com/x">', "//cdn.a.com/x", "https://cdn.a.com/x", {}),
        ('<link rel="canonical" href="">', "", None, {}),
        ("<link rel=canonical>", "", None, {}),
        ('<link rel="canonical" href="javascript:x">', "javascript:x", None, {}),
        ('<link REL="Canonical Alternate" href="/x">', "/x", "https://a.com/x", {}),
        (
            '<link rel="canonical" href="/x" hreflang="de" media="print" data-x>',
            "/x",
            "https://a.com/x",
            {"hreflang": "de", "media": "print", "data-x": ""},
        ),
    ],
)
def test_canonical_values(link: str, href: str, url: str | None, attrs: dict[str, str]) -> None:
    [canonical] = page(f"<head>{link}</head>").canonicals
    assert (canonical.href, canonical.url, canonical.attrs) == (href, url, attrs)


def test_canonicals_from_header_then_html_in_order() -> None:
    facts = page(
        '<head><link rel="canonical" href="/one"><link rel="canonical" href="/two"></head>',
        ("content-type", "text/html"),
        ("link", '</h1>; rel="canonical", </h2>; rel="canonical"'),
        ("link", '</h3>; rel="canonical"'),
    )
    assert [(c.source, c.href) for c in facts.canonicals] == [
        ("header", "/h1"),
        ("header", "/h2"),
        ("header", "/h3"),
        ("head", "/one"),
        ("head", "/two"),
    ]


def test_base_href_resolves_html_urls_but_not_link_headers() -> None:
    facts = page(
        '<head><base href="https://cdn.b.com/x/"><link rel=canonical href="c"></head>'
        '<body><a href="y">Y</a><img src="i.png"></body>',
        ("content-type", "text/html"),
        ("link", '<h>; rel="canonical"'),
    )
    assert [c.url for c in facts.canonicals] == ["https://a.com/dir/h", "https://cdn.b.com/x/c"]
    assert facts.links[0].url == "https://cdn.b.com/x/y"
    assert facts.links[0].internal is False
    assert facts.resources[0].url == "https://cdn.b.com/x/i.png"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ('<base href="/sub/">', "https://a.com/sub/y"),
        ('<base target="_blank"><base href="/second/">', "https://a.com/second/y"),
        ('<base href="javascript:alert(1)">', "https://a.com/dir/y"),
        ('<base href="">', "https://a.com/dir/y"),
    ],
)
def test_base_href_variants(base: str, expected: str) -> None:
    assert page(f"<head>{base}</head><a href=y>y</a>").links[0].url == expected


# ---------------------------------------------------------------------------------------
# hreflang (rules-kb 6.1) and robots meta (rules-kb 1.4)
# ---------------------------------------------------------------------------------------


def test_hreflang_alternates() -> None:
    facts = page(
        '<head><link rel="alternate" hreflang="en-GB" href="https://a.com/en">'
        '<link rel="alternate" hreflang="x-default" href="/">'
        '<link rel="alternate" href="/feed" type="application/rss+xml">'
        '<link rel="alternate" hreflang="de" href="/de" media="only screen"></head>'
        '<body><link rel="alternate" hreflang="fr" href="/fr"></body>'
    )
    assert [(h.source, h.lang, h.url, h.attrs) for h in facts.hreflangs] == [
        ("head", "en-GB", "https://a.com/en", {}),
        ("head", "x-default", "https://a.com/", {}),
        ("head", "de", "https://a.com/de", {"media": "only screen"}),
        ("body", "fr", "https://a.com/fr", {}),
    ]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<meta name="robots" content="noindex">', [("*", ["noindex"], False)]),
        (
            '<meta name="ROBOTS" content="NOINDEX,NOFOLLOW">',
            [("*", ["noindex", "nofollow"], False)],
        ),
        ('<meta name="googlebot" content="nosnippet">', [("googlebot", ["nosnippet"], False)]),
        ('<meta name="bingbot" content="noindex">', [("bingbot", ["noindex"], False)]),
        (
            '<meta name="googlebot-news" content="noindex">',
            [("googlebot-news", ["noindex"], False)],
        ),
        (
            '<meta name="robots" content="max-snippet:20"><meta name="googlebot" content="noindex">',
            [("*", ["max-snippet:20"], False), ("googlebot", ["noindex"], False)],
        ),
        ('</head><body><meta name="robots" content="noindex">', [("*", ["noindex"], True)]),
        ('<meta name="description" content="noindex">', []),
        ('<meta content="noindex">', []),
    ],
)
def test_robots_meta(html: str, expected: list[tuple[str, list[str], bool]]) -> None:
    facts = page(f"<head>{html}</head><body></body>")
    assert [(d.agent, d.tokens, d.in_body) for d in facts.directives] == expected


def test_header_directives_come_before_meta() -> None:
    facts = page(
        '<head><meta name="robots" content="nofollow"></head>',
        ("content-type", "text/html"),
        ("x-robots-tag", "googlebot: noindex"),
    )
    assert [(d.source, d.agent) for d in facts.directives] == [
        ("header", "googlebot"),
        ("meta", "*"),
    ]


# ---------------------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------------------

# (anchor markup, href as written, resolved url, text)
LINK_CASES = [
    ('<a href="/x">X</a>', "/x", "https://a.com/x", "X"),
    ('<a href="rel/x">x</a>', "rel/x", "https://a.com/dir/rel/x", "x"),
    ('<a href="../up">x</a>', "../up", "https://a.com/up", "x"),
    ('<a href="?q=1">x</a>', "?q=1", "https://a.com/dir/page?q=1", "x"),
    ('<a href="#section">x</a>', "#section", "https://a.com/dir/page", "x"),
    ('<a href="//b.com/p">x</a>', "//b.com/p", "https://b.com/p", "x"),
    ('<a href="  /spaced  ">x</a>', "  /spaced  ", "https://a.com/spaced", "x"),
    ('<a href="">x</a>', "", None, "x"),
    ('<a href="javascript:void(0)">x</a>', "javascript:void(0)", None, "x"),
    ('<a href="JavaScript:go()">x</a>', "JavaScript:go()", None, "x"),
    ('<a href="mailto:a@a.com">x</a>', "mailto:a@a.com", None, "x"),
    ('<a href="tel:+1">x</a>', "tel:+1", None, "x"),
    ('<a href="http://exa mple.com/">x</a>', "http://exa mple.com/", None, "x"),
    ('<a href="/a?x=1&amp;y=2">x</a>', "/a?x=1&y=2", "https://a.com/a?x=1&y=2", "x"),
    ("<a href=/x>  Lots\n\t of   <b>space</b> </a>", "/x", "https://a.com/x", "Lots of space"),
    ('<a href="/x">' + "word " * 100 + "</a>", "/x", "https://a.com/x", ("word " * 40).strip()),
    ('<map><area href="/area" alt="Area text"></map>', "/area", "https://a.com/area", "Area text"),
]


@pytest.mark.parametrize(("anchor", "href", "url", "text"), LINK_CASES)
def test_link_values(anchor: str, href: str, url: str | None, text: str) -> None:
    [link] = page(f"<body>{anchor}</body>").links
    assert (link.href, link.url, link.text) == (href, url, text)


def test_anchors_without_href_are_not_links() -> None:
    assert page('<a name="top">x</a><a onclick="go()">y</a><span href="/z">z</span>').links == []


@pytest.mark.parametrize(
    ("rel", "stored", "nofollow"),
    [
        ("", "", False),
        ("nofollow", "nofollow", True),
        ("NoFollow", "nofollow", True),
        ("ugc", "ugc", True),
        ("sponsored", "sponsored", True),
        ("  noopener   noreferrer ", "noopener noreferrer", False),
        ("external nofollow", "external nofollow", True),
        ("nofollowing", "nofollowing", False),
    ],
)
def test_link_rel_and_nofollow(rel: str, stored: str, nofollow: bool) -> None:
    [link] = page(f'<a href="/x" rel="{rel}">x</a>').links
    assert (link.rel, link.nofollow) == (stored, nofollow)


@pytest.mark.parametrize(
    ("internal_hosts", "expected"),
    [
        (frozenset(), [True, False, False, False]),
        ({"a.com", "www.a.com"}, [True, True, False, False]),
        (frozenset({"B.com"}), [False, False, True, False]),
    ],
)
def test_internal_links(internal_hosts: frozenset[str] | set[str], expected: list[bool]) -> None:
    html = '<a href="/x">1</a><a href="https://www.a.com/">2</a><a href="https://b.com">3</a><a href="mailto:x@a.com">4</a>'
    facts = page(html, internal_hosts=internal_hosts)
    assert [link.internal for link in facts.links] == expected


@pytest.mark.parametrize(
    ("anchor", "image_alt", "title"),
    [
        ('<a href="/x"><img src="i.png" alt="  An  image "></a>', "An image", None),
        (
            '<a href="/x"><picture><source srcset="a.webp"><img alt="Pic"></picture></a>',
            "Pic",
            None,
        ),
        ('<a href="/x"><img src="i.png"></a>', None, None),
        ('<a href="/x"><img src="i.png" alt=""></a>', "", None),
        ('<a href="/x"><img alt="first"><img alt="second"></a>', "first", None),
        ('<a href="/x" title="T" aria-label="L">x</a>', None, "T"),
        ('<a href="/x" aria-label="Label">x</a>', None, "Label"),
        ('<a href="/x">x</a><img alt="outside">', None, None),
    ],
)
def test_link_image_alt_and_title(anchor: str, image_alt: str | None, title: str | None) -> None:
    link = page(f"<body>{anchor}</body>").links[0]
    assert (link.image_alt, link.title) == (image_alt, title)


# ---------------------------------------------------------------------------------------
# Resources
# ---------------------------------------------------------------------------------------

# (markup in <head>, kind, render_blocking)
RESOURCE_CASES = [
    ('<script src="/a.js"></script>', "script", True),
    ('<script src="/a.js" type="text/javascript"></script>', "script", True),
    ('<script src="/a.js" async></script>', "script", False),
    ('<script src="/a.js" defer></script>', "script", False),
    ('<script src="/a.js" type="module"></script>', "script", False),
    ('<script src="/a.tpl" type="text/template"></script>', "script", False),
    ('<link rel="stylesheet" href="/a.css">', "stylesheet", True),
    ('<link rel="STYLESHEET" href="/a.css" media="all">', "stylesheet", True),
    ('<link rel="stylesheet" href="/a.css" media="print">', "stylesheet", False),
    ('<link rel="stylesheet" href="/a.css" disabled>', "stylesheet", False),
    ('<link rel="alternate stylesheet" href="/a.css">', "stylesheet", False),
    ('<noscript><link rel="stylesheet" href="/a.css"></noscript>', "stylesheet", False),
]


@pytest.mark.parametrize(("markup", "kind", "blocking"), RESOURCE_CASES)
def test_render_blocking_in_head(markup: str, kind: str, blocking: bool) -> None:
    facts = page(f"<head>{markup}</head><body>{markup}</body>")
    head, body = facts.resources
    assert (head.kind, head.in_head, head.render_blocking) == (kind, True, blocking)
    assert (body.kind, body.in_head, body.render_blocking) == (kind, False, False)
    assert head.url is not None and head.url.startswith("https://a.com/a.")


def test_inline_scripts_are_not_resources_and_iframes_are() -> None:
    facts = page('<script>var x;</script><iframe src="https://v.com/e"></iframe><iframe></iframe>')
    assert [(r.kind, r.src, r.url) for r in facts.resources] == [
        ("iframe", "https://v.com/e", "https://v.com/e"),
        ("iframe", "", None),
    ]


def test_images() -> None:
    facts = page(
        '<img src="/a.png" alt="A" width="10" height="20" loading="lazy">'
        '<img src="/b.png"><img alt><img data-src="/lazy.png" alt="">'
    )
    assert [(r.src, r.url, r.alt, r.width, r.height, r.loading) for r in facts.resources] == [
        ("/a.png", "https://a.com/a.png", "A", "10", "20", "lazy"),
        ("/b.png", "https://a.com/b.png", None, None, None, None),
        ("", None, "", None, None, None),
        ("", None, "", None, None, None),
    ]


# ---------------------------------------------------------------------------------------
# Titles, descriptions, headings, meta, text
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "titles"),
    [
        ("<title>  A \n title </title>", ["A title"]),
        ("<title>One</title><title>Two</title>", ["One", "Two"]),
        ("<title></title>", [""]),
        ("<title>T</title><body><svg><title>Icon</title></svg></body>", ["T"]),
        ("<body><title>In body</title></body>", ["In body"]),
        ("<title>A &amp; B &lt;3</title>", ["A & B <3"]),
        ("", []),
    ],
)
def test_titles(html: str, titles: list[str]) -> None:
    assert page(html).titles == titles


def test_meta_tags() -> None:
    facts = page(
        '<html lang="fr-CA"><head><meta name="description" content=" First  description ">'
        '<meta name="Description" content="Second"><meta name="viewport" content="width=500">'
        '<meta name="viewport" content="ignored"><meta http-equiv="Refresh" content="0; url=/new">'
        '<meta http-equiv="refresh" content="5"></head>'
    )
    assert facts.meta_descriptions == ["First description", "Second"]
    assert (facts.viewport, facts.meta_refresh, facts.lang) == ("width=500", "0; url=/new", "fr-CA")


def test_missing_meta_tags() -> None:
    facts = page("<p>x</p>")
    assert (facts.viewport, facts.meta_refresh, facts.lang, facts.meta_descriptions) == (
        None,
        None,
        None,
        [],
    )


def test_headings_in_order() -> None:
    facts = page("<h2>B</h2><h1> A <span>1</span></h1><div><h6>F</h6></div><h3></h3>")
    assert [(h.level, h.text) for h in facts.headings] == [(2, "B"), (1, "A 1"), (6, "F"), (3, "")]


@pytest.mark.parametrize(
    ("html", "words"),
    [
        ("<title>Not counted</title><p>one two</p>", 2),
        ("<p>one</p><script>var not, counted;</script><style>p{}</style>", 1),
        ("<p>one</p><noscript>not counted</noscript><template><p>nor this</p></template>", 1),
        ("<p>one<iframe>fallback text</iframe></p>", 1),
        ("<p>one</p><p>two</p><div>three<br>four</div>", 4),
        ("<p>a&nbsp;b</p>", 2),
        ("", 0),
    ],
)
def test_word_count_is_visible_body_text(html: str, words: int) -> None:
    assert page(html).word_count == words


def test_fingerprint_ignores_markup_but_not_text() -> None:
    one = page("<div><p>Hello <b>big</b> world</p></div>")
    two = page("<section>hello big\n<i>WORLD</i></section><script>x()</script>")
    three = page("<p>Hello big worlds</p>")
    assert one.fingerprint == two.fingerprint != three.fingerprint
    assert one.simhash == two.simhash


# ---------------------------------------------------------------------------------------
# Hostile input: never crash, never hang
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"\x00" * 1000,
        b"<html>\x00<head>\x00<title>a\x00b</title></head><body><a href='/\x00x'>\x00</a>",
        b"<" * 10_000,
        b"<a href=" * 5_000,
        b"<div>" * 50_000 + b"deep" + b"</div>" * 50_000,
        b"<table>" * 5_000 + b"<a href=/t>t</a>",
        b"<script>" + b"x" * 100_000,
        b"<!--" + b"<a href=/c>" * 1_000,
        b'<head><meta charset="x-user-defined"><title>\xff</title>',
        b"\xef\xbb\xbf\xef\xbb\xbf<title>double BOM</title>",
        b"<svg><a href=/svg-link>s</a><title>t</title></svg><math><mi><a href=/m>m</a></mi></math>",
    ],
)
def test_hostile_bodies_do_not_crash(body: bytes) -> None:
    facts = page(body)
    assert facts.is_html
    for link in facts.links:
        assert link.url is None or link.url.startswith("https://")


def test_nul_bytes_in_text_and_attributes() -> None:
    facts = page(b"<title>a\x00b</title><a href='/x\x00y'>l\x00nk</a><p>wo\x00rd</p>")
    assert facts.titles == ["a\ufffdb"]  # the HTML parser's U+FFFD for NUL in RCDATA
    [link] = facts.links
    assert (link.href, link.url, link.text) == ("/x\ufffdy", "https://a.com/x%EF%BF%BDy", "lnk")
    assert facts.word_count == 2


def test_wrong_declared_charset_degrades_to_replacement_characters() -> None:
    body = "<title>Café</title><p>Déjà vu</p>".encode("cp1252")
    facts = page(body, ("content-type", "text/html; charset=utf-8"))
    assert (facts.charset, facts.titles, facts.word_count) == ("utf-8", ["Caf\ufffd"], 2)


def test_random_bytes_never_crash() -> None:
    rng = random.Random(99)
    alphabet = b"<>/=\"' abcdhtmlexrf!-\x00\xff\xfe\n"
    for _ in range(200):
        body = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        page(body)
        page(body, ("content-type", "text/html; charset=utf-16"))


def test_ten_megabyte_page_with_100k_links_finishes_quickly() -> None:
    links = "".join(f'<li><a href="/p/{i}">Item {i}</a></li>' for i in range(100_000))
    body = f"<html><head><title>Big</title></head><body><ul>{links}</ul>".encode()
    body += b"<p>" + b"filler text " * ((10_000_000 - len(body)) // 12) + b"</p>"
    assert len(body) >= 9_900_000
    start = time.perf_counter()
    facts = page(body)
    elapsed = time.perf_counter() - start
    assert len(facts.links) == 100_000
    assert facts.links[-1].url == "https://a.com/p/99999"
    assert facts.word_count > 1_000_000
    assert elapsed < 10, f"{elapsed:.1f} s"


# (body, whether extraction must cut the markup): each would take minutes to parse whole.
PATHOLOGICAL = [
    (b"<div>" * 400_000 + b"<a href=/deep>x</a>", True),
    (b"<span>" * 5_000 + b"</x>" * 400_000, True),
    (b"<section>" * 3_000 + b"<p>x</p>" * 300_000, True),
    (b"<select>" + b"<option>x</option>" * 200_000 + b"</select><a href=/after>a</a>", False),
    # Sloppy but cheap: unclosed inline elements inside closed blocks, unclosed <li>.
    (b"<div><span>x</div>" * 100_000 + b"<a href=/end>e</a>", False),
    (b"<ul>" + b"<li><a href=/i>i</a>" * 100_000 + b"</ul>", False),
    # One element with 200,000 distinct attributes (lexbor: minutes), also hidden in quotes
    (
        b"<p><a href=/first>f</a></p><a "
        + b" ".join(b"a%d=x" % i for i in range(200_000))
        + b" href=/x>x</a>",
        True,
    ),
    (b"<a " + b" ".join(b'a%d=">"' % i for i in range(100_000)) + b">x</a>", True),
    # A long attribute with few attributes (Inertia's data-page JSON), and a fake tag in a
    # script: kept
    (
        b'<div id="app" data-page="' + b"&quot;k&quot;:1," * 40_000 + b'"></div><a href=/a>a</a>',
        False,
    ),
    (b'<script>var s="<div"; ' + b"a b c d ; " * 20_000 + b"</script><a href=/b>b</a>", False),
]


@pytest.mark.parametrize(("body", "cut"), PATHOLOGICAL)
def test_pathological_nesting_is_bounded(body: bytes, cut: bool) -> None:
    start = time.perf_counter()
    facts = page(body)
    assert time.perf_counter() - start < 5
    assert facts.markup_truncated is cut
    assert (facts.markup_cut is not None) is cut
    if facts.markup_cut is not None:  # said for the developer: where and why
        assert 0 <= facts.markup_cut.at < facts.markup_cut.of == len(body)
        why = facts.markup_cut.why
        assert why == "an element with more than 1,000 attributes" or (
            why.startswith("elements nested ") and why.endswith(" deep")
        )
    if not cut:
        assert facts.links[-1].url is not None
