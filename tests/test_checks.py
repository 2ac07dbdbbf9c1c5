"""Post-crawl URL checks: render resources always, external links only when asked."""

from __future__ import annotations

from pathlib import Path

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
