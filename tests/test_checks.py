"""Post-crawl URL checks: render resources always, external links only when asked."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from seoaudit import store as store_module
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


def test_an_older_run_file_gets_the_details_table_and_reads_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = {**PAGES, "http://elsewhere.test/gone": {"raise": "tls"}}
    result = crawl(pages, tmp_path, check_external=True)
    with sqlite3.connect(result.store_path) as db:
        # Earlier versions read checks with SELECT * into 8 values: the detail is not there.
        assert {len(row) for row in db.execute("SELECT * FROM checks")} == {8}
        db.execute("DROP TABLE check_details")  # as seoaudit wrote run files before it
    monkeypatch.setattr(
        store_module,
        "_connect",
        lambda path: sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None),
    )
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
