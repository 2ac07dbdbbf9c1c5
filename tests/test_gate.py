"""The gate (gate.py) and baselines (baseline.py): budgets, KPIs, suppressions, new /
persisting / fixed / not comparable, the inconclusive verdict, exit codes and the run diff."""

from __future__ import annotations

import io
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from seoaudit import baseline, gate, kpis, rundiff
from seoaudit.audit import AuditResult, run_audit
from seoaudit.cli import app
from seoaudit.config import Budget, CrawlSettings, GateSettings, Kpi, Settings, Suppression
from seoaudit.models import Finding, Report, RunInfo
from seoaudit.site import Site
from seoaudit.store import Store
from tests.sites import ORIGIN, transport

SITE = "https://www.example.com"


def finding(rule: str, path: str, severity: str = "error", cause: str | None = None) -> Finding:
    return Finding(
        rule=rule,
        name="some-problem",
        severity=severity,  # type: ignore[arg-type]
        url=SITE + path,
        message=f"{rule} on {path}",
        cause=cause,
    )


def report(findings: list[Finding], **run: Any) -> Report:
    info = RunInfo(
        run_id="r1",
        tool_version="0",
        state=run.pop("state", "complete"),
        start_urls=[SITE + "/"],
        pages_fetched=run.pop("pages_fetched", 10),
        fetch_errors=run.pop("fetch_errors", 0),
        settings=run.pop("settings", {}),
    )
    return Report(run=info, findings=findings, summary=run.pop("summary", {}))


def judge(rep: Report, **settings: Any) -> gate.GateResult:
    return gate.evaluate(rep, Settings(**settings), today=date(2026, 6, 1))


# -- fingerprints and the baseline file -------------------------------------------------------


def test_fingerprints_leave_the_origin_out() -> None:
    cause = f"{SITE}/robots.txt line 2: Disallow: /x/"
    here = finding("ROB008", "/x/a", cause=cause)
    there = here.model_copy(
        update={
            "url": "http://127.0.0.1:8123/x/a",
            "cause": "http://127.0.0.1:8123/robots.txt line 2: Disallow: /x/",
        }
    )
    assert baseline.fingerprint(here, SITE) == baseline.fingerprint(there, "http://127.0.0.1:8123")
    assert baseline.fingerprint(here, SITE) != baseline.fingerprint(
        finding("ROB008", "/x/b", cause=cause), SITE
    )
    # a longer port or host is not the origin
    assert (
        baseline.relative("https://www.example.com.evil/x", SITE)
        == "https://www.example.com.evil/x"
    )
    assert baseline.relative("http://h:80/x http://h:8000/y", "http://h:80") == "/x http://h:8000/y"


def test_baseline_file_is_sorted_one_per_line_and_round_trips(tmp_path: Path) -> None:
    findings = [finding("HTTP002", "/b"), finding("HTTP001", "/z"), finding("HTTP001", "/a")]
    entries = baseline.entries_for(findings + findings[:1], SITE)
    path = tmp_path / "seoaudit-baseline.txt"
    baseline.write(path, entries)
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    assert [line.split("# ")[1] for line in lines] == ["HTTP001 /a", "HTTP001 /z", "HTTP002 /b"]
    assert all(len(line.split()[0]) == 16 for line in lines)
    assert baseline.read(path) == {e.fingerprint: e for e in entries}
    path.write_text(path.read_text() + "not-a-fingerprint\n")
    with pytest.raises(baseline.BaselineError, match=r"seoaudit-baseline.txt:\d+: expected"):
        baseline.read(path)
    with pytest.raises(baseline.BaselineError, match="baseline create"):
        baseline.read(tmp_path / "missing.txt")


def test_a_baseline_saved_with_a_bom_and_crlf_reads_the_same(tmp_path: Path) -> None:
    """Edited in a Windows editor: a BOM made the first line unreadable ("expected a
    16-hex-digit fingerprint") or, when it was an entry, lost it."""
    entries = baseline.entries_for([finding("HTTP001", "/a"), finding("HTTP002", "/b")], SITE)
    path = tmp_path / "seoaudit-baseline.txt"
    whole = baseline.render(entries)
    bare = "".join(x for x in whole.splitlines(keepends=True) if not x.startswith("#"))
    for text in (whole, bare):  # the BOM before the header, or before an entry
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
        assert baseline.read(path) == {e.fingerprint: e for e in entries}


def _baseline(tmp_path: Path, findings: list[Finding]) -> Path:
    path = tmp_path / "baseline.txt"
    baseline.write(path, baseline.entries_for(findings, SITE))
    return path


# -- the severity gate and budgets ----------------------------------------------------------


def test_severity_gate_counts_only_new_findings_with_a_baseline(tmp_path: Path) -> None:
    old = [finding("HTTP002", "/old")]
    path = _baseline(tmp_path, old)
    assert judge(report(old)).verdict == "fail"  # no baseline: any error fails
    result = judge(report(old), gate=GateSettings(baseline=path), fail_on="error")
    assert result.verdict == "pass"
    new = judge(report([*old, finding("HTTP002", "/new")]), gate=GateSettings(baseline=path))
    assert new.verdict == "fail"
    assert new.checks[0].top == [f"HTTP002 {SITE}/new: HTTP002 on /new"]
    everything = judge(report(old), gate=GateSettings(baseline=path, new_only=False))
    assert everything.verdict == "fail"
    assert judge(report(old), fail_on="never").checks == []


def test_budgets_count_share_and_new(tmp_path: Path) -> None:
    findings = [finding("HTTP001", f"/p/{i}", "warning") for i in range(3)]
    findings.append(finding("HTTP006", "/r", "notice"))
    base = _baseline(tmp_path, findings[:2])
    budgets = [
        Budget(name="count", rules=["HTTP001"], max_count=2),
        Budget(name="new", rules=["HTTP"], max_new=0),
        Budget(name="warn only", severity="warning", max_count=0, level="warn"),
        Budget(name="other url", rules=["HTTP001"], urls="/blog/", max_count=0),
    ]
    result = judge(report(findings), budgets=budgets, gate=GateSettings(baseline=base))
    checks = {c.name: c for c in result.checks}
    assert checks["count"].status == "fail" and checks["count"].measured == "3 findings > 2"
    assert checks["new"].status == "fail"
    assert checks["new"].measured == "2 new findings > 0"  # /p/2 and /r
    one = judge(report(findings[:3]), budgets=budgets[1:2], gate=GateSettings(baseline=base))
    assert one.checks[-1].measured == "1 new finding > 0"  # not "1 new findings"
    assert checks["warn only"].status == "fail" and checks["warn only"].level == "warn"
    assert checks["other url"].status == "pass"
    assert result.verdict == "fail"
    assert not any("warn only" in r for r in result.reasons)
    # without a baseline every finding is new
    assert judge(report(findings), budgets=[Budget(max_new=3)]).verdict == "fail"


def test_warn_level_checks_never_fail_the_run() -> None:
    result = judge(
        report([finding("HTTP001", "/a", "warning")]), budgets=[Budget(max_count=0, level="warn")]
    )
    assert result.verdict == "pass"
    assert result.checks[-1].status == "fail"


def test_policy_per_url_ignores_severity_overrides_and_selection() -> None:
    findings = [
        finding("HTTP001", "/legacy/a", "warning"),
        finding("HTTP006", "/x", "warning"),
        finding("HTTP008", "/y", "error"),
        finding("ROB008", "/z", "error"),
    ]
    settings = Settings(
        per_url_ignores={"/legacy/": ["HTTP0"]},
        severity_overrides={"HTTP": "notice", "HTTP008": "warning"},
        ignore=["ROB"],
    )
    out = gate.apply_overrides(findings, settings)
    assert [(f.rule, f.severity) for f in out] == [("HTTP006", "notice"), ("HTTP008", "warning")]
    assert gate.apply_overrides(out, settings) == out  # idempotent
    assert findings[2].severity == "error"  # the originals are not changed


def test_suppressions_with_reason_and_expiry(tmp_path: Path) -> None:
    findings = [finding("HTTP002", "/legacy/a"), finding("HTTP002", "/b")]
    fp_b = baseline.fingerprint(findings[1], SITE)
    active = Suppression(
        rules=["HTTP"], urls="/legacy/", reason="migration", expires=date(2026, 6, 1)
    )
    by_fp = Suppression(fingerprint=fp_b, reason="accepted by SEO")
    result = judge(report(findings), suppress=[active, by_fp])
    assert result.verdict == "pass" and result.suppressed == 2 and result.warnings == []
    assert set(result.status.values()) == {"suppressed"}
    # Only suppressed ones are listed (an unlisted finding is new), in a fixed order: the
    # JSON report carries the mapping and must be the same bytes every run.
    assert list(result.status) == sorted({baseline.fingerprint(f, SITE) for f in findings})
    expired = active.model_copy(update={"expires": date(2026, 5, 31)})
    result = judge(report(findings), suppress=[expired, by_fp])
    assert result.verdict == "fail" and result.suppressed == 1
    assert result.warnings == [
        "suppression expired on 2026-05-31: migration (it no longer applies)"
    ]


# -- KPIs, inconclusive, exit codes ---------------------------------------------------------


def test_kpis_read_the_run_kpis_and_skip_what_is_not_measured() -> None:
    summary = {
        "kpis": {"indexable_share": 0.72, "structured_data_health": None, "ttfb_ms": {"p90": 950.0}}
    }
    kpis = [
        Kpi(metric="indexable_share", min=0.8),
        Kpi(metric="ttfb_p90_ms", max=800, level="warn"),
        Kpi(metric="structured_data_health", min=0.9),
        Kpi(metric="canonical_health", min=0.9),
    ]
    result = judge(report([], summary=summary), kpis=kpis, fail_on="never")
    measured = [(c.status, c.measured) for c in result.checks]
    assert measured[0] == ("fail", "indexable_share 72.0% < 80.0%")
    assert measured[1] == ("fail", "ttfb_p90_ms 950 ms > 800 ms")
    assert measured[2][0] == "skipped" and measured[3][0] == "skipped"
    assert result.verdict == "fail" and len(result.reasons) == 1


def test_a_ttfb_percentile_not_kept_is_computed_by_the_kpi_definition(tmp_path: Path) -> None:
    result = _crawl(RELEASE_1, tmp_path, "p95")
    site = Site(Store(result.store_path))
    html_ttfbs = [
        s.ttfb for s in site.summaries() if s.status == 200 and s.is_html and s.ttfb is not None
    ]
    assert len(html_ttfbs) == 2 and "p95" not in result.report.summary["kpis"]["ttfb_ms"]
    # Nearest rank: of two values, the 95th percentile is the larger one (a measured time).
    expected = round(max(html_ttfbs) * 1000, 1)
    assert kpis.ttfb_ms(site, 95) == expected
    verdict = gate.evaluate(
        result.report,
        Settings(kpis=[Kpi(metric="ttfb_p95_ms", max=0.0)], fail_on="never"),
        today=date(2026, 6, 1),
        site=site,
    )
    check = next(
        c for c in verdict.checks if c.name.startswith("kpi") or "ttfb_p95_ms" in c.measured
    )
    # shown with the digits that tell it from the bound: "0.3 ms > 0.0 ms", not "0 ms > 0 ms"
    shown, bound = check.measured.removeprefix("ttfb_p95_ms ").removesuffix(" ms").split(" ms > ")
    assert check.status == "fail" and float(bound) == 0 and shown != bound
    assert float(shown) == pytest.approx(expected, abs=0.5)


@pytest.mark.parametrize(
    ("run", "verdict"),
    [
        ({"state": "failed"}, "inconclusive"),
        ({"state": "interrupted"}, "inconclusive"),
        ({"pages_fetched": 10, "fetch_errors": 6}, "inconclusive"),
        ({"pages_fetched": 10, "fetch_errors": 5}, "fail"),  # 50% is not more than 50%
    ],
)
def test_inconclusive_runs(run: dict[str, Any], verdict: str) -> None:
    result = judge(report([finding("HTTP002", "/a")], **run))
    assert result.verdict == verdict


def test_exit_codes_and_exit_zero() -> None:
    results = {v: gate.GateResult(verdict=v) for v in ("pass", "fail", "inconclusive")}  # type: ignore[arg-type]
    assert [gate.exit_code(results[v]) for v in ("pass", "fail", "inconclusive")] == [0, 1, 3]
    assert [
        gate.exit_code(results[v], exit_zero=True) for v in ("pass", "fail", "inconclusive")
    ] == [0, 0, 3]


# -- against real runs: fixed only when the URL was fetched -----------------------------------


def _page(links: list[str], extra: str = "") -> dict[str, Any]:
    anchors = "".join(f'<a href="{href}">link</a>' for href in links)
    return {"body": f"<html><head><title>Page</title>{extra}</head><body>{anchors}</body></html>"}


def _crawl(pages: dict[str, dict[str, Any]], folder: Path, run_id: str) -> AuditResult:
    settings = Settings(
        start_urls=[ORIGIN + "/"],
        crawl=CrawlSettings(retries=0, sitemaps=False, probe=False),
        run_dir=folder,
        select=["HTTP001", "HTTP002"],
    )
    return run_audit(settings, transport=transport(pages), run_id=run_id)


RELEASE_1 = {
    "/": _page(["/a", "/missing-1", "/missing-2", "/broken"]),
    "/a": _page(["/"]),
    "/broken": {"status": 500, "body": "oops"},
}
RELEASE_2 = {
    "/": _page(
        ["/a", "/missing-1", "/broken", "/missing-3"], '<meta name="robots" content="noindex">'
    ),
    "/a": {"body": "<html><head><title>Page A, new title</title></head><body></body></html>"},
    "/broken": _page(["/"]),
}


def test_comparison_never_counts_an_unfetched_url_as_fixed(tmp_path: Path) -> None:
    first = _crawl(RELEASE_1, tmp_path, "one")
    path = tmp_path / "baseline.txt"
    baseline.write(path, baseline.entries_for(first.report.findings, ORIGIN))
    assert {e.url for e in baseline.read(path).values()} == {"/missing-1", "/missing-2", "/broken"}
    second = _crawl(RELEASE_2, tmp_path, "two")
    settings = Settings(gate=GateSettings(baseline=path), select=["HTTP001", "HTTP002"])
    result = gate.evaluate(second.report, settings, store_path=second.store_path)
    assert result.baseline is not None
    assert result.baseline.fixed == ["HTTP002 /broken"]  # fetched again and now fine
    # /missing-2 is no longer linked, so this run did not fetch it: not comparable
    assert result.baseline.not_comparable == ["HTTP001 /missing-2"]
    assert (result.baseline.new, result.baseline.persisting) == (1, 1)  # /missing-3, /missing-1
    # a rule that did not run cannot have fixed anything
    narrow = Settings(gate=GateSettings(baseline=path), select=["HTTP001"])
    result = gate.evaluate(second.report, narrow, store_path=second.store_path)
    assert result.baseline is not None and result.baseline.fixed == []
    assert "HTTP002 /broken" in result.baseline.not_comparable


def test_diff_between_two_runs(tmp_path: Path) -> None:
    first = _crawl(RELEASE_1, tmp_path, "one")
    second = _crawl(RELEASE_2, tmp_path, "two")
    stores = [Store(first.store_path), Store(second.store_path)]
    try:
        diff = rundiff.diff_stores(*stores)
    finally:
        for store in stores:
            store.close()
    with diff:  # the stores are closed: the comparison lives in a file of its own
        rules = {d.rule: d for d in diff.rules}
        http001 = rules["HTTP001"]
        assert (http001.new, http001.persisting, http001.not_comparable) == (1, 1, 1)
        assert (rules["HTTP002"].fixed, rules["HTTP002"].new) == (1, 0)
        changes = {c.url: c.changes for c in diff.pages()}
        assert changes["/"]["indexability"] == ["indexable", "noindex"]
        assert changes["/a"]["title"] == ["Page", "Page A, new title"]
        assert changes["/broken"]["status"] == [500, 200]
        assert list(diff.only_in_a()) == ["/missing-2"] and list(diff.only_in_b()) == ["/missing-3"]
        assert list(diff.fixed()) == ["HTTP002 /broken"]
        assert diff.counts == {"new": 1, "fixed": 1, "pages": 3, "only_in_a": 1, "only_in_b": 1}
        text, markdown = io.StringIO(), io.StringIO()
        rundiff.write_text(diff, text)
        rundiff.write_markdown(diff, markdown)
        written = io.StringIO()
        rundiff.write_json(diff, written)
    assert "indexability: indexable -> noindex" in text.getvalue()
    assert "| `/` | indexability | indexable | noindex |" in markdown.getvalue()
    data = json.loads(written.getvalue())
    assert data["only_in_a"] == ["/missing-2"] and data["fixed"] == ["HTTP002 /broken"]
    assert written.getvalue() == json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _products(*names: str) -> dict[str, dict[str, Any]]:
    items = ",".join(
        f'{{"@type": "Product", "name": "{name}", "offers": {{"@type": "Offer", '
        '"price": "10.00", "priceCurrency": "USD"}}'
        for name in names
    )
    script = '<script type="application/ld+json">{"@context": "https://schema.org", '
    script += f'"@graph": [{items}]}}</script>'
    return {
        "/": {
            "body": f"<html><head><title>Shop</title>{script}</head><body><h1>Shop</h1>"
            "<p>$10.00</p></body></html>"
        }
    }


def test_one_problem_found_twice_on_a_page_counts_twice_against_the_baseline(
    tmp_path: Path,
) -> None:
    """Two Products whose names the page does not show are two SD015 findings with one
    rule, URL and cause: they had one fingerprint, so the baseline held one line for both
    and a third such Product on the page was not new."""

    def run(run_id: str, *names: str) -> AuditResult:
        settings = Settings(
            start_urls=[ORIGIN + "/"],
            crawl=CrawlSettings(retries=0, sitemaps=False, probe=False),
            run_dir=tmp_path,
            select=["SD015"],
        )
        return run_audit(settings, transport=transport(_products(*names)), run_id=run_id)

    two = run("two", "Alpine Tent", "Summit Pack")
    assert [f.occurrence for f in two.report.findings] == [1, 2]
    path = tmp_path / "baseline.txt"
    baseline.write(path, baseline.entries_for(two.report.findings, ORIGIN))
    assert len(baseline.read(path)) == 2
    # The first keeps the fingerprint findings had before they were counted.
    first = two.report.findings[0]
    assert first.fingerprint == first.model_copy(update={"occurrence": 1}).fingerprint
    assert baseline.fingerprint(first, ORIGIN) != baseline.fingerprint(
        two.report.findings[1], ORIGIN
    )

    settings = Settings(gate=GateSettings(baseline=path), select=["SD015"], fail_on="warning")
    three = run("three", "Alpine Tent", "Summit Pack", "Ridge Stove")
    result = gate.evaluate(three.report, settings, store_path=three.store_path)
    assert result.baseline is not None
    assert (result.baseline.new, result.baseline.persisting) == (1, 2)
    assert result.verdict == "fail"
    one = run("one", "Summit Pack")  # one fixed: the other is known, nothing is new
    result = gate.evaluate(one.report, settings, store_path=one.store_path)
    assert result.baseline is not None
    assert (result.baseline.new, result.baseline.persisting) == (0, 1)
    assert len(result.baseline.fixed) == 1
    assert result.verdict == "pass"


def test_check_judges_severities_by_todays_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``seoaudit check`` re-judges a stored run under today's configuration, but a
    severity override configured when the run was made stayed in force: the stored
    findings had lost the severity their rule gave them."""
    settings = Settings(
        start_urls=[ORIGIN + "/"],
        crawl=CrawlSettings(retries=0, sitemaps=False, probe=False),
        run_dir=tmp_path,
        select=["HTTP001", "HTTP002"],
        severity_overrides={"HTTP002": "notice"},
    )
    run = run_audit(settings, transport=transport(RELEASE_1), run_id="r")
    stored = next(f for f in run.report.findings if f.rule == "HTTP002")
    assert (stored.severity, stored.rule_severity) == ("notice", "error")
    for overrides, expected in (({}, "error"), ({"HTTP": "warning"}, "warning")):
        now = Settings(severity_overrides=overrides)
        judged = gate.apply_overrides(run.report.findings, now, run.report.run)
        assert {f.severity for f in judged if f.rule == "HTTP002"} == {expected}
        assert {f.severity for f in judged if f.rule == "HTTP001"} == {"warning"}

    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("SEOAUDIT_")]:
        monkeypatch.delenv(name)
    out = tmp_path / "check.json"
    args = ["check", str(run.store_path), "--isolated", "-q", "-f", "json", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output  # an error finding: today's policy fails it
    data = json.loads(out.read_text())
    [server_error] = [f for f in data["findings"] if f["rule"] == "HTTP002"]
    assert (server_error["severity"], server_error["rule_severity"]) == ("error", None)
    assert [i["severity"] for i in data["issues"] if i["rule"] == "HTTP002"] == ["error"]


def test_policy_upper_cases_the_configured_codes_once_not_per_finding() -> None:
    """The override loop upper-cased every configured code for every finding it judged;
    a stored run's lower-case codes still match."""
    calls = 0

    class Code(str):
        def upper(self) -> str:
            nonlocal calls
            calls += 1
            return str.upper(self)

    settings = Settings()
    settings.severity_overrides = {Code("http"): "notice", Code("http008"): "warning"}
    settings.select = [Code("http")]
    settings.ignore = [Code("rob")]
    settings.per_url_ignores = {"/legacy/": [Code("http00")]}
    findings = [finding("HTTP008", f"/p{i}", "error") for i in range(50)]
    findings += [finding("HTTP006", "/x", "warning"), finding("HTTP001", "/legacy/a")]
    out = gate.apply_overrides(findings, settings)
    assert [f.severity for f in out] == ["warning"] * 50 + ["notice"]
    assert calls <= 5  # once per configured code


def test_a_share_budget_over_no_page_is_skipped_and_says_so(tmp_path: Path) -> None:
    """A max_share budget whose `urls` matched no page passed as "0.0% of 0 pages": a
    mistyped pattern went unnoticed."""
    from tests.sites import crawl

    result = crawl({"/": {"body": '<title>home</title><a href="/gone">x</a>'}}, tmp_path)
    budgets = [
        Budget(name="blog", rules=["HTTP"], urls="/blgo/", max_share=0.1),
        Budget(name="blog count too", rules=["HTTP"], urls="/blgo/", max_share=0.1, max_count=0),
        Budget(name="site", rules=["HTTP"], max_share=0.9),
    ]
    settings = Settings(budgets=budgets, fail_on="never")
    checks = gate.evaluate(result.report, settings, store_path=result.store_path).checks
    blog, counted, site = checks
    assert blog.status == "skipped"
    assert blog.measured == "no page matches urls /blgo/: no share to measure"
    assert counted.status == "pass" and "no page matches urls /blgo/" in counted.measured
    assert site.status == "pass" and site.measured.startswith("50.0% of 2 pages")


def _product_page(markup: str | None) -> dict[str, Any]:
    script = f'<script type="application/ld+json">{markup}</script>' if markup is not None else ""
    return {
        "body": f"<html><head><title>Stormshell</title>{script}</head><body><h1>Stormshell</h1>"
        '<p>$10.00</p><a href="/b">b</a></body></html>'
    }


def test_a_finding_hidden_by_a_block_that_no_longer_parses_is_not_fixed(tmp_path: Path) -> None:
    """Breaking a Product's JSON-LD made SD007 (recommended property missing) vanish: the
    block no longer parses (a new SD001), so no structured-data rule read it. The gate,
    the diff and `baseline update` counted SD007 as fixed."""
    product = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": "Stormshell",
            "image": ORIGIN + "/missing.jpg",  # SD017 too
            "offers": {"@type": "Offer", "price": "10.00", "priceCurrency": "USD"},
        }
    )
    broken = product[:-1] + ",}"

    def run(run_id: str, home: str | None, other: str | None) -> AuditResult:
        pages = {"/": _product_page(home), "/b": _product_page(other)}
        settings = Settings(
            start_urls=[ORIGIN + "/"],
            crawl=CrawlSettings(retries=0, sitemaps=False, probe=False),
            run_dir=tmp_path,
            select=["SD"],
        )
        return run_audit(settings, transport=transport(pages), run_id=run_id)

    rel1 = run("rel1", product, None)
    assert {(f.rule, f.url) for f in rel1.report.findings} == {
        ("SD007", ORIGIN + "/"),
        ("SD017", ORIGIN + "/"),
    }
    path = tmp_path / "baseline.txt"
    baseline.write(path, baseline.entries_for(rel1.report.findings, ORIGIN))
    settings = Settings(gate=GateSettings(baseline=path), select=["SD"])
    rel2 = run("rel2", broken, None)  # the block on / no longer parses
    rel3 = run("rel3", None, broken)  # the markup removed from /; /b's block is broken
    assert {f.rule for f in rel2.report.findings} == {"SD001"}
    result = gate.evaluate(rel2.report, settings, store_path=rel2.store_path)
    assert result.baseline is not None
    assert result.baseline.fixed == []
    assert result.baseline.not_comparable == ["SD007 /", "SD017 /"]
    assert result.baseline.new == 1
    # read on /, and found nothing there: fixed, whatever breaks on another page
    result = gate.evaluate(rel3.report, settings, store_path=rel3.store_path)
    assert result.baseline is not None
    assert result.baseline.fixed == ["SD007 /", "SD017 /"]
    for after, fixed, not_comparable in ((rel2, 0, 1), (rel3, 1, 0)):
        stores = [Store(rel1.store_path), Store(after.store_path)]
        try:
            with rundiff.diff_stores(*stores) as diff:
                rules = {d.rule: d for d in diff.rules}
                assert (rules["SD007"].fixed, rules["SD007"].not_comparable) == (
                    fixed,
                    not_comparable,
                )
                assert diff.counts["fixed"] == 2 * fixed
        finally:
            for store in stores:
                store.close()


def test_a_page_answering_an_error_does_not_fix_what_its_content_had(tmp_path: Path) -> None:
    """/a had no meta description (ONP006, baselined). In the next run it answered 503:
    nothing read its content, yet the gate, the diff and `baseline update` counted ONP006
    as fixed and dropped it, so the debt came back as "new" once the page recovered. Its
    status findings (HTTP) are judged as before."""
    page = {"body": "<title>a page with a long enough title</title><p>text</p>"}
    broken = {"status": 503, "body": "<title>Unavailable</title>"}

    def run(run_id: str, a: dict[str, Any]) -> AuditResult:
        pages = {"/": {"body": '<title>home page of the site</title><a href="/a">a</a>'}}
        settings = Settings(
            start_urls=[ORIGIN + "/"],
            crawl=CrawlSettings(retries=0, sitemaps=False, probe=False),
            run_dir=tmp_path,
            select=["ONP006", "HTTP"],
        )
        return run_audit(settings, transport=transport({**pages, "/a": a}), run_id=run_id)

    rel1 = run("rel1", page)
    assert ("ONP006", ORIGIN + "/a") in {(f.rule, f.url) for f in rel1.report.findings}
    path = tmp_path / "baseline.txt"
    baseline.write(path, baseline.entries_for(rel1.report.findings, ORIGIN))
    settings = Settings(gate=GateSettings(baseline=path), select=["ONP006", "HTTP"])
    rel2 = run("rel2", broken)
    result = gate.evaluate(rel2.report, settings, store_path=rel2.store_path)
    assert result.baseline is not None
    assert "ONP006 /a" in result.baseline.not_comparable
    assert "ONP006 /a" not in result.baseline.fixed
    stores = [Store(rel1.store_path), Store(rel2.store_path)]
    try:
        with rundiff.diff_stores(*stores) as diff:
            onp006 = {d.rule: d for d in diff.rules}["ONP006"]
            assert (onp006.fixed, onp006.not_comparable) == (0, 1)
    finally:
        for store in stores:
            store.close()
    runner = CliRunner()
    update = runner.invoke(
        app, ["baseline", "update", str(rel2.store_path), "--baseline", str(path), "--isolated"]
    )
    assert update.exit_code == 0, update.output
    assert "ONP006 /a" in path.read_text()  # kept: the page's debt is still known


def test_a_failure_lists_the_worst_url_of_each_issue_and_says_how_many_more() -> None:
    """Seven new errors of three issues were shown as five ROB008 lines, the issue of the
    highest impact, and nothing said that a noindex and a broken JSON-LD block failed too,
    or that there were more."""
    from seoaudit.models import Issue, ScoreInputs

    blocked = [finding("ROB008", f"/blog/{n}", cause="Disallow: /blog/") for n in range(5)]
    noindex = finding("IDX001", "/stores.html", cause="noindex")
    unparsable = finding("SD001", "/products/stormshell.html", cause="JSON-LD")
    found = [*blocked, noindex, unparsable]
    for f in found:
        f.issue = f.rule
    impact = {"ROB008": 90.0, "IDX001": 40.0, "SD001": 10.0}
    issues = [
        Issue(
            id=f.rule,
            rule=f.rule,
            name="some-problem",
            severity="error",
            title=f.rule,
            cause=f.cause,
            count=1,
            impact=impact[f.rule],
            priority="P1",
            score=ScoreInputs(severity_weight=10, affected=1, page_value_sum=1.0, formula="f"),
        )
        for f in (blocked[0], noindex, unparsable)
    ]
    rep = report(found)
    rep.issues = issues
    [check] = judge(rep).checks
    assert check.top == [
        f"ROB008 {SITE}/blog/0: ROB008 on /blog/0",
        f"IDX001 {SITE}/stores.html: IDX001 on /stores.html",
        f"SD001 {SITE}/products/stormshell.html: SD001 on /products/stormshell.html",
        f"ROB008 {SITE}/blog/1: ROB008 on /blog/1",
        f"ROB008 {SITE}/blog/2: ROB008 on /blog/2",
        "... and 2 more findings (1 issue)",
    ]
    assert judge(report(found[:2])).checks[0].top[-1].startswith("ROB008")  # all shown


def test_a_failed_kpi_shows_the_digits_that_tell_value_and_bound_apart() -> None:
    """Rounded to one precision, the value and the bound it crossed read the same:
    "indexable_share 50.0% < 50.0%", "ttfb_p95_ms 19 ms > 19 ms"."""
    summary = {"kpis": {"indexable_share": 0.5, "ttfb_ms": {"p95": 18.7, "p50": 950.0}}}
    bounds = [
        Kpi(metric="indexable_share", min=0.5004),
        Kpi(metric="ttfb_p95_ms", max=18.6),
        Kpi(metric="ttfb_p50_ms", max=800),
    ]
    result = judge(report([], summary=summary), kpis=bounds, fail_on="never")
    assert [c.measured for c in result.checks] == [
        "indexable_share 50.00% < 50.04%",
        "ttfb_p95_ms 18.7 ms > 18.6 ms",
        "ttfb_p50_ms 950 ms > 800 ms",  # as before when they differ anyway
    ]
