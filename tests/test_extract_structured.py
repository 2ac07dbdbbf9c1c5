"""Structured data: strict JSON-LD with error positions, @type collection, Microdata and
RDFa (extract.structured)."""

from __future__ import annotations

from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from seoaudit.extract.structured import json_ld, json_types, microdata, rdfa, type_name

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
