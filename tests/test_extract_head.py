"""Where <head> really ends: the token-level scan of the head markup (extract.head)."""

from __future__ import annotations

import time

import pytest

from seoaudit.extract.head import attributes, scan_head

CANONICAL = '<link rel="canonical" href="/c">'

# (markup, element that ended the head, [(tag, rel-or-name, after_head_end)])
SCAN_CASES = [
    (
        f"<!DOCTYPE html><html><head><meta charset=utf-8><title>t</title>{CANONICAL}</head><body><img>",
        None,
        [("meta", "", False), ("link", "canonical", False)],
    ),
    # The classic: a tracking pixel in <head> before the canonical.
    (
        f'<html><head><title>t</title><img src="/px.gif">{CANONICAL}<meta name="robots" content="noindex"></head>',
        "img",
        [("link", "canonical", True), ("meta", "robots", True)],
    ),
    # A tag manager's <noscript><iframe> ends the head (no scripting, as a crawler parses).
    (
        f'<head><noscript><iframe src="gtm"></iframe></noscript>{CANONICAL}</head>',
        "iframe",
        [("link", "canonical", True)],
    ),
    # <noscript> holding only head elements keeps the head open.
    (
        f'<head><noscript><link rel="stylesheet" href="x.css"></noscript>{CANONICAL}</head>',
        None,
        [("link", "stylesheet", False), ("link", "canonical", False)],
    ),
    # Stray text ends the head; whitespace and comments do not.
    (f"<head>oops{CANONICAL}</head>", "#text", [("link", "canonical", True)]),
    (f"<head>\n  <!-- <img> -->\n\t{CANONICAL}</head>", None, [("link", "canonical", False)]),
    (f"<head>&nbsp;{CANONICAL}</head>", "#text", [("link", "canonical", True)]),
    (f"junk before html<html><head>{CANONICAL}</head>", "#text", [("link", "canonical", True)]),
    # Markup inside raw-text elements, templates and attribute values is not markup.
    (
        f'<head><script>if (a<b) document.write("<img>")</script><style>a>img{{}}</style>'
        f"<title>x <div> y</title><template><img><template><div></template></template>{CANONICAL}</head>",
        None,
        [("link", "canonical", False)],
    ),
    (
        f'<head><meta name="x" content="<img src=y>">{CANONICAL}</head>',
        None,
        [("meta", "x", False), ("link", "canonical", False)],
    ),
    # A <div> or any other body element ends the head, whatever its case.
    (f"<HEAD><DIV>{CANONICAL}</HEAD>", "div", [("link", "canonical", True)]),
    (f"<head><svg></svg>{CANONICAL}</head>", "svg", [("link", "canonical", True)]),
    # The scan stops at </head> or <body>: later links are the tree's business.
    (f"<head></head>{CANONICAL}<body>", None, []),
    (f"<head><body>{CANONICAL}", None, []),
    # With no </head> or <body> after the ending element, nothing more is head markup.
    (f"<head><img>{CANONICAL}<div>no end in sight", "img", []),
    # Unterminated constructs end the scan without error.
    ("<head><!-- never closed <link rel=canonical>", None, []),
    ("<head><script>never closed <link rel=canonical>", None, []),
    ('<head><link rel="canonical" href="/a', None, [("link", "canonical", False)]),
    ("", None, []),
    ("< 3 <> </> <!doctype html><? pi ?>", "#text", []),
]


@pytest.mark.parametrize(("markup", "ended_by", "entries"), SCAN_CASES)
def test_scan_head(markup: str, ended_by: str | None, entries: list[tuple[str, str, bool]]) -> None:
    scan = scan_head(markup)
    assert scan.ended_by == ended_by
    assert scan.entries == entries


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        (' rel="canonical" href=/a', {"rel": "canonical", "href": "/a"}),
        (" REL='Alternate' HrefLang=de", {"rel": "Alternate", "hreflang": "de"}),
        (' href="/a?x=1&amp;y=2" async', {"href": "/a?x=1&y=2", "async": ""}),
        (' name="a" name="b"', {"name": "a"}),  # the first of a repeated attribute wins
        (" /", {}),
    ],
)
def test_attributes(markup: str, expected: dict[str, str]) -> None:
    assert attributes(markup) == expected


def test_scan_is_bounded_on_huge_heads() -> None:
    # 200,000 head elements and no </head>: the scan stops at its tag budget, quickly.
    markup = "<head>" + '<meta name="x" content="y">' * 200_000
    start = time.perf_counter()
    scan = scan_head(markup)
    assert time.perf_counter() - start < 2.0
    assert len(scan.entries) <= 20_000
