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
from seoaudit.rules.structured_data import microdata_rdfa_structure_error

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
    huge_number = json_ld("1" * 10_000)  # valid JSON, beyond Python's int(): kept as text
    assert huge_number.error is None and huge_number.data == "1" * 10_000
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
        ("schema:Product", True),  # an RDFa CURIE: Microdata needs an absolute URL
        ("Schema:Product", True),
        ("https:schema.org/Product", True),
        ("http:/schema.org/Product", True),
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
    <div itemscope itemtype="schema:Product"><span itemprop="name">y</span></div>
    <div itemscope itemtype="https://schema.org/Product">
      <div itemprop="offers" itemscope><span itemprop="price">1</span></div>
      <span itemprop="brand" itemtype="https://schema.org/Brand">Ridge</span>
    </div>"""
    assert _problems(html) == {
        ITEMSCOPE_WITHOUT_ITEMTYPE: (1, ["<div itemscope>"]),
        ITEMTYPE_NOT_SCHEMA_ORG: (
            2,
            ['<div itemtype="Product https://schema.org/Car">', '<div itemtype="schema:Product">'],
        ),
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
    assert count == MAX_CHECKED  # counting stops there, for each kind on its own
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


def test_each_element_counts_once_per_kind() -> None:
    # lexbor returns an element once per selector of a list it matches: counted once each
    stray = '<span itemprop="name" itemtype="https://schema.org/Thing">x</span>'
    assert _problems(stray) == {
        ITEMPROP_OUTSIDE_ITEM: (1, ['<span itemprop="name">']),
        ITEMTYPE_WITHOUT_ITEMSCOPE: (1, ['<span itemtype="https://schema.org/Thing">']),
    }
    both = '<div typeof="Product" property="mainEntity">x</div>'
    assert _problems(both) == {RDFA_TERM_WITHOUT_VOCAB: (1, ['<div typeof="Product">'])}


def test_itemprop_on_an_element_whose_descendant_is_an_item_is_stray() -> None:
    # the item below an element is not around it
    html = """<div itemtype="https://schema.org/Product" itemprop="a">
      <div itemscope itemtype="https://schema.org/Offer"><span itemprop="price">1</span></div>
    </div>"""
    assert _problems(html) == {
        ITEMPROP_OUTSIDE_ITEM: (1, ['<div itemprop="a">']),
        ITEMTYPE_WITHOUT_ITEMSCOPE: (1, ['<div itemtype="https://schema.org/Product">']),
    }


def test_deep_nesting_is_answered_in_one_pass() -> None:
    # Regression: a selector with a descendant combinator per element searched every
    # ancestor (or, with css_matches, the whole subtree) of every candidate: on these
    # pages that took from seconds to minutes (3,000 levels: several minutes). Each
    # element now takes one memoised step up; the answers stay right at any depth.
    thing = '<div itemtype="https://schema.org/Thing" itemprop="a">'
    stray = {
        ITEMTYPE_WITHOUT_ITEMSCOPE: (MAX_CHECKED, ['<div itemtype="https://schema.org/Thing">'])
    }
    assert _problems(thing * 3000 + "x" + "</div>" * 3000) == {
        **stray,
        ITEMPROP_OUTSIDE_ITEM: (MAX_CHECKED, ['<div itemprop="a">']),
    }
    # under one item, however deep, every itemprop belongs to it
    item = '<div itemscope itemtype="https://schema.org/Thing">'
    assert _problems(item + thing * 3000 + "x") == stray
    assert _problems(item + '<div itemprop="a">' * 9000 + "x") == {}
    # no item on the page: a stray at any depth is found; with items elsewhere, one more
    # than MAX_ANCESTORS levels below anything looked at is unknown, and not reported
    deep = "<div>" * 9000 + '<b itemprop="name">x</b>'
    assert _problems(deep) == {ITEMPROP_OUTSIDE_ITEM: (1, ['<b itemprop="name">'])}
    assert _problems(item + "</div>" + deep) == {}
    # RDFa: every property below a schema.org vocab with no typeof; terms with no vocab
    vocab = '<div vocab="https://schema.org/">'
    assert _problems(vocab + '<div property="name">' * 10_000 + "x") == {
        RDFA_PROPERTY_OUTSIDE_TYPEOF: (MAX_CHECKED, ['<div property="name">'])
    }
    assert _problems(vocab + '<div typeof="Thing">' + '<div property="name">' * 10_000) == {}
    unclosed = '<div typeof="Thing"></div>' + '<div property="name">' * 14_000 + "x"
    assert _problems(unclosed) == {
        RDFA_TERM_WITHOUT_VOCAB: (MAX_CHECKED, ['<div typeof="Thing">', '<div property="name">'])
    }


def test_typeof_on_the_document_types_every_property() -> None:
    # HTML+RDFa 1.1: a typeof on <html>, <head> or <body> types the document itself, the
    # subject of every property with no other subject, in <head> too
    head = '<head><meta property="name" content="Tent"></head>'
    prop = '<p property="description">x</p>'
    for html in (
        f'<html vocab="https://schema.org/">{head}<body typeof="WebPage">{prop}</body></html>',
        f'<html vocab="https://schema.org/" typeof="WebPage">{head}<body>{prop}</body></html>',
    ):
        assert _problems(html) == {}
    # with an about of its own, the body types that resource, not the document
    other = f'<html vocab="https://schema.org/">{head}<body about="/x" typeof="WebPage">{prop}'
    assert _problems(other) == {RDFA_PROPERTY_OUTSIDE_TYPEOF: (1, ['<meta property="name">'])}


def test_itemref_names_more_than_twenty_ids() -> None:
    ids = " ".join(f"r{i}" for i in range(300))
    html = f"""<div itemscope itemtype="https://schema.org/Thing" itemref="{ids}"></div>
    <p id="r150"><span itemprop="name">x</span></p><p id="r255"><b itemprop="sku">1</b></p>
    <p id="r256"><span itemprop="description">y</span></p>"""
    # ids past the 256th are not read (a bound): the itemprop they would pull in is stray
    assert _problems(html) == {ITEMPROP_OUTSIDE_ITEM: (1, ['<span itemprop="description">'])}


def test_huge_attribute_values_are_read_by_their_first_tokens() -> None:
    value = "name " * 400_000  # 2 MB: split only as far as the tokens looked at
    found = _problems(f'<div vocab="https://schema.org/"><span property="{value}">x</span></div>')
    assert found == {RDFA_PROPERTY_OUTSIDE_TYPEOF: (1, [f'<span property="{value[:59]}…">'])}


def test_sd028_shows_counts_that_stopped_at_the_bound_as_minimums() -> None:
    url = "https://a.com/p"
    problems = {
        ITEMPROP_OUTSIDE_ITEM: (MAX_CHECKED, ['<b itemprop="name">']),
        ITEMTYPE_WITHOUT_ITEMSCOPE: (1, ['<i itemtype="Product">']),
    }
    page = PageFacts(url=url, final_url=url, status=200, microdata_rdfa_problems=problems)
    [hit] = microdata_rdfa_structure_error(page, None)
    assert f'itemprop outside any itemscope at least ×{MAX_CHECKED} (<b itemprop="name">)' in (
        hit.message
    )
    assert 'itemtype without itemscope ×1 (<i itemtype="Product">)' in hit.message
    assert [(p["count"], p["count_is_minimum"]) for p in hit.evidence["problems"]] == [
        (MAX_CHECKED, True),
        (1, False),
    ]
    assert (hit.evidence["count"], hit.evidence["count_is_minimum"]) == (MAX_CHECKED + 1, True)


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
