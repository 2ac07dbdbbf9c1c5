"""The digest a worker process sends back instead of the facts (crawl/digest.py): it must
carry everything the crawler records, so that pooled and inline crawls store the same."""

from __future__ import annotations

import pickle

from seoaudit.config import CrawlSettings
from seoaudit.crawl.digest import digest, extract_digest
from seoaudit.extract import extract
from seoaudit.models import FetchResult, RobotsVerdict
from seoaudit.store import LINK_A, LINK_CANONICAL, LINK_HREFLANG, _unpack
from seoaudit.summary import summarise, unpack

PAGE = b"""<!doctype html><html lang="en"><head><title>Tents</title>
<link rel="canonical" href="/tents">
<link rel="alternate" hreflang="de" href="/de/zelte">
<link rel="alternate" hreflang="en" href="/tents">
<link rel="stylesheet" href="https://cdn.example.net/site.css">
<script src="/app.js"></script>
</head><body>
<a href="/a">A</a> <a href="/b" rel="nofollow">B</a> <a href="/a">A again</a>
<a href="https://other.example/x">out</a> <a href="javascript:void(0)">js</a> <a>no href</a>
</body></html>"""


def _result(url: str = "https://shop.example/tents", body: bytes = PAGE) -> FetchResult:
    return FetchResult(
        url=url,
        final_url=url,
        status=200,
        headers=[("content-type", "text/html; charset=utf-8")],
        body=body,
        depth=2,
        source="link",
    )


def test_digest_carries_links_in_order_with_kind_and_nofollow() -> None:
    facts = extract(_result())
    links = digest(facts, "googlebot", CrawlSettings()).links
    assert links == [
        ("https://shop.example/a", LINK_A, False),
        ("https://shop.example/b", LINK_A, True),
        ("https://shop.example/a", LINK_A, False),  # every link, as the link graph counts
        ("https://other.example/x", LINK_A, False),
        # the self-canonical and the self-alternate are not links to follow
        ("https://shop.example/de/zelte", LINK_HREFLANG, False),
    ]


def test_digest_keeps_a_canonical_to_another_url() -> None:
    facts = extract(_result(url="https://shop.example/tents?sort=price"))
    links = digest(facts, "googlebot", CrawlSettings()).links
    assert ("https://shop.example/tents", LINK_CANONICAL, False) in links


def test_digest_row_checks_and_probe() -> None:
    verdict = RobotsVerdict(allowed=True, agent="googlebot")
    facts = extract(_result(), robots=verdict)
    page = extract_digest(
        _result(), verdict, frozenset({"shop.example"}), "googlebot", CrawlSettings()
    )
    status, error, location, ctype, is_html, robots, *_timings, indexability, blob, packed = (
        page.row
    )
    assert (status, error, location, ctype, is_html, robots) == (
        200,
        None,
        None,
        "text/html",
        1,
        1,
    )
    assert indexability == "indexable"
    assert _unpack(blob) == facts
    assert unpack(facts.url, "indexable", packed) == summarise(facts, "indexable")
    assert ("https://cdn.example.net/site.css", "render-resource") in page.checks
    assert ("https://shop.example/app.js", "render-resource") in page.checks
    url, sampled, render = page.probe
    assert url == facts.url and sampled
    assert render == ("https://cdn.example.net/site.css", "https://shop.example/app.js")
    assert pickle.loads(pickle.dumps(page)) == page  # it crosses a process boundary


def test_digest_of_a_noindex_page_says_so() -> None:
    body = PAGE.replace(b"<title>", b'<meta name="robots" content="noindex"><title>')
    page = extract_digest(_result(body=body), None, frozenset(), "googlebot", CrawlSettings())
    assert page.row[9] == "noindex"
