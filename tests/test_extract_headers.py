"""Header facts: Link (RFC 8288) canonicals and hreflang, X-Robots-Tag and robots meta
directives (extract.headers, extract.directives)."""

from __future__ import annotations

import pytest

from seoaudit.extract.directives import header_directives, is_robots_meta, meta_directive
from seoaudit.extract.headers import link_canonicals_and_hreflangs, parse_link_header

LINK_CASES = [
    ('<https://a.com/x>; rel="canonical"', [("https://a.com/x", {"rel": "canonical"})]),
    ("<https://a.com/x>;rel=canonical", [("https://a.com/x", {"rel": "canonical"})]),
    (
        '<https://a.com/en>; rel="alternate"; hreflang="en", <https://a.com/de>; rel=alternate; hreflang=de',
        [
            ("https://a.com/en", {"rel": "alternate", "hreflang": "en"}),
            ("https://a.com/de", {"rel": "alternate", "hreflang": "de"}),
        ],
    ),
    # Commas inside <...> and inside quoted strings do not split link-values.
    (
        '<https://a.com/a,b>; rel="canonical"; title="x, y", </c>; REL="Next"',
        [
            ("https://a.com/a,b", {"rel": "canonical", "title": "x, y"}),
            ("/c", {"rel": "Next"}),
        ],
    ),
    # Escapes in quoted strings; the first occurrence of a parameter wins.
    ('<u>; title="a \\"q\\""; rel=a; rel=b', [("u", {"title": 'a "q"', "rel": "a"})]),
    # Parameters without a value, junk between links, a missing ">".
    ("<u>; crossorigin; rel=preload", [("u", {"crossorigin": "", "rel": "preload"})]),
    ("<u> junk; rel=x, <v>; rel=y", [("u", {"rel": "x"}), ("v", {"rel": "y"})]),
    ("<u>; ; =x; rel=y", [("u", {"rel": "y"})]),
    ('<u>; rel="unterminated', [("u", {"rel": "unterminated"})]),
    ("<https://a.com/x; rel=canonical", []),
    ("no links at all", []),
    ("", []),
]


@pytest.mark.parametrize(("value", "expected"), LINK_CASES)
def test_parse_link_header(value: str, expected: list[tuple[str, dict[str, str]]]) -> None:
    assert parse_link_header(value) == expected


def test_link_header_is_bounded() -> None:
    value = ", ".join(f"</p{i}>; rel=next" for i in range(5000))
    assert len(parse_link_header(value)) <= 1000


def test_link_header_canonicals_and_hreflangs() -> None:
    headers = [
        ("content-type", "application/pdf"),
        (
            "link",
            '</doc.pdf>; rel="canonical", <https://a.com/de.pdf>; rel="alternate"; hreflang="de"',
        ),
        ("link", '<https://b.com/doc>; rel="canonical"; type="text/html"'),
        ("link", '<https://a.com/style.css>; rel="preload"; as="style"'),
        ("link", '<https://a.com/fr>; rel="alternate"'),  # no hreflang: not an alternate language
    ]
    canonicals, hreflangs = link_canonicals_and_hreflangs(headers, "https://a.com/files/x.pdf")
    assert [(c.source, c.href, c.url, c.attrs) for c in canonicals] == [
        ("header", "/doc.pdf", "https://a.com/doc.pdf", {}),
        ("header", "https://b.com/doc", "https://b.com/doc", {"type": "text/html"}),
    ]
    assert [(h.source, h.lang, h.url) for h in hreflangs] == [
        ("header", "de", "https://a.com/de.pdf")
    ]


# X-Robots-Tag values -> [(agent, value as written, tokens)]
XRT_CASES = [
    ("noindex, nofollow", [("*", "noindex, nofollow", ["noindex", "nofollow"])]),
    ("NOINDEX", [("*", "NOINDEX", ["noindex"])]),
    ("googlebot: noindex", [("googlebot", "googlebot: noindex", ["noindex"])]),
    (
        "GoogleBot:nofollow,noarchive",
        [("googlebot", "GoogleBot:nofollow,noarchive", ["nofollow", "noarchive"])],
    ),
    # One value may switch crawler part-way (MDN's documented syntax).
    (
        "noindex, bingbot: nofollow, googlebot-news: nosnippet",
        [
            ("*", "noindex", ["noindex"]),
            ("bingbot", "bingbot: nofollow", ["nofollow"]),
            ("googlebot-news", "googlebot-news: nosnippet", ["nosnippet"]),
        ],
    ),
    # Valued rules are not crawler names.
    (
        "max-snippet: 50, max-image-preview:LARGE, max-video-preview:-1",
        [
            (
                "*",
                "max-snippet: 50, max-image-preview:LARGE, max-video-preview:-1",
                ["max-snippet:50", "max-image-preview:large", "max-video-preview:-1"],
            )
        ],
    ),
    # unavailable_after keeps its date whole, commas (RFC 850 / RFC 822) and colons included.
    (
        "unavailable_after: Wednesday, 03-Nov-2027 15:00:00 GMT",
        [
            (
                "*",
                "unavailable_after: Wednesday, 03-Nov-2027 15:00:00 GMT",
                ["unavailable_after: Wednesday, 03-Nov-2027 15:00:00 GMT"],
            )
        ],
    ),
    (
        "noindex, unavailable_after: Wed, 03 Nov 2027 15:00:00 GMT, nofollow",
        [
            (
                "*",
                "noindex, unavailable_after: Wed, 03 Nov 2027 15:00:00 GMT, nofollow",
                ["noindex", "unavailable_after: Wed, 03 Nov 2027 15:00:00 GMT", "nofollow"],
            )
        ],
    ),
    (
        "googlebot: unavailable_after: 25 Jun 2010 15:00:00 PST, otherbot: noindex",
        [
            (
                "googlebot",
                "googlebot: unavailable_after: 25 Jun 2010 15:00:00 PST",
                ["unavailable_after: 25 Jun 2010 15:00:00 PST"],
            ),
            ("otherbot", "otherbot: noindex", ["noindex"]),
        ],
    ),
    (
        "unavailable_after: 2027-11-03T15:00:00+01:00",
        [
            (
                "*",
                "unavailable_after: 2027-11-03T15:00:00+01:00",
                ["unavailable_after: 2027-11-03T15:00:00+01:00"],
            )
        ],
    ),
    # Empty pieces are dropped; an empty value gives nothing; a bare prefix gives no rules.
    ("noindex,, ,nofollow,", [("*", "noindex,, ,nofollow", ["noindex", "nofollow"])]),
    ("", []),
    ("googlebot:", [("googlebot", "googlebot:", [])]),
    # Malformed rules are kept as written (lower-cased) for IDX-005 to report.
    ("noindex nofollow", [("*", "noindex nofollow", ["noindex nofollow"])]),
]


@pytest.mark.parametrize(("value", "expected"), XRT_CASES)
def test_x_robots_tag(value: str, expected: list[tuple[str, str, list[str]]]) -> None:
    directives = header_directives([value])
    assert [(d.agent, d.value, d.tokens) for d in directives] == expected
    assert all(d.source == "header" and not d.in_body for d in directives)


def test_x_robots_tag_several_headers_stay_separate() -> None:
    directives = header_directives(["noindex", "googlebot: nofollow"])
    assert [(d.agent, d.tokens) for d in directives] == [
        ("*", ["noindex"]),
        ("googlebot", ["nofollow"]),
    ]


def test_x_robots_tag_huge_value_is_capped() -> None:
    directives = header_directives(["noindex," * 100_000])
    assert sum(len(d.tokens) for d in directives) < 1000


@pytest.mark.parametrize(
    ("name", "content", "agent", "tokens"),
    [
        ("robots", "noindex, nofollow", "*", ["noindex", "nofollow"]),
        ("googlebot", "NoSnippet", "googlebot", ["nosnippet"]),
        ("bingbot", "noarchive", "bingbot", ["noarchive"]),
        # A meta never carries a crawler prefix: "googlebot:" inside content is just a token.
        ("robots", "googlebot: noindex", "*", ["googlebot:noindex"]),
        (
            "robots",
            "unavailable_after: Monday, 01-Jan-2029 00:00:00 GMT",
            "*",
            ["unavailable_after: Monday, 01-Jan-2029 00:00:00 GMT"],
        ),
        ("robots", "", "*", []),
    ],
)
def test_meta_directive(name: str, content: str, agent: str, tokens: list[str]) -> None:
    directive = meta_directive(name, content, in_body=True, after_head_end=False)
    assert (directive.source, directive.agent, directive.value, directive.tokens) == (
        "meta",
        agent,
        content,
        tokens,
    )
    assert directive.in_body


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("robots", True),
        ("googlebot", True),
        ("googlebot-news", True),
        ("googlebot-image", True),
        ("bingbot", True),
        ("gptbot", True),
        ("slurp", True),
        ("yandex", True),
        ("description", False),
        ("viewport", False),
        ("google-site-verification", False),
        ("robots-tag", False),
    ],
)
def test_is_robots_meta(name: str, expected: bool) -> None:
    assert is_robots_meta(name) is expected
