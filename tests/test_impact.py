"""Impact: PageRank, page value (crawl and user data), template-aware root causes, owners,
configurable weights, and the page-value CSV import (Search Console exports as downloaded)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from seoaudit import impact, pagevalue
from seoaudit.audit import run_audit
from seoaudit.cli import app
from seoaudit.config import CrawlSettings, Settings
from seoaudit.impact import ImpactSettings, build_issues, pagerank
from seoaudit.models import Finding
from seoaudit.rules.registry import RuleSpec
from seoaudit.site import Site
from seoaudit.store import Store
from tests.sites import ORIGIN, crawl, transport

DATA = Path(__file__).parent / "data" / "pagevalue"


def _page(title: str, links: list[str], body: str = "") -> dict[str, Any]:
    anchors = "".join(f'<a href="{href}">{href}</a>' for href in links)
    return {
        "body": f"<html><head><title>{title}</title></head><body><header><nav>{anchors}</nav>"
        f"</header><main class='product'><h1>{title}</h1>{body}</main></body></html>"
    }


def _shop() -> dict[str, dict[str, Any]]:
    products = ["/p/alpine-1.html", "/p/ridge-2.html", "/p/summit-3.html"]
    pages = {
        "/": {
            "body": "<html><head><title>Home</title></head><body><div class='home'>"
            + "".join(f'<a href="{p}">p</a>' for p in [*products, "/about.html"])
            + "</div></body></html>"
        },
        "/about.html": {"body": "<title>About</title><p>about us</p><a href='/'>home</a>"},
        "/robots.txt": {"body": f"Sitemap: {ORIGIN}/sitemap.xml\n"},
        "/sitemap.xml": {
            "content_type": "application/xml",
            "body": '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
            'sitemap/0.9">'
            + "".join(f"<url><loc>{ORIGIN}{p}</loc></url>" for p in products)
            + "</urlset>",
        },
    }
    for i, path in enumerate(products):
        pages[path] = _page(f"Product {i}", ["/", products[(i + 1) % 3]], "<p>x</p>" * (i + 1))
    return pages


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return crawl(_shop(), tmp_path).store_path


def _site(path: Path) -> Site:
    return Site(Store(path))


# -- PageRank and page value -------------------------------------------------------------


def test_pagerank_sums_to_one_and_ranks_the_hub_first() -> None:
    # 1 <-> 2, 1 <-> 3, 4 -> 1; 5 is not valued; 0 is the unused id.
    src = np.array([1, 2, 1, 3, 4, 5], dtype=np.int64)
    dst = np.array([2, 1, 3, 1, 1, 1], dtype=np.int64)
    valued = np.array([False, True, True, True, True, False])
    rank = pagerank(6, src, dst, valued)
    assert rank.sum() == pytest.approx(1.0)
    assert rank[0] == rank[5] == 0.0
    assert rank[1] == rank.max()
    assert rank[2] == pytest.approx(rank[3])
    assert rank[4] == pytest.approx((1 - impact.DAMPING) / 4)  # nobody links to it


def test_pagerank_of_pages_without_links() -> None:
    rank = pagerank(3, np.array([], np.int64), np.array([], np.int64), np.ones(3, dtype=bool))
    assert rank == pytest.approx([1 / 3] * 3)
    assert pagerank(2, np.array([], np.int64), np.array([], np.int64), np.zeros(2, bool)).sum() == 0


def test_page_values_sum_to_100_and_reflect_links_depth_and_sitemaps(shop: Path) -> None:
    site = _site(shop)
    values = {u: site.page_value(u) for u in site.start_urls}
    assert float(site.values.sum()) == pytest.approx(100.0)
    home = site.page_value(ORIGIN + "/")
    product = site.page_value(ORIGIN + "/p/alpine-1.html")
    about = site.page_value(ORIGIN + "/about.html")
    assert home > product > about > 0  # products: linked more, and listed in the sitemap
    assert site.page_value("https://elsewhere.test/") == 0.0
    assert values


def test_user_values_rank_known_pages_and_keep_unknown_ones(shop: Path) -> None:
    site = _site(shop)
    crawl_value = {u: site.page_value(ORIGIN + u) for u in ("/p/alpine-1.html", "/p/ridge-2.html")}
    unknown = site.page_value(ORIGIN + "/p/summit-3.html")
    user = pagevalue.UserValues(
        source="gsc.csv",
        metric="clicks",
        values={ORIGIN + "/p/alpine-1.html": 100.0, ORIGIN + "/p/ridge-2.html": 0.0},
    )
    pagevalue.attach(site.store, user)
    blended = _site(shop)
    assert float(blended.values.sum()) == pytest.approx(100.0)
    assert blended.page_value(ORIGIN + "/p/summit-3.html") == pytest.approx(unknown)
    zero = blended.page_value(ORIGIN + "/p/ridge-2.html")
    weight = impact.USER_DATA_WEIGHT
    assert zero == pytest.approx((1 - weight) * crawl_value["/p/ridge-2.html"])
    assert blended.page_value(ORIGIN + "/p/alpine-1.html") > crawl_value["/p/alpine-1.html"]


# -- root causes --------------------------------------------------------------------------


def _spec(code: str, scope: str = "page", by_template: bool | None = None) -> RuleSpec:
    return RuleSpec(
        code,
        "test-rule",
        "error",
        scope,
        lambda *_: [],
        "Doc.",
        "",
        by_template,  # type: ignore[arg-type]
    )


def _finding(code: str, path: str, cause: str | None) -> Finding:
    return Finding(
        rule=code, name="test-rule", severity="error", url=ORIGIN + path, message="m", cause=cause
    )


PRODUCTS = ("/p/alpine-1.html", "/p/ridge-2.html", "/p/summit-3.html")


def test_page_local_findings_become_one_issue_per_template(shop: Path) -> None:
    site = _site(shop)
    cause = "Product: offers.priceCurrency missing"
    findings = [_finding("TST001", p, cause) for p in PRODUCTS]
    findings.append(_finding("TST001", "/about.html", cause))  # no template: kept apart
    issues = build_issues(findings, site, specs={"TST001": _spec("TST001")})
    by_template = next(i for i in issues if i.template)
    assert by_template.template == "/p/{slug}-{id}.html"
    assert by_template.cause == f"template /p/{{slug}}-{{id}}.html: {cause}"
    assert by_template.title == f"Template /p/{{slug}}-{{id}}.html: {cause} on 3 pages"
    assert by_template.count == 3
    assert by_template.owner == "templates/front end"
    rest = next(i for i in issues if not i.template)
    assert rest.cause == cause
    assert rest.count == 1
    assert {f.issue for f in findings} == {by_template.id, rest.id}


def test_global_causes_keep_their_grouping(shop: Path) -> None:
    site = _site(shop)
    line = f"{ORIGIN}/robots.txt line 2: Disallow: /p/"
    specs = {
        "TST001": _spec("TST001"),
        "TST002": _spec("TST002", scope="site"),
        "PERF999": _spec("PERF999"),
        "TST003": _spec("TST003", by_template=False),
        "TST004": _spec("TST004"),
    }
    findings = [_finding("TST001", p, line) for p in PRODUCTS]  # names a URL
    findings += [_finding("TST002", p, "title 'Same'") for p in PRODUCTS]  # site rule
    findings += [_finding("PERF999", p, "site.test") for p in PRODUCTS]  # server family
    findings += [_finding("TST003", p, None) for p in PRODUCTS]  # opted out
    findings += [_finding("TST004", p, None) for p in PRODUCTS[:1]]  # one page only
    issues = build_issues(findings, site, specs=specs)
    assert all(i.template is None for i in issues)
    assert {(i.rule, i.count) for i in issues} == {
        ("TST001", 3),
        ("TST002", 3),
        ("PERF999", 3),
        ("TST003", 3),
        ("TST004", 1),
    }
    robots = next(i for i in issues if i.rule == "TST001")
    assert robots.cause == line
    assert robots.owner == "server/infrastructure"  # the cause names robots.txt


def test_issue_ids_are_stable_fingerprints(shop: Path) -> None:
    site = _site(shop)
    findings = [_finding("TST001", p, "x") for p in PRODUCTS]
    first = build_issues(findings, site, specs={"TST001": _spec("TST001")})
    again = build_issues(list(reversed(findings)), site, specs={"TST001": _spec("TST001")})
    assert [i.id for i in first] == [i.id for i in again]
    assert first[0].id == impact.issue_id("TST001", first[0].cause)


def test_issue_ids_are_the_same_on_another_origin(tmp_path: Path) -> None:
    """Ticket ids hashed the cause as written, origin included: tickets exported from a
    staging run came out again, under new ids, from the production run of the same site."""
    pages = {
        "/": {"body": '<title>home</title><a href="/cart/">cart</a><a href="/gone">gone</a>'},
        "/robots.txt": {"body": "User-agent: *\nDisallow: /cart/\n"},
        "/sitemap.xml": {"body": "<urlset><url><loc>/cart/</loc></url></urlset>"},
    }
    ids = []
    for n, origin in enumerate((ORIGIN, "http://staging.site.test:8080")):
        result = crawl(pages, tmp_path / str(n), start=origin + "/")
        issues = {i.rule: i for i in result.report.issues}
        assert origin in (issues["ROB008"].cause or "")  # the cause names the robots.txt
        ids.append({rule: i.id for rule, i in issues.items()})
    common = ids[0].keys() & ids[1].keys()  # ONP018 (https) is not checked on a port
    assert {"ROB008", "HTTP001"} <= common
    assert {r: ids[0][r] for r in common} == {r: ids[1][r] for r in common}
    assert ids[0]["ROB008"] == impact.issue_id("ROB008", "/robots.txt: Disallow: /cart/")


# -- weights and score inputs --------------------------------------------------------------


def test_weights_are_configurable_and_shown_in_the_score(shop: Path) -> None:
    site = _site(shop)
    findings = [_finding("TST001", "/about.html", None)]
    default = build_issues(findings, site)[0]
    heavy = build_issues(
        findings,
        site,
        weights=ImpactSettings(severity_weights={"error": 1000}, priority_bands={"P1": 90}),
    )[0]
    assert default.score.severity_weight == 10
    assert heavy.score.severity_weight == 1000
    assert heavy.impact == pytest.approx(100 * default.impact, rel=1e-3)
    assert heavy.priority == "P1"
    assert heavy.score.formula == impact.FORMULA
    assert heavy.score.page_value_sum == default.score.page_value_sum


def test_a_notice_never_outranks_an_error_of_a_higher_band(shop: Path) -> None:
    site = _site(shop)
    everywhere = [
        _finding("TST001", p, "hygiene").model_copy(update={"severity": "notice"})
        for p in ("/", "/about.html", *PRODUCTS)
    ]
    one = [_finding("TST002", "/about.html", "noindex")]
    issues = build_issues(everywhere + one, site)
    notice, error = (next(i for i in issues if i.rule == code) for code in ("TST001", "TST002"))
    assert notice.impact > error.impact  # more pages: by impact alone it would lead
    assert impact.priority(notice.impact) < notice.priority == "P3"
    assert notice.score.priority_cap == "P3"  # the score says why it is not higher
    assert error.score.priority_cap is None
    assert [i.rule for i in issues] == ["TST002", "TST001"]  # ordered by band, then impact
    uncapped = build_issues(
        everywhere + one, site, weights=ImpactSettings(highest_priority={"notice": "P1"})
    )
    assert uncapped[0].rule == "TST001"
    assert uncapped[0].priority == impact.priority(notice.impact)
    assert uncapped[0].score.priority_cap is None


def test_weights_come_from_the_run_settings(tmp_path: Path) -> None:
    settings = Settings(
        start_urls=[ORIGIN + "/"],
        crawl=CrawlSettings(retries=0),
        run_dir=tmp_path,
        impact=ImpactSettings(severity_weights={"warning": 7}),
    )
    result = run_audit(settings, transport=transport(_shop()))
    site = _site(result.store_path)
    assert impact.settings_of(site).severity_weights == {"error": 10, "warning": 7, "notice": 1}


@pytest.mark.parametrize(
    "bad",
    [
        {"severity_weights": {"fatal": 1}},
        {"severity_weights": {"error": -1}},
        {"priority_bands": {"P1": 1, "P2": 5}},
        {"priority_bands": {"P5": 1}},
        {"highest_priority": {"notice": "P5"}},
        {"highest_priority": {"fatal": "P1"}},
        {"user_data_weight": 2},
    ],
)
def test_invalid_weights_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ImpactSettings.model_validate(bad)


def test_score_inputs_show_the_users_data(shop: Path) -> None:
    store = Store(shop)
    pagevalue.attach(
        store,
        pagevalue.UserValues(
            source="gsc.csv", metric="clicks", values={ORIGIN + "/p/alpine-1.html": 40.0}
        ),
    )
    site = Site(store)
    findings = [_finding("TST001", p, None) for p in PRODUCTS]
    issue = build_issues(findings, site)[0]
    assert issue.score.value_source == "crawl+gsc.csv"
    assert issue.score.user_metric == "clicks"
    assert issue.score.user_metric_sum == 40.0
    assert issue.score.user_known == 1  # the two others are unknown, not zero


# -- the page-value file --------------------------------------------------------------------


def test_search_console_export_as_downloaded() -> None:
    values = pagevalue.load(DATA / "gsc_pages_fr.csv")
    assert values.metric == "clicks"  # "Clics", after the byte-order mark
    assert values.values["https://shop.test/"] == 120
    assert values.values["https://shop.test/p/bag-2.html"] == 0  # a known zero
    assert values.skipped == 1  # "not a url"
    assert pagevalue.load(DATA / "gsc_pages_fr.csv", metric="Impressions").values[
        "https://shop.test/"
    ] == pytest.approx(3600)
    ctr = pagevalue.load(DATA / "gsc_pages_fr.csv", metric="CTR")
    assert ctr.values["https://shop.test/"] == pytest.approx(0.0333)


def test_semicolon_export_with_decimal_commas_and_paths() -> None:
    values = pagevalue.load(DATA / "analytics_de.csv", base_url="https://shop.test/")
    assert values.metric == "revenue"  # "Umsatz" is preferred over sessions
    assert values.values == {
        "https://shop.test/": pytest.approx(1234.56),
        "https://shop.test/p/tent-1.html": pytest.approx(99.9),
        "https://shop.test/p/bag-2.html": 0.0,
    }
    sessions = pagevalue.load(
        DATA / "analytics_de.csv", base_url="https://shop.test", metric="Sitzungen"
    )
    assert sessions.values["https://shop.test/"] == 1200  # "1.200": thousands


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no data rows"),
        (b"a,b\nfoo,bar\n", "no column of URLs"),
        (b"url,name\nhttps://a.test/,x\n", "no numeric column"),
        (b"\xff\xfeu\x00", "no data rows"),
    ],
)
def test_unusable_files_say_why(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "values.csv"
    path.write_bytes(content)
    with pytest.raises(pagevalue.PageValueError, match=message):
        pagevalue.load(path)


@pytest.mark.parametrize(
    ("text", "decimal", "number"),
    [
        ("1234", ".", 1234),
        ("1,234", ".", 1234),
        ("1.234,5", ",", 1234.5),
        ("3.33%", ".", 0.0333),
        ("€ 12.50", ".", 12.5),
        ("n/a", ".", None),
        ("nan", ".", None),
    ],
)
def test_numbers_as_exports_write_them(text: str, decimal: str, number: float | None) -> None:
    parsed = pagevalue.parse_number(text, decimal)
    assert parsed == (pytest.approx(number) if number is not None else None)


def test_audit_with_a_page_value_file(tmp_path: Path) -> None:
    csv_file = tmp_path / "gsc.csv"
    csv_file.write_text(
        f"\ufeffTop pages,Clicks,Impressions,CTR,Position\n{ORIGIN}/p/alpine-1.html,50,100,50%,1\n",
        encoding="utf-8",
    )
    settings = Settings(start_urls=[ORIGIN + "/"], crawl=CrawlSettings(retries=0), run_dir=tmp_path)
    result = run_audit(settings, transport=transport(_shop()), page_values=pagevalue.load(csv_file))
    assert pagevalue.attached(Store(result.store_path)) is not None
    for issue in result.report.issues:
        assert issue.score.value_source == "crawl+gsc.csv"


def test_cli_refuses_an_unreadable_page_value_file(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "audit",
            "https://site.invalid/",
            "--page-value",
            str(tmp_path / "missing.csv"),
            "--run-dir",
            str(tmp_path),
            "-q",
            "--isolated",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "--page-value" in result.output
    assert not list(tmp_path.glob("*.sqlite"))  # refused before crawling


def test_issues_of_one_url_state_name_each_other(tmp_path: Path) -> None:
    """A noindex page listed in a sitemap is IDX001 and SMP011: two tickets, often for two
    teams, that one change closes. Each names the other; another rule's finding on the
    same page (no compression, no ETag...) does not."""
    from seoaudit import tickets
    from seoaudit.report import html
    from seoaudit.rules import REGISTRY

    noindex = '<head><meta name="robots" content="noindex"><title>a page</title>'
    pages = {
        "/": {"body": '<title>home page of the shop, long enough</title><a href="/a">a</a>'},
        "/a": {"body": noindex + "</head><p>a</p>"},
        "/robots.txt": {"body": f"Sitemap: {ORIGIN}/sitemap.xml\n"},
        "/sitemap.xml": {"body": f"<urlset><url><loc>{ORIGIN}/a</loc></url></urlset>"},
    }
    report = crawl(pages, tmp_path).report
    by_rule = {i.rule: i for i in report.issues}
    idx, smp = by_rule["IDX001"], by_rule["SMP011"]
    assert idx.related == [smp.id] and smp.related == [idx.id]
    others = [i for i in report.issues if f"{ORIGIN}/a" in i.sample_urls]
    others = [i for i in others if i.rule not in ("IDX001", "SMP011")]
    assert others and all(i.related == [] for i in others)  # same page, another change
    assert f'href="#issue-{smp.id}"' in html.render(report)
    [ticket] = [t for t in tickets.build_tickets(report, REGISTRY) if t.issue.rule == "IDX001"]
    assert f"seoaudit-{smp.id} (SMP011" in ticket.what


def test_on_page_rules_of_the_head_and_of_https_are_not_sent_to_editors(
    tmp_path: Path,
) -> None:
    """Every ONP rule was content/CMS: a missing viewport (a template's head) and a site
    not on https (the server's redirects) landed with editors, who cannot fix them."""
    report = crawl({"/": {"body": "<title>home page of the shop</title><p>text</p>"}}, tmp_path)
    owner = {i.rule: i.owner for i in report.report.issues}
    assert owner["ONP016"] == "templates/front end"  # no viewport
    assert owner["ONP015"] == "templates/front end"  # no <html lang>
    assert owner["ONP018"] == "server/infrastructure"  # http, not redirected to https
    assert owner["ONP006"] == "content/CMS"  # the meta description stays the editors'
