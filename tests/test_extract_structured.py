"""Structured data: strict JSON-LD with error positions, @type collection, Microdata and
RDFa, and the structural problems of Microdata and RDFa (extract.structured)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from seoaudit.extract import extract
from seoaudit.extract.structured import (
    ITEMPROP_OUTSIDE_ITEM,
    ITEMSCOPE_WITHOUT_ITEMTYPE,
    ITEMTYPE_NOT_SCHEMA_ORG,
    ITEMTYPE_WITHOUT_ITEMSCOPE,
    MAX_CHECKED,
    RDFA_PROPERTY_OUTSIDE_TYPEOF,
    RDFA_TERM_WITHOUT_VOCAB,
    itemtype_problem,
    json_ld,
    json_types,
    microdata,
    microdata_and_rdfa,
    rdfa,
    type_name,
)
from seoaudit.models import FetchResult, PageFacts

# (block text, error is None, line, column)
SYNTAX_CASES = [
    ('{"@type": "Thing"}', True, None, None),
    ('\n  {"@type": "Thing"}\n', True, None, None),
    ('{\n  "@type": "Article",\n  "headline": "x",\n}', False, 4, 1),  # trailing comma
    ('{"a": 1}\n{"b": 2}', False, 2, 1),  # two objects without an array
    ("{'a': 1}", False, 1, 2),  # single quotes
    ('{"a": "x" /* comment */}', False, 1, 11),
    ("{&quot;a&quot;: 1}", False, 1, 2),  # HTML-escaped JSON
    ('{"a": "line\nbreak"}', False, 1, 12),  # raw control character in a string
    ("", False, 1, 1),
    ("\ufeff{}", False, 1, 1),
]


@pytest.mark.parametrize(("text", "ok", "line", "column"), SYNTAX_CASES)
def test_json_ld_strict_errors_with_position(
    text: str, ok: bool, line: int | None, column: int | None
) -> None:
    block = json_ld(text)
    assert block.format == "json-ld"
    assert (block.error is None) is ok
    assert (block.line, block.column) == (line, column)
    assert block.raw == text
    if not ok:
        assert block.data is None and block.types == []


@pytest.mark.parametrize("text", ['{"x": NaN}', '{"x": Infinity}', "[-Infinity]"])
def test_json_ld_rejects_non_json_constants(text: str) -> None:
    block = json_ld(text)
    assert block.data is None
    assert block.error is not None and "not valid JSON" in block.error


def test_json_ld_hostile_blocks_do_not_raise() -> None:
    deep = json_ld("[" * 100_000 + "]" * 100_000)
    assert deep.error is not None and deep.data is None
    huge_number = json_ld("1" * 10_000)
    assert huge_number.error is not None
    big = json_ld('{"a": "' + "x" * 3_000_000 + '"}')
    assert big.error is not None and len(big.raw) == 20_000


@pytest.mark.parametrize(
    ("data", "types"),
    [
        ({"@type": "Product"}, ["Product"]),
        ({"@type": ["Product", "Car"]}, ["Product", "Car"]),
        (
            {
                "@graph": [
                    {"@type": "Organization"},
                    {"@type": "WebSite", "publisher": {"@type": "Organization"}},
                ]
            },
            ["Organization", "WebSite"],
        ),
        ([{"@type": "A", "x": [{"y": {"@type": "B"}}]}, {"@type": "C"}], ["A", "B", "C"]),
        ({"@type": 5, "x": {"@type": None}}, []),
        ("just a string", []),
    ],
)
def test_json_types(data: Any, types: list[str]) -> None:
    assert json_types(data) == types


@pytest.mark.parametrize(
    ("iri", "name"),
    [
        ("https://schema.org/Product", "Product"),
        ("http://schema.org/Offer/", "Offer"),
        ("schema:Place", "Place"),
        ("http://xmlns.com/foaf/0.1/#Person", "Person"),
        ("Event", "Event"),
    ],
)
def test_type_name(iri: str, name: str) -> None:
    assert type_name(iri) == name


def _root(html: str) -> Any:
    return LexborHTMLParser(html).root


def test_microdata_nesting_and_values() -> None:
    html = """
    <div itemscope itemtype="https://schema.org/Recipe">
      <h1 itemprop="name"> Pan  cakes </h1>
      <img itemprop="image" src="/p.jpg">
      <time itemprop="cookTime" datetime="PT20M">20 minutes</time>
      <data itemprop="recipeYield" value="4">four</data>
      <div itemprop="author" itemscope itemtype="https://schema.org/Person">
        <span itemprop="name">Ann</span>
        <div><div><span itemprop="jobTitle">Cook</span></div></div>
      </div>
      <span itemprop="keywords">a</span><span itemprop="keywords">b</span>
      <span>no property</span>
    </div>"""
    [block] = microdata(_root(html), "https://a.com/r/")
    assert block.format == "microdata"
    assert block.data == {
        "@type": "Recipe",
        "name": "Pan cakes",
        "image": "https://a.com/p.jpg",
        "cookTime": "PT20M",
        "recipeYield": "4",
        "author": {"@type": "Person", "name": "Ann", "jobTitle": "Cook"},
        "keywords": ["a", "b"],
    }
    assert block.types == ["Recipe", "Person"]
    assert block.raw.startswith("<div itemscope")


def test_microdata_deep_nesting_is_bounded() -> None:
    html = '<div itemscope itemtype="https://schema.org/Thing">' + (
        '<div itemprop="part" itemscope itemtype="https://schema.org/Thing">' * 3000
    )
    blocks = microdata(_root(html), "https://a.com/")
    assert len(blocks) == 1
    assert blocks[0].types == ["Thing"]


def test_rdfa_is_detected_with_types_and_open_graph_is_not() -> None:
    assert rdfa(_root('<meta property="og:title" content="x"><p property="name">x</p>')) == []
    [block] = rdfa(
        _root('<div vocab="https://schema.org/" typeof="Product Car"><div typeof="schema:Offer">')
    )
    assert (block.format, block.types) == ("rdfa", ["Product", "Car", "Offer"])


# ---------------------------------------------------------------------------------------
# Structural problems of Microdata and RDFa (SD-028)
# ---------------------------------------------------------------------------------------


def _problems(html: str) -> dict[str, tuple[int, list[str]]]:
    return microdata_and_rdfa(_root(html), "https://a.com/")[1]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://schema.org/Product", False),
        ("http://schema.org/Product", False),
        ("https://www.schema.org/Product/", False),
        ("HTTPS://Schema.org/3DModel", False),
        ("http://microformats.org/profile/hcard", False),  # another vocabulary: legal
        ("https://schemas.microsoft.com/office/Document", False),
        ("urn:example:type", False),
        ("Product", True),
        ("schema.org/Product", True),
        ("//schema.org/Product", True),
        ("https://schema.org", True),
        ("https://schema.org/", True),
        ("https://schema.org/Product/Offer", True),
        ("https://shema.org/Product", True),
        ("https://schemas.org/Product", True),
        ("https://schema.org.uk/Product", True),
        ("https://pending.schema.org/Product", True),
        ("http://data-vocabulary.org/Breadcrumb", True),
    ],
)
def test_itemtype_problem(url: str, problem: bool) -> None:
    assert itemtype_problem(url) is problem


def test_microdata_structure_problems() -> None:
    html = """
    <h1 itemprop="name">stray</h1>
    <div itemscope itemprop="review"><span itemprop="author">Ann</span></div>
    <div itemtype="https://schema.org/Offer"><span itemprop="price">9</span></div>
    <div itemscope><span itemprop="name">untyped</span></div>
    <div itemscope itemtype="Product https://schema.org/Car"><span itemprop="name">x</span></div>
    <div itemscope itemtype="https://schema.org/Product">
      <div itemprop="offers" itemscope><span itemprop="price">1</span></div>
      <span itemprop="brand" itemtype="https://schema.org/Brand">Ridge</span>
    </div>"""
    assert _problems(html) == {
        ITEMSCOPE_WITHOUT_ITEMTYPE: (1, ["<div itemscope>"]),
        ITEMTYPE_NOT_SCHEMA_ORG: (1, ['<div itemtype="Product https://schema.org/Car">']),
        # the itemscope with an itemprop inside no item is the value of nothing
        ITEMPROP_OUTSIDE_ITEM: (
            3,
            ['<h1 itemprop="name">', '<div itemprop="review">', '<span itemprop="price">'],
        ),
        ITEMTYPE_WITHOUT_ITEMSCOPE: (
            2,
            [
                '<div itemtype="https://schema.org/Offer">',
                '<span itemtype="https://schema.org/Brand">',
            ],
        ),
    }


def test_valid_microdata_has_no_problems() -> None:
    html = """
    <div itemscope itemtype="https://schema.org/Product" itemref="more price">
      <h1 itemprop="name">Tent</h1>
      <div itemprop="offers" itemscope><span itemprop="price">1</span></div>
    </div>
    <section id="more"><p><span itemprop="description">Sleeps two</span></p></section>
    <meta id="price" itemprop="sku" content="T-1">
    <div itemscope itemtype="http://microformats.org/profile/hcard"><b itemprop="fn">A</b></div>
    <meta property="og:title" content="Tent">"""
    blocks, problems = microdata_and_rdfa(_root(html), "https://a.com/")
    assert problems == {}
    assert [b.types for b in blocks] == [["Product"], ["hcard"]]


def test_rdfa_structure_problems() -> None:
    html = """
    <meta property="og:title" content="x"><link property="license" href="/l">
    <div typeof="Product"><span property="name">no vocab</span></div>
    <div typeof="schema:Event"><span property="schema:name">prefixed: fine</span></div>
    <div vocab="https://schema.org/">
      <h1 property="name">outside any typeof</h1>
      <span property="schema:description">also outside</span>
      <div typeof="Offer"><span property="price">1</span></div>
      <div about="#x" property="name">about on the element: fine</div>
      <div resource="#y"><span property="name">resource around: fine</span></div>
    </div>
    <div vocab="http://xmlns.com/foaf/0.1/"><span property="name">another vocabulary</span></div>"""
    assert _problems(html) == {
        RDFA_TERM_WITHOUT_VOCAB: (2, ['<div typeof="Product">', '<span property="name">']),
        RDFA_PROPERTY_OUTSIDE_TYPEOF: (
            2,
            ['<h1 property="name">', '<span property="schema:description">'],
        ),
    }


def test_property_without_rdfa_on_the_page_is_not_looked_at() -> None:
    # Open Graph and other uses of "property" share the attribute: no vocab or typeof
    # anywhere means the page does not use RDFa.
    assert _problems('<div property="value">x</div><meta property="og:type" content="a">') == {}


def test_structure_problems_are_bounded_on_hostile_pages() -> None:
    value = "名前 " * 100
    stray = f'<span itemprop="{value}">x</span>' * 50_000
    started = time.perf_counter()
    problems = _problems("<i itemtype=x></i>" * 10 + stray + '<b itemprop="price">1</b>')
    assert time.perf_counter() - started < 5
    count, examples = problems[ITEMPROP_OUTSIDE_ITEM]
    assert count == MAX_CHECKED - 10  # elements looked at per page, the itemtypes first
    assert len(examples) == 1 and len(examples[0]) < 100  # one distinct element, clipped
    assert examples[0].startswith('<span itemprop="名前 名前') and examples[0].endswith('…">')
    assert problems[ITEMTYPE_WITHOUT_ITEMSCOPE] == (10, ['<i itemtype="x">'])
    # itemref pulls in an element and its descendants, however deep: 2,000 strays 100
    # levels below a referenced element are its properties (ancestors are remembered).
    item = '<div itemscope itemtype="https://schema.org/Thing" itemref="r"></div>'
    below = "<div>" * 100 + '<b itemprop="name">x</b>' * 2000
    assert _problems(item + '<section id="r">' + below) == {}
    assert _problems(item + '<section id="other">' + below)[ITEMPROP_OUTSIDE_ITEM][0] == 2000
    # deeper than the ancestors searched: unknown, so not reported
    assert _problems(item + '<section id="r">' + "<div>" * 3000 + below) == {}
    # RDFa: the vocab in scope is looked up once per ancestor, not once per property
    rdfa_page = '<div vocab="https://schema.org/">' + "<div>" * 200
    started = time.perf_counter()
    found = _problems(rdfa_page + '<span property="name">x</span>' * 50_000)
    assert time.perf_counter() - started < 5
    assert found == {RDFA_PROPERTY_OUTSIDE_TYPEOF: (MAX_CHECKED, ['<span property="name">'])}


def test_stray_itemprop_found_on_a_page_without_any_item() -> None:
    # The extraction guard is one selector query: an itemprop alone must pass it (in
    # any case, as HTML attribute names are case-insensitive).
    facts = _page('<html><body><H1 ITEMPROP="name">Tent</H1><p>text</p></body></html>')
    assert facts.microdata_rdfa_problems == {ITEMPROP_OUTSIDE_ITEM: (1, ['<h1 itemprop="name">'])}
    assert facts.structured_data == []
    plain = _page('<html><body><h1 class="item">Tent</h1><meta property="og:x"></body></html>')
    assert plain.microdata_rdfa_problems == {}


def _page(body: str) -> PageFacts:
    url = "https://a.com/p"
    return extract(
        FetchResult(
            url=url,
            final_url=url,
            status=200,
            headers=[("content-type", "text/html; charset=utf-8")],
            body=body.encode(),
        )
    )
