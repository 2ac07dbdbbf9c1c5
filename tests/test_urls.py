from __future__ import annotations

import random
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from seoaudit.crawl.urls import Scope, bare_host, host_of, normalize, origin, resolve
from tests.sites import ORIGIN, crawl


@pytest.mark.parametrize(
    ("base", "href", "expected"),
    [
        ("http://a.com/x/y.html", "../z", "http://a.com/z"),
        ("http://A.com:80/x", "/p?q=1#frag", "http://a.com/p?q=1"),
        ("https://a.com:443/", "b", "https://a.com/b"),
        ("http://a.com:8080/d/", "e", "http://a.com:8080/d/e"),
        ("http://a.com/", "//b.com/ü x", "http://b.com/%C3%BC%20x"),
        ("https://a.com/a/", "b%zz", "https://a.com/a/b%25zz"),
        ("https://a.com/a/", "b%c3%bc", "https://a.com/a/b%C3%BC"),
        ("http://a.com/p", "#top", "http://a.com/p"),
        ("http://a.com", "", None),
        ("http://a.com/", "javascript:void(0)", None),
        ("http://a.com/", "mailto:me@a.com", None),
        ("http://a.com/", "tel:+123", None),
        ("http://a.com/", "data:text/html,hi", None),
        ("http://a.com/", "http://exa mple.com/", None),
        ("http://a.com/", "http://a.com:99999/", None),
        ("http://a.com/", "/" + "x" * 9000, None),
        ("http://a.com/", "http://[::1]:8080/x", "http://[::1]:8080/x"),
        # control characters are encoded as browsers do, never left for httpx to reject
        ("http://a.com/", "/a-\x01b", "http://a.com/a-%01b"),
        ("http://a.com/", "/a-\x7fdel?q=\x02", "http://a.com/a-%7Fdel?q=%02"),
        ("http://a.com/", "/red-\x1b[31m", "http://a.com/red-%1B%5B31m"),
        ("http://a.com/", "http://a\x01b.com/", None),
        # forbidden host code points (WHATWG), also percent-encoded; a host is decoded first
        ("http://a.com/", "http://a|b.example/x", None),
        ("http://a.com/", "http://a%7Cb.example/x", None),
        ("http://a.com/", "http://%FF.example/x", None),
        ("http://a.com/", "http://ex%61mple.com/x", "http://example.com/x"),
    ],
)
def test_resolve(base: str, href: str, expected: str | None) -> None:
    assert resolve(base, href) == expected


def test_root_relative_cache_depends_on_origin_not_page() -> None:
    assert resolve("http://a.com/one/two", "/about") == "http://a.com/about"
    assert resolve("http://b.com/x", "/about") == "http://b.com/about"


def test_normalize_keeps_path_and_query_case() -> None:
    assert normalize("HTTP://Example.COM/A/b?Q=X") == "http://example.com/A/b?Q=X"
    assert normalize("ftp://example.com/") is None
    assert normalize("http://münchen.de/") == "http://xn--mnchen-3ya.de/"


def test_scope_host_include_exclude() -> None:
    scope = Scope.for_start_urls(["https://a.com/"], include=[r"/blog/"], exclude=[r"\?print"])
    assert scope.allows("https://a.com/blog/x")
    assert not scope.allows("https://a.com/shop/x")
    assert not scope.allows("https://a.com/blog/x?print=1")
    assert not scope.allows("https://b.com/blog/x")
    assert scope.is_internal("https://a.com/shop/x")


def test_host_and_origin_read_urls_exactly_as_urlsplit_does() -> None:
    # The fast path (a regex for plain http(s) URLs) must never disagree with urlsplit.
    samples = [
        "https://A.example:8080?q#f",
        "http://u:p@h/",
        "http://h",
        "HTTP://h/x",
        "http://[::1]:80/",
        "http://h\t/x",
        " http://h/",
        "http://é.com/",
        "http:///x",
    ]
    rng = random.Random(7)
    alphabet = "hH:/?#@[]\t\n ./%éa1"
    for _ in range(20_000):
        start = rng.choice(["http://", "https://", "HTTP://", ""])
        samples.append(start + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))))
    for url in samples:
        try:
            split = urlsplit(url)
            expected: object = (split.netloc.lower(), f"{split.scheme}://{split.netloc}")
        except ValueError:
            expected = ValueError
        try:
            got: object = (host_of(url), origin(url))
        except ValueError:
            got = ValueError
        assert got == expected, repr(url)


def test_bare_host_is_one_site_www_or_not() -> None:
    assert bare_host("https://www.Example.com:8443/a") == "example.com"
    assert bare_host("http://example.com/") == "example.com"
    assert bare_host("http://[::1") == ""  # crawled text that is no URL
    assert bare_host("/relative") == ""


def test_the_start_url_is_crawled_whatever_include_and_exclude_say(tmp_path: Path) -> None:
    """`audit https://shop/ --include '/products/'` (the README's example) audited nothing
    and exited 3: the home page did not match the include pattern, so nothing was
    fetched and the product pages it links to were never found."""
    pages = {
        "/": {"body": '<a href="/products/a">a</a><a href="/blog/b">b</a>'},
        "/products/a": {"body": '<a href="/products/c">c</a><title>A</title>'},
        "/products/c": {"body": "<title>C</title>"},
        "/blog/b": {"body": "<title>B</title>"},
    }
    result = crawl(pages, tmp_path, include=["/products/"], sitemaps=False)
    assert not result.start_failed
    fetched = {p.url.removeprefix(ORIGIN) for p in result.report.pages if p.status is not None}
    assert fetched == {"/", "/products/a", "/products/c"}
    excluded = crawl(pages, tmp_path / "x", exclude=["^http://site.test/$", "/blog/"])
    assert not excluded.start_failed
