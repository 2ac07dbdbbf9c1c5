"""Sitemap, status-code, link, on-page and speed rules beyond their per-rule cases: the
demo shop's planted problems and traps, inputs TOML cannot express (gzip bytes, 60-entry
sitemaps), and the small pure helpers the rules share."""

from __future__ import annotations

import gzip
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from seoaudit.audit import run_audit
from seoaudit.config import CrawlSettings, Settings, Thresholds
from seoaudit.crawl.checks import scheme_twins
from seoaudit.crawl.sitemaps import SitemapEntry, lastmod_summary
from seoaudit.devserver import SiteServer
from seoaudit.models import Finding, PageFacts
from seoaudit.rules.canonicals import _page_number
from seoaudit.rules.common import duplicate_cause, is_paginated, parse_refresh, refreshes_away
from seoaudit.rules.onpage import _viewport_problem
from seoaudit.rules.redirects import _normalisation
from seoaudit.rules.speed import _imf_fixdate, _percentiles, _pixels, _section, server_error_rate
from seoaudit.site import Site
from seoaudit.store import Store
from tests.sites import ORIGIN, crawl, transport

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo"
MINE = ("SMP", "HTTP", "ONP", "PERF")
URLSET = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>'


def _findings(pages: dict[str, dict[str, Any]], tmp_path: Path, **settings: Any) -> list[Finding]:
    return crawl(pages, tmp_path, **settings).report.findings


def _at(findings: list[Finding], code: str) -> list[str]:
    return sorted(f.url.removeprefix(ORIGIN) for f in findings if f.rule == code)


# -- the demo shop ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_findings(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[Finding]]:
    with SiteServer(DEMO) as server:
        settings = Settings(
            start_urls=[server.base_url + "/"], run_dir=tmp_path_factory.mktemp("demo")
        )
        result = run_audit(settings)
        assert not [e for e in result.report.rule_errors if e.rule.startswith(MINE)]
        return server.base_url, result.report.findings


EXPECTED = tomllib.loads((DEMO / "_expected.toml").read_text())
PLANTED = [p for p in EXPECTED["problem"] if p.get("code", "").startswith(MINE)]


@pytest.mark.parametrize("problem", PLANTED, ids=[f"{p['code']}-{p['paths'][0]}" for p in PLANTED])
def test_demo_planted_problem_is_found(
    demo_findings: tuple[str, list[Finding]], problem: dict[str, Any]
) -> None:
    base, findings = demo_findings
    fired = {f.url.removeprefix(base) for f in findings if f.rule == problem["code"]}
    assert fired & set(problem["paths"]), problem["what"]


def test_demo_traps_are_not_flagged(demo_findings: tuple[str, list[Finding]]) -> None:
    base, findings = demo_findings
    by_rule: dict[str, set[str]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, set()).add(f.url.removeprefix(base))
    assert "/about-us" not in by_rule.get("HTTP006", set())  # one 301 is not a chain
    for code in ("ONP004", "ONP008"):  # page 2 of a series may share titles
        assert "/products/page/2/" not in by_rule.get(code, set())
    print_version = "/blog/winter-camping-checklist-print.html"  # noindex, not in a sitemap
    assert not any(print_version in urls for code, urls in by_rule.items() if code[:3] == "SMP")
    assert "/products/jackets/stormshell.html" in by_rule["PERF002"]
    assert len(by_rule["PERF002"]) == 1  # only the page planted slow


# -- inputs a TOML case cannot express -------------------------------------------------


def test_gzip_that_does_not_decompress(tmp_path: Path) -> None:
    data = gzip.compress(URLSET.format(f"<url><loc>{ORIGIN}/</loc></url>").encode())
    pages = {
        "/robots.txt": {"body": f"User-agent: *\nAllow: /\nSitemap: {ORIGIN}/sitemap.xml.gz\n"},
        "/": {"body": "<title>Home</title>"},
        "/sitemap.xml.gz": {"body": data[:30] + b"\x00" * 40, "content_type": "application/gzip"},
    }
    findings = _findings(pages, tmp_path)
    hits = [f for f in findings if f.rule == "SMP003"]
    assert [f.url.removeprefix(ORIGIN) for f in hits] == ["/sitemap.xml.gz"]
    assert hits[0].evidence["problem"] == "gzip-error"


def test_valid_gzip_sitemap_is_read(tmp_path: Path) -> None:
    data = gzip.compress(URLSET.format(f"<url><loc>{ORIGIN}/</loc></url>").encode())
    pages = {
        "/robots.txt": {"body": f"User-agent: *\nAllow: /\nSitemap: {ORIGIN}/sitemap.xml.gz\n"},
        "/": {"body": "<title>Home</title>"},
        "/sitemap.xml.gz": {"body": data, "content_type": "application/gzip"},
    }
    findings = _findings(pages, tmp_path)
    assert not [f for f in findings if f.rule.startswith("SMP00")]


def test_uniform_lastmod_is_a_notice(tmp_path: Path) -> None:
    entries = "".join(
        f"<url><loc>{ORIGIN}/p{i}</loc><lastmod>2024-06-03T10:00:00Z</lastmod></url>"
        for i in range(60)
    )
    pages = {"/": {"body": "<title>Home</title>"}, "/sitemap.xml": {"body": URLSET.format(entries)}}
    hits = [f for f in _findings(pages, tmp_path, max_pages=3) if f.rule == "SMP013"]
    assert [(f.severity, f.cause) for f in hits] == [
        ("notice", f"{ORIGIN}/sitemap.xml: all the same")
    ]


def test_orphans_are_not_reported_when_the_crawl_stopped_early(tmp_path: Path) -> None:
    entries = "".join(f"<url><loc>{ORIGIN}/p{i}</loc></url>" for i in range(6))
    pages: dict[str, dict[str, Any]] = {f"/p{i}": {"body": f"<title>{i}</title>"} for i in range(6)}
    pages |= {
        "/": {"body": "<title>Home</title>"},
        "/sitemap.xml": {"body": URLSET.format(entries)},
    }
    assert _at(_findings(pages, tmp_path, max_pages=3), "SMP021") == []


def test_download_time_is_recorded_and_summarised(tmp_path: Path) -> None:
    pages = {"/": {"body": "<title>Home</title>" + "<p>text</p>" * 500}}
    result = crawl(pages, tmp_path)
    speed = result.report.summary["speed"]
    assert speed["pages"] == 1
    assert speed["download_ms"]["p50"] is not None
    assert set(speed["sections"]) == {"/"}


def _shop_with_failures(failing: int, pages: int = 120) -> dict[str, dict[str, Any]]:
    site: dict[str, dict[str, Any]] = {
        "/": {"body": "".join(f'<a href="/p{i}">{i}</a>' for i in range(pages))}
    }
    site |= {f"/p{i}": {"body": f"<title>{i}</title>"} for i in range(pages)}
    for i in range(failing):
        site[f"/p{i * 7}"] = {"status": 503, "headers": {"Retry-After": "0"}}
    return site


def test_server_error_rate_from_one_percent_is_a_warning(tmp_path: Path) -> None:
    # PERF001 reads the crawl footprint, which a TOML case cannot size: 3 of ~125 requests
    hits = [f for f in _findings(_shop_with_failures(3), tmp_path) if f.rule == "PERF001"]
    assert [(f.url, f.severity, f.cause) for f in hits] == [(ORIGIN + "/", "warning", "site.test")]
    evidence = hits[0].evidence
    assert evidence["failed_by_status_or_error"] == {"503": 3}
    assert evidence["requests"] > 100 and 0.01 <= evidence["share"] < 0.05
    assert "3 of " in hits[0].message and "warning threshold 1%" in hits[0].message


def test_server_error_rate_counts_retries_and_follows_the_thresholds(tmp_path: Path) -> None:
    settings = Settings(
        start_urls=[ORIGIN + "/"],
        crawl=CrawlSettings(retries=1),
        run_dir=tmp_path,
        thresholds=Thresholds(server_error_share=0.1, high_server_error_share=0.2),
    )
    result = run_audit(settings, transport=transport(_shop_with_failures(3)))
    origins = result.report.summary["crawl_impact"]["origins"]
    assert origins[ORIGIN]["failed"] == {"503": 6}  # each 503 and its retry
    assert not [f for f in result.report.findings if f.rule == "PERF001"]


def test_a_crawl_stopped_by_the_error_budget_raises_only_hosts_over_the_threshold(
    tmp_path: Path,
) -> None:
    # The budget counts the whole crawl: it may run out on another host. A host under the
    # warning share stays unreported; one over it becomes an error.
    result = crawl(_shop_with_failures(3), tmp_path)
    store = Store(result.store_path)
    footprint = store.get_meta("footprint")
    footprint["stopped_by_error_budget"] = True
    store.set_meta("footprint", footprint)
    hits = list(server_error_rate(Site(store)))
    assert [(h.url, h.severity) for h in hits] == [(ORIGIN + "/", "error")]
    assert "the crawl stopped early" in hits[0].message
    footprint["origins"][ORIGIN]["requests"] = 3000  # 3 failed of 3,000: 0.1%
    store.set_meta("footprint", footprint)
    assert list(server_error_rate(Site(store))) == []


# -- pure helpers --------------------------------------------------------------------------


def test_lastmod_summary() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [
        SitemapEntry("a", "a", "2025-12-31"),
        SitemapEntry("b", "b", "2026-01-01T20:00:00+00:00"),  # within a day: time zones
        SitemapEntry("c", "c", "2026-03-01"),
        SitemapEntry("d", "d", "not a date"),
        SitemapEntry("e", "e", None),
    ]
    summary = lastmod_summary(entries, now)
    assert summary["count"] == 4 and summary["distinct"] == 4
    assert summary["future"] == 1 and summary["future_examples"][0]["loc"] == "c"


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("http://a.test/x", "https://a.test/x", "http to https"),
        ("https://www.a.test/x", "https://a.test/x", "host www.a.test to a.test"),
        ("https://a.test/x", "https://a.test/x/", "trailing slash"),
        ("https://a.test/X", "https://a.test/x", "letter case"),
        ("https://a.test/d/index.html", "https://a.test/d/", "index.html"),
        ("https://a.test/catalog", "https://a.test/products/", None),
        ("https://a.test/x", "https://b.test/x", None),
    ],
)
def test_normalisation(source: str, target: str, expected: str | None) -> None:
    assert _normalisation(source, target) == expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("0; url=/next", (0.0, "/next")),
        ("5;URL='https://a.test/'", (5.0, "https://a.test/")),
        ("3", (3.0, None)),
        ("0, url=/x", (0.0, "/x")),
        ("soon", None),
        ("", None),
    ],
)
def test_parse_refresh(content: str, expected: tuple[float, str | None] | None) -> None:
    assert parse_refresh(content) == expected


def test_refreshes_away() -> None:
    assert refreshes_away("https://a.test/s", "0; url=/contact")
    assert not refreshes_away("https://a.test/s", "0; url=/s")  # itself
    assert not refreshes_away("https://a.test/s", "5; url=/contact")  # delayed: temporary
    assert not refreshes_away("https://a.test/s", None)


@pytest.mark.parametrize(
    ("url", "paginated"),
    [
        ("https://a.test/products/page/2/", True),
        ("https://a.test/products/page/1/", False),
        ("https://a.test/list?page=3", True),
        ("https://a.test/list?sort=a&p=2", True),
        ("https://a.test/list?start=20", True),
        ("https://a.test/list?start=0", False),
        ("https://a.test/pages/about", False),
    ],
)
def test_is_paginated(url: str, paginated: bool) -> None:
    assert is_paginated(url) is paginated


@pytest.mark.parametrize(
    "url",
    [
        "https://a.test/list?pagenum=3",
        "https://a.test/list?pagina=3",
        "https://a.test/list?page_no=3",
        "https://a.test/list/seite/3",
    ],
)
def test_pagination_rules_read_one_set_of_page_numbers(url: str) -> None:
    # the on-page rules (is_paginated) and the canonical rules (_page_number) used two
    # lists that disagreed on pagina and pagenum
    number = _page_number(url)
    assert is_paginated(url) and number is not None and number[1] == 3


def test_duplicate_cause_is_short_and_stable() -> None:
    assert duplicate_cause("title", "  Home  |  Shop ") == "title 'Home | Shop'"
    assert len(duplicate_cause("title", "x" * 500)) < 100


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, ("no viewport meta tag", False)),
        ("initial-scale=1", None),
        ("minimal-ui", ("viewport without width or initial-scale", False)),
        (
            "width=device-width, user-scalable=0",
            ("viewport disables zooming (user-scalable=no)", True),
        ),
        (
            "width=device-width, maximum-scale=1.0",
            ("viewport limits zooming (maximum-scale below 2)", True),
        ),
        ("width=device-width, maximum-scale=junk", None),
    ],
)
def test_viewport_problem(content: str | None, problem: tuple[str, bool] | None) -> None:
    assert _viewport_problem(content) == problem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed, 01 May 2024 10:00:00 GMT", (True, "Wed, 01 May 2024 10:00:00 GMT")),
        ("Thu, 01 May 2024 10:00:00 GMT", (False, "Wed, 01 May 2024 10:00:00 GMT")),  # weekday
        ("Wed, 01 May 2024 10:00:00 +0000", (False, "Wed, 01 May 2024 10:00:00 GMT")),
        ("Wed, 01 May 2024 12:00:00 +0200", (False, "Wed, 01 May 2024 10:00:00 GMT")),
        ("Wed May  1 10:00:00 2024", (False, "Wed, 01 May 2024 10:00:00 GMT")),  # asctime
        ("2024-05-01T10:00:00Z", (False, None)),
        ("Wed, 31 Feb 2024 10:00:00 GMT", (False, None)),
        ("", (False, None)),
        ("Fri, 31 Dec 9999 23:59:59 -0100", (False, None)),  # past the end of datetime
        ("Fri, 31 Dec 9999 23:59:59 -2359", (False, None)),
    ],
)
def test_imf_fixdate(value: str, expected: tuple[bool, str | None]) -> None:
    assert _imf_fixdate(value) == expected


def test_percentiles_and_sections() -> None:
    assert _percentiles([]) == {"p50": None, "p75": None, "p95": None, "max": None}
    values = [i / 1000 for i in range(1, 101)]  # 1..100 ms
    assert _percentiles(values) == {"p50": 50.0, "p75": 75.0, "p95": 95.0, "max": 100.0}
    assert _section("https://a.test/products/x.html") == "/products/"
    assert _section("https://a.test/about.html") == "/"
    assert _section("https://a.test/") == "/"


def test_scheme_twin_probe_skips_development_hosts() -> None:
    def start(url: str) -> PageFacts:
        return PageFacts(url=url, final_url=url, status=200, is_html=True, depth=0)

    settings = Settings().crawl
    assert list(scheme_twins(start("https://a.test/"), settings)) == ["http://a.test/"]
    assert list(scheme_twins(start("http://127.0.0.1:8000/"), settings)) == []
    assert list(scheme_twins(start("http://localhost/"), settings)) == []


def test_numbers_from_pages_are_ascii_digits_only() -> None:
    # str.isdigit() accepts "²", which int() refuses: a page must not crash a rule with it.
    assert _pixels("²") == 0 and _pixels("1200px") == 1200 and _pixels("١٢٠٠") == 0
    assert _page_number("https://x.test/list?page=%C2%B2") is None
    assert _page_number("https://x.test/list?page=" + "9" * 5000) is None
    assert _page_number("https://x.test/list?page=3") == ("https://x.test/list?", 3)
