"""The structured-data KPI (kpis.py) measures the pages that carry structured data, and the
gate (gate.py) does not let a ``min`` bound pass over nothing: a site without markup scored
100% "structured data health", and a release that removed every JSON-LD block passed
``structured_data_health min = 0.9``."""

from __future__ import annotations

import io
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from seoaudit import gate
from seoaudit.audit import AuditResult, run_audit
from seoaudit.cli import app
from seoaudit.config import CrawlSettings, Kpi, Settings
from seoaudit.report import html, junit, markdown
from tests.sites import ORIGIN, transport

CRUMBS = {
    "@context": "https://schema.org",
    "@type": "BreadcrumbList",
    "itemListElement": [{"@type": "ListItem", "position": 1, "name": "Home", "item": f"{ORIGIN}/"}],
}
# required name and image missing, a price that is no number: SD errors
BROKEN = {"@context": "https://schema.org", "@type": "Product", "offers": {"price": "x"}}


def _page(title: str, links: list[str], markup: dict[str, Any] | None = None) -> dict[str, Any]:
    ld = f'<script type="application/ld+json">{json.dumps(markup)}</script>' if markup else ""
    anchors = "".join(f'<a href="{link}">{link}</a>' for link in links)
    return {"body": f"<html><head><title>{title}</title>{ld}</head><body>{anchors}</body></html>"}


def _site(markup: dict[str, dict[str, Any] | None]) -> dict[str, dict[str, Any]]:
    """The home page links every other path; ``markup``: path -> its JSON-LD (or None)."""
    others = [path for path in markup if path != "/"]
    pages = {"/": _page("home", others, markup.get("/"))}
    pages.update({path: _page(path, ["/"], data) for path, data in markup.items() if path != "/"})
    return pages


def _audit(pages: dict[str, dict[str, Any]], folder: Path, **settings: Any) -> AuditResult:
    full = Settings(
        start_urls=[ORIGIN + "/"],
        crawl=CrawlSettings(retries=0, sitemaps=False, probe=False),
        run_dir=folder,
        **settings,
    )
    return run_audit(full, transport=transport(pages))


def _kpis(result: AuditResult) -> dict[str, Any]:
    values = result.report.summary["kpis"]
    assert isinstance(values, dict)
    return values


def _check_min_kpi(store_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`seoaudit check RUN` in ``folder`` with a config of one KPI, structured-data health
    at least 90%, and no other check."""
    monkeypatch.chdir(folder)
    for name in [n for n in os.environ if n.startswith("SEOAUDIT_")]:
        monkeypatch.delenv(name)
    (folder / "seoaudit.toml").write_text(
        'fail_on = "never"\n\n[[kpis]]\nmetric = "structured_data_health"\nmin = 0.9\n'
    )
    return CliRunner().invoke(app, ["check", str(store_path)])


def test_a_site_without_structured_data_has_nothing_to_measure(tmp_path: Path) -> None:
    """It scored 100%: every HTML page was "without a structured-data error"."""
    result = _audit(_site({"/": None, "/a": None}), tmp_path)
    values = _kpis(result)
    assert values["structured_data_health"] is None  # was 1.0
    assert (values["html_pages"], values.get("structured_data_pages")) == (2, 0)
    page = html.render(result.report)
    card = page[page.index(">Structured data without errors<") :]
    card = card[: card.index('<div class="who">')]
    assert '<div class="value">n/a</div>' in card
    assert "no HTML pages with structured data in this run" in card


def test_valid_markup_is_measured_over_the_pages_that_carry_it(tmp_path: Path) -> None:
    result = _audit(_site({"/": CRUMBS, "/a": CRUMBS, "/b": None}), tmp_path)
    values = _kpis(result)
    assert values["structured_data_health"] == 1.0
    assert (values["html_pages"], values.get("structured_data_pages")) == (3, 2)
    page = html.render(result.report)
    assert "of 2 HTML pages with structured data" in page


def test_errors_count_against_the_pages_with_markup_only(tmp_path: Path) -> None:
    """One page of three with markup has errors: 2/3, not 3/4 (the page without markup
    made the share look better)."""
    pages = _site({"/": CRUMBS, "/a": BROKEN, "/b": CRUMBS, "/c": None})
    result = _audit(pages, tmp_path)
    errors = {f.url for f in result.report.findings if f.rule.startswith("SD")}
    assert errors == {ORIGIN + "/a"}
    values = _kpis(result)
    assert values["structured_data_health"] == pytest.approx(2 / 3, abs=1e-4)  # was 3/4
    assert values.get("structured_data_pages") == 3
    # the HTML card and the Markdown summary say what is measured
    page = html.render(result.report)
    assert ">Structured data without errors<" in page and "66.7%" in page
    assert "of 3 HTML pages with structured data" in page
    card = page[page.index(">Structured data without errors<") :]
    card = card[: card.index("</div>\n      </div>")]
    assert "pages without markup not counted" in card
    assert "eligible for rich results" not in card  # it measured every HTML page
    assert "Structured data without errors **66.7%**" in markdown.render(result.report)


def test_the_kpi_is_not_measured_when_no_structured_data_rule_ran(tmp_path: Path) -> None:
    """Not looked for is not "removed": no count of pages, and the gate skips the bound
    (as before), saying so."""
    result = _audit(_site({"/": CRUMBS}), tmp_path, select=["HTTP"])
    values = _kpis(result)
    assert values["structured_data_health"] is None
    assert "structured_data_pages" in values and values["structured_data_pages"] is None
    check = gate.evaluate(
        result.report,
        Settings(kpis=[Kpi(metric="structured_data_health", min=0.9)], fail_on="never"),
        today=date(2026, 6, 1),
    ).checks[0]
    assert (check.status, check.measured) == (
        "skipped",
        "structured_data_health: nothing to measure in this run",
    )


def test_a_min_kpi_fails_a_release_that_removed_all_structured_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Release 2 drops every JSON-LD block: ``structured_data_health min = 0.9`` passed it
    (100% of the HTML pages "without an error"). A minimum over no page with structured
    data now fails, saying why, in the gate result, the CI reports and the terminal."""
    bounds = [Kpi(metric="structured_data_health", min=0.9)]
    first = _audit(_site({"/": CRUMBS, "/a": CRUMBS}), tmp_path / "r1")
    second = _audit(_site({"/": None, "/a": None}), tmp_path / "r2")
    settings = Settings(kpis=bounds, fail_on="never")
    before = gate.evaluate(first.report, settings, today=date(2026, 6, 1))
    assert before.verdict == "pass" and before.checks[0].status == "pass"

    after = gate.evaluate(second.report, settings, today=date(2026, 6, 1))
    [check] = after.checks
    said = (
        "structured_data_health: nothing to measure, 0 HTML pages with structured data in "
        "this run (min 90.0% cannot hold over none)"
    )
    assert (check.status, check.measured) == ("fail", said)
    assert after.verdict == "fail" and after.reasons == [f"structured data health: {said}"]
    second.report.gate = after.as_json()
    assert markdown.cell(said, 300) in markdown.render(second.report)
    xml = io.StringIO()
    junit.write(second.report, xml)
    assert f'message="{said}"' in xml.getvalue()

    # A max bound cannot be broken by nothing: skipped, and it says over what.
    only_max = Settings(kpis=[Kpi(metric="structured_data_health", max=1.0)], fail_on="never")
    [skipped] = gate.evaluate(second.report, only_max, today=date(2026, 6, 1)).checks
    assert skipped.status == "skipped"
    assert "0 HTML pages with structured data" in skipped.measured

    # In the terminal: `seoaudit check` fails (exit 1) and says why.
    result = _check_min_kpi(second.store_path, tmp_path, monkeypatch)
    assert result.exit_code == 1, result.output
    assert "Gate: FAIL" in result.output
    assert "0 HTML pages with structured data" in " ".join(result.output.split())


def test_a_skipped_kpi_is_said_in_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A KPI with nothing to measure was left out of the terminal's gate lines: a green
    PASS did not say that a bound was never checked."""
    run = _audit(_site({"/": None}), tmp_path, select=["HTTP"])
    result = _check_min_kpi(run.store_path, tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Gate: PASS" in said
    assert "skipped: structured data health: structured_data_health: nothing to measure" in said


def test_the_trend_never_compares_two_definitions_of_the_kpi(tmp_path: Path) -> None:
    """A run stored before this definition kept 100% for a site whose markup now scores
    2/3: its point is left out of the trend, not shown as a 33-point drop."""
    result = _audit(_site({"/": CRUMBS, "/a": BROKEN, "/b": CRUMBS}), tmp_path)
    report = result.report
    old = {"run_id": "old", "kpis": {"structured_data_health": 1.0, "canonical_health": 0.0}}
    now = {"run_id": report.run.run_id, "kpis": report.summary["kpis"]}
    report.summary["kpi_trend"] = [old, now]
    cards = {card["label"]: card for card in html._kpi_cards(report.summary)}
    assert cards["Structured data without errors"]["delta"] is None
    assert cards["Canonical health"]["delta"] == "+0.0 pts"  # same definition: compared


def test_coverage_catches_a_release_that_removed_most_of_the_markup(tmp_path: Path) -> None:
    """Health is measured over the pages still marked up: a release that removed the markup
    from three pages of four kept it at 100%. Coverage sees it."""
    paths = ["/", "/a", "/b", "/c"]
    before = _audit(_site(dict.fromkeys(paths, CRUMBS)), tmp_path / "before")
    after = _audit(_site({**dict.fromkeys(paths), "/": CRUMBS}), tmp_path / "after")
    assert _kpis(before)["structured_data_coverage"] == 1.0
    assert _kpis(after)["structured_data_coverage"] == 0.25
    assert _kpis(after)["structured_data_health"] == 1.0  # blind to the removal
    bound = Settings(kpis=[Kpi(metric="structured_data_coverage", min=0.9)], fail_on="never")
    [passed] = gate.evaluate(before.report, bound).checks
    [failed] = gate.evaluate(after.report, bound).checks
    assert (passed.status, failed.status) == ("pass", "fail")
    assert "25.0%" in failed.measured


def test_the_trend_holds_earlier_runs_of_the_same_scope_only(tmp_path: Path) -> None:
    """`seoaudit report REL2` compared release 2 with a `--max-pages 1` run made after it
    in the same folder ("-50.0 pts since the previous run"), and its `kpi_trend` listed
    runs started after it, and runs of another rule selection."""
    from seoaudit.report import build_report
    from seoaudit.site import Site
    from seoaudit.store import Store

    def audit(pages: dict[str, dict[str, Any]], run_id: str, **settings: Any) -> AuditResult:
        crawl = settings.pop("crawl", {})
        full = Settings(
            start_urls=[ORIGIN + "/"],
            crawl=CrawlSettings(retries=0, sitemaps=False, probe=False, **crawl),
            run_dir=tmp_path,
            **settings,
        )
        return run_audit(full, transport=transport(pages), run_id=run_id)

    release_1 = _site({"/": None, "/a": None, "/b": None})
    release_2 = {
        **release_1,
        "/b": {
            "body": _page("b", ["/"])["body"].replace(
                "<head>", '<head><meta name="robots" content="noindex">'
            )
        },
    }
    audit(release_1, "rel1")
    rel2 = audit(release_2, "rel2")
    one = audit(release_2, "one-page", crawl={"max_pages": 1})  # a quick check, later
    sd_only = audit(release_2, "sd-only", select=["SD"])
    assert one.report.run.message and "max-pages" in one.report.run.message
    assert _kpis(rel2)["indexable_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert _kpis(one)["indexable_share"] == 1.0

    store = Store(rel2.store_path)
    try:
        again = build_report(store, Site(store))  # `seoaudit report rel2`, after the others
    finally:
        store.close()
    assert [p["run_id"] for p in again.summary["kpi_trend"]] == ["rel1", "rel2"]
    cards = {card["label"]: card for card in html._kpi_cards(again.summary)}
    assert cards["Indexable URLs"]["delta"] == "-33.3 pts"  # against rel1, not the 1-page run
    # the other scopes have no previous run here: not a full audit's
    assert [p["run_id"] for p in one.report.summary["kpi_trend"]] == ["one-page"]
    assert [p["run_id"] for p in sd_only.report.summary["kpi_trend"]] == ["sd-only"]
    # a later full audit of the same scope follows rel2
    rel3 = audit(release_2, "rel3")
    assert [p["run_id"] for p in rel3.report.summary["kpi_trend"]] == ["rel1", "rel2", "rel3"]
