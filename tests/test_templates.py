"""Template recognition: URL patterns with variable segments plus the page skeleton."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from seoaudit.extract.skeleton import MAX_NODES, skeleton
from seoaudit.templates import recognise, segment_shape

PRODUCT = """<html><body class="postid-{n}">
<header class="site-header"><nav class="main-nav"><ul><li class="{active}"><a href="/">Home</a></li>
<li><a href="/p/">Shop</a></li></ul></nav></header>
<main class="product product-{n}"><h1>{name}</h1><div class="gallery">{images}</div>
<div class="price">{price}</div><p>{text}</p></main>
<footer class="site-footer"><p>(c) shop</p></footer></body></html>"""
ARTICLE = """<html><body><header class="site-header"><nav class="main-nav"><ul><li><a href="/">Home</a>
</li></ul></nav></header><article class="post"><h1>{name}</h1><div class="byline">me</div>
<section class="content"><p>{text}</p></section></article><aside class="related"><ul><li>a</li>
</ul></aside></body></html>"""


def _skeleton(html: str) -> str | None:
    return skeleton(LexborHTMLParser(html).body)


def _product(n: int, images: int, active: str = "") -> str:
    return PRODUCT.format(
        n=n,
        active=active,
        name=f"Tent {n}",
        images="".join(f'<img class="thumb" src="/{i}.jpg">' for i in range(images)),
        price=f"{n * 10} EUR",
        text="words " * n,
    )


@pytest.mark.parametrize(
    ("segment", "shape"),
    [
        ("123", "{id}"),
        ("alpine-2.html", "{slug}-{id}.html"),
        ("ridge-runner-22", "{slug}-{id}"),
        ("about.html", "{slug}.html"),
        ("tents", "{slug}"),
        ("3f2a9c0d1e44", "{hash}"),
        ("550e8400-e29b-41d4-a716-446655440000", "{hash}"),
        ("deadbeefcafe", "{slug}"),  # hex letters only: a word, not a hash
        ("2019", "{id}"),
    ],
)
def test_segment_shapes(segment: str, shape: str) -> None:
    assert segment_shape(segment) == shape


def test_pages_of_one_template_share_a_skeleton_whatever_their_content() -> None:
    one = _skeleton(_product(1, images=1, active="active"))
    many = _skeleton(_product(42, images=9))
    assert one is not None
    assert one == many  # text, ids in classes, repeated items and nav state do not count
    assert one != _skeleton(ARTICLE.format(name="Post", text="words"))


def test_skeleton_is_bounded_and_handles_empty_bodies() -> None:
    assert _skeleton("") is None
    assert _skeleton("<p>") is not None
    huge = "<body>" + "<div><span class=x>a</span></div>" * (MAX_NODES * 3) + "</body>"
    assert _skeleton(huge) is not None


def test_extraction_records_the_skeleton() -> None:
    from seoaudit.extract.facts import extract
    from seoaudit.models import FetchResult

    result = FetchResult(
        url="https://shop.test/p/tent-1.html",
        final_url="https://shop.test/p/tent-1.html",
        status=200,
        headers=[("content-type", "text/html; charset=utf-8")],
        body=_product(1, 2).encode(),
    )
    assert extract(result).skeleton == _skeleton(_product(7, 3))


def test_recognise_groups_by_pattern_and_skeleton() -> None:
    pages = [
        ("https://shop.test/p/alpine-tent-1.html", "A"),
        ("https://shop.test/p/ridge-bag-22.html", "A"),
        ("https://shop.test/p/summit-pack-3.html", "A"),
        ("https://shop.test/blog/first-post.html", "B"),
        ("https://shop.test/blog/second-post.html", "B"),
        ("https://shop.test/about.html", "C"),
        ("https://shop.test/", "D"),
    ]
    index = recognise(pages)
    patterns = {t.pattern: t.urls for t in index.templates}
    assert set(patterns) == {"/p/{slug}-{id}.html", "/blog/{slug}.html"}
    product = index.of("https://shop.test/p/ridge-bag-22.html")
    assert product is not None
    assert product.count == 3
    assert product.examples == sorted(u for u, s in pages if s == "A")
    assert index.of("https://shop.test/about.html") is None  # one page is not a template


def test_a_route_keeps_pages_with_an_optional_block() -> None:
    # The product with reviews has another skeleton but the same distinctive route.
    pages = [
        ("https://shop.test/p/a-1.html", "A"),
        ("https://shop.test/p/b-2.html", "A"),
        ("https://shop.test/p/c-3.html", "B"),
        ("https://shop.test/p/d-4.html", "B"),
        ("https://shop.test/p/e-5.html", "C"),  # alone with its skeleton: adopted
    ]
    index = recognise(pages)
    assert len(index.templates) == 1
    assert index.templates[0].count == 5
    assert index.templates[0].skeletons == ("A", "B", "C")


def test_flat_urls_stay_split_by_skeleton() -> None:
    pages = [
        ("https://shop.test/tents.html", "CATEGORY"),
        ("https://shop.test/bags.html", "CATEGORY"),
        ("https://shop.test/bags.html?page=2", "CATEGORY"),
        ("https://shop.test/about.html", "TEXT"),
        ("https://shop.test/contact.html", "TEXT"),
        ("https://shop.test/imprint.html", "TEXT"),
    ]
    index = recognise(pages)
    labels = sorted(index.label(t) for t in index.templates)
    assert labels == ["template /{slug}.html", "template /{slug}.html (layout 2)"]
    text = index.of("https://shop.test/about.html")
    assert text is not None
    assert index.label(text) == "template /{slug}.html"  # the bigger one comes first


def test_cause_for_restates_a_page_cause_per_template() -> None:
    index = recognise([("https://a.test/p/x-1.html", "S"), ("https://a.test/p/y-2.html", "S")])
    assert (
        index.cause_for("https://a.test/p/x-1.html", "Product: offers.priceCurrency missing")
        == "template /p/{slug}-{id}.html: Product: offers.priceCurrency missing"
    )
    assert index.cause_for("https://a.test/p/x-1.html", None) == "template /p/{slug}-{id}.html"
    assert index.cause_for("https://a.test/other", "kept") == "kept"


def test_multi_host_labels_name_the_host() -> None:
    index = recognise(
        [
            ("https://a.test/p/x-1.html", "S"),
            ("https://a.test/p/y-2.html", "S"),
            ("https://b.test/p/x-1.html", "S"),
            ("https://b.test/p/y-2.html", "S"),
        ]
    )
    assert sorted(index.label(t) for t in index.templates) == [
        "template a.test/p/{slug}-{id}.html",
        "template b.test/p/{slug}-{id}.html",
    ]


def test_query_keys_and_trailing_slashes_are_part_of_the_pattern() -> None:
    index = recognise(
        [
            ("https://a.test/search?q=tent", "S"),
            ("https://a.test/search?q=bag", "S"),
            ("https://a.test/c/tents/", "C"),
            ("https://a.test/c/bags/", "C"),
        ]
    )
    assert sorted(t.pattern for t in index.templates) == ["/c/{slug}/", "/search?q={q}"]
