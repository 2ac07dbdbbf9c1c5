"""The link graph as stored (one row of packed ids and flags per page) and as Site reads it
back: who links to a page, by which kind of link, read from new and older run files."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from seoaudit import store as store_module
from seoaudit.site import Site
from seoaudit.store import LINK_A, LINK_CANONICAL, LINK_HREFLANG, LINK_REDIRECT, Store
from tests.sites import ORIGIN, crawl, stored_links


def _pages() -> dict[str, dict[str, Any]]:
    return {
        "/": {
            "body": "<title>Home</title><a href='/b'>b</a><a href='/a'>a</a><a href='/b'>b again</a>"
            "<a href='/' >home</a><a href='/c' rel='nofollow'>c</a><a href='/old'>old</a>"
        },
        "/a": {"body": "<title>A</title><a href='/b'>b</a><a href='/'>home</a>"},
        "/b": {
            "body": "<html><head><title>B</title><link rel='canonical' href='/a'>"
            "<link rel='alternate' hreflang='de' href='/c'></head><body>"
            "<a href='/a'>a</a></body></html>"
        },
        "/c": {"body": "<title>C</title><a href='/'>home</a>"},
        "/old": {"status": 301, "headers": {"Location": "/a"}},
    }


@pytest.fixture
def run_file(tmp_path: Path) -> Path:
    return crawl(_pages(), tmp_path).store_path


def _u(path: str) -> str:
    return ORIGIN + path


def test_links_are_stored_per_page_in_document_order_with_kind_and_nofollow(
    run_file: Path,
) -> None:
    store = Store(run_file)
    home_id = store.known_url_ids()[_u("/")]
    (data,) = store.db.execute("SELECT data FROM page_links WHERE src = ?", (home_id,)).fetchone()
    assert len(data) == 6 * 5  # six links, five bytes each, duplicates and self-link kept
    links = stored_links(store)
    store.close()
    home = [link for link in links if link[0] == _u("/")]
    assert home == sorted(
        [
            (_u("/"), _u("/b"), LINK_A, 0),
            (_u("/"), _u("/a"), LINK_A, 0),
            (_u("/"), _u("/b"), LINK_A, 0),
            (_u("/"), _u("/"), LINK_A, 0),
            (_u("/"), _u("/c"), LINK_A, 1),
            (_u("/"), _u("/old"), LINK_A, 0),
        ]
    )
    assert (_u("/b"), _u("/a"), LINK_CANONICAL, 0) in links
    assert (_u("/b"), _u("/c"), LINK_HREFLANG, 0) in links
    assert (_u("/old"), _u("/a"), LINK_REDIRECT, 0) in links


def test_site_answers_who_links_where_distinct_sorted_and_limited(run_file: Path) -> None:
    site = Site(Store(run_file))
    # "/" links to /b twice and to itself: one linking page, no self-link
    assert site.linking_pages(_u("/b")) == [_u("/"), _u("/a")]
    assert site.linking_pages(_u("/b"), limit=1) == [_u("/")]
    assert site.linking_pages(_u("/")) == [_u("/a"), _u("/c")]
    assert site.inlink_count(_u("/b")) == 2
    assert site.linking_pages(ORIGIN + "/never-seen") == []
    assert site.referrers(_u("/a"), LINK_CANONICAL) == [_u("/b")]
    assert site.referrers(_u("/c"), LINK_HREFLANG) == [_u("/b")]
    assert site.referrers(_u("/a"), LINK_REDIRECT) == [_u("/old")]
    assert site.referrers(_u("/b"), LINK_CANONICAL) == []
    src, dst = site.edges(LINK_A)
    pairs = list(zip(src.tolist(), dst.tolist(), strict=True))
    assert pairs == sorted(set(pairs))  # distinct and sorted by (source, target)


def _to_older_format(path: Path) -> None:
    """Rewrite a run file as seoaudit wrote it before page_links: a row per link."""
    store = Store(path)
    sources, targets, flags = store.link_arrays()
    store.close()
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO links VALUES (?,?,?,?)",
            [
                (s, t, f >> 1, f & 1)
                for s, t, f in zip(sources.tolist(), targets.tolist(), flags.tolist(), strict=True)
            ],
        )
        db.execute("DROP TABLE page_links")


def test_an_older_run_file_with_a_row_per_link_reads_the_same(run_file: Path) -> None:
    store = Store(run_file)
    before = stored_links(store)
    store.close()
    _to_older_format(run_file)
    store = Store(run_file)  # opening it adds the (empty) new table
    assert stored_links(store) == before
    site = Site(store)
    assert site.linking_pages(_u("/b")) == [_u("/"), _u("/a")]
    assert site.referrers(_u("/a"), LINK_REDIRECT) == [_u("/old")]
    assert site.inlink_count(_u("/a")) == 2  # from / and /b (the redirect is not an <a>)


def test_an_older_read_only_run_file_is_read_without_the_new_table(
    run_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(run_file)
    before = stored_links(store)
    store.close()
    _to_older_format(run_file)

    def read_only(path: Path) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)

    monkeypatch.setattr(store_module, "_connect", read_only)
    store = Store(run_file)
    assert stored_links(store) == before
    assert Site(store).linking_pages(_u("/b")) == [_u("/"), _u("/a")]
    names = {row[0] for row in store.db.execute("SELECT name FROM sqlite_master")}
    assert "page_links" not in names


def test_an_error_pages_links_are_not_followed(tmp_path: Path) -> None:
    """Google ignores the content of a page answering 4xx or 5xx: a custom 404 page's menu
    found pages and gave them link value, and a mistyped start URL audited the whole site
    through the error page's navigation."""
    menu = '<a href="/only-from-error">x</a><a href="/">home</a>'
    pages = {
        "/": {"body": '<title>home</title><a href="/missing">broken</a><a href="/down">x</a>'},
        "/missing": {"status": 404, "body": f"<title>Not found</title>{menu}"},
        "/down": {"status": 500, "body": menu},
        "/only-from-error": {"body": "<title>found only through an error page</title>"},
    }
    result = crawl(pages, tmp_path / "a")
    store = Store(result.store_path)
    known = {url for (url,) in store.db.execute("SELECT url FROM urls")}
    store.close()
    assert f"{ORIGIN}/only-from-error" not in known
    assert {f"{ORIGIN}/", f"{ORIGIN}/missing", f"{ORIGIN}/down"} <= known
    mistyped = crawl(pages, tmp_path / "b", start="/missing")
    assert mistyped.report.summary["fetched"] == 1
    [start] = [f for f in mistyped.report.findings if f.rule == "HTTP001"]
    assert start.severity == "error" and start.message.startswith("The start URL answers 404")
