"""Post-crawl URL checks: render resources always, external links only when asked."""

from __future__ import annotations

import sqlite3
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from seoaudit import store as store_module
from seoaudit.crawl.checks import ROBOTS_TWIN, image_size, twin_origins
from seoaudit.site import Site
from seoaudit.store import Store
from tests.sites import ORIGIN, crawl

PAGES = {
    "/": {
        "body": (
            '<html><head><link rel="stylesheet" href="/missing.css">'
            '<script src="/app.js"></script></head>'
            '<body><a href="http://elsewhere.test/gone">partner</a><a href="/a">a</a></body></html>'
        )
    },
    "/a": {"body": '<html><head><link rel="stylesheet" href="/missing.css"></head></html>'},
    "/app.js": {"body": "console.log(1)", "content_type": "application/javascript"},
    "http://elsewhere.test/gone": {"status": 410},
}


def _site(tmp_path: Path, **settings: object) -> Site:
    result = crawl(PAGES, tmp_path, **settings)
    return Site(Store(result.store_path))


def test_render_resources_are_checked_once_each(tmp_path: Path) -> None:
    site = _site(tmp_path)
    css = site.check(f"{ORIGIN}/missing.css")
    js = site.check(f"{ORIGIN}/app.js")
    assert css is not None and css.status == 404 and not css.ok
    assert css.purposes == ("render-resource",)
    assert js is not None and js.ok and js.robots_allowed is True
    assert site.check("http://elsewhere.test/gone") is None  # external links are opt-in


def test_external_links_are_checked_when_asked(tmp_path: Path) -> None:
    site = _site(tmp_path, check_external=True)
    gone = site.check("http://elsewhere.test/gone")
    assert gone is not None and gone.status == 410
    assert [c.url for c in site.checks("external-link")] == ["http://elsewhere.test/gone"]


def test_checks_are_bounded(tmp_path: Path) -> None:
    site = _site(tmp_path, max_checks=1)
    assert len(site.checks()) == 1


def test_a_failed_check_keeps_the_clients_words_and_names_the_certificate(
    tmp_path: Path,
) -> None:
    pages = {
        **PAGES,
        "http://elsewhere.test/gone": {"raise": "tls", "tls": "certificate has expired"},
    }
    result = crawl(pages, tmp_path, check_external=True)
    site = Site(Store(result.store_path))
    check = site.check("http://elsewhere.test/gone")
    assert check is not None and check.error == "tls-error"
    assert check.error_detail is not None and "certificate has expired" in check.error_detail
    [finding] = [f for f in result.report.findings if f.rule == "HTTP019"]
    assert finding.message == (
        "External link fails: the TLS certificate of elsewhere.test is rejected "
        "(the certificate has expired)"
    )  # an external site: no --ca-bundle hint
    assert finding.severity == "warning" and "certificate has expired" in finding.evidence["detail"]


def _open_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stores opened from here on open their run file read-only (no table can be made)."""
    monkeypatch.setattr(
        store_module,
        "_connect",
        lambda path: sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None),
    )


def test_an_older_run_file_gets_the_details_table_and_reads_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = {**PAGES, "http://elsewhere.test/gone": {"raise": "tls"}}
    result = crawl(pages, tmp_path, check_external=True)
    with sqlite3.connect(result.store_path) as db:
        # Earlier versions read checks with SELECT * into 8 values: the detail is not there.
        assert {len(row) for row in db.execute("SELECT * FROM checks")} == {8}
        db.execute("DROP TABLE check_details")  # as seoaudit wrote run files before it
    _open_read_only(monkeypatch)
    read_only = Store(result.store_path)
    older = read_only.checks()
    assert [c.error for c in older if c.url == "http://elsewhere.test/gone"] == ["tls-error"]
    assert {c.error_detail for c in older} == {None}
    read_only.close()
    monkeypatch.undo()
    store = Store(result.store_path)  # writable: the table is made, older checks have none
    assert {c.error_detail for c in store.checks()} == {None}
    failed = [replace(c, error_detail="reset") for c in older if c.error is not None]
    store.add_checks(failed)
    assert {c.url: c.error_detail for c in store.checks()}["http://elsewhere.test/gone"] == "reset"
    store.add_checks([replace(c, error=None, error_detail=None) for c in failed])
    assert {c.error_detail for c in store.checks()} == {None}  # checked again: no stale words


# -- structured-data images: their pixel size -------------------------------------------------

SD_PAGE = (
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Article",'
    ' "headline": "Hi", "image": ["http://site.test/a.png", "http://site.test/b.jpg",'
    ' "http://site.test/late.jpg", "http://site.test/c.webp"]}</script>'
    '<link rel="stylesheet" href="/style.png">'
)


def _png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0" * 4


def _jpeg(width: int, height: int, exif: int = 0) -> bytes:
    """A JPEG start: SOI, an APP1 segment of ``exif`` bytes (as a camera's EXIF data and
    thumbnail), then the frame header that holds the size."""
    app1 = b""
    while exif > 0:  # a segment holds at most 65,533 bytes
        part = min(exif, 65_000)
        app1 += b"\xff\xe1" + struct.pack(">H", part + 2) + b"\0" * part
        exif -= part
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app1 + sof + b"\xff\xda" + b"\0" * 100


def _webp(width: int, height: int) -> bytes:
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\0" * 4
    vp8x += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


def test_image_size_reads_raster_headers_only() -> None:
    assert image_size(_png(1200, 675), "image/png") == (1200, 675)
    assert image_size(_jpeg(640, 480, exif=20_000), "image/jpeg") == (640, 480)
    assert image_size(_webp(300, 200), "image/webp") == (300, 200)
    assert image_size(_png(10, 10), None) == (10, 10)  # the bytes decide, not the header
    assert image_size(b"<svg width='10' height='10'/>", "image/svg+xml") is None
    assert image_size(b"  <svg width='10' height='10'/>", "application/octet-stream") is None
    assert image_size(b"<html>not an image</html>", "image/png") is None
    assert image_size(_jpeg(640, 480, exif=20_000)[:10_000], "image/jpeg") is None  # cut short
    assert image_size(b"\xff\xd8" + b"\xff\xe0\x00\x00" * 4000, "image/jpeg") is None  # hostile
    assert image_size(_png(0, 5), "image/png") is None


def test_structured_data_images_are_measured_and_others_are_not(tmp_path: Path) -> None:
    pages = {
        "/": {"body": SD_PAGE},
        "/a.png": {"body": _png(1200, 675), "content_type": "image/png"},
        # the frame header 40 KB in: past the 16 KB other checks read, within the 64 KB
        "/b.jpg": {"body": _jpeg(100, 80, exif=40_000), "content_type": "image/jpeg"},
        "/late.jpg": {"body": _jpeg(100, 80, exif=70_000), "content_type": "image/jpeg"},
        "/c.webp": {"body": _webp(300, 200), "content_type": "image/webp"},
        "/style.png": {"body": _png(5, 5), "content_type": "image/png"},
    }
    result = crawl(pages, tmp_path)
    store = Store(result.store_path)
    sizes = {
        c.url.rsplit("/", 1)[1]: (c.width, c.height)
        for c in store.checks()
        # not the twins of the start page (https://site.test/, robots.txt of the www host...)
        if not any(purpose.endswith("-twin") for purpose in c.purposes)
    }
    assert sizes == {
        "a.png": (1200, 675),
        "b.jpg": (100, 80),
        "late.jpg": (None, None),  # its size is not in the first 64 KB: not judged
        "c.webp": (300, 200),
        "style.png": (None, None),  # a render resource: not measured
    }
    [finding] = [f for f in result.report.findings if f.rule == "SD018"]
    assert finding.message == (
        "Article: image http://site.test/b.jpg is 100x80 px (8,000 pixels), under Google's"
        " minimum of 50,000 pixels"
    )
    assert (finding.evidence["width"], finding.evidence["height"]) == (100, 80)
    checks = store.checks()
    store.add_checks([replace(c, width=None, height=None) for c in checks])
    assert {(c.width, c.height) for c in store.checks()} == {(None, None)}  # no stale size
    store.close()


def test_a_run_file_without_the_image_table_reads_with_no_sizes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = {"/": {"body": SD_PAGE}, "/a.png": {"body": _png(50, 50), "content_type": "image/png"}}
    result = crawl(pages, tmp_path)
    with sqlite3.connect(result.store_path) as db:
        db.execute("DROP TABLE check_images")  # as run files were written before it
    _open_read_only(monkeypatch)
    read_only = Store(result.store_path)
    assert {(c.width, c.height) for c in read_only.checks()} == {(None, None)}
    read_only.close()


# -- twin origins: their robots.txt (ROB014) ---------------------------------------------------


def test_twin_origins_are_the_other_scheme_and_the_www_or_bare_host() -> None:
    assert twin_origins("https", "example.com") == [
        "http://example.com",
        "https://www.example.com",
        "http://www.example.com",
    ]
    assert twin_origins("http", "www.example.co.uk") == [
        "https://www.example.co.uk",
        "http://example.co.uk",
        "https://example.co.uk",
    ]
    # a subdomain's www twin, an IP address's, "www.com" or "www.co.uk" without www:
    # guesses, not asked
    for host in ("blog.example.com", "blog.abc.io", "www.blog.example.com", "192.0.2.7"):
        assert twin_origins("https", host) == [f"http://{host}"]
    assert twin_origins("https", "www.com") == ["http://www.com"]
    assert twin_origins("https", "www.co.uk") == ["http://www.co.uk"]
    # development servers: a port, the loopback
    assert twin_origins("http", "site.test:8080") == []
    assert twin_origins("http", "127.0.0.1") == []
    assert twin_origins("http", "localhost") == []


def test_a_single_label_intranet_host_has_no_www_twin_and_is_crawled(tmp_path: Path) -> None:
    # a two-letter host ("hr") made the www guess index past its labels: the start
    # page became an internal error and nothing behind it was crawled
    assert twin_origins("https", "hr") == ["http://hr"]
    pages = {
        "/": {"body": '<title>HR</title><a href="/a">a</a>'},
        "/a": {"body": "<title>a</title>"},
    }
    result = crawl(pages, tmp_path, start="http://hr/")
    store = Store(result.store_path)
    try:
        assert store.page("http://hr/a") is not None
    finally:
        store.close()


def test_twin_robots_txt_is_read_whole_once_and_kept(tmp_path: Path) -> None:
    big = "User-agent: *\n" + "".join(f"Disallow: /p{i}/\n" for i in range(8000))  # ~100 KB
    pages = {
        "/": {"status": 301, "headers": {"Location": "https://site.test/"}},
        "https://site.test/": {"body": '<title>home</title><link rel="stylesheet" href="/s.css">'},
        "https://site.test/robots.txt": {"body": "User-agent: *\nDisallow: /p0/\n"},
        "https://www.site.test/robots.txt": {"body": big},
        "http://www.site.test/robots.txt": {
            "status": 301,
            "headers": {"Location": "https://site.test/robots.txt"},
        },
    }
    result = crawl(pages, tmp_path)
    store = Store(result.store_path)
    twins = {c.url: c for c in store.checks() if ROBOTS_TWIN in c.purposes}
    # http://site.test/robots.txt: the crawl read it (the start URL's origin): no request
    assert sorted(twins) == ["http://www.site.test/robots.txt", "https://www.site.test/robots.txt"]
    whole = twins["https://www.site.test/robots.txt"]
    assert whole.body == big.encode()  # past the 16 KB other checks keep, and kept
    moved = twins["http://www.site.test/robots.txt"]
    assert (moved.redirects, moved.final_url) == (1, "https://site.test/robots.txt")
    assert moved.body == b"User-agent: *\nDisallow: /p0/\n"  # the site's robots.txt
    others = [c for c in store.checks() if ROBOTS_TWIN not in c.purposes]
    assert [(c.url, c.body) for c in others] == [("https://site.test/s.css", None)]  # no body
    store.add_checks([replace(c, body=None) for c in store.checks()])
    assert {c.body for c in store.checks()} == {None}  # checked again: no stale body
    store.close()


def test_a_run_file_without_the_body_table_reads_with_no_bodies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = {"/": {"body": "<title>home</title>"}, "/robots.txt": {"body": "User-agent: *"}}
    result = crawl(pages, tmp_path)
    with sqlite3.connect(result.store_path) as db:
        db.execute("DROP TABLE check_bodies")  # as run files were written before it
    _open_read_only(monkeypatch)
    read_only = Store(result.store_path)
    assert {c.body for c in read_only.checks()} == {None}
    read_only.close()
